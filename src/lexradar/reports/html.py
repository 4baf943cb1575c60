"""The period report as one self-contained HTML page: the tables, and the charts of
:mod:`lexradar.reports.charts` embedded as PNG ``data:`` URIs (the page needs no other file)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from lexradar.reports.charts import period_charts
from lexradar.reports.period import Kind, PeriodReport, Value, cell_text


def _html_cell(value: Value, kind: Kind) -> str:
    return html.escape(cell_text(value, kind))


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #b8c2d0; padding: 0.3em 0.6em; }
th { background: #dde4ee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; }
"""


def write_html(report: PeriodReport, out: Path) -> Path:
    """Write ``report`` as an HTML page at ``out``; returns ``out``."""
    t = report.text
    charts = period_charts(report)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if report.lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f"<p>{html.escape(t['scope'])}: {html.escape(report.scope)}</p>",
    ]
    for table in report.tables:
        parts.append(f"<h2>{html.escape(table.name)}</h2><table><thead><tr>")
        parts += [f"<th>{html.escape(h)}</th>" for h, _ in table.columns]
        parts.append("</tr></thead><tbody>")
        for r, values in enumerate(table.rows):
            is_total = values[0] == t["total"]
            parts.append('<tr class="total">' if is_total else "<tr>")
            for c, value in enumerate(values):
                kind = table.kind(r, c)
                css = ' class="n"' if kind != "text" else ""
                cell = _html_cell(value, kind)
                if table.keys > 1 and c == 0 and not is_total:  # a code beside its name
                    cell = f"<code>{cell}</code>"
                parts.append(f"<td{css}>{cell}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
    parts.append(f"<h2>{html.escape(t['charts'])}</h2>")
    for chart in charts:
        data = base64.b64encode(chart.png).decode("ascii")
        caption = html.escape(chart.title)
        parts.append(
            f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    parts.append("</body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
