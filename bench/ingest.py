"""Benchmark: ingesting the raw rendering of a synthetic region, rows/s and peak memory.

Run: ``flock /tmp/lexradar-heavy.lock .venv/bin/python bench/ingest.py [--sizes 200000 1500000]
[--seed 1] [--style 2] [--untab] [--workers N] [--files]``, or ``--region DIR`` to ingest a
region already rendered (``DIR/mappings/*.yaml`` and the raw files they point to, read only;
the lake is written to a temporary directory). ``--style 2`` renders the files in the second
style (docs/agency-data.md), whose pension file carries a leading TAB on every ID; ``--untab``
ingests the same files with those TABs taken out of the CSV cells (a copy; the other files
linked), to compare the two. For each size a region is generated and rendered raw
(``lexradar synth --raw``) in one process, then all its mapping files (the ten datasets) are
ingested in a fresh process, so that the time and the peak memory are ingestion's alone.
Rows/s counts every row read, end to end: reading, decoding, normalizing, writing the lake,
quarantine, warnings, manifests and quality reports.

Ingestion runs in two processes when ``ingest`` decides so (by default both cores;
``--workers 1`` keeps it in one process). The peak memory is therefore the peak of the SUM of
the resident sets of the ingesting process and all its descendants (the worker process),
sampled every 10 ms; the CPU seconds are those of the same processes (each descendant's user +
system time as last sampled, plus the ingesting process's own, less the sampling thread's).
The load average says how busy the machine was. Per format: rows, seconds and rows/s, and with
one process the peak resident memory while those files were ingested.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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
persons, seed, out, style = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
generate(persons, seed, out)
render_raw(out, seed, style)
"""

CHILD = """
import json, os, sys, threading, time
from pathlib import Path
from lexradar.ingest import ingest
region, lake, workers = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
workers = None if workers == "auto" else int(workers)
mappings = sorted((region / "mappings").glob("*.yaml"))
page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
me = os.getpid()
peak, tree_peak, cpu_of = [0], [0], {}
def descendants(pid):
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        return []
    return out + [d for c in out for d in descendants(c)]
sampler_cpu = [0.0]
def sample():  # the summed resident set of this process and its descendants, every 10 ms
    while True:
        sampler_cpu[0] = time.thread_time()  # not ingestion's: subtracted below
        total = 0
        for pid in [me, *descendants(me)]:
            try:
                with open(f"/proc/{pid}/statm") as f:
                    rss = int(f.read().split()[1]) * page
                if pid != me:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    cpu_of[pid] = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                continue
            total += rss
            if pid == me:
                peak[0] = max(peak[0], rss)
        tree_peak[0] = max(tree_peak[0], total)
        time.sleep(0.01)
threading.Thread(target=sample, daemon=True).start()
cpu, t = time.process_time(), time.perf_counter()
if workers != 1:
    results, peaks = ingest(mappings, lake, workers=workers), {}
else:  # one mapping after the other, as ingest() does, to see each file's peak
    results, peaks = [], {}
    for m in mappings:
        peak[0] = 0
        done = ingest([m], lake, workers=1)
        results += done
        for r in done:
            peaks[Path(r.file).name] = peak[0]
seconds, own_cpu = time.perf_counter() - t, time.process_time() - cpu - sampler_cpu[0]
time.sleep(0.03)
print(json.dumps({"seconds": seconds, "cpu": own_cpu + sum(cpu_of.values()),
                  "processes": 1 + len(cpu_of),
                  "read": sum(r.read for r in results),
                  "quarantined": sum(r.quarantined for r in results),
                  "per_file": {Path(r.file).name: [r.read, r.seconds, peaks.get(Path(r.file).name)]
                               for r in results},
                  "peak": tree_peak[0]}))
"""
FORMATS = {".csv": "CSV", ".tsv": "TSV", ".xlsx": "Excel", ".xls": "Excel",
           ".jsonl": "JSON Lines", ".parquet": "Parquet"}  # fmt: skip


def untabbed_copy(region: Path, out: Path) -> Path:
    """``region`` again under ``out``: its mappings copied, each raw CSV holding a cell that
    starts or ends with a TAB rewritten without those TABs, the other raw files linked."""
    shutil.copytree(region / "mappings", out / "mappings")
    (out / "raw").mkdir()
    for f in sorted((region / "raw").iterdir()):
        target = out / "raw" / f.name
        if f.suffix.lower() not in (".csv", ".tsv"):
            os.link(f, target)
            continue
        with f.open("rb") as src:
            head = src.read(1 << 20)
        if b'"\t' not in head and b",\t" not in head and b'\t"' not in head:
            os.link(f, target)
            continue
        with f.open("rb") as src, target.open("wb") as dst:
            for line in src:  # the quoted cells synth writes: "\t1501...", and bare ones
                line = line.replace(b'"\t', b'"').replace(b'\t"', b'"')
                dst.write(line.replace(b",\t", b",").replace(b"\t,", b","))
    return out


def ingest_region(region: Path, workers: str, untab: bool = False) -> dict:
    """Ingest every mapping of ``region`` into a fresh temporary lake, in a fresh process
    (with ``untab``, a copy of the region without the TABs around CSV cells)."""
    if untab:
        with tempfile.TemporaryDirectory(prefix="lexradar-bench-untab-") as tmp:
            return ingest_region(untabbed_copy(region, Path(tmp)), workers)
    with tempfile.TemporaryDirectory(prefix="lexradar-bench-lake-") as lake:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(region), lake, workers],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    # DuckDB may draw its progress bar on stdout, even on the JSON's line, on a busy machine
    return json.loads(proc.stdout[proc.stdout.rindex('{"seconds"') :].splitlines()[0])


def run(persons: int, seed: int, workers: str, style: int = 1, untab: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", PREPARE, str(persons), str(seed), tmp, str(style)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        prepared = time.perf_counter() - started
        raw_mb = sum(p.stat().st_size for p in (Path(tmp) / "raw").iterdir()) / 2**20
        result = ingest_region(Path(tmp), workers, untab)
    result.update(label=f"{persons:,}", prepare=prepared, raw_mb=raw_mb)
    return result


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_500_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--region", type=Path, help="Ingest this rendered region (its mappings/) instead."
    )
    parser.add_argument(
        "--workers", default="auto", help="Ingestion processes, or 'auto' (ingest's default)."
    )
    parser.add_argument("--files", action="store_true", help="Also print per-file figures.")
    parser.add_argument(
        "--style", type=int, default=1, help="Render the raw files in this style (1 or 2)."
    )
    parser.add_argument(
        "--untab",
        action="store_true",
        help="Ingest the files with the TABs around CSV cells taken out (style 2's pension IDs).",
    )
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}; load average {load()} "
        f"(1/5/15 min); workers: {args.workers}"
        f"{'' if args.region else f'; style {args.style}'}"
        f"{'; TABs taken out of CSV cells' if args.untab else ''}"
    )
    print(
        f"{'region':>10} {'rows read':>12} {'quarantined':>11} {'raw MiB':>8} {'ingest s':>9} "
        f"{'CPU s':>7} {'rows/s':>10} {'peak MiB':>9} {'procs':>5}"
    )
    if args.region:
        region = args.region.resolve()
        raw_mb = sum(p.stat().st_size for p in (region / "raw").iterdir()) / 2**20
        todo = [lambda: {**ingest_region(region, args.workers, args.untab), "label": region.name,
                         "raw_mb": raw_mb}]  # fmt: skip
    else:
        todo = [
            lambda n=n: run(n, args.seed, args.workers, args.style, args.untab) for n in args.sizes
        ]
    for job in todo:
        r = job()
        rate = r["read"] / r["seconds"]
        print(
            f"{r['label']:>10} {r['read']:>12,} {r['quarantined']:>11,} {r['raw_mb']:>8.1f} "
            f"{r['seconds']:>9.1f} {r['cpu']:>7.1f} {rate:>10,.0f} "
            f"{r['peak'] / 2**20:>9,.0f} {r['processes']:>5}",
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
        print(f"    load average after this run: {load()}", flush=True)


if __name__ == "__main__":
    main()
