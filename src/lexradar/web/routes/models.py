"""The model catalogue: every model with its rule, SQL, golden examples, runs and yield; a
model builder can run a model as a background job and watch its progress."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues.access import User
from lexradar.errors import LexradarError
from lexradar.models.examples import examples_path, load_examples
from lexradar.reports.activity import model_activity
from lexradar.web.deps import ALL_ROLES, BUILDERS, CasebookDep, SettingsDep, require_role
from lexradar.web.lookups import registry
from lexradar.web.runs import refuse_unless_runnable, run_model_job, runnable
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(require_role(*ALL_ROLES))]
Builder = Annotated[User, Depends(require_role(*BUILDERS))]


@router.get("/models", response_class=HTMLResponse)
def catalogue(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Viewer
) -> HTMLResponse:
    models = sorted(registry(settings).models.values(), key=lambda m: m.id)
    activity = model_activity(casebook, user, [m.id for m in models])
    return render(request, "models.html", models=models, activity=activity)


@router.get("/models/jobs/{job_id}", response_class=HTMLResponse)
def job_fragment(request: Request, user: Builder, job_id: str) -> HTMLResponse:
    """One job's progress (an HTMX fragment that polls itself until the job ends)."""
    return render(request, "_job.html", job=request.app.state.jobs.get(job_id, user))


@router.get("/models/{model_id}", response_class=HTMLResponse)
def model_page(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Viewer, model_id: str
) -> HTMLResponse:
    model = registry(settings).get(model_id)
    activity = model_activity(casebook, user, [model.id])[model.id]
    examples, problem = [], ""
    if examples_path(model).exists():
        try:
            examples = load_examples(model)
        except LexradarError as exc:
            problem = str(exc)
    jobs = request.app.state.jobs.of(user, model.id) if user.role in BUILDERS else []
    return render(
        request,
        "model.html",
        model=model,
        activity=activity,
        examples=examples,
        examples_problem=problem,
        jobs=jobs,
        can_run=user.role in BUILDERS,
        runnable=runnable(settings, model.id),
    )


@router.post("/models/{model_id}/run")
def model_run(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Builder, model_id: str
) -> Response:
    """Start a run of the model in the background; the model's page shows its progress."""
    model = registry(settings).get(model_id)
    refuse_unless_runnable(settings, model)
    job = request.app.state.jobs.submit(
        "model.run", model.id, user, partial(run_model_job, settings, casebook, user, model.id)
    )
    if request.headers.get("HX-Request"):
        return render(request, "_job.html", job=job)
    return RedirectResponse(f"/models/{model.id}#job-{job.id}", status_code=303)
