"""Blocking: which pairs of mentions are compared at all.

Each rule is an equi-join, so the work grows with the size of the blocks, not with the square
of the table. Together they catch the ways one person's records disagree:

- ``id_body``: the ID without its check character (same ID; a damaged check character);
- ``birth_surname``: birth date and the pinyin of the first syllable (an ID typo anywhere, a
  second registration under a new ID);
- ``vkey_year_month``: transliteration key, birth year and month (a day off, with a typo'd ID);
- ``id_tail``: birth date and sequence of the ID (an old county code, a typo in the region);
- ``vkey_county_year``: transliteration key, the ID's county and birth year (a typo in the
  month or day digits of an ID when no birth date is stated);
- ``vkey_sequence``: transliteration key and the ID's sequence digits (a typo in the year digits;
  two digits swapped across the county/birth-date boundary, which spoils both);
- ``pinyin_county_sequence``: pinyin of the name, the ID's county and sequence digits (a typo in
  the birth digits of an ID under a homophone spelling: 其其格/琪琪格, whose transliteration keys
  differ).

Name + birth year and name + county alone made blocks that grow with the square of a common
name's frequency: at 1,500,000 persons they produced 51 M and 44 M of 111 M candidate pairs;
with the month (resp. the year) added, 6.4 M and 2.9 M.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from lexradar.engine.base import Engine

import math

BLOCKING_RULES: dict[str, str] = {
    "id_body": "l.id_body = r.id_body",
    "birth_surname": "l.birth_any = r.birth_any AND l.surname_py = r.surname_py",
    "vkey_year_month": (
        "l.name_vkey = r.name_vkey AND l.birth_year = r.birth_year "
        "AND month(l.birth_any) = month(r.birth_any)"
    ),
    "id_tail": "l.id_tail = r.id_tail",
    "vkey_county_year": (
        "l.name_vkey = r.name_vkey AND l.id_region_now = r.id_region_now "
        "AND l.birth_year = r.birth_year"
    ),
    "vkey_sequence": "l.name_vkey = r.name_vkey AND l.id_seq = r.id_seq",
    "pinyin_county_sequence": (
        "l.name_pinyin = r.name_pinyin AND l.id_region_now = r.id_region_now "
        "AND l.id_seq = r.id_seq"
    ),
    "vkey_id_month": (
        "l.name_vkey = r.name_vkey AND substr(l.id18, 1, 12) = substr(r.id18, 1, 12)"
    ),
}
"""Named blocking rules, in the order Splink applies them (a pair is counted once)."""

TRAINING_RULES: tuple[str, ...] = (
    "l.id_body = r.id_body",
    "l.birth_any = r.birth_any AND l.surname_py = r.surname_py",
)
"""EM passes: the first frees name, birth, gender and region; the second frees the ID."""

DETERMINISTIC_RULES: tuple[str, ...] = ("l.id18 = r.id18",)
"""Rules that are near certain matches, used to estimate the prior match probability."""


def pair_counts(engine: Engine, table: str = "mentions") -> dict[str, int]:
    """Pairs each rule adds that no earlier rule produced (what predict compares)."""
    counts: dict[str, int] = {}
    seen: list[str] = []
    for name, rule in BLOCKING_RULES.items():
        exclude = "".join(f" AND NOT coalesce({r}, FALSE)" for r in seen)
        sql = (
            f"SELECT count(*) FROM {table} l JOIN {table} r ON {rule} "
            f"WHERE l.unique_id < r.unique_id{exclude}"
        )
        counts[name] = int(cast("int | None", engine.scalar(sql, f"pairs of {name}")) or 0)
        seen.append(rule)
    return counts


U_PAIRS_PER_RECORD = 100
"""Random pairs sampled for u per input record (:func:`u_max_pairs`)."""

U_MAX_PAIRS = 5e6
"""Cap on the u sample: at 200,000 persons (390,000 mentions) 5e6 pairs already give every
level that random pairs meet more than ~1 time in 50,000 hundreds of observations."""

U_CHUNK_PAIRS = 1e6
"""Pairs per query of the u sample (:func:`u_chunks`)."""


def u_max_pairs(records: int) -> float:
    """How many random pairs to sample for u: ``100 × records``, at most :data:`U_MAX_PAIRS`.

    An exact level on a value that about one record in ``records`` holds has u ≈ 1/records, so
    a sample of 100 × records pairs meets it ~100 times — Splink's own ``min_count_per_level``
    — for a relative error of ~10 %. More pairs buy precision only for rarer levels, and those
    (a typo in an ID, a swapped pair of digits) a random sample of any affordable size meets a
    handful of times at most: they keep their start values
    (:data:`lexradar.linkage.comparisons.RARE`). On FEBRL3 (5,000 records) this is 5e5 pairs,
    half of Splink's default 1e6, for the same F1; at 200,000 persons it is the cap.
    """
    return float(min(U_MAX_PAIRS, U_PAIRS_PER_RECORD * records))


def u_chunks(max_pairs: float) -> int:
    """Chunks for ``estimate_u_using_random_sampling``: one per :data:`U_CHUNK_PAIRS` pairs.

    Splink splits the sample into chunks (default 10, after a 1 % probe) so that it can stop
    once every level has 100 observations; levels for clerical errors never get there (see
    :func:`u_max_pairs`), so every chunk runs, and each one repeats the sample's cross join.
    Chunks of a million pairs keep each query's memory bounded and run that join once per
    million pairs.
    """
    return max(1, math.ceil(max_pairs / U_CHUNK_PAIRS))
