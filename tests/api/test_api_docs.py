"""GET /openapi.json and GET /docs describe every endpoint; unknown routes answer JSON."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

PATHS = {
    "/register": {"post"},
    "/login": {"post"},
    "/logout": {"post"},
    "/items": {"get"},
    "/cart": {"get"},
    "/cart/items": {"post"},
    "/cart/items/{item_id}": {"patch", "delete"},
    "/cart/accept-prices": {"post"},
    "/checkout": {"post"},
    "/orders": {"get"},
    "/orders/{order_id}": {"get"},
    "/account": {"get"},
    "/account/deposits": {"post"},
    "/account/withdrawals": {"post"},
    "/account/password": {"post"},
    "/account/sessions": {"get"},
    "/account/sessions/{session_id}": {"delete"},
    "/portfolio": {"get"},
    "/portfolio/sales": {"post"},
    "/items/{item_id}/prices": {"get"},
    "/admin/products": {"get", "post"},
    "/admin/products/{item_id}": {"get", "put", "delete"},
    "/admin/users": {"get"},
    "/admin/users/{user_id}/disable": {"post"},
    "/admin/users/{user_id}/enable": {"post"},
    "/admin/orders": {"get"},
    "/admin/orders/{order_id}": {"get"},
    "/admin/audit": {"get"},
    "/admin/audit.csv": {"get"},
    "/admin/analytics": {"get"},
}

# The one operation whose success is not JSON: the audit log as a CSV download.
NOT_JSON = {("/admin/audit.csv", "get"): "text/csv"}

# Product forms answer a refused product with a message per field (a Message plus `errors`).
FIELD_ERRORS = {("/admin/products", "post"), ("/admin/products/{item_id}", "put")}

PUBLIC = {
    ("/register", "post"),
    ("/login", "post"),
    ("/items", "get"),
    ("/items/{item_id}/prices", "get"),
}


def _operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_openapi_json_is_valid_json_with_openapi_version(client: TestClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Fintech UI API"


def test_openapi_json_describes_every_path_and_method(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    described = {path: set(methods) for path, methods in spec["paths"].items()}

    assert described == PATHS


def test_openapi_register_accepts_form_and_json_bodies(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    content = spec["paths"]["/register"]["post"]["requestBody"]["content"]

    assert set(content) == {"application/x-www-form-urlencoded", "application/json"}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/cart/items", "post"),
        ("/cart/items/{item_id}", "patch"),
        ("/account/deposits", "post"),
        ("/portfolio/sales", "post"),
        ("/account/withdrawals", "post"),
    ],
)
def test_openapi_json_bodies_forbid_extra_fields(
    client: TestClient, path: str, method: str
) -> None:
    spec = client.get("/openapi.json").json()

    schema = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]

    assert schema["additionalProperties"] is False


def test_docs_is_html_mentioning_every_path(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for path in PATHS:  # each operation's heading names its full path
        assert f"<span class='path'>/api{path}</span>" in response.text, path


def test_docs_page_loads_nothing_from_other_sites(client: TestClient) -> None:
    text = client.get("/docs").text

    assert "<script" not in text
    assert "http://" not in text and "https://" not in text


def test_docs_and_openapi_are_served_under_the_api_prefix(prefixed_client: TestClient) -> None:
    docs = prefixed_client.get("/api/docs")
    spec = prefixed_client.get("/api/openapi.json")

    assert docs.status_code == 200 and "/checkout" in docs.text
    assert spec.status_code == 200 and "/checkout" in spec.json()["paths"]


def test_docs_link_to_openapi_json_resolves_under_the_prefix(prefixed_client: TestClient) -> None:
    # The page links to the relative URL "openapi.json": from /api/docs that is /api/openapi.json.
    assert "href='openapi.json'" in prefixed_client.get("/api/docs").text

    assert prefixed_client.get("/api/openapi.json").status_code == 200


def test_unknown_path_answers_404_json(client: TestClient) -> None:
    response = client.get("/no-such-endpoint")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/login"), ("GET", "/register"), ("PUT", "/cart"), ("POST", "/items")],
)
def test_wrong_method_answers_405_json(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)

    assert response.status_code == 405
    assert response.json() == {"message": "Method not allowed."}


def test_every_operation_documents_a_2xx_response_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    for path, method, operation in _operations(spec):
        ok = [code for code in operation["responses"] if code.startswith("2")]
        assert len(ok) == 1, (method, path, ok)
        content = operation["responses"][ok[0]]["content"]
        if (path, method) in NOT_JSON:
            assert set(content) == {NOT_JSON[path, method]}, (method, path, content)
            assert content[NOT_JSON[path, method]]["schema"] == {"type": "string"}
            continue
        schema = content["application/json"]["schema"]
        assert schema.get("$ref", "").startswith("#/components/schemas/"), (method, path, schema)


def test_every_error_response_is_a_documented_message(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, method, operation in _operations(spec):
        errors = {code: r for code, r in operation["responses"].items() if code[0] in "45"}
        assert "500" in errors, (method, path)
        for code, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            name = "FieldErrors" if (path, method) in FIELD_ERRORS and code == "422" else "Message"
            assert schema == {"$ref": f"#/components/schemas/{name}"}, (method, path, code)
            assert response["description"], (method, path, code)


def test_field_errors_are_a_message_with_a_message_per_field(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    # A client that reads only `message` (as for every other error) still gets its sentence.
    assert schemas["FieldErrors"]["required"] == ["message"]
    assert schemas["FieldErrors"]["properties"]["message"]["type"] == "string"
    errors = schemas["FieldErrors"]["properties"]["errors"]
    assert errors["type"] == "object" and errors["additionalProperties"] == {"type": "string"}


def test_authenticated_operations_list_401_and_the_security_schemes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    assert spec["components"]["securitySchemes"] == {
        "AccessToken": {"type": "apiKey", "in": "header", "name": "x-access-tokens"},
        "Bearer": {"type": "http", "scheme": "bearer"},
    }
    for path, method, operation in _operations(spec):
        if (path, method) in PUBLIC:
            assert "security" not in operation, (method, path)
            continue
        assert "401" in operation["responses"], (method, path)
        schemes = {name for requirement in operation["security"] for name in requirement}
        assert schemes == {"AccessToken", "Bearer"}, (method, path)


def test_operations_with_bodies_document_413_and_400(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    for path, method, operation in _operations(spec):
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(operation["responses"]), (method, path)
