"""`lexradar report` and `lexradar models doc` from the command line."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.models.run import write_clues
from tests.clues.conftest import make_clues

runner = CliRunner()


def test_report_and_model_docs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cb.db'}"

    def run(*args: str) -> str:
        res = runner.invoke(app, list(args), catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    write_clues(make_clues(6, model="pension.after_death"), tmp_path / "c.csv")
    run("casebook", "init", "--casebook", url, "--admin", "admin", "--password", "s3cret-Pass")
    run("load", str(tmp_path / "c.csv"), "--casebook", url)
    out = tmp_path / "r.xlsx"
    run("report", "--period", "2020-01..2030-12", "--out", str(out), "--as", "admin",
        "--casebook", url)  # fmt: skip
    book = load_workbook(out)
    assert len(book.sheetnames) >= 5
    run("report", "--period", "2020-01..2030-12", "--out", str(tmp_path / "r.html"), "--as",
        "admin", "--casebook", url, "--lang", "en")  # fmt: skip
    assert "Total" in (tmp_path / "r.html").read_text(encoding="utf-8")
    res = runner.invoke(app, ["report", "--period", "2020-13..2020-01", "--out", "x.xlsx",
                              "--as", "admin", "--casebook", url])  # fmt: skip
    assert res.exit_code == 2
    run("models", "doc", "--out", str(tmp_path / "docs"))
    pages = sorted(p.name for p in (tmp_path / "docs").glob("*.html"))
    assert "index.html" in pages and "marriage.bigamy.html" in pages and len(pages) == 12
