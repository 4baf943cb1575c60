"""The period report as a PDF (reportlab): title page with the summary, charts, one table a
breakdown.

The tables are the ones the workbook holds (:func:`lexradar.reports.period.period_report`),
printed the way the HTML page prints them, so the three outputs show the same figures. Chinese
text is set in WenQuanYi Zen Hei, registered from its ``.ttc`` collection as a TrueType font
(``subfontIndex=0``); :func:`lexradar.reports.charts.cjk_font` finds it. Pages are A4
landscape: a breakdown has up to thirteen columns.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from lexradar.reports.charts import cjk_font, period_charts
from lexradar.reports.period import PeriodReport, Table, cell_text

FONT = "LexradarCJK"
HEADER_BG = "#dde4ee"
GRID = "#b8c2d0"


def _register_font() -> str:
    """Register the CJK font with reportlab once; its reportlab name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(cjk_font().path), subfontIndex=0))
    return FONT


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontSize=22, leading=30, alignment=1),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=12, leading=18, alignment=1),
        "h2": ParagraphStyle("h2", base, fontSize=13, leading=18, spaceBefore=6, spaceAfter=6),
        "body": base,
        "cell": ParagraphStyle("cell", base, fontSize=7, leading=9),
        "head": ParagraphStyle("head", base, fontSize=7, leading=9),
        "num": ParagraphStyle("num", base, fontSize=7, leading=9, alignment=2),
    }


def _table(table: Table, total: str, styles: dict[str, Any], width: float) -> Any:
    """A reportlab table with the same cells as the workbook sheet, header repeated."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as Grid

    head = [Paragraph(h, styles["head"]) for h, _ in table.columns]
    body = []
    for r, values in enumerate(table.rows):
        cells = []
        for c, value in enumerate(values):
            kind = table.kind(r, c)
            style = styles["cell"] if kind == "text" else styles["num"]
            cells.append(Paragraph(cell_text(value, kind), style))
        body.append(cells)
    keys = [c for c, (_, kind) in enumerate(table.columns) if kind == "text"]
    key_width = 110.0 if len(table.columns) > 4 else 200.0
    rest = (width - key_width * len(keys)) / max(1, len(table.columns) - len(keys))
    widths = [key_width if c in keys else rest for c in range(len(table.columns))]
    grid = Grid([head, *body], colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor(GRID)),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_BG)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if table.rows and table.rows[-1][0] == total:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f1f4f8")))
    grid.setStyle(commands)
    return grid


def write_pdf(report: PeriodReport, out: Path) -> Path:
    """Write ``report`` as a PDF at ``out``; returns ``out``."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    _register_font()
    t = report.text
    styles = _styles()
    charts = period_charts(report)
    page = landscape(A4)
    margin = 1.5 * cm
    width = page[0] - 2 * margin
    height = page[1] - 2 * margin

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(page[0] - margin, margin / 2, t["page"].format(n=doc.page))
        canvas.drawString(margin, margin / 2, report.title)
        canvas.restoreState()

    summary, *breakdowns = report.tables
    story: list[Any] = [
        Spacer(1, 2.5 * cm),
        Paragraph(report.title, styles["title"]),
        Spacer(1, 0.4 * cm),
        Paragraph(f"{t['scope']}: {report.scope}", styles["subtitle"]),
        Paragraph(f"{t['generated']}: {dt.date.today().isoformat()}", styles["subtitle"]),
        Spacer(1, 1 * cm),
        Paragraph(summary.name, styles["h2"]),
        _table(summary, t["total"], styles, width),
        PageBreak(),
        Paragraph(t["charts"], styles["h2"]),
    ]
    for chart in charts:
        image = Image(io.BytesIO(chart.png))
        scale = min(width * 0.75 / image.imageWidth, (height / 2 - cm) / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        story += [image, Spacer(1, 0.4 * cm)]
    for table in breakdowns:
        story += [
            PageBreak(),
            Paragraph(table.name, styles["h2"]),
            _table(table, t["total"], styles, width),
        ]
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(
        str(out),
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=report.title,
        author="lexradar",
        lang="zh-CN" if report.lang == "zh" else "en",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out
