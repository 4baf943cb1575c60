"""Finding a case in the lake, and golden examples from the case and from judged hits."""

from __future__ import annotations

import pytest
import yaml

from lexradar.engine import open_engine
from lexradar.models.examples import load_examples, run_all
from lexradar.studio.errors import StudioError
from lexradar.studio.golden import case_example, mark_hit
from lexradar.studio.search import fetch, search
from lexradar.studio.trying import open_lake, save_trial, try_model
from lexradar.studio.workspace import Studio
from lexradar.synth import SynthResult
from tests.studio.conftest import AS_OF, TRAFFIC, planted_case, traffic_draft


def test_search_by_id_name_case_and_certificate_number(region: SynthResult) -> None:
    judgment_ref, _licence_ref = planted_case(region)
    with open_engine(region.out / "lake") as engine:
        (row,) = fetch(engine, [judgment_ref]).values()
        by_id = search(engine, row["party_id"])
        assert judgment_ref in {f.ref for f in by_id}
        assert {f.matched for f in by_id if f.dataset == "judgments"} == {"party_id"}
        assert any(f.dataset == "persons" and f.matched == "person_id" for f in by_id)
        by_case = search(engine, row["case_no"])
        assert judgment_ref in {f.ref for f in by_case}
        by_name = search(engine, row["party_name"], limit=500)
        assert judgment_ref in {f.ref for f in by_name}
        cert = engine.scalar("SELECT cert_no FROM marriage_events ORDER BY record_id LIMIT 1")
        assert any(f.dataset == "marriage_events" and f.matched == "cert_no"
                   for f in search(engine, str(cert)))  # fmt: skip
        with pytest.raises(StudioError, match="at least two characters"):
            search(engine, " x ")
        with pytest.raises(StudioError, match="the lake has no record judgments:NOPE"):
            fetch(engine, ["judgments:NOPE"])
        with pytest.raises(StudioError, match="'judgments-J1' is not a record reference"):
            fetch(engine, ["judgments-J1"])


def test_hits_judged_true_and_false_become_examples(studio: Studio, region: SynthResult) -> None:
    case = planted_case(region)
    with open_lake(region.out / "lake") as engine:
        draft = traffic_draft(engine, case)
        studio.save(draft)
        case_example(studio, draft, engine, AS_OF)
        trial = try_model(engine, studio.model(TRAFFIC), AS_OF, case_refs=case)
        save_trial(trial, studio.folder(TRAFFIC))
        others = [r for r in trial.rows() if not set(r["record_refs"].split(";")) & set(case)]
        good, bad = others[0], others[1]
        positive = mark_hit(studio, TRAFFIC, good["fingerprint"][:10], True, "wang", engine)
        negative = mark_hit(studio, TRAFFIC, bad["fingerprint"], False, "wang", engine)
        with pytest.raises(StudioError, match="no hit of the last try has fingerprint ffff"):
            mark_hit(studio, TRAFFIC, "ffff", True, "wang", engine)

    assert positive["kind"] == "positive" and negative["kind"] == "negative"
    assert set(positive["expect"][0]["record_refs"]) == set(good["record_refs"].split(";"))
    assert negative["expect"] == []
    # the judged hit's records are the example's rows
    cited = {r.split(":")[1] for r in bad["record_refs"].split(";")}
    given = {row["record_id"] for rows in negative["given"].values() for row in rows}
    assert cited <= given
    model = studio.model(TRAFFIC)
    names = [e.name for e in load_examples(model)]
    assert names[0].startswith("starting case") and len(names) == 3
    assert yaml.safe_load(studio.examples_path(TRAFFIC).read_text(encoding="utf-8"))["model"] == (
        TRAFFIC
    )
    results = {r.example.kind + ":" + r.name.split(" ")[0]: r.passed for r in run_all(model)}
    # the rule still raises the hit judged false: that example fails until the rule changes
    assert results == {"positive:starting": True, "positive:hit": True, "negative:hit": False}
    # judging the same hit again replaces its example instead of adding one
    with open_lake(region.out / "lake") as engine:
        mark_hit(studio, TRAFFIC, bad["fingerprint"], True, "li", engine)
    assert len(load_examples(model)) == 3
    assert all(r.passed for r in run_all(model))
