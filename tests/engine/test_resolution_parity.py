"""Person resolution on Spark (Splink's Spark backend) against DuckDB, on the same lake.

1. With the same trained model, Spark scores the same candidate pairs with the same weights,
   calibrates the same threshold and writes the same person keys, review list and registration
   pairs: the links agree exactly.
2. Trained on Spark from scratch, the model is not bit-identical: u is estimated from a random
   sample of pairs, which Spark draws differently from DuckDB, EM then starts from other u
   values, and here it also runs fewer iterations on a smaller sample (:data:`EM_ITERATIONS`,
   :data:`U_PAIRS`). So the links are compared by pairwise agreement: of the pairs of mentions
   either engine puts under one key, the share both do. The tolerance is 99.5 %; the measured
   agreement is printed with ``-s`` (see docs/scale.md for the figure).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from lexradar.linkage.resolve import (
    KEYS_FILE,
    MODEL_FILE,
    REGISTRATION_PAIRS_FILE,
    REVIEW_FILE,
    Result,
    linkage_dir,
)
from lexradar.linkage.resolve import resolve as resolve_duckdb
from lexradar.synth import generate
from tests.engine.conftest import SPARK_TEST_CONF

pytest.importorskip("pyspark")
pytest.importorskip("splink")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]

AGREEMENT = 0.995
"""Least pairwise agreement of the links when each engine trains its own model."""
EM_ITERATIONS = 5
U_PAIRS = 2e5
"""Spark trains with fewer EM iterations and a smaller sample for u than DuckDB's defaults (25,
5e6), to keep the test short; the agreement covers that difference too."""


def _copy_lake(src: Path, dst: Path) -> Path:
    """The lake's datasets under ``dst``, as hard links (no ``_linkage``)."""
    dst.mkdir(parents=True)
    for sub in src.iterdir():
        if sub.is_dir() and sub.name != "_linkage":  # datasets and their batch manifests
            shutil.copytree(sub, dst / sub.name, copy_function=os.link)
        elif sub.is_file():
            os.link(sub, dst / sub.name)
    return dst


@pytest.fixture(scope="module")
def lakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A 5,000-person region resolved on DuckDB (training included), and two more copies of
    its lake for Spark: one given DuckDB's model, one left to train its own."""
    root = tmp_path_factory.mktemp("resolution")
    generate(5_000, 7, root / "region")
    lake = root / "region" / "lake"
    duck = _copy_lake(lake, root / "duckdb")
    result = resolve_duckdb(duck, retrain=True)
    same_model = _copy_lake(lake, root / "spark_same_model")
    linkage_dir(same_model).mkdir()
    shutil.copy(linkage_dir(duck) / MODEL_FILE, linkage_dir(same_model) / MODEL_FILE)
    yield {
        "duckdb": duck,
        "duckdb_result": result,
        "same_model": same_model,
        "own_model": _copy_lake(lake, root / "spark_own_model"),
    }


def _rows(path: Path, order: str) -> list[tuple[object, ...]]:
    return duckdb.sql(f"SELECT * FROM '{path}' ORDER BY {order}").fetchall()


def _linked_pairs(lake: Path) -> set[tuple[str, str]]:
    """Pairs of mentions under one person key (clusters are small: a person's records)."""
    rows = duckdb.sql(
        f"SELECT a.unique_id, b.unique_id FROM '{linkage_dir(lake) / KEYS_FILE}' a "
        f"JOIN '{linkage_dir(lake) / KEYS_FILE}' b "
        "ON a.person_key = b.person_key AND a.unique_id < b.unique_id"
    ).fetchall()
    return {(str(a), str(b)) for a, b in rows}


def test_with_the_same_model_spark_writes_the_same_links(lakes: dict[str, object]) -> None:

    duck, lake = Path(str(lakes["duckdb"])), Path(str(lakes["same_model"]))
    ours = lakes["duckdb_result"]
    assert isinstance(ours, Result)
    theirs = resolve_duckdb(lake, engine="spark", master="local[2]", conf=SPARK_TEST_CONF)

    assert not theirs.trained
    for name in (
        "mentions",
        "candidate_pairs",
        "threshold_weight",
        "threshold_method",
        "clusters",
        "linked_pairs",
        "review_pairs",
    ):
        assert getattr(theirs, name) == getattr(ours, name), name
    assert ours.clusters < ours.mentions  # something was linked at all

    keys = "unique_id, dataset, record_id, role, recorded_id, name, person_key, cluster_size"
    d, s = linkage_dir(duck), linkage_dir(lake)
    assert pq.read_schema(s / KEYS_FILE).names == pq.read_schema(d / KEYS_FILE).names
    assert _rows(s / KEYS_FILE, "unique_id") == _rows(d / KEYS_FILE, "unique_id"), keys

    # the review list and the registration pairs: the same pairs, weights equal to 1e-9
    for name in (REVIEW_FILE, REGISTRATION_PAIRS_FILE):
        a = _rows(d / name, "unique_id_l, unique_id_r")
        b = _rows(s / name, "unique_id_l, unique_id_r")
        assert [r[:2] for r in a] == [r[:2] for r in b], name
        cols = pq.read_schema(d / name).names
        w = cols.index("match_weight")
        assert all(abs(x[w] - y[w]) < 1e-9 for x, y in zip(a, b, strict=True)), name


def test_trained_on_spark_the_links_agree_within_the_tolerance(
    lakes: dict[str, object],
) -> None:

    duck, lake = Path(str(lakes["duckdb"])), Path(str(lakes["own_model"]))
    theirs = resolve_duckdb(
        lake,
        engine="spark",
        master="local[2]",
        conf=SPARK_TEST_CONF,
        max_iterations=EM_ITERATIONS,
        max_pairs=U_PAIRS,
    )
    assert theirs.trained

    # the model is saved in DuckDB's dialect, with the same levels in the same order
    ours_model = json.loads((linkage_dir(duck) / MODEL_FILE).read_text(encoding="utf-8"))
    spark_model = json.loads((linkage_dir(lake) / MODEL_FILE).read_text(encoding="utf-8"))
    levels = [
        [lv["sql_condition"] for lv in c["comparison_levels"]] for c in ours_model["comparisons"]
    ]
    assert levels == [
        [lv["sql_condition"] for lv in c["comparison_levels"]] for c in spark_model["comparisons"]
    ]

    a, b = _linked_pairs(duck), _linked_pairs(lake)
    agreement = len(a & b) / len(a | b)
    print(
        f"\nlinked pairs: DuckDB {len(a):,}, Spark {len(b):,}, both {len(a & b):,}; "
        f"pairwise agreement {agreement:.4%}; threshold weight DuckDB "
        f"{lakes['duckdb_result'].threshold_weight} Spark {theirs.threshold_weight}"  # type: ignore[attr-defined]
    )
    assert agreement >= AGREEMENT


def test_the_resolution_views_are_the_same_on_both_engines(lakes: dict[str, object]) -> None:
    """``person_keys``, ``persons_resolved`` and ``registration_pairs`` over the lake Spark
    resolved with DuckDB's model (after the first test): the same rows on both engines."""
    from lexradar.engine import Step, open_engine

    lake = Path(str(lakes["same_model"]))
    if not (linkage_dir(lake) / KEYS_FILE).exists():  # run alone: resolve it first
        resolve_duckdb(lake, engine="spark", master="local[2]", conf=SPARK_TEST_CONF)
    queries = {
        "person_keys": "SELECT dataset, record_id, role, person_key, cluster_size, resolved "
        "FROM person_keys ORDER BY dataset, record_id, role",
        "persons_resolved": "SELECT record_id, person_key, registrations, active_registrations "
        "FROM persons_resolved ORDER BY record_id",
        "registration_pairs": "SELECT unique_id_l, unique_id_r, person_id_l, person_id_r "
        "FROM registration_pairs ORDER BY unique_id_l, unique_id_r",
    }
    duck = open_engine(lake, "duckdb")
    spark = open_engine(lake, "spark", master="local[2]", conf=SPARK_TEST_CONF)
    try:
        assert duck.resolved and spark.resolved  # type: ignore[attr-defined]
        for name, sql in queries.items():
            a = duck.run(Step(name, sql)).to_pylist()
            b = spark.run(Step(name, sql)).to_pylist()
            assert a == b, name
            assert a or name == "registration_pairs", name
        keyed = duck.run(Step("resolved", "SELECT count(*) FROM person_keys WHERE resolved"))
        assert keyed.column(0)[0].as_py() > 0
    finally:
        duck.close()
        spark.close()
