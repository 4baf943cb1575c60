"""Crashes and concurrency with real processes on a database of the test's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from lexradar.clues import audit, tally
from lexradar.clues.access import SYSTEM
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues
from lexradar.clues.tables import clues
from tests.clues.conftest import DOMAINS, make_clues

ROOT = Path(__file__).parents[2]
N = 100_000  # as the issue asks: killed in the middle of loading 100,000 clues


def _worker(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.clues.workers", *args], cwd=ROOT, env=env)


def _census(url: str) -> tuple[int, int, int]:
    """(rows, distinct fingerprints, rows seen more than once) without taking a write lock."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(clues.c.fingerprint)),
                sa.func.count().filter(clues.c.times_seen > 1),
            )
        ).one()
    engine.dispose()
    return tuple(row)  # type: ignore[return-value]


def test_sigkill_mid_load_leaves_whole_batches_and_a_reload_completes(
    fresh_url: str, tmp_path: Path
) -> None:
    table = make_clues(N)
    pq.write_table(table, tmp_path / "clues.parquet")
    loader = _worker("load", fresh_url, str(tmp_path / "clues.parquet"), "1000")
    deadline = time.monotonic() + 120
    while _census(fresh_url)[0] < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    rows, distinct, again = _census(fresh_url)
    assert 0 < rows < N, "killed in the middle"
    assert rows % 1000 == 0 and distinct == rows and again == 0, "whole batches only"
    casebook = Casebook.open(fresh_url)
    assert audit.verify(casebook) is None
    report = load_clues(casebook, table, SYSTEM, batch_size=1000, domains=DOMAINS)
    assert (report.new, report.refreshed) == (N - rows, rows)
    assert _census(fresh_url) == (N, N, 0), "the same run does not count twice"
    with casebook.read() as conn:
        assert tally.stored(conn) == tally.recount(conn)
    assert audit.verify(casebook) is None
    casebook.dispose()


def test_two_loaders_and_a_handler_at_once_lose_nothing(fresh_url: str, tmp_path: Path) -> None:
    casebook = Casebook.open(fresh_url)
    load_clues(casebook, make_clues(500, run_id="r0"), SYSTEM, domains=DOMAINS)
    with casebook.read() as conn:
        mine = conn.execute(
            sa.select(clues.c.id)
            .where(clues.c.procuratorate_code == "150404")
            .order_by(clues.c.id)
            .limit(20)
        ).scalars()
        targets = list(mine)
    for run in ("r1", "r2"):
        pq.write_table(make_clues(1000, run_id=run), tmp_path / f"{run}.parquet")
    workers = [
        _worker("dismiss", fresh_url, ",".join(map(str, targets))),
        _worker("load", fresh_url, str(tmp_path / "r1.parquet"), "100"),
        _worker("load", fresh_url, str(tmp_path / "r2.parquet"), "100"),
    ]
    assert [w.wait(timeout=180) for w in workers] == [0, 0, 0]
    assert _census(fresh_url) == (1000, 1000, 1000)
    with casebook.read() as conn:
        seen = dict(
            conn.execute(
                sa.select(clues.c.times_seen, sa.func.count()).group_by(clues.c.times_seen)
            ).all()
        )
        dismissed = conn.execute(
            sa.select(clues.c.id, clues.c.version).where(clues.c.status == "dismissed")
        ).all()
    assert seen == {3: 500, 2: 500}, "each run counted once per clue"
    assert sorted(dismissed) == [(cid, 2) for cid in targets], "no dismissal lost"
    assert audit.verify(casebook) is None
    with casebook.read() as conn:
        assert tally.stored(conn) == tally.recount(conn)
    actions = [e.action for e in audit.tail(casebook, 10_000)]
    assert actions.count("clue.dismissed") == 20
    casebook.dispose()
