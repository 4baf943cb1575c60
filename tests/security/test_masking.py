"""No personal data past the mask (issue 16), on a demo-like lake: the synthetic region with its
persons resolved, every pack model run, the clues loaded into a real casebook (SQLite and
PostgreSQL).

What a role that sees masked data is shown — clue lists, clue details with their evidence and
history, the records side by side — holds no resident ID, name or address of any record the
clues cite; the notes a reload writes when a clue's evidence changed hold none either; a studio
golden example made from a real case, and the bundle exported for other procuratorates, hold no
real ID, name or address of the case's persons, and still pass.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa
import yaml

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.queries import get_clue, list_clues, reveal
from lexradar.clues.store import load_clues
from lexradar.clues.tables import clue_events, clues
from lexradar.datasets import CONTRACT
from lexradar.engine import Engine, Step, literal, open_engine
from lexradar.normalize import resident_id as rid
from lexradar.normalize.masking import column_type
from lexradar.synth import SynthResult
from tests.clues.conftest import casebook, people, session_db  # noqa: F401  (fixtures)
from tests.studio.conftest import AS_OF, TRAFFIC, planted_case, studio, traffic_draft  # noqa: F401

pytestmark = pytest.mark.slow

RUN_AS_OF = dt.date(2026, 6, 30)
ID18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


def _records(engine: Engine, refs: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The lake rows behind ``dataset:record_id`` references, by dataset."""
    wanted: dict[str, set[str]] = {}
    for ref in refs:
        dataset, _, record = ref.partition(":")
        if dataset in CONTRACT and record:
            wanted.setdefault(dataset, set()).add(record)
    out = {}
    for dataset, ids in wanted.items():
        listed = ", ".join(literal(i) for i in sorted(ids))
        sql = f"SELECT * FROM {dataset} WHERE record_id IN ({listed})"
        out[dataset] = engine.run(Step(f"records of {dataset}", sql)).to_pylist()
    return out


def _personal(rows_by_dataset: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Every resident ID, name and address (as the lake holds them) in these rows."""
    out: set[str] = set()
    for dataset, rows in rows_by_dataset.items():
        types = CONTRACT[dataset].value_types()
        for row in rows:
            for k, v in row.items():
                personal_type = types.get(k) in ("resident_id", "name", "address")
                if personal_type and isinstance(v, str) and len(v.strip()) >= 2:
                    out.add(v.strip())
    return out


def _leaks(shown: str, personal: set[str]) -> list[str]:
    return sorted(v for v in personal if v in shown)


@pytest.fixture(scope="module")
def demo(region: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The region's lake with persons resolved, every pack model's clues and the personal
    values of every record they cite."""
    from lexradar.linkage.resolve import resolve
    from lexradar.models import Registry
    from lexradar.models.run import run_models

    lake = tmp_path_factory.mktemp("masking") / "lake"
    shutil.copytree(region.out / "lake", lake)
    resolve(lake, retrain=True)
    with open_engine(lake) as engine:
        table, runs = run_models(engine, Registry().select(None), RUN_AS_OF)
        refs = {r for refs in table.column("record_refs").to_pylist() for r in refs.split(";")}
        records = _records(engine, refs)
    personal = _personal(records)
    for row in table.to_pylist():  # what the models themselves wrote about persons
        personal |= {p for p in row["person_ids"].split(";") if p}
        evidence = json.loads(row["evidence"])
        for k, v in evidence.items():
            personal_type = column_type(k) in ("resident_id", "name", "address")
            if personal_type and isinstance(v, str) and len(v) >= 2:
                personal.add(v)
    return {"lake": lake, "table": table, "runs": runs, "personal": personal}


def _with_identity(table: pa.Table) -> list[dict[str, Any]]:
    return [r for r in table.to_pylist() if json.loads(r["evidence"]).get("identity_zh")]


def test_the_demo_has_clues_whose_evidence_names_persons_in_free_text(demo) -> None:  # type: ignore[no-untyped-def]
    stated = _with_identity(demo["table"])
    assert len(stated) >= 5, "resolution joined records that state a person differently"
    raw = " ".join(json.loads(r["evidence"])["identity_zh"] for r in stated)
    assert _leaks(raw, demo["personal"]), "the unmasked texts do hold names and IDs"


def test_no_unmasked_id_name_or_address_in_what_masked_roles_are_shown(
    demo,  # type: ignore[no-untyped-def]
    casebook: Casebook,  # noqa: F811
    people: dict[str, User],  # noqa: F811
) -> None:
    from lexradar.web.evidence import side_by_side

    load_clues(casebook, demo["table"], people["admin"], runs=demo["runs"])
    shown_total, leaks = 0, {}
    for username in ("admin", "chifeng_leader", "songshan", "builder"):
        actor = people[username]
        views = list_clues(casebook, actor, limit=10_000)
        assert views or username == "songshan"
        for view in views:
            detail = get_clue(casebook, actor, view.id)
            shown = json.dumps(
                [view.__dict__, {**detail.__dict__, "history": detail.history}],
                ensure_ascii=False,
                default=str,
            )
            if found := _leaks(shown, demo["personal"]):
                leaks[(username, view.model_id, view.id)] = found
            shown_total += 1
    assert leaks == {}
    assert shown_total > 100
    # the identity texts are masked but still say what they said
    admin_views = list_clues(casebook, people["admin"], limit=10_000)
    masked = [v for v in admin_views if v.evidence.get("identity_zh")]
    assert masked and all("经人员比对认定为同一人" in v.evidence["identity_zh"] for v in masked)
    assert all("*" in v.evidence["identity_zh"] for v in masked)
    # the records side by side, masked
    for view in masked[:5]:
        side = side_by_side(demo["lake"], view.record_refs)
        assert side.records and not side.problem
        shown = json.dumps([r.values for r in side.records], ensure_ascii=False, default=str)
        assert _leaks(shown, demo["personal"]) == []
        assert all(
            "**-**" in str(r.values["birth_date"]) for r in side.records if "birth_date" in r.values
        )
    # a reveal (audited, with a reason) still shows the real values
    revealed = reveal(casebook, people["admin"], masked[0].id, "核查身份")
    assert _leaks(json.dumps(revealed.evidence, ensure_ascii=False), demo["personal"])


def test_notes_written_on_a_reload_with_changed_evidence_are_masked(
    demo,  # type: ignore[no-untyped-def]
    casebook: Casebook,  # noqa: F811
    people: dict[str, User],  # noqa: F811
) -> None:
    admin = people["admin"]
    table = demo["table"]
    load_clues(casebook, table, admin, runs=demo["runs"])
    changed = {r["fingerprint"] for r in _with_identity(table)[:6]}
    others = [r for r in table.to_pylist() if r["fingerprint"] not in changed]
    rows = []
    swap = iter(others)
    for row in table.to_pylist():
        if row["fingerprint"] in changed:  # an agency corrected the person's records
            other = next(swap)
            evidence = json.loads(row["evidence"])
            other_evidence = json.loads(other["evidence"])
            for k in evidence:
                if k.endswith(("name", "_id")) or k.startswith("identity"):
                    evidence[k] = other_evidence.get(k, other["person_ids"])
            row = {**row, "evidence": json.dumps(evidence, ensure_ascii=False),
                   "person_ids": other["person_ids"]}  # fmt: skip
        rows.append(row)
    report = load_clues(casebook, pa.Table.from_pylist(rows, schema=table.schema), admin)
    assert report.changed == len(changed)
    with casebook.read() as conn:
        notes = conn.execute(
            sa.select(clue_events.c.note, clues.c.fingerprint)
            .join(clues, clues.c.id == clue_events.c.clue_id)
            .where(clue_events.c.note.like("evidence changed%"))
        ).all()
    assert {n.fingerprint for n in notes} == changed
    text = "\n".join(n.note for n in notes)
    assert "person_ids: " in text and "→" in text  # the note still says what changed
    assert _leaks(text, demo["personal"]) == []
    assert ID18.search(text) is None


def _case_personal(lake: Path, case: list[str]) -> set[str]:
    """The personal values of a case's records and of every record about its persons."""
    from lexradar.studio.blocks import ROLES
    from lexradar.studio.search import fetch, rows_about

    with open_engine(lake) as engine:
        cited = fetch(engine, case)
        persons = sorted({str(row[c]) for ref, row in cited.items()
                          for c in ROLES[ref.split(":")[0]].persons if row.get(c)})  # fmt: skip
        about = rows_about(engine, list(CONTRACT), persons)
    rows: dict[str, list[dict[str, Any]]] = {}
    for ref, row in cited.items():
        rows.setdefault(ref.split(":")[0], []).append(row)
    for dataset, found in about.items():
        rows.setdefault(dataset, []).extend(found)
    return _personal(rows) | set(persons)


def test_a_golden_example_from_a_real_case_and_its_bundle_hold_no_real_person(
    studio,  # type: ignore[no-untyped-def]  # noqa: F811
    region: SynthResult,
    tmp_path: Path,
) -> None:
    from lexradar.models.bundle import export_model, import_model
    from lexradar.models.examples import run_all
    from lexradar.studio.golden import case_example
    from lexradar.studio.trying import open_lake

    lake = region.out / "lake"
    case = planted_case(region)
    real = _case_personal(lake, case)
    assert real, "the case names persons"
    with open_lake(lake) as engine:
        draft = traffic_draft(engine, case)
        studio.save(draft)
        example = case_example(studio, draft, engine, AS_OF)
    stored = studio.examples_path(TRAFFIC).read_text(encoding="utf-8")
    assert _leaks(stored, real) == [] and _leaks(json.dumps(example, default=str), real) == []
    ids = ID18.findall(stored)
    assert ids and all(rid.is_valid(i) for i in ids)  # valid-looking synthetic IDs
    rows = [r for rs in example["given"].values() for r in rs]
    holders = {r["party_id"] for r in rows if r.get("party_id")} | {
        r["person_id"] for r in rows if r.get("person_id")
    }
    assert len(holders) == 1, "one person, one pseudonym across the example's rows"
    assert {r.get("judgment_date") for r in rows} - {None}, "dates are kept"
    model = studio.model(TRAFFIC)
    assert all(r.passed for r in run_all(model))  # the pseudonymised case is still a case

    # an examples file that someone filled with real rows: the bundle pseudonymises it
    with open_engine(lake) as engine:
        from lexradar.studio.search import example_row, fetch

        cited = fetch(engine, case)
    real_rows = {ref.split(":")[0]: [example_row(r)] for ref, r in cited.items()}
    accused = next(r["party_id"] for ref, r in cited.items() if ref.startswith("judgments:"))
    data = yaml.safe_load(stored)
    data["examples"].append({"name": "hand-made from the case", "kind": "positive",
                             "as_of": AS_OF, "given": real_rows,
                             "expect": [{"person_ids": [accused]}]})  # fmt: skip
    studio.examples_path(TRAFFIC).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    assert _leaks(studio.examples_path(TRAFFIC).read_text(encoding="utf-8"), real)
    bundle = export_model(studio.model(TRAFFIC), tmp_path)
    assert _leaks(bundle.read_text(encoding="utf-8"), real) == []
    imported = import_model(bundle, tmp_path / "elsewhere", set())
    results = run_all(imported)
    assert len(results) == 2 and all(r.passed for r in results), [r.name for r in results]
