"""The clue queue's search and export at scale: N clues (default 100,000) in a SQLite casebook.

    python bench/queue_search.py [--clues 100000] [--folder /tmp/qbench]

Builds a casebook of synthetic clues (each citing one or two resident IDs, a name, some a case
and a certificate number) over 12 counties, then prints: the load time; the search latency
(p50 / p95 over 50 searches, audit entry included) by ID, 15-digit ID, name and case number,
as a county handler and as the region's admin; the time and peak memory (RSS of a fresh
process) of exporting every clue to .xlsx and to .csv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COUNTIES = ("150404", "150402", "150403", "150421", "150422", "150423",
            "150102", "150103", "150104", "150105", "150121", "150122")  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def person(i: int) -> str:
    from lexradar.normalize.resident_id import check_digit

    county = COUNTIES[i % len(COUNTIES)]
    born = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 7919) % 18000)
    first17 = f"{county}{born:%Y%m%d}{i % 1000:03d}"
    return first17 + check_digit(first17)


def name(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]


def build(folder: Path, n: int) -> None:
    import pyarrow as pa

    from lexradar.clues.access import SYSTEM, add_user
    from lexradar.clues.db import Casebook
    from lexradar.clues.store import load_clues
    from lexradar.models.run import CLUE_SCHEMA, fingerprint

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("casebook.db*"):
        old.unlink()
    cb = Casebook.open(f"sqlite:///{folder / 'casebook.db'}")
    cb.init()
    add_user(cb, SYSTEM, "admin", "bench-pass-1", "admin", "150000")
    add_user(cb, SYSTEM, "songshan", "bench-pass-1", "handler", "150404")
    data: dict[str, list[object]] = {f.name: [] for f in CLUE_SCHEMA}
    for i in range(n):
        pid, other = person(i), person(i + 7)
        ev = {"person_name": name(i), "spouse_id": other, "spouse_name": name(i + 7),
              "months": i % 12}  # fmt: skip
        if i % 3 == 0:
            ev["case_no"] = f"（2024）蒙{COUNTIES[i % 12][2:]}民初{i}号"
            ev["cited_cert_no"] = f"J{COUNTIES[i % 12]}-2018-{i % 999999:06d}"
        data["fingerprint"].append(fingerprint("bench.model", [i]))
        data["model_id"].append("bench.model")
        data["model_version"].append(1)
        data["run_id"].append("bench")
        data["as_of"].append(dt.date(2026, 6, 30))
        data["person_ids"].append(f"{pid};{other}")
        data["record_refs"].append(f"marriage_events:M{i:09d}")
        data["region_code"].append(COUNTIES[i % 12])
        data["severity"].append(("high", "medium", "low")[i % 3])
        data["explanation"].append(f"{name(i)}（{pid}）与{name(i + 7)}登记结婚时前一婚姻仍存续")
        data["explanation_en"].append(f"{name(i)} ({pid}) married while still married")
        data["evidence"].append(json.dumps(ev, ensure_ascii=False))
    for col in data.values():
        col.extend([None] * (n - len(col)))
    table = pa.table(data, schema=CLUE_SCHEMA)
    started = time.perf_counter()
    load_clues(cb, table, domains={"bench.model": "criminal"})
    print(f"load {n:,} clues (search index included): {time.perf_counter() - started:.1f} s")
    cb.dispose()


def search(folder: Path, n: int) -> None:
    from lexradar.clues.access import user
    from lexradar.clues.db import Casebook
    from lexradar.clues.queries import Filters, queue
    from lexradar.normalize.resident_id import to15

    cb = Casebook.open(f"sqlite:///{folder / 'casebook.db'}")
    picks = [i * (n // 50) for i in range(50)]
    terms = {
        "ID (18)": [person(i) for i in picks],
        "ID (15)": [to15(person(i)) for i in picks],
        "name": [name(i) for i in picks],
        "case no.": [
            f"(2024)蒙{COUNTIES[i % 12][2:]}民初{i}号" for i in (p - p % 3 for p in picks)
        ],
    }
    for who in ("songshan", "admin"):
        actor = user(cb, who)
        for kind, values in terms.items():
            times, found = [], 0
            for v in values:
                t0 = time.perf_counter()
                page = queue(cb, actor, Filters(search=v), size=50)
                times.append((time.perf_counter() - t0) * 1000)
                found += page.total
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"search as {who:8} by {kind:8}: p50 {statistics.median(times):6.1f} ms,"
                  f" p95 {p95:6.1f} ms ({found / len(values):.1f} clues per search)")  # fmt: skip
    cb.dispose()


def export(folder: Path, fmt: str) -> None:
    from lexradar.clues.access import user
    from lexradar.clues.db import Casebook
    from lexradar.clues.export import export_queue
    from lexradar.clues.queries import Filters

    cb = Casebook.open(f"sqlite:///{folder / 'casebook.db'}")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, cpu0 = time.perf_counter(), time.process_time()
    out = export_queue(cb, user(cb, "admin"), Filters(), folder / f"all.{fmt}")
    took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = (folder / f"all.{fmt}").stat().st_size / 2**20
    print(f"export {out.rows:,} clues to .{fmt}: {took:.1f} s ({cpu:.1f} s CPU), {size:.1f} MiB,"
          f" peak RSS {peak:.0f} MiB (before the export {before:.0f} MiB)")  # fmt: skip
    cb.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clues", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/qbench"))
    parser.add_argument("--phase", choices=("build", "search", "xlsx", "csv"))
    args = parser.parse_args()
    if args.phase == "build":
        build(args.folder, args.clues)
    elif args.phase == "search":
        search(args.folder, args.clues)
    elif args.phase:
        export(args.folder, args.phase)
    else:
        for phase in ("build", "search", "xlsx", "csv"):  # each in a fresh process
            cmd = [sys.executable, __file__, "--phase", phase, "--clues", str(args.clues),
                   "--folder", str(args.folder)]  # fmt: skip
            subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
