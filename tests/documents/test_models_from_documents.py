"""Every pack model that reads ``judgments`` finds from the courts' documents exactly the clues
it finds from the courts' table.

One synthetic region, handed over twice as agencies hand it over (:mod:`lexradar.synth.raw`):
the *table* lake ingests every agency file, the courts' export of judgments included; the
*documents* lake ingests the same files except the courts' export and, instead, the region's
judgment documents (:mod:`lexradar.synth.documents`, three courts' styles) through
:mod:`lexradar.ingest.documents`. Both lakes pass every value through the contract's value
types, so a certificate number typed ``ｊ１５０４０２－２０１８－３５`` in a document and
``J150402-2018-000035`` in the registry compare equal, and trial appearance (``party_appeared``)
is read from the document's account of the trial. Clues are compared by fingerprint, each
document record id (``<document id>#<party>``) taken back to the court's record id.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lexradar.engine import Engine, Step, open_engine
from lexradar.ingest.documents import ingest_documents
from lexradar.ingest.mapping import load
from lexradar.ingest.pipeline import ingest
from lexradar.models import Registry
from lexradar.models.run import fingerprint, plan_sql, run_model
from lexradar.synth import generate
from lexradar.synth.documents import agreement, render_documents
from lexradar.synth.raw import render_raw

PERSONS, SEED = 5_000, 11
AS_OF = dt.date(2026, 11, 28)


@functools.cache
def registry() -> Registry:
    return Registry()


def judgment_models() -> list[str]:
    return [m for m in sorted(registry().models) if "judgments" in registry().get(m).spec.datasets]


@pytest.fixture(scope="module")
def lakes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("judgment-documents")
    generate(PERSONS, SEED, out)
    render_raw(out, SEED)
    done = render_documents(out, SEED)
    mappings = sorted((out / "mappings").glob("*.yaml"))
    courts = [m for m in mappings if load(m).dataset == "judgments"]
    assert len(courts) == 1
    table, documents = out / "table", out / "documents-lake"
    ingest(mappings, table, workers=1)
    ingest([m for m in mappings if m not in courts], documents, workers=1)
    (batch,) = ingest_documents([Path(done["file"])], documents)
    assert batch.status == "loaded" and batch.quarantined == 0, batch
    return {"table": table, "documents": documents}


def _back(lakes: dict[str, Path]) -> dict[str, str]:
    """Document record id → the court's record id of the same party of the same case."""

    def rows(lake: Path) -> list[dict[str, object]]:
        cols = ["record_id", "case_no", "party_role", "party_name"]
        return pq.read_table(lake / "judgments", columns=cols).to_pylist()

    court = {(r["case_no"], r["party_role"], r["party_name"]): r["record_id"]
             for r in rows(lakes["table"])}  # fmt: skip
    docs = rows(lakes["documents"])
    back = {str(d["record_id"]): str(court[(d["case_no"], d["party_role"], d["party_name"])])
            for d in docs}  # fmt: skip
    assert len(back) == len(docs) == len(court)
    return back


def _fingerprints(engine: Engine, model_id: str, back: dict[str, str] | None) -> set[str]:
    """The clues' fingerprints; with ``back``, of the clue key with record ids taken back."""
    model = registry().get(model_id)
    clues, _ = run_model(engine, model, AS_OF)
    found = set(clues.column("fingerprint").to_pylist())
    if back is None:
        return found
    rows = engine.run(Step(model_id, plan_sql(model, AS_OF, None, engine.dialect)))
    assert len(found) == rows.num_rows
    keys = model.spec.clue.key
    out = set()
    for row in rows.to_pylist():
        key = [row[k] for k in keys]
        out.add(fingerprint(model_id, [back.get(v, v) if isinstance(v, str) else v for v in key]))
    return out


@pytest.fixture(scope="module")
def clues(lakes: dict[str, Path]) -> dict[str, dict[str, set[str]]]:
    """Per lake, per model, the fingerprints of its clues (one engine per lake)."""
    back = _back(lakes)
    out: dict[str, dict[str, set[str]]] = {}
    for name, lake in lakes.items():
        with open_engine(lake) as engine:
            out[name] = {m: _fingerprints(engine, m, back if name == "documents" else None)
                         for m in judgment_models()}  # fmt: skip
    return out


def test_the_judgments_models_are_the_pack_s_seven() -> None:
    assert judgment_models() == [
        "allowance.while_detained",
        "execution.sentence_not_executed",
        "litigation.false_litigation_pattern",
        "marriage.bigamy",
        "marriage.fake_certificate",
        "pension.while_imprisoned",
        "traffic.license_not_revoked",
    ]


@pytest.mark.parametrize("model_id", judgment_models())
def test_documents_give_the_clues_the_table_gives(
    clues: dict[str, dict[str, set[str]]], model_id: str
) -> None:
    table, documents = clues["table"][model_id], clues["documents"][model_id]
    assert table, f"{model_id} raises no clue on the region: nothing compared"
    assert documents == table, (
        f"{model_id}: {len(documents - table)} clues only from documents, "
        f"{len(table - documents)} only from the table"
    )


def test_documents_give_the_table_s_certificates_appearance_and_claims(
    lakes: dict[str, Path],
) -> None:
    fields = ["cited_cert_no", "party_appeared", "claim_amount", "cause", "outcome",
              "term_months", "judgment_date", "effective_date", "party_id"]  # fmt: skip
    key = ["case_no", "party_role", "party_name"]

    def rows(lake: Path) -> dict[tuple[object, ...], dict[str, object]]:
        table = pq.read_table(lake / "judgments", columns=key + fields).to_pylist()
        return {tuple(r[k] for k in key): {f: r[f] for f in fields} for r in table}

    table, documents = rows(lakes["table"]), rows(lakes["documents"])
    assert documents.keys() == table.keys()
    differ = {f: [k for k in table if documents[k][f] != table[k][f]] for f in fields}
    # a combined sentence's second charge (数罪并罚, style C) is in the document's cause only
    for k in differ.pop("cause"):
        assert str(documents[k]["cause"]).startswith(f"{table[k]['cause']}、"), k
    assert {f: len(ks) for f, ks in differ.items()} == dict.fromkeys(differ, 0)
    assert agreement(lakes["table"], lakes["documents"]) == {
        "parties": len(table),
        "read": len(table),
        "differ": {},
        "second_charge": sum(str(r["cause"]).count("、") for r in documents.values()),
    }
    values = list(table.values())
    assert sum(r["cited_cert_no"] is not None for r in values) > 50
    assert sum(r["party_appeared"] is False for r in values) > 20
    assert sum(r["claim_amount"] is not None for r in values) > 100
