"""The workbench's engines: a few read-only, sandboxed DuckDB engines per lake, kept open
between requests.

Opening an engine over a lake (a view per dataset, the resolution's views, the saved mentions)
costs ~100 ms, more than the queries a clue page asks of it. :func:`lease` lends an engine
opened earlier to one request at a time (DuckDB connections are not shared between threads);
at most :data:`POOL_SIZE` are kept idle per lake. An engine is opened with ``sandbox=True``
(files under the lake only, configuration locked), with Parquet footers cached between queries
(DuckDB's ``parquet_metadata_cache``: a footer is read again when its file changes; parsing the
footer cost as much as reading the row group a lookup wants) and with the saved mentions
(:func:`lexradar.linkage.mentions.open_saved`) and term-frequency files as views.

The lake changes under the web process — an ingest adds a batch (its manifest and its part),
``lexradar resolve`` rewrites ``_linkage`` — so every lease compares the lake's
:func:`stamp` (modification times of the manifests, the dataset folders and the resolution's
files) with the one its engines were opened at; when it moved, the idle engines are closed
and the next ones see the new files. An engine leased before the change finishes its request
and is then closed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from lexradar.datasets.contract_model import CONTRACT
from lexradar.datasets.derived import LINKAGE_DIR
from lexradar.datasets.lake import MANIFESTS
from lexradar.engine import Engine

POOL_SIZE = 4
"""Idle engines kept per lake (the web server's worker threads seldom need more at once)."""
MAX_LAKES = 4
"""Lakes with a pool; the least recently used one beyond is closed."""

Stamp = tuple[tuple[str, int], ...]


def _mtimes(folder: Path) -> list[tuple[str, int]]:
    out = []
    with contextlib.suppress(OSError):
        out.append((str(folder), folder.stat().st_mtime_ns))
        with os.scandir(folder) as entries:
            for e in entries:
                if e.is_file():
                    out.append((e.name, e.stat().st_mtime_ns))
    return out


def stamp(lake: Path) -> Stamp:
    """What an open engine depends on: the folders of the datasets (a part added or renamed),
    the batch manifests and the resolution's files, with their modification times."""
    found: list[tuple[str, int]] = []
    for name in CONTRACT:
        with contextlib.suppress(OSError):
            found.append((name, (lake / name).stat().st_mtime_ns))
    found += _mtimes(lake / MANIFESTS)
    found += _mtimes(lake / LINKAGE_DIR)
    return tuple(found)


def open_web_engine(lake: Path) -> Engine:
    """A sandboxed engine over ``lake`` with the saved mentions and term frequencies open."""
    from lexradar.engine import open_engine
    from lexradar.linkage import explain, mentions

    # the footers of the lake's files are kept between queries: a lookup that reads one row
    # group otherwise spends as long again parsing the footer of every row group
    engine = open_engine(lake, sandbox=True, metadata_cache=True)
    try:
        mentions.open_saved(engine, build_if_absent=False)
        explain.open_term_frequencies(engine)
    except Exception:
        engine.close()
        raise
    return engine


class Pool:
    """Engines over one lake, lent one request at a time."""

    def __init__(self, lake: Path, size: int = POOL_SIZE) -> None:
        self.lake = lake
        self.size = size
        self._lock = threading.Lock()
        self._idle: list[Engine] = []
        self._stamp: Stamp | None = None
        self._generation = 0

    @contextlib.contextmanager
    def lease(self) -> Iterator[Engine]:
        now = stamp(self.lake)
        with self._lock:
            if now != self._stamp:
                stale, self._idle = self._idle, []
                self._stamp = now
                self._generation += 1
            else:
                stale = []
            engine = self._idle.pop() if self._idle else None
            generation = self._generation
        for old in stale:
            old.close()
        if engine is None:
            engine = open_web_engine(self.lake)
        keep = False
        try:
            yield engine
            keep = True
        finally:
            if keep:
                with self._lock:
                    if generation == self._generation and len(self._idle) < self.size:
                        self._idle.append(engine)
                        engine = None
            if engine is not None:
                engine.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._generation += 1
        for engine in idle:
            engine.close()


_pools: OrderedDict[Path, Pool] = OrderedDict()
_pools_lock = threading.Lock()


def pool_of(lake: Path) -> Pool:
    """The pool of ``lake`` (made on first use)."""
    key = Path(lake).resolve()
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = Pool(key)
        _pools.move_to_end(key)
        evicted = []
        while len(_pools) > MAX_LAKES:
            evicted.append(_pools.popitem(last=False)[1])
    for old in evicted:
        old.close()
    return pool


def lease(lake: Path) -> contextlib.AbstractContextManager[Engine]:
    """An engine over ``lake`` for one request (``with lease(lake) as engine: …``); a
    :class:`lexradar.errors.LexradarError` when the lake cannot be opened."""
    return pool_of(lake).lease()


def close_all() -> None:
    """Close every pooled engine (tests, shutdown)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()
