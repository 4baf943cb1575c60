"""CSV files people open in a spreadsheet: UTF-8 with a BOM (Chinese Excel reads it as UTF-8),
every cell text, and no cell a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken
by Excel, WPS or LibreOffice for a formula (``=HYPERLINK(…)``, ``@SUM(…)``, DDE); such a cell
is written with an apostrophe in front, which the spreadsheet shows as text and hides.
:func:`unguarded` gives the value back, for files lexradar reads again (clue files).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

#: What a cell must not begin with, lest a spreadsheet evaluate it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def formula_safe(value: object) -> str:
    """``value`` as the text of a CSV cell that no spreadsheet evaluates (None is empty)."""
    text = "" if value is None else str(value)
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def unguarded(text: str) -> str:
    """The value :func:`formula_safe` wrote as ``text``."""
    if text.startswith(GUARD) and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a CSV file for spreadsheets: UTF-8 with BOM, every cell :func:`formula_safe`."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([formula_safe(c) for c in columns])
        writer.writerows([formula_safe(v) for v in row] for row in rows)
    return path


def unguarded_table(table: pa.Table) -> pa.Table:
    """``table`` (read from a CSV :func:`write_csv` wrote) with every text cell unguarded."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, name in enumerate(table.column_names):
        col = table.column(i)
        if not pa.types.is_string(col.type) or not pc.any(pc.starts_with(col, GUARD)).as_py():
            continue
        values = [None if v is None else unguarded(v) for v in col.to_pylist()]
        table = table.set_column(i, name, pa.array(values, pa.string()))
    return table
