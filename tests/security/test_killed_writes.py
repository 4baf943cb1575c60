"""SIGKILL at random points (issue 16): a load of clues into the casebook, on SQLite and on
PostgreSQL, and an ingest into the lake, each killed in a real process at a point drawn at
random, several times in a row on the same casebook or lake.

After every kill: the audit chain verifies, every clue in the casebook is counted by the
``clues.load`` entry of the batch that wrote it (no change without its entry), and the tally
agrees with a recount; in the lake, every batch whose rows a model sees is listed with its
manifest and the rows seen are those the listed batches loaded (no unlisted batch). Then the
work is done again and comes out whole, once.

The points are drawn from ``LEXRADAR_KILL_SEED`` (else a fresh seed, printed on failure):
a load is killed once a random number of its clues have committed, plus a random pause; an
ingest at a random moment of its measured duration.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from lexradar.clues import audit, tally
from lexradar.clues.access import SYSTEM
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues, read_clue_file
from lexradar.clues.tables import audit_log, clues
from lexradar.engine import open_engine
from lexradar.ingest import batches as b
from lexradar.ingest import ingest
from tests.clues.conftest import DOMAINS, fresh_url, make_clues  # noqa: F401 (a fixture)
from tests.ingest.conftest import deaths_mapping

ROOT = Path(__file__).parents[2]
SEED = int(os.environ.get("LEXRADAR_KILL_SEED") or random.SystemRandom().randrange(10**6))
LOADS, CLUES, BATCH = 4, 4_000, 500
INGESTS, FILES, ROWS = 4, 3, 20_000


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _clues(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(clues)).scalar_one()
    engine.dispose()
    return int(n)


def _audited(casebook: Casebook) -> int:
    """Clues the ``clues.load`` entries say their batches added."""
    with casebook.read() as conn:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.action == "clues.load")).all()
    return sum(audit.Entry(**r._mapping).data["new"] for r in rows)


def _consistent(casebook: Casebook, url: str, where: str) -> int:
    report = audit.check(casebook)
    assert report.broken is None, f"{where}: {report.broken}"
    n = _clues(url)
    assert _audited(casebook) == n, f"{where}: {n} clues, entries for {_audited(casebook)}"
    with casebook.read() as conn:
        assert tally.stored(conn) == tally.recount(conn), where
    return n


def _kill_a_load(url: str, path: Path, rng: random.Random) -> tuple[int, int]:
    """Start a load of ``path``, kill it once a random number of its clues have committed plus
    a random pause within the batch that follows (its length measured on the batches seen so
    far), and return the clues counted before and after."""
    before = _clues(url)
    target = before + rng.randrange(1, CLUES - BATCH)  # the last batch ends the load
    loader = subprocess.Popen(
        [sys.executable, "-m", "tests.clues.workers", "load", url, str(path), str(BATCH)],
        cwd=ROOT, env=_env(),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    first = last = None  # (time, count) of the first and the latest commit seen
    n = before
    while n < target and loader.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
        n = _clues(url)
        if n > before:
            last = (time.monotonic(), n)
            first = first or last
    batch_s = 0.05
    if first and last and last[1] > first[1]:
        batch_s = (last[0] - first[0]) * BATCH / (last[1] - first[1])
    time.sleep(rng.uniform(0, min(batch_s, 0.2)))  # anywhere in the batch that follows
    loader.send_signal(signal.SIGKILL)
    loader.wait(timeout=30)
    return before, n


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgresql"], indirect=True)
def test_a_load_killed_at_random_points(fresh_url: str, tmp_path: Path) -> None:  # noqa: F811
    """Loads are killed until LOADS kills have fallen in the middle of one (a kill that came
    after the last commit is checked as well, and tried again, up to 3 × LOADS tries)."""
    rng = random.Random(SEED)
    casebook = Casebook.open(fresh_url)
    killed_mid = tries = 0
    while killed_mid < LOADS and tries < 3 * LOADS:
        where = f"seed {SEED}, load {tries}"
        path = tmp_path / f"clues{tries}.parquet"
        pq.write_table(make_clues(CLUES, run_id=f"run{tries}", start=tries * CLUES), path)
        before, _ = _kill_a_load(fresh_url, path, rng)
        n = _consistent(casebook, fresh_url, f"{where}, killed")
        killed_mid += before < n < before + CLUES
        tries += 1
        # the same load again completes it, once
        load_clues(casebook, read_clue_file(path), SYSTEM, batch_size=BATCH, domains=DOMAINS)
        assert _consistent(casebook, fresh_url, f"{where}, reloaded") == before + CLUES, where
    print(f"seed {SEED}: {tries} loads killed, {killed_mid} in the middle; all consistent")
    assert killed_mid == LOADS, f"seed {SEED}: only {killed_mid} of {tries} kills fell mid-load"
    casebook.dispose()


def _exports(folder: Path) -> list[Path]:
    mappings = []
    for f in range(FILES):
        sub = folder / f"export{f}"
        sub.mkdir(parents=True, exist_ok=True)
        lines = ["身份证号,姓名,死亡日期"] + [
            f"1504041990{f:02d}{(i // 10000) % 100:02d}{i % 10000:04d},张{chr(0x4E00 + i % 4000)},"
            "2020-01-02"
            for i in range(ROWS)
        ]
        (sub / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        mappings.append(deaths_mapping(sub, "d.csv"))
    return mappings


INGEST = """
import sys
from pathlib import Path
from lexradar.ingest import ingest
print("ready", flush=True)
ingest([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]), workers=1)
"""


def _seen(lake: Path) -> dict[str, int]:
    """batch → rows of ``deaths`` a model sees (none while the lake holds no dataset yet)."""
    from lexradar.errors import LakeError

    try:
        engine = open_engine(lake, sandbox=True)
    except LakeError:
        return {}
    with engine:
        return dict(engine.rows("SELECT batch_id, count(*) FROM deaths GROUP BY 1"))


def test_an_ingest_killed_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    mappings = _exports(tmp_path / "exports")
    started = time.monotonic()
    ingest(mappings, tmp_path / "timing-lake", workers=1)
    took = time.monotonic() - started
    kills: list[int] = []
    lake = tmp_path / "lake-0"
    for k in range(INGESTS):
        where = f"seed {SEED}, ingest {k}"
        if k and len(kills) and kills[-1] == FILES:  # nothing left to kill in this lake
            lake = tmp_path / f"lake-{k}"
        proc = subprocess.Popen(
            [sys.executable, "-c", INGEST, str(lake), *map(str, mappings)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", where
        time.sleep(rng.uniform(0, took))  # anywhere in the work (imports done)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if not (lake / "deaths").exists():
            kills.append(0)
            continue  # killed before it wrote anything
        listed = {m["batch_id"]: m for m in b.list_batches(lake)}
        seen = _seen(lake)
        unlisted = {batch for batch in seen if batch not in listed}
        assert not unlisted, f"{where}: rows of unlisted batches {unlisted}"
        for batch, n in seen.items():
            assert listed[batch]["status"] == "loaded", (where, listed[batch])
            assert listed[batch]["loaded"] == n, (where, listed[batch], n)
        kills.append(len(seen))
    print(f"seed {SEED}: {INGESTS} ingests killed, batches seen after each: {kills}")
    assert any(0 < n < FILES for n in kills) or kills.count(0) >= 1, (
        f"seed {SEED}: no kill fell inside an ingest ({kills})"
    )
    # each lake's ingest done again loads what is missing, once
    for again in sorted(tmp_path.glob("lake-*")):
        ingest(mappings, again, workers=1)
        seen = _seen(again)
        assert sum(seen.values()) == FILES * ROWS, f"seed {SEED}, {again.name}: {seen}"
        loaded = [m for m in b.list_batches(again) if m["status"] == "loaded"]
        assert sorted(seen) == sorted(m["batch_id"] for m in loaded), f"seed {SEED}"
