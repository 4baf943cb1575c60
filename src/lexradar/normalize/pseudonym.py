"""Pseudonyms for golden examples made from a real case: same person, same pseudonym.

A golden example made in the studio from records of the lake would otherwise carry a real
person's ID, name and address into the model's examples file, onto ``/models/{id}`` for every
region and into the bundle sent to other procuratorates. :class:`Pseudonymiser` replaces the
values of every type the registry marks *replaced* (:data:`lexradar.normalize.types.REPLACED`:
resident IDs, names, addresses, certificate and document numbers), keeping what the rule is
about:

- **consistent**: one real value has one pseudonym across all the rows of the example (and the
  texts that quote it), so joins on a person, a household or a certificate still join;
- **resident IDs** keep their address code and birth date (rules compare the ID's county with
  the registration's; dates are kept) and have the three sequence digits replaced through a
  random permutation that keeps their parity (so the gender); the check character is computed
  again, so a valid ID stays valid — and a wrong one stays wrong by the same amount, so an ID
  mistyped in one record is still one character off its pseudonymised original. A digit
  substituted or two digits swapped in the first 14 characters stay so;
- **names** have each character replaced through a random one-to-one table (surnames from
  common surnames, compound surnames from compound ones, other characters from common given-name
  characters, middle dots kept): two spellings one character apart stay one character apart,
  and no character is replaced by itself;
- **addresses** keep their divisions down to the county; the street is replaced one-to-one and
  the house number's digits through a digit permutation;
- **certificate and document numbers** keep letters, separators and a certificate's region
  and year; their other digits go through a digit permutation without fixed points. A document
  number that is a resident ID (a driving licence's) gets the ID's pseudonym.

Dates, amounts, region codes and codes are kept. The tables are drawn from a fresh random key
per pseudonymiser and never stored, so a pseudonym cannot be traced back without the lake.

Two ways a pseudonym could still be a real value, and what prevents them:

- **another person of the same example**: two IDs of one county and birth date (a family, a
  household) whose sequence digits the permutation maps one onto the other.
  :meth:`Pseudonymiser.for_rows` draws keys until no pseudonym of the rows is one of the rows'
  own values;
- **pseudonymising pseudonyms again**: two independent permutations undo each other on a
  digit one time in four, so a pseudonymised ID pseudonymised again with a fresh key is the
  real ID about one time in 64. Rows are therefore pseudonymised once: an example that holds
  pseudonyms says so (``pseudonymised: true``, :mod:`lexradar.models.examples`) and is carried
  as it is.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from lexradar.datasets.contract_model import CONTRACT
from lexradar.errors import NormalizeError
from lexradar.normalize import address as address_
from lexradar.normalize import cert_no as cert_no_
from lexradar.normalize import name as name_
from lexradar.normalize import resident_id as rid
from lexradar.normalize.masking import column_type
from lexradar.normalize.types import REPLACED

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
"""Single-character surnames that pseudonyms draw from."""

GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力林斌宇浩凯鹏飞鑫波志宁晨"
    "雪琳欣怡佳慧颖婷晶倩梅琴云莉燕玲丹蕾薇雯璐晓东海峰岩松柏青春秋冬阳光荣德仁义礼智信忠孝诚"
)
"""Characters that pseudonyms' given names draw from."""

STREETS = (
    "长安路 和平路 团结街 向阳路 朝阳街 建国路 兴安街 北苑路 西园街 东风路 "
    "永安路 安民街 富民路 新村街 青年路 振兴街 春晖路 丰收街 育才路 福康街"
)
"""Streets (space-separated) that pseudonymised addresses draw from, then numbered ones."""

_DIGITS = "0123456789"
MAX_DRAWS = 64
"""Keys :meth:`Pseudonymiser.for_rows` draws before it gives up."""
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def _derangement(rng: random.Random, items: str) -> dict[str, str]:
    """A random one-to-one table of ``items`` onto themselves with no item kept."""
    shuffled = list(items)
    while True:
        rng.shuffle(shuffled)
        if all(a != b for a, b in zip(items, shuffled, strict=True)):
            return dict(zip(items, shuffled, strict=True))


class _Table:
    """A one-to-one replacement drawn lazily from a pool, never mapping a value to itself."""

    def __init__(self, rng: random.Random, pool: list[str], fallback: str) -> None:
        self._pool = pool
        rng.shuffle(self._pool)
        self._fallback = fallback
        self._map: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, value: str) -> str:
        if value not in self._map:
            pick = next((p for p in self._pool if p not in self._used and p != value), None)
            if pick is None:  # pool exhausted: numbered, still one-to-one
                pick = f"{self._fallback}{len(self._map) + 1}"
            self._used.add(pick)
            self._map[value] = pick
        return self._map[value]


class Pseudonymiser:
    """Consistent pseudonyms for the personal values of one golden example (see the module)."""

    def __init__(self, seed: int | str | bytes | None = None) -> None:
        rng = random.Random(secrets.token_bytes(16) if seed is None else seed)
        evens, odds = _derangement(rng, "02468"), _derangement(rng, "13579")
        self._sequence = {**evens, **odds}  # parity kept: the 17th digit is the gender
        self._digits = _derangement(rng, _DIGITS)
        compound = sorted(name_.COMPOUND_SURNAMES)
        self._surname = _Table(rng, list(SURNAMES), "姓")
        self._compound = _Table(rng, compound, "复姓")
        self._given = _Table(rng, list(GIVEN), "名")
        self._street = _Table(rng, STREETS.split(), "新建路")
        self.replaced: dict[str, str] = {}
        """Every real value replaced so far (as written) → its pseudonym."""

    @classmethod
    def for_rows(
        cls, given: Mapping[str, Sequence[Mapping[str, Any]]], draws: int = MAX_DRAWS
    ) -> Pseudonymiser:
        """A pseudonymiser for these rows (dataset → rows) whose pseudonyms of their values are
        none of their values: two persons of one county and birth date must not swap IDs, nor
        one take another's name. Raises :class:`NormalizeError` when ``draws`` keys all fail
        (only rows made of nearly every sequence of one county and day do)."""
        reals: list[tuple[str, Any]] = []
        for dataset, rows in given.items():
            types = CONTRACT[dataset].value_types() if dataset in CONTRACT else {}
            for row in rows:
                for key, value in row.items():
                    kind = types.get(key) or column_type(key)
                    for v in value if isinstance(value, list | tuple) else [value]:
                        if kind in REPLACED and v is not None and v != "":
                            reals.append((kind, v))
        values = {str(v) for _, v in reals}
        for _ in range(draws):
            pseudo = cls()
            if not any(str(pseudo.value(kind, v)) in values for kind, v in reals):
                return pseudo
        raise NormalizeError(
            f"no pseudonyms distinct from the rows' own values in {draws} draws",
            reason="pseudonyms",
            value=f"{len(values)} values",
        )

    # --- one value per type -------------------------------------------------------------

    def value(self, type_name: str, value: Any) -> Any:
        """The pseudonym of ``value`` of value type ``type_name``; a type that is not replaced,
        ``None`` and an empty value are returned as they are; a list item by item."""
        if isinstance(value, list | tuple):
            return [self.value(type_name, v) for v in value]
        if type_name not in REPLACED or value is None or value == "":
            return value
        text = str(value)
        if text not in self.replaced:
            make = {
                "resident_id": self.resident_id,
                "name": self.name,
                "address": self.address,
                "cert_no": self.cert_no,
                "doc_no": self.doc_no,
            }[type_name]
            self.replaced[text] = make(text)
        return self.replaced[text]

    def resident_id(self, value: str) -> str:
        """Address code and birth date kept, sequence permuted (parity kept), check recomputed
        with the original's error carried over."""
        text = "".join(str(value).split()).upper()
        if re.fullmatch(r"[0-9]{17}[0-9X]", text):
            body = text[:14] + "".join(self._sequence[d] for d in text[14:17])
            error = (
                rid.CHECK_CHARS.index(text[17]) - rid.CHECK_CHARS.index(rid.check_digit(text[:17]))
            ) % 11
            check = rid.CHECK_CHARS[(rid.CHECK_CHARS.index(rid.check_digit(body)) + error) % 11]
            return body + check
        if re.fullmatch(r"[0-9]{15}", text):
            return text[:12] + "".join(self._sequence[d] for d in text[12:15])
        return text[:6] + "".join(self._digits.get(c, c) for c in text[6:])

    def name(self, value: str) -> str:
        """Each character replaced one-to-one; the surname from the surnames."""
        text = name_.clean_or_raw(value)
        surname = name_.surname(text)
        if len(surname) == 2:
            first = self._compound(surname)
        else:
            first = self._surname(surname) if surname and name_.is_han(surname) else surname
        rest = "".join(self._given(c) if name_.is_han(c) else c for c in text[len(surname) :])
        return first + rest

    def address(self, value: str) -> str:
        """Divisions kept; street replaced one-to-one; digits of the house number permuted."""
        try:
            text = address_.clean(value)
        except NormalizeError:
            text = str(value).strip()
        kept = address_.divisions(text)
        street = address_.street(text)[len(kept) :]
        tail = text[len(kept) + len(street) :]
        new_street = self._street(street) if street else ""
        return kept + new_street + "".join(self._digits.get(c, c) for c in tail)

    def cert_no(self, value: str) -> str:
        """Letters, region and year kept; the sequence's digits permuted."""
        try:
            text = cert_no_.clean(value)
        except NormalizeError:
            text = str(value)
        m = cert_no_.LAYOUT.fullmatch(text)
        if m:
            head = m.group(1) + m.group(2) + m.group(3)
            return head + "".join(self._digits[d] for d in m.group(4))
        return "".join(self._digits.get(c, c) for c in text)

    def doc_no(self, value: str) -> str:
        """Letters and separators kept, digits permuted; a resident ID gets the ID's pseudonym."""
        if rid.parse(value).status in ("valid", "bad_check_digit"):
            return str(self.value("resident_id", value))
        return "".join(self._digits.get(c, c) for c in str(value))

    # --- records and texts ----------------------------------------------------------------

    def record(
        self, row: Mapping[str, Any], types: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """A mapping of columns with every value of a replaced type pseudonymised: ``types`` when
        given, else :func:`lexradar.normalize.masking.column_type`."""
        return {k: self.value((types or {}).get(k) or column_type(k), v) for k, v in row.items()}

    def rows(self, dataset: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Records of canonical dataset ``dataset``, pseudonymised by their fields' types."""
        types = CONTRACT[dataset].value_types()
        return [self.record(r, types) for r in rows]

    def text(self, text: str) -> str:
        """``text`` with every real value replaced so far swapped for its pseudonym (longest
        first), then any other 18-character resident ID in it pseudonymised."""
        if not text:
            return text
        reals = sorted((r for r in self.replaced if len(r) >= 2), key=len, reverse=True)
        pattern = re.compile("|".join([*map(re.escape, reals), _ID_IN_TEXT.pattern]))

        def swap(m: re.Match[str]) -> str:  # one pass: a pseudonym is never replaced again
            found = m.group(0)
            return self.replaced.get(found) or str(self.value("resident_id", found))

        return pattern.sub(swap, text)

    def any(self, value: Any) -> Any:
        """A value of unknown type (an expectation, a parameter): texts through :meth:`text`,
        lists and mappings item by item."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return [self.any(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self.any(v) for k, v in value.items()}
        return value


def pseudonymise_given(
    given: Mapping[str, list[Mapping[str, Any]]], pseudonymiser: Pseudonymiser | None = None
) -> dict[str, list[dict[str, Any]]]:
    """An example's ``given`` rows (dataset → rows), pseudonymised consistently."""
    p = pseudonymiser or Pseudonymiser()
    return {dataset: p.rows(dataset, list(rows)) for dataset, rows in given.items()}
