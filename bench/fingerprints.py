"""Clue fingerprints of synthetic regions on DuckDB and on Spark, to compare two versions of the
code: the same region, ingested from raw files, resolved and run through every model of the pack
must give the same sorted fingerprints (and the same person keys) before and after a change.

Run::

    .venv/bin/python bench/fingerprints.py --persons 20000 --seeds 1,2 \\
        --engines duckdb,spark --work /tmp/fp-work --out /tmp/engine-after
    .venv/bin/python bench/fingerprints.py --compare /tmp/engine-baseline /tmp/engine-after

For each seed the region is generated with its raw agency files (``lexradar synth --raw``),
ingested once, and each engine works on its own hard-linked copy of the lake: resolution
(training included, ``retrain``), then all models as of a fixed date. Written per seed and
engine: ``seed{S}-{engine}.fingerprints`` (``model_id<TAB>fingerprint``, sorted) and
``seed{S}-{engine}.person_keys`` (``unique_id<TAB>person_key``, sorted). ``--compare A B``
prints, per file, the line counts and the lines only in A or only in B, and exits 1 when any
file differs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 28)
SPARK = {"master": "local[2]", "conf": {"spark.sql.shuffle.partitions": "4"}}


def _resolve(lake: Path, kind: str) -> dict[str, object]:
    """Resolve ``lake`` from scratch on ``kind``; the result's figures."""
    from lexradar.engine import open_engine
    from lexradar.linkage.resolve import resolve

    options = SPARK if kind == "spark" else {}
    with open_engine(lake, kind, **options) as engine:  # type: ignore[arg-type]
        return resolve(engine, retrain=True, full=True).as_dict()


def _models(lake: Path, kind: str) -> list[tuple[str, str]]:
    """Every pack model over ``lake`` on ``kind``: (model_id, fingerprint) pairs, sorted."""
    from lexradar.engine import open_engine
    from lexradar.models import Registry
    from lexradar.models.run import run_models

    options = SPARK if kind == "spark" else {}
    with open_engine(lake, kind, **options) as engine:  # type: ignore[arg-type]
        clues, _records = run_models(engine, list(Registry().models.values()), AS_OF)
    rows = zip(
        clues.column("model_id").to_pylist(), clues.column("fingerprint").to_pylist(), strict=True
    )
    return sorted(rows)


def _person_keys(lake: Path) -> list[tuple[str, str]]:
    import pyarrow.parquet as pq

    table = pq.read_table(lake / "_linkage" / "person_keys.parquet", columns=None)
    names = table.column_names
    uid = "unique_id" if "unique_id" in names else names[0]
    return sorted(
        zip(
            (str(v) for v in table.column(uid).to_pylist()),
            (str(v) for v in table.column("person_key").to_pylist()),
            strict=True,
        )
    )


def _link_copy(src: Path, dst: Path) -> None:
    """``dst`` as a copy of ``src`` whose files are hard links (no data copied)."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=os.link)


def run(persons: int, seeds: list[int], engines: list[str], work: Path, out: Path) -> None:
    from lexradar.ingest import ingest
    from lexradar.synth import generate
    from lexradar.synth.raw import render_raw

    out.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        region = work / f"seed{seed}"
        ingested = region / "ingested"
        if not ingested.exists():
            shutil.rmtree(region, ignore_errors=True)
            t = time.perf_counter()
            generate(persons, seed, region)
            render_raw(region, seed)
            ingest(sorted((region / "mappings").glob("*.yaml")), ingested)
            print(f"seed {seed}: generated and ingested in {time.perf_counter() - t:.1f} s")
        for kind in engines:
            lake = region / f"lake-{kind}"
            _link_copy(ingested, lake)
            t = time.perf_counter()
            figures = _resolve(lake, kind)
            resolved = time.perf_counter() - t
            t = time.perf_counter()
            fps = _models(lake, kind)
            ran = time.perf_counter() - t
            stem = out / f"seed{seed}-{kind}"
            stem.with_suffix(".fingerprints").write_text(
                "".join(f"{m}\t{f}\n" for m, f in fps), encoding="utf-8"
            )
            keys = _person_keys(lake)
            stem.with_suffix(".person_keys").write_text(
                "".join(f"{u}\t{k}\n" for u, k in keys), encoding="utf-8"
            )
            print(
                f"seed {seed} {kind}: resolve {resolved:.1f} s, models {ran:.1f} s, "
                f"{len(fps)} clues, {len(keys)} mentions, "
                f"{len({k for _u, k in keys})} person keys; {json.dumps(figures, default=str)}"
            )


def compare(a: Path, b: Path) -> int:
    """Print the differences between two output folders; 0 when every file is identical."""
    status = 0
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    for name in names:
        pa_, pb = a / name, b / name
        if not pa_.exists() or not pb.exists():
            print(f"{name}: only in {'B' if not pa_.exists() else 'A'}")
            status = 1
            continue
        la = pa_.read_text(encoding="utf-8").splitlines()
        lb = pb.read_text(encoding="utf-8").splitlines()
        only_a, only_b = sorted(set(la) - set(lb)), sorted(set(lb) - set(la))
        same = "identical" if la == lb else "DIFFERENT"
        print(f"{name}: A {len(la)} lines, B {len(lb)} lines, {same}")
        for line in only_a[:5]:
            print(f"  only in A: {line}")
        for line in only_b[:5]:
            print(f"  only in B: {line}")
        if la != lb:
            status = 1
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--work", type=Path, default=Path("/tmp/fp-work"))
    parser.add_argument("--out", type=Path, default=Path("fingerprints"))
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    logging.disable(logging.WARNING)
    run(
        args.persons,
        [int(s) for s in args.seeds.split(",")],
        args.engines.split(","),
        args.work,
        args.out,
    )


if __name__ == "__main__":
    main()
