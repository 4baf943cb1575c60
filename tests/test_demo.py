"""``lexradar demo`` end to end on a small region: raw files, ingestion, resolution, every model,
scoring and the casebook — the noisy anomalies are found because persons are resolved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app

pytestmark = pytest.mark.slow


def test_demo_finds_the_planted_anomalies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo casebook is ./casebook.db
    res = CliRunner().invoke(app, ["demo", "--persons", "20000", "--seed", "1", "--out", "d"])
    assert res.exit_code == 0, res.output
    assert "person resolution" in res.output and "persons;" in res.output
    scores = re.findall(r"recall ([0-9.]+) precision ([0-9.]+)", res.output)
    recall, precision = map(float, scores[-1])
    assert recall >= 0.97 and precision >= 0.97
    assert (tmp_path / "casebook.db").exists() and (tmp_path / "d" / "ingested").is_dir()
    assert "nmg_leader" in res.output  # the demo users are printed
