"""The period report as an Excel workbook (openpyxl): one sheet a table, numbers as numbers."""

from __future__ import annotations

from pathlib import Path

from lexradar.reports.period import FORMATS, WIDTHS, PeriodReport


def write_xlsx(report: PeriodReport, out: Path) -> Path:
    """Write ``report`` as an ``.xlsx`` workbook at ``out``; returns ``out``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    title, tables = report.title, report.tables
    book = Workbook()
    if book.active is not None:  # the empty sheet a new workbook has
        book.remove(book.active)
    book.properties.title = title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE4EE")
    for table in tables:
        ws = book.create_sheet(table.name)
        ws.append([header for header, _ in table.columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r, values in enumerate(table.rows):
            ws.append(values)
            for c, cell in enumerate(ws[r + 2]):
                kind = table.kind(r, c)
                if kind in FORMATS and cell.value is not None:
                    cell.number_format = FORMATS[kind]
        if table.rows and table.rows[-1][0] == report.text["total"]:
            for cell in ws[ws.max_row]:
                cell.font = bold
        for c, (header, kind) in enumerate(table.columns):
            texts = [header] + [str(v[c]) for v in table.rows if kind == "text" and v[c]]
            wide = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in s) for s in texts)
            width = min(max(wide + 2, WIDTHS.get(kind, 10)), 40)
            ws.column_dimensions[get_column_letter(c + 1)].width = width
        ws.freeze_panes = ws.cell(row=2, column=table.keys + 1).coordinate
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
