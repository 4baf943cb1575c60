"""Optional inputs: a model says which fields it relies on when an export has them, a run on a
lake without them says so, and the rule is still right without them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lexradar.datasets.lake import write_rows
from lexradar.engine import open_engine
from lexradar.errors import LexradarError
from lexradar.models import Registry
from lexradar.models.inputs import missing_inputs
from lexradar.models.run import run_model
from lexradar.models.spec import ModelSpec

JUDGMENT = {
    "record_id": "j1",
    "case_no": "(2025)蒙0102刑初31号",
    "cause": "危险驾驶罪",
    "case_kind": "criminal",
    "party_id": "150102198809090117",
    "party_name": "孙磊",
    "party_role": "accused",
    "judgment_date": dt.date(2025, 2, 14),
    "effective_date": dt.date(2025, 3, 1),
    "outcome": "criminal_detention",
    "term_months": 2,
    "court": "呼和浩特市新城区人民法院",
    "court_region_code": "150102",
}

APRIL = dt.date(2025, 4, 10)  # inside the ban, before the deadline of 2025-05-30
ISSUED = "driver_licenses.issued_on"


def _licence(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "record_id": "l1",
        "license_no": "150100123456",
        "person_id": "150102198809090117",
        "name": "孙磊",
        "license_class": "C1",
    }
    return row | kw


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return Registry().get("traffic.license_not_revoked")


def test_the_licence_model_declares_the_issue_date(model) -> None:  # type: ignore[no-untyped-def]
    [issued] = model.spec.inputs
    assert issued.field == "driver_licenses.issued_on"
    assert "吊销" in issued.without.zh and "revoked" in issued.without.en


@pytest.mark.parametrize(
    ("licence", "missing", "clues"),
    [
        # the export has issue dates: nothing missing; revoked in time is no clue
        (_licence(issued_on=dt.date(2010, 6, 1), status="revoked", status_date=APRIL), [], 0),
        # no issue dates: reported missing; a revocation inside the ban is not an issue date
        (_licence(status="revoked", status_date=APRIL), [ISSUED], 0),
        # no issue dates, revoked late: still found
        (_licence(status="revoked", status_date=dt.date(2025, 8, 20)), [ISSUED], 1),
    ],
)  # fmt: skip
def test_a_run_reports_missing_inputs_and_stays_right(  # type: ignore[no-untyped-def]
    tmp_path: Path, model, licence, missing, clues
) -> None:
    write_rows(tmp_path, "judgments", [JUDGMENT])
    write_rows(tmp_path, "driver_licenses", [licence])
    with open_engine(tmp_path) as engine:
        assert [i.field for i in missing_inputs(engine, model.spec)] == missing
        table, record = run_model(engine, model, dt.date(2025, 12, 31))
    assert record.missing_inputs == missing
    assert record.as_dict()["missing_inputs"] == missing
    assert table.num_rows == clues


def test_an_empty_dataset_reports_nothing(tmp_path: Path, model) -> None:  # type: ignore[no-untyped-def]
    write_rows(tmp_path, "judgments", [JUDGMENT])
    write_rows(tmp_path, "driver_licenses", [])
    with open_engine(tmp_path) as engine:
        assert missing_inputs(engine, model.spec) == []


def test_an_input_must_name_a_field_of_the_models_datasets(model) -> None:  # type: ignore[no-untyped-def]
    header = model.spec.model_dump(by_alias=True)
    for field, problem in [
        ("persons.address", "not among the model's datasets"),
        ("driver_licenses.colour", "has no field colour"),
    ]:
        header["inputs"] = [{"field": field, "without": {"zh": "无", "en": "none"}}]
        with pytest.raises((ValueError, LexradarError), match=problem):
            ModelSpec.model_validate(header)
