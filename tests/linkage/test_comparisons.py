"""The Chinese-aware comparison levels, on real values, through the same SQL Splink runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lexradar.linkage import comparisons as cmp
from lexradar.linkage.variants import are_variants, variant_key
from lexradar.normalize import resident_id as rid

D = dt.date
ID = "150402199003081234"  # check digit computed below
ID = ID[:17] + rid.check_digit(ID[:17])
TWIN = ID[:16] + "5"  # same county and day, sequence 125 against 123 (both valid)
TWIN = TWIN + rid.check_digit(TWIN)
TYPO = ID[:10] + "4" + ID[11:]  # one birth digit mistyped, check digit now fails
SWAP = ID[:6] + ID[7] + ID[6] + ID[8:]  # digits 7-8 swapped
OLD = "152101" + ID[6:17]  # 海拉尔市, renumbered 2001 to 150702
OLD = OLD[:17] + rid.check_digit(OLD[:17])
NEW = "150702" + ID[6:17]
NEW = NEW[:17] + rid.check_digit(NEW[:17])
ID15 = ID[:6] + ID[8:17]
EXCEL = f"{ID[0]}.{ID[1:15]}E+17"  # 1.50402199003081E+17: as Excel stores the ID as a number
UP = "150402199003081734"
UP = UP[:17] + rid.check_digit(UP[:17])
ROUNDED_UP = "1.50402199003082E+17"  # ...0817 34 keeps 15 digits rounded up to ...082


def level(
    con: Any, rows: Callable[..., list[dict[str, Any]]], comparison: dict[str, Any], a: Any, b: Any
) -> str:
    left, right = rows(a, b)
    return str(cmp.level_of(con, comparison, left, right)["label_for_charts"])


def j(recorded_id: str, name: str = "张伟", birth: D | None = None) -> tuple[Any, ...]:
    return ("judgments", recorded_id, name, birth, None, None)


def p(recorded_id: str, name: str, birth: D, gender: str = "M") -> tuple[Any, ...]:
    return ("persons", recorded_id, name, birth, gender, recorded_id[:6])


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (j(ID), j(ID), "exact"),
        (j(ID15), j(ID), "same_after_15_to_18"),
        (j(TYPO), j(ID), "one_substitution"),
        (j(ID[:17] + ("0" if ID[17] != "0" else "1")), j(ID), "one_substitution"),
        (j(SWAP), j(ID), "adjacent_transposition"),
        (j(OLD), j(NEW), "renumbered_county"),
        (j(OLD, "巴特尔"), j(NEW, "巴图尔"), "renumbered_county"),  # a transliteration
        (j(OLD, "杨伟"), j(NEW, "张文博"), "different"),  # both valid: strangers, not one ID
        (j(TWIN), j(ID), "different"),  # both valid: a twin, not a typo
        (p(TWIN, "张浩然", D(1990, 3, 8)), p(ID, "张浩宇", D(1990, 3, 8)), "two_registrations"),
        (j("1.50402199003E+17"), j(ID), "null"),  # 12 significant digits say too little
        (j(EXCEL), j(ID), "excel_digits"),
        (j(EXCEL.lower()), j(ID), "excel_digits"),
        (j(ID[:15] + "000"), j(ID), "excel_digits"),  # the same number written out
        (j(ROUNDED_UP), j(UP), "excel_digits"),  # the 15th digit rounded up
        (j(EXCEL), j(EXCEL), "excel_digits"),
        (j("1.50402199003089E+17"), j(ID), "different"),  # other sequence digits
    ],
)
def test_id_levels(con, mention_rows, a, b, expected) -> None:
    assert level(con, mention_rows, cmp.id_comparison(), a, b) == expected


def test_an_excel_number_keeps_its_county_and_birth_date(mention_rows) -> None:
    (m,) = mention_rows(j(EXCEL))
    assert m["id18"] is None and m["id_excel"] == ID[:15]
    assert m["birth_date"] == D(1990, 3, 8) and m["region"] == ID[:6]
    assert m["gender"] is None  # the sequence digit that tells it is lost


def test_generic_hamming_two_would_match_strangers() -> None:
    """Why there is no "Hamming ≤ 2" level: a twin is within 2 of the ID, a typo as well."""
    assert sum(x != y for x, y in zip(TWIN, ID, strict=True)) <= 2
    assert rid.is_valid(TWIN) and rid.is_valid(ID) and not rid.is_valid(TYPO)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("巴特尔", "巴特尔", "exact"),
        ("巴特尔", "巴图尔", "transliteration_variant"),
        ("其力嘎", "其贺力嘎", "transliteration_variant"),
        ("巴特尔·那顺", "巴图尔·纳顺", "transliteration_variant"),
        ("巴特尔 • 那顺", "巴特尔·那顺", "exact"),  # cleaned to the same spelling
        ("巴特尔·那顺", "巴特尔那顺", "same_without_dots"),
        ("张伟", "章伟", "same_pinyin"),
        ("張偉", "张伟", "exact"),  # traditional to simplified
        ("张浩然", "张浩宇", "one_char_differs"),  # twins' given names
        ("王建国", "刘建华", "different"),
    ],
)
def test_name_levels(con, mention_rows, a, b, expected) -> None:
    assert level(con, mention_rows, cmp.name_comparison(), j(ID, a), j(ID, b)) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(1990, 3, 8), D(1990, 3, 8), "exact"),
        (D(1990, 3, 8), D(1990, 8, 3), "day_month_swapped"),
        (D(1990, 3, 8), D(1990, 3, 9), "one_field_off"),
        (D(1990, 3, 8), D(1991, 3, 8), "one_field_off"),
        (D(1990, 3, 8), D(1975, 11, 21), "different"),
    ],
)
def test_birth_levels(con, mention_rows, a, b, expected) -> None:
    assert level(con, mention_rows, cmp.birth_comparison(), j(ID, birth=a), j(ID, birth=b)) == (
        expected
    )


def test_birth_date_and_gender_come_from_a_valid_id(mention_rows) -> None:
    valid, damaged = mention_rows(j(ID), j(TYPO))
    assert valid["birth_date"] == D(1990, 3, 8) and valid["gender"] == "M"
    assert damaged["gender"] is None  # one mistyped digit could flip it
    assert not damaged["id_valid"] and valid["id_valid"]


def test_renumbered_region_is_today_s_county(mention_rows) -> None:
    (old,) = mention_rows(j(OLD))
    assert old["id_region_now"] == "150702" and old["region"] == "150702"


@settings(max_examples=60, deadline=None)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_sql_check_digit_agrees_with_normalize(body: str) -> None:
    import duckdb

    from lexradar.linkage.mentions import CHECK_SQL

    got = duckdb.sql(f"SELECT {CHECK_SQL.format(id='$v')}", params={"v": body + "0"}).fetchall()
    assert got[0][0] == body + rid.check_digit(body)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("巴特尔", "巴图尔", True), ("宝音", "包音", True), ("其其格", "齐齐格", True),
     ("巴特尔", "苏和", False), ("张伟", "张伟", False)],
)  # fmt: skip
def test_variant_table(a: str, b: str, same: bool) -> None:
    assert are_variants(a, b) is same
    assert variant_key(variant_key(a)) == variant_key(a)  # idempotent


SWAP67 = ID[:5] + ID[6] + ID[5] + ID[7:]  # digits 6-7 swapped: the county code 150402 → 150412
OTHER_COUNTY = "150404" + ID[6:17]
OTHER_COUNTY += rid.check_digit(OTHER_COUNTY)
OTHER_CITY = "152201" + ID[6:17]
OTHER_CITY += rid.check_digit(OTHER_CITY)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (j(ID), j(ID), "same_county"),
        (j(TYPO), j(ID), "same_county"),  # a typo elsewhere: the damaged ID's county counts
        (j(SWAP67), j(ID), "from_damaged_id"),  # the typo is in the county code
        (p(ID, "张伟", D(1990, 3, 8)), j(SWAP67), "from_damaged_id"),  # against a stated county
        (j(OTHER_COUNTY), j(ID), "same_city"),  # both valid: two counties of one city
        (j(SWAP67), j(OTHER_CITY), "different"),  # not one typo apart: the counties differ
        (j(OTHER_CITY), j(ID), "different"),
    ],
)
def test_region_levels(con, mention_rows, a, b, expected) -> None:
    assert level(con, mention_rows, cmp.region_comparison(), a, b) == expected


def test_a_county_typo_is_scored_once(con, mention_rows) -> None:
    """The swap of digits 6-7 is one error: the ID level scores it, the region level does not
    score it again (it used to: "same city", a weight of about -2.3 in a trained model)."""
    (left, right) = mention_rows(j(SWAP67), j(ID))
    assert left["region"] != right["region"] and left["city"] == right["city"]
    assert cmp.level_of(con, cmp.id_comparison(), left, right)["label_for_charts"] == (
        "adjacent_transposition"
    )
    assert cmp.level_of(con, cmp.region_comparison(), left, right)["is_null_level"]


def test_sampled_pairs_of_one_person_do_not_set_an_id_typo_s_u(con, mention_rows) -> None:
    """Random sampling counts every sampled pair as strangers. In a table where it meets the
    same person's ID written with two digits swapped, the swap level's u stays where it starts;
    the learnable levels (an exact name) do move."""
    from lexradar.linkage import resolve

    raws = []
    for k in range(40):
        body = f"1504021990{k % 12 + 1:02d}{k // 12 + 10:02d}123"
        good, name = body + rid.check_digit(body), "张" + chr(0x4E00 + k)
        raws += [j(good, name), j(good[:15] + good[16] + good[15] + good[17], name)]
    mention_rows(*raws)
    linker = resolve._linker(con, resolve.settings())
    linker.training.estimate_u_using_random_sampling(max_pairs=10_000, seed=1)
    model = linker.misc.save_model_to_json()
    levels = {
        (c["output_column_name"], lv.get("label_for_charts")): lv
        for c in model["comparisons"]
        for lv in c["comparison_levels"]
    }
    assert (
        levels[("resident_id", "adjacent_transposition")]["u_probability"]
        == (cmp.RARE["u_probability"])
    )
    assert levels[("name", "exact")]["u_probability"] > 0.01  # 40 of the 3,160 pairs


def _id_ending_000() -> str:
    """A valid ID whose last three characters are 000 (sequence x00, check digit 0)."""
    for day in range(10, 20):
        for k in range(10):
            body = f"152131194206{day}{k}00"
            if rid.check_digit(body) == "0":
                return body + "0"
    raise AssertionError("no such ID")  # pragma: no cover


def test_a_mistyped_id_ending_in_000_is_a_typo_not_an_excel_number(con, mention_rows) -> None:
    """Excel keeps the 15 digits it rounds to, birth date included: 152131194206894000 (digit
    13 mistyped, day 89) cannot be a number Excel rounded. It stays an 18-digit ID that fails
    its check digit, and meets the typo level against the ID it was mistyped from (read as
    Excel's, it was 700 apart from it on 15 digits: "different")."""
    good = _id_ending_000()
    typo = good[:12] + "8" + good[13:]
    damaged, right = mention_rows(j(typo), j(good))
    assert damaged["id_excel"] is None and damaged["id18"] == typo and not damaged["id_valid"]
    assert damaged["birth_date"] is None and right["id_valid"]
    assert cmp.level_of(con, cmp.id_comparison(), damaged, right)["label_for_charts"] == (
        "one_substitution"
    )
    (plain,) = mention_rows(j(good))
    assert plain["id18"] == good and plain["id_excel"] is None  # valid, though it ends in 000
