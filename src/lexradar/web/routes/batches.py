"""Ingestion batches of the project's lake and their quality reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from lexradar.clues.access import User
from lexradar.clues.errors import NotFoundError
from lexradar.ingest import batches, quality
from lexradar.web.deps import SettingsDep, require_role
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
DataViewer = Annotated[User, Depends(require_role("admin", "leader", "model_builder"))]


@router.get("/batches", response_class=HTMLResponse)
def batch_list(request: Request, settings: SettingsDep, user: DataViewer) -> HTMLResponse:
    found = batches.list_batches(settings.lake) if settings.lake.is_dir() else []
    return render(request, "batches.html", batches=list(reversed(found)), lake=settings.lake)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_detail(
    request: Request, settings: SettingsDep, user: DataViewer, batch_id: str
) -> HTMLResponse:
    manifest = batches.find_batch(settings.lake, batch_id) if settings.lake.is_dir() else None
    if manifest is None or len(batch_id) < 6:
        raise NotFoundError(f"no batch {batch_id!r} in {settings.lake}")
    report = quality.read_batch_report(settings.lake, manifest["batch_id"])
    sections = []
    if report:
        for key, _label in quality.SECTIONS:
            items = report.get(key) or {}
            if items:
                sections.append((key, {str(k): quality._fmt(v) for k, v in items.items()}))
        for field, counts in (report.get("values") or {}).items():
            sections.append((f"values:{field}", {str(k): f"{v:,}" for k, v in counts.items()}))
    return render(request, "batch.html", manifest=manifest, report=report, sections=sections)
