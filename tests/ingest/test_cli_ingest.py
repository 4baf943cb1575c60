"""lexradar synth --raw, ingest, batches and quality, driven as a user drives them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lexradar.cli.app import app as main_app
from lexradar.cli.ingest import app

runner = CliRunner()


def test_synth_raw_then_ingest_batches_quality(tmp_path: Path) -> None:
    out = tmp_path / "region"
    res = runner.invoke(
        main_app, ["synth", "--persons", "5000", "--seed", "2", "--out", str(out), "--raw"]
    )
    assert res.exit_code == 0, res.output
    assert (out / "raw" / "户籍人口.csv").exists() and (out / "raw" / "婚姻登记.xlsx").exists()
    mappings = sorted(str(p) for p in (out / "mappings").glob("*.yaml"))
    lake = tmp_path / "lake"
    res = runner.invoke(app, ["ingest", *mappings, "--lake", str(lake), "--json"])
    assert res.exit_code == 0, res.output
    results = [json.loads(line) for line in res.output.strip().splitlines()]
    assert len(results) == len(mappings)
    assert all(r["loaded"] + r["quarantined"] == r["read"] for r in results)
    persons = next(r for r in results if r["dataset"] == "persons")

    res = runner.invoke(app, ["ingest", *mappings, "--lake", str(lake)])
    assert res.exit_code == 0 and "unchanged" in res.output

    res = runner.invoke(app, ["batches", "--lake", str(lake)])
    assert res.exit_code == 0 and persons["batch_id"] in res.output

    res = runner.invoke(app, ["quality", persons["batch_id"][:8], "--lake", str(lake), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["read"] == persons["read"] and report["values"]["gender"]
    assert report["duplicate_keys"]["person_id"] >= 0

    res = runner.invoke(app, ["quality", "--lake", str(lake), "--dataset", "marriage_events"])
    assert res.exit_code == 0 and "damaged_excel" in res.output


def test_errors_are_one_red_line_with_exit_status_2(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("dataset: persns\nfiles: x.csv\ncolumns: {}\n", "utf-8")
    res = runner.invoke(app, ["ingest", str(tmp_path / "m.yaml"), "--lake", str(tmp_path)])
    assert res.exit_code == 2
    assert "line 1" in res.output and "did you mean 'persons'" in res.output
