"""The period report's charts as PNG images (matplotlib, Agg), for the PDF and the HTML page.

Four charts, each drawn from the same :class:`~lexradar.reports.stats.Statistics` as the
tables: clues and cases by month against the same months last year, by domain, the models
with most clues, and by procuratorate. Chinese labels need a CJK font: :func:`cjk_font` finds
WenQuanYi Zen Hei through matplotlib's font manager or fontconfig, and names the Debian package
``fonts-wqy-zenhei`` when there is none. Figures are drawn on a :class:`Figure` of their own
(never through ``pyplot``), so no global plotting state is touched.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lexradar.errors import LexradarError, Location
from lexradar.reports.period import PeriodReport
from lexradar.reports.stats import Statistics

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FONT_PACKAGE = "fonts-wqy-zenhei"
FONT_FAMILIES = ("WenQuanYi Zen Hei", "WenQuanYi Zen Hei Sharp")
"""TrueType-outline CJK families: reportlab embeds these (it cannot embed CFF fonts)."""
TOP = 10
"""Models and procuratorates shown in their charts (the tables list them all)."""
NOW, LAST_YEAR, CASES = "#2f5d9a", "#a9bcd6", "#d9822b"


class FontError(LexradarError):
    """No CJK font to draw Chinese text with."""


@dataclass(frozen=True)
class Font:
    """A CJK font file and its family name."""

    path: Path
    family: str


@functools.cache
def cjk_font() -> Font:
    """The WenQuanYi Zen Hei font: from matplotlib's font manager, else from ``fc-list``."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name in FONT_FAMILIES:
            return Font(Path(entry.fname), entry.name)
    if shutil.which("fc-list"):
        found = subprocess.run(
            ["fc-list", ":family=WenQuanYi Zen Hei", "file"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        for line in found.splitlines():
            path = Path(line.split(":")[0].strip())
            if path.suffix.lower() in (".ttc", ".ttf") and path.exists():
                font_manager.fontManager.addfont(str(path))
                return Font(path, font_manager.FontProperties(fname=str(path)).get_name())
    raise FontError(
        "no CJK font found for the charts and the PDF (looked for WenQuanYi Zen Hei through "
        f"matplotlib and fontconfig); install the Debian package {FONT_PACKAGE} "
        f"(apt-get install {FONT_PACKAGE})",
        Location(field="font"),
    )


@dataclass(frozen=True)
class Chart:
    """One chart: its caption and the PNG bytes."""

    name: str
    title: str
    png: bytes


def _figure(width: float = 8.0, height: float = 3.6) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150, layout="constrained")


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _months(stats: Statistics) -> list[str]:
    """Every month of the period, ``YYYY-MM``, in order."""
    y, m = (int(v) for v in stats.start.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= stats.end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _bars(ax: Any, labels: list[str], series: list[tuple[str, list[float], str]]) -> None:
    """Grouped vertical bars, one group per label."""
    width = 0.8 / len(series)
    xs = range(len(labels))
    for i, (name, values, color) in enumerate(series):
        ax.bar(
            [x + (i - (len(series) - 1) / 2) * width for x in xs],
            values,
            width,
            label=name,
            color=color,
        )
    ax.set_xticks(
        list(xs),
        labels,
        rotation=30 if len(labels) > 6 else 0,
        ha="right" if len(labels) > 6 else "center",
    )
    top = max((v for _, values, _ in series for v in values), default=0)
    ax.set_ylim(0, max(1, top) * 1.15)  # no negative axis when everything is zero
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _by_month(stats: Statistics, t: dict[str, str]) -> bytes:
    months = _months(stats)
    rows = {r.key["month"]: r for r in stats.rows}
    fig = _figure(8.0, 4.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    labels = [m[2:] for m in months]
    for ax, what in ((top, "clues"), (bottom, "cases")):
        now = [getattr(rows[m].now, what) if m in rows else 0 for m in months]
        before = [getattr(rows[m].last_year, what) if m in rows else 0 for m in months]
        _bars(
            ax,
            labels,
            [(t["series_now"], now, NOW), (t["series_last_year"], before, LAST_YEAR)],
        )
        ax.set_ylabel(t[what], fontsize=8)
    fig.suptitle(t["chart_month"], fontsize=10)
    return _png(fig)


def _by_domain(stats: Statistics, t: dict[str, str]) -> bytes:
    from lexradar.clues.tables import DOMAINS

    rows = {r.key["domain"]: r for r in stats.rows}
    keys = [*DOMAINS, *(k for k in rows if k not in DOMAINS)]
    fig = _figure()
    ax = fig.subplots()
    _bars(
        ax,
        [t.get(k, k) for k in keys],
        [
            (t["clues"], [rows[k].now.clues if k in rows else 0 for k in keys], NOW),
            (t["clues_ly"], [rows[k].last_year.clues if k in rows else 0 for k in keys], LAST_YEAR),
            (t["cases"], [rows[k].now.cases if k in rows else 0 for k in keys], CASES),
        ],
    )
    fig.suptitle(t["chart_domain"], fontsize=10)
    return _png(fig)


def _ranked(
    stats: Statistics, dim: str, t: dict[str, str], title: str, names: dict[str, str]
) -> bytes:
    """Horizontal bars of clues (and cases) for the ``TOP`` keys with most clues."""
    rows = sorted(stats.rows, key=lambda r: (-r.now.clues, -r.now.cases, r.key[dim]))[:TOP]
    rows = [r for r in rows if r.now.clues or r.now.cases]
    fig = _figure(8.0, max(2.4, 0.9 + 0.32 * len(rows)))
    ax = fig.subplots()
    if not rows:
        _empty(ax, t["no_data"])
    else:
        labels = [names.get(r.key[dim], r.key[dim]) or "—" for r in reversed(rows)]
        ys = range(len(rows))
        ax.barh(
            [y + 0.2 for y in ys],
            [r.now.clues for r in reversed(rows)],
            0.4,
            label=t["clues"],
            color=NOW,
        )
        ax.barh(
            [y - 0.2 for y in ys],
            [r.now.cases for r in reversed(rows)],
            0.4,
            label=t["cases"],
            color=CASES,
        )
        ax.set_yticks(list(ys), labels, fontsize=7)
        ax.set_xlim(0, max(1, rows[0].now.clues, max(r.now.cases for r in rows)) * 1.1)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=10)
    return _png(fig)


def period_charts(report: PeriodReport) -> list[Chart]:
    """The four charts of a period report, drawn with the CJK font."""
    from matplotlib import rc_context

    font = cjk_font()
    t = report.text
    stats = report.stats
    style: dict[RcKeyType, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [font.family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 8,
        "font.weight": "medium",  # the weight WenQuanYi Zen Hei has (no 'normal' warning)
        "axes.titleweight": "medium",
        "axes.labelweight": "medium",
        "figure.titleweight": "medium",
    }
    with rc_context(style):
        return [
            Chart("month", t["chart_month"], _by_month(stats["month"], t)),
            Chart("domain", t["chart_domain"], _by_domain(stats["domain"], t)),
            Chart(
                "model",
                t["chart_model"],
                _ranked(stats["model"], "model", t, t["chart_model"], report.model_names),
            ),
            Chart(
                "region",
                t["chart_region"],
                _ranked(stats["region"], "region", t, t["chart_region"], report.names),
            ),
        ]
