"""Benchmark: ingesting the raw rendering of a synthetic region, rows/s and peak memory.

Run: ``flock /tmp/lexradar-heavy.lock .venv/bin/python bench/ingest.py [--sizes 200000 1500000]
[--seed 1] [--files]``. For each size a region is generated and rendered raw (``lexradar synth
--raw``) in one process, then all its mapping files (the ten datasets) are ingested in a fresh
process, so that the time and the peak memory (max RSS) are ingestion's alone. Rows/s counts
every row read, end to end: reading, decoding, normalizing, writing the lake, quarantine,
warnings, manifests and quality reports. The CPU seconds (both threads) and the load average
say how busy the machine was. Per format: rows, seconds, rows/s and the peak resident memory
while those files were ingested (sampled every 10 ms).
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
import json, os, sys, threading, time, resource
from pathlib import Path
from lexradar.ingest import ingest
out, workers = Path(sys.argv[1]), int(sys.argv[2])
mappings = sorted((out / "mappings").glob("*.yaml"))
page = os.sysconf("SC_PAGE_SIZE")
peak = [0]
def sample():  # the resident set, every 10 ms: the peak of each file apart
    while True:
        with open("/proc/self/statm") as f:
            peak[0] = max(peak[0], int(f.read().split()[1]) * page)
        time.sleep(0.01)
threading.Thread(target=sample, daemon=True).start()
cpu, t = time.process_time(), time.perf_counter()
if workers > 1:
    results, peaks = ingest(mappings, out / "ingested", workers=workers), {}
else:  # one mapping after the other, as ingest() does, to see each file's peak
    results, peaks = [], {}
    for m in mappings:
        peak[0] = 0
        done = ingest([m], out / "ingested")
        results += done
        for r in done:
            peaks[Path(r.file).name] = peak[0]
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu,
                  "read": sum(r.read for r in results),
                  "quarantined": sum(r.quarantined for r in results),
                  "per_file": {Path(r.file).name: [r.read, r.seconds, peaks.get(Path(r.file).name)]
                               for r in results},
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""
FORMATS = {".csv": "CSV", ".tsv": "TSV", ".xlsx": "Excel", ".xls": "Excel",
           ".jsonl": "JSON Lines", ".parquet": "Parquet"}  # fmt: skip


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
        f"{'ingest s':>9} {'CPU s':>7} {'rows/s':>10} {'peak MiB':>9}"
    )
    for persons in args.sizes:
        r = run(persons, args.seed, args.workers)
        rate = r["read"] / r["seconds"]
        print(
            f"{persons:>10,} {r['read']:>12,} {r['quarantined']:>11,} {r['raw_mb']:>8.1f} "
            f"{r['seconds']:>9.1f} {r['cpu']:>7.1f} {rate:>10,.0f} "
            f"{r['maxrss_kb'] / 1024:>9,.0f}",
            flush=True,
        )
        by_format: dict[str, list[float]] = {}
        for name, (read, seconds, peak) in r["per_file"].items():
            agg = by_format.setdefault(FORMATS.get(Path(name).suffix, "other"), [0, 0.0, 0])
            agg[0] += read
            agg[1] += seconds
            agg[2] = max(agg[2], peak or 0)
        for fmt, (read, seconds, peak) in sorted(by_format.items()):
            peak_text = f"{peak / 2**20:>7,.0f} MiB peak" if peak else ""
            print(
                f"    {fmt:<11} {int(read):>10,} rows {seconds:>7.2f} s "
                f"{read / seconds:>10,.0f} rows/s {peak_text}"
            )
        if args.files:
            for name, (read, seconds, peak) in r["per_file"].items():
                peak_text = f"{peak / 2**20:>7,.0f} MiB peak" if peak else ""
                print(f"      {name:<20} {read:>10,} rows {seconds:>7.2f} s {peak_text}")
        print(f"    load average after this size: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
