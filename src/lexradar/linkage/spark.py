"""Person resolution on Spark, through Splink's Spark backend, with the settings of DuckDB's.

:func:`resolve` does what :func:`lexradar.linkage.resolve.resolve` does — mentions, training (or
the saved model), scoring, calibration, judgements, clusters, keys, review list, registration
pairs — on a :class:`~lexradar.engine.spark.SparkEngine`, and writes the same files to
``lake/_linkage/``. Nothing is written twice: the mention SQL, the Splink settings (comparisons
and blocking rules), the calibration, the judgements and the key SQL are DuckDB's own, reused by
import and carried into Spark's dialect by SQLGlot (:func:`to_spark`).

The glue is :class:`SparkConnection`, a connection with the few verbs of DuckDB's that those
functions use (``execute(...).fetchall()``, ``sql(...).to_arrow_table()``, ``register``,
``CREATE OR REPLACE TABLE … AS``, ``COPY (…) TO '….parquet'``, ``DROP TABLE``), each run by
Spark. A table created through it is written as Parquet under the work folder and read back, so
Spark never recomputes a long lineage and the driver never holds it.

The trained model is saved in DuckDB's dialect (``model.json``, the same file DuckDB writes and
reads): a model trained on either engine scores on the other.

Spark's functions differ from DuckDB's in a few places that the SQL here uses; :func:`to_spark`
rewrites them: ``hamming`` (no Spark built-in: counted over the positions), ``len`` of a list
(``size``), ``list_sum`` (``aggregate``), 1-based list indexing (``element_at``), string slices
(``substring``), ``try_strptime`` (``try_to_timestamp`` with a Java pattern),
``regexp_full_match`` (an anchored ``rlike``) and ``jaro_winkler_similarity`` (the
``jaro_winkler`` function of Splink's Scala jar, which lexradar's Spark sessions load).
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from lexradar.linkage import blocking, judgements, mentions
from lexradar.linkage.resolve import (
    KEY_SQL,
    KEYS_FILE,
    LINKAGE_DIR,
    MODEL_FILE,
    REVIEW_FILE,
    RUN_FILE,
    Progress,
    Result,
    choose_threshold,
    floor_m,
    link_cluster_and_list,
    otsu,
    prior_weight,
    settings,
    stale,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lexradar.engine.spark import SparkEngine

log = logging.getLogger("lexradar.linkage.spark")

WORK_DIR = "_spark_work"
"""Under ``lake/_linkage``: the tables of a run and Splink's checkpoints, removed at the end."""

_STRPTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}


def _java_pattern(fmt: str) -> str:
    for c, j in _STRPTIME.items():
        fmt = fmt.replace(c, j)
    return fmt


def _hamming(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Characters that differ between two strings of one length (NULL for unequal lengths,
    where DuckDB's ``hamming`` fails)."""
    sql = (
        "CASE WHEN length(__a) = length(__b) THEN size(filter(sequence(1, length(__a)), "
        "hk -> substring(__a, hk, 1) <> substring(__b, hk, 1))) END"
    )
    tree = sqlglot.parse_one(sql, read="spark")
    return tree.transform(
        lambda n: (
            (a.copy() if n.name == "__a" else b.copy())
            if isinstance(n, exp.Column) and n.name in ("__a", "__b")
            else n
        )
    )


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One node of a DuckDB tree in the form Spark understands (see the module docstring)."""
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = node.expressions
        if name == "hamming" and len(args) == 2:
            return _hamming(args[0], args[1])
        if name == "list_sum" and len(args) == 1:
            return sqlglot.parse_one(
                "aggregate(__x, CAST(0 AS BIGINT), (acc, v) -> acc + coalesce(v, 0))",
                read="spark",
            ).transform(
                lambda n: args[0].copy() if isinstance(n, exp.Column) and n.name == "__x" else n
            )
        if name == "try_strptime" and len(args) == 2 and isinstance(args[1], exp.Literal):
            return exp.Anonymous(
                this="try_to_timestamp",
                expressions=[args[0], exp.Literal.string(_java_pattern(args[1].this))],
            )
    if isinstance(node, exp.JarowinklerSimilarity):
        return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if isinstance(pattern, exp.Literal):
            return exp.RegexpLike(
                this=node.this, expression=exp.Literal.string(f"^(?:{pattern.this})$")
            )
    if isinstance(node, exp.Length) and isinstance(
        node.this, (exp.ArrayFilter, exp.Array, exp.Transform)
    ):
        return exp.Anonymous(this="size", expressions=[node.this])
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Slice):  # s[:n] / s[a:b], 1-based and inclusive
            start = index.this or exp.Literal.number(1)
            if index.expression is None:
                return exp.Anonymous(this="substring", expressions=[node.this, start])
            length = exp.Add(
                this=exp.Sub(this=index.expression, expression=start),
                expression=exp.Literal.number(1),
            )
            return exp.Substring(this=node.this, start=start, length=length)
        return exp.Anonymous(this="element_at", expressions=[node.this, index])
    return node


def to_spark(sql: str) -> str:
    """DuckDB SQL (a query or a bare condition) in Spark's dialect."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    # a rewritten node's children are not visited in the same pass: repeat until nothing moves
    for _ in range(8):
        before = tree.sql(dialect="duckdb")
        tree = tree.transform(_rewrite)
        if tree.sql(dialect="duckdb") == before:
            break
    return tree.sql(dialect="spark")


def spark_model(model: Mapping[str, Any]) -> dict[str, Any]:
    """A Splink settings dict (or saved model) with every SQL condition and blocking rule in
    Spark's dialect; everything else (m, u, labels, order) as it is."""
    out = json.loads(json.dumps(model))
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"] != "ELSE":
                level["sql_condition"] = to_spark(level["sql_condition"])
    rules = out.get("blocking_rules_to_generate_predictions", [])
    for i, rule in enumerate(rules):
        if isinstance(rule, str):
            rules[i] = to_spark(rule)
        else:
            rule["blocking_rule"] = to_spark(rule["blocking_rule"])
            rule.pop("sql_dialect", None)
    out.pop("sql_dialect", None)
    return out


def duckdb_model(trained: Mapping[str, Any], template: Mapping[str, Any]) -> dict[str, Any]:
    """A model trained on Spark, saved in DuckDB's dialect: ``template``'s SQL (the settings it
    was trained from) with ``trained``'s probabilities, level by level."""
    out = json.loads(json.dumps(trained))
    for comparison, original in zip(out["comparisons"], template["comparisons"], strict=True):
        levels = comparison["comparison_levels"]
        for level, source in zip(levels, original["comparison_levels"], strict=True):
            level["sql_condition"] = source["sql_condition"]
    out["blocking_rules_to_generate_predictions"] = json.loads(
        json.dumps(template["blocking_rules_to_generate_predictions"])
    )
    out.pop("sql_dialect", None)
    return out


class _Rows:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class _Relation:
    def __init__(self, df: DataFrame) -> None:
        self.df = df

    def to_arrow_table(self) -> pa.Table:
        from lexradar.engine.spark import to_duckdb_types

        return to_duckdb_types(self.df.toArrow())


_CREATE = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(\w+)\s+AS\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_COPY = re.compile(
    r"^\s*COPY\s*\((.*)\)\s*TO\s+'((?:[^']|'')*)'\s*\(\s*FORMAT\s+parquet\s*\)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_DROP = re.compile(r"^\s*DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?(\w+)\s*$", re.IGNORECASE)


class SparkConnection:
    """The part of a DuckDB connection that resolution uses, run by a Spark session.

    ``work`` is a folder (or a URI on a cluster's file system) for the tables it creates.
    """

    def __init__(self, spark: SparkSession, work: str) -> None:
        self.spark = spark
        self.work = work.rstrip("/")

    def _df(self, sql: str) -> DataFrame:
        return self.spark.sql(to_spark(sql))

    def execute(self, sql: str, params: object = None) -> _Rows:
        """Run one DuckDB statement; a SELECT's rows come back through ``fetchall()``."""
        if params:
            raise ValueError("SparkConnection does not bind parameters")
        if m := _CREATE.match(sql):
            self.materialize(m.group(1), self._df(m.group(2)))
            return _Rows([])
        if m := _COPY.match(sql):
            write_parquet(self._df(m.group(1)), m.group(2).replace("''", "'"))
            return _Rows([])
        if m := _DROP.match(sql):
            self.spark.catalog.dropTempView(m.group(1))
            return _Rows([])
        return _Rows([tuple(r) for r in self._df(sql).collect()])

    def sql(self, sql: str) -> _Relation:
        return _Relation(self._df(sql))

    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table of the driver (distinct names, judgements) as a view; Spark ships it
        with the plan, so no job runs here."""
        from lexradar.engine.spark import SparkEngine

        schema = SparkEngine._spark_schema(table.schema)
        if table.num_rows:
            df = self.spark.createDataFrame(table, schema)
        else:
            df = self.spark.createDataFrame([], schema)
        df.createOrReplaceTempView(name)

    def materialize(self, name: str, df: DataFrame) -> DataFrame:
        """Write ``df`` under the work folder and make ``name`` a view of the written files."""
        path = f"{self.work}/{name}-{uuid.uuid4().hex[:8]}"
        df.write.mode("overwrite").parquet(path)
        out = self.spark.read.parquet(path)
        out.createOrReplaceTempView(name)
        return out


def write_parquet(df: DataFrame, path: str) -> None:
    """Write a result where DuckDB would: a local ``….parquet`` becomes one file (written by
    Spark into a folder beside it, then moved), so DuckDB, pyarrow and the other engine read it
    as before; on a cluster's file system the path is a folder of parts."""
    from lexradar.engine.spark import _lake_uri

    if _lake_uri(path) is not None:
        df.write.mode("overwrite").parquet(path)
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    df.coalesce(1).write.mode("overwrite").parquet(str(tmp))
    parts = sorted(tmp.glob("part-*.parquet"))
    if len(parts) != 1:  # no rows: Spark still writes one part with the schema
        raise RuntimeError(f"expected one Parquet part in {tmp}, found {len(parts)}")
    if target.is_dir():
        shutil.rmtree(target)
    parts[0].replace(target)
    shutil.rmtree(tmp)


def _linker(spark: SparkSession, model: Mapping[str, Any], checkpoints: str) -> Any:
    from splink import Linker, SparkAPI

    spark.sparkContext.setCheckpointDir(checkpoints)
    db_api = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    return Linker(db_api.register("mentions"), spark_model(model), log_level=30)


def train(
    spark: SparkSession,
    checkpoints: str,
    max_pairs: float = 5e6,
    seed: int = 1,
    max_iterations: int | None = None,
) -> Any:
    """A linker trained on the ``mentions`` view of ``spark`` exactly as
    :func:`lexradar.linkage.resolve.train` trains on DuckDB (``max_iterations`` caps EM)."""
    base = settings()
    if max_iterations is not None:
        base["max_iterations"] = max_iterations
    linker = _linker(spark, base, checkpoints)
    linker.training.estimate_probability_two_random_records_match(
        [to_spark(r) for r in blocking.DETERMINISTIC_RULES], recall=0.95
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in blocking.TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            to_spark(rule), estimate_without_term_frequencies=True
        )
    return linker


def _linkage_path(lake: Path | str) -> str:
    from lexradar.engine.spark import _lake_uri

    uri = _lake_uri(lake)
    return f"{uri.rstrip('/')}/{LINKAGE_DIR}" if uri else str(Path(lake) / LINKAGE_DIR)


def resolve(
    lake: Path | str,
    threshold: float | None = None,
    retrain: bool = False,
    review_band: float = 6.0,
    progress: Progress | None = None,
    master: str | None = None,
    conf: Mapping[str, object] | None = None,
    max_iterations: int | None = None,
    max_pairs: float = 5e6,
    engine: SparkEngine | None = None,
) -> Result:
    """Resolve the lake's mentions to person keys on Spark; the same steps, files and figures
    as :func:`lexradar.linkage.resolve.resolve`.

    ``master`` and ``conf`` default to the ``spark_master`` and ``spark_conf`` settings; an open
    ``engine`` (a :class:`~lexradar.engine.spark.SparkEngine` over ``lake``) is used instead when
    given. ``max_iterations`` caps each EM pass (Splink's default is 25); ``max_pairs`` is the
    sample for u, as on DuckDB.
    """
    from lexradar.engine import open_engine

    say = progress or (lambda _msg: None)
    out = _linkage_path(lake)
    local = not _is_uri(out)
    if local:
        Path(out).mkdir(exist_ok=True)
    work = f"{out}/{WORK_DIR}"
    result = Result()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[name] = round(now - clock, 2)
        clock = now

    own = engine is None
    if engine is None:
        options: dict[str, object] = {}
        if master is not None:
            options["master"] = master
        if conf is not None:
            options["conf"] = conf
        engine = open_engine(lake, "spark", **options)  # type: ignore[assignment]
    assert engine is not None
    con = SparkConnection(engine.spark, work)
    try:
        say("gathering person mentions")
        result.mentions = mentions.build(con)
        lap("mentions")
        model_path = f"{out}/{MODEL_FILE}"
        checkpoints = f"{work}/checkpoints"
        saved = _read_text(engine.spark, model_path)
        if saved is not None and not retrain and stale(json.loads(saved)):
            say("the saved model has other comparisons than this version: training again")
            retrain = True
        if saved is not None and not retrain:
            say("loading the trained model")
            model = json.loads(saved)
        else:
            say("training (u by random sampling, m by EM)")
            trained = train(
                engine.spark, checkpoints, max_pairs=max_pairs, max_iterations=max_iterations
            )
            model = floor_m(duckdb_model(trained.misc.save_model_to_json(), settings()))
            _write_text(engine.spark, model_path, json.dumps(model, ensure_ascii=False, indent=1))
            result.trained = True
        linker = _linker(engine.spark, model, checkpoints)
        lap("train")
        say("scoring candidate pairs")
        predictions = linker.inference.predict()
        con.materialize(
            "_lr_pairs",
            engine.spark.sql(
                "SELECT unique_id_l, unique_id_r, match_weight, match_probability "
                f"FROM {predictions.physical_name}"
            ),
        )
        result.candidate_pairs = int(con.execute("SELECT count(*) FROM _lr_pairs").fetchall()[0][0])
        lap("predict")
        judged = judgements.load(lake) if local else []
        prior = prior_weight(linker)
        given = None if threshold is None else math.log2(threshold / (1 - threshold))
        weight = choose_threshold(con, result, judged, prior, given, otsu(con, "_lr_pairs"))
        say(f"clustering at match weight {weight:.2f} ({result.threshold_method})")

        def keys() -> int:
            _cluster(con, linker, f"{out}/{KEYS_FILE}")
            return int(
                con.execute("SELECT count(DISTINCT person_key) FROM _lr_keys").fetchall()[0][0]
            )

        def review(sql: str) -> int:
            listed = con._df(sql)
            write_parquet(listed, f"{out}/{REVIEW_FILE}")
            return int(listed.count())

        link_cluster_and_list(con, result, judged, weight, prior, review_band, out, keys, review)
        lap("cluster")
        _write_text(
            engine.spark,
            f"{out}/{RUN_FILE}",
            json.dumps(result.as_dict() | {"engine": "spark"}, ensure_ascii=False, indent=2),
        )
    finally:
        for view in engine.spark.catalog.listTables():
            if view.isTemporary and view.name not in engine.views:
                engine.spark.catalog.dropTempView(view.name)
        engine.spark.catalog.clearCache()
        if local:
            shutil.rmtree(work, ignore_errors=True)
        else:
            _delete(engine.spark, work)
        if own:
            engine.close()
    return result


def _cluster(con: SparkConnection, linker: Any, path: str) -> None:
    """Connected components of ``_lr_edges`` by Splink on Spark, keyed as on DuckDB
    (:data:`lexradar.linkage.resolve.KEY_SQL`); the keys are also the view ``_lr_keys``."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    db_api = linker._db_api
    nodes = db_api.register("mentions", table_name="_lr_nodes")
    edges = db_api.register("_lr_edges", table_name="_lr_edge_input")
    cc = cluster_pairwise_predictions_at_threshold(
        nodes, edges, db_api=db_api, node_id_column_name="unique_id"
    )
    keys = con.materialize("_lr_keys", con._df(KEY_SQL.format(clusters=cc.physical_name)))
    write_parquet(keys.orderBy("unique_id"), path)


def _is_uri(path: str) -> bool:
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+:/", path) is not None


def _read_text(spark: SparkSession, path: str) -> str | None:
    """A small text file (the model) from the local disk or the cluster's file system."""
    if not _is_uri(path):
        p = Path(path)
        return p.read_text(encoding="utf-8") if p.exists() else None
    try:
        return "\n".join(r.value for r in spark.read.text(path, wholetext=True).collect())
    except Exception:  # absent on the cluster's file system
        return None


def _write_text(spark: SparkSession, path: str, text: str) -> None:
    """A small text file, written locally or through Hadoop's file system API."""
    if not _is_uri(path):
        Path(path).write_text(text, encoding="utf-8")
        return
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(hpath, True)
    stream.write(bytearray(text.encode("utf-8")))
    stream.close()


def _delete(spark: SparkSession, path: str) -> None:
    """Remove a folder of the cluster's file system (the work tables), if it exists."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if fs.exists(hpath):
        fs.delete(hpath, True)
