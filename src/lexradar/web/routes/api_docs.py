"""The API's interactive documentation (Swagger UI), served from ``static/vendor`` like every
other front-end file instead of from a CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over ``/api/openapi.json`` (open to all: the document holds no data)."""
    return render(request, "api_docs.html")
