"""The built-in models on a synthetic region, run twice into the casebook; and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lexradar.clues import tally
from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.queries import count_clues, list_clues
from lexradar.clues.store import load_clues
from lexradar.clues.tables import model_runs
from lexradar.clues.workflow import dismiss
from lexradar.synth import SynthResult


@pytest.fixture(scope="module")
def two_runs(region: SynthResult) -> list[tuple[pa.Table, list]]:  # type: ignore[type-arg]
    from lexradar.engine import open_engine
    from lexradar.models import Registry
    from lexradar.models.run import run_models

    models = Registry().select(None)
    with open_engine(region.out / "lake", "duckdb") as engine:
        return [run_models(engine, models, dt.date(2026, 6, 30)) for _ in range(2)]


def test_every_model_twice_leaves_the_count_and_a_changed_row_reopens(
    casebook: Casebook, people: dict[str, User], two_runs
) -> None:  # type: ignore[no-untyped-def]
    (first, runs1), (second, runs2) = two_runs
    admin = people["admin"]
    assert first.num_rows > 20
    load_clues(casebook, first, admin, runs=runs1)
    count = count_clues(casebook, admin)
    assert count == len(set(first.column("fingerprint").to_pylist()))
    report = load_clues(casebook, second, admin, runs=runs2)
    assert count_clues(casebook, admin) == count and report.new == 0
    with casebook.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(model_runs)).scalar() == 2 * len(
            runs1
        )
    victim = list_clues(casebook, admin, limit=1)[0]
    dismiss(casebook, admin, victim.id, None, "false_positive")
    rows = second.to_pylist()
    for row in rows:  # an agency corrected one record the clue rests on
        if row["fingerprint"] == victim.fingerprint:
            evidence = json.loads(row["evidence"])
            evidence["corrected"] = True
            row["evidence"] = json.dumps(evidence, ensure_ascii=False)
    third = pa.Table.from_pylist(rows, schema=second.schema)
    report = load_clues(casebook, third, admin)
    assert report.reopened == [victim.fingerprint] and report.changed == 1
    assert count_clues(casebook, admin) == count
    with casebook.read() as conn:
        assert tally.stored(conn) == tally.recount(conn)


def test_the_cli_from_init_to_audit(fresh_url: str, tmp_path: Path) -> None:
    from lexradar.cli.app import app
    from lexradar.models.run import write_clues
    from tests.clues.conftest import make_clues

    runner = CliRunner()

    def run(*args: str) -> str:
        res = runner.invoke(app, [*args, "--casebook", fresh_url], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    write_clues(make_clues(6, model="pension.after_death"), tmp_path / "c.csv")
    run("casebook", "init")
    assert "new 6" in run("load", str(tmp_path / "c.csv"), "--as", "admin")
    assert "new 0 · seen again 6" in run("load", str(tmp_path / "c.csv"))
    listing = run("clues", "list", "--as", "songshan")
    assert "150404********" in listing and "150102" not in listing
    run("clues", "list", "--as", "admin", "--export", str(tmp_path / "c.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "c.xlsx").active
    assert sheet is not None and sheet.cell(2, 6).data_type == "s"
    run("clues", "assign", "1", "--to", "songshan", "--as", "admin")
    run("clues", "confirm", "1", "--as", "songshan")
    run("cases", "open", "1", "--kind", "other", "--as", "songshan")
    run("cases", "close", "1", "--outcome", "agency_corrected", "--as", "songshan")
    assert "total" in run("stats", "--as", "admin", "--by", "region", "--level", "county")
    assert "audit chain intact" in run("audit", "verify")
    res = runner.invoke(
        app, ["clues", "dismiss", "2", "--reason", "x", "--as", "songshan", "--casebook", fresh_url]
    )
    assert res.exit_code == 2 and "needs a reason" in res.output
    run("clues", "dismiss", "2", "--reason", "false_positive", "--as", "admin")
    feedback = run("stats", "--as", "admin", "--reasons")
    assert "pension.after_death" in feedback and "false_positive" in feedback
