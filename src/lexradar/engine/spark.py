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
import shutil
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from lexradar.datasets.contract_model import CONTRACT
from lexradar.datasets.derived import LINKAGE_DIR
from lexradar.engine.base import Engine, regroup_parquet
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

WORK_DIR = "_spark_work"
"""Under ``lake/_linkage``: the tables the verbs materialize and Splink's checkpoints, one
folder per engine, removed by ``cleanup``."""

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
        return session.sparkContext._jsc is None
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
        else:
            self._setup()
            self.remote = True
        # else a lake on a cluster's file system: Spark lists and checks it, not pathlib
        self.master = master
        self._spark: SparkSession = spark_session(master, conf).newSession()
        #: the lake's datasets as views, kept until the engine closes
        self.views: list[str] = []
        found = 0
        for name, ds in CONTRACT.items():
            df = self._read(name)
            if df is None:  # an absent dataset reads as empty, with the contract's columns
                df = self._empty(ds.arrow_schema())
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
        self._work = f"{self.path(LINKAGE_DIR, WORK_DIR)}/{uuid.uuid4().hex[:12]}"
        self._work_used = False
        self.open_views()

    def _read_file(self, path: str) -> DataFrame | None:
        """A Parquet file (or folder of parts) of the lake, or None when it is absent."""
        if self.uri is None:
            return self._spark.read.parquet(path) if Path(path).exists() else None
        from pyspark.errors import AnalysisException

        try:
            return self._spark.read.parquet(path)
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
            return self._spark.read.schema(self._spark_schema(schema)).parquet(
                *(str(p) for p in parts)
            )
        from pyspark.errors import AnalysisException

        try:
            folder = f"{self.uri.rstrip('/')}/{name}"
            return self._spark.read.option("mergeSchema", "true").parquet(f"{folder}/*.parquet")
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
        return self._spark.createDataFrame([], self._spark_schema(schema))

    def _execute(self, sql: str) -> pa.Table:
        return to_duckdb_types(self._spark.sql(sql).toArrow())

    def translate(self, sql: str) -> str:
        from lexradar.engine.sparksql import to_spark

        return to_spark(sql)

    def path(self, *parts: str) -> str:
        if self.uri is None:
            return super().path(*parts)
        return "/".join([self.uri.rstrip("/"), *parts])

    def _df(self, name: str, sql: str) -> DataFrame:
        return self._timed(name, self.translate(sql), self._spark.sql)

    def create_view(self, name: str, sql: str) -> None:
        self._df(f"view {name}", sql).createOrReplaceTempView(name)
        self._created.append(name)

    def materialize(self, name: str, sql: str) -> None:
        """Written as Parquet under the work folder and read back, so Spark never recomputes a
        long lineage and the driver never holds it."""
        df = self._df(f"table {name}", sql)
        path = f"{self._work}/{name}-{uuid.uuid4().hex[:8]}"
        self._work_used = True
        self._timed(f"table {name}", sql, lambda _s: df.write.mode("overwrite").parquet(path))
        self._spark.read.parquet(path).createOrReplaceTempView(name)
        self._created.append(name)

    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table of the driver (distinct names, judgements) as a view; Spark ships it
        with the plan, so no job runs here."""
        schema = self._spark_schema(table.schema)
        if table.num_rows:
            df = self._spark.createDataFrame(table, schema)
        else:
            df = self._spark.createDataFrame([], schema)
        df.createOrReplaceTempView(name)
        self._created.append(name)

    def view_of_parquet(self, name: str, path: str) -> list[str] | None:
        df = self._read_file(path)
        if df is None:
            return None
        df.createOrReplaceTempView(name)
        self._created.append(name)
        return list(df.columns)

    def drop(self, name: str) -> None:
        self._spark.catalog.dropTempView(name)

    def write_parquet(self, sql: str, path: str, row_group_size: int | None = None) -> None:
        """Where DuckDB would write: a local ``….parquet`` becomes one file (written by Spark
        into a folder beside it, then moved, and regrouped to ``row_group_size`` rows when
        given: Spark sizes row groups in bytes), so DuckDB, pyarrow and the other engine read
        it as before; on a cluster's file system the path is a folder of parts."""
        df = self._df(f"write {path.rsplit('/', 1)[-1]}", sql)
        if _lake_uri(path) is not None:
            df.write.mode("overwrite").parquet(path)
            return
        target = Path(path)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
        df.coalesce(1).write.mode("overwrite").parquet(str(tmp))
        parts = sorted(tmp.glob("part-*.parquet"))
        if len(parts) != 1:  # no rows: Spark still writes one part with the schema
            raise LakeError(
                f"expected one Parquet part, found {len(parts)}", Location(file=str(tmp))
            )
        if target.is_dir():
            shutil.rmtree(target)
        parts[0].replace(target)
        shutil.rmtree(tmp)
        if row_group_size:
            regroup_parquet(str(target), row_group_size)

    def _fs(self, path: str) -> Any:
        jvm = self._spark.sparkContext._jvm  # pyspark types it Optional: None before a context
        hpath = jvm.org.apache.hadoop.fs.Path(path)  # type: ignore[union-attr]
        return hpath, hpath.getFileSystem(self._spark.sparkContext._jsc.hadoopConfiguration())

    def exists(self, path: str) -> bool:
        if _lake_uri(path) is None:
            return super().exists(path)
        hpath, fs = self._fs(path)
        return bool(fs.exists(hpath))

    def read_text(self, path: str) -> str | None:
        if _lake_uri(path) is None:
            return super().read_text(path)
        if not self.exists(path):
            return None
        rows = self._spark.read.text(path, wholetext=True).collect()
        return "\n".join(r.value for r in rows)

    def write_text(self, path: str, text: str) -> None:
        if _lake_uri(path) is None:
            super().write_text(path, text)
            return
        hpath, fs = self._fs(path)
        stream = fs.create(hpath, True)
        stream.write(bytearray(text.encode("utf-8")))
        stream.close()

    def remove(self, path: str) -> None:
        if _lake_uri(path) is None:
            super().remove(path)
            return
        hpath, fs = self._fs(path)
        if fs.exists(hpath):
            fs.delete(hpath, True)

    def makedirs(self, path: str) -> None:
        if _lake_uri(path) is None:
            super().makedirs(path)
        # a cluster's file system makes folders as files are written into them

    def splink_api(self, work: str | None = None) -> Any:
        from splink import SparkAPI

        self._spark.sparkContext.setCheckpointDir(work or f"{self._work}/checkpoints")
        self._work_used = True
        return SparkAPI(spark_session=self._spark, break_lineage_method="parquet")  # type: ignore[no-untyped-call]

    def cleanup(self) -> None:
        """Drop every temporary view but the lake's (Splink's own included), the cache and the
        work folder."""
        if _stopped(self._spark):
            return
        keep = {*self.views, *self._kept}
        for view in self._spark.catalog.listTables():
            if view.isTemporary and view.name not in keep:
                self._spark.catalog.dropTempView(view.name)
        self._spark.catalog.clearCache()
        self._created = []
        if self._work_used:
            self.remove(self._work)
            self._work_used = False

    def close(self) -> None:
        """Drop this engine's views; the shared session stays up for the next engine."""
        spark, views, self.views = self._spark, self.views, []
        if _stopped(spark):
            return
        self.cleanup()
        for name in [*views, *self._kept]:
            spark.catalog.dropTempView(name)
