"""The application layer: Project's verbs on a real small lake and a SQLite casebook, the one
promote path, drafts kept out of production, the job queue's bounds and a county's scope."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.clues.access import SYSTEM, User, add_user
from lexradar.clues.audit import tail
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, NotFoundError, PermissionDenied
from lexradar.clues.store import load_clues
from lexradar.clues.tables import clues
from lexradar.errors import ModelError
from lexradar.models.registry import pack_root
from lexradar.project import Project
from lexradar.settings import Settings
from lexradar.studio.errors import StudioError
from lexradar.synth import SynthResult
from lexradar.web.jobs import Jobs, QueueFull

AS_OF = "2026-06-30"
OWN = "local.pension_late"
"""A project model (not in the pack), a copy of pension.after_death under its own domain."""
TRAFFIC = "traffic.license_not_revoked"
runner = CliRunner()


def copy_model(source: str, target_id: str, folder: Path, **header: str) -> Path:
    """Copy a pack model into ``folder`` under ``target_id``, changing header lines."""
    src = Path(pack_root(), *source.split(".")).with_suffix(".yaml")
    dst = Path(folder, *target_id.split(".")).with_suffix(".yaml")
    dst.parent.mkdir(parents=True, exist_ok=True)
    text = src.read_text(encoding="utf-8").replace(f"id: {source}", f"id: {target_id}", 1)
    for key, value in header.items():
        text, n = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
        assert n == 1, key
    dst.write_text(text, encoding="utf-8")
    shutil.copy(src.with_suffix(".sql"), dst.with_suffix(".sql"))
    examples = src.with_name(src.stem + ".examples.yaml")
    if examples.exists():
        data = yaml.safe_load(examples.read_text(encoding="utf-8"))
        data["model"] = target_id
        dst.with_name(dst.stem + ".examples.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
    return dst


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A project: lexradar.toml naming a model folder with one own model, a SQLite casebook."""
    models = tmp_path / "models"
    copy_model("pension.after_death", OWN, models, domain="civil")
    return tmp_path


@pytest.fixture
def project(folder: Path, region: SynthResult) -> Iterator[Project]:
    settings = Settings(
        lake=region.out / "lake",
        casebook_url=f"sqlite:///{folder / 'casebook.db'}",
        model_paths=[folder / "models"],
        as_of=AS_OF,
    )
    with Project.from_settings(settings) as proj:
        proj.casebook.init()
        yield proj


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    book = project.casebook
    return {
        "builder": add_user(book, SYSTEM, "wang", "pw", "model_builder", "150000"),
        "admin": add_user(book, SYSTEM, "zhao", "pw", "admin", "150000"),
        "handler": add_user(book, SYSTEM, "li", "pw", "handler", "150000"),
    }


def _domains(book: Casebook) -> dict[str, set[str]]:
    with book.read() as conn:
        rows = conn.execute(sa.select(clues.c.model_id, clues.c.domain).distinct()).all()
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r.model_id, set()).add(r.domain)
    return out


# ------------------------------------------------------------------ run, load, domain


def test_a_project_models_clues_keep_their_domain_through_load(
    project: Project, tmp_path: Path
) -> None:
    run = project.run([OWN, "pension.after_death"])
    assert run.clues.num_rows > 0
    assert set(run.clues.column("domain").to_pylist()) == {"civil", "public_interest"}
    out = tmp_path / "c.parquet"
    project.write(run, out)
    assert pq.read_schema(out).names[-2:] == ["domain", "model_status"]
    loaded = project.load(out)
    assert loaded.report.new == run.clues.num_rows
    assert _domains(project.casebook) == {
        OWN: {"civil"},
        "pension.after_death": {"public_interest"},
    }


def test_a_clue_file_without_domains_takes_them_from_the_projects_registry(
    project: Project, tmp_path: Path
) -> None:
    run = project.run([OWN])
    old_style = run.clues.drop_columns(["domain", "model_status"])
    csv = tmp_path / "old.csv"
    pacsv.write_csv(old_style, csv)
    # what the loader did on its own: a registry without model_paths knows no such model
    other = Casebook.open(f"sqlite:///{tmp_path / 'other.db'}")
    other.init()
    load_clues(other, old_style)
    assert _domains(other) == {OWN: {"unknown"}}
    other.dispose()
    # through the project: the registry of model_paths gives the domain
    project.load(csv)
    assert _domains(project.casebook) == {OWN: {"civil"}}


def test_lexradar_load_keeps_the_domain_of_a_project_model(
    folder: Path, region: SynthResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("LEXRADAR_CONFIG", raising=False)
    monkeypatch.delenv("LEXRADAR_USER", raising=False)
    (folder / "lexradar.toml").write_text(
        f'model_paths = ["models"]\nlake = "{region.out / "lake"}"\n'
        'casebook_url = "sqlite:///casebook.db"\n',
        encoding="utf-8",
    )
    res = runner.invoke(app, ["casebook", "init"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["run", "--model", OWN, "--out", "c.csv", "--as-of", AS_OF])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["load", "c.csv"])
    assert res.exit_code == 0, res.output
    book = Casebook.open("sqlite:///casebook.db")
    assert _domains(book) == {OWN: {"civil"}}
    book.dispose()


def test_unknown_parameters_and_engines_are_refused(project: Project, region: SynthResult) -> None:
    with pytest.raises(ModelError, match=r"unknown parameter\(s\) grace for marriage\.after_death"):
        project.run(["marriage.after_death"], params={"grace": "3"})
    res = runner.invoke(app, ["run", "--lake", str(region.out / "lake"), "--out", "x.csv",
                              "--model", "marriage.after_death", "--param", "grace=3"])  # fmt: skip
    assert res.exit_code == 2 and "declared: grace_days" in res.output, res.output
    res = runner.invoke(app, ["run", "--lake", str(region.out / "lake"), "--out", "x.csv",
                              "--engine", "sqlite"])  # fmt: skip
    assert res.exit_code == 2 and "engine" in res.output, res.output


# ------------------------------------------------------------------ drafts never reach production


def test_a_draft_of_a_built_in_model_stays_out_of_production_runs_and_loads(
    project: Project, folder: Path, people: dict[str, User]
) -> None:
    copy_model(TRAFFIC, TRAFFIC, folder / "models", status="draft")
    text = (folder / "models/traffic/license_not_revoked.sql").read_text(encoding="utf-8")
    (folder / "models/traffic/license_not_revoked.sql").write_text(
        text.replace("SELECT", "SELECT /* draft */", 1), encoding="utf-8"
    )
    reg = project.reload()
    assert reg.get(TRAFFIC).path.is_relative_to(pack_root())
    assert reg.candidates[TRAFFIC].spec.status == "draft"
    everything = project.run()
    assert TRAFFIC in {r.model_id for r in everything.records}
    assert set(everything.clues.column("model_status").to_pylist()) == {"production"}
    (traffic,) = [m for m in project.select() if m.id == TRAFFIC]
    assert traffic.path.is_relative_to(pack_root()), "production runs take the built-in"
    # asked for explicitly, the draft runs — but its clues do not go into the casebook
    draft = project.run([TRAFFIC], statuses=["draft"])
    assert set(draft.clues.column("model_status").to_pylist()) == {"draft"}
    assert draft.clues.num_rows > 0
    refused = r"not in production.*traffic\.license_not_revoked \(draft\)"
    with pytest.raises(CasebookError, match=refused):
        project.load(draft.clues, people["builder"])
    with project.casebook.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(clues)).scalar_one() == 0
    # a draft of an id of its own is not run by default either
    copy_model("marriage.bigamy", "local.bigamy_draft", folder / "models", status="draft")
    project.reload()
    assert "local.bigamy_draft" not in {m.id for m in project.select()}
    with pytest.raises(ModelError, match="no version in production \\(it is draft\\)"):
        project.select(["local.bigamy_draft"])


def test_run_load_of_a_testing_model_is_refused_by_the_cli(
    folder: Path, region: SynthResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("LEXRADAR_CONFIG", raising=False)
    args = ["run", "--lake", str(region.out / "lake"), "--out", "t.csv", "--model", OWN,
            "--casebook", f"sqlite:///{folder / 'cb.db'}"]  # fmt: skip
    res = runner.invoke(app, [*args, "--status", "testing", "--load"])
    assert res.exit_code == 2 and "only production clues go into the casebook" in res.output
    assert not (folder / "cb.db").exists()
    res = runner.invoke(app, [*args, "--status", "bogus"])
    assert res.exit_code == 2 and "'bogus': one of draft" in res.output, res.output


# ------------------------------------------------------------------ the one promote path


def test_promote_checks_the_user_gates_on_golden_examples_and_audits(
    project: Project, folder: Path, people: dict[str, User]
) -> None:
    model_id = "local.bigamy_copy"
    header = copy_model("marriage.bigamy", model_id, folder / "models", status="testing")
    project.reload()
    with pytest.raises(NotFoundError, match="no active user 'nobody'"):
        project.promote(model_id, "production", "nobody")
    with pytest.raises(PermissionDenied, match="li \\(handler\\) may not do this"):
        project.promote(model_id, "production", "li")
    # a golden example that fails: the gate refuses production and nothing is recorded
    examples = header.with_name(header.stem + ".examples.yaml")
    good = examples.read_text(encoding="utf-8")
    examples.write_text(good.replace("severity: high", "severity: low", 1), encoding="utf-8")
    with pytest.raises(StudioError, match="failing golden examples"):
        project.promote(model_id, "production", "wang")
    assert "status: testing" in header.read_text(encoding="utf-8")
    assert not [e for e in tail(project.casebook, 50) if e.action == "model.move"]
    # the examples pass again: promoted, in the header's history and in the audit chain
    examples.write_text(good, encoding="utf-8")
    moved = project.promote(model_id, "production", "wang", "golden examples pass")
    assert moved.examples_passed and moved.to_status == "production"
    assert project.registry.get(model_id).spec.status == "production"
    (entry,) = [e for e in tail(project.casebook, 50) if e.action == "model.move"]
    assert entry.actor == "wang" and entry.subject == f"model:{model_id}"
    assert '"to":"production"' in entry.detail.replace(" ", "")


def test_a_move_whose_audit_write_fails_leaves_the_model_as_it_was(
    project: Project, folder: Path, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    header = copy_model("marriage.bigamy", "local.audited", folder / "models", status="draft")
    before = header.read_text(encoding="utf-8")
    project.reload()
    real_write = Casebook.write

    def failing_write(self):  # type: ignore[no-untyped-def]
        with real_write(self) as (conn, events):
            yield conn, events
            raise RuntimeError("disk full at commit")

    from contextlib import contextmanager

    monkeypatch.setattr(Casebook, "write", contextmanager(failing_write))
    with pytest.raises(RuntimeError, match="disk full"):
        project.promote("local.audited", "testing", "wang")
    monkeypatch.undo()
    assert header.read_text(encoding="utf-8") == before
    assert not [e for e in tail(project.casebook, 50) if e.action == "model.move"]


# ------------------------------------------------------------------ a county builder's scope


def test_a_county_builders_run_refreshes_only_the_countys_clues(
    project: Project, people: dict[str, User]
) -> None:
    first, loaded = project.run_then_load(["marriage.bigamy", "pension.after_death"])
    assert loaded.out_of_scope == 0 and loaded.report.new == first.clues.num_rows
    with project.casebook.read() as conn:
        per_office = dict(
            conn.execute(
                sa.select(clues.c.procuratorate_code, sa.func.count()).group_by(
                    clues.c.procuratorate_code
                )
            ).all()
        )
    county = max((c for c in per_office if not c.endswith("00")), key=per_office.__getitem__)
    inside = per_office[county]
    assert 0 < inside < sum(per_office.values())
    builder = add_user(project.casebook, SYSTEM, "county_wang", "pw", "model_builder", county)
    second, loaded = project.run_then_load(["marriage.bigamy", "pension.after_death"], builder)
    assert loaded.scope == county and loaded.report.read == inside
    assert loaded.out_of_scope == second.clues.num_rows - inside
    with project.casebook.read() as conn:
        seen = dict(
            conn.execute(
                sa.select(
                    clues.c.procuratorate_code == county, sa.func.sum(clues.c.times_seen)
                ).group_by(clues.c.procuratorate_code == county)
            ).all()
        )
    assert seen[True] == 2 * inside, "the county's clues were seen again"
    assert seen[False] == sum(per_office.values()) - inside, "the others were left alone"

    # the workbench's model run is the same work, in the same scope
    from lexradar.web.runs import run_model_job

    stages: list[str] = []
    with project.casebook.read() as conn:
        in_county = conn.execute(
            sa.select(sa.func.count())
            .select_from(clues)
            .where(clues.c.procuratorate_code == county, clues.c.model_id == "marriage.bigamy")
        ).scalar_one()
    result = run_model_job(
        project.settings, project.casebook, builder, "marriage.bigamy",
        lambda stage, _done, _total: stages.append(stage),
    )  # fmt: skip
    assert result["scope"] == county and result["read"] == in_county
    assert result["out_of_scope"] == result["clues"] - in_county > 0
    assert stages[0] == "running" and stages[-1] == "loading"


# ------------------------------------------------------------------ the job queue


def _user(name: str, role: str = "model_builder", code: str = "150000") -> User:
    return User(None, name, role, code)


def test_the_queue_is_deduplicated_bounded_and_limited_per_user() -> None:
    gate = threading.Event()
    ran: list[str] = []

    def work(name: str):  # type: ignore[no-untyped-def]
        def go(progress):  # type: ignore[no-untyped-def]
            gate.wait(10)
            ran.append(name)
            return {"clues": 0}

        return go

    jobs = Jobs(max_queued=3, per_user=2)
    try:
        a, b, c, d = (_user(n) for n in "abcd")
        first = jobs.submit("model.run", "m1", a, work("m1"))
        # the same model run for the same region, asked again (by anyone): the same job
        assert jobs.submit("model.run", "m1", a, work("m1 again")).id == first.id
        assert jobs.submit("model.run", "m1", b, work("m1 by b")).id == first.id
        assert jobs.get(first.id, b) is first, "who asked may follow it"
        # the same model for another region is other work
        county = _user("e", code="150404")
        other = jobs.submit("model.run", "m1", county, work("m1 county"))
        assert other.id != first.id and other.scope == "150404"
        jobs.submit("model.run", "m2", a, work("m2"))
        with pytest.raises(QueueFull, match="a has 2 jobs queued or running already"):
            jobs.submit("model.run", "m3", a, work("m3"))
        jobs.submit("model.run", "m4", c, work("m4"))
        # m1 runs, three wait: the queue is full for everybody
        with pytest.raises(QueueFull, match="the job queue is full \\(3 waiting\\)"):
            jobs.submit("model.run", "m5", d, work("m5"))
        # a county admin reads the county's jobs, not the province's
        county_admin = _user("ca", "admin", "150404")
        assert {j.id for j in jobs.of(county_admin)} == {other.id}
        with pytest.raises(NotFoundError):
            jobs.get(first.id, county_admin)
        gate.set()
        for _ in range(200):
            if all(j.state == "done" for j in jobs.of(_user("root", "admin"))):
                break
            threading.Event().wait(0.05)
        assert sorted(ran) == ["m1", "m1 county", "m2", "m4"], "each piece of work ran once"
        assert jobs.submit("model.run", "m5", d, work("m5")).state in ("queued", "running")
    finally:
        gate.set()
        jobs.shutdown()


def test_finished_jobs_are_forgotten_beyond_the_limit() -> None:
    jobs = Jobs(keep_finished=2)
    try:
        done = []
        for i in range(5):
            job = jobs.submit("model.run", f"m{i}", _user("a"), lambda _p: {"clues": 0})
            for _ in range(100):
                if job.state == "done":
                    break
                threading.Event().wait(0.02)
            done.append(job.id)
        kept = {j.id for j in jobs.of(_user("a"))}
        assert kept <= set(done) and len(kept) <= 3 and done[-1] in kept
    finally:
        jobs.shutdown()
