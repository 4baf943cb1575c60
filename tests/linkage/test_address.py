"""The registered address: normalized in the mentions SQL, compared by the address levels, and
weighed so that a household member is told apart from a second registration of one person."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lexradar.engine import Engine, Step
from lexradar.linkage import comparisons as cmp
from lexradar.linkage import mentions
from lexradar.normalize import resident_id as rid
from tests.linkage.conftest import empty_engine

D = dt.date
BIRTH = D(1990, 3, 8)
HOME = "内蒙古自治区呼和浩特市新城区新华大街12号"


def valid(body: str) -> str:
    return body + rid.check_digit(body)


def build(con: Engine, *rows: tuple[str, str, str, str | None]) -> list[Any]:
    """Mentions of (dataset, ID, name, address) rows, built by the real mentions SQL."""
    cols = (*mentions.RAW_COLUMNS, "address")
    data: dict[str, list[Any]] = {c: [] for c in cols}
    for i, (dataset, pid, name, address) in enumerate(rows):
        values = (dataset, f"R{i:03d}", "x", pid, name, BIRTH, "M", pid[:6], f"H{i}", None, address)
        for c, v in zip(cols, values, strict=True):
            data[c].append(v)
    types = [pa.string()] * 5 + [pa.date32()] + [pa.string()] * 5
    con.register("_raw_addr", pa.table(data, schema=pa.schema(list(zip(cols, types, strict=True)))))
    mentions.build(con, "SELECT * FROM _raw_addr")
    return con.run(Step("rows", "SELECT * FROM mentions ORDER BY record_id")).to_pylist()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[Engine]:
    engine = empty_engine(tmp_path / "lake")
    yield engine
    engine.close()


A = valid("15010219900308123")
B = valid("15010219900308125")  # a twin: same county and day, the next sequence number
C = valid("15042119900308203")  # a second registration elsewhere


def test_address_is_normalized_and_cut_at_the_house_number(con) -> None:
    (m,) = build(con, ("persons", A, "张伟", " 内蒙古自治区呼和浩特市新城区新华大街１２号 "))
    assert m["address"] == HOME
    assert m["address_street"] == "内蒙古自治区呼和浩特市新城区新华大街"


def test_only_the_registry_has_an_address(con) -> None:
    reg, party = build(con, ("persons", A, "张伟", HOME), ("judgments", A, "张伟", None))
    assert reg["address"] == HOME and party["address"] is None and party["address_street"] is None


def test_raw_sql_without_an_address_still_builds(con) -> None:
    """Callers that gather raw mentions themselves (tests, incremental batches) may leave the
    address out: it is then null."""
    con.materialize(
        "_plain",
        "SELECT 'persons' AS dataset, 'R1' AS record_id, 'x' AS role, "
        f"'{A}' AS recorded_id, '张伟' AS raw_name, DATE '1990-03-08' AS stated_birth, "
        "'M' AS stated_gender, '150102' AS stated_region, 'H1' AS household_id, "
        "'active' AS status",
    )
    assert mentions.build(con, "SELECT * FROM _plain") == 1
    assert con.rows("SELECT address FROM mentions") == [(None,)]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (("persons", A, "张浩然", HOME), ("persons", B, "张浩宇", HOME), "household_member"),
        (("persons", A, "萨日高娃", HOME), ("persons", C, "萨仁高娃", HOME), "exact"),
        (("persons", A, "张伟", HOME), ("persons", C, "章伟", HOME), "exact"),  # same pinyin
        (
            ("persons", A, "张伟", HOME),
            ("persons", C, "张伟", HOME.replace("12号", "140号")),
            "same_street",
        ),
        (
            ("persons", A, "张伟", HOME),
            ("persons", C, "张伟", "内蒙古自治区赤峰市红山区昭乌达路3号"),
            "different",
        ),
        (("persons", A, "张伟", HOME), ("judgments", A, "张伟", None), "null"),
    ],
)
def test_address_levels(con, left, right, expected) -> None:
    a, b = build(con, left, right)
    assert cmp.level_of(con, cmp.address_comparison(), a, b)["label_for_charts"] == expected


def _level(model: dict[str, Any], comparison: str, label: str) -> dict[str, Any]:
    (c,) = (c for c in model["comparisons"] if c["output_column_name"] == comparison)
    return next(lv for lv in c["comparison_levels"] if lv["label_for_charts"] == label)


def test_trained_address_weights(region: Path) -> None:
    """After training on a synthetic region: a household member under another name keeps its
    fixed weight of about -10 (EM meets twins among its likely matches and would otherwise
    learn that one address makes two people one), and a different address, which is what two
    registrations of one person look like, costs little."""
    model = json.loads((region / "lake" / "_linkage" / "model.json").read_text("utf-8"))
    member = _level(model, "address", "household_member")
    weight = math.log2(member["m_probability"] / member["u_probability"])
    assert weight == pytest.approx(-10, abs=0.1)
    different = _level(model, "address", "different")
    assert -1.0 < math.log2(different["m_probability"] / different["u_probability"]) <= 0.5
