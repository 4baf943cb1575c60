"""Resident IDs: real good and bad values, and the check digit's guarantees as properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lexradar.errors import NormalizeError
from lexradar.normalize import resident_id as rid
from lexradar.normalize.base import Comparison

# Valid numbers, checked below against an independent reference implementation.
VALID = [
    "11010519491231002X",  # the textbook example of GB 11643-1999
    "15040419900101123X",  # Chifeng, Songshan district
    "152502198506120511",  # Xilinhot
    "152501197211030024",  # Erenhot
    "150102195602290046",  # Hohhot, Xincheng district; born on a leap day
    "150421193807071433",
    "152625196710100527",
    "440305200012319876",
    "650102199912310045",
    "150404202002290087",
]

REGIONS = ["110105", "150102", "150404", "150421", "152501", "152502", "152625", "440305"]


def reference_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 written the other way round: (12 - S mod 11) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()))
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + reference_check(first17)


@st.composite
def valid_15(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)))
    return f"{region}{born:%y%m%d}{draw(st.integers(0, 999)):03d}"


def test_weights() -> None:
    assert rid.WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize("value", VALID)
def test_valid_ids(value: str) -> None:
    assert reference_check(value[:17]) == value[17]
    assert rid.check_digit(value[:17]) == value[17]
    assert rid.is_valid(value)
    assert rid.parse(value) == rid.ParsedId(value, "valid", f"{value} is valid")
    assert rid.clean(value) == value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("11010519491231002x", "lower-case x is not canonical"),
        ("110105194912310021", "wrong check digit"),
        ("150404199013011230", "month 13"),
        ("150404189912311236", "born before 1900"),
        (f"150404{dt.date.today().year + 1}0101123", "born next year (17 chars)"),
        ("15040419900101123", "17 characters"),
        ("1504041990010112300", "19 characters"),
        ("15040419900101123Y", "Y is no check character"),
        ("１５０４０４１９９００１０１１２３Ｘ", "full-width"),
        ("", "empty"),
    ],
)
def test_invalid_ids(value: str, why: str) -> None:
    assert not rid.is_valid(value), why


def test_born_tomorrow_is_invalid() -> None:
    first17 = f"150404{dt.date.today() + dt.timedelta(days=1):%Y%m%d}123"
    assert not rid.is_valid(first17 + rid.check_digit(first17))


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [
        ("11010519491231002x", "11010519491231002X", "valid"),
        (" 1504041990 0101123X\t", "15040419900101123X", "valid"),
        ("150404\u300019900101123x", "15040419900101123X", "valid"),
        ("１５０４０４１９９００１０１１２３ｘ", "15040419900101123X", "valid"),
        ("\u200b152502198506120511\ufeff", "152502198506120511", "valid"),
        ("'152502198506120511", "152502198506120511", "valid"),
        ('="152502198506120511"', "152502198506120511", "valid"),
        ("150404900101123", "15040419900101123X", "converted_15"),
        ("152502850612051", "152502198506120511", "converted_15"),
        (150404900101123, "15040419900101123X", "converted_15"),
        (150404900101123.0, "15040419900101123X", "converted_15"),
        ("150404900101123.0", "15040419900101123X", "converted_15"),
        ("150404199001011234", "150404199001011234", "bad_check_digit"),
        ("１５２５０２１９８５０６１２０５１２", "152502198506120512", "bad_check_digit"),
        ("1.50404199001011E+17", "1.50404199001011E+17", "damaged_excel"),
        ("1.52502198506121e+17", "1.52502198506121e+17", "damaged_excel"),
        ("150404199001011000", "150404199001011000", "damaged_excel"),
        ("150404199001011234.0", "150404199001011234.0", "damaged_excel"),
        (1.50404199001011e17, "1.50404199001011e+17", "damaged_excel"),
        (152502198506120511, "152502198506120511", "damaged_excel"),
        (Decimal("152502198506120511"), "152502198506120511", "damaged_excel"),
        ("15040419901301123X", "15040419901301123X", "malformed"),
        ("150404901301123", "150404901301123", "malformed"),
        ("15040419900101123", "15040419900101123", "malformed"),
        ("15040419900101123Y", "15040419900101123Y", "malformed"),
        ("not an id", "not an id", "malformed"),
        ("", "", "malformed"),
        (None, "", "malformed"),
        (True, "True", "malformed"),
        (float("nan"), "nan", "malformed"),
        (1504041990.5, "1504041990.5", "malformed"),
        (12345, "12345", "malformed"),
        (["15040419900101123X"], "['15040419900101123X']", "malformed"),
    ],
)
def test_parse(raw: object, value: str, status: str) -> None:
    parsed = rid.parse(raw)
    assert (parsed.value, parsed.status) == (value, status), parsed.detail
    assert parsed.detail


def test_parse_details_name_the_problem() -> None:
    assert rid.parse("150404199001011234").detail.endswith("check digit 4, expected X")
    assert "not guessed" in rid.parse("1.50404199001011E+17").detail
    assert "15040419900101123X" in rid.parse("150404900101123").detail


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("150404199001011234", "bad_check_digit"),
        ("1.50404199001011E+17", "damaged_excel"),
        ("abc", "malformed"),
        (None, "malformed"),
    ],
)
def test_clean_raises_with_status_as_reason(raw: object, reason: str) -> None:
    with pytest.raises(NormalizeError) as err:
        rid.clean(raw)
    assert err.value.reason == reason
    assert err.value.value == raw


def test_conversions() -> None:
    assert rid.to18("110105491231002") == "11010519491231002X"
    assert rid.to15("11010519491231002X") == "110105491231002"
    with pytest.raises(NormalizeError):
        rid.to15("440305200012319876")  # born in 2000: never had a 15-digit form
    with pytest.raises(NormalizeError):
        rid.to18("11010549123100")
    with pytest.raises(NormalizeError):
        rid.check_digit("1234")


def test_fields() -> None:
    assert rid.birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert rid.birth_date("150102195602290046") == dt.date(1956, 2, 29)
    assert rid.gender("11010519491231002X") == "F"
    assert rid.gender("15040419900101123X") == "M"
    assert rid.gender("152502198506120511") == "M"
    assert rid.region_code("152502198506120511") == "152502"
    for bad in ("15040419901301123X", "abc"):
        with pytest.raises(NormalizeError):
            rid.birth_date(bad)
    with pytest.raises(NormalizeError):
        rid.gender("abc")
    with pytest.raises(NormalizeError):
        rid.region_code("abc")


@pytest.mark.parametrize(
    ("a", "b", "level", "detail"),
    [
        ("15040419900101123X", "15040419900101123X", "exact", "identical"),
        ("15040419900101123X", "15040419900101123x", "exact", "same number"),
        ("150404900101123", "15040419900101123X", "same_after_15_to_18", "15 to 18"),
        (
            "150404199001011234",
            "150404199001011243",
            "adjacent_transposition",
            "adjacent digits 17-18 swapped",
        ),
        (
            "152502198506120511",
            "152502198560120511",
            "adjacent_transposition",
            "adjacent digits 11-12 swapped",
        ),
        ("152502198506120511", "152502198506170511", "one_substitution", "digit 14 differs (2/7)"),
        ("152502198506120511", "152502198506120512", "one_substitution", "check digit"),
        ("150404900101124", "15040419900101123X", "one_substitution", "digit 17 differs"),
        ("152502198506120511", "152502198506120420", "different", "3 positions differ"),
        ("152502198506120511", "11010519491231002X", "different", "positions differ"),
        ("152502198506120511", "1525021985", "different", "different lengths"),
    ],
)
def test_compare(a: str, b: str, level: str, detail: str) -> None:
    result = rid.compare(a, b)
    assert result == Comparison(level, result.detail)
    assert detail in result.detail
    assert result.detail.startswith(f"{a} vs {b}")


# -- properties --------------------------------------------------------------------------


@given(valid_ids())
def test_generated_ids_are_valid_and_clean_is_idempotent(value: str) -> None:
    assert rid.is_valid(value)
    assert rid.clean(value) == value
    assert rid.clean(rid.clean(value.lower())) == rid.clean(value)


@given(st.text(max_size=25) | valid_ids())
def test_parse_never_raises_and_clean_is_idempotent(raw: str) -> None:
    parsed = rid.parse(raw)
    if parsed.ok:
        assert rid.is_valid(parsed.value)
        assert rid.clean(parsed.value) == parsed.value


@given(valid_15())
def test_15_to_18_round_trip(id15: str) -> None:
    id18 = rid.to18(id15)
    assert rid.is_valid(id18)
    assert rid.to15(id18) == id15
    assert rid.clean(id15) == id18
    assert rid.compare(id15, id18).level == "same_after_15_to_18"


@given(valid_ids(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_substitution_fails_the_check(value: str, pos: int, shift: int) -> None:
    digit = str((int(value[pos]) + shift) % 10)
    typo = value[:pos] + digit + value[pos + 1 :]
    assert rid.check_digit(typo[:17]) != typo[17]
    assert rid.parse(typo).status in ("bad_check_digit", "malformed", "damaged_excel")
    assert rid.compare(value, typo).level == "one_substitution"


@given(valid_ids(), st.integers(0, 16))
def test_any_adjacent_transposition_fails_the_check(value: str, pos: int) -> None:
    assume(value[pos] != value[pos + 1])
    swapped = value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :]
    if "X" not in swapped[:17]:
        assert rid.check_digit(swapped[:17]) != swapped[17]
    assert not rid.is_valid(swapped)
    assert rid.compare(value, swapped).level == "adjacent_transposition"


@given(valid_ids() | valid_15() | st.text(max_size=20), valid_ids() | valid_15())
def test_compare_is_symmetric(a: str, b: str) -> None:
    assert rid.compare(a, b).level == rid.compare(b, a).level


@given(st.floats(min_value=1e17, max_value=9.99e17) | st.integers(10**17, 10**18 - 1))
def test_numbers_of_18_digits_are_damaged_and_kept(raw: float | int) -> None:
    parsed = rid.parse(raw)
    assert parsed.status == "damaged_excel"
    assert parsed.value == str(raw)
