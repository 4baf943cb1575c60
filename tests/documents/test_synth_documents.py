"""Synthetic judgment documents: rendered from the region's judgments, ingested as a batch, and
the models of the pack find from them the planted anomalies they find from the table."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lexradar.engine import open_engine
from lexradar.ingest.documents import ingest_documents
from lexradar.models import Registry
from lexradar.models.run import run_model
from lexradar.synth import generate
from lexradar.synth.documents import render_documents
from lexradar.synth.score import read_truth, score

MODELS = ["traffic.license_not_revoked", "execution.sentence_not_executed"]
AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docregion")
    generate(5_000, 11, out)
    render_documents(out, 11)
    lake = out / "lake-documents"
    shutil.copytree(out / "lake", lake)
    for part in (lake / "judgments").glob("*.parquet"):
        part.unlink()
    (result,) = ingest_documents([out / "documents" / "judgments.jsonl"], lake)
    assert result.status == "loaded"
    return out


def test_documents_are_deterministic_and_in_three_styles(tmp_path: Path, region: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(region / "lake", copy / "lake")
    summary = render_documents(copy, 11)
    assert (copy / "documents" / "judgments.jsonl").read_bytes() == (
        region / "documents" / "judgments.jsonl"
    ).read_bytes()
    assert all(n > 20 for n in summary["styles"].values()), summary
    texts = [json.loads(line)["document"] for line in summary_lines(region)]
    assert any("决定执行" in t for t in texts), "some sentences are combined (数罪并罚)"
    assert any("二〇" in t.split("\n")[4] for t in texts if "刑事" in t)  # dates as 二〇…
    assert any("（" in t.split("\n")[2] for t in texts)  # full-width brackets in the case no.


def summary_lines(region: Path) -> list[str]:
    return (region / "documents" / "judgments.jsonl").read_text(encoding="utf-8").splitlines()


def test_every_party_is_loaded_or_quarantined_with_the_same_elements(region: Path) -> None:
    table = pq.read_table(region / "lake" / "judgments").to_pylist()
    docs = pq.read_table(region / "lake-documents" / "judgments").to_pylist()
    quarantined = pq.read_table(region / "lake-documents" / "_quarantine").num_rows
    assert len(docs) + quarantined == len(table)
    by_key = {(r["case_no"], r["party_name"]): r for r in table}
    fields = ["case_kind", "party_role", "outcome", "term_months", "judgment_date",
              "effective_date", "court_region_code"]  # fmt: skip
    wrong = [
        (f, r[f], by_key[(r["case_no"], r["party_name"])][f])
        for r in docs
        for f in fields
        if r[f] != by_key[(r["case_no"], r["party_name"])][f]
    ]
    assert wrong == []
    ids = sum(r["party_id"] == by_key[(r["case_no"], r["party_name"])]["party_id"] for r in docs)
    assert ids == len(docs)  # IDs as recorded, mistyped ones included (with a warning)


def _clues(lake: Path, model_id: str) -> tuple[list[dict[str, object]], object]:
    with open_engine(lake) as engine:
        table, _ = run_model(engine, Registry().get(model_id), AS_OF)
    return table.to_pylist(), table


@pytest.mark.parametrize("model_id", MODELS)
def test_a_model_finds_from_documents_what_it_finds_from_the_table(
    region: Path, model_id: str
) -> None:
    from_table, t_table = _clues(region / "lake", model_id)
    from_docs, d_table = _clues(region / "lake-documents", model_id)

    def key(clue: dict[str, object]) -> tuple[object, object]:
        evidence = json.loads(str(clue["evidence"]))
        return clue["person_ids"], evidence["case_no"]

    assert from_table, "the table run raises clues"
    assert sorted(map(key, from_docs)) == sorted(map(key, from_table))
    # the answer key cites the table's judgment records: translate the documents' ones
    rows = pq.read_table(region / "lake" / "judgments").to_pylist()
    record = {(r["case_no"], r["party_name"]): r["record_id"] for r in rows}
    docs = pq.read_table(region / "lake-documents" / "judgments").to_pylist()
    back = {d["record_id"]: record[(d["case_no"], d["party_name"])] for d in docs}
    refs = [
        ";".join(
            f"judgments:{back[r.split(':', 1)[1]]}" if r.startswith("judgments:") else r
            for r in str(c["record_refs"]).split(";")
        )
        for c in from_docs
    ]
    truth = read_truth(region / "truth.csv")
    (t,) = score(t_table, truth, [model_id]).models
    (d,) = score(d_table.set_column(
        d_table.schema.get_field_index("record_refs"), "record_refs", [refs]
    ), truth, [model_id]).models  # fmt: skip
    assert t.planted_exact > 0
    assert (d.found_exact, d.found_noisy, d.controls_flagged, d.false_clues) == (
        t.found_exact,
        t.found_noisy,
        t.controls_flagged,
        t.false_clues,
    )
