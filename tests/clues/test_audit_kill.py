"""A load SIGKILLed in the middle of a transaction leaves no change without its audit entry.

The loader is a real process on a database of the test's own. It is stopped in the one place
where, before the audit was written inside the change's transaction, the clues had committed
and their entry had not: after the clues of a batch are written and their ``clues.load`` entry
is appended, before the commit. (Issue 16: 5,000 clues stayed with no entry.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from tests.clues.conftest import make_clues

ROOT = Path(__file__).parents[2]
BATCH = 5_000
BATCHES = 4

LOADER = """
import sys, time
from pathlib import Path
from lexradar.clues import audit
from lexradar.clues.access import SYSTEM
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues, read_clue_file

url, path, marker, batch, stop_at = sys.argv[1:]
real, calls = audit.append, []

def append(conn, events, anchor, publish):
    head = real(conn, events, anchor, publish)  # the batch's clues and its entry are written
    calls.append(1)
    if len(calls) == int(stop_at):
        Path(marker).write_text(str(head.seq))  # in the transaction, before the commit
        time.sleep(600)
    return head

audit.append = append
load_clues(Casebook.open(url), read_clue_file(path), SYSTEM, batch_size=int(batch),
           domains={"test.model": "civil"})
"""


def _count(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(clues)).scalar_one()
    engine.dispose()
    return n


@pytest.mark.parametrize("fresh_url", ["postgresql", "sqlite"], indirect=True)
def test_a_load_killed_mid_transaction_leaves_no_unaudited_clue(
    fresh_url: str, tmp_path: Path
) -> None:
    path, marker = tmp_path / "clues.parquet", tmp_path / "stopped"
    pq.write_table(make_clues(BATCH * BATCHES), path)
    loader = subprocess.Popen(
        [sys.executable, "-c", LOADER, fresh_url, str(path), str(marker), str(BATCH), "4"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and loader.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the loader reached its third batch (after run.load and two)"
    loader.send_signal(signal.SIGKILL)
    assert loader.wait(timeout=30) == -signal.SIGKILL

    assert _count(fresh_url) == 2 * BATCH, "two batches committed, the third rolled back"
    casebook = Casebook.open(fresh_url)
    report = audit.check(casebook)
    assert report.broken is None and report.pending is None, report
    assert report.entries < int(marker.read_text()), "the third batch's entry went too"
    loads = [e.data for e in audit.tail(casebook, 1000) if e.action == "clues.load"]
    assert [d["new"] for d in loads] == [BATCH, BATCH]
    assert sum(d["new"] for d in loads) == _count(fresh_url), "every clue has its entry"
    casebook.dispose()
