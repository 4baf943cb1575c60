"""Golden examples: every pack model has them, they pass, and failures say what went wrong."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from lexradar.errors import ModelError
from lexradar.models import Registry
from lexradar.models.examples import (
    Example,
    examples_path,
    load_examples,
    run_all,
    run_example,
)
from lexradar.models.registry import Model
from lexradar.normalize.resident_id import is_valid

REGISTRY = Registry()
MODEL_IDS = sorted(REGISTRY.models)
ID_FIELDS = ("person_id", "husband_id", "wife_id", "party_id")


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_each_model_has_positive_and_negative_examples(model_id: str) -> None:
    model = REGISTRY.get(model_id)
    assert examples_path(model).exists(), f"{model_id} has no {examples_path(model).name}"
    kinds = [e.kind for e in load_examples(model)]
    assert kinds.count("positive") >= 2, f"{model_id}: fewer than 2 positive examples"
    assert kinds.count("negative") >= 3, f"{model_id}: fewer than 3 negative examples"


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_example_passes(model_id: str) -> None:
    failed = [str(r) for r in run_all(REGISTRY.get(model_id)) if not r.passed]
    assert not failed, "\n\n".join(failed)


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_examples_use_valid_resident_ids(model_id: str) -> None:
    bad = []
    for example in load_examples(REGISTRY.get(model_id)):
        for rows in example.given.values():
            bad += [r[f] for r in rows for f in ID_FIELDS if r.get(f) and not is_valid(r[f])]
        bad += [p for clue in example.expect for p in clue.get("person_ids", []) if not is_valid(p)]
    assert not bad, f"{model_id}: invalid resident IDs {bad}"


def _first(model_id: str, kind: str) -> Example:
    return next(e for e in load_examples(REGISTRY.get(model_id)) if e.kind == kind)


def test_a_wrong_expectation_fails_with_a_diff_naming_the_unexpected_clue(tmp_path: Path) -> None:
    model = REGISTRY.get("marriage.bigamy")
    positive = _first("marriage.bigamy", "positive")
    wrong = positive.model_copy(update={"kind": "negative", "expect": []})
    result = run_example(model, wrong, tmp_path)
    assert not result.passed
    assert "+{" in result.diff and "150402198001010010" in result.diff
    assert "marriage_events:m2" in result.diff

    other = positive.model_copy(update={"expect": [{"person_ids": ["150402198203030028"]}]})
    result = run_example(model, other, tmp_path)
    assert not result.passed
    assert '-{"person_ids": ["150402198203030028"]}' in result.diff
    assert '+{"person_ids": ["150402198001010010"]}' in result.diff


def test_a_clue_expected_twice_but_raised_once_fails(tmp_path: Path) -> None:
    model = REGISTRY.get("marriage.bigamy")
    positive = _first("marriage.bigamy", "positive")
    twice = positive.model_copy(update={"expect": [{"severity": "high"}, {"severity": "high"}]})
    result = run_example(model, twice, tmp_path)
    assert not result.passed and result.diff.count('{"severity": "high"}') == 2


def _model_with_examples(tmp_path: Path, text: str) -> Model:
    """marriage.bigamy as if it lived in ``tmp_path``, with ``text`` as its examples file."""
    model = dataclasses.replace(REGISTRY.get("marriage.bigamy"), path=tmp_path / "bigamy.yaml")
    examples_path(model).write_text(text, encoding="utf-8")
    return model


GOOD = """\
model: marriage.bigamy
examples:
  - name: one marriage
    kind: negative
    given:
      marriage_events:
        - {record_id: m1, cert_no: J1, event_type: marriage, event_date: 2010-05-01, husband_id: "150402198001010010", husband_name: 巴特尔, wife_id: "150402198203030028", wife_name: 其其格}
    expect: []
"""  # noqa: E501


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("kind: negative", "kind: negativ", 4, "examples.0.kind"),
        ("event_date: 2010-05-01", "event_day: 2010-05-01", 7, "event_day"),
        ("event_date: 2010-05-01", "event_date: 2010-13-01", 7, "event_date"),
        (", wife_name: 其其格", "", 7, "examples.0.given.marriage_events.0.wife_name"),
        ("marriage_events:", "pension_payments:", 7, "examples.0.given.pension_payments"),
        ("expect: []", "expect: [{severity: high}]", 3, "examples.0"),
        ("model: marriage.bigamy", "model: marriage.after_death", 1, "model"),
        ("    given:", "    params: {nothing: 1}\n    given:", 5, "examples.0.params"),
    ],
)
def test_a_malformed_examples_file_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    model = _model_with_examples(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ModelError) as info:
        load_examples(model)
    where = info.value.location
    assert where.file == str(tmp_path / "bigamy.examples.yaml")
    assert where.line == line, info.value
    assert where.field is not None and field in where.field, info.value


def test_the_well_formed_file_loads(tmp_path: Path) -> None:
    (example,) = load_examples(_model_with_examples(tmp_path, GOOD))
    assert example.kind == "negative" and example.as_of.isoformat() == "2025-12-31"


def test_a_freshly_scaffolded_examples_file_loads_empty(tmp_path: Path) -> None:
    model = _model_with_examples(tmp_path, "model: marriage.bigamy\nexamples: []\n")
    assert load_examples(model) == [] and run_all(model) == []


def test_an_expectation_may_name_evidence_and_explanation(tmp_path: Path) -> None:
    model = REGISTRY.get("marriage.bigamy")
    positive = _first("marriage.bigamy", "positive")
    clue = {"new_cert_no": "J2", "old_date": "2010-05-01", "explanation_en": None}
    result = run_example(model, positive.model_copy(update={"expect": [clue]}), tmp_path)
    assert not result.passed and "explanation_en" in result.diff
    clue["explanation_en"] = result.clues[0]["explanation_en"]
    assert run_example(model, positive.model_copy(update={"expect": [clue]}), tmp_path).passed


def test_a_model_without_examples_is_an_error(tmp_path: Path) -> None:
    model = dataclasses.replace(REGISTRY.get("marriage.bigamy"), path=tmp_path / "bigamy.yaml")
    with pytest.raises(ModelError, match="no golden examples"):
        load_examples(model)


# Cases that once caught a pack model out: a co-defendant's sentence counted against the
# wrong accused, and a licence's status read as of today rather than as of the run's date.
CO_DEFENDANT: dict[str, Any] = {
    "custody_records": [
        {"record_id": "k1", "person_id": "15040219480601001X", "name": "赵福",
         "custody_type": "detention", "start_date": "2023-01-05", "end_date": "2023-04-20",
         "case_no": "(2023)蒙0402刑初5号"},
    ],
    "judgments": [
        {"record_id": "j1", "case_no": "(2023)蒙0402刑初5号", "cause": "盗窃罪",
         "case_kind": "criminal", "party_id": "150402199111110738", "party_name": "张明",
         "party_role": "accused", "judgment_date": "2023-02-15", "effective_date": "2023-03-01",
         "outcome": "imprisonment", "term_months": 36, "court_region_code": "150402"},
        {"record_id": "j2", "case_no": "(2023)蒙0402刑初5号", "cause": "盗窃罪",
         "case_kind": "criminal", "party_id": "15040219480601001X", "party_name": "赵福",
         "party_role": "accused", "judgment_date": "2023-04-10", "effective_date": "2023-04-21",
         "outcome": "probation", "term_months": 24, "court_region_code": "150402"},
    ],
}  # fmt: skip
PAYMENT = {"record_id": "y03", "person_id": "15040219480601001X", "name": "赵福",
           "month": "2023-03-01", "amount": 3200}  # fmt: skip
LICENCE_AS_OF: dict[str, Any] = {
    "judgments": [
        {"record_id": "j1", "case_no": "(2025)蒙0102刑初31号", "cause": "危险驾驶罪",
         "case_kind": "criminal", "party_id": "150102198809090117", "party_name": "孙磊",
         "party_role": "accused", "judgment_date": "2025-02-14", "effective_date": "2025-03-01",
         "outcome": "fine", "court_region_code": "150102"},
    ],
    "driver_licenses": [
        {"record_id": "l1", "license_no": "150100123456", "person_id": "150102198809090117",
         "name": "孙磊", "issued_on": "2010-06-01", "status": "revoked",
         "status_date": "2025-07-01"},
    ],
}  # fmt: skip


def _run_case(tmp_path: Path, model_id: str, example: dict[str, Any]) -> str:
    model = REGISTRY.get(model_id)
    model = dataclasses.replace(model, path=tmp_path / model.path.name)
    text = yaml.safe_dump({"model": model_id, "examples": [example]}, allow_unicode=True)
    examples_path(model).write_text(text, encoding="utf-8")
    (loaded,) = load_examples(model)
    result = run_example(model, loaded, tmp_path)
    assert result.passed, str(result)
    return result.diff


@pytest.mark.parametrize(
    ("model_id", "payments"),
    [("pension.while_imprisoned", "pension_payments"),
     ("allowance.while_detained", "allowance_payments")],
)  # fmt: skip
def test_a_co_defendants_sentence_does_not_count(
    tmp_path: Path, model_id: str, payments: str
) -> None:
    given = {**CO_DEFENDANT, payments: [PAYMENT]}
    case = {"name": "co-defendant imprisoned, this accused on probation", "kind": "negative",
            "given": given, "expect": []}  # fmt: skip
    _run_case(tmp_path, model_id, case)


def test_licence_status_is_read_as_of_the_run_date(tmp_path: Path) -> None:
    case = {"name": "still valid on the as-of date", "kind": "positive", "as_of": "2025-06-30",
            "given": LICENCE_AS_OF, "expect": [{"severity": "high"}]}  # fmt: skip
    _run_case(tmp_path, "traffic.license_not_revoked", case)
