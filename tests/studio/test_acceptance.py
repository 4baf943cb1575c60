"""The issue's scenario at API level: build traffic.license_not_revoked from one planted case
through the blocks; it finds the same clues (fingerprints) as the built-in model."""

from __future__ import annotations

import pytest

from lexradar.engine import open_engine
from lexradar.models.examples import run_all
from lexradar.models.registry import pack_root
from lexradar.models.run import run_model
from lexradar.studio.errors import StudioError
from lexradar.studio.golden import case_example
from lexradar.studio.trying import compare, open_lake, try_model
from lexradar.studio.workspace import Studio
from lexradar.synth import SynthResult
from tests.studio.conftest import AS_OF, TRAFFIC, planted_case, traffic_draft


def test_traffic_built_from_one_case_finds_the_pack_models_clues(
    studio: Studio, region: SynthResult
) -> None:
    case = planted_case(region)
    with open_engine(region.out / "lake") as engine:
        draft = traffic_draft(engine, case)
        saved = studio.save(draft)
        example = case_example(studio, draft, engine, AS_OF)

        # the draft compiled into the project's model folder: a candidate version of the
        # pack's model, which keeps serving production until the draft is promoted
        registry = studio.registry()
        mine = registry.own(TRAFFIC)
        assert mine.path == saved.model.path and not mine.path.is_relative_to(pack_root())
        assert registry.candidates[TRAFFIC] == mine
        assert registry.get(TRAFFIC).path.is_relative_to(pack_root())
        assert registry.select([TRAFFIC]) == [registry.get(TRAFFIC)]
        assert registry.select([TRAFFIC], ["draft"]) == [mine]
        assert mine.spec.clue.key == ["person_id", "judgment_record_id"]
        assert mine.spec.datasets == ["judgments", "driver_licenses"]

        ours, _ = run_model(engine, mine, AS_OF)
        theirs, _ = run_model(engine, studio.resolve(f"{TRAFFIC}@pack"), AS_OF)
        assert ours.num_rows >= 5
        assert set(ours.column("fingerprint").to_pylist()) == set(
            theirs.column("fingerprint").to_pylist()
        )
        # the same records cited, clue by clue
        cited = dict(zip(*(theirs.column(c).to_pylist() for c in ("fingerprint", "record_refs")),
                         strict=True))  # fmt: skip
        for fp, refs in zip(*(ours.column(c).to_pylist() for c in ("fingerprint", "record_refs")),
                            strict=True):  # fmt: skip
            assert set(refs.split(";")) == set(cited[fp].split(";"))

        trial = try_model(engine, mine, AS_OF, case_refs=case)
        assert trial.count == ours.num_rows and trial.involving_case == 1
        diff = compare(engine, studio.resolve(f"{TRAFFIC}@pack"), mine, AS_OF)
        assert diff.gained == [] and diff.lost == [] and len(diff.same) == ours.num_rows

    # the starting case is a golden positive example, and it passes
    assert example["kind"] == "positive"
    assert set(example["expect"][0]["record_refs"]) == set(case)
    results = run_all(mine)
    assert [r.passed for r in results] == [True]


def test_a_parameter_of_the_draft_changes_the_hits_like_the_packs(
    studio: Studio, region: SynthResult
) -> None:
    """Revocation within 20 days: the background's licences revoked 21-60 days after a
    conviction become hits, in the draft as in the built-in model."""
    with open_engine(region.out / "lake") as engine:
        studio.save(traffic_draft(engine, planted_case(region)))
        params = {"revoke_within_days": 20}
        ours, _ = run_model(engine, studio.model(TRAFFIC), AS_OF, params)
        theirs, _ = run_model(engine, studio.resolve(f"{TRAFFIC}@pack"), AS_OF, params)
        default, _ = run_model(engine, studio.model(TRAFFIC), AS_OF)
    assert ours.num_rows > default.num_rows
    assert set(ours.column("fingerprint").to_pylist()) == set(
        theirs.column("fingerprint").to_pylist()
    )


def test_a_sample_keeps_whole_persons(studio: Studio, region: SynthResult) -> None:
    """A try on a sample finds a subset of the hits, each with all its records."""
    with open_engine(region.out / "lake") as engine:
        studio.save(traffic_draft(engine, planted_case(region)))
        full = try_model(engine, studio.model(TRAFFIC), AS_OF)
    with open_lake(region.out / "lake", 0.5) as engine:
        half = try_model(engine, studio.model(TRAFFIC), AS_OF, sample=0.5)
        persons = engine.scalar("SELECT count(*) FROM persons")
    by_fp = {r["fingerprint"]: r["record_refs"] for r in full.hits.to_pylist()}
    assert 0 < half.count < full.count
    for row in half.hits.to_pylist():
        assert by_fp[row["fingerprint"]] == row["record_refs"]
    assert 0.4 * 20_000 < persons < 0.6 * 20_000  # type: ignore[operator]
    with pytest.raises(StudioError, match="a sample is a fraction between 0 and 1"):
        open_lake(region.out / "lake", 1.5)
