"""A model's activity in the casebook: its runs (latest first) and its yield — clues raised,
confirmed and dismissed, cases opened, dismissal reasons — scoped to the acting user's region.

The model pages (:mod:`lexradar.reports.model_docs`), the web's model pages and its API read
it from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lexradar.clues.access import User, scope
from lexradar.clues.db import Casebook
from lexradar.clues.tables import STATES, cases, clue_tallies, model_runs
from lexradar.reports.stats import CONFIRMED, dismissal_reasons

RECENT_RUNS = 10
"""How many of a model's latest runs are kept."""


@dataclass
class Yield:
    """What one model's clues became, in the acting user's region."""

    clues: int = 0
    confirmed: int = 0
    dismissed: int = 0
    cases: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        judged = self.confirmed + self.dismissed
        return self.confirmed / judged if judged else None


@dataclass
class Activity:
    """A model's runs (latest first) and yield, read from a casebook."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    run_count: int = 0
    yield_: Yield = field(default_factory=Yield)


def model_activity(casebook: Casebook, actor: User, ids: Sequence[str]) -> dict[str, Activity]:
    """Runs and yield of the models ``ids``; yield is scoped to ``actor``'s region."""
    out = {i: Activity() for i in ids}
    t = clue_tallies

    def summed(states: Sequence[str]) -> sa.ColumnElement[Any]:
        return sa.func.sum(sum((t.c[s] for s in states[1:]), t.c[states[0]]))

    with casebook.read() as conn:
        runs = conn.execute(
            sa.select(model_runs)
            .where(model_runs.c.model_id.in_(list(ids)))
            .order_by(model_runs.c.loaded_at.desc(), model_runs.c.run_id.desc())
        )
        for run in runs.mappings():
            act = out[run["model_id"]]
            act.run_count += 1
            if len(act.runs) < RECENT_RUNS:
                act.runs.append(dict(run))
        tallies = conn.execute(
            sa.select(t.c.model_id, summed(STATES), summed(CONFIRMED), summed(("dismissed",)))
            .where(t.c.model_id.in_(list(ids)), scope(t.c.procuratorate_code, actor))
            .group_by(t.c.model_id)
        )
        for model_id, n, confirmed, dismissed in tallies:
            y = out[model_id].yield_
            y.clues, y.confirmed, y.dismissed = (
                int(n or 0),
                int(confirmed or 0),
                int(dismissed or 0),
            )
        opened = conn.execute(
            sa.select(cases.c.model_id, sa.func.count())
            .where(cases.c.model_id.in_(list(ids)), scope(cases.c.procuratorate_code, actor))
            .group_by(cases.c.model_id)
        )
        for model_id, n in opened:
            out[model_id].yield_.cases = int(n)
    for model_id, reasons in dismissal_reasons(casebook, actor).items():
        if model_id in out:
            out[model_id].yield_.reasons = {str(k or ""): v for k, v in reasons.items()}
    return out
