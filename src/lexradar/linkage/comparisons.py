"""Splink comparisons made for Chinese person data.

Each comparison is a list of levels, most specific first; Splink learns a weight per level. The
conditions are plain DuckDB SQL over the columns of :mod:`lexradar.linkage.mentions`
(``_l`` and ``_r`` suffixes), cheap enough for millions of pairs:

- **ID**: exact; same after converting a 15-digit number to 18; one digit substituted or two
  adjacent digits swapped *where at least one of the two fails its check digit* (the check
  digit tells which ID is damaged: twins born the same day in the same county hold valid IDs that
  differ in one digit of the sequence, and must not look like a typo); an old county code that
  has since been renumbered, with the same birth date and sequence, and names that agree
  (:data:`NAMES_AGREE`). A generic "Hamming ≤ 2"
  level is deliberately absent: the ID embeds region and birth date, so it matches strangers
  born the same day in the same county. Two registry entries: no weight (see
  :data:`TWO_REGISTRATIONS`). ``hamming`` is ~150× cheaper than
  ``damerau_levenshtein``; the swap test looks only at the 17 positions of pairs already at
  Hamming distance 2.
- **Name**: exact (term-frequency adjusted: 王伟 is common, 那仁格日勒 is not); same without
  middle dots and spaces; same transliteration key (:mod:`lexradar.linkage.variants`,
  巴特尔/巴图尔); same pinyin ignoring tones (张伟/章伟); one character differs; pinyin
  Jaro-Winkler ≥ 0.9.
- **Birth date**: exact; day and month swapped; one of year, month, day differs.
- **Gender**, **region** (same county, same city; today's codes).
- **Address** (household registry only): same address under another name (a household member,
  fixed weight -10); same address; same street (the address up to its first digit); different
  (learned, ≈ 0: a second registration is in another place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lexradar.engine.base import Engine

Level = dict[str, Any]


def _null(col: str) -> Level:
    return {
        "sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
        "label_for_charts": "null",
        "is_null_level": True,
    }


def _else() -> Level:
    return {"sql_condition": "ELSE", "label_for_charts": "different"}


def _level(label: str, sql: str, **extra: Any) -> Level:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


RARE: dict[str, float] = {"m_probability": 0.002, "u_probability": 1e-8}
"""Starting values for levels that a random sample of pairs almost never shows (an ID typo, a
15-digit form, a renumbered county): u-estimation leaves them as they are when it does not
meet them, and EM refines m when its blocks hold some."""

ID_ERROR: dict[str, Any] = {**RARE, "fix_u_probability": True}
"""Start values of the ID's own error modes (a 15-digit form, one digit mistyped or two swapped
where one ID fails its check digit, a renumbered county, the digits an Excel number kept), with u
fixed. Two strangers' IDs meet these levels about once in 10^8 pairs or less (one ID must be
damaged *and* land next to the other's), so a random sample of a few million pairs that meets
one has met the same person written twice: u-estimation counts every sampled pair as
strangers. Left to it, the level's weight depended on the draw: in a region of 100,000 persons
the sample met two swapped-digit IDs, made u 2.1e-7 and the swap worth 12.3 where a mistyped
digit, not met, was worth 16.6."""

M_FLOOR = 1e-5
"""No level's m probability falls below this after EM: a block of near-certain matches would
otherwise teach that names never differ (m ≈ 1e-12, a weight of -38)."""

ERROR_MODE_FLOOR = 1e-3
"""Levels that are known clerical error modes keep an m probability of at least 0.1 %: EM's
blocks (same ID body; same birth date) select against exactly these errors, so EM alone would
call them near impossible among true matches and turn a transliteration into evidence against."""

ERROR_MODES: frozenset[tuple[str, str]] = frozenset(
    {
        ("resident_id", "same_after_15_to_18"),
        ("resident_id", "one_substitution"),
        ("resident_id", "adjacent_transposition"),
        ("resident_id", "renumbered_county"),
        ("name", "same_without_dots"),
        ("name", "transliteration_variant"),
        ("name", "same_pinyin"),
        ("birth_date", "day_month_swapped"),
        ("birth_date", "one_field_off"),
    }
)
"""(comparison, level) pairs floored at :data:`ERROR_MODE_FLOOR`."""

VARIANT: dict[str, float] = {"m_probability": 0.002, "u_probability": 1e-5}
"""Starting values of the transliteration level. Strangers' names are seldom two spellings of one
group (u ≈ 5e-7 in a synthetic region of 200,000 persons, so 5,000,000 random pairs met it
nowhere and Splink fell back to a default u that made 萨日高娃/萨仁高娃 count *against* a
match: -1.7). 1e-5 is a generous bound for a region where Mongolian names are common; random
sampling replaces it when it meets the level."""

TWO_REGISTRATIONS = "two_registrations"
"""ID level of two household-registry entries. Each registration has its own ID by
construction, so their IDs differing says nothing: after training the level's weight is set to 0
(m = u), and name, birth date, gender and region alone decide whether two registrations are one
person (``identity.double_registration``). Twins differ in given name and do not link."""

ONE_DAMAGED = "NOT (id_valid_l AND id_valid_r)"

NAMES_AGREE = (
    "coalesce(name_l = name_r OR name_nodot_l = name_nodot_r OR name_vkey_l = name_vkey_r "
    "OR name_pinyin_l = name_pinyin_r, TRUE)"
)
"""The names are one name as written, without dots, as transliterated or as spoken (a missing
name does not count against). Required by the renumbered-county ID level: an ID under a county's
old code and one under its new code that agree on birth date and sequence are both *valid* IDs
(people keep their IDs when a county is renumbered), so two strangers born the same day whose
sequences coincide look exactly like one person written with the old code. At 1,500,000 persons
seven such pairs (杨伟 / 张文博, 152301… / 150502…, both valid) scored just over the link
threshold on the names' negative weight alone and raised seven false ``marriage.bigamy`` clues;
with the names required they fall to the "different" ID level."""

SWAP_SQL = (
    "hamming(id18_l, id18_r) = 2 AND len(list_filter(range(1, 18), lambda k: "
    "substr(id18_l, k, 1) <> substr(id18_l, k + 1, 1) "
    "AND substr(id18_l, k, 2) = reverse(substr(id18_r, k, 2)))) > 0"
)


EXCEL_DIGITS = (
    "(id_excel_l IS NOT NULL OR id_excel_r IS NOT NULL) AND "
    "abs(CAST(coalesce(id_excel_l, substr(id18_l, 1, 15)) AS BIGINT) "
    "- CAST(coalesce(id_excel_r, substr(id18_r, 1, 15)) AS BIGINT)) <= 1"
)
"""An ID Excel stored as a number against one that agrees on its 15 surviving digits (the last
of them rounded, so one apart still agrees): address code, birth date and the first sequence
digit. Two such IDs of different persons share a county, a birth date and a sequence digit —
about one in a few hundred namesakes — so the level is strong evidence, not proof; the other
comparisons (name, birth, spouse's record) decide with it."""


def id_comparison() -> dict[str, Any]:
    """Resident ID: exact / 15→18 / one substitution / adjacent swap / renumbered county /
    the digits an Excel number kept."""
    return {
        "output_column_name": "resident_id",
        "comparison_description": "resident ID",
        "comparison_levels": [
            {
                "sql_condition": "(id18_l IS NULL AND id_excel_l IS NULL) "
                "OR (id18_r IS NULL AND id_excel_r IS NULL)",
                "label_for_charts": "null",
                "is_null_level": True,
            },
            _level("exact", "id18_l = id18_r AND id_from15_l = id_from15_r"),
            _level("same_after_15_to_18", "id18_l = id18_r", **ID_ERROR),
            _level(
                "one_substitution",
                f"hamming(id_body_l, id_body_r) <= 1 AND {ONE_DAMAGED}",
                **ID_ERROR,
            ),
            _level("adjacent_transposition", f"{ONE_DAMAGED} AND {SWAP_SQL}", **ID_ERROR),
            _level(
                "renumbered_county",
                "id_tail_l = id_tail_r AND id_region_now_l = id_region_now_r "
                f"AND substr(id18_l, 1, 6) <> substr(id18_r, 1, 6) AND {NAMES_AGREE}",
                **ID_ERROR,
            ),
            _level("excel_digits", EXCEL_DIGITS, **ID_ERROR),
            _level(TWO_REGISTRATIONS, "dataset_l = 'persons' AND dataset_r = 'persons'"),
            _else(),
        ],
    }


def name_comparison(tf: bool = True) -> dict[str, Any]:
    """Name: exact (TF) / no dots / transliteration key / pinyin / one char / pinyin JW."""
    exact: dict[str, Any] = {}
    if tf:
        exact = {"tf_adjustment_column": "name", "tf_adjustment_weight": 1.0}
    return {
        "output_column_name": "name",
        "comparison_description": "name",
        "comparison_levels": [
            _null("name"),
            _level("exact", "name_l = name_r", **exact),
            _level("same_without_dots", "name_nodot_l = name_nodot_r", **RARE),
            _level("transliteration_variant", "name_vkey_l = name_vkey_r", **VARIANT),
            _level("same_pinyin", "name_pinyin_l = name_pinyin_r"),
            _level(
                "one_char_differs",
                "length(name_l) = length(name_r) AND length(name_l) > 1 "
                "AND hamming(name_l, name_r) = 1",
            ),
            _level(
                "pinyin_similar", "jaro_winkler_similarity(name_pinyin_l, name_pinyin_r) >= 0.9"
            ),
            _else(),
        ],
    }


DAMAGED_BIRTH = (
    "(NOT birth_stated_l AND NOT coalesce(id_valid_l, FALSE)) "
    "OR (NOT birth_stated_r AND NOT coalesce(id_valid_r, FALSE))"
)
"""One birth date is only implied by an ID that fails its check digit. If the two dates differ,
the typo is most likely in the ID's birth digits, which the ID comparison already scores as a
typo: counting it again as a birth date one field off made a mistyped birth digit cost ~2 units
twice and kept such mentions under the threshold. Such a pair carries no birth-date evidence
(weight 0); an exact date still counts."""


def birth_comparison() -> dict[str, Any]:
    """Birth date: exact / (no evidence when one date comes from a damaged ID) / day and month
    swapped / one field off."""
    y, m, d = (f"{f}(birth_date_{{s}})" for f in ("year", "month", "day"))
    same = {
        k: f"{v.format(s='l')} = {v.format(s='r')}" for k, v in zip("ymd", (y, m, d), strict=True)
    }
    swapped = (
        f"{same['y']} AND {m.format(s='l')} = {d.format(s='r')} "
        f"AND {d.format(s='l')} = {m.format(s='r')}"
    )
    one_off = (
        f"({same['y']} AND {same['m']}) OR ({same['y']} AND {same['d']}) "
        f"OR ({same['m']} AND {same['d']})"
    )
    return {
        "output_column_name": "birth_date",
        "comparison_description": "birth date",
        "comparison_levels": [
            _null("birth_date"),
            _level("exact", "birth_date_l = birth_date_r"),
            {
                "sql_condition": DAMAGED_BIRTH,
                "label_for_charts": "from_damaged_id",
                "is_null_level": True,
            },
            _level("day_month_swapped", swapped, **RARE),
            _level("one_field_off", one_off, m_probability=0.005),
            _level("different", "TRUE", m_probability=0.002),
        ],
    }


def gender_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "gender",
        "comparison_description": "gender",
        "comparison_levels": [_null("gender"), _level("exact", "gender_l = gender_r"), _else()],
    }


DAMAGED_REGION = (
    "((NOT region_stated_l AND NOT coalesce(id_valid_l, FALSE)) "
    "OR (NOT region_stated_r AND NOT coalesce(id_valid_r, FALSE))) "
    f"AND (hamming(id_body_l, id_body_r) <= 1 OR ({SWAP_SQL}))"
)
"""One county is only implied by an ID that fails its check digit (the record states none), and
the two IDs are one typo apart. The counties then differ because the typo fell in the ID's
address code, which the ID comparison already scores: a plaintiff whose ID was
written with digits 6 and 7 swapped (150423198704… as 150421398704…) lost 2.3 more as "same
city, other county" for the same two digits, and six suits of one person stayed two persons.
Such a pair carries no region evidence (weight 0); the same county still counts."""


def region_comparison() -> dict[str, Any]:
    """Region (today's county codes): same county / (no evidence when one county comes from a
    damaged ID) / same city."""
    return {
        "output_column_name": "region",
        "comparison_description": "region",
        "comparison_levels": [
            _null("region"),
            _level("same_county", "region_l = region_r"),
            {
                "sql_condition": DAMAGED_REGION,
                "label_for_charts": "from_damaged_id",
                "is_null_level": True,
            },
            _level("same_city", "city_l = city_r"),
            _else(),
        ],
    }


SAME_NAME = (
    "coalesce(name_l = name_r OR name_vkey_l = name_vkey_r OR name_pinyin_l = name_pinyin_r, TRUE)"
)
"""The two names are one name as written, as transliterated or as spoken (unknown counts as the
same: only a name known to differ marks a household member)."""


HOUSEHOLD_MEMBER: Level = {
    "m_probability": M_FLOOR,
    "u_probability": 1e-2,
    "fix_m_probability": True,
    "fix_u_probability": True,
}
"""Fixed weight of "same address, another name": log2(1e-5 / 1e-2) ≈ -10. A pair of
registrations at one address under two names is taken for two members of one household unless
the rest of its evidence is 2^10 times stronger. Fellegi-Sunter weighs each agreement against a
random pair, but household members are not random pairs: twins agree on birth date (+13.8),
county (+5.7), surname and address all at once. Learned, the level was worse than useless: EM's
second block (same birth date and surname) holds the twins, EM took them for matches and gave
"same address" m ≈ 0.22 (+10.9 at 20,000 persons), so twins scored ~31 where the threshold is
22. Fixed (m and u are not trained), it takes twins from ~20 to ~10."""


def address_comparison() -> dict[str, Any]:
    """Registered address (household registry only; null elsewhere): same address under another
    name (a household member, fixed weight -10: :data:`HOUSEHOLD_MEMBER`) / same address / same
    street / different.

    Two registrations of one person are in two places, so "different" is what a double
    registration looks like: EM, which meets such pairs among its matches, learns that level's
    weight (≈ 0). The same address under one name (as written, transliterated or spoken) is
    strong evidence for one person; under two names it marks a household member.
    """
    return {
        "output_column_name": "address",
        "comparison_description": "registered address",
        "comparison_levels": [
            _null("address"),
            _level(
                "household_member", f"address_l = address_r AND NOT {SAME_NAME}", **HOUSEHOLD_MEMBER
            ),
            _level("exact", "address_l = address_r", **RARE),
            _level("same_street", "address_street_l = address_street_r", m_probability=0.01),
            _else(),
        ],
    }


def person_comparisons() -> list[dict[str, Any]]:
    """The comparisons lexradar resolves persons with."""
    return [
        id_comparison(),
        name_comparison(),
        birth_comparison(),
        gender_comparison(),
        region_comparison(),
        address_comparison(),
    ]


def level_of(
    engine: Engine, comparison: dict[str, Any], left: dict[str, Any], right: dict[str, Any]
) -> dict[str, Any]:
    """The first level of ``comparison`` whose condition holds for two mention rows (dicts of
    mention columns), evaluated on ``engine`` exactly as Splink would."""
    return levels_of(engine, [comparison], left, right)[0]


def levels_of(
    engine: Engine,
    comparisons: list[dict[str, Any]],
    left: dict[str, Any],
    right: dict[str, Any],
) -> list[dict[str, Any]]:
    """:func:`level_of` for every comparison, in one query: each comparison a ``CASE`` as
    Splink writes it (DuckDB tests a condition lazily, so ``hamming`` only meets strings of one
    length)."""
    return levels_of_pairs(engine, comparisons, [(left, right)])[0]


def levels_of_pairs(
    engine: Engine,
    comparisons: list[dict[str, Any]],
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
) -> list[list[dict[str, Any]]]:
    """:func:`levels_of` for several pairs of mention rows, in one query (a page explaining a
    chain of links plans the comparisons' SQL once)."""
    import pyarrow as pa

    if not pairs:
        return []
    n = len(pairs)
    columns: dict[str, pa.Array] = {"_lr_i": pa.array(range(n), pa.int64())}
    for k in pairs[0][0]:
        # one type for all the values of a column, on both sides
        both = pa.array([p[0].get(k) for p in pairs] + [p[1].get(k) for p in pairs])
        columns[f"{k}_l"], columns[f"{k}_r"] = both.slice(0, n), both.slice(n, n)
    engine.register("_lr_pair", pa.table(columns))
    cases = []
    for i, comparison in enumerate(comparisons):
        whens = [
            f"WHEN {lv['sql_condition']} THEN {k}"
            for k, lv in enumerate(comparison["comparison_levels"])
            if lv["sql_condition"] != "ELSE"
        ]
        levels = comparison["comparison_levels"]
        fallback = next((k for k, lv in enumerate(levels) if lv["sql_condition"] == "ELSE"), -1)
        cases.append(f"CASE {' '.join(whens)} ELSE {fallback} END AS c{i}")
    found = engine.rows(
        f"SELECT {', '.join(cases)} FROM _lr_pair ORDER BY _lr_i", "comparison levels"
    )
    out = []
    for row in found:
        levels = []
        for comparison, k in zip(comparisons, row, strict=True):
            if k < 0:
                raise ValueError(f"no level of {comparison['output_column_name']} matched")
            levels.append(comparison["comparison_levels"][k])
        out.append(levels)
    return out


def digits_comparison(col: str, swap_day_month: bool = False) -> dict[str, Any]:
    """A code typed by hand (an ID number, a YYYYMMDD date): exact / one substitution / two
    adjacent characters swapped (/ day and month swapped) — the same cheap tests as the ID."""
    swap = (
        f"length({col}_l) = length({col}_r) AND hamming({col}_l, {col}_r) = 2 AND "
        f"len(list_filter(range(1, length({col}_l)), lambda k: substr({col}_l, k, 1) <> "
        f"substr({col}_l, k + 1, 1) AND substr({col}_l, k, 2) = reverse(substr({col}_r, k, 2))))"
        " > 0"
    )
    levels = [
        _null(col),
        _level("exact", f"{col}_l = {col}_r"),
        _level(
            "one_substitution",
            f"length({col}_l) = length({col}_r) AND hamming({col}_l, {col}_r) = 1",
        ),
        _level("adjacent_transposition", swap),
    ]
    if swap_day_month:
        levels.append(
            _level(
                "day_month_swapped",
                f"substr({col}_l, 1, 4) = substr({col}_r, 1, 4) AND "
                f"substr({col}_l, 5, 2) = substr({col}_r, 7, 2) AND "
                f"substr({col}_l, 7, 2) = substr({col}_r, 5, 2)",
            )
        )
    levels.append(_else())
    return {"output_column_name": col, "comparison_levels": levels}
