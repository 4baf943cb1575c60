"""The period report: Excel and HTML tables filled from :func:`statistics`, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.reports.output import write_report
from lexradar.reports.stats import Statistics, statistics
from tests.reports.conftest import MODELS, YEAR

ZH_SHEETS = ["概况", "按领域", "按模型", "按检察院", "按月份"]
EN_SHEETS = ["Summary", "By domain", "By model", "By procuratorate", "By month"]


def _rows(ws) -> list[list[object]]:  # type: ignore[no-untyped-def]
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def _by_key(ws) -> dict[object, list[object]]:  # type: ignore[no-untyped-def]
    return {r[0]: r for r in _rows(ws)}


def _stats(filled: tuple[Casebook, User], **kw: object) -> Statistics:
    casebook, admin = filled
    return statistics(casebook, admin, **YEAR, **kw)  # type: ignore[arg-type]


def test_the_workbook_holds_the_figures_of_statistics(
    filled: tuple[Casebook, User], tmp_path: Path
) -> None:
    casebook, admin = filled
    out = write_report(casebook, admin, **YEAR, out=tmp_path / "r.xlsx", models=MODELS, fmt="xlsx")
    book = load_workbook(out)
    assert book.sheetnames == ZH_SHEETS
    total = _stats(filled).total
    assert (total.now.clues, total.last_year.clues, total.now.cases) == (8, 4, 1)

    summary = _by_key(book["概况"])
    assert summary["发现线索"][1:] == [8, 4, 1.0]  # +100.0 % is stored as 1.0
    assert summary["监督立案"][1:3] == [1, 0] and summary["监督立案"][3] is None
    assert summary["成案率"][1] == pytest.approx(total.now.conversion)
    assert summary["追回资金(元)"][1:3] == [5000.5, 0]
    assert summary["已上线模型"][1] == 1 and summary["在建模型"][1] == 1
    ws = book["概况"]
    assert ws["B4"].number_format == "0.0%" and ws["D2"].number_format == "+0.0%;-0.0%;0.0%"
    assert ws["B5"].number_format == "#,##0.00"

    models = {r.key["model"]: r for r in _stats(filled, by=("model",)).rows}
    sheet = _by_key(book["按模型"])
    for model, row in models.items():
        got = sheet[model][1:]  # after the model's title
        assert got[1:3] == [row.now.clues, row.last_year.clues]
        assert got[4] == row.now.cases and got[9] == float(row.now.funds)
        assert got[7] == (None if row.now.conversion is None else pytest.approx(row.now.conversion))
        assert got[8] == (None if row.now.precision is None else pytest.approx(row.now.precision))
    assert sheet["test.model"][4] == pytest.approx(0.5)  # 6 against 4: +50 %
    assert sheet["test.model"][9] == pytest.approx(0.5)  # one confirmed, one dismissed
    assert sheet["合计"][2] == 8

    domains = _by_key(book["按领域"])
    assert list(domains) == ["刑事", "民事", "行政", "公益诉讼", "合计"]
    assert (domains["民事"][1], domains["刑事"][1], domains["行政"][1]) == (6, 2, 0)

    counties = {
        r.key["region"]: r.now.clues for r in _stats(filled, by=("region",), level="county").rows
    }
    regions = _by_key(book["按检察院"])
    assert {k: v[2] for k, v in regions.items() if k != "合计"} == counties
    assert all(v[1] for k, v in regions.items() if k != "合计")  # the procuratorate's name

    months = _by_key(book["按月份"])
    assert months["2026-03"][1:3] == [6, 4] and months["2026-04"][1] == 2

    for ws in book.worksheets:
        assert ws.freeze_panes in ("B2", "C2")
        assert ws.column_dimensions["A"].width >= 10
        for row in _rows(ws):
            assert all(
                isinstance(v, int | float)
                for v in row[1:]
                if v is not None and not isinstance(v, str)
            )
            assert not any(isinstance(v, str) and v[:1].isdigit() for v in row[1:])
    assert book["按检察院"].freeze_panes == "C2"


def test_english_headers_and_the_html_page(filled: tuple[Casebook, User], tmp_path: Path) -> None:
    casebook, admin = filled
    out = write_report(casebook, admin, **YEAR, out=tmp_path / "r.xlsx", lang="en", fmt="xlsx")
    book = load_workbook(out)
    assert book.sheetnames == EN_SHEETS
    headers = next(book["By model"].iter_rows(max_row=1, values_only=True))
    assert headers[:4] == ("Model", "Model name", "Clues discovered", "Clues last year")
    assert "Public interest" in _by_key(book["By domain"])
    assert _by_key(book["Summary"])["Clues discovered"][1:3] == [8, 4]

    page = write_report(casebook, admin, **YEAR, out=tmp_path / "r.html", fmt="html")
    text = page.read_text(encoding="utf-8").replace("\n", "")
    assert text.startswith("<!DOCTYPE html>") and "<style>" in text and "<script" not in text
    assert all(name in text for name in ZH_SHEETS)
    assert '<td>发现线索</td><td class="n">8</td><td class="n">4</td>' in text
    assert "5,000.50" in text and "+100.0%" in text and "公益诉讼" in text
    with pytest.raises(ValueError):
        write_report(casebook, admin, **YEAR, out=tmp_path / "x.html", lang="fr", fmt="html")


def test_models_are_named_by_their_titles_in_the_report_language() -> None:
    from lexradar.models import Registry
    from lexradar.reports.period import model_titles

    bigamy = Registry().get("marriage.bigamy").spec.title
    zh, en = model_titles("zh"), model_titles("en")
    assert zh["marriage.bigamy"] == bigamy.zh and en["marriage.bigamy"] == bigamy.en
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in title) for title in zh.values())
