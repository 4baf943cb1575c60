"""The Spark backend: every dataset is a temporary view over its Parquet files.

One SparkSession (one JVM) per process is started on first use and kept in a module-level cache:
each engine works in its own ``newSession()`` of it, so two engines never see each other's views,
and a test suite pays for the JVM start once. ``stop_sessions()`` (also run at interpreter exit)
stops it.

The session is set up so that SQL transpiled from DuckDB's dialect gives DuckDB's answers: the
session time zone is UTC (dates and timestamps are never shifted), ANSI mode is on (a bad cast or
an overflow is an error, as in DuckDB, instead of a silent NULL), and Parquet timestamps without a
time zone read as ``TIMESTAMP_NTZ`` like DuckDB's ``TIMESTAMP``. Results come back through Arrow
(``DataFrame.toArrow``) and are cast to the types DuckDB returns (``string`` not
``large_string``, naive timestamps, plain lists).

In a driver program started by ``spark-submit`` the submitted master and configuration stand;
lexradar only adds the settings above.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from lexradar.datasets.contract_model import CONTRACT
from lexradar.engine.base import Engine
from lexradar.errors import LakeError, Location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

log = logging.getLogger("lexradar.engine.spark")

#: what every lexradar session runs with, so that Spark answers as DuckDB does; ``spark_conf``
#: (settings) adds to or overrides these
BASE_CONF: dict[str, str] = {
    "spark.app.name": "lexradar",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
}
#: on one machine: no web UI, and a handful of shuffle partitions instead of Spark's 200
LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
}

_URI = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):/+(?P<rest>.*)$")
_lock = threading.Lock()
_cache: dict[str, Any] = {}  # "session" -> the root SparkSession, "key" -> what it was built with


def _lake_uri(lake: Path | str) -> str | None:
    """The lake as a URI when it is one (``s3a://…``, ``hdfs://host/…``, ``file:///…``), else
    None (a local folder, listed with pathlib).

    A URI that went through ``pathlib.Path`` lost a slash (``s3a:/bucket``); it is restored. So an
    HDFS lake is named with its namenode (``hdfs://namenode:8020/lake``), never ``hdfs:///lake``.
    """
    m = _URI.match(str(lake))
    if not m or len(m.group("scheme")) < 2:  # "C:/..." is a Windows drive, not a scheme
        return None
    if m.group("scheme") == "file":  # file:///abs/path, read through Spark like a cluster's
        return f"file:///{m.group('rest')}"
    return f"{m.group('scheme')}://{m.group('rest')}"


def splink_jar() -> str | None:
    """Splink's Scala jar of string-similarity functions for Spark 4 (``jaro_winkler`` and
    others, which person resolution on Spark calls), when Splink is installed."""
    import importlib.util

    spec = importlib.util.find_spec("splink")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "internals/files/spark_jars"
    jars = sorted(folder.glob("scala-udf-similarity-*_spark4.x.jar"))
    return str(jars[-1]) if jars else None


def session_conf(master: str, conf: Mapping[str, object] | None = None) -> dict[str, str]:
    """The Spark configuration a session is built with: lexradar's, then the user's.

    Splink's jar (:func:`splink_jar`) is added to ``spark.jars``, after any jars of the user's.
    """
    out = dict(BASE_CONF)
    if master.startswith("local") and not _submitted():
        out.update(LOCAL_CONF)
    out.update({k: str(v) for k, v in (conf or {}).items()})
    jar = splink_jar()
    if jar and jar not in out.get("spark.jars", ""):
        out["spark.jars"] = ",".join(j for j in (out.get("spark.jars"), jar) if j)
    return out


def spark_session(master: str = "local[2]", conf: Mapping[str, object] | None = None) -> Any:
    """The process's root SparkSession, started on first use and reused afterwards.

    Asking for another master or configuration stops the running session and starts a new one
    (a JVM holds one SparkContext).
    """
    from pyspark.sql import SparkSession

    full = session_conf(master, conf)
    key = repr((master, sorted(full.items())))
    with _lock:
        current = _cache.get("session")
        if current is not None and _cache.get("key") == key and not _stopped(current):
            return current
        if current is not None:
            current.stop()
        builder = SparkSession.builder
        if not _submitted():  # under spark-submit, its --master (and --conf) stand
            builder = builder.master(master)
        for name, value in full.items():
            builder = builder.config(name, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        _cache.update(session=session, key=key)
        log.info("started Spark %s on %s", session.version, master)
        return session


def _submitted() -> bool:
    """True in a driver program started by spark-submit (its JVM is already up)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def _stopped(session: Any) -> bool:
    try:
        return session.sparkContext._jsc is None  # type: ignore[no-any-return]
    except Exception:  # a context whose JVM is gone
        return True


def stop_sessions() -> None:
    """Stop the cached SparkSession (and its JVM's SparkContext), if one is running."""
    with _lock:
        session = _cache.pop("session", None)
        _cache.pop("key", None)
    if session is not None and not _stopped(session):
        session.stop()


atexit.register(stop_sessions)


def _plain(t: pa.DataType) -> pa.DataType:
    """The Arrow type DuckDB would return for a column Spark returns as ``t``."""
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_timestamp(t) and t.tz is not None:  # session time zone is UTC
        return pa.timestamp(t.unit)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(_plain(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _plain(f.type), f.nullable) for f in t])
    if pa.types.is_map(t):
        return pa.map_(_plain(t.key_type), _plain(t.item_type))
    return t


def to_duckdb_types(table: pa.Table) -> pa.Table:
    """Cast Spark's Arrow output to the types the DuckDB backend returns for the same SQL."""
    schema = pa.schema([pa.field(f.name, _plain(f.type), f.nullable) for f in table.schema])
    if schema.equals(table.schema):
        return table
    return table.cast(schema)


class SparkEngine(Engine):
    """Runs SQL on Spark (``local[N]`` on one machine, or a cluster's master)."""

    dialect = "spark"
    name = "spark"

    def __init__(
        self,
        lake: Path | str,
        master: str = "local[2]",
        conf: Mapping[str, object] | None = None,
        **_ignored: object,  # another backend's options (e.g. DuckDB's memory_limit)
    ) -> None:
        self.uri = _lake_uri(lake)
        if self.uri is None:
            super().__init__(lake)
        # else a lake on a cluster's file system: Spark lists and checks it, not pathlib
        self.master = master
        self.spark: SparkSession = spark_session(master, conf).newSession()
        self.views: list[str] = []
        found = 0
        for name, ds in CONTRACT.items():
            df = self._read(name)
            if df is None:  # an absent dataset reads as empty, with the contract's columns
                df = self._empty(ds.schema())
            else:
                found += 1
            df.createOrReplaceTempView(name)
            self.views.append(name)
        if self.uri is not None and not found:
            self.close()
            raise LakeError(
                f"no dataset found; expected sub-folders named {', '.join(CONTRACT)}",
                Location(file=self.uri),
            )
        #: whether the lake has been resolved (else the resolution views hold the fallback keys)
        self.resolved = self._resolution_views()

    def _resolution_views(self) -> bool:
        """``person_keys``, ``persons_resolved`` and ``registration_pairs`` as on DuckDB: the
        SQL of :mod:`lexradar.linkage.views`, carried into Spark's dialect by SQLGlot, over the
        lake's key files read by Spark. Returns whether the lake is resolved."""
        from lexradar.linkage import views
        from lexradar.linkage.resolve import KEYS_FILE, LINKAGE_DIR, REGISTRATION_PAIRS_FILE
        from lexradar.linkage.spark import to_spark

        folder = f"{self.uri.rstrip('/')}/{LINKAGE_DIR}" if self.uri else None
        if folder is None:
            folder = str(self.lake.path / LINKAGE_DIR)
        keys = self._read_file(f"{folder}/{KEYS_FILE}")
        relation = None
        if keys is not None:
            keys.selectExpr(*views.KEY_COLUMNS.split(", ")).createOrReplaceTempView(
                "_lr_person_keys_file"
            )
            self.views.append("_lr_person_keys_file")
            relation = "_lr_person_keys_file"
        pairs_sql = views.EMPTY_REGISTRATION_PAIRS_SQL
        pairs = self._read_file(f"{folder}/{REGISTRATION_PAIRS_FILE}")
        if pairs is not None:
            pairs.createOrReplaceTempView("_lr_registration_pairs_file")
            self.views.append("_lr_registration_pairs_file")
            cols = ", ".join(
                c if c in pairs.columns else f"CAST(NULL AS {t}) AS {c}"
                for c, t in views.REGISTRATION_PAIR_COLUMNS
            )
            pairs_sql = f"SELECT {cols} FROM _lr_registration_pairs_file"
        for name, sql in (
            ("person_keys", views.person_keys_sql(keys=relation)),
            ("persons_resolved", views.PERSONS_RESOLVED_SQL),
            ("registration_pairs", pairs_sql),
        ):
            self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {to_spark(sql)}")
            self.views.append(name)
        return relation is not None

    def _read_file(self, path: str) -> DataFrame | None:
        """A Parquet file (or folder of parts) of the lake, or None when it is absent."""
        if self.uri is None:
            return self.spark.read.parquet(path) if Path(path).exists() else None
        from pyspark.errors import AnalysisException

        try:
            return self.spark.read.parquet(path)
        except AnalysisException as exc:
            if "PATH_NOT_FOUND" in str(exc) or "Path does not exist" in str(exc):
                return None
            raise

    def _read(self, name: str) -> DataFrame | None:
        """The dataset's files as a DataFrame, or None when the lake has none."""
        if self.uri is None:
            parts = self.lake.parts(name)
            if not parts:
                return None
            # the files' own columns, unified by name as DuckDB's union_by_name does: read from
            # the footers here, so Spark starts no job to infer (or merge) the schema
            schema = pa.unify_schemas([pq.read_schema(p) for p in parts])
            return self.spark.read.schema(self._spark_schema(schema)).parquet(
                *(str(p) for p in parts)
            )
        from pyspark.errors import AnalysisException

        try:
            folder = f"{self.uri.rstrip('/')}/{name}"
            return self.spark.read.option("mergeSchema", "true").parquet(f"{folder}/*.parquet")
        except AnalysisException as exc:
            if "PATH_NOT_FOUND" in str(exc) or "Path does not exist" in str(exc):
                return None
            raise

    @staticmethod
    def _spark_schema(schema: pa.Schema) -> StructType:
        from pyspark.sql.pandas.types import from_arrow_schema

        # without pandas' metadata; a naive timestamp stays naive (TIMESTAMP_NTZ)
        return from_arrow_schema(schema.remove_metadata(), prefer_timestamp_ntz=True)

    def _empty(self, schema: pa.Schema) -> DataFrame:
        return self.spark.createDataFrame([], self._spark_schema(schema))

    def _execute(self, sql: str) -> pa.Table:
        return to_duckdb_types(self.spark.sql(sql).toArrow())

    def close(self) -> None:
        """Drop this engine's views; the shared session stays up for the next engine."""
        spark, views, self.views = self.spark, self.views, []
        if _stopped(spark):
            return
        for name in views:
            spark.catalog.dropTempView(name)
