"""Masking personal data: the one place lexradar decides what a role that sees masked data sees.

Everything shown or written out — clue evidence and explanations, the records side by side,
notes the casebook writes, studio search hits, exports, documents, log lines — passes through
these functions, and they follow the contract's value types
(:mod:`lexradar.normalize.types`):

- :func:`mask` — one value of a known type: ``mask("resident_id", "150404199001011234")`` is
  ``150404********1234``, ``mask("name", "欧阳娜娜")`` is ``欧阳**``, an address keeps its
  divisions down to the county, a date of birth its year; values of other types are shown, with
  any resident ID inside a text masked;
- :func:`mask_row` — a record of a canonical dataset, by its fields' types;
- :func:`mask_record` — any mapping of columns (a model's result, a clue's evidence), each
  column typed by :func:`column_type`;
- :func:`mask_text` — a free text, given the personal values known to be in it (the names of
  the clue's records): each known value, and the spellings of a known name that differ from it
  by one character (another clerk's transliteration, another middle dot, a traditional form),
  replaced by its mask; then every resident ID in the text.

Revealing, an audited action with a reason, is the only way to see the values behind.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Any

from lexradar.datasets.contract_model import CONTRACT, PROVENANCE
from lexradar.normalize import name as name_
from lexradar.normalize.resident_id import mask_in_text
from lexradar.normalize.types import MASKED, value_type

Known = Iterable[tuple[str, Any]]
"""Personal values known to appear in a text: (value type, value) pairs."""


def mask(type_name: str, value: Any) -> Any:
    """``value`` of value type ``type_name`` as a role that sees masked data sees it.

    ``None`` stays ``None``; a list or tuple is masked item by item; a string of a type that is
    not itself masked still has the resident IDs inside it masked.
    """
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [mask(type_name, v) for v in value]
    masked = value_type(type_name).mask(value)
    return mask_in_text(masked) if isinstance(masked, str) else masked


@cache
def _field_types() -> dict[str, str]:
    """Contract field name → value type, for names whose type is the same in every dataset."""
    seen: dict[str, set[str]] = {}
    for ds in CONTRACT.values():
        for f in ds.fields:
            seen.setdefault(f.name, set()).add(f.value_type)
    for f in PROVENANCE:
        seen.setdefault(f.name, set()).add(f.value_type)
    stems: dict[str, set[str]] = {}  # birth_date → birth: models shorten dates so
    for field_name, types in seen.items():
        if field_name.endswith("_date"):
            stems.setdefault(field_name.removesuffix("_date"), set()).update(types)
    for stem, types in stems.items():
        seen.setdefault(stem, types)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


_NUMBERED = re.compile(r"_[0-9]+$")


@cache
def column_type(column: str) -> str:
    """The value type of a column named ``column`` in a model's result or a clue's evidence.

    A contract field name gives its own type (``birth_date``, ``region_code``); otherwise the
    longest contract field name the column ends with after an underscore (``new_person_id`` is a
    ``resident_id``, ``old_spouse_name`` a ``name``, ``new_cert_no`` a ``cert_no``,
    ``death_date`` a ``date``); a plural takes its singular's type (``doc_nos``), a numbered
    column its base's (``person_id_1``, ``name_2``), a date field's stem the date's
    (``birth_1`` is a ``birth_date``); anything else is ``text`` (whose resident IDs are masked
    all the same).
    """
    types = _field_types()
    column = _NUMBERED.sub("", column)  # person_id_1, name_2: one of several
    for candidate in (column, column[:-1] if column.endswith("s") else None):
        if not candidate:
            continue
        if candidate in types:
            return types[candidate]
        suffixes = [f for f in types if candidate.endswith("_" + f)]
        if suffixes:
            return types[max(suffixes, key=len)]
    return "text"


def mask_record(
    row: Mapping[str, Any], types: Mapping[str, str] | None = None, known: Known = ()
) -> dict[str, Any]:
    """A mapping of columns masked by type: ``types[column]`` when given, else
    :func:`column_type`. Free texts (columns whose type is not masked) are masked with
    :func:`mask_text`, knowing the record's own personal values and ``known``."""
    typed = {k: (types or {}).get(k) or column_type(k) for k in row}
    masker = TextMasker([*known_values(row, typed), *known])
    out: dict[str, Any] = {}
    for k, v in row.items():
        if typed[k] in MASKED:
            out[k] = mask(typed[k], v)
        elif isinstance(v, str):
            out[k] = mask(typed[k], masker(v))
        elif isinstance(v, list | tuple):
            out[k] = [mask(typed[k], masker(x) if isinstance(x, str) else x) for x in v]
        else:
            out[k] = mask(typed[k], v)
    return out


def mask_row(dataset: str, row: Mapping[str, Any], known: Known = ()) -> dict[str, Any]:
    """A record of canonical dataset ``dataset`` masked by its fields' value types."""
    return mask_record(row, CONTRACT[dataset].value_types(), known)


def known_values(
    row: Mapping[str, Any], types: Mapping[str, str] | None = None
) -> list[tuple[str, Any]]:
    """The personal values of a record: (type, value) for every column of a masked type."""
    out = []
    for k, v in row.items():
        t = (types or {}).get(k) or column_type(k)
        if t not in MASKED or v is None:
            continue
        for item in v if isinstance(v, list | tuple) else [v]:
            if item is not None and item != "":
                out.append((t, item))
    return out


def _spellings(type_name: str, value: Any) -> set[str]:
    """The ways a known value can be written in a text."""
    if isinstance(value, dt.date):
        return {value.isoformat(), f"{value.year}年{value.month}月{value.day}日"}
    text = str(value).strip()
    out = {text} if text else set()
    if type_name == "name":
        out.add(_clean_name(text))
    return {s for s in out if s}


def _near(a: str, b: str) -> bool:
    """Within one edit (substitution, insertion or deletion) of each other."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _plain(text: str) -> str | None:
    """``text`` folded as names are cleaned (NFKC, simplified, one kind of middle dot), when that
    keeps every character in its place; else ``None``. One OpenCC pass for the whole text."""
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) != len(text):
        return None
    simplified = name_.to_simplified(folded)
    if len(simplified) != len(text):
        return None
    return "".join(name_.MIDDLE_DOT if c in name_.MIDDLE_DOTS else c for c in simplified)


_NAME_RUN = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    + re.escape("".join(sorted(name_.MIDDLE_DOTS)))
    + "]+"
)
"""A run of the characters names are written in (Han, middle dots)."""


def _is_name_char(c: str) -> bool:
    return name_.is_han(c) or c in name_.MIDDLE_DOTS


_STATED = re.compile(r"/(?=[0-9]|—|-|\*)")
_LEAD_INS = ("记载为", "记为", "为", "和", "及", "、")
"""Words that open a name in the models' "name/ID" form (``分别记为巴图尔/1504…``)."""


_NAME_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff" + re.escape(
    "".join(sorted(name_.MIDDLE_DOTS - {".", name_.IDEOGRAPHIC_FULL_STOP}))
)
_PAIR = re.compile(rf"[（(]([{_NAME_CHARS}]{{2,12}})(?:与|和| and )([{_NAME_CHARS}]{{2,12}})[）)]")
"""Two persons named as a couple in parentheses, as models write them: ``（张婷与满都拉）``."""


def _stated_names(text: str) -> list[tuple[int, int]]:
    """Spans of the names a text states in the models' forms: ``name/ID`` (``冯建/1521…``,
    ``张三/—``: the name characters right before the slash, after the last lead-in word) and a
    couple in parentheses (``（张婷与满都拉）``, ``(张婷 and 满都拉)``)."""
    out = [span for m in _PAIR.finditer(text) for span in (m.span(1), m.span(2))]
    for m in _STATED.finditer(text):
        end = start = m.start()
        while start > 0 and end - start < 16 and _is_name_char(text[start - 1]):
            start -= 1
        run = text[start:end]
        cut = max((run.rfind(w) + len(w) for w in _LEAD_INS if w in run), default=0)
        if cut or len(run) <= 4:
            start += cut
        else:
            continue  # no word opens the name: too unsure to mask a long run
        if end - start >= 1:
            out.append((start, end))
    return out


@lru_cache(maxsize=65536)
def _clean_name(value: str) -> str:
    return name_.clean_or_raw(value)


@lru_cache(maxsize=65536)
def _mask_name(value: str) -> str:
    return str(name_.mask(value))


class TextMasker:
    """:func:`mask_text` prepared for one set of known values, to mask many texts with them."""

    def __init__(self, known: Known = ()) -> None:
        pairs = [(t, v) for t, v in known if t in MASKED]
        literal = {(s, t, v) for t, v in pairs for s in _spellings(t, v)}
        self.literal = [
            (spelling, _mask_name(spelling) if t == "name" else str(mask(t, v)))
            for spelling, t, v in sorted(literal, key=lambda x: (-len(x[0]), x[0]))
        ]
        self.names = sorted({_clean_name(str(v)) for t, v in pairs if t == "name"} - {""})

    def __call__(self, text: str) -> str:
        if not text:
            return text
        runs = [m.span() for m in _NAME_RUN.finditer(text)]
        if not runs:
            return mask_in_text(text)
        spans: list[tuple[int, int, str]] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e, _ in spans)

        for spelling, shown in self.literal:
            start = text.find(spelling)
            while start >= 0:
                if free(start, start + len(spelling)):
                    spans.append((start, start + len(spelling), shown))
                start = text.find(spelling, start + 1)
        candidates = self._variants(text, runs) if self.names else []
        for *_, start, end in sorted(candidates):  # the closest spelling wins on overlaps
            if free(start, end):
                spans.append((start, end, _mask_name(text[start:end])))
        for start, end in _stated_names(text):
            if free(start, end):
                spans.append((start, end, _mask_name(text[start:end])))
        out, at = [], 0
        for s, e, shown in sorted(spans):
            out += [text[at:s], shown]
            at = e
        out.append(text[at:])
        return mask_in_text("".join(out))

    def _variants(
        self, text: str, runs: list[tuple[int, int]]
    ) -> list[tuple[bool, bool, int, int, int]]:
        """(not exact, other first character, size off, start, end) of each spelling near a
        known name."""
        plain = _plain(text)
        out = []
        for known_name in self.names:
            size_known = len(known_name)
            if size_known == 2:  # 斯琴/斯勤 where a phrase begins or ends
                for run_start, run_end in runs:
                    if run_end - run_start < 2:
                        continue
                    for start in {run_start, run_end - 2}:
                        window = (plain or text)[start : start + 2]
                        if window[:1] == known_name[:1]:
                            out.append((True, False, 0, start, start + 2))
                continue
            if size_known < 3:
                continue
            for run_start, run_end in runs:
                for size in (size_known - 1, size_known, size_known + 1):
                    for start in range(run_start, run_end - size + 1):
                        window = (
                            plain[start : start + size]
                            if plain
                            else _clean_name(text[start : start + size])
                        )
                        if window[:1] != known_name[:1] and window[-1:] != known_name[-1:]:
                            continue  # one edit away keeps the first or the last character
                        if window == known_name or _near(window, known_name):
                            out.append(
                                (
                                    window != known_name,
                                    window[:1] != known_name[:1],
                                    abs(size - size_known),
                                    start,
                                    start + size,
                                )
                            )
        return out


def mask_text(text: str, known: Known = ()) -> str:
    """``text`` with the known personal values in it masked, then every resident ID in it.

    A known name of three characters or more is also found spelt within one character of it
    (巴特尔/巴图尔, 其力嘎/其贺力嘎, a look-alike middle dot); a two-character name with another
    second character only where a run of Han characters begins or ends with it (``姓名为斯勤，``
    for 斯琴), since elsewhere one character off a two-character name is too often a word. A
    name stated against an ID in the models' form ``name/ID`` (``发放记录记为冯建/1521…``) is
    masked whether known or not, and so are two persons named as a couple in parentheses
    (``（张婷与满都拉）``). To mask many texts with the same known values, use
    :class:`TextMasker`.
    """
    return TextMasker(known)(text)
