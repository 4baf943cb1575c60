"""Export of clue lists to CSV and Excel: identifiers stay text, never numbers."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from lexradar.clues.errors import CasebookError
from lexradar.errors import Location


def write_rows(path: Path, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write ``rows`` to ``path`` (.csv as UTF-8 with BOM for Excel, or .xlsx, every cell text)."""
    path = Path(path)
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows(rows)
    elif path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(columns))
        for row in rows:
            sheet.append([str(v) for v in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                cell.number_format = "@"  # text: an 18-digit ID must not become 1.5E+17
                cell.data_type = "s"
        book.save(path)
    else:
        raise CasebookError("export to a .csv or .xlsx file", Location(file=str(path)))
