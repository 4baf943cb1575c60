"""Models on synthetic judgment documents against the same models on the courts' table.

    python bench/synth_documents.py [--persons 50000] [--seed 1] [--canonical]

Generates a region, renders its judgments as documents (lexradar.synth.documents) and hands
the region over as agencies do (lexradar.synth.raw): the *table* lake ingests every agency
file, the courts' export of judgments included; the *documents* lake ingests the same files
except the courts' export and, instead, the documents (lexradar.ingest.documents). Both pass
every value through the contract's value types. Runs the pack's models that read judgments on
both lakes and prints per model: clues, planted exact/noisy found, controls flagged, and
whether the clues are the same: the same fingerprints, each document record id
(``<document id>#<party>``) taken back to the court's record id of that party.

``--canonical`` compares instead the generator's canonical lake with a copy of it whose
judgments table is replaced by the documents (the comparison of earlier runs). The canonical
lake keeps certificate numbers as the registry prints them (``J150402-2018-000035``), not in
the value type's normal form (``J1504022018000035``) that every ingested value has, so there
``marriage.fake_certificate`` finds no ingested citation in the registry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from lexradar.engine import Step, open_engine
from lexradar.ingest.documents import ingest_documents
from lexradar.ingest.mapping import load
from lexradar.ingest.pipeline import ingest
from lexradar.models import Registry
from lexradar.models.run import fingerprint, plan_sql, run_model
from lexradar.synth import generate
from lexradar.synth.documents import render_documents
from lexradar.synth.raw import render_raw
from lexradar.synth.score import read_truth, score

AS_OF = dt.date(2026, 11, 28)


def _lakes(out: Path, seed: int, canonical: bool, documents: Path) -> tuple[Path, Path]:
    """The table lake and the documents lake (judgments not yet ingested into the latter)."""
    if canonical:
        lake = out / "lake-documents"
        shutil.copytree(out / "lake", lake)
        for part in (lake / "judgments").glob("*.parquet"):
            part.unlink()
        return out / "lake", lake
    t = time.perf_counter()
    render_raw(out, seed)
    mappings = sorted((out / "mappings").glob("*.yaml"))
    courts = [m for m in mappings if load(m).dataset == "judgments"]
    ingest(mappings, out / "table")
    ingest([m for m in mappings if m not in courts], documents)
    print(f"raw agency files rendered and ingested twice in {time.perf_counter() - t:.1f}s")
    return out / "table", documents


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--canonical", action="store_true")
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="synthdocs-"))
    generate(args.persons, args.seed, out)
    t = time.perf_counter()
    done = render_documents(out, args.seed)
    rendered = time.perf_counter() - t
    table_lake, lake = _lakes(out, args.seed, args.canonical, out / "documents-lake")
    t = time.perf_counter()
    (batch,) = ingest_documents([Path(done["file"])], lake)
    ingested = time.perf_counter() - t
    print(f"{args.persons:,} persons, seed {args.seed}: {done['documents']:,} documents "
          f"(styles {done['styles']}) rendered in {rendered:.1f}s; ingested in {ingested:.1f}s: "
          f"read {batch.read:,} loaded {batch.loaded:,} quarantined {batch.quarantined:,} "
          f"warnings {batch.warnings}")  # fmt: skip
    cols = ["record_id", "case_no", "party_role", "party_name"]
    rows = pq.read_table(table_lake / "judgments", columns=cols).to_pylist()
    record = {(r["case_no"], r["party_role"], r["party_name"]): r["record_id"] for r in rows}
    docs = pq.read_table(lake / "judgments", columns=cols).to_pylist()
    back = {d["record_id"]: record[(d["case_no"], d["party_role"], d["party_name"])]
            for d in docs}  # fmt: skip
    truth = read_truth(out / "truth.csv")
    registry = Registry()
    ids = args.models or [m for m in sorted(registry.models)
                          if "judgments" in registry.get(m).spec.datasets]  # fmt: skip
    print("model | source | clues | exact found/planted | noisy found/planted | controls | same")
    for model_id in ids:
        model = registry.get(model_id)
        tables, prints = {}, {}
        for name, where in (("table", table_lake), ("documents", lake)):
            with open_engine(where) as engine:
                tables[name], _ = run_model(engine, model, AS_OF)
                if name == "table":
                    prints[name] = set(tables[name].column("fingerprint").to_pylist())
                    continue
                found = engine.run(Step(model_id, plan_sql(model, AS_OF, None, engine.dialect)))
            prints[name] = {
                fingerprint(model_id, [back.get(v, v) if isinstance(v, str) else v
                                       for v in (r[k] for k in model.spec.clue.key)])
                for r in found.to_pylist()
            }  # fmt: skip
        d = tables["documents"]
        refs = [";".join(f"judgments:{back[r.split(':', 1)[1]]}" if r.startswith("judgments:")
                         and r.split(":", 1)[1] in back else r for r in str(c).split(";"))
                for c in d.column("record_refs").to_pylist()]  # fmt: skip
        tables["documents"] = d.set_column(d.schema.get_field_index("record_refs"),
                                           "record_refs", [refs])  # fmt: skip
        same = prints["table"] == prints["documents"]
        for name, table in tables.items():
            (s,) = score(table, truth, [model_id]).models
            print(
                f"{model_id} | {name} | {s.clues} | {s.found_exact}/{s.planted_exact} | "
                f"{s.found_noisy}/{s.planted_noisy} | {s.controls_flagged} | {same}"
            )
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
