"""`lexradar models ...`: validate, new, promote, export, import, run — as a user drives them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.synth import SynthResult

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder whose lexradar.toml lists one model folder, with a casebook holding a
    model builder (王检), an admin (李处) and a handler (赵办)."""
    from lexradar.clues.access import SYSTEM, add_user
    from lexradar.clues.db import Casebook

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEXRADAR_CONFIG", raising=False)
    monkeypatch.delenv("LEXRADAR_USER", raising=False)
    (tmp_path / "lexradar.toml").write_text(
        'model_paths = ["models"]\ncasebook_url = "sqlite:///casebook.db"\n', encoding="utf-8"
    )
    (tmp_path / "models").mkdir()
    book = Casebook.open("sqlite:///casebook.db")
    book.init()
    for name, role in (("王检", "model_builder"), ("李处", "admin"), ("赵办", "handler")):
        add_user(book, SYSTEM, name, "pw", role, "150000")
    book.dispose()
    return tmp_path


def cli(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.output


def test_new_model_validates_and_runs(project: Path, region: SynthResult) -> None:
    code, out = cli("models", "new", "registry.dead_but_active", "--domain", "administrative")
    assert code == 0, out
    header = project / "models" / "registry" / "dead_but_active.yaml"
    assert header.exists() and header.with_suffix(".sql").exists()
    code, out = cli("models", "validate", str(project / "models"))
    assert code == 0 and "registry.dead_but_active" in out
    code, out = cli("models", "run", "registry.dead_but_active", "--lake",
                    str(region.out / "lake"), "--out", "c.csv")  # fmt: skip
    assert code == 2 and "no version in production (it is draft)" in out, out
    assert "--status draft" in out
    code, out = cli("models", "run", "registry.dead_but_active", "--lake",
                    str(region.out / "lake"), "--out", "c.csv", "--status", "draft")  # fmt: skip
    assert code == 0, out
    log = [json.loads(x) for x in Path("c.csv.runs.jsonl").read_text().splitlines()]
    assert log[0]["model_id"] == "registry.dead_but_active"
    assert log[0]["input_batches"] == ["synth-7"] and log[0]["rows_scanned"] > 20_000
    code, _ = cli("models", "new", "registry.dead_but_active", "--domain", "administrative")
    assert code == 2, "never overwrite a model"


def test_lifecycle_moves_are_checked_gated_recorded_and_audited(project: Path) -> None:
    from lexradar.clues.audit import tail
    from lexradar.clues.db import Casebook

    cli("models", "new", "registry.demo", "--domain", "civil")
    code, out = cli("models", "promote", "registry.demo", "--to", "production", "--by", "王检")
    assert code == 2 and "allowed: testing, retired" in out
    code, out = cli("models", "promote", "registry.demo", "--to", "testing", "--by", "nobody")
    assert code == 2 and "no active user 'nobody'" in out, out
    code, out = cli("models", "promote", "registry.demo", "--to", "testing", "--by", "赵办")
    assert code == 2 and "may not do this" in out, out
    code, out = cli("models", "promote", "registry.demo", "--to", "testing", "--by", "王检",
                    "--reason", "golden examples pass")  # fmt: skip
    assert code == 0, out
    # the gate: a model with no positive golden example does not reach production
    code, out = cli("models", "promote", "registry.demo", "--to", "production", "--by", "李处")
    assert code == 2 and "needs at least one positive golden example" in out, out
    header = yaml.safe_load((project / "models/registry/demo.yaml").read_text(encoding="utf-8"))
    assert header["status"] == "testing"
    assert [(h["from"], h["to"], h["by"]) for h in header["history"]] == [
        ("draft", "testing", "王检"),
    ]
    book = Casebook.open("sqlite:///casebook.db")
    moves = [(e.actor, e.subject) for e in tail(book, 50) if e.action == "model.move"]
    book.dispose()
    assert moves == [("王检", "model:registry.demo")]
    code, out = cli("models", "promote", "marriage.bigamy", "--to", "retired", "--by", "李处")
    assert code == 2 and "built-in models are not changed in place" in out


def test_export_then_import_elsewhere(project: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("models", "export", "marriage.bigamy", "--out", str(project))
    assert code == 0, out
    bundle = project / "marriage.bigamy.lexmodel.yaml"
    data = yaml.safe_load(bundle.read_text(encoding="utf-8"))
    assert data["format"] == "lexradar-model/1" and "FROM marriage_events" in data["sql"]
    code, out = cli("models", "import", str(bundle))
    assert code == 2 and "already registered" in out
    code, out = cli("models", "import", str(bundle), "--force")
    assert code == 0, out
    code, out = cli("models", "promote", "marriage.bigamy", "--to", "testing", "--by", "王检")
    assert code == 0, "the imported copy is the project's own"
    broken = tmp_path_factory.mktemp("broken") / "b.lexmodel.yaml"
    data["sql"] = data["sql"].replace("event_date", "event_dat", 1)
    data["id"] = "marriage.bigamy_copy"
    data["header"] = data["header"].replace("id: marriage.bigamy", "id: marriage.bigamy_copy")
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out = cli("models", "import", str(broken))
    assert code == 2 and "event_dat" in out
    assert not (project / "models/marriage/bigamy_copy.yaml").exists(), "nothing left behind"


@pytest.mark.parametrize(
    ("mistake", "edit", "where"),
    [
        ("column typo", ("sql", "o.cert_no AS", "o.cert_noo AS"), ("bigamy.sql", "line")),
        ("unknown dataset", ("sql", "FROM deaths AS d", "FROM death AS d"), ("bigamy.sql", "line")),
        ("undeclared parameter", ("sql", "<= :as_of", "<= :today"), ("bigamy.sql", "line {}")),
        ("bad domain", ("yaml", "domain: criminal", "domain: penal"), ("bigamy.yaml", "line 3")),
        ("YAML syntax", ("yaml", "datasets: [", "datasets: [["), ("bigamy.yaml", "line")),
        ("missing field", ("yaml", "version: 1\n", ""), ("bigamy.yaml", "version")),
        (
            "SQL syntax",
            ("sql", "SELECT 1 FROM endings", "SELEC 1 FROM endings"),
            ("bigamy.sql", "line"),
        ),
    ],
)
def test_validate_points_at_the_broken_line_and_field(
    project: Path, mistake: str, edit: tuple[str, str, str], where: tuple[str, str]
) -> None:
    cli("models", "export", "marriage.bigamy", "--out", str(project))
    cli("models", "import", str(project / "marriage.bigamy.lexmodel.yaml"), "--force")
    target = project / "models" / "marriage" / f"bigamy.{edit[0]}"
    text = target.read_text(encoding="utf-8")
    assert edit[1] in text, mistake
    target.write_text(text.replace(edit[1], edit[2], 1), encoding="utf-8")
    code, out = cli("models", "validate", str(project / "models"))
    assert code == 2, out
    line = text[: text.index(edit[1])].count("\n") + 1  # where the edit landed
    assert where[0] in out and where[1].format(line) in out, out


def test_models_test_runs_the_golden_examples_and_shows_a_diff(project: Path) -> None:
    code, out = cli("models", "test", "marriage.bigamy")
    assert code == 0 and "marriage.bigamy" in out and "examples pass" in out
    cli("models", "export", "marriage.bigamy", "--out", str(project))
    cli("models", "import", str(project / "marriage.bigamy.lexmodel.yaml"), "--force")
    examples = project / "models" / "marriage" / "bigamy.examples.yaml"
    text = examples.read_text(encoding="utf-8")
    examples.write_text(text.replace("severity: high", "severity: low", 1), encoding="utf-8")
    code, out = cli("models", "test", "marriage.bigamy")
    assert code == 1, out
    assert "FAIL" in out and "severity" in out
