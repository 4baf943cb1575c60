"""One router per resource; :data:`ROUTERS` is what :func:`lexradar.web.app.create_app` mounts."""

from __future__ import annotations

from fastapi import APIRouter

from lexradar.web.routes import (
    admin,
    api,
    api_docs,
    audit,
    auth,
    batches,
    cases,
    clues,
    dashboard,
    downloads,
    models,
    persons,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    dashboard.router,
    clues.router,
    persons.router,
    cases.router,
    models.router,
    batches.router,
    audit.router,
    admin.router,
    downloads.router,
    api.router,
    api_docs.router,
]
