"""Golden examples from the studio: the starting case, and hits judged true or false.

Both become ordinary examples in the model's ``<name>.examples.yaml`` (see
:mod:`lexradar.models.examples`), so ``lexradar models test`` runs them like anyone's. An
example's ``given`` rows are the records it cites plus every record of the model's datasets that
names one of its persons — what the model saw on the lake about them.

The lake holds real persons, so those rows are pseudonymised before they are stored
(:class:`lexradar.normalize.pseudonym.Pseudonymiser`: one pseudonym per person across the
example's rows, a valid-looking synthetic ID with its check character, a synthetic name and
address; dates, amounts and codes kept), and the expected clue is the one the model raises on
the pseudonymised rows. Examples files, ``/models/{id}`` and exported bundles therefore carry no
real personal data.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml

from lexradar.datasets.lake import write_rows
from lexradar.engine import Engine, open_engine
from lexradar.errors import Location
from lexradar.models.examples import ExampleResult, load_examples, run_all
from lexradar.models.registry import Model
from lexradar.models.run import run_model
from lexradar.normalize.pseudonym import Pseudonymiser
from lexradar.studio.blocks import ROLES, Draft
from lexradar.studio.errors import StudioError
from lexradar.studio.search import example_row, fetch, parse_ref, rows_about
from lexradar.studio.trying import load_trial
from lexradar.studio.workspace import Studio, write_text

CASE_PREFIX = "starting case"
"""Name of the example made from the draft's starting case (replaced when the case changes)."""


def _given(
    engine: Engine, model: Model, refs: list[str]
) -> tuple[dict[str, list[dict[str, Any]]], list[str], Pseudonymiser]:
    """Rows for an example: the cited records and all rows about their persons, pseudonymised;
    the persons' pseudonyms; the pseudonymiser (to carry the same pseudonyms into texts)."""
    cited = fetch(engine, [r for r in refs if parse_ref(r)[0] in model.spec.datasets])
    persons = sorted(
        {
            str(row[c])
            for ref, row in cited.items()
            for c in ROLES[parse_ref(ref)[0]].persons
            if row.get(c)
        }
    )
    given: dict[str, dict[str, dict[str, Any]]] = {}
    for ref, row in cited.items():
        given.setdefault(parse_ref(ref)[0], {})[row["record_id"]] = row
    for name, rows in rows_about(engine, model.spec.datasets, persons).items():
        for row in rows:
            given.setdefault(name, {})[row["record_id"]] = row
    plain = {name: [example_row(r) for _, r in sorted(found.items())]
             for name, found in given.items()}  # fmt: skip
    pseudo = Pseudonymiser.for_rows(plain)
    out = {name: pseudo.rows(name, rows) for name, rows in plain.items()}
    return out, [str(pseudo.value("resident_id", p)) for p in persons], pseudo


def _clues_on(
    model: Model, given: dict[str, list[dict[str, Any]]], as_of: dt.date
) -> list[dict[str, Any]]:
    """The clues ``model`` raises on a lake of just these rows."""
    with tempfile.TemporaryDirectory(prefix="lexradar-studio-") as tmp:
        for name, rows in given.items():
            write_rows(tmp, name, rows, batch_id="example")
        with open_engine(tmp, sandbox=True) as engine:
            table, _ = run_model(engine, model, as_of)
    clues: list[dict[str, Any]] = table.to_pylist()
    return clues


def _expect(clue: dict[str, Any]) -> dict[str, Any]:
    return {
        "person_ids": [p for p in clue["person_ids"].split(";") if p],
        "record_refs": [r for r in clue["record_refs"].split(";") if r],
    }


def case_example(studio: Studio, draft: Draft, engine: Engine, as_of: dt.date) -> dict[str, Any]:
    """Make (or replace) the positive example of the draft's starting case.

    The expected clue cites the base record of the case; when the draft raises such a clue on
    the case's rows, its persons and records are expected, otherwise the case's own persons
    and records (and ``models test`` shows the draft missing its own case).
    """
    if not draft.case:
        raise StudioError("the draft has no starting case", Location(field="case"))
    model = studio.model(draft.id)
    base_refs = [r for r in draft.case if parse_ref(r)[0] == draft.base.dataset]
    if not base_refs:
        raise StudioError(
            f"the starting case has no {draft.base.dataset} record to start from",
            Location(field="case"),
        )
    given, persons, _ = _given(engine, model, draft.case)
    clues = [c for c in _clues_on(model, given, as_of) if base_refs[0] in c["record_refs"]]
    if clues:
        expect = [_expect(c) for c in clues]
    else:
        cited = [r for r in draft.case if parse_ref(r)[0] in model.spec.datasets]
        expect = [{"person_ids": persons, "record_refs": cited}]
    example = {
        "name": f"{CASE_PREFIX}: {', '.join(draft.case)}",
        "name_zh": f"起始案例：{'、'.join(draft.case)}",
        "kind": "positive",
        "as_of": as_of,
        "given": given,
        "expect": expect,
        "pseudonymised": True,
    }
    _replace(studio, model, example, lambda e: str(e.get("name", "")).startswith(CASE_PREFIX))
    return example


def mark_hit(
    studio: Studio, model_id: str, fingerprint: str, true: bool, by: str, engine: Engine
) -> dict[str, Any]:
    """Turn a hit of the last try into an example: positive if ``true``, else negative."""
    hits, meta = load_trial(studio.folder(model_id))
    rows = [r for r in hits.to_pylist() if r["fingerprint"].startswith(fingerprint)]
    if len(rows) != 1:
        raise StudioError(
            f"{'no' if not rows else 'more than one'} hit of the last try has fingerprint "
            f"{fingerprint}",
            Location(field="fingerprint"),
        )
    (hit,) = rows
    model = studio.model(model_id)
    refs = [r for r in hit["record_refs"].split(";") if r]
    given, _, pseudo = _given(engine, model, refs)
    expect: list[dict[str, Any]] = []
    if true:
        as_of = dt.date.fromisoformat(meta["as_of"])
        same = [c for c in _clues_on(model, given, as_of) if refs and refs[0] in c["record_refs"]]
        expect = [_expect(c) for c in same] or [pseudo.any(_expect(hit))]
    verdict = "true" if true else "false"
    example = {
        "name": f"hit {hit['fingerprint']} judged {verdict} by {by}",
        "name_zh": f"命中 {hit['fingerprint']}，{by} 判定为{'真实线索' if true else '误报'}",
        "kind": "positive" if true else "negative",
        "as_of": dt.date.fromisoformat(meta["as_of"]),
        "given": given,
        "expect": expect,
        "pseudonymised": True,
    }
    _replace(
        studio, model, example, lambda e: e.get("name", "").startswith(f"hit {hit['fingerprint']} ")
    )
    return example


def _replace(studio: Studio, model: Model, example: dict[str, Any], same: Any) -> None:
    """Write ``example`` into the model's examples file, replacing the one ``same`` picks."""
    path = studio.examples_path(model.id)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    data = data or {"model": model.id, "examples": []}
    kept = [e for e in data.get("examples") or [] if not same(e)]
    data["examples"] = [*kept, example]
    text = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=200, default_flow_style=None
    )
    old = path.read_text(encoding="utf-8") if path.exists() else None
    write_text(path, text)
    try:
        load_examples(model)  # the file must still be valid
    except Exception:
        if old is None:
            path.unlink()
        else:
            write_text(path, old)
        raise


def run_examples(studio: Studio, model_id: str) -> list[ExampleResult]:
    """Run every golden example of a draft's model."""
    return run_all(studio.model(model_id))


def examples_file(studio: Studio, model_id: str) -> Path:
    return studio.examples_path(model_id)
