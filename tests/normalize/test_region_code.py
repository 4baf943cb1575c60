"""GB/T 2260 region codes for Inner Mongolia: the shipped table and the functions over it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import pytest

from lexradar.errors import NormalizeError
from lexradar.normalize import region_code as rc
from lexradar.normalize.base import Comparison
from lexradar.normalize.region_code import Region

CITIES = {
    "150100": "呼和浩特市",
    "150200": "包头市",
    "150300": "乌海市",
    "150400": "赤峰市",
    "150500": "通辽市",
    "150600": "鄂尔多斯市",
    "150700": "呼伦贝尔市",
    "150800": "巴彦淖尔市",
    "150900": "乌兰察布市",
    "152200": "兴安盟",
    "152500": "锡林郭勒盟",
    "152900": "阿拉善盟",
}

# Current county-level divisions per city (MCA list, revision 2020-12).
COUNTIES_PER_CITY = {
    "150100": 9,
    "150200": 9,
    "150300": 3,
    "150400": 12,
    "150500": 8,
    "150600": 9,
    "150700": 14,
    "150800": 7,
    "150900": 11,
    "152200": 6,
    "152500": 12,
    "152900": 3,
}

# Resident population in 10,000s, 2020 census, per city (league).
CITY_POPULATION = {
    "150100": 344.6,
    "150200": 270.9,
    "150300": 55.7,
    "150400": 403.6,
    "150500": 287.3,
    "150600": 215.4,
    "150700": 224.3,
    "150800": 153.8,
    "150900": 170.6,
    "152200": 141.6,
    "152500": 110.7,
    "152900": 26.3,
}


def current_rows() -> list[Region]:
    return [r for r in rc.regions().values() if r.is_current]


# --- the table -------------------------------------------------------------------------------


def test_levels_of_current_rows() -> None:
    counts = Counter(r.level for r in current_rows())
    assert counts == {"province": 1, "city": 12, "county": 103}


def test_current_cities_are_the_twelve() -> None:
    cities = {r.code: r.name for r in current_rows() if r.level == "city"}
    assert cities == CITIES


def test_province_row() -> None:
    assert rc.lookup("150000") == Region(
        code="150000",
        name="内蒙古自治区",
        level="province",
        parent=None,
        valid_from=None,
        valid_to=None,
        successor=None,
        population=None,
    )


def test_every_city_has_its_counties() -> None:
    per_city = Counter(r.parent for r in current_rows() if r.level == "county")
    assert dict(per_city) == COUNTIES_PER_CITY


def test_every_county_parent_is_a_city_with_the_same_prefix() -> None:
    table = rc.regions()
    for region in table.values():
        if region.level == "county":
            assert region.parent in table, region
            up = table[region.parent]
            assert up.level == "city", region
            assert region.code[:4] == up.code[:4], region
            assert not region.code.endswith("00"), region
            if region.is_current:
                assert up.is_current, region


def test_every_city_parent_is_the_province() -> None:
    for region in rc.regions().values():
        if region.level == "city":
            assert region.parent == "150000", region
            assert region.code.startswith("15") and region.code.endswith("00"), region


def test_current_and_retired_rows_are_consistent() -> None:
    for region in rc.regions().values():
        assert len(region.code) == 6 and region.code.isdigit(), region
        if region.is_current:
            assert region.successor is None, region
        else:
            assert region.successor is not None, region
            assert rc.lookup(region.successor).is_current, region
            assert rc.lookup(region.successor).level == region.level, region
            assert region.valid_to is not None and 1980 < region.valid_to <= 2003, region
        if region.valid_from is not None and region.valid_to is not None:
            assert region.valid_from <= region.valid_to, region


def test_population_only_on_current_counties() -> None:
    for region in rc.regions().values():
        if region.level == "county" and region.is_current:
            assert region.population is not None and region.population > 0, region
        else:
            assert region.population is None, region


def test_population_sums_to_city_totals() -> None:
    sums: dict[str, float] = defaultdict(float)
    for region in rc.current_counties():
        assert region.parent is not None
        assert region.population is not None
        sums[region.parent] += region.population
    for city, total in CITY_POPULATION.items():
        assert sums[city] == pytest.approx(total, rel=0.03), city
    assert sum(sums.values()) == pytest.approx(2404.9, rel=0.01)


def test_regions_returns_a_copy() -> None:
    table = rc.regions()
    table.pop("150402")
    assert "150402" in rc.regions()


def test_region_is_frozen() -> None:
    with pytest.raises(AttributeError):
        rc.lookup("150402").name = "x"  # type: ignore[misc]


# --- lookup, names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("150102", "新城区", "150100"),
        ("150105", "赛罕区", "150100"),
        ("150206", "白云鄂博矿区", "150200"),
        ("150223", "达尔罕茂明安联合旗", "150200"),
        ("150304", "乌达区", "150300"),
        ("150402", "红山区", "150400"),
        ("150404", "松山区", "150400"),
        ("150502", "科尔沁区", "150500"),
        ("150581", "霍林郭勒市", "150500"),
        ("150602", "东胜区", "150600"),
        ("150603", "康巴什区", "150600"),
        ("150702", "海拉尔区", "150700"),
        ("150703", "扎赉诺尔区", "150700"),
        ("150722", "莫力达瓦达斡尔族自治旗", "150700"),
        ("150785", "根河市", "150700"),
        ("150802", "临河区", "150800"),
        ("150902", "集宁区", "150900"),
        ("150981", "丰镇市", "150900"),
        ("152201", "乌兰浩特市", "152200"),
        ("152202", "阿尔山市", "152200"),
        ("152502", "锡林浩特市", "152500"),
        ("152531", "多伦县", "152500"),
        ("152921", "阿拉善左旗", "152900"),
        ("152923", "额济纳旗", "152900"),
    ],
)
def test_known_current_counties(code: str, name: str, parent: str) -> None:
    region = rc.lookup(code)
    assert (region.name, region.level, region.parent, region.is_current) == (
        name,
        "county",
        parent,
        True,
    )
    assert rc.name(code) == name
    assert rc.parent(code) == parent


@pytest.mark.parametrize(
    ("code", "valid_from"),
    [("150702", 2001), ("150603", 2016), ("150703", 2013), ("150502", 1999), ("150902", 2003)],
)
def test_valid_from_of_new_codes(code: str, valid_from: int) -> None:
    assert rc.lookup(code).valid_from == valid_from


@pytest.mark.parametrize(
    ("code", "full"),
    [
        ("150402", "内蒙古自治区赤峰市红山区"),
        ("152921", "内蒙古自治区阿拉善盟阿拉善左旗"),
        ("150400", "内蒙古自治区赤峰市"),
        ("150000", "内蒙古自治区"),
        ("152101", "内蒙古自治区呼伦贝尔盟海拉尔市"),
    ],
)
def test_full_name(code: str, full: str) -> None:
    assert rc.full_name(code) == full


@pytest.mark.parametrize(
    ("code", "chain", "city", "province"),
    [
        ("150402", ["150402", "150400", "150000"], "150400", "150000"),
        ("150400", ["150400", "150000"], "150400", "150000"),
        ("150000", ["150000"], None, "150000"),
        ("152101", ["152101", "152100", "150000"], "152100", "150000"),
    ],
)
def test_hierarchy(code: str, chain: list[str], city: str | None, province: str) -> None:
    assert rc.ancestors(code) == chain
    assert rc.city_of(code) == city
    assert rc.province_of(code) == province


@pytest.mark.parametrize("bad", ["999999", "110101", "1504", " 150404", "", "１５０４０４"])
def test_lookup_unknown_raises_with_reason(bad: str) -> None:
    with pytest.raises(NormalizeError) as caught:
        rc.lookup(bad)
    assert caught.value.reason == "unknown_region"
    assert caught.value.value == bad


@pytest.mark.parametrize(
    "call", [rc.parent, rc.ancestors, rc.name, rc.full_name, rc.current, rc.city_of]
)
def test_functions_raise_on_unknown_code(call: Callable[[str], object]) -> None:
    with pytest.raises(NormalizeError) as caught:
        call("159999")
    assert caught.value.reason == "unknown_region"


# --- history ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "old_name", "new", "valid_to"),
    [
        # leagues that became cities
        ("152300", "哲里木盟", "150500", 1999),
        ("152700", "伊克昭盟", "150600", 2001),
        ("152100", "呼伦贝尔盟", "150700", 2001),
        ("152800", "巴彦淖尔盟", "150800", 2003),
        ("152600", "乌兰察布盟", "150900", 2003),
        # their seats
        ("152301", "通辽市", "150502", 1999),
        ("152701", "东胜市", "150602", 2001),
        ("152101", "海拉尔市", "150702", 2001),
        ("152801", "临河市", "150802", 2003),
        ("152601", "集宁市", "150902", 2003),
        # members renumbered with them
        ("152302", "霍林郭勒市", "150581", 1999),
        ("152728", "伊金霍洛旗", "150627", 2001),
        ("152103", "扎兰屯市", "150783", 2001),
        ("152104", "牙克石市", "150782", 2001),
        ("152129", "新巴尔虎右旗", "150727", 2001),
        ("152130", "新巴尔虎左旗", "150726", 2001),
        ("152131", "陈巴尔虎旗", "150725", 2001),
        ("152827", "杭锦后旗", "150826", 2003),
        ("152602", "丰镇市", "150981", 2003),
        ("152634", "四子王旗", "150929", 2003),
        # earlier changes
        ("152321", "通辽县", "150502", 1986),
        ("152628", "丰镇县", "150981", 1990),
        ("152125", "额尔古纳右旗", "150784", 1994),
        ("152126", "额尔古纳左旗", "150785", 1994),
        ("152622", "和林格尔县", "150123", 1995),
        ("152623", "清水河县", "150124", 1995),
        ("152621", "武川县", "150125", 1996),
        ("152633", "达尔罕茂明安联合旗", "150223", 1996),
    ],
)
def test_retired_codes(old: str, old_name: str, new: str, valid_to: int) -> None:
    region = rc.lookup(old)
    assert (region.name, region.is_current, region.valid_to) == (old_name, False, valid_to)
    assert region.successor == new
    assert rc.current(old) == new
    assert rc.is_valid(old)


@pytest.mark.parametrize("code", ["150000", "150400", "150404", "152921"])
def test_current_is_identity_for_current_codes(code: str) -> None:
    assert rc.current(code) == code


def test_retired_counts() -> None:
    retired = [r for r in rc.regions().values() if not r.is_current]
    assert Counter(r.level for r in retired) == {"city": 5, "county": 55}


def test_renumbered() -> None:
    mapping = rc.renumbered()
    assert len(mapping) == 55
    assert mapping["152101"] == "150702"
    assert mapping["152321"] == "150502"
    assert mapping["152622"] == "150123"
    assert "152100" not in mapping  # leagues are city-level, not county-level
    current_county_codes = {r.code for r in rc.current_counties()}
    assert set(mapping.values()) <= current_county_codes
    assert not set(mapping) & current_county_codes
    assert list(mapping) == sorted(mapping)


# --- clean and is_valid ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("150404", "150404"),
        ("１５０４０４", "150404"),
        (" 150404 ", "150404"),
        ("\u3000150404\t", "150404"),
        ("15 04 04", "150404"),
        ("\ufeff150404", "150404"),
        ("1504", "150400"),
        ("１５０４", "150400"),
        ("15", "150000"),
        ("152101", "152101"),
        ("1521", "152100"),
    ],
)
def test_clean(raw: str, code: str) -> None:
    assert rc.clean(raw) == code


@pytest.mark.parametrize(
    "raw", ["", "   ", "abc", "1", "150", "15040", "1504041", "15o404", "150404.0", "１５０４x"]
)
def test_clean_malformed(raw: str) -> None:
    with pytest.raises(NormalizeError) as caught:
        rc.clean(raw)
    assert caught.value.reason == "malformed_region"
    assert caught.value.value == raw


@pytest.mark.parametrize("raw", ["159999", "110101", "1599", "11", "150401", "000000"])
def test_clean_unknown(raw: str) -> None:
    with pytest.raises(NormalizeError) as caught:
        rc.clean(raw)
    assert caught.value.reason == "unknown_region"
    assert caught.value.value == raw


def test_clean_rejects_non_text() -> None:
    with pytest.raises(NormalizeError) as caught:
        rc.clean(150404)  # type: ignore[arg-type]
    assert caught.value.reason == "malformed_region"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("150404", True),
        ("152101", True),
        ("150000", True),
        ("1504", False),
        (" 150404", False),
        ("１５０４０４", False),
        ("999999", False),
        ("", False),
    ],
)
def test_is_valid(code: str, valid: bool) -> None:
    assert rc.is_valid(code) is valid


def test_clean_is_idempotent() -> None:
    for code in rc.regions():
        assert rc.clean(rc.clean(code)) == code


# --- current_counties ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "count", "first", "last"),
    [
        ("15", 103, "150102", "152923"),
        ("150000", 103, "150102", "152923"),
        ("1504", 12, "150402", "150430"),
        ("150400", 12, "150402", "150430"),
        ("1525", 12, "152501", "152531"),
        ("150404", 1, "150404", "150404"),
        ("1521", 0, None, None),
        ("11", 0, None, None),
    ],
)
def test_current_counties(prefix: str, count: int, first: str | None, last: str | None) -> None:
    found = rc.current_counties(prefix)
    codes = [r.code for r in found]
    assert len(codes) == count
    assert codes == sorted(codes)
    assert all(r.level == "county" and r.is_current for r in found)
    if count:
        assert (codes[0], codes[-1]) == (first, last)


def test_current_counties_default_prefix() -> None:
    assert rc.current_counties() == rc.current_counties("15")


def test_current_counties_rejects_non_digits() -> None:
    with pytest.raises(NormalizeError) as caught:
        rc.current_counties("赤峰")
    assert caught.value.reason == "malformed_region"


# --- is_within and compare -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "scope", "within"),
    [
        ("150402", "150400", True),
        ("150402", "150000", True),
        ("150402", "150402", True),
        ("150402", "150404", False),
        ("150402", "150100", False),
        ("150400", "150402", False),
        ("150000", "150400", False),
        ("152101", "150700", True),
        ("152101", "150702", True),
        ("152101", "152100", True),
        ("152101", "150400", False),
        ("152622", "150100", True),
        ("152622", "150900", False),
        ("152633", "150200", True),
        ("152321", "150500", True),
    ],
)
def test_is_within(code: str, scope: str, within: bool) -> None:
    assert rc.is_within(code, scope) is within


def test_is_within_unknown_raises() -> None:
    with pytest.raises(NormalizeError) as caught:
        rc.is_within("150402", "159900")
    assert caught.value.reason == "unknown_region"


@pytest.mark.parametrize(
    ("a", "b", "level", "detail"),
    [
        (
            "150402",
            "150404",
            "same_city",
            "150402 红山区 and 150404 松山区: same city 赤峰市",
        ),
        (
            "150402",
            "150402",
            "same_county",
            "150402 红山区 and 150402 红山区: same county 红山区",
        ),
        (
            "152101",
            "150702",
            "same_county",
            "152101 海拉尔市 (now 150702 海拉尔区) and 150702 海拉尔区: same county 海拉尔区",
        ),
        (
            "152101",
            "150781",
            "same_city",
            "152101 海拉尔市 (now 150702 海拉尔区) and 150781 满洲里市: same city 呼伦贝尔市",
        ),
        (
            "150402",
            "150102",
            "same_province",
            "150402 红山区 and 150102 新城区: same province 内蒙古自治区",
        ),
        (
            "152622",
            "150102",
            "same_city",
            "152622 和林格尔县 (now 150123 和林格尔县) and 150102 新城区: same city 呼和浩特市",
        ),
        (
            "150400",
            "150404",
            "same_city",
            "150400 赤峰市 and 150404 松山区: same city 赤峰市",
        ),
    ],
)
def test_compare(a: str, b: str, level: str, detail: str) -> None:
    assert rc.compare(a, b) == Comparison(level, detail)


def test_compare_is_symmetric_in_level() -> None:
    for a, b in [("152101", "150702"), ("150402", "150102"), ("152622", "150102")]:
        assert rc.compare(a, b).level == rc.compare(b, a).level


def test_compare_different_provinces(monkeypatch: pytest.MonkeyPatch) -> None:
    table = rc.regions()
    beijing = [
        Region("110000", "北京市", "province", None, None, None, None, None),
        Region("110100", "市辖区", "city", "110000", None, None, None, None),
        Region("110101", "东城区", "county", "110100", None, None, None, 70.9),
    ]
    table.update({r.code: r for r in beijing})
    monkeypatch.setattr(rc, "_load", lambda: table)
    assert rc.compare("150402", "110101") == Comparison(
        "different",
        "150402 红山区 and 110101 东城区: different provinces (内蒙古自治区, 北京市)",
    )
    assert rc.is_within("110101", "150000") is False
    assert [r.code for r in rc.current_counties("11")] == ["110101"]
