"""A readable API reference rendered from the OpenAPI description: one self-contained page.

No external assets (no CDN, no script): inline CSS only, every text escaped. Endpoints are
grouped by tag (or by their first path segment when untagged), each with its parameters, a
request example, response examples and the error codes it may answer. Takes only the OpenAPI
dict, so the module can live wherever the API does.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

_STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;color:#1c2024;
margin:0;background:#f9f9fb}
header,main{max-width:980px;margin:0 auto;padding:0 1rem}
header{padding-top:1.5rem}
h1{font-size:1.75rem;margin:.5rem 0}
h2{font-size:1.35rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:2px solid #d9d9e0}
h3{font-size:1.05rem;margin:0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
h4{font-size:.95rem;margin:1rem 0 .25rem}
a{color:#00695c}
a:focus-visible{outline:3px solid #0b7a6c;outline-offset:2px}
nav ul{padding-left:1.2rem;margin:.25rem 0}
.op{background:#fff;border:1px solid #d9d9e0;border-radius:8px;padding:1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.2rem;padding:.1rem .4rem;border-radius:4px;font:700 .85rem
ui-monospace,monospace;color:#fff;text-align:center}
.get{background:#0d5fa8}.post{background:#1c6b43}.put,.patch{background:#8a4f00}
.delete{background:#b4232a}
.path{font:600 1rem ui-monospace,monospace;overflow-wrap:anywhere}
.auth{font-size:.8rem;color:#60646c;font-weight:400}
code{font-family:ui-monospace,monospace;background:#eff0f3;border-radius:4px;padding:.05rem .3rem;
overflow-wrap:anywhere}
pre{font:.85rem/1.45 ui-monospace,monospace;background:#eff0f3;border-radius:6px;padding:.75rem;
white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e8e8ec;vertical-align:top}
th{color:#60646c;font-weight:600}
.table{overflow-x:auto}
code.name{white-space:nowrap;overflow-wrap:normal}
small{color:#60646c}
.table:focus-visible{outline:3px solid #0b7a6c;outline-offset:2px}
"""

_METHODS = ("get", "post", "put", "patch", "delete")
_GENERIC_SUMMARY = re.compile(r"^(Successful Response|Validation Error)$")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _prose(text: str) -> str:
    """Escaped text where `code` spans become <code> (no literal backticks on the page)."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: show the text, just without it
        return _e(str(text).replace("`", ""))
    return "".join(_e(p) if i % 2 == 0 else f"<code>{_e(p)}</code>" for i, p in enumerate(parts))


def _resolve(spec: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """The schema with `$ref`s to #/components/schemas replaced (cycles cut off)."""
    if depth > 8 or not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        target = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
        return _resolve(spec, target, depth + 1)
    return schema


def _example(spec: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """An example value for `schema`: its own example or default, else one made from its type."""
    schema = _resolve(spec, schema, depth)
    if not isinstance(schema, dict) or depth > 6:
        return None
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if _resolve(spec, o).get("type") != "null"]
        if options:
            return _example(spec, options[0], depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: _example(spec, prop, depth + 1)
            for name, prop in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_example(spec, schema.get("items", {}), depth + 1)]
    if kind == "integer":
        return 0
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return True
    if kind == "string":
        return {"date-time": "2026-01-31T12:00:00Z"}.get(schema.get("format", ""), "string")
    return None


def _media_example(spec: dict[str, Any], media: dict[str, Any]) -> str | None:
    """Pretty JSON for a media type's example, or None when there is nothing to show."""
    if "example" in media:
        value = media["example"]
    elif media.get("examples"):
        first = next(iter(media["examples"].values()))
        value = first.get("value") if isinstance(first, dict) else first
    else:
        value = _example(spec, media.get("schema", {}))
    if value in (None, {}, []):
        return None
    return json.dumps(value, indent=2, ensure_ascii=False)


def _schema_type(spec: dict[str, Any], schema: Any) -> str:
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return ""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(filter(None, (_schema_type(spec, o) for o in schema[key])))
    kind = str(schema.get("type", ""))
    if kind == "array":
        return f"array of {_schema_type(spec, schema.get('items', {})) or 'values'}"
    return kind


def _parameters(spec: dict[str, Any], operation: dict[str, Any], where_from: str) -> str:
    params = operation.get("parameters", [])
    if not params:
        return ""
    rows = []
    for param in params:
        schema = _resolve(spec, param.get("schema", {}))
        default = schema.get("default") if isinstance(schema, dict) else None
        notes = [param.get("description") or schema.get("description", "")]
        if default not in (None, ""):
            notes.append(f"Default `{default}`.")
        where = f"{param.get('in', '')}, {'required' if param.get('required') else 'optional'}"
        rows.append(
            f"<tr><td><code class='name'>{_e(param.get('name', ''))}</code></td>"
            f"<td>{_e(_schema_type(spec, schema))}<br><small>{_e(where)}</small></td>"
            f"<td>{_prose(' '.join(n for n in notes if n))}</td></tr>"
        )
    return (
        "<h4>Parameters</h4><div class='table' tabindex='0' role='region' "
        f"aria-label='Parameters of {_e(where_from)}'><table><thead><tr><th scope='col'>Name</th>"
        "<th scope='col'>Type</th><th scope='col'>Notes</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _request(spec: dict[str, Any], operation: dict[str, Any]) -> str:
    body = operation.get("requestBody", {})
    content = body.get("content", {})
    if not content:
        return ""
    parts = ["<h4>Request body</h4>"]
    for media_type, media in content.items():
        example = _media_example(spec, media)
        parts.append(f"<p><code>{_e(media_type)}</code></p>")
        if example is not None:
            parts.append(f"<pre>{_e(example)}</pre>")
    return "".join(parts)


def _responses(spec: dict[str, Any], operation: dict[str, Any], where_from: str) -> str:
    responses = operation.get("responses", {})
    successes, errors = [], []
    for status, response in sorted(responses.items()):
        response = _resolve(spec, response)
        description = response.get("description", "")
        media = response.get("content", {}).get("application/json")
        example = _media_example(spec, media) if isinstance(media, dict) else None
        if str(status).startswith(("4", "5")):
            errors.append(
                f"<tr><td><code>{_e(status)}</code></td><td>{_prose(description)}</td></tr>"
            )
            continue
        successes.append(
            f"<p><code>{_e(status)}</code> {_prose(description)}</p>"
            + (f"<pre>{_e(example)}</pre>" if example else "")
        )
    html_parts = []
    if successes:
        html_parts.append("<h4>Response</h4>" + "".join(successes))
    if errors:
        html_parts.append(
            "<h4>Error codes</h4><div class='table' tabindex='0' role='region' "
            f"aria-label='Error codes of {_e(where_from)}'><table><thead><tr><th scope='col'>Status"
            f"</th><th scope='col'>Meaning</th></tr></thead><tbody>{''.join(errors)}</tbody>"
            "</table></div>"
        )
    return "".join(html_parts)


def _anchor(method: str, path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")


def _groups(spec: dict[str, Any]) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Operations by tag (or by first path segment), in the order the spec lists them."""
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            tags = operation.get("tags") or [path.strip("/").split("/")[0] or "general"]
            groups.setdefault(str(tags[0]), []).append((method, path, operation))
    return groups


def _operation(spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> str:
    summary = operation.get("summary", "")
    description = operation.get("description", "")
    secured = operation.get("security", spec.get("security"))
    auth = "<span class='auth'>needs a token</span>" if secured else ""
    label = f"{method.upper()} /api{path}"
    text = description or ("" if _GENERIC_SUMMARY.match(summary) else summary)
    return (
        f"<section class='op' id='{_anchor(method, path)}' aria-labelledby='"
        f"{_anchor(method, path)}-h'><h3 id='{_anchor(method, path)}-h'>"
        f"<span class='m {_e(method)}'>{_e(method.upper())}</span>"
        f"<span class='path'>/api{_e(path)}</span>{auth}</h3>"
        f"<p>{_prose(text)}</p>{_parameters(spec, operation, label)}{_request(spec, operation)}"
        f"{_responses(spec, operation, label)}</section>"
    )


def render_docs(spec: dict[str, Any]) -> str:
    """The whole reference as one HTML page; every value from `spec` is escaped."""
    info = spec.get("info", {})
    title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
    groups = _groups(spec)
    tag_text = {t.get("name"): t.get("description", "") for t in spec.get("tags", [])}
    contents = "".join(
        f"<li><a href='#group-{_anchor('', name)}'>{_e(name.capitalize())}</a></li>"
        for name in groups
    )
    body = []
    for name, operations in groups.items():
        body.append(f"<h2 id='group-{_anchor('', name)}'>{_e(name.capitalize())}</h2>")
        if tag_text.get(name):
            body.append(f"<p>{_prose(tag_text[name])}</p>")
        body.extend(_operation(spec, method, path, op) for method, path, op in operations)
    return "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{_e(title)} reference</title><style>{_STYLE}</style></head><body>",
            f"<header><h1>{_e(title)} reference</h1>",
            f"<p>{_prose(info.get('description', ''))}</p>",
            "<p>All paths are under <code>/api</code>. Requests and responses are JSON unless ",
            "noted. The machine-readable description is ",
            "<a href='openapi.json'>openapi.json</a>.</p>",
            f"<nav aria-label='Sections'><ul>{contents}</ul></nav></header>",
            f"<main>{''.join(body)}</main></body></html>",
        ]
    )
