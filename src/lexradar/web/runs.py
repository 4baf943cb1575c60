"""Running a model from the workbench: a background job that runs it over the lake and loads
its clues into the casebook, reporting progress (running, then loading n of N clues)."""

from __future__ import annotations

from typing import Any

from lexradar.clues.access import User, require
from lexradar.clues.db import Casebook
from lexradar.settings import Settings
from lexradar.web.jobs import Progress
from lexradar.web.lookups import registry


def run_model_job(
    settings: Settings, casebook: Casebook, actor: User, model_id: str, progress: Progress
) -> dict[str, Any]:
    """Run one model as of the settings' date and load its clues; what the load did."""
    from lexradar.clues.store import load_clues
    from lexradar.engine import open_engine
    from lexradar.models.run import run_model

    require(actor, "admin", "model_builder")
    models = registry(settings)
    model = models.get(model_id)
    progress("running", 0, 1)
    with open_engine(
        settings.lake,
        settings.engine,
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
    ) as engine:
        table, record = run_model(engine, model, settings.run_date())
    total = table.num_rows
    progress("loading", 0, total)
    domains = {m.id: m.spec.domain for m in models.models.values()}
    report = load_clues(
        casebook,
        table,
        actor,
        runs=[record],
        domains=domains,
        on_batch=lambda n: progress("loading", n, total),
    )
    progress("loading", total, total)
    return {
        "run_id": record.run_id,
        "clues": total,
        "seconds": round(record.seconds, 2),
        "new": report.new,
        "refreshed": report.refreshed,
        "changed": report.changed,
        "reopened": len(report.reopened),
    }
