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


def test_report_pdf_for_a_procuratorate_and_recommend(tmp_path: Path) -> None:
    from docx import Document

    from lexradar.clues import workflow as wf
    from lexradar.clues.access import user
    from lexradar.clues.audit import tail
    from lexradar.clues.db import Casebook

    url = f"sqlite:///{tmp_path / 'cb.db'}"

    def run(*args: str, code: int = 0) -> str:
        res = runner.invoke(app, [*args, "--casebook", url], catch_exceptions=False)
        assert res.exit_code == code, res.output
        return res.output

    model = "traffic.license_not_revoked"
    write_clues(make_clues(3, model=model, regions=("150404", "150402")), tmp_path / "c.csv")
    run("casebook", "init", "--admin", "admin", "--password", "s3cret-Pass")
    run("load", str(tmp_path / "c.csv"))
    pdf = tmp_path / "r.pdf"
    run("report", "--period", "2020-01..2030-12", "--out", str(pdf), "--as", "admin",
        "--procuratorate", "150404")  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    out = run("report", "--period", "2020-01..2030-12", "--out", str(tmp_path / "x.pdf"),
              "--as", "admin", "--procuratorate", "159999", code=2)  # fmt: skip
    assert "no procuratorate with code '159999'" in out and not (tmp_path / "x.pdf").exists()
    out = run("report", "--period", "2020-01..2030-12", "--out", str(tmp_path / "x.doc"),
              "--as", "admin", code=2)  # fmt: skip
    assert ".xlsx, .pdf or .html" in out

    casebook = Casebook.open(url)
    admin = user(casebook, "admin")
    wf.assign(casebook, admin, 1, None, "admin")
    wf.confirm(casebook, admin, 1, None)
    draft = tmp_path / "draft.docx"
    run("recommend", "--clue", "1", "--out", str(draft), "--as", "admin")
    text = "\n".join(p.text for p in Document(str(draft)).paragraphs)
    assert "公安机关交通管理部门：" in text and "150404********0000" in text
    out = run("recommend", "--clue", "1", "--out", str(draft), "--as", "admin", "--reveal",
              code=2)  # fmt: skip
    assert "--reveal needs --reason" in out
    run("recommend", "--clue", "1", "--out", str(draft), "--as", "admin", "--reveal",
        "--reason", "送达核对")  # fmt: skip
    assert "150404199001010000" in "\n".join(p.text for p in Document(str(draft)).paragraphs)
    assert [e.action for e in tail(casebook, 3)] == [
        "document.recommendation",
        "clue.reveal",
        "document.recommendation",
    ]
    out = run("recommend", "--clue", "2", "--out", str(draft), "--as", "admin", code=2)
    assert "clue 2 is new" in out
    casebook.dispose()
