"""The recommendation draft (检察建议书) as a PDF, in the GB/T 9704-2012 layout of the shipped
template (reportlab).

The PDF is drawn from the same placeholders and the same wording as the shipped ``.docx``
(:data:`lexradar.reports.templates.make_template.TEXT`, rendered with Jinja2): A4, the
standard margins, 3号 body on a 28.95 pt line pitch, the red mark, the document number over a
red line, 2号 title, signature and date right-aligned, ``— 1 —`` page numbers outside
(odd pages right, even pages left). An edited ``.docx`` template does not reach the PDF: a
procuratorate that changed its template opens the ``.docx`` and prints that. The one CJK font
the machine is known to have (WenQuanYi Zen Hei, :func:`lexradar.reports.charts.cjk_font`)
stands in for 仿宋 and 小标宋, and is embedded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lexradar.reports.templates import make_template as tpl

MM = 72 / 25.4
LEADING = tpl.LINE_PITCH / 20  # 28.95 pt: 22 lines in the 225 mm text block


def _jinja(text: str, values: dict[str, Any], **extra: Any) -> str:
    import jinja2

    return jinja2.Environment(autoescape=False).from_string(text).render(values, **extra)


def _styles(font: str) -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    em = tpl.BODY_PT
    body = ParagraphStyle(
        "公文正文",
        fontName=font,
        fontSize=em,
        leading=LEADING,
        firstLineIndent=2 * em,
        alignment=4,
        wordWrap="CJK",
    )
    return {
        "body": body,
        "mark": ParagraphStyle(
            "发文机关标志",
            body,
            fontSize=tpl.MARK_PT,
            leading=tpl.MARK_PT * 1.3,
            firstLineIndent=0,
            alignment=1,
            textColor=HexColor("#" + tpl.RED),
            spaceBefore=35 * MM,
        ),
        "number": ParagraphStyle(
            "发文字号", body, firstLineIndent=0, alignment=1, spaceBefore=2 * LEADING
        ),
        "title": ParagraphStyle(
            "公文标题",
            body,
            fontSize=tpl.TITLE_PT,
            leading=LEADING,
            firstLineIndent=0,
            alignment=1,
            spaceBefore=2 * LEADING,
        ),
        "addressee": ParagraphStyle(
            "主送机关", body, firstLineIndent=0, alignment=0, spaceBefore=LEADING
        ),
        "heading": body,
        "signature": ParagraphStyle(
            "发文机关署名",
            body,
            firstLineIndent=0,
            alignment=2,
            rightIndent=2 * em,
            spaceBefore=LEADING,
        ),
        "date": ParagraphStyle(
            "成文日期", body, firstLineIndent=0, alignment=2, rightIndent=4 * em
        ),
        "cell": ParagraphStyle(
            "表格文字",
            body,
            fontSize=tpl.TABLE_PT,
            leading=tpl.TABLE_PT * 1.4,
            firstLineIndent=0,
            alignment=1,
        ),
    }


def _page_number(font: str) -> Any:
    """Draw ``— n —`` 7 mm under the text block: right on odd pages, left on even ones."""
    page = tpl.PAGE_MM

    def draw(canvas: Any, doc: Any) -> None:
        n = canvas.getPageNumber()
        text = f"— {n} —"
        canvas.saveState()
        canvas.setFont(font, tpl.PAGE_NO_PT)
        y = (page["bottom"] - 7) * MM - tpl.PAGE_NO_PT
        em = tpl.PAGE_NO_PT
        if n % 2:
            canvas.drawRightString((page["width"] - page["right"]) * MM - em, y, text)
        else:
            canvas.drawString(page["left"] * MM + em, y, text)
        canvas.restoreState()

    return draw


def write_pdf(values: dict[str, Any], out: Path) -> Path:
    """Draw the recommendation with ``values`` (:func:`lexradar.reports.recommendation.context`)
    at ``out``; returns ``out``."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Table, TableStyle

    from lexradar.reports.pdf import _register_font

    font = _register_font()
    s = _styles(font)
    t = tpl.TEXT[values["lang"]]
    page = tpl.PAGE_MM

    def para(text: str, style: str = "body", **extra: Any) -> Any:
        return Paragraph(escape(_jinja(text, values, **extra)), s[style])

    story: list[Any] = [
        para("{{ procuratorate }}", "mark"),
        para("{{ doc_no }}", "number"),
        HRFlowable(width="100%", thickness=1.5, color=HexColor("#" + tpl.RED), spaceBefore=4 * MM),
        para(t["title"], "title"),
        para(t["addressee"], "addressee"),
        para(t["intro"]),
        para(t["facts"], "heading"),
    ]
    for index, fact in enumerate(values["facts"], 1):
        story.append(para(t["fact"], fact=fact, loop={"index": index}))
    story += [para(t["point"]), para(t["evidence"], "heading")]
    rows = [[Paragraph(escape(h), s["cell"]) for h in t["columns"].split("|")]]
    for e in values["evidence"]:
        cells = (e["no"], e["agency"], e["dataset"], e["record"], e["clue"])
        rows.append([Paragraph(escape(str(c)), s["cell"]) for c in cells])
    table = Table(rows, colWidths=[w * MM for w in tpl.COLUMN_MM], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, HexColor("#000000"))]))
    story += [table, para(t["basis"], "heading"), para(t["basis_intro"])]
    story += [para("{{ basis }}", basis=b) for b in values["legal_basis"]]
    story += [
        para(t["recommendation"], "heading"),
        para("{{ recommendation }}"),
        para(t["reply"]),
        para("{{ procuratorate }}", "signature"),
        para("{{ date }}", "date"),
        para(t["note"]),
    ]
    doc = SimpleDocTemplate(
        str(out),
        pagesize=(page["width"] * MM, page["height"] * MM),
        topMargin=page["top"] * MM,
        bottomMargin=page["bottom"] * MM,
        leftMargin=page["left"] * MM,
        rightMargin=page["right"] * MM,
        title=_jinja(t["title"], values),
        author=values["procuratorate"],
    )
    number = _page_number(font)
    doc.build(story, onFirstPage=number, onLaterPages=number)
    return out
