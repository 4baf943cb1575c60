"""Build the default recommendation templates (``recommendation.docx``, ``recommendation.en.docx``).

The templates are ordinary Word documents laid out as GB/T 9704-2012 (党政机关公文格式) asks,
with Jinja2 placeholders that docxtpl fills in (:mod:`lexradar.reports.recommendation`):
``{{ addressee }}``, paragraph loops ``{%p for fact in facts %}`` and a table-row loop
``{%tr for e in evidence %}``. The layout lives in named paragraph styles (公文正文, 公文标题,
发文机关标志, 发文字号, 主送机关, 一级标题, 发文机关署名, 成文日期, 附注, 表格文字, 页码), so a
procuratorate that edits its copy in Word or LibreOffice keeps the format by keeping the styles.

- Page A4 (210 × 297 mm), margins top 37, bottom 35, left 28, right 26 mm: a text block of
  156 × 225 mm; a document grid of 22 lines × 28 characters (line pitch 579 twips, exact line
  spacing on every paragraph of the body).
- Body 3号 (16 pt) 仿宋_GB2312; first-level headings 黑体; title 2号 (22 pt) 方正小标宋简体;
  the issuing organ's mark (发文机关标志) red 小标宋, the document number under it and a red
  line the width of the text block 4 mm below. Chinese font names are set as ``w:eastAsia``
  (Latin text in Times New Roman) and the font table names a fallback for each (``w:altName``:
  仿宋, 宋体, SimHei): a machine without the GB2312 fonts shows the nearest installed one.
- Signature organ and date right-aligned (right indent two and four characters), the date in
  Chinese numerals (二〇二五年六月三日); a note (附注) in brackets under it.
- Page numbers 4号 宋体 ``— 1 —``: odd pages on the right, even pages on the left, one character
  in from the edge of the text block.

Run ``python -m lexradar.reports.templates.make_template`` to rebuild them in this folder, or
``python -m lexradar.reports.templates.make_template templates`` to copy them (with
``recommendations.yaml``) into a project's ``templates`` folder to edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

PAGE_MM = {"width": 210, "height": 297, "top": 37, "bottom": 35, "left": 28, "right": 26}
"""GB/T 9704-2012 5.2.1: A4, and the margins that give a 156 × 225 mm text block."""
LINES, CHARS = 22, 28
"""GB/T 9704-2012 5.2.2: 22 lines a page, 28 characters a line."""
BODY_PT, TITLE_PT, MARK_PT, PAGE_NO_PT, TABLE_PT = 16, 22, 26, 14, 12
"""3号 body, 2号 title, 一号 organ mark, 4号 page numbers, 小四 in the evidence table."""
LINE_PITCH = 579
"""Twips from one line to the next: 225 mm / 22 lines = 579.8, rounded down so 22 lines fit."""
CHAR_SPACE = -848
"""``w:docGrid/@w:charSpace``: 1/4096 pt added to the 16 pt character for a 156 mm / 28 pitch."""
RED = "FF0000"
LATIN = "Times New Roman"
FONTS: dict[str, tuple[str, str]] = {
    "body": ("仿宋_GB2312", "仿宋"),
    "title": ("方正小标宋简体", "宋体"),
    "heading": ("黑体", "SimHei"),
    "page": ("宋体", "SimSun"),
}
"""Role → (the font GB/T 9704 names, the fallback written as its ``w:altName``)."""

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "检察建议书",
        "addressee": "{{ addressee }}：",
        "intro": (
            "本院在履行法律监督职责中，运用大数据法律监督模型“{{ model.title }}”"
            "对有关数据进行比对分析，发现以下问题："
        ),
        "fact": "{{ loop.index }}. {{ fact }}",
        "facts": "一、基本事实",
        "point": "监督要点：{{ supervision_point }}。",
        "evidence": "二、证据材料",
        "columns": "序号|来源单位|数据|记录编号|线索编号",
        "basis": "三、法律依据",
        "basis_intro": "上述情况不符合下列规定：",
        "recommendation": "四、检察建议",
        "reply": (
            "根据《中华人民共和国人民检察院组织法》第二十一条和《人民检察院检察建议工作规定》"
            "的规定，请你单位在收到本检察建议书之日起二个月内依法办理，"
            "并将办理情况书面回复本院。"
        ),
        "note": "（{{ subject }}；生成人：{{ generated_by }}；{{ privacy }}）",
    },
    "en": {
        "title": "Procuratorial Recommendation",
        "addressee": "To: {{ addressee }}",
        "intro": (
            "In performing its duty of legal supervision, this procuratorate compared agency "
            'records with the big-data supervision model "{{ model.title }}" and found the '
            "following:"
        ),
        "fact": "{{ loop.index }}. {{ fact }}",
        "facts": "I. Facts",
        "point": "Supervision point: {{ supervision_point }}.",
        "evidence": "II. Evidence",
        "columns": "No.|Agency|Dataset|Record|Clue",
        "basis": "III. Legal basis",
        "basis_intro": "The above does not comply with:",
        "recommendation": "IV. Recommendation",
        "reply": (
            "Under Article 21 of the Organic Law of the People's Procuratorates, please handle "
            "this recommendation within two months of receiving it and reply to this "
            "procuratorate in writing."
        ),
        "note": "({{ subject }}; prepared by {{ generated_by }}; {{ privacy }})",
    },
}
COLUMN_MM = (14, 38, 34, 42, 28)
"""Widths of the evidence table's columns; together the 156 mm of the text block."""


def _mm_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _fonts(rpr: Any, role: str) -> None:
    """Set ``role``'s Chinese font as ``w:eastAsia`` (Latin: Times New Roman), no theme fonts."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith(("Theme", "theme")):
            del fonts.attrib[attr]
    east = FONTS[role][0]
    latin = east if role == "page" else LATIN
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), value)
    fonts.set(qn("w:hint"), "eastAsia")


def _ppr(style: Any) -> Any:
    return style.element.get_or_add_pPr()


def _set(parent: Any, tag: str, **attrs: str | int) -> Any:
    """Child ``tag`` of ``parent`` (made if missing) with these ``w:`` attributes."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    child = parent.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        parent.append(child)
    for key, value in attrs.items():
        child.set(qn(f"w:{key}"), str(value))
    return child


def _style(
    doc: Any,
    name: str,
    role: str,
    size: float,
    *,
    align: str = "both",
    first_chars: int = 0,
    right_chars: int = 0,
    left_chars: int = 0,
    before_lines: float = 0,
    line: int | None = LINE_PITCH,
    color: str | None = None,
) -> Any:
    """A paragraph style: font role and size, alignment, indents in characters, exact spacing."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    if color:
        font.color.rgb = RGBColor.from_string(color)
    _fonts(style.element.get_or_add_rPr(), role)
    ppr = _ppr(style)
    spacing: dict[str, str | int] = {"before": round(before_lines * LINE_PITCH), "after": 0}
    if line is not None:
        spacing |= {"line": line, "lineRule": "exact"}
    else:
        spacing |= {"line": 240, "lineRule": "auto"}
    _set(ppr, "w:spacing", **spacing)
    em = round(BODY_PT * 20)  # one character of the body, in twips
    _set(
        ppr,
        "w:ind",
        firstLineChars=first_chars * 100,
        firstLine=first_chars * em,
        leftChars=left_chars * 100,
        left=left_chars * em,
        rightChars=right_chars * 100,
        right=right_chars * em,
    )
    _set(ppr, "w:jc", val=align)
    return style


def _defaults(doc: Any) -> None:
    """Document defaults and Normal: 3号 仿宋, exact line pitch, zh-CN, no space after."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, "body")
    _set(rpr, "w:sz", val=BODY_PT * 2)
    _set(rpr, "w:szCs", val=BODY_PT * 2)
    _set(rpr, "w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _set(ppr, "w:spacing", after=0, line=LINE_PITCH, lineRule="exact")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element.get_or_add_rPr(), "body")
    _set(_ppr(normal), "w:jc", val="both")
    _set(_ppr(normal), "w:spacing", after=0, line=LINE_PITCH, lineRule="exact")


def _page(doc: Any) -> None:
    """A4, the GB/T 9704 margins, the 22 × 28 grid, odd and even footers."""
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM["width"]), Mm(PAGE_MM["height"])
    section.top_margin, section.bottom_margin = Mm(PAGE_MM["top"]), Mm(PAGE_MM["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE_MM["left"]), Mm(PAGE_MM["right"])
    section.header_distance = Mm(15)
    # the page number's line starts 7 mm under the text block (GB/T 9704 7.5)
    section.footer_distance = Mm(PAGE_MM["bottom"] - 7) - Pt(PAGE_NO_PT)
    _set(
        section._sectPr,
        "w:docGrid",
        type="linesAndChars",
        linePitch=LINE_PITCH,
        charSpace=CHAR_SPACE,
    )
    doc.settings.odd_and_even_pages_header_footer = True


def _page_number(paragraph: Any) -> None:
    """``— PAGE —`` as a field Word and LibreOffice update."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run(text: str | None = None, fld: str | None = None, instr: str | None = None) -> None:
        r = paragraph.add_run(text or "")
        if fld:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            r._r.append(el)
        if instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._r.append(el)

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def _footers(doc: Any) -> None:
    section = doc.sections[0]
    for footer, style in ((section.footer, "页码"), (section.even_page_footer, "页码（双页）")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = doc.styles[style]
        _page_number(paragraph)


def _font_table(doc: Any) -> None:
    """Declare the Chinese fonts with GB2312 charset and a fallback name (``w:altName``)."""
    from lxml import etree  # type: ignore[import-untyped]

    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt in FONTS.values():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "fixed"})
    # python-docx keeps the font table as an opaque part: its bytes are replaced whole
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _styles(doc: Any) -> None:
    """The named styles of the official document (GB/T 9704-2012 section 7)."""
    _style(doc, "公文正文", "body", BODY_PT, first_chars=2)
    mark = _style(doc, "发文机关标志", "title", MARK_PT, align="center", line=None, color=RED)
    _set(_ppr(mark), "w:spacing", before=_mm_twips(35))  # 35 mm under the text block's top
    number = _style(doc, "发文字号", "body", BODY_PT, align="center", before_lines=2)
    border = _set(_ppr(number), "w:pBdr")
    _set(border, "w:bottom", val="single", sz=12, space=11, color=RED)  # 4 mm under, red
    _style(doc, "公文标题", "title", TITLE_PT, align="center", before_lines=2, line=None)
    _style(doc, "主送机关", "body", BODY_PT, align="left", before_lines=1)
    _style(doc, "一级标题", "heading", BODY_PT, first_chars=2)
    _style(doc, "发文机关署名", "body", BODY_PT, align="right", right_chars=2, before_lines=1)
    _style(doc, "成文日期", "body", BODY_PT, align="right", right_chars=4)
    _style(doc, "附注", "body", BODY_PT, first_chars=2)
    table = _style(doc, "表格文字", "body", TABLE_PT, align="center", line=None)
    _set(_ppr(table), "w:snapToGrid", val=0)
    _style(doc, "页码", "page", PAGE_NO_PT, align="right", right_chars=1, line=None)
    _style(doc, "页码（双页）", "page", PAGE_NO_PT, align="left", left_chars=1, line=None)
    for name in ("页码", "页码（双页）"):
        _set(_ppr(doc.styles[name]), "w:snapToGrid", val=0)


def build(out: Path, lang: str = "zh") -> Path:
    """Write the default template for ``lang`` at ``out``; returns ``out``."""
    from docx import Document
    from docx.shared import Mm

    t = TEXT[lang]
    doc = Document()
    _defaults(doc)
    _page(doc)
    _styles(doc)
    _font_table(doc)
    _footers(doc)

    def para(text: str, style: str = "公文正文") -> None:
        doc.add_paragraph(text, style=doc.styles[style])

    para("{{ procuratorate }}", "发文机关标志")
    para("{{ doc_no }}", "发文字号")
    para(t["title"], "公文标题")
    para(t["addressee"], "主送机关")
    para(t["intro"])
    para(t["facts"], "一级标题")
    para("{%p for fact in facts %}")
    para(t["fact"])
    para("{%p endfor %}")
    para(t["point"])
    para(t["evidence"], "一级标题")
    headers = t["columns"].split("|")
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, COLUMN_MM, strict=True):
            cell.width = Mm(width)
            cell.paragraphs[0].style = doc.styles["表格文字"]
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for e in evidence %}")
    for cell, field in zip(
        table.rows[2].cells, ("no", "agency", "dataset", "record", "clue"), strict=True
    ):
        cell.paragraphs[0].add_run("{{ e.%s }}" % field)  # noqa: UP031 - Jinja braces
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    para(t["basis"], "一级标题")
    para(t["basis_intro"])
    para("{%p for basis in legal_basis %}")
    para("{{ basis }}")
    para("{%p endfor %}")
    para(t["recommendation"], "一级标题")
    para("{{ recommendation }}")
    para(t["reply"])
    para("{{ procuratorate }}", "发文机关署名")
    para("{{ date }}", "成文日期")
    para(t["note"], "附注")
    # python-docx starts a document with one empty paragraph: drop it so the mark comes first
    body = doc.element.body
    first = body[0]
    if first.tag.endswith("}p") and not "".join(first.itertext()):
        body.remove(first)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def template_path(lang: str = "zh") -> Path:
    """The shipped default template for ``lang``."""
    return HERE / ("recommendation.docx" if lang == "zh" else f"recommendation.{lang}.docx")


def copy_to(folder: Path) -> list[Path]:
    """A template folder for a procuratorate to edit: ``检察建议书.docx``,
    ``recommendation.en.docx`` and ``recommendations.yaml``; files already there are kept."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for source, name in (
        (template_path("zh"), "检察建议书.docx"),
        (template_path("en"), "recommendation.en.docx"),
        (HERE / "recommendations.yaml", "recommendations.yaml"),
    ):
        target = folder / name
        if not target.exists():
            shutil.copyfile(source, target)
            made.append(target)
    return made


def main(argv: list[str] | None = None) -> None:
    """Rebuild both shipped templates; with a folder, copy them there to edit."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args:
        for path in copy_to(Path(args[0])):
            print(path)
        return
    for lang in TEXT:
        print(build(template_path(lang), lang))


if __name__ == "__main__":
    main()
