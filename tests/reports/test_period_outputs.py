"""The period report as PDF and HTML with charts, and narrowed to one procuratorate."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from lexradar.clues.access import User, user
from lexradar.clues.db import Casebook
from lexradar.clues.errors import NotFoundError, PermissionDenied
from lexradar.reports import charts
from lexradar.reports.output import write_report
from lexradar.reports.period import (
    cell_text,
    period_tables,
)
from lexradar.reports.stats import statistics
from tests.reports.conftest import MODELS, YEAR

HEADINGS = ["检察监督线索统计报告", "概况", "按领域", "按模型", "按检察院", "按月份", "图表"]


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(path: Path, folder: Path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(folder / "p")], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob("p-*.png"))]


def _coloured(page: Image.Image) -> int:
    """Pixels of a saturated colour: the charts' bars (tables are black on pale grey-blue)."""
    return sum(page.convert("HSV").getchannel("S").histogram()[100:])


def test_the_pdf_has_every_table_and_chart_on_non_blank_pages(
    filled: tuple[Casebook, User], tmp_path: Path
) -> None:
    casebook, admin = filled
    out = write_report(casebook, admin, **YEAR, out=tmp_path / "r.pdf", models=MODELS, fmt="pdf")
    assert out.read_bytes().startswith(b"%PDF")
    pages = _pages(out, tmp_path)
    assert len(pages) >= 6  # title, charts, four breakdowns
    for n, page in enumerate(pages, 1):  # above the footer, every page has ink
        body = page.crop((0, 0, page.width, int(page.height * 0.9)))
        assert sum(body.histogram()[:200]) > 1000, f"page {n} is blank"
    colours = [_coloured(page) for page in pages]  # charts on pages 2 and 3, tables elsewhere
    assert colours[1] > 2000 and colours[2] > 2000
    assert colours[0] < 100 and all(c < 100 for c in colours[3:])

    text = _pdf_text(out)
    assert all(h in text for h in HEADINGS)
    lines = [line.split() for line in text.splitlines()]
    _, tables = period_tables(casebook, admin, **YEAR, models=MODELS)
    for table in tables:  # every row of every sheet, with the same figures as the workbook
        for r, values in enumerate(table.rows):
            cells = [cell_text(v, table.kind(r, c)) for c, v in enumerate(values)]
            expected = [word for cell in cells if cell for word in cell.split()]
            assert expected in lines, f"{table.name}: row {expected} not in the PDF"
    assert "5,000.50" in text and "+100.0%" in text and "赤峰市松山区人民检察院" in text


def test_the_english_pdf(filled: tuple[Casebook, User], tmp_path: Path) -> None:
    casebook, admin = filled
    out = write_report(casebook, admin, **YEAR, out=tmp_path / "r.pdf", lang="en", fmt="pdf")
    text = _pdf_text(out)
    for heading in ("Summary", "By domain", "By model", "By procuratorate", "By month", "Charts"):
        assert heading in text
    assert re.search(r"Clues discovered\s+8\s+4\s+\+100\.0%", text)


def test_the_html_page_embeds_the_charts(filled: tuple[Casebook, User], tmp_path: Path) -> None:
    casebook, admin = filled
    page = write_report(casebook, admin, **YEAR, out=tmp_path / "r.html", fmt="html")
    text = page.read_text(encoding="utf-8")
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)"', text)
    assert [alt for alt, _ in images] == [
        "线索与立案（按月，与去年同期对比）",
        "按领域",
        "线索最多的模型",
        "按检察院",
    ]
    for _, data in images:
        png = tmp_path / "c.png"
        png.write_bytes(base64.b64decode(data))
        with Image.open(png) as image:
            assert image.format == "PNG" and image.width > 600
            assert sum(image.convert("L").histogram()[:128]) > 1000  # bars and labels drawn
    assert 'src="http' not in text and "<script" not in text


def test_a_procuratorate_narrows_the_figures(filled: tuple[Casebook, User], tmp_path: Path) -> None:
    casebook, admin = filled
    out = write_report(
        casebook,
        admin,
        **YEAR,
        out=tmp_path / "r.xlsx",
        models=MODELS,
        procuratorate="150404",
        fmt="xlsx",
    )
    book = load_workbook(out)
    songshan = User(admin.id, admin.username, admin.role, "150404")
    scoped = statistics(casebook, songshan, **YEAR).total
    whole = statistics(casebook, admin, **YEAR).total
    summary = {r[0]: r for r in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["发现线索"][1:3] == (scoped.now.clues, scoped.last_year.clues)
    assert summary["监督立案"][1] == scoped.now.cases
    assert scoped.now.clues < whole.now.clues
    regions = [r[0] for r in book["按检察院"].iter_rows(min_row=2, values_only=True)]
    assert regions == ["150404", "合计"]
    assert {r[0]: r[1] for r in book["按领域"].iter_rows(min_row=2, values_only=True)}[
        "合计"
    ] == scoped.now.clues

    handler = user(casebook, "songshan")  # a county handler: own county yes, the neighbour no
    write_report(
        casebook, handler, **YEAR, out=tmp_path / "own.html", procuratorate="150404", fmt="html"
    )
    with pytest.raises(PermissionDenied, match=r"150402 .* is outside songshan's region"):
        write_report(
            casebook, handler, **YEAR, out=tmp_path / "x.xlsx", procuratorate="150402", fmt="xlsx"
        )
    with pytest.raises(NotFoundError, match="no procuratorate with code '159999'"):
        write_report(
            casebook, admin, **YEAR, out=tmp_path / "x.pdf", procuratorate="159999", fmt="pdf"
        )
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.pdf").exists()


def test_no_cjk_font_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts.shutil, "which", lambda _name: None)
    with pytest.raises(charts.FontError, match="fonts-wqy-zenhei"):
        charts.cjk_font.__wrapped__()
    monkeypatch.undo()
    font = charts.cjk_font()
    assert font.path.name == "wqy-zenhei.ttc" and font.family.startswith("WenQuanYi")
