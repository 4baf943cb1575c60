"""Certificate numbers: every citation style of one certificate has one normal form."""

from __future__ import annotations

import pytest

from lexradar.errors import NormalizeError
from lexradar.normalize import cert_no


@pytest.mark.parametrize(
    "raw",
    [
        "J150103-2018-000035",
        "J150103－2018－000035",  # full-width hyphen-minus
        "J150103—2018—000035",  # em dash
        "j150103-2018-000035",
        "J150103-2018-35",
        "J1501032018000035",
        "J150103201835",
        " J150103 - 2018 - 000035 ",
        "Ｊ１５０１０３－２０１８－０００３５",  # full-width letters and digits
    ],
)
def test_citation_styles_share_the_normal_form(raw: str) -> None:
    assert cert_no.clean(raw) == "J1501032018000035"


def test_kinds_and_other_layouts() -> None:
    assert cert_no.clean("bj150404-2020-7") == "BJ1504042020000007"
    assert cert_no.clean("L150602-2019-000123") == "L1506022019000123"
    # another certificate: a different sequence, region or year stays different
    assert cert_no.clean("J150103-2018-36") != cert_no.clean("J150103-2018-35")
    assert cert_no.clean("J150103-2019-35") != cert_no.clean("J150103-2018-35")
    # another layout: only separators and case are normalized, nothing is padded
    assert cert_no.clean("内结字 第123号") == "内结字第123号"
    assert cert_no.clean("ab-12") == "AB12"


def test_empty_is_refused() -> None:
    for raw in ("", "  ", None, "－－"):
        with pytest.raises(NormalizeError) as exc:
            cert_no.clean(raw)
        assert exc.value.reason == "empty_cert_no"


def test_is_valid_and_compare() -> None:
    assert cert_no.is_valid("J1501032018000035")
    assert not cert_no.is_valid("J150103-2018-000035")
    assert cert_no.compare("J150103-2018-35", "j1501032018000035").level == "same_certificate"
    assert cert_no.compare("J1", "J1").level == "exact"
    assert cert_no.compare("J150103-2018-35", "J150103-2018-36").level == "different"
