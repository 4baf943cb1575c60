"""Each element block on a small hand-made lake: the records it must find and those it must not.

Every draft is compiled into model files, loaded by the registry like a hand-written model and
run on DuckDB.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lexradar.datasets.lake import write_rows
from lexradar.engine import open_engine
from lexradar.models.run import run_model
from lexradar.studio.blocks import Draft
from lexradar.studio.compile import generate_sql
from lexradar.studio.workspace import Studio

A, B, C = "150102198001010011", "150102198001010038", "150102198001010054"
HEAD: dict[str, Any] = {
    "title": {"zh": "测试", "en": "test"},
    "domain": "administrative",
    "supervision_point": {"zh": "测试规则", "en": "a test rule"},
    "legal_basis": ["测试"],
}


def person(rid: str, pid: str, name: str, birth: str) -> dict[str, Any]:
    return {"record_id": rid, "person_id": pid, "name": name, "gender": "M", "birth_date": birth,
            "region_code": "150102", "status": "active"}  # fmt: skip


def payment(rid: str, pid: str, month: str) -> dict[str, Any]:
    return {"record_id": rid, "person_id": pid, "name": "甲", "month": month, "amount": "2000"}


def suit(rid: str, pid: str, day: str) -> dict[str, Any]:
    return {"record_id": rid, "case_no": f"(2024)蒙0102民初{rid}号", "cause": "民间借贷纠纷",
            "case_kind": "civil", "party_id": pid, "party_name": "甲", "party_role": "plaintiff",
            "judgment_date": day, "effective_date": day, "outcome": "plaintiff_won",
            "court_region_code": "150102"}  # fmt: skip


CASES = [
    pytest.param(
        {"base": {"dataset": "pension_payments"},
         "blocks": [{"kind": "overlap", "dataset": "custody_records", "start": "start_date",
                     "end": "end_date",
                     "filters": [{"column": "custody_type", "value": "prison"}]}]},
        {"pension_payments": [payment("p1", A, "2024-03-01"), payment("p2", A, "2024-08-01"),
                              payment("p3", B, "2024-03-01"), payment("p4", C, "2025-03-01")],
         "custody_records": [
             {"record_id": "c1", "person_id": A, "name": "甲", "custody_type": "prison",
              "start_date": "2024-01-01", "end_date": "2024-06-30"},
             {"record_id": "c2", "person_id": C, "name": "丙", "custody_type": "prison",
              "start_date": "2025-01-01"}]},
        {"pension_payments:p1;custody_records:c1", "pension_payments:p4;custody_records:c2"},
        id="overlap",
    ),
    pytest.param(
        {"base": {"dataset": "marriage_events"},
         "blocks": [{"kind": "before_after", "dataset": "deaths", "date": "death_date",
                     "direction": "before", "min_days": 1}]},
        {"marriage_events": [
            {"record_id": "m1", "cert_no": "J1", "event_type": "marriage",
             "event_date": "2021-05-01", "husband_id": A, "husband_name": "甲", "wife_id": B,
             "wife_name": "乙", "office_region_code": "150102"},
            {"record_id": "m2", "cert_no": "J2", "event_type": "marriage",
             "event_date": "2019-05-01", "husband_id": C, "husband_name": "丙", "wife_id": B,
             "wife_name": "乙", "office_region_code": "150102"}],
         "deaths": [{"record_id": "d1", "person_id": A, "name": "甲",
                     "death_date": "2020-01-01", "source": "civil_affairs"},
                    {"record_id": "d2", "person_id": C, "name": "丙",
                     "death_date": "2019-06-01", "source": "civil_affairs"}]},
        {"marriage_events:m1;deaths:d1"},
        id="before_after",
    ),
    pytest.param(
        {"base": {"dataset": "judgments", "filters": [{"column": "party_role",
                                                       "value": "plaintiff"}]},
         "blocks": [{"kind": "count", "dataset": "judgments", "date": "effective_date",
                     "window_days": 180, "threshold": "suits",
                     "filters": [{"column": "cause", "value": "民间借贷纠纷"}]}],
         "parameters": [{"name": "suits", "type": "int", "default": 3, "doc": "Suits."}]},
        {"judgments": [suit("j1", A, "2024-01-01"), suit("j2", A, "2024-01-31"),
                       suit("j3", A, "2024-03-01"), suit("j4", B, "2024-01-01"),
                       suit("j5", B, "2024-02-01")]},
        {"judgments:j1;judgments:j1;judgments:j2;judgments:j3"},
        id="count",
    ),
    pytest.param(
        {"base": {"dataset": "persons", "filters": [{"column": "status", "value": "active"}]},
         "blocks": [{"kind": "same_identity", "dataset": "persons",
                     "compare": {"name": "name", "birth_date": "birth_date"}}]},
        {"persons": [person("r1", A, "巴特尔", "1980-01-01"),
                     person("r2", B, "巴特尔", "1980-01-01"),
                     person("r3", C, "巴特尔", "1981-01-01")]},
        {"persons:r1;persons:r2", "persons:r2;persons:r1"},
        id="same_identity",
    ),
    pytest.param(
        {"base": {"dataset": "judgments"},
         "blocks": [{"kind": "not_exists", "dataset": "pension_payments", "date": "month",
                     "days": 60}]},
        {"judgments": [suit("j1", A, "2025-01-01"), suit("j2", B, "2025-01-01"),
                       suit("j3", C, "2025-12-01")],
         "pension_payments": [payment("p1", B, "2025-02-01")]},
        {"judgments:j1"},
        id="not_exists",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "lake_rows", "expected"), CASES)
def test_block_finds_its_records(
    tmp_path: Path,
    studio: Studio,
    spec: dict[str, Any],
    lake_rows: dict[str, list[dict[str, Any]]],
    expected: set[str],
) -> None:
    from lexradar.models.examples import _typed_row

    lake = tmp_path / "lake"
    for name, rows in lake_rows.items():
        typed = [_typed_row(name, r, (), lambda *a: AssertionError(a)) for r in rows]
        write_rows(lake, name, typed)
    draft = Draft.model_validate({"id": "test.block", **HEAD, **spec})
    model = studio.save(draft).model
    assert studio.registry().get("test.block").sql == model.sql == generate_sql(draft)
    with open_engine(lake) as engine:
        clues, _ = run_model(engine, model, dt.date(2025, 12, 31))
    found = {";".join(r.split(";")[:1] + sorted(r.split(";")[1:]))
             for r in clues.column("record_refs").to_pylist()}  # fmt: skip
    want = {";".join(r.split(";")[:1] + sorted(r.split(";")[1:])) for r in expected}
    assert found == want
    assert all(e.strip() for e in clues.column("explanation").to_pylist())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base": {"dataset": "judgments", "filters": [{"column": "causes", "value": "x"}]}},
         "filter column 'causes' is not a field of judgments"),
        ({"blocks": [{"kind": "not_exists", "dataset": "driver_licenses", "date": "status_date",
                      "days": "within"}]},
         "block 1 (not_exists): days names undeclared parameter 'within'"),
        ({"blocks": [{"kind": "match", "dataset": "border_crossings"}]},
         "border_crossings has no person column"),
        ({"blocks": [{"kind": "match", "dataset": "driver_licenses",
                      "filters": [{"column": "status", "op": "in", "value": "valid"}]}]},
         "'in' needs a list of values"),
        ({"base": {"dataset": "judgments"}, "case": ["judgment/J1"]},
         "case record 'judgment/J1' is not '<dataset>:<record_id>'"),
    ],
)  # fmt: skip
def test_a_bad_draft_is_refused_naming_what(change: dict[str, Any], message: str) -> None:
    data = {"id": "test.bad", **HEAD, "base": {"dataset": "judgments"}, **change}
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Draft.model_validate(data)


@pytest.mark.parametrize(("spec", "lake_rows", "expected"), CASES)
def test_a_saved_draft_reads_back_the_same(
    studio: Studio,
    spec: dict[str, Any],
    lake_rows: dict[str, list[dict[str, Any]]],
    expected: set[str],
) -> None:
    draft = Draft.model_validate({"id": "test.block", **HEAD, **spec})
    saved = studio.save(draft)
    assert studio.load("test.block") == draft and saved.version == 1
    again = studio.save(draft)  # nothing changed: no new version
    assert not again.changed and studio.versions("test.block") == [1]
    edited = draft.model_copy(update={"severity": "low"})
    assert studio.save(edited).version == 2 and studio.versions("test.block") == [1, 2]
    assert "'low' AS severity" in studio.model("test.block").sql
    assert "'medium' AS severity" in studio.version("test.block", 1).sql
