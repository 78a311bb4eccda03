"""GET /docs: browsable API documentation rendered from the OpenAPI description.

Self-contained (no CDN, no script): nothing is fetched at run time.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1c2024}
h1{font-size:1.6rem} .op{border:1px solid #dde;border-radius:8px;padding:.8rem 1rem;margin:.8rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.get{color:#0d74ce}.post{color:#18794e}.patch{color:#ab6400}.delete{color:#ce2c31}
code,pre{background:#f4f4f6;border-radius:4px;padding:.1rem .3rem} pre{padding:.6rem;overflow:auto}
"""


def _schema_block(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    blocks = []
    for media, spec in content.items():
        schema = json.dumps(spec.get("schema", {}), indent=2)
        blocks.append(f"<p>Body ({html.escape(media)}):</p><pre>{html.escape(schema)}</pre>")
    params = operation.get("parameters", [])
    if params:
        names = ", ".join(
            f"<code>{html.escape(p['name'])}</code> ({html.escape(p.get('in', ''))})"
            for p in params
        )
        blocks.append(f"<p>Parameters: {names}</p>")
    return "".join(blocks)


def render_docs(spec: dict[str, Any]) -> str:
    """An HTML page describing every path and method of `spec`; all text escaped."""
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head>",
        f"<body><h1>{html.escape(info.get('title', 'API'))} {html.escape(info.get('version', ''))}",
        f"</h1><p>{html.escape(info.get('description', ''))}</p>",
        "<p>Machine-readable description: <a href='openapi.json'>openapi.json</a>.",
        " All paths below are under <code>/api</code>.</p>",
    ]
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            summary = operation.get("description") or operation.get("summary", "")
            parts.append(
                f"<div class='op'><span class='m {html.escape(method)}'>"
                f"{html.escape(method.upper())}</span> <code>{html.escape(path)}</code>"
                f"<p>{html.escape(summary)}</p>{_schema_block(operation)}</div>"
            )
    parts.append("</body></html>")
    return "".join(parts)


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """A page listing every endpoint, for people reading the API for the first time."""
    return HTMLResponse(render_docs(request.app.openapi()))
