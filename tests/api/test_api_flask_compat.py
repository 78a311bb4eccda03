"""A client of the old Flask service, unchanged except for /api in front of each path.

It registers with form fields, logs in with HTTP Basic, and sends the token back in the
`x-access-tokens` header; the status codes and messages it checks are the Flask service's.
"""

from __future__ import annotations

from starlette.testclient import TestClient


def test_old_flask_client_conversation_works_under_api_prefix(
    prefixed_client: TestClient, username: str, password: str
) -> None:
    registered = prefixed_client.post(
        "/api/register", data={"username": username, "password": password}
    )
    assert (registered.status_code, registered.json()["message"]) == (
        201,
        "Registration successful!",
    )

    logged_in = prefixed_client.post("/api/login", auth=(username, password))
    assert (logged_in.status_code, logged_in.json()["message"]) == (200, "Login Successful!")
    token = logged_in.json()["token"]

    items = prefixed_client.get("/api/items", headers={"x-access-tokens": token})
    assert items.status_code == 200
    assert isinstance(items.json()["items"], list)

    cart = prefixed_client.get("/api/cart", headers={"x-access-tokens": token})
    assert cart.status_code == 200


def test_old_client_sees_409_for_a_taken_name_under_api_prefix(
    prefixed_client: TestClient, username: str, password: str
) -> None:
    prefixed_client.post("/api/register", data={"username": username, "password": password})

    again = prefixed_client.post("/api/register", data={"username": username, "password": password})

    assert (again.status_code, again.json()) == (409, {"message": "User already exists"})


def test_old_client_sees_401_for_a_wrong_password_under_api_prefix(
    prefixed_client: TestClient, username: str, password: str
) -> None:
    prefixed_client.post("/api/register", data={"username": username, "password": password})

    response = prefixed_client.post("/api/login", auth=(username, password + "?"))

    assert (response.status_code, response.json()) == (401, {"message": "Invalid credentials!"})


def test_old_client_sees_401_token_missing_under_api_prefix(prefixed_client: TestClient) -> None:
    response = prefixed_client.get("/api/cart")

    assert (response.status_code, response.json()) == (401, {"message": "Token is missing!"})


def test_old_client_sees_401_invalid_token_under_api_prefix(prefixed_client: TestClient) -> None:
    response = prefixed_client.get("/api/cart", headers={"x-access-tokens": "stale"})

    assert (response.status_code, response.json()) == (401, {"message": "Invalid Token!"})
