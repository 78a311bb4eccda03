"""GET /docs: the API reference, rendered from the OpenAPI description (api/docs_page.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fintech_ui.api.docs_page import render_docs

router = APIRouter()


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """A page listing every endpoint, for people reading the API for the first time."""
    return HTMLResponse(render_docs(request.app.openapi()))
