"""Build the default recommendation templates (``recommendation.docx``, ``recommendation.en.docx``).

The templates are ordinary Word documents with Jinja2 placeholders that docxtpl fills in
(:mod:`lexradar.reports.recommendation`): ``{{ addressee }}``, paragraph loops
``{%p for fact in facts %}`` and a table-row loop ``{%tr for e in evidence %}``. They are built
from this script so they stay reproducible; a procuratorate copies one, edits it in Word or
LibreOffice (keeping the placeholders it wants) and passes it with ``--template``.

Run ``python -m lexradar.reports.templates.make_template`` to rebuild them in this folder.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT = "SimSun"
"""The body font Word and LibreOffice show (宋体); any installed CJK font substitutes."""

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "检察建议书",
        "intro": (
            "本院在履行法律监督职责中，运用大数据法律监督模型“{{ model.title }}”"
            "（{{ model.id }}，第{{ model.version }}版）对有关数据进行比对分析，"
            "发现以下问题："
        ),
        "facts": "一、基本事实",
        "point": "监督要点：{{ supervision_point }}",
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
        "seal": "（院印）",
        "footer": "线索：{{ subject }}　生成人：{{ generated_by }}　{{ privacy }}",
    },
    "en": {
        "title": "Procuratorial Recommendation",
        "intro": (
            "In performing its duty of legal supervision, this procuratorate compared agency "
            'records with the big-data supervision model "{{ model.title }}" '
            "({{ model.id }}, version {{ model.version }}) and found the following:"
        ),
        "facts": "I. Facts",
        "point": "Supervision point: {{ supervision_point }}",
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
        "seal": "(seal)",
        "footer": "Clue: {{ subject }}   prepared by {{ generated_by }}   {{ privacy }}",
    },
}


def build(out: Path, lang: str = "zh") -> Path:
    """Write the default template for ``lang`` at ``out``; returns ``out``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    t = TEXT[lang]
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14 if lang == "zh" else 12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    def para(text: str, *, align: int | None = None, bold: bool = False, size: int = 0) -> None:
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    para("{{ procuratorate }}", align=center, bold=True, size=20)
    para(t["title"], align=center, bold=True, size=26)
    para("{{ doc_no }}", align=right)
    para("{{ addressee }}：" if lang == "zh" else "To: {{ addressee }}")
    para(t["intro"])
    para(t["facts"], bold=True)
    para("{%p for fact in facts %}")
    para("{{ loop.index }}. {{ fact }}")
    para("{%p endfor %}")
    para(t["point"])
    para(t["evidence"], bold=True)
    headers = t["columns"].split("|")
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        cell.paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = "{%tr for e in evidence %}"
    for cell, field in zip(
        table.rows[2].cells, ("no", "agency", "dataset", "record", "clue"), strict=True
    ):
        cell.text = "{{ e.%s }}" % field  # noqa: UP031 - Jinja braces in the text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    para(t["basis"], bold=True)
    para(t["basis_intro"])
    para("{%p for basis in legal_basis %}")
    para("{{ basis }}")
    para("{%p endfor %}")
    para(t["recommendation"], bold=True)
    para("{{ recommendation }}")
    para(t["reply"])
    para("")
    para("{{ procuratorate }}", align=right)
    para("{{ date }}", align=right)
    para(t["seal"], align=right)
    para(t["footer"], size=9)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def template_path(lang: str = "zh") -> Path:
    """The shipped default template for ``lang``."""
    return HERE / ("recommendation.docx" if lang == "zh" else f"recommendation.{lang}.docx")


def main() -> None:
    """Rebuild both shipped templates."""
    for lang in TEXT:
        print(build(template_path(lang), lang))


if __name__ == "__main__":
    main()
