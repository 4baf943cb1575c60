"""Benchmark: synthetic region generation time and peak memory at 200,000 and 1,500,000 persons.

Run: ``.venv/bin/python bench/synth.py [--sizes 200000 1500000] [--seed 1]``. Each size runs in
its own process so that peak memory (max RSS) is that run's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, sys, time, resource
from pathlib import Path
from lexradar.synth import generate
persons, seed, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
t = time.perf_counter()
r = generate(persons, seed, out)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": r.rows,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(persons: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(persons), str(seed), tmp],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet"))
    result.update(persons=persons, wall=wall, disk_mb=size / 2**20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_500_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}"
    )
    print(
        f"{'persons':>10} {'records':>12} {'generate s':>11} {'process s':>10} "
        f"{'peak MiB':>9} {'parquet MiB':>12}"
    )
    for persons in args.sizes:
        r = run(persons, args.seed)
        records = sum(r["rows"].values())
        print(
            f"{persons:>10,} {records:>12,} {r['seconds']:>11.1f} {r['wall']:>10.1f} "
            f"{r['maxrss_kb'] / 1024:>9.0f} {r['disk_mb']:>12.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
