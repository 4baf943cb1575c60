"""Benchmark: incremental resolution of a new batch against a full re-run, side by side.

Run: ``.venv/bin/python bench/incremental.py --persons 200000 --seed 1 --work /tmp/lrinc``
(under ``flock /tmp/lexradar-heavy.lock`` from 200,000 persons on).

A synthetic region is generated once and split in two batches, in two ways:

- ``month``: each dataset's last calendar month with data (the payments of the last month, the
  registrations, deaths, border crossings... of that month) is the new batch;
- ``share``: about one record in 20 of every dataset, and the last month of the payments.

The first batch is resolved (training included, not timed against anything). Then the new
batch is added to two copies of the lake, and each copy is resolved in a fresh process: one
incrementally (``resolve(lake)``), one in full with the same model (``resolve(lake,
full=True)``). Printed: wall time and phases of both, new mentions and pairs scored, peak RSS,
and whether the two runs put the mentions into the same clusters.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

DATES = {
    "persons": "registered_on",
    "marriage_events": "event_date",
    "judgments": "judgment_date",
    "deaths": "death_date",
    "travel_documents": "issued_on",
    "border_crossings": "crossed_at",
    "pension_payments": "month",
    "allowance_payments": "month",
    "driver_licenses": "status_date",
    "custody_records": "start_date",
}
"""The date that places a record of each dataset in a month."""

CHILD = """
import json, logging, resource, sys, time
logging.disable(logging.WARNING)
from lexradar.linkage.resolve import resolve
t = time.perf_counter()
r = resolve(sys.argv[1], full=sys.argv[2] == "full", retrain=sys.argv[2] == "train")
print(json.dumps({"result": r.as_dict(), "seconds": time.perf_counter() - t,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(lake: Path, mode: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(lake), mode], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])
    return json.loads([x for x in proc.stdout.splitlines() if x.startswith("{")][-1])


def split(src: Path, first: Path, second: Path, how: str) -> None:
    """Write the first batch as a lake and the new batch (``batch_id`` ``new``) beside it."""
    import duckdb

    con = duckdb.connect()
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        glob = f"read_parquet('{folder}/*.parquet')"
        col = DATES[folder.name]
        last = f"date_trunc('month', {col}) = (SELECT date_trunc('month', max({col})) FROM {glob})"
        cut = last if how == "month" or col == "month" else "hash(record_id) % 20 = 0"
        for path in (first / folder.name, second / folder.name):
            path.mkdir(parents=True)
        con.execute(
            f"COPY (SELECT * FROM {glob} WHERE NOT coalesce({cut}, FALSE)) "
            f"TO '{first / folder.name / 'part-0000.parquet'}' (FORMAT parquet)"
        )
        con.execute(
            f"COPY (SELECT * REPLACE ('new' AS batch_id) FROM {glob} WHERE coalesce({cut}, FALSE)) "
            f"TO '{second / folder.name / 'batch-new.parquet'}' (FORMAT parquet)"
        )
    for f in src.iterdir():
        if f.is_file():
            shutil.copy(f, first / f.name)


def add(batch: Path, lake: Path) -> None:
    for folder in batch.iterdir():
        for f in folder.iterdir():
            os.link(f, lake / folder.name / f.name)


def same_clusters(a: Path, b: Path) -> tuple[int, int]:
    """(mentions whose cluster differs between the two key files, mentions)."""
    import duckdb

    con = duckdb.connect()
    for name, lake in (("a", a), ("b", b)):
        con.execute(
            f"CREATE TABLE {name} AS SELECT unique_id, person_key "
            f"FROM '{lake / '_linkage' / 'person_keys.parquet'}'"
        )
    # a mention's cluster is the same when its key in one run maps to exactly its key's
    # members in the other
    differ = con.execute(
        """
        WITH j AS (SELECT a.unique_id, a.person_key AS ka, b.person_key AS kb
                   FROM a JOIN b USING (unique_id)),
        bad_a AS (SELECT ka FROM j GROUP BY ka HAVING count(DISTINCT kb) > 1),
        bad_b AS (SELECT kb FROM j GROUP BY kb HAVING count(DISTINCT ka) > 1)
        SELECT count(*) FROM j WHERE ka IN (SELECT ka FROM bad_a) OR kb IN (SELECT kb FROM bad_b)
        """
    ).fetchall()[0][0]
    total = con.execute("SELECT count(*) FROM a").fetchall()[0][0]
    return int(differ), int(total)


def line(name: str, res: dict) -> str:
    r = res["result"]
    s = r["seconds"]
    return (
        f"  {name:<12} {res['seconds']:7.1f}s  (mentions {s.get('mentions', 0)}s, model "
        f"{s.get('train', 0)}s, predict {s.get('predict', 0)}s, cluster {s.get('cluster', 0)}s, "
        f"save {s.get('save', 0)}s)  new mentions {r['new_mentions']:,}, pairs scored "
        f"{r['new_pairs']:,} of {r['candidate_pairs']:,}, peak RSS "
        f"{res['maxrss_kb'] / 2**20:.2f} GiB  [{'incremental' if r['incremental'] else 'full'}]"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/lexradar-bench-incremental"))
    ap.add_argument("--split", nargs="+", default=["month", "share"], choices=["month", "share"])
    args = ap.parse_args()
    from lexradar.synth import generate

    base = args.work / f"p{args.persons}-s{args.seed}"
    region = base / "region"
    if not (region / "truth_persons.parquet").exists():
        t = time.perf_counter()
        generate(args.persons, args.seed, region)
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t:.1f}s", flush=True)
    for how in args.split:
        work = base / how
        shutil.rmtree(work, ignore_errors=True)
        first, new = work / "first", work / "new"
        split(region / "lake", first, new, how)
        trained = run(first, "train")
        print(
            f"{args.persons:,} persons, new batch = {how}: first batch "
            f"{trained['result']['mentions']:,} mentions resolved in {trained['seconds']:.1f}s "
            "(training included)",
            flush=True,
        )
        inc, full = work / "incremental", work / "full"
        for lake in (inc, full):
            shutil.copytree(first, lake, copy_function=os.link)
            shutil.rmtree(lake / "_linkage")
            shutil.copytree(first / "_linkage", lake / "_linkage")  # files get rewritten
            add(new, lake)
        a, b = run(inc, "incremental"), run(full, "full")
        print(line("incremental", a), flush=True)
        print(line("full", b), flush=True)
        differ, total = same_clusters(inc, full)
        print(
            f"  speed-up {b['seconds'] / a['seconds']:.1f}x; mentions in a different cluster: "
            f"{differ:,} of {total:,}",
            flush=True,
        )


if __name__ == "__main__":
    main()
