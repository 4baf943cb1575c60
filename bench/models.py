"""Benchmark: every model of the pack over one lake, on DuckDB — time and peak memory per model.

Run: ``.venv/bin/python bench/models.py --lake region/lake`` (generate one with
``lexradar synth --persons 1500000 --out region``). Each model runs in a fresh process so that its
peak memory (max RSS) is its own; the total is also measured in one process running them all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import datetime as dt, json, resource, sys, time
from lexradar.engine import open_engine
from lexradar.models import Registry
from lexradar.models.run import run_model
lake, as_of, ids = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), sys.argv[3:]
reg = Registry()
out = []
t0 = time.perf_counter()
with open_engine(lake) as engine:
    opened = time.perf_counter() - t0
    for mid in ids or sorted(reg.models):
        t = time.perf_counter()
        table, _ = run_model(engine, reg.get(mid), as_of)
        out.append({"model": mid, "clues": table.num_rows, "seconds": time.perf_counter() - t})
print(json.dumps({"models": out, "open": opened, "total": time.perf_counter() - t0,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def child(lake: Path, as_of: str, ids: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(lake), as_of, *ids],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--as-of", default=dt.date.today().isoformat())
    args = parser.parse_args()
    from lexradar.datasets.lake import Lake
    from lexradar.models import Registry

    lake = Lake(args.lake).check()
    meta = lake.meta()
    persons = meta.get("persons")
    print(f"lake {args.lake}" + (f": {persons:,} persons" if persons else ""))
    print(f"{'model':<38} {'clues':>7} {'run s':>7} {'peak MiB':>9}")
    for mid in sorted(Registry().models):
        r = child(args.lake, args.as_of, [mid])
        (m,) = r["models"]
        print(
            f"{mid:<38} {m['clues']:>7,} {m['seconds']:>7.2f} {r['maxrss_kb'] / 1024:>9.0f}",
            flush=True,
        )
    started = time.perf_counter()
    r = child(args.lake, args.as_of, [])
    wall = time.perf_counter() - started
    run = sum(m["seconds"] for m in r["models"])
    print(
        f"{'all eleven, one process':<38} {sum(m['clues'] for m in r['models']):>7,} "
        f"{run:>7.2f} {r['maxrss_kb'] / 1024:>9.0f}"
    )
    print(f"(opening the lake {r['open']:.2f} s; whole process incl. start-up {wall:.1f} s)")


if __name__ == "__main__":
    main()
