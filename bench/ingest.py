"""Benchmark: ingesting the raw rendering of a synthetic region, rows/s and peak memory.

Run: ``.venv/bin/python bench/ingest.py [--sizes 200000 1500000] [--seed 1]``. For each size a
region is generated and rendered raw (``lexradar synth --raw``) in one process, then all its
mapping files (the ten datasets) are ingested in a fresh process, so that the time and the
peak memory (max RSS) are ingestion's alone. Rows/s counts every row read, end to end: reading,
decoding, normalizing, writing the lake, quarantine, warnings, manifests and quality reports.
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

PREPARE = """
import sys
from pathlib import Path
from lexradar.synth import generate
from lexradar.synth.raw import render_raw
persons, seed, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
generate(persons, seed, out)
render_raw(out, seed)
"""

CHILD = """
import json, sys, time, resource
from pathlib import Path
from lexradar.ingest import ingest
out = Path(sys.argv[1])
t = time.perf_counter()
results = ingest(sorted((out / "mappings").glob("*.yaml")), out / "ingested",
                 workers=int(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "read": sum(r.read for r in results),
                  "quarantined": sum(r.quarantined for r in results),
                  "per_file": {Path(r.file).name: [r.read, round(r.seconds, 2)] for r in results},
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(persons: int, seed: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", PREPARE, str(persons), str(seed), tmp],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        prepared = time.perf_counter() - started
        raw_mb = sum(p.stat().st_size for p in (Path(tmp) / "raw").iterdir()) / 2**20
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, tmp, str(workers)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(persons=persons, prepare=prepared, raw_mb=raw_mb)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_500_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="Ingestion processes.")
    parser.add_argument("--files", action="store_true", help="Also print per-file figures.")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}; load average "
        f"{os.getloadavg()[0]:.1f}; {args.workers} ingestion process(es)"
    )
    print(
        f"{'persons':>10} {'rows read':>12} {'quarantined':>11} {'raw MiB':>8} "
        f"{'ingest s':>9} {'rows/s':>10} {'peak MiB':>9}"
    )
    for persons in args.sizes:
        r = run(persons, args.seed, args.workers)
        rate = r["read"] / r["seconds"]
        print(
            f"{persons:>10,} {r['read']:>12,} {r['quarantined']:>11,} {r['raw_mb']:>8.1f} "
            f"{r['seconds']:>9.1f} {rate:>10,.0f} {r['maxrss_kb'] / 1024:>9,.0f}",
            flush=True,
        )
        if args.files:
            for name, (read, seconds) in r["per_file"].items():
                print(f"    {name:<20} {read:>10,} rows {seconds:>7.2f} s")


if __name__ == "__main__":
    main()
