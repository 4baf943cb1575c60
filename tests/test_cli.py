"""The command line, driven as a user drives it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.synth import SynthResult

runner = CliRunner()
README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_run_then_eval_prints_recall_and_precision_last(
    region: SynthResult, tmp_path: Path
) -> None:
    out = tmp_path / "clues.csv"
    res = invoke("run", "--lake", str(region.out / "lake"), "--out", str(out),
                 "--model", "marriage.bigamy", "--model", "marriage.after_death")  # fmt: skip
    assert res.exit_code == 0, res.output
    header = out.read_text(encoding="utf-8").splitlines()[0]
    for col in ("fingerprint", "model_id", "person_ids", "record_refs", "region_code",
                "severity", "explanation"):  # fmt: skip
        assert col in header
    res = invoke("eval", "--clues", str(out), "--truth", str(region.out / "truth.csv"))
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1].split()
    assert last[0] == "recall" and last[2] == "precision" and last[4] == "outside"
    assert float(last[3]) == 1.0 and last[5] == "0"
    res = invoke("eval", "--clues", str(out), "--truth", str(region.out / "truth.csv"),
                 "--model", "marriage.bigamy", "--difficulty", "exact", "--json")  # fmt: skip
    data = json.loads(res.output)  # the whole output is one JSON object
    (m,) = data["models"]
    assert m["model_id"] == "marriage.bigamy" and m["recall"] == 1.0 and m["planted_noisy"] == 0
    assert (data["recall"], data["precision"], data["outside"]) == (1.0, 1.0, 0)
    assert m["outside"] == 0


def test_run_one_model_to_parquet_with_a_parameter(region: SynthResult, tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    res = invoke("run", "--lake", str(region.out / "lake"), "--model", "marriage.after_death",
                 "--param", "grace_days=100000", "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert pq.read_table(out).num_rows == 0, "no marriage 270 years after a death"


def test_errors_say_what_and_where(tmp_path: Path) -> None:
    res = runner.invoke(app, ["run", "--lake", str(tmp_path / "nope"), "--out", "x.csv"])
    assert res.exit_code == 2
    assert "nope" in res.output and "does not exist" in res.output
    res = runner.invoke(app, ["models", "show", "marriage.bigamie"])
    assert res.exit_code == 2 and "marriage.bigamy" in res.output
    res = runner.invoke(app, ["eval", "--clues", str(tmp_path / "c.csv"), "--truth", "t.csv"])
    assert res.exit_code == 2 and "clue file not found" in res.output


def test_contract_markdown_is_the_docs_file() -> None:
    res = invoke("contract", "--markdown")
    docs = Path(__file__).parents[1] / "docs" / "contract.md"
    assert res.output == docs.read_text(encoding="utf-8")


def test_models_list_and_show_sql() -> None:
    assert "marriage.bigamy" in invoke("models", "list").output
    res = invoke("models", "show", "marriage.after_death", "--sql", "--as-of", "2024-01-31")
    assert "2024-01-31" in res.output and ":as_of" not in res.output


def test_every_command_is_in_the_readme_tour() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    for name in names:
        assert f"lexradar {name}" in README, f"command {name} is not in the README"


def test_readme_opens_with_the_two_commands() -> None:
    blocks = README.split("```")
    assert blocks[1].strip().splitlines() == ["make demo", "make test"] or blocks[
        1
    ].strip().splitlines()[1:] == ["make demo", "make test"]


def test_docs_cli_is_generated_from_the_commands() -> None:
    from lexradar.cli.reference import render

    docs = Path(__file__).parents[1] / "docs" / "cli.md"
    assert docs.read_text(encoding="utf-8") == render(app), (
        "docs/cli.md is stale: run `python -m lexradar.cli.reference > docs/cli.md`"
    )
