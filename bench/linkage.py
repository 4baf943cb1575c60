"""Benchmark: person resolution of synthetic regions — wall time, candidate pairs, peak memory,
blocking recall and pairwise precision/recall/F1 against the generator's truth.

Run: ``.venv/bin/python bench/linkage.py --persons 200000 1500000 --seed 1 --work /tmp/lrbench``.
Each region is generated once (not timed); resolution (training included) runs in a fresh
process so that its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import json, logging, resource, sys, time
logging.disable(logging.WARNING)
from lexradar.linkage.resolve import resolve
t = time.perf_counter()
r = resolve(sys.argv[1], retrain=True, memory_limit=sys.argv[2] or None)
print(json.dumps({"result": r.as_dict(), "seconds": time.perf_counter() - t,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

BLOCKING_CHILD = """
import json, sys
from lexradar.engine import open_engine
from lexradar.linkage import blocking, mentions
lake, truth = sys.argv[1], sys.argv[2]
with open_engine(lake) as e:
    mentions.build(e)
    counts = blocking.pair_counts(e)
    union = " UNION ".join(
        f"SELECT l.unique_id AS unique_id_l, r.unique_id AS unique_id_r FROM mentions l "
        f"JOIN mentions r ON {rule} WHERE l.unique_id < r.unique_id"
        for rule in blocking.BLOCKING_RULES.values())
    e.materialize("_lr_pairs", union)
    from lexradar.linkage.evaluate import blocking_recall
    print(json.dumps({"per_rule": counts, **blocking_recall(e, truth)}))
"""


def run(code: str, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])
    # the figures are the last JSON line; anything else the child printed (a progress bar) is not
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"no figures from the child process:\n{proc.stdout[-2000:]}")
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, nargs="+", default=[200_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/lexradar-bench-linkage"))
    ap.add_argument("--memory-limit", default="", help="DuckDB memory_limit, e.g. 6GB")
    ap.add_argument("--no-blocking-recall", action="store_true")
    args = ap.parse_args()
    from lexradar.linkage.evaluate import score
    from lexradar.synth import generate

    for n in args.persons:
        out = args.work / f"p{n}-s{args.seed}"
        if not (out / "truth_persons.parquet").exists():
            t = time.perf_counter()
            generate(n, args.seed, out)
            print(f"generated {n:,} persons in {time.perf_counter() - t:.1f}s", flush=True)
        lake, truth = out / "lake", out / "truth_persons.parquet"
        res = run(CHILD, str(lake), args.memory_limit)
        r = res["result"]
        s = score(lake, truth)
        print(
            f"persons {n:,}: mentions {r['mentions']:,}, candidate pairs {r['candidate_pairs']:,}, "
            f"wall {res['seconds']:.1f}s (mentions {r['seconds']['mentions']}s, train "
            f"{r['seconds']['train']}s, predict {r['seconds']['predict']}s, cluster "
            f"{r['seconds']['cluster']}s), peak RSS {res['maxrss_kb'] / 2**20:.2f} GiB, "
            f"threshold weight {r['threshold_weight']} (p={r['threshold_probability']:.4f}), "
            f"{s.line()}",
            flush=True,
        )
        if not args.no_blocking_recall:
            b = run(BLOCKING_CHILD, str(lake), str(truth))
            print(
                f"  blocking: pairs per rule {b['per_rule']}, direct recall of true pairs "
                f"{b['direct']:.4f} of {int(b['true_pairs']):,}",
                flush=True,
            )


if __name__ == "__main__":
    main()
