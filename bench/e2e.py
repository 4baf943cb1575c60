"""Benchmark: raw agency files to a loaded casebook, stage by stage, on DuckDB and on Spark, with
the peers.

Run (heavy: under the machine's lock)::

    flock /tmp/lexradar-heavy.lock .venv/bin/python bench/e2e.py \\
        --sizes 200000,1500000 --engines duckdb,spark --out e2e.md --peer-path DIR [--style 2]

(``--peer-path DIR``: a folder holding pandas for the pandas peer, which lexradar does not
depend on.) The tables go to stdout and, after each size, to ``--out``; figures of the last run
are in docs/benchmarks.md.

For each size a synthetic region is generated and rendered as agencies hand it over
(``lexradar synth --raw``; not a stage, its time is printed apart). Then, each stage in a fresh
child process whose wall time and peak memory are measured from outside (the summed RSS of the
child's whole process tree, sampled every 0.2 s — so a Spark JVM counts):

- **ingest**: every raw file through its mapping into the lake (the same code for both engines:
  ingestion is pyarrow, not an engine);
- **resolve**: person resolution (training included) to ``lake/_linkage/person_keys.parquet``;
  DuckDB with :func:`lexradar.linkage.resolve.resolve`, Spark with
  :func:`lexradar.linkage.resolve.resolve` on Spark;
- **models**: all eleven models of the pack, clues written to a Parquet file;
- **load**: the clue file into a new SQLite casebook, in transactional batches.

Each engine works on its own copy of the lake (hard links to the ingested files), so each
resolves and runs models on exactly the same records.

Peers, on the DuckDB lake:

- **pandas bigamy**: ``marriage.bigamy`` written the straightforward way in pandas (read the
  three datasets, merge, filter), against the DuckDB model's time and clue count;
- **plain exact-ID join**: the same models on the same ingested lake left unresolved, so that
  ``person_keys`` falls back to the normalized resident IDs — what a procuratorate gets by
  joining the agencies' files on ID; its clues are scored against the answer key beside
  lexradar's (recall, the lowest model's recall, precision, clues outside the key, controls
  flagged);
- **plain Splink**: Splink on DuckDB with a default-style configuration (exact ID, Jaro-Winkler
  name, exact birth date; blocking on ID and on name + birth year), trained the usual way,
  clustered at match probability 0.9 — its time, memory and pairwise F1 against the synthetic
  truth beside lexradar's resolution.

The machine is shared: the load average (1 min) is printed beside every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

AS_OF = "2026-11-28"

PREPARE = """
import json, sys, time
from pathlib import Path
from lexradar.synth import generate
from lexradar.synth.raw import render_raw
persons, seed, out, style = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
generate(persons, seed, out)
g = time.perf_counter() - t
render_raw(out, seed, style)
print(json.dumps({"generate": g, "render": time.perf_counter() - t - g}))
"""

INGEST = """
import json, sys
from pathlib import Path
from lexradar.ingest import ingest
region, lake = Path(sys.argv[1]), Path(sys.argv[2])
results = ingest(sorted((region / "mappings").glob("*.yaml")), lake)
print(json.dumps({"read": sum(r.read for r in results),
                  "quarantined": sum(r.quarantined for r in results)}))
"""

RESOLVE_DUCKDB = """
import json, logging, sys
logging.disable(logging.WARNING)
from lexradar.linkage.resolve import resolve
r = resolve(sys.argv[1], retrain=True, memory_limit=sys.argv[2] or None)
print(json.dumps(r.as_dict()))
"""

RESOLVE_SPARK = """
import json, logging, sys
logging.disable(logging.WARNING)
from lexradar.linkage.resolve import resolve
r = resolve(
    sys.argv[1], retrain=True, engine="spark", master="local[2]", conf=json.loads(sys.argv[3])
)
print(json.dumps(r.as_dict()))
"""

MODELS = """
import datetime as dt, json, logging, sys
from pathlib import Path
logging.disable(logging.WARNING)
from lexradar.engine import open_engine
from lexradar.models import Registry
from lexradar.models.run import run_models, write_clues
lake, kind, as_of, out = sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3]), sys.argv[4]
options = {"master": "local[2]", "conf": json.loads(sys.argv[5])} if kind == "spark" else {}
reg = Registry()
with open_engine(lake, kind, **options) as engine:
    clues, records = run_models(engine, list(reg.models.values()), as_of)
write_clues(clues, Path(out))
print(json.dumps({"clues": clues.num_rows,
                  "per_model": {r.model_id: [r.clues, round(r.seconds, 2)] for r in records}}))
"""

LOAD = """
import json, sys
from lexradar.clues.db import Casebook
from lexradar.clues.store import load_clues, read_clue_file
casebook = Casebook.open(sys.argv[1])
casebook.init()
r = load_clues(casebook, read_clue_file(sys.argv[2]))
casebook.dispose()
print(json.dumps({"read": r.read, "new": r.new, "batches": r.batches}))
"""

SCORE = """
import json, sys
from lexradar.linkage.evaluate import score
s = score(sys.argv[1], sys.argv[2])
print(json.dumps({"precision": s.precision, "recall": s.recall, "f1": s.f1}))
"""

PANDAS_BIGAMY = Path(__file__).with_name("pandas_bigamy.py")
PLAIN_SPLINK = Path(__file__).with_name("plain_splink.py")

#: Spark local[2] as the benchmark runs it: driver memory for the 1.5 M region's collects
SPARK_CONF = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "8"}


@dataclass
class Measured:
    """One stage: wall seconds, peak RSS of the process tree (MiB), load average, its output."""

    seconds: float
    peak_mib: float
    load: float
    out: dict[str, object] = field(default_factory=dict)


def _tree_rss(root: int) -> int:
    """Summed resident memory (bytes) of ``root`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm", encoding="ascii") as f:
                pages = int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # a process that ended meanwhile
        pid = int(entry)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in tree)


DUCKDB_MEMORY = ["6GB"]
"""DuckDB's memory_limit for resolution (``--duckdb-memory-limit``)."""

PEER_PATH: list[str] = []
"""Folders put on the peers' PYTHONPATH (``--peer-path``: pandas, when not in the venv)."""


STAGE_TIMEOUT: list[float | None] = [None]
"""Seconds a stage may take (``--stage-timeout``); one that takes longer is stopped and shown
as not finished."""


def _kill_tree(root: int) -> None:
    """Stop a stage's child and everything it started (a Spark JVM)."""
    import signal

    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid in pids:
                pids.append(int(entry))
    for pid in reversed(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def measure(code_or_script: str | Path, *args: str) -> Measured:
    """Run Python code (or a script) in a child process; its wall time and peak tree RSS."""
    env = dict(os.environ)
    if isinstance(code_or_script, Path) and PEER_PATH:
        env["PYTHONPATH"] = os.pathsep.join([*PEER_PATH, env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    cmd = [sys.executable, str(code_or_script)] if isinstance(code_or_script, Path) else [
        sys.executable, "-c", code_or_script
    ]  # fmt: skip
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=STAGE_TIMEOUT[0])
    except subprocess.TimeoutExpired:
        _kill_tree(proc.pid)
        proc.communicate()
        stop.set()
        sampler.join()
        return Measured(time.perf_counter() - started, peak / 2**20, load, {"timeout": True})
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode:
        sys.exit(f"stage failed ({' '.join(args)}):\n{err[-4000:]}")
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    return Measured(seconds, peak / 2**20, max(load, os.getloadavg()[0]), result)


def link_lake(src: Path, dst: Path) -> None:
    """A copy of a lake's datasets made of hard links (no ``_linkage``)."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for sub in src.iterdir():
        if sub.is_dir() and sub.name != "_linkage":  # datasets and their batch manifests
            shutil.copytree(sub, dst / sub.name, copy_function=os.link)
        elif sub.is_file():
            os.link(sub, dst / sub.name)


def run_size(persons: int, seed: int, engines: list[str], work: Path, say, style: int = 1) -> dict:  # type: ignore[no-untyped-def]
    """Every stage and peer for one size; returns the figures."""
    region = work / f"p{persons}-s{seed}-style{style}"
    figures: dict[str, object] = {"persons": persons, "style": style}
    if not (region / "mappings").exists():
        say(f"{persons:,}: generating and rendering raw files (not a stage)")
        figures["prepare"] = measure(PREPARE, str(persons), str(seed), str(region), str(style))
    raw = region / "raw"
    figures["raw_mib"] = sum(p.stat().st_size for p in raw.iterdir()) / 2**20
    ingested = region / "ingested"
    if ingested.exists():
        shutil.rmtree(ingested)
    say(f"{persons:,}: ingest")
    figures["ingest"] = measure(INGEST, str(region), str(ingested))
    truth = region / "truth_persons.parquet"
    conf = json.dumps(SPARK_CONF)
    for engine in engines:
        lake = region / f"lake-{engine}"
        link_lake(ingested, lake)
        stages: dict[str, Measured] = {}
        say(f"{persons:,} {engine}: resolve")
        if engine == "duckdb":
            stages["resolve"] = measure(RESOLVE_DUCKDB, str(lake), DUCKDB_MEMORY[0])
        else:
            stages["resolve"] = measure(RESOLVE_SPARK, str(lake), "", conf)
        if not stages["resolve"].out.get("timeout"):  # else the models run on the fallback keys
            stages["resolve"].out["score"] = measure(SCORE, str(lake), str(truth)).out
        say(f"{persons:,} {engine}: models")
        clue_file = region / f"clues-{engine}.parquet"
        stages["models"] = measure(MODELS, str(lake), engine, AS_OF, str(clue_file), conf)
        say(f"{persons:,} {engine}: load")
        db = region / f"casebook-{engine}.sqlite"
        for old in (db, Path(f"{db}.audit-key"), Path(f"{db}.audit-checkpoints")):
            old.unlink(missing_ok=True)  # a new casebook, with its own audit key and checkpoints
        stages["load"] = measure(LOAD, f"sqlite:///{db}", str(clue_file))
        figures[engine] = stages
        figures[f"score-{engine}"] = clue_score(clue_file, region / "truth.csv")
    lake = region / f"lake-{engines[0]}"
    say(f"{persons:,}: peers (pandas bigamy, plain Splink)")
    if _pandas_available():
        figures["pandas_bigamy"] = measure(PANDAS_BIGAMY, str(lake), AS_OF)
        figures["duckdb_bigamy"] = measure(MODELS_ONE, str(lake), "marriage.bigamy", AS_OF)
    else:
        say("pandas is not installed (make bench, or --peer-path): no pandas peer")
    figures["plain_splink"] = measure(PLAIN_SPLINK, str(lake), str(truth), str(region / "plain"))
    say(f"{persons:,}: peer (plain exact-ID join: the same models on the lake unresolved)")
    plain = region / "lake-plain-join"
    link_lake(ingested, plain)  # no _linkage: person_keys fall back to the normalized IDs
    plain_clues = region / "clues-plain-join.parquet"
    figures["plain_join"] = measure(MODELS, str(plain), "duckdb", AS_OF, str(plain_clues), conf)
    figures["score-plain_join"] = clue_score(plain_clues, region / "truth.csv")
    return figures


def _pandas_available() -> bool:
    """Whether the pandas peer can run (pandas in this environment or on --peer-path)."""
    import importlib.util

    return importlib.util.find_spec("pandas") is not None or any(
        (Path(p) / "pandas").exists() for p in PEER_PATH
    )


def clue_score(clues: Path, truth: Path) -> dict[str, float]:
    """Recall, precision, clues outside the answer key and controls flagged of a clue file."""
    from lexradar.synth.score import score_files

    sc = score_files(clues, truth)
    return {
        "clues": sum(m.clues for m in sc.models),
        "recall": sc.recall,
        "precision": sc.precision,
        "outside": sc.outside,
        "controls_flagged": sc.controls_flagged,
        "worst": min((m.recall for m in sc.models if m.planted), default=1.0),
    }


MODELS_ONE = """
import datetime as dt, json, sys
from lexradar.engine import open_engine
from lexradar.models import Registry
from lexradar.models.run import run_model
with open_engine(sys.argv[1]) as engine:
    table, record = run_model(engine, Registry().get(sys.argv[2]),
                              dt.date.fromisoformat(sys.argv[3]))
print(json.dumps({"clues": table.num_rows, "fingerprints": sorted(table["fingerprint"].to_pylist()),
                  "model_seconds": record.seconds}))
"""


def _fmt_s(x: float) -> str:
    return f"{x:,.1f}"


def table(figures: list[dict], engines: list[str]) -> str:  # type: ignore[type-arg]
    """The markdown tables of a run."""
    lines = [
        "| persons | engine | stage | wall (s) | peak RSS (MiB) | load avg | what |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    ratio_lines = [
        "| persons | stage | DuckDB (s) | Spark local[2] (s) | Spark / DuckDB time | "
        "Spark / DuckDB peak |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    peer_lines = [
        "| persons | work | lexradar (s) | peer (s) | peer / lexradar time | lexradar peak "
        "(MiB) | peer peak (MiB) | result |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        n = f"{f['persons']:,}"
        ing: Measured = f["ingest"]
        lines.append(
            f"| {n} | (both) | ingest {f['raw_mib']:,.0f} MiB raw | {_fmt_s(ing.seconds)} | "
            f"{ing.peak_mib:,.0f} | {ing.load:.1f} | {ing.out.get('read', 0):,} rows read, "
            f"{ing.out.get('quarantined', 0):,} quarantined |"
        )
        for engine in engines:
            st: dict[str, Measured] = f[engine]
            r, m, ld = st["resolve"], st["models"], st["load"]
            late = [k for k in ("resolve", "models", "load") if st[k].out.get("timeout")]
            for k in late:
                lines.append(
                    f"| {n} | {engine} | {k} | > {_fmt_s(st[k].seconds)} | {st[k].peak_mib:,.0f} "
                    f"| {st[k].load:.1f} | did not finish within --stage-timeout |"
                )
            if late:
                continue
            sc = r.out.get("score", {})
            lines.append(
                f"| {n} | {engine} | resolve | {_fmt_s(r.seconds)} | {r.peak_mib:,.0f} | "
                f"{r.load:.1f} | {r.out.get('mentions', 0):,} mentions, "
                f"{r.out.get('candidate_pairs', 0):,} pairs, {r.out.get('clusters', 0):,} "
                f"persons; F1 {sc.get('f1', 0):.4f} (P {sc.get('precision', 0):.4f}, "
                f"R {sc.get('recall', 0):.4f}) |"
            )
            lines.append(
                f"| {n} | {engine} | all 11 models | {_fmt_s(m.seconds)} | {m.peak_mib:,.0f} | "
                f"{m.load:.1f} | {m.out.get('clues', 0):,} clues |"
            )
            lines.append(
                f"| {n} | {engine} | load casebook (SQLite) | {_fmt_s(ld.seconds)} | "
                f"{ld.peak_mib:,.0f} | {ld.load:.1f} | {ld.out.get('new', 0):,} clues in "
                f"{ld.out.get('batches', 0)} batches |"
            )
            total = ing.seconds + r.seconds + m.seconds + ld.seconds
            peak = max(ing.peak_mib, r.peak_mib, m.peak_mib, ld.peak_mib)
            lines.append(
                f"| {n} | {engine} | **raw → casebook** | **{_fmt_s(total)}** | **{peak:,.0f}** "
                f"| | {total / 60:.1f} min |"
            )
        if "duckdb" in f and "spark" in f:
            for stage in ("resolve", "models", "load"):
                d, s = f["duckdb"][stage], f["spark"][stage]
                if s.out.get("timeout") or d.out.get("timeout"):
                    continue
                ratio_lines.append(
                    f"| {n} | {stage} | {_fmt_s(d.seconds)} | {_fmt_s(s.seconds)} | "
                    f"{s.seconds / d.seconds:.1f}× | {s.peak_mib / d.peak_mib:.1f}× |"
                )
        if "pandas_bigamy" in f:
            pb, db = f["pandas_bigamy"], f["duckdb_bigamy"]
            same = pb.out.get("fingerprints") == db.out.get("fingerprints")
            peer_lines.append(
                f"| {n} | marriage.bigamy | {_fmt_s(db.seconds)} (query "
                f"{db.out.get('model_seconds', 0):.2f}) | {_fmt_s(pb.seconds)} (work "
                f"{pb.out.get('work_seconds', 0):.2f}) | {pb.seconds / db.seconds:.1f}× | "
                f"{db.peak_mib:,.0f} | {pb.peak_mib:,.0f} | clues {db.out.get('clues', 0):,} vs "
                f"{pb.out.get('clues', 0):,}, {'same' if same else 'different'} fingerprints |"
            )
        ps = f["plain_splink"]
        ours = f[engines[0]]["resolve"]
        osc = ours.out.get("score", {})
        peer_lines.append(
            f"| {n} | resolution | {_fmt_s(ours.seconds)} | {_fmt_s(ps.seconds)} | "
            f"{ps.seconds / ours.seconds:.1f}× | {ours.peak_mib:,.0f} | {ps.peak_mib:,.0f} | "
            f"F1 {osc.get('f1', 0):.4f} vs {ps.out.get('f1', 0):.4f} (P "
            f"{osc.get('precision', 0):.4f} vs {ps.out.get('precision', 0):.4f}, R "
            f"{osc.get('recall', 0):.4f} vs {ps.out.get('recall', 0):.4f}) |"
        )
    prep = [
        f"{f['persons']:,} persons: raw files generated in {f['prepare'].seconds:.0f} s "
        f"(synth + render, not a stage), {f['raw_mib']:,.0f} MiB"
        for f in figures
        if "prepare" in f
    ]
    out = [*prep, "", "### Stages", "", *lines, ""]
    if len(ratio_lines) > 2:
        out += ["### Spark local[2] against DuckDB", "", *ratio_lines, ""]
    out += ["### Peers (lexradar on DuckDB against)", "", *peer_lines, ""]
    clue_lines = [
        "| persons | raw style | clues of | clues | recall | lowest model recall | precision "
        "| outside the key | controls flagged |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figures:
        for who in [*engines, "plain_join"]:
            sc = f.get(f"score-{who}")
            if not sc:
                continue
            label = "plain exact-ID join" if who == "plain_join" else f"lexradar ({who})"
            clue_lines.append(
                f"| {f['persons']:,} | {f.get('style', 1)} | {label} | {sc['clues']:,.0f} "
                f"| {sc['recall']:.3f} | {sc['worst']:.3f} | {sc['precision']:.3f} "
                f"| {sc['outside']:,.0f} | {sc['controls_flagged']:,.0f} |"
            )
    out += ["### Clues against the answer key", "", *clue_lines, ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="200000,1500000", help="Persons, comma-separated.")
    ap.add_argument("--engines", default="duckdb,spark", help="duckdb and/or spark.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--style", type=int, default=1,
        help="Raw files rendered in style 1 (the habits the models were written against) or 2.",
    )  # fmt: skip
    ap.add_argument("--work", type=Path, default=Path("/tmp/lexradar-e2e"))
    ap.add_argument("--out", type=Path, help="Also write the markdown tables to this file.")
    ap.add_argument(
        "--peer-path", action="append", default=[],
        help="A folder put on the peers' PYTHONPATH (where pandas is, if not in the venv).",
    )  # fmt: skip
    ap.add_argument("--duckdb-memory-limit", default="6GB", help="DuckDB memory_limit (resolve).")
    ap.add_argument(
        "--stage-timeout", type=float, default=1800,
        help="Seconds a stage may take; a longer one is stopped and shown as not finished.",
    )  # fmt: skip
    args = ap.parse_args()
    STAGE_TIMEOUT[0] = args.stage_timeout
    PEER_PATH.extend(args.peer_path)
    DUCKDB_MEMORY[0] = args.duckdb_memory_limit
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"duckdb", "spark"}
    if unknown:
        sys.exit(f"--engines: unknown engine(s) {sorted(unknown)}; known: duckdb, spark")

    def say(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {msg}", file=sys.stderr,
              flush=True)  # fmt: skip

    header = (
        f"machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}; load average at start {os.getloadavg()[0]:.1f}; seed {args.seed}"
    )
    figures = []
    for persons in sizes:
        f = run_size(persons, args.seed, engines, args.work, say, args.style)
        figures.append(f)
        text = f"{header}\n\n{table(figures, engines)}"
        if args.out:
            args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
