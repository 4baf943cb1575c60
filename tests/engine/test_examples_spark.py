"""Every golden example of the pack passes on Spark as it does on DuckDB: the model SQL is
written once, in DuckDB's dialect, and carried to Spark SQL by SQLGlot."""

from __future__ import annotations

import shutil

import pytest

from lexradar.models import Registry
from lexradar.models.examples import run_all
from tests.engine.conftest import SPARK_TEST_CONF

pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]

REGISTRY = Registry()


@pytest.mark.parametrize("model_id", sorted(REGISTRY.models))
def test_every_example_passes_on_spark(model_id: str) -> None:
    results = run_all(REGISTRY.get(model_id), "spark", master="local[2]", conf=SPARK_TEST_CONF)
    failed = [f"{r.example.name}:\n{r.diff}" for r in results if not r.passed]
    assert results and not failed, "\n\n".join(failed)
