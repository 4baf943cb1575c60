"""Models on synthetic judgment documents against the same models on the judgments table.

    python bench/synth_documents.py [--persons 50000] [--seed 1]

Generates a region, renders its judgments as documents (lexradar.synth.documents), ingests
them into a copy of the lake whose judgments table is removed, runs the pack's models on both
lakes and prints per model: clues, planted exact/noisy found, controls flagged, and whether the
clues are the same (person + case number) from both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from lexradar.engine import open_engine
from lexradar.ingest.documents import ingest_documents
from lexradar.models import Registry
from lexradar.models.run import run_model
from lexradar.synth import generate
from lexradar.synth.documents import render_documents
from lexradar.synth.score import read_truth, score

AS_OF = dt.date(2026, 11, 28)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--models", nargs="*", default=None)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="synthdocs-"))
    generate(args.persons, args.seed, out)
    t = time.perf_counter()
    done = render_documents(out, args.seed)
    rendered = time.perf_counter() - t
    lake = out / "lake-documents"
    shutil.copytree(out / "lake", lake)
    for part in (lake / "judgments").glob("*.parquet"):
        part.unlink()
    t = time.perf_counter()
    (batch,) = ingest_documents([Path(done["file"])], lake)
    ingested = time.perf_counter() - t
    print(f"{args.persons:,} persons, seed {args.seed}: {done['documents']:,} documents "
          f"(styles {done['styles']}) rendered in {rendered:.1f}s; ingested in {ingested:.1f}s: "
          f"read {batch.read:,} loaded {batch.loaded:,} quarantined {batch.quarantined:,} "
          f"warnings {batch.warnings}")  # fmt: skip
    rows = pq.read_table(out / "lake" / "judgments").to_pylist()
    record = {(r["case_no"], r["party_name"]): r["record_id"] for r in rows}
    docs = pq.read_table(lake / "judgments").to_pylist()
    back = {d["record_id"]: record[(d["case_no"], d["party_name"])] for d in docs}
    truth = read_truth(out / "truth.csv")
    ids = args.models or [m for m in sorted(Registry().models) if "judgments" in
                          Registry().get(m).spec.datasets]  # fmt: skip
    print("model | source | clues | exact found/planted | noisy found/planted | controls | same")
    for model_id in ids:
        tables = {}
        for name, where in (("table", out / "lake"), ("documents", lake)):
            with open_engine(where) as engine:
                tables[name], _ = run_model(engine, Registry().get(model_id), AS_OF)
        d = tables["documents"]
        refs = [";".join(f"judgments:{back[r.split(':', 1)[1]]}" if r.startswith("judgments:")
                         and r.split(":", 1)[1] in back else r for r in str(c).split(";"))
                for c in d.column("record_refs").to_pylist()]  # fmt: skip
        tables["documents"] = d.set_column(d.schema.get_field_index("record_refs"),
                                           "record_refs", [refs])  # fmt: skip

        def keys(table: object) -> list[tuple[str, str]]:
            return sorted((c["person_ids"], str(json.loads(c["evidence"]).get("case_no")))
                          for c in table.to_pylist())  # type: ignore[attr-defined]  # fmt: skip

        same = keys(tables["table"]) == keys(tables["documents"])
        for name, table in tables.items():
            (s,) = score(table, truth, [model_id]).models
            print(
                f"{model_id} | {name} | {s.clues} | {s.found_exact}/{s.planted_exact} | "
                f"{s.found_noisy}/{s.planted_noisy} | {s.controls_flagged} | {same}"
            )
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
