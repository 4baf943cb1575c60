"""Compound transliteration variants and the blocking rule for a swap across the birth-day /
sequence boundary, on real mention rows built by the mentions SQL and real DuckDB joins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lexradar.linkage import blocking
from lexradar.linkage import comparisons as cmp
from lexradar.linkage.variants import GROUPS, are_variants, variant_key
from lexradar.normalize import resident_id as rid

D = dt.date


def valid(body: str) -> str:
    return body + rid.check_digit(body)


ID = valid("15010219900506043")  # born 1990-05-06, sequence 043
SWAP_14_15 = ID[:13] + ID[14] + ID[13] + ID[14 + 1 :]  # ...0500 6435: day 00, no valid date


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("萨日高娃", "萨仁高娃"),  # 萨日|高娃 ↔ 萨仁|高娃
        ("额尔登其其格", "额尔敦其其格"),  # two known parts, one misspelt
        ("斯勤高娃", "斯琴高娃"),
        ("巴图尔·宝因", "巴特尔·宝音"),  # dotted parts still map whole
    ],
)
def test_compound_parts_share_a_key(a: str, b: str) -> None:
    assert are_variants(a, b)
    assert variant_key(variant_key(a)) == variant_key(a)  # idempotent


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("萨仁高娃", "萨仁娜"),  # one part in common is not one name
        ("王建国", "王建华"),
        ("张伟", "章伟"),  # homophones are the pinyin level's business
        ("孟和平", "孟和"),
    ],
)
def test_compounds_do_not_join_different_names(a: str, b: str) -> None:
    assert not are_variants(a, b)


def test_han_names_are_left_as_they_are() -> None:
    for name in ("王伟", "李秀英", "孟建国", "查明", "白玉兰", "包一鸣"):
        assert variant_key(name) == name


def test_compounds_come_from_the_table_not_from_a_pair() -> None:
    """A group added as data splits compounds too: no spelling pair is written in the code."""
    assert not are_variants("其木格高娃", "其穆格高娃")
    extra = [("其木格", "其穆格")]
    assert variant_key("其穆格高娃", extra) == variant_key("其木格高娃", extra) == "其木格高娃"
    assert all(len(g) >= 2 for g in GROUPS)


def test_longest_spelling_wins() -> None:
    """巴特 and 巴特尔 are both spellings of one group: 巴特尔 is taken whole, so 巴特尔其其格
    is not read as 巴特|尔其其格."""
    assert variant_key("巴特尔其其格") == variant_key("巴图尔奇奇格") == "巴特尔其其格"


def test_compound_variant_level(con, mention_rows) -> None:
    def j(name: str) -> tuple[Any, ...]:
        return ("judgments", ID, name, None, None, None)

    left, right = mention_rows(j("萨日高娃"), j("萨仁高娃"))
    level = cmp.level_of(con, cmp.name_comparison(), left, right)
    assert level["label_for_charts"] == "transliteration_variant"
    assert level["u_probability"] < level["m_probability"]  # evidence for, not against


def pairs_by_rule(con, rows: list[dict[str, Any]]) -> dict[str, bool]:
    """For two mention rows: whether each blocking rule puts them side by side."""
    import pyarrow as pa

    con.register("_two", pa.Table.from_pylist(rows))
    out = {}
    for name, rule in blocking.BLOCKING_RULES.items():
        sql = f"SELECT count(*) FROM _two l JOIN _two r ON {rule} WHERE l.unique_id < r.unique_id"
        out[name] = con.scalar(sql) == 1
    return out


def test_swap_across_day_and_sequence_is_blocked(con, mention_rows) -> None:
    assert not rid.is_valid(SWAP_14_15)
    rows = mention_rows(
        ("persons", ID, "张杰", D(1990, 5, 6), "M", ID[:6]),
        ("custody_records", SWAP_14_15, "张杰", None, None, None),
    )
    assert rows[1]["birth_date"] is None  # the swap left day 00: no birth date to block on
    hits = pairs_by_rule(con, rows)
    earlier = [n for n in blocking.BLOCKING_RULES if n != "vkey_id_month"]
    assert not any(hits[n] for n in earlier)
    assert hits["vkey_id_month"]
    level = cmp.level_of(con, cmp.id_comparison(), rows[0], rows[1])
    assert level["label_for_charts"] == "adjacent_transposition"


def test_swap_rule_needs_the_same_name(con, mention_rows) -> None:
    rows = mention_rows(
        ("persons", ID, "张杰", D(1990, 5, 6), "M", ID[:6]),
        ("custody_records", SWAP_14_15, "李强", None, None, None),
    )
    assert not pairs_by_rule(con, rows)["vkey_id_month"]


def test_compound_variant_is_blocked_across_county_birth_swap(con, mention_rows) -> None:
    """A marriage record with digits 7-8 swapped (no valid birth date) and 萨日 for 萨仁: the
    sequence digits and the (compound) transliteration key still meet."""
    swapped = ID[:6] + ID[7] + ID[6] + ID[8:]
    rows = mention_rows(
        ("persons", ID, "萨仁高娃", D(1990, 5, 6), "F", ID[:6]),
        ("marriage_events", swapped, "萨日高娃", None, None, None),
    )
    assert pairs_by_rule(con, rows)["vkey_sequence"]


def test_u_sample_grows_with_the_input_up_to_a_cap() -> None:
    """100 random pairs per record for u (FEBRL3's 5,000 records: 5e5, half of Splink's
    default), capped at 5e6 (a region of 200,000 persons); one chunk per million pairs."""
    assert blocking.u_max_pairs(5_000) == 5e5
    assert blocking.u_max_pairs(10_000) == 1e6
    assert blocking.u_max_pairs(389_875) == blocking.U_MAX_PAIRS == 5e6
    assert [blocking.u_chunks(p) for p in (5e5, 1e6, 1.5e6, 5e6)] == [1, 1, 2, 5]
