"""Casebook statistics: one function serves the CLI, the web workbench and the reports.

:func:`statistics` counts, for a period of months and the same period a year before, the
clues discovered (by the month they were first seen, from the running counts of
:mod:`lexradar.clues.tally`), the clues converted into supervised
cases, the cases opened and the funds they recovered — grouped by any of ``model``,
``domain``, ``region`` (rolled up to ``province``, ``city`` or ``county``) and ``month`` —
with the change in per cent. It also gives each group's measured precision (confirmed over
judged clues), which is the feedback a model's owner reads. Everything is scoped to the
acting user's region subtree by :func:`lexradar.clues.access.scope`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeVar

import sqlalchemy as sa

from lexradar.clues.access import User, scope
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.tables import STATES, cases, clue_tallies, clues
from lexradar.errors import Location

DIMENSIONS = ("model", "domain", "region", "month")
LEVELS = {"province": 2, "city": 4, "county": 6}
Level = Literal["province", "city", "county"]
_LEVEL_NAMES: dict[str, Level] = {"province": "province", "city": "city", "county": "county"}


def region_level(text: str) -> Level:
    """``text`` as a region roll-up level, or the error :func:`statistics` gives for it."""
    if text not in _LEVEL_NAMES:
        raise CasebookError(
            f"group by {', '.join(DIMENSIONS)}; levels {', '.join(LEVELS)}", Location(field="by")
        )
    return _LEVEL_NAMES[text]


CONVERTED = ("supervised", "closed")
CONFIRMED = ("confirmed", "supervised", "closed")


@dataclass
class Figures:
    clues: int = 0
    converted: int = 0
    confirmed: int = 0
    dismissed: int = 0
    cases: int = 0
    funds: Decimal = Decimal(0)

    @property
    def conversion(self) -> float | None:
        """Clues that became supervised cases, over clues discovered."""
        return self.converted / self.clues if self.clues else None

    @property
    def precision(self) -> float | None:
        """Confirmed clues over judged (confirmed or dismissed) clues."""
        judged = self.confirmed + self.dismissed
        return self.confirmed / judged if judged else None


_Number = TypeVar("_Number", float, Decimal)


def change(now: _Number, before: _Number) -> float | None:
    """The change in per cent from ``before`` to ``now``; ``None`` when there was nothing."""
    return None if not before else round(float((now - before) / before) * 100, 1)


@dataclass
class Row:
    key: dict[str, str]
    now: Figures = field(default_factory=Figures)
    last_year: Figures = field(default_factory=Figures)

    @property
    def clues_change(self) -> float | None:
        return change(self.now.clues, self.last_year.clues)

    @property
    def cases_change(self) -> float | None:
        return change(self.now.cases, self.last_year.cases)

    @property
    def funds_change(self) -> float | None:
        return change(self.now.funds, self.last_year.funds)


@dataclass
class Statistics:
    by: tuple[str, ...]
    start: str
    end: str
    rows: list[Row]
    total: Row
    models: dict[str, int] = field(default_factory=dict)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Headers and rows as text, the total last: what the CLI prints and reports fill in."""
        headers = [
            *self.by,
            "clues",
            "last year",
            "Δ%",
            "cases",
            "last year",
            "Δ%",
            "conversion",
            "precision",
            "funds recovered",
            "last year",
        ]

        def pct(value: float | None) -> str:
            return "" if value is None else f"{value:+.1f}"

        def share(value: float | None) -> str:
            return "" if value is None else f"{value:.1%}"

        out = []
        for row in [*self.rows, self.total]:
            key = [row.key.get(d, "total" if row is self.total else "") for d in self.by]
            n, ly = row.now, row.last_year
            out.append(
                [
                    *key,
                    str(n.clues),
                    str(ly.clues),
                    pct(row.clues_change),
                    str(n.cases),
                    str(ly.cases),
                    pct(row.cases_change),
                    share(n.conversion),
                    share(n.precision),
                    f"{n.funds:.2f}",
                    f"{ly.funds:.2f}",
                ]
            )
        return headers, out


def _shift(month: str, years: int) -> str:
    return f"{int(month[:4]) + years:04d}{month[4:]}"


def month_of(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _keys(
    table: sa.Table, month_col: sa.ColumnElement[Any], by: Sequence[str], level: str
) -> list[sa.ColumnElement[Any]]:
    cols: dict[str, sa.ColumnElement[Any]] = {
        "model": sa.func.coalesce(table.c.model_id, ""),
        "domain": table.c.domain,
        "region": sa.func.substr(table.c.procuratorate_code, 1, LEVELS[level]),
        "month": month_col,
    }
    return [cols[d].label(d) for d in by]


def statistics(
    casebook: Casebook,
    actor: User,
    *,
    start: dt.date,
    end: dt.date,
    by: Sequence[str] = ("model",),
    level: Level = "city",
    models: Iterable[tuple[str, str]] = (),
) -> Statistics:
    """Figures for the months from ``start`` to ``end`` (inclusive) and a year before.

    ``models`` are ``(model id, status)`` pairs to count models in production and under
    construction (draft or testing).
    """
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown or level not in LEVELS:
        raise CasebookError(
            f"group by {', '.join(DIMENSIONS)}; levels {', '.join(LEVELS)}", Location(field="by")
        )
    a, b = month_of(start), month_of(end)
    la, lb = _shift(a, -1), _shift(b, -1)
    rows: dict[tuple[str, ...], Row] = {}
    total = Row({})

    def figures(key: tuple[str, ...], month: str) -> Figures:
        current = month >= a
        if "month" in by and not current:  # pair a month with the same month a year later
            i = list(by).index("month")
            key = (*key[:i], _shift(key[i], 1), *key[i + 1 :])
        row = rows.setdefault(key, Row(dict(zip(by, key, strict=True))))
        return row.now if current else row.last_year

    with casebook.read() as conn:
        t = clue_tallies
        period = sa.case((t.c.first_month >= a, a), else_=la).label("period")

        def summed(states: Sequence[str]) -> sa.ColumnElement[Any]:
            return sa.func.sum(sum((t.c[s] for s in states[1:]), t.c[states[0]]))

        query = (
            sa.select(
                *_keys(t, t.c.first_month, by, level),
                period,
                summed(STATES),
                summed(CONVERTED),
                summed(CONFIRMED),
                summed(("dismissed",)),
            )
            .where(
                scope(t.c.procuratorate_code, actor),
                sa.or_(t.c.first_month.between(a, b), t.c.first_month.between(la, lb)),
            )
            .group_by(*[sa.literal_column(d) for d in by], sa.literal_column("period"))
        )
        for r in conn.execute(query):
            key, (month, n, converted, confirmed, dismissed) = tuple(r[: len(by)]), r[len(by) :]
            for f in (figures(key, month), total.now if month >= a else total.last_year):
                f.clues += int(n or 0)
                f.converted += int(converted or 0)
                f.confirmed += int(confirmed or 0)
                f.dismissed += int(dismissed or 0)
        period = sa.case((cases.c.opened_month >= a, a), else_=la).label("period")
        query = (
            sa.select(
                *_keys(cases, cases.c.opened_month, by, level),
                period,
                sa.func.count(),
                sa.func.sum(cases.c.funds_recovered),
            )
            .where(
                scope(cases.c.procuratorate_code, actor),
                sa.or_(cases.c.opened_month.between(a, b), cases.c.opened_month.between(la, lb)),
            )
            .group_by(*[sa.literal_column(d) for d in by], sa.literal_column("period"))
        )
        for r in conn.execute(query):
            key, (month, n, funds) = tuple(r[: len(by)]), r[len(by) :]
            for f in (figures(key, month), total.now if month >= a else total.last_year):
                f.cases += n
                f.funds += Decimal(str(funds or 0))
    counts = {"production": 0, "under_construction": 0}
    for _model_id, status_ in models:
        if status_ == "production":
            counts["production"] += 1
        elif status_ in ("draft", "testing"):
            counts["under_construction"] += 1
    for row in rows.values():
        if "region" in row.key:
            row.key["region"] = row.key["region"].ljust(6, "0")
    ordered = [rows[k] for k in sorted(rows)]
    return Statistics(tuple(by), a, b, ordered, total, counts)


def dismissal_reasons(casebook: Casebook, actor: User) -> dict[str, dict[str, int]]:
    """Per model, how many clues were dismissed for each reason: where a rule raises noise."""
    query = (
        sa.select(clues.c.model_id, clues.c.dismiss_reason, sa.func.count())
        .where(scope(clues.c.procuratorate_code, actor), clues.c.status == "dismissed")
        .group_by(clues.c.model_id, clues.c.dismiss_reason)
    )
    out: dict[str, dict[str, int]] = {}
    with casebook.read() as conn:
        for model_id, reason, n in conn.execute(query):
            out.setdefault(model_id, {})[reason] = n
    return out
