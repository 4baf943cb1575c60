"""The period report as data: :func:`period_report` computes a :class:`PeriodReport` once —
a summary table (clues discovered, cases supervised, conversion, funds recovered, each with the
same period last year and the change in per cent; models in production and under
construction) and one table per breakdown (by domain, model, procuratorate and month), each
ending with the total row. The writers turn it into a file and compute nothing:
:mod:`lexradar.reports.xlsx`, :mod:`lexradar.reports.html` and :mod:`lexradar.reports.pdf`
(:mod:`lexradar.reports.output` joins the two steps).

``procuratorate`` narrows any of them to one procuratorate's subtree, which must lie inside
the acting user's own (:func:`narrow`).

Every figure comes from :func:`~lexradar.reports.stats.statistics`; nothing is recounted here.
Cells are real numbers: counts as integers, funds as numbers with two decimals, shares and
changes as fractions with a per-cent number format (a change of ``+50.0`` per cent is stored
as ``0.5``). Headers are Chinese by default, English with ``lang="en"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import NotFoundError, PermissionDenied
from lexradar.clues.tables import DOMAINS, procuratorates
from lexradar.errors import Location
from lexradar.reports.stats import Figures, Row, Statistics, change, statistics

Kind = Literal["text", "int", "money", "share", "change"]
Value = str | int | float | None

FORMATS: dict[str, str] = {
    "int": "#,##0",
    "money": "#,##0.00",
    "share": "0.0%",
    "change": "+0.0%;-0.0%;0.0%",
}
WIDTHS: dict[str, float] = {"int": 12, "money": 16, "share": 11, "change": 10}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "检察监督线索统计报告",
        "summary": "概况",
        "domain": "按领域",
        "model": "按模型",
        "region": "按检察院",
        "month": "按月份",
        "item": "项目",
        "now": "本期",
        "last_year": "去年同期",
        "change": "同比%",
        "clues": "发现线索",
        "cases": "监督立案",
        "conversion": "成案率",
        "precision": "准确率",
        "funds": "追回资金(元)",
        "production": "已上线模型",
        "under_construction": "在建模型",
        "key_domain": "领域",
        "key_model": "模型",
        "key_region": "检察院代码",
        "key_name": "检察院",
        "key_model_name": "模型名称",
        "key_month": "月份",
        "total": "合计",
        "period": "统计期间",
        "clues_ly": "线索(去年同期)",
        "cases_ly": "立案(去年同期)",
        "funds_ly": "追回资金(去年同期)",
        "criminal": "刑事",
        "civil": "民事",
        "administrative": "行政",
        "public_interest": "公益诉讼",
        "scope": "范围",
        "generated": "生成日期",
        "charts": "图表",
        "chart_month": "线索与立案（按月，与去年同期对比）",
        "chart_domain": "按领域",
        "chart_model": "线索最多的模型",
        "chart_region": "按检察院",
        "series_now": "本期",
        "series_last_year": "去年同期",
        "no_data": "本期无数据",
        "page": "第 {n} 页",
    },
    "en": {
        "title": "Procuratorial supervision clues: period report",
        "summary": "Summary",
        "domain": "By domain",
        "model": "By model",
        "region": "By procuratorate",
        "month": "By month",
        "item": "Item",
        "now": "This period",
        "last_year": "Same period last year",
        "change": "Change %",
        "clues": "Clues discovered",
        "cases": "Cases supervised",
        "conversion": "Conversion",
        "precision": "Precision",
        "funds": "Funds recovered (CNY)",
        "production": "Models in production",
        "under_construction": "Models under construction",
        "key_domain": "Domain",
        "key_model": "Model",
        "key_region": "Procuratorate code",
        "key_name": "Procuratorate",
        "key_model_name": "Model name",
        "key_month": "Month",
        "total": "Total",
        "period": "Period",
        "clues_ly": "Clues last year",
        "cases_ly": "Cases last year",
        "funds_ly": "Funds last year",
        "criminal": "Criminal",
        "civil": "Civil",
        "administrative": "Administrative",
        "public_interest": "Public interest",
        "scope": "Scope",
        "generated": "Generated on",
        "charts": "Charts",
        "chart_month": "Clues and cases by month, against last year",
        "chart_domain": "By domain",
        "chart_model": "Models with most clues",
        "chart_region": "By procuratorate",
        "series_now": "this period",
        "series_last_year": "last year",
        "no_data": "no figures in this period",
        "page": "page {n}",
    },
}


@dataclass
class Table:
    """One sheet: typed columns, rows of values (the total last), the key columns to freeze."""

    name: str
    columns: list[tuple[str, Kind]]
    rows: list[list[Value]] = field(default_factory=list)
    keys: int = 1
    row_kinds: dict[int, Kind] = field(default_factory=dict)

    def kind(self, row: int, col: int) -> Kind:
        """The kind of a cell: its column's, unless its row overrides the counts' kind."""
        kind = self.columns[col][1]
        return self.row_kinds.get(row, kind) if kind == "int" else kind


def _pct(value: float | None) -> float | None:
    """A change in per cent (``+50.0``) as the fraction a per-cent cell holds (``0.5``)."""
    return None if value is None else value / 100


def _year_before(month: str) -> str:
    """``2026-03`` → ``2025-03``."""
    return f"{int(month[:4]) - 1:04d}{month[4:]}"


def _money(value: Decimal) -> float:
    return float(round(value, 2))


def _figures(row: Row) -> list[Value]:
    n, ly = row.now, row.last_year
    return [
        n.clues,
        ly.clues,
        _pct(row.clues_change),
        n.cases,
        ly.cases,
        _pct(row.cases_change),
        n.conversion,
        n.precision,
        _money(n.funds),
        _money(ly.funds),
        _pct(row.funds_change),
    ]


def _figure_columns(t: dict[str, str]) -> list[tuple[str, Kind]]:
    return [
        (t["clues"], "int"),
        (t["clues_ly"], "int"),
        (t["change"], "change"),
        (t["cases"], "int"),
        (t["cases_ly"], "int"),
        (t["change"], "change"),
        (t["conversion"], "share"),
        (t["precision"], "share"),
        (t["funds"], "money"),
        (t["funds_ly"], "money"),
        (t["change"], "change"),
    ]


def _summary(stats: Statistics, t: dict[str, str]) -> Table:
    period = f"{stats.start} — {stats.end}"
    columns: list[tuple[str, Kind]] = [
        (t["item"], "text"),
        (f"{t['now']} ({period})", "int"),
        (f"{t['last_year']} ({_year_before(stats.start)} — {_year_before(stats.end)})", "int"),
        (t["change"], "change"),
    ]
    total = stats.total
    n, ly = total.now, total.last_year
    conversion_change = (
        None
        if n.conversion is None or ly.conversion is None
        else change(n.conversion, ly.conversion)
    )
    rows: list[list[Value]] = [
        [t["clues"], n.clues, ly.clues, _pct(total.clues_change)],
        [t["cases"], n.cases, ly.cases, _pct(total.cases_change)],
        [t["conversion"], n.conversion, ly.conversion, _pct(conversion_change)],
        [t["funds"], _money(n.funds), _money(ly.funds), _pct(total.funds_change)],
        [t["production"], stats.models.get("production", 0), None, None],
        [t["under_construction"], stats.models.get("under_construction", 0), None, None],
    ]
    # one figure per row: the conversion row holds shares, the funds row money
    return Table(t["summary"], columns, rows, row_kinds={2: "share", 3: "money"})


def _breakdown(
    stats: Statistics,
    dim: str,
    t: dict[str, str],
    names: dict[str, str] | None = None,
    name_header: str = "key_name",
) -> Table:
    rows = stats.rows
    if dim == "domain":  # all four domains, in their usual order, even without figures
        present = {r.key["domain"]: r for r in rows}
        known = [present.get(d, Row({"domain": d}, Figures(), Figures())) for d in DOMAINS]
        rows = known + [r for r in rows if r.key["domain"] not in DOMAINS]
    keys: list[tuple[str, Kind]] = [(t[f"key_{dim}"], "text")]
    if names is not None:
        keys.append((t[name_header], "text"))
    table = Table(t[dim], [*keys, *_figure_columns(t)], keys=len(keys))
    for row in rows:
        key = row.key[dim]
        label = t.get(key, key) if dim == "domain" else key
        cells: list[Value] = [label or "—"]
        if names is not None:
            cells.append(names.get(key, ""))
        table.rows.append([*cells, *_figures(row)])
    total: list[Value] = [t["total"]]
    if names is not None:
        total.append("")
    table.rows.append([*total, *_figures(stats.total)])
    return table


def model_titles(lang: str, registry: Any | None = None) -> dict[str, str]:
    """Model id → title in ``lang`` (the pack's models, or ``registry``'s: a project's too)."""
    from lexradar.models import Registry

    found = registry if registry is not None else Registry()
    return {mid: getattr(m.spec.title, lang) for mid, m in found.models.items()}


def _names(casebook: Casebook) -> dict[str, str]:
    with casebook.read() as conn:
        rows = conn.execute(sa.select(procuratorates.c.code, procuratorates.c.name))
        return {r.code: r.name for r in rows}


def narrow(casebook: Casebook, actor: User, procuratorate: str | None) -> tuple[User, str]:
    """The acting user narrowed to ``procuratorate``'s subtree, and the name of the scope.

    Without ``procuratorate`` the actor's own procuratorate. An unknown code, or one outside
    the actor's subtree, is refused with an error naming it.
    """
    code = procuratorate or actor.procuratorate_code
    with casebook.read() as conn:
        name = conn.execute(
            sa.select(procuratorates.c.name).where(procuratorates.c.code == code)
        ).scalar()
    where = Location(field="procuratorate")
    if name is None:
        raise NotFoundError(f"no procuratorate with code {code!r}", where)
    if not code.startswith(actor.prefix):
        raise PermissionDenied(
            f"procuratorate {code} ({name}) is outside {actor.username}'s region "
            f"({actor.procuratorate_code})",
            where,
        )
    return User(actor.id, actor.username, actor.role, code), f"{name} ({code})"


@dataclass
class PeriodReport:
    """Everything a period report shows: title, scope, tables, and the statistics behind them."""

    title: str
    scope: str
    lang: str
    tables: list[Table]
    stats: dict[str, Statistics]
    names: dict[str, str]
    model_names: dict[str, str] = field(default_factory=dict)
    """Model id → its title in the report's language (the by-model table and chart)."""

    @property
    def text(self) -> dict[str, str]:
        return TEXT[self.lang]


def period_report(
    casebook: Casebook,
    actor: User,
    start: dt.date,
    end: dt.date,
    lang: str = "zh",
    models: Iterable[tuple[str, str]] | None = None,
    *,
    level: Literal["province", "city", "county"] = "county",
    procuratorate: str | None = None,
    registry: Any | None = None,
) -> PeriodReport:
    """Compute the report once: the statistics by model, domain, procuratorate and month."""
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, not {lang!r}")
    t = TEXT[lang]
    actor, scope_name = narrow(casebook, actor, procuratorate)

    def by(*dims: str, **kw: Any) -> Statistics:
        return statistics(casebook, actor, start=start, end=end, by=dims, **kw)

    by_model = by("model", models=list(models or ()))
    by_domain, by_month = by("domain"), by("month")
    by_region = by("region", level=level)
    names = _names(casebook)
    titles = model_titles(lang, registry)
    title = f"{t['title']} {by_model.start} — {by_model.end}"
    tables = [
        _summary(by_model, t),
        _breakdown(by_domain, "domain", t),
        _breakdown(by_model, "model", t, titles, "key_model_name"),
        _breakdown(by_region, "region", t, names),
        _breakdown(by_month, "month", t),
    ]
    stats = {"model": by_model, "domain": by_domain, "region": by_region, "month": by_month}
    return PeriodReport(title, scope_name, lang, tables, stats, names, titles)


def period_tables(
    casebook: Casebook,
    actor: User,
    start: dt.date,
    end: dt.date,
    lang: str = "zh",
    models: Iterable[tuple[str, str]] | None = None,
    *,
    level: Literal["province", "city", "county"] = "county",
    procuratorate: str | None = None,
) -> tuple[str, list[Table]]:
    """The report's title and tables: the summary, then by domain, model, procuratorate, month."""
    report = period_report(
        casebook, actor, start, end, lang, models, level=level, procuratorate=procuratorate
    )
    return report.title, report.tables


def cell_text(value: Value, kind: Kind) -> str:
    """A cell as the HTML page and the PDF print it (``1,234``, ``5,000.50``, ``12.5%``)."""
    if value is None:
        return ""
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    if kind == "money" and isinstance(value, float):
        return f"{value:,.2f}"
    if kind == "share" and isinstance(value, float):
        return f"{value:.1%}"
    if kind == "change" and isinstance(value, float):
        return f"{value * 100:+.1f}%"
    return str(value)
