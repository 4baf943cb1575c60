"""Lifecycle moves audited in the casebook's chain; production models run on new batches."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml

from lexradar.clues.access import SYSTEM, User, add_user
from lexradar.clues.audit import tail, verify
from lexradar.clues.db import Casebook
from lexradar.clues.errors import PermissionDenied
from lexradar.clues.tables import clues
from lexradar.engine import open_engine
from lexradar.project import Project
from lexradar.settings import Settings
from lexradar.studio.errors import StudioError
from lexradar.studio.golden import case_example
from lexradar.studio.lifecycle import move_model
from lexradar.studio.schedule import parse_every, production, run_every
from lexradar.studio.workspace import Studio
from lexradar.synth import SynthResult
from tests.studio.conftest import AS_OF, TRAFFIC, planted_case, traffic_draft


@pytest.fixture
def casebook(tmp_path: Path) -> Iterator[Casebook]:
    book = Casebook.open(f"sqlite:///{tmp_path / 'casebook.db'}")
    book.init()
    yield book
    book.dispose()


@pytest.fixture
def people(casebook: Casebook) -> dict[str, User]:
    return {
        "builder": add_user(casebook, SYSTEM, "wang", "pw", "model_builder", "150000"),
        "handler": add_user(casebook, SYSTEM, "li", "pw", "handler", "150404"),
    }


@pytest.fixture
def lake(tmp_path: Path, region: SynthResult) -> Path:
    """A copy of the region's lake the test may add batches to."""
    return Path(shutil.copytree(region.out / "lake", tmp_path / "lake"))


def _traffic(studio: Studio, lake: Path, region: SynthResult) -> None:
    with open_engine(lake) as engine:
        draft = traffic_draft(engine, planted_case(region))
        studio.save(draft)
        case_example(studio, draft, engine, AS_OF)


def test_moves_are_checked_recorded_and_audited(
    studio: Studio, casebook: Casebook, people: dict[str, User], lake: Path, region: SynthResult
) -> None:
    _traffic(studio, lake, region)
    model = studio.model(TRAFFIC)
    with pytest.raises(StudioError, match="cannot move from draft to production"):
        move_model(casebook, people["builder"], model, "production")
    with pytest.raises(PermissionDenied, match="li \\(handler\\) may not do this"):
        move_model(casebook, people["handler"], model, "testing")
    moved = move_model(casebook, people["builder"], model, "testing", "case example passes")
    assert moved.model.spec.status == "testing"
    done = move_model(casebook, people["builder"], moved.model, "production", "same as pack")
    assert done.examples_passed == 1
    spec = studio.model(TRAFFIC).spec
    assert [(h.from_status, h.to_status, h.by) for h in spec.history] == [
        ("draft", "testing", "wang"),
        ("testing", "production", "wang"),
    ]
    moves = [e for e in tail(casebook, 50) if e.action == "model.move"]
    assert [(e.actor, e.subject) for e in moves] == [("wang", f"model:{TRAFFIC}")] * 2
    assert '"to":"production"' in moves[-1].detail
    assert verify(casebook) is None
    # a model in production is not edited in place
    with open_engine(lake) as engine:
        changed = traffic_draft(engine, planted_case(region)).model_copy(update={"severity": "low"})
    with pytest.raises(StudioError, match="is production; move it back to testing"):
        studio.save(changed)


def test_production_refused_while_a_golden_example_fails(
    studio: Studio, casebook: Casebook, people: dict[str, User], lake: Path, region: SynthResult
) -> None:
    _traffic(studio, lake, region)
    # someone judged the starting case a false hit after all: a negative example that fails
    path = studio.examples_path(TRAFFIC)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    case = data["examples"][0]
    data["examples"].append({**case, "name": "judged false", "kind": "negative", "expect": []})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    testing = move_model(casebook, people["builder"], studio.model(TRAFFIC), "testing").model
    with pytest.raises(StudioError, match="failing golden examples: judged false"):
        move_model(casebook, people["builder"], testing, "production")
    assert studio.model(TRAFFIC).spec.status == "testing"


def _count(casebook: Casebook, model_id: str) -> int:
    with casebook.read() as conn:
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(clues).where(clues.c.model_id == model_id)
        ).scalar_one())  # fmt: skip


def test_only_production_models_run_on_new_batches(
    studio: Studio, casebook: Casebook, people: dict[str, User], lake: Path, region: SynthResult,
    tmp_path: Path,
) -> None:  # fmt: skip
    _traffic(studio, lake, region)  # the project's traffic draft: a candidate of the pack's
    state = tmp_path / "schedule.json"
    project = Project.from_settings(
        Settings(lake=lake, as_of=AS_OF), casebook=casebook, models_dir=studio.models_dir
    )

    def run_pass() -> list:  # type: ignore[type-arg]
        project.reload()
        return project.schedule_pass(state)

    registry = project.registry
    pack_traffic = registry.get(TRAFFIC)
    assert registry.candidates[TRAFFIC].spec.status == "draft"
    assert pack_traffic in production(registry), "the draft does not displace the pack model"
    first = run_pass()
    assert {r.model_id for r in first} == {m.id for m in production(registry)}
    assert all(r.ran and r.reason == "new batches" for r in first)
    pack_clues = _count(casebook, TRAFFIC)
    assert pack_clues == next(r.clues for r in first if r.model_id == TRAFFIC) > 0
    bigamy = _count(casebook, "marriage.bigamy")
    assert bigamy > 0

    project.promote(TRAFFIC, "testing", people["builder"])
    second = {r.model_id: r for r in run_pass()}
    assert not second[TRAFFIC].ran, "a testing candidate never runs in production"
    project.promote(TRAFFIC, "production", people["builder"])
    second = {r.model_id: r for r in run_pass()}
    assert second[TRAFFIC].ran and second[TRAFFIC].reason == "new version"
    assert project.registry.get(TRAFFIC).path.is_relative_to(studio.models_dir)
    assert not second["marriage.bigamy"].ran and second["marriage.bigamy"].reason == "no new batch"

    # a new batch of marriage records: the models reading marriages run again, the others not
    part = pq.read_table(next((lake / "marriage_events").glob("*.parquet")))
    extra = part.slice(0, 5).set_column(
        part.schema.get_field_index("batch_id"), "batch_id",
        [["batch-new"] * 5],
    )  # fmt: skip
    extra = extra.set_column(extra.schema.get_field_index("record_id"), "record_id",
                             [[f"NEW{i}" for i in range(5)]])  # fmt: skip
    pq.write_table(extra, lake / "marriage_events" / "batch-new.parquet")
    third = {r.model_id: r for r in run_pass()}
    assert third["marriage.bigamy"].ran and third["marriage.bigamy"].new_batches == ["batch-new"]
    assert not third[TRAFFIC].ran
    assert verify(casebook) is None


def test_interval_and_loop() -> None:
    assert parse_every("1h") == 3600 and parse_every("30m") == 1800 and parse_every("1d") == 86400
    with pytest.raises(StudioError, match="'1 hour' is not an interval"):
        parse_every("1 hour")
    calls: list[int] = []
    slept: list[float] = []
    n = run_every(60, lambda: calls.append(1) or [], passes=3, sleep=slept.append)
    assert n == 3 and len(calls) == 3 and len(slept) == 2 and all(0 < s <= 60 for s in slept)
