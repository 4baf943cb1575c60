"""Charges (罪名) normalised to the official list of the Criminal Law.

``data/charges.csv`` holds the official charge names with their article (``133-1`` for
第一百三十三条之一), reconstructed from the Criminal Law and the Supreme People's Court and
Procuratorate's charge lists; ``data/charge_aliases.csv`` maps retired names and common
spellings onto them.

Many official charges are *selective* (选择性罪名): ``走私、贩卖、运输、制造毒品罪`` is charged as
``贩卖毒品罪`` or ``贩卖、运输毒品罪`` depending on what the defendant did. A judgment's charge
is kept as the court wrote it (that is the charge) and carries the official charge it selects
from (``official``), so ``贩卖毒品罪`` and ``运输毒品罪`` stay apart while both point to
article 347.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from dataclasses import dataclass
from importlib import resources

_FULL_WIDTH = str.maketrans("()", "（）", " \u3000\t\r\n")


@dataclass(frozen=True, slots=True)
class Charge:
    """A charge as written (``name``), the official charge it is or selects from, its article."""

    name: str
    official: str
    article: str


@dataclass(frozen=True, slots=True)
class _Table:
    articles: dict[str, str]
    aliases: dict[str, str]
    selective: tuple[tuple[str, str], ...]  # (official, official without 、)


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("lexradar.documents").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _table() -> _Table:
    articles: dict[str, str] = {}
    for line, row in enumerate(_read("charges.csv"), start=2):
        charge = row["charge"].translate(_FULL_WIDTH)
        if not charge.endswith("罪") or charge in articles:
            raise ValueError(f"documents/data/charges.csv, line {line}: bad or repeated {charge!r}")
        articles[charge] = row["article"]
    aliases: dict[str, str] = {}
    for line, row in enumerate(_read("charge_aliases.csv"), start=2):
        target = row["charge"].translate(_FULL_WIDTH)
        if target not in articles:
            raise ValueError(
                f"documents/data/charge_aliases.csv, line {line}: {target!r} is not in charges.csv"
            )
        aliases[row["alias"].translate(_FULL_WIDTH)] = target
    selective = tuple((c, c.replace("、", "")) for c in articles if "、" in c)
    return _Table(articles, aliases, selective)


def official_charges() -> dict[str, str]:
    """Every official charge name with its article (``{"危险驾驶罪": "133-1", ...}``)."""
    return dict(_table().articles)


def _selects(bare: str, official: str) -> bool:
    """Whether ``bare`` (a charge without 、) keeps items of the selective ``official``.

    What is left out must be whole enumerated items: each deleted run of characters starts or
    ends at an enumeration comma (or the name's start), so ``贩卖毒品罪`` selects from
    ``走私、贩卖、运输、制造毒品罪`` and ``非法持有枪支罪`` from ``非法持有、私藏枪支、弹药罪``.
    """
    n, m = len(bare), len(official)

    @functools.cache
    def walk(i: int, j: int) -> bool:
        if j == m:
            return i == n
        if official[j] == "、" and walk(i, j + 1):
            return True
        if i < n and bare[i] == official[j] and walk(i + 1, j + 1):
            return True
        for k in range(j + 1, m):
            starts = j == 0 or official[j] == "、" or official[j - 1] == "、"
            if (starts or official[k] == "、") and walk(i, k):
                return True
        return False

    return walk(0, 0)


@functools.lru_cache(maxsize=4096)
def normalise_charge(raw: str) -> Charge | None:
    """The charge a judgment writes, normalised; ``None`` when it is no charge of the list.

    ``"贩卖毒品罪"`` → ``Charge("贩卖毒品罪", "走私、贩卖、运输、制造毒品罪", "347")``;
    ``"危险驾驶罪"`` → itself, article ``133-1``; ``"窝藏包庇罪"`` → ``窝藏、包庇罪``.
    """
    name = raw.translate(_FULL_WIDTH).removeprefix("犯")
    if not name.endswith("罪"):
        name += "罪"
    table = _table()
    if name in table.articles:
        return Charge(name, name, table.articles[name])
    if name in table.aliases:
        target = table.aliases[name]
        return Charge(target, target, table.articles[target])
    bare = name.replace("、", "")
    chars = set(bare)
    best: str | None = None
    for official, flat in table.selective:
        if (
            len(bare) < len(flat)
            and chars <= set(flat)
            and (best is None or len(official) < len(best))
            and _selects(bare, official)
        ):
            best = official
    if best is not None:
        return Charge(name, best, table.articles[best])
    near = _nearest(name)
    return None if near is None else Charge(near, near, table.articles[near])


def _nearest(name: str) -> str | None:
    """The official charge a misspelt one means: 生产、销售不符合安全生产标准的食品罪 (one word
    too many) is 生产、销售不符合安全标准的食品罪. Only a near-identical name of at least six
    characters is taken (similarity 0.9 or more, same last two characters), never a guess."""
    if len(name) < 6:
        return None
    best, score = None, 0.9
    for official in _table().articles:
        if official[-2:] != name[-2:] or abs(len(official) - len(name)) > 3:
            continue
        ratio = difflib.SequenceMatcher(None, name, official).ratio()
        if ratio >= score:
            best, score = official, ratio
    return best
