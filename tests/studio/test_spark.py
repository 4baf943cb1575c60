"""Drafts compile to SQL that runs unchanged on both engines, with the same clues."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from lexradar.engine import open_engine
from lexradar.models.run import run_model
from lexradar.studio.blocks import Draft
from lexradar.studio.workspace import Studio
from lexradar.synth import SynthResult
from tests.engine.conftest import SPARK_TEST_CONF
from tests.studio.conftest import AS_OF, planted_case, traffic_draft

pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]
HEAD: dict[str, Any] = {
    "title": {"zh": "测试", "en": "test"},
    "domain": "administrative",
    "supervision_point": {"zh": "测试规则", "en": "a test rule"},
    "legal_basis": ["测试"],
}
DRAFTS = [
    {"id": "zoo.pension_in_prison", "base": {"dataset": "pension_payments"},
     "blocks": [{"kind": "overlap", "dataset": "custody_records", "start": "start_date",
                 "end": "end_date", "filters": [{"column": "custody_type", "op": "in",
                                                 "value": ["prison", "detention"]}]}]},
    {"id": "zoo.married_after_death", "base": {"dataset": "marriage_events"},
     "blocks": [{"kind": "before_after", "dataset": "deaths", "date": "death_date",
                 "direction": "before", "min_days": 1, "max_days": 3650}]},
    {"id": "zoo.many_suits", "base": {"dataset": "judgments",
                                      "filters": [{"column": "party_role", "value": "plaintiff"}]},
     "blocks": [{"kind": "count", "dataset": "judgments", "date": "effective_date",
                 "window_days": 365, "threshold": 3}]},
    {"id": "zoo.two_identities", "base": {"dataset": "persons"},
     "blocks": [{"kind": "same_identity", "dataset": "persons",
                 "compare": {"name": "name", "birth_date": "birth_date", "gender": "gender"}},
                {"kind": "match", "dataset": "travel_documents"}]},
]  # fmt: skip


def test_drafts_give_the_same_clues_on_duckdb_and_spark(tmp_path: Any, region: SynthResult) -> None:
    studio = Studio(tmp_path / "models", tmp_path / "studio")
    lake = region.out / "lake"
    with open_engine(lake) as duck:
        models = [studio.save(traffic_draft(duck, planted_case(region))).model]
    models += [studio.save(Draft.model_validate({**HEAD, **d})).model for d in DRAFTS]
    spark = open_engine(lake, "spark", master="local[2]", conf=SPARK_TEST_CONF)
    duck = open_engine(lake)
    try:
        for model in models:
            a, _ = run_model(duck, model, AS_OF)
            b, _ = run_model(spark, model, AS_OF)
            assert a.num_rows > 0, model.id
            cols = ["fingerprint", "person_ids", "record_refs", "severity", "explanation"]
            assert sorted(a.select(cols).to_pylist(), key=str) == sorted(
                b.select(cols).to_pylist(), key=str
            ), model.id
    finally:
        duck.close()
        spark.close()
