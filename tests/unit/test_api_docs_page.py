"""The API reference page: readable on a phone, grouped, with examples and errors, no CDN."""

from __future__ import annotations

import re

from fintech_ui.api.docs_page import render_docs

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Shop API", "version": "2.0", "description": "Send `x-token: <t>`."},
    "tags": [{"name": "cart", "description": "The `cart` of the token's owner."}],
    "paths": {
        "/items": {
            "get": {
                "summary": "List Items",
                "description": "Products on sale.",
                "parameters": [
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "default": 1},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "One page",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Page"}}
                        },
                    },
                    "422": {"description": "A parameter is not valid"},
                },
            }
        },
        "/cart/items": {
            "post": {
                "tags": ["cart"],
                "description": "Add <b>one</b> product.",
                "security": [{"token": []}],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"item_id": {"type": "integer", "example": 7}},
                            }
                        }
                    }
                },
                "responses": {
                    "201": {"description": "Added"},
                    "401": {"description": "No valid token"},
                    "409": {"description": "Out of stock"},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Page": {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": {"type": "string"}},
                    "total": {"type": "integer", "example": 42},
                },
            }
        }
    },
}


def page() -> str:
    return render_docs(SPEC)


def test_phones_render_it_at_their_own_width():
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in page()


def test_no_literal_backticks_show_code_is_marked_up():
    assert "`" not in page()
    assert "<code>x-token: &lt;t&gt;</code>" in page()


def test_endpoints_are_grouped_by_tag_or_first_path_segment():
    headings = re.findall(r"<h2 id='group-[a-z-]+'>([^<]+)</h2>", page())
    assert headings == ["Items", "Cart"]


def test_parameters_are_a_table_with_type_place_and_default():
    assert (
        "<td><code class='name'>page</code></td><td>integer<br><small>query, optional</small>"
        in (page())
    )
    assert "Default <code>1</code>." in page()


def test_request_and_response_examples_come_from_the_schemas():
    assert "&quot;item_id&quot;: 7" in page()
    assert "&quot;total&quot;: 42" in page()


def test_error_codes_are_listed_with_their_meaning():
    text = page()
    for status, meaning in [("401", "No valid token"), ("409", "Out of stock"), ("422", "")]:
        assert f"<td><code>{status}</code></td><td>{meaning}" in text


def test_text_from_the_spec_is_escaped():
    assert "<b>one</b>" not in page()
    assert "Add &lt;b&gt;one&lt;/b&gt; product." in page()


def test_self_contained_no_script_and_no_external_resources():
    text = page()
    assert "<script" not in text
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", text)


def test_the_real_api_description_renders():
    from fintech_ui.api import api

    text = render_docs(api.openapi())
    assert "`" not in text
    assert "/api/cart/items" in text
