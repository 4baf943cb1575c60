"""`lexradar studio ...` as a model builder drives it: from a case to a production model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.synth import SynthResult
from tests.studio.conftest import TRAFFIC, planted_case

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, region: SynthResult) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("LEXRADAR_CONFIG", "LEXRADAR_USER", "LEXRADAR_STUDIO", "LEXRADAR_LAKE"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "lexradar.toml").write_text(
        f'lake = "{region.out / "lake"}"\nas_of = 2026-11-28\nmodel_paths = ["models"]\n'
        f'casebook_url = "sqlite:///{tmp_path / "casebook.db"}"\n',
        encoding="utf-8",
    )
    return tmp_path


def cli(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_from_a_case_to_production(project: Path, region: SynthResult) -> None:
    judgment, licence = planted_case(region)
    out = cli("studio", "search", judgment.split(":")[1])
    assert judgment in out and "*" in out
    assert not re.search(r"\b\d{17}[\dX]\b", out)  # names and resident IDs masked
    out = cli("studio", "new", TRAFFIC, "--case", judgment, "--case", licence,
              "--domain", "administrative", "--keep", "cause", "--keep", "case_kind",
              "--keep", "party_role", "--param-of", "cause=cause",
              "--title-zh", "醉驾入刑后驾驶证未吊销", "--title-en", "Licence not revoked",
              "--rule-zh", "判决生效后驾驶证未吊销", "--rule-en", "licence not revoked",
              "--legal-basis", "《道路交通安全法》第九十一条")  # fmt: skip
    assert "golden example: starting case" in out and "1. match driver_licenses" in out
    cli("studio", "param", TRAFFIC, "revoke_within_days", "--default", "90", "--doc", "Days.")
    out = cli("studio", "block", "add", TRAFFIC, "not_exists", "--dataset", "driver_licenses",
              "--date", "status_date", "--days", "revoke_within_days",
              "--where", "status in revoked,cancelled")  # fmt: skip
    assert "v3 (new version)" in out
    cli("studio", "set", TRAFFIC, "--severity", "high")
    out = cli("studio", "show", TRAFFIC, "--sql", "--yaml")
    assert "NOT EXISTS" in out and "judgment_record_id" in out
    out = cli("studio", "try", TRAFFIC)
    hits, involving = map(int, re.search(r"(\d+) hits \((\d+) involving", out).groups())  # type: ignore[union-attr]
    assert hits >= 5 and involving == 1
    out = cli("studio", "compare", f"{TRAFFIC}@pack", TRAFFIC)
    assert f"both {hits} · gained 0 · lost 0" in out
    out = cli("studio", "compare", f"{TRAFFIC}@1", f"{TRAFFIC}@4")
    # v1 (a conviction and a licence) hits every convicted licence holder; v4 only the unrevoked
    v1 = int(re.search(r"@1: (\d+) hits", out).group(1))  # type: ignore[union-attr]
    assert v1 > hits and f"both {hits} · gained 0 · lost {v1 - hits}" in out
    fingerprint = next(
        line.split("│")[1].strip() for line in cli("studio", "try", TRAFFIC).splitlines()
        if "│" in line and "★" not in line and re.search(r"│ [0-9a-f]{24} ", line)
    )  # fmt: skip
    out = cli("studio", "mark", TRAFFIC, fingerprint, "--true", "--as", "wang")
    assert "added positive example" in out
    out = cli("studio", "test", TRAFFIC)
    assert "2/2 examples pass" in out
    out = cli("studio", "list")
    assert TRAFFIC in out and "match, not_exists" in out and "draft" in out

    cli("casebook", "init", "--admin", "root", "--password", "pw")
    cli("users", "add", "wang", "--role", "model_builder", "--procuratorate", "150000",
        "--as", "root", "--password", "pw")  # fmt: skip
    res = runner.invoke(app, ["studio", "promote", TRAFFIC, "--to", "production", "--as", "wang"])
    assert res.exit_code == 2 and "cannot move from draft to production" in res.output
    cli("studio", "promote", TRAFFIC, "--to", "testing", "--as", "wang")
    out = cli("studio", "promote", TRAFFIC, "--to", "production", "--as", "wang",
              "--reason", "same clues as the pack")  # fmt: skip
    assert "testing → production by wang (2 examples pass); audited" in out
    out = cli("studio", "schedule")
    assert f"{TRAFFIC} v4: ran (new batches): {hits} clues, {hits} new" in out
    out = cli("studio", "schedule")
    assert f"{TRAFFIC} v4: no new batch" in out
    audit = cli("audit", "tail", "-n", "100")
    assert len(re.findall(rf"wang\s+model\.move\s+model:{TRAFFIC}", audit)) == 2
    assert "audit chain intact" in cli("audit", "verify")


def test_bad_input_is_one_clear_line(project: Path) -> None:
    res = runner.invoke(app, ["studio", "show", "no.such"])
    assert res.exit_code == 2 and "no draft 'no.such'" in res.output
    res = runner.invoke(app, ["studio", "new", "a.b", "--case", "judgments:NOPE",
                              "--domain", "civil"])  # fmt: skip
    assert res.exit_code == 2 and "the lake has no record judgments:NOPE" in res.output
    res = runner.invoke(app, ["studio", "schedule", "--every", "soon"])
    assert res.exit_code == 2 and "'soon' is not an interval" in res.output
