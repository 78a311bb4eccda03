"""POST /register: form fields and JSON, duplicates, the account policy and hostile bodies."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from fintech_ui.api import MAX_BODY_BYTES


def test_register_with_form_fields_answers_201_with_message_and_id(
    client: TestClient, username: str, password: str
) -> None:
    response = client.post("/register", data={"username": username, "password": password})

    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Registration successful!"
    assert type(body["id"]) is int


def test_register_with_json_answers_201_with_message_and_id(
    client: TestClient, username: str, password: str
) -> None:
    response = client.post("/register", json={"username": username, "password": password})

    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Registration successful!"
    assert type(body["id"]) is int


def test_register_with_multipart_form_answers_201(
    client: TestClient, username: str, password: str
) -> None:
    fields = {"username": (None, username), "password": (None, password)}

    response = client.post("/register", files=fields)

    assert response.status_code == 201
    assert response.json()["message"] == "Registration successful!"


def test_registered_user_can_log_in_with_the_same_password(
    client: TestClient, username: str, password: str
) -> None:
    client.post("/register", json={"username": username, "password": password})

    response = client.post("/login", auth=(username, password))

    assert response.status_code == 200


def test_register_same_name_in_other_case_answers_409(
    client: TestClient, username: str, password: str
) -> None:
    first = client.post("/register", json={"username": username, "password": password})
    assert first.status_code == 201

    response = client.post(
        "/register", json={"username": username.upper(), "password": password + "-other"}
    )

    assert response.status_code == 409
    assert response.json() == {"message": "User already exists"}


@pytest.mark.parametrize(
    ("bad_password", "message"),
    [
        pytest.param("short-pw1", "Password must be 12–128 characters long.", id="too-short"),
        pytest.param(
            "1qaz2wsx3edc", "This password is too common. Choose another.", id="too-common"
        ),
        pytest.param("x" * 129, "Password must be 12–128 characters long.", id="too-long"),
        pytest.param(
            "ab\x00cdefghijklmn", "Password must not contain control characters.", id="control"
        ),
    ],
)
def test_register_with_password_breaking_policy_answers_422_with_policy_message(
    client: TestClient, username: str, bad_password: str, message: str
) -> None:
    response = client.post("/register", json={"username": username, "password": bad_password})

    assert response.status_code == 422
    assert response.json() == {"message": message}


def test_register_with_password_containing_username_answers_422(
    client: TestClient, username: str
) -> None:

    response = client.post(
        "/register", json={"username": username, "password": f"my-{username}-pass"}
    )

    assert response.status_code == 422
    assert response.json() == {"message": "Password must not contain the username."}


@pytest.mark.parametrize(
    ("bad_username", "message"),
    [
        pytest.param(
            "<b>x</b>",
            "Username may contain only letters, digits, '.', '_' and '-'.",
            id="markup",
        ),
        pytest.param("ab", "Username must be 3–32 characters long.", id="too-short"),
        pytest.param("a" * 33, "Username must be 3–32 characters long.", id="too-long"),
        pytest.param(
            "ab\u200bcd",
            "Username must not contain control or invisible characters.",
            id="zero-width",
        ),
    ],
)
def test_register_with_bad_username_answers_422_with_policy_message(
    client: TestClient, bad_username: str, password: str, message: str
) -> None:
    response = client.post("/register", json={"username": bad_username, "password": password})

    assert response.status_code == 422
    assert response.json() == {"message": message}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"username": 123, "password": "Velvet-Orbit-123456"},
            "Invalid value for username: Input should be a valid string.",
            id="number-username",
        ),
        pytest.param(
            {"username": "someone", "password": ["Velvet-Orbit-123456"]},
            "Invalid value for password: Input should be a valid string.",
            id="list-password",
        ),
        pytest.param(
            {"username": "someone", "password": None},
            "Invalid value for password: Input should be a valid string.",
            id="null-password",
        ),
        pytest.param(
            {"username": True, "password": "Velvet-Orbit-123456"},
            "Invalid value for username: Input should be a valid string.",
            id="bool-username",
        ),
    ],
)
def test_register_with_wrong_json_types_answers_422_naming_the_field(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    response = client.post("/register", json=body)

    assert response.status_code == 422
    assert response.json() == {"message": message}


def test_register_without_password_answers_422_missing_field(
    client: TestClient, username: str
) -> None:
    response = client.post("/register", json={"username": username})

    assert response.status_code == 422
    assert response.json() == {"message": "Missing field: password."}


def test_register_form_without_password_answers_422_missing_field(
    client: TestClient, username: str
) -> None:
    response = client.post("/register", data={"username": username})

    assert response.status_code == 422
    assert response.json() == {"message": "Missing field: password."}


def test_register_with_extra_field_answers_422_and_creates_no_user(
    client: TestClient, username: str, password: str
) -> None:

    response = client.post(
        "/register", json={"username": username, "password": password, "is_admin": True}
    )

    assert response.status_code == 422
    assert response.json() == {"message": "Unexpected field: is_admin."}
    retry = client.post("/register", json={"username": username, "password": password})
    assert retry.status_code == 201  # the name was not taken by the refused request


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'["someone", "Velvet-Orbit-123456"]', id="array"),
        pytest.param(b'"someone"', id="string"),
        pytest.param(b"42", id="number"),
        pytest.param(b"null", id="null"),
    ],
)
def test_register_with_non_object_json_answers_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/register", content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json() == {"message": "The body must be a JSON object."}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"username": ', id="truncated"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"{'username': 'single-quotes'}", id="single-quotes"),
    ],
)
def test_register_with_invalid_json_answers_400(client: TestClient, raw: bytes) -> None:
    response = client.post("/register", content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"message": "The body is not valid JSON."}


def test_register_with_empty_body_answers_422(client: TestClient) -> None:
    response = client.post("/register", content=b"", headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json() == {"message": "A JSON body is required."}


def test_register_with_huge_body_answers_413(client: TestClient, username: str) -> None:
    huge = {"username": username, "password": "x" * (MAX_BODY_BYTES + 1)}

    response = client.post("/register", json=huge)

    assert response.status_code == 413
    assert response.json() == {"message": "Request body too large."}


def test_register_with_huge_streamed_body_without_length_answers_413(client: TestClient) -> None:
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = client.post(
        "/register", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {"message": "Request body too large."}


def test_register_with_overlong_password_field_answers_422(
    client: TestClient, username: str
) -> None:
    response = client.post("/register", json={"username": username, "password": "x" * 1025})

    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid value for password:")
