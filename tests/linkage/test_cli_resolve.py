"""``lexradar resolve`` and its subcommands, through the Typer app."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app

pytestmark = pytest.mark.slow


def test_resolve_explain_review_judge(region: Path, tmp_path: Path) -> None:
    lake = str(region / "lake")
    runner = CliRunner()
    res = runner.invoke(app, ["resolve", "--lake", lake])
    assert res.exit_code == 0, res.output
    assert "mentions" in res.output and "Otsu" in res.output
    # a line says whether the run built on the last one (the order of the tests decides which)
    modes = [x for x in res.output.splitlines() if x.startswith(("incremental: ", "full run: "))]
    assert len(modes) == 1, res.output
    res = runner.invoke(
        app, ["resolve", "explain", "persons:P000000000", "persons:P000000001", "--lake", lake]
    )
    assert res.exit_code == 0, res.output
    assert "resident_id" in res.output and "match weight" in res.output
    res = runner.invoke(app, ["resolve", "review", "--lake", lake, "--list", "--limit", "3"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["resolve", "judge", "a:1:x", "b:2:y", "maybe", "--lake", lake])
    assert res.exit_code != 0


def test_explain_before_resolving_fails_cleanly(tmp_path: Path) -> None:
    from lexradar.datasets.lake import write_rows

    write_rows(
        tmp_path,
        "deaths",
        [
            {
                "person_id": "150402199003081234",
                "name": "张伟",
                "death_date": dt.date(2020, 1, 1),
                "source": "police",
            }
        ],
    )
    res = CliRunner().invoke(app, ["resolve", "explain", "a:1", "b:2", "--lake", str(tmp_path)])
    assert res.exit_code == 2
    assert "run `lexradar resolve` first" in res.output


def test_resolve_refuses_an_unknown_engine(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["resolve", "--engine", "hadoop", "--lake", str(tmp_path)])
    assert res.exit_code == 2
    assert "'hadoop': duckdb or spark" in res.output
