"""Running a model from the workbench: a background job that runs the model's production
version over the lake and loads its clues into the casebook — within the builder's region
subtree only — reporting progress (running, then loading n of N clues).

The work is :meth:`lexradar.project.Project.run_then_load`, the same the CLI's ``run --load``
and the scheduler call.
"""

from __future__ import annotations

from typing import Any

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import TransitionError
from lexradar.errors import Location, ModelError
from lexradar.models.registry import Model
from lexradar.project import Project
from lexradar.settings import Settings
from lexradar.web.i18n import t
from lexradar.web.jobs import Progress
from lexradar.web.lookups import registry


def runnable(settings: Settings, model_id: str) -> bool:
    """Whether a run into the casebook takes ``model_id``: it has a production version."""
    try:
        registry(settings).select([model_id])
    except ModelError:
        return False
    return True


def refuse_unless_runnable(settings: Settings, model: Model) -> None:
    """A model with no production version is not run into the casebook from the workbench (its
    page or the API): its clues would be refused at the load (handlers' queues hold production
    clues only)."""
    if not runnable(settings, model.id):
        status = t(f"mstatus.{model.spec.status}")
        raise TransitionError(
            t("models.run_refused", id=model.id, status=status), Location(field="status")
        )


def run_model_job(
    settings: Settings, casebook: Casebook, actor: User, model_id: str, progress: Progress
) -> dict[str, Any]:
    """Run one production model as of the settings' date and load its clues; what it did."""
    project = Project.from_settings(settings, casebook=casebook, registry=registry(settings))
    run, loaded = project.run_then_load([model_id], actor, progress=progress)
    (record,) = run.records
    return {
        "run_id": record.run_id,
        "clues": run.clues.num_rows,
        "seconds": round(record.seconds, 2),
        **loaded.as_dict(),
    }
