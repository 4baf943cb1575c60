"""Compute a period report and write it in one call: ``.xlsx``, ``.html`` or ``.pdf``.

The faces (CLI, web downloads) call :func:`write_report`; :data:`WRITERS` names the formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.reports.html import write_html
from lexradar.reports.pdf import write_pdf
from lexradar.reports.period import PeriodReport, period_report
from lexradar.reports.xlsx import write_xlsx

#: The writer of each format.
WRITERS: dict[str, Callable[[PeriodReport, Path], Path]] = {
    "xlsx": write_xlsx,
    "html": write_html,
    "pdf": write_pdf,
}


def write_report(
    casebook: Casebook,
    actor: User,
    start: dt.date,
    end: dt.date,
    out: Path,
    fmt: str = "xlsx",
    lang: str = "zh",
    models: Iterable[tuple[str, str]] | None = None,
    *,
    level: Literal["province", "city", "county"] = "county",
    procuratorate: str | None = None,
) -> Path:
    """The period report for ``actor``'s region (or ``procuratorate``'s subtree inside it),
    written as ``fmt`` at ``out``; returns ``out``."""
    if fmt not in WRITERS:
        raise ValueError(f"a period report is {', '.join(WRITERS)}, not {fmt!r}")
    report = period_report(
        casebook, actor, start, end, lang, models, level=level, procuratorate=procuratorate
    )
    return WRITERS[fmt](report, out)
