"""load_settings: generated keys, validation of every environment variable."""

from __future__ import annotations

import os
import re
import stat

import pytest

from fintech_ui.settings import (
    MIN_KEY_BYTES,
    ConfigError,
    allowed_origins,
    hot_reload_exclude_paths,
    load_settings,
    redis_url,
    trusted_proxy_hops,
)
from fintech_ui.settings import main as settings_main


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A clean environment: only FINTECH_DATA_DIR (empty temp dir) and FINTECH_ENV=test."""
    for name in list(os.environ):
        if name.startswith("FINTECH_"):
            monkeypatch.delenv(name)
    directory = tmp_path / "data"
    monkeypatch.setenv("FINTECH_DATA_DIR", str(directory))
    monkeypatch.setenv("FINTECH_ENV", "test")
    return directory


@pytest.mark.parametrize("filename", ["secret.key", "pepper.key"])
def test_generated_key_file_is_private_to_owner(data_dir, filename):
    load_settings()
    assert stat.S_IMODE((data_dir / filename).stat().st_mode) == 0o600


@pytest.mark.parametrize("filename", ["secret.key", "pepper.key"])
def test_generated_key_file_holds_at_least_32_bytes(data_dir, filename):
    load_settings()
    assert len((data_dir / filename).read_bytes().strip()) >= MIN_KEY_BYTES


def test_generated_keys_are_the_ones_in_use(data_dir):
    settings = load_settings()
    assert (settings.secret_key, settings.password_pepper) == (
        (data_dir / "secret.key").read_bytes(),
        (data_dir / "pepper.key").read_bytes(),
    )


def test_secret_key_and_pepper_are_different(data_dir):
    settings = load_settings()
    assert settings.secret_key != settings.password_pepper


def test_reloading_reuses_the_generated_keys(data_dir):
    first = load_settings()
    second = load_settings()
    assert (second.secret_key, second.password_pepper) == (
        first.secret_key,
        first.password_pepper,
    )


def test_secret_key_from_environment_wins_over_file(data_dir, monkeypatch):
    monkeypatch.setenv("FINTECH_SECRET_KEY", "s" * MIN_KEY_BYTES)
    assert load_settings().secret_key == b"s" * MIN_KEY_BYTES


@pytest.mark.parametrize("name", ["FINTECH_SECRET_KEY", "FINTECH_PASSWORD_PEPPER"])
def test_short_key_from_environment_is_refused(data_dir, monkeypatch, name):
    monkeypatch.setenv(name, "s" * (MIN_KEY_BYTES - 1))
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_short_key_in_file_is_refused(data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / "secret.key").write_bytes(b"too-short")
    with pytest.raises(ConfigError, match=re.escape("secret.key")):
        load_settings()


def test_default_database_is_sqlite_in_data_dir(data_dir):
    assert load_settings().database_url == f"sqlite:///{data_dir.resolve() / 'fintech.db'}"


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("bcrypt_rounds", 12),
        ("session_idle_seconds", 30 * 60),
        ("session_absolute_seconds", 12 * 3600),
        ("trusted_proxy_hops", 0),
        ("cookie_secure", None),
    ],
)
def test_default_when_variable_unset(data_dir, attribute, expected):
    assert getattr(load_settings(), attribute) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FINTECH_BCRYPT_ROUNDS", "twelve"),
        ("FINTECH_BCRYPT_ROUNDS", "12.5"),
        ("FINTECH_BCRYPT_ROUNDS", "3"),
        ("FINTECH_BCRYPT_ROUNDS", "17"),
        ("FINTECH_SESSION_IDLE_MINUTES", "0"),
        ("FINTECH_SESSION_IDLE_MINUTES", str(24 * 60 + 1)),
        ("FINTECH_SESSION_MAX_HOURS", "-1"),
        ("FINTECH_SESSION_MAX_HOURS", str(24 * 30 + 1)),
        ("FINTECH_SESSION_MAX_HOURS", "abc"),
        ("FINTECH_TRUSTED_PROXY_HOPS", "-1"),
        ("FINTECH_TRUSTED_PROXY_HOPS", "11"),
        ("FINTECH_TRUSTED_PROXY_HOPS", "one"),
    ],
)
def test_bad_integer_setting_raises_config_error_naming_the_variable(
    data_dir, monkeypatch, name, value
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        ("FINTECH_BCRYPT_ROUNDS", " 5 ", "bcrypt_rounds", 5),
        ("FINTECH_SESSION_IDLE_MINUTES", "10", "session_idle_seconds", 600),
        ("FINTECH_SESSION_MAX_HOURS", "2", "session_absolute_seconds", 7200),
        ("FINTECH_TRUSTED_PROXY_HOPS", "2", "trusted_proxy_hops", 2),
    ],
)
def test_valid_integer_setting_is_used(data_dir, monkeypatch, name, value, attribute, expected):
    monkeypatch.setenv(name, value)
    assert getattr(load_settings(), attribute) == expected


def test_absolute_session_limit_is_never_shorter_than_idle_limit(data_dir, monkeypatch):
    monkeypatch.setenv("FINTECH_SESSION_IDLE_MINUTES", str(3 * 60))
    monkeypatch.setenv("FINTECH_SESSION_MAX_HOURS", "1")
    assert load_settings().session_absolute_seconds == 3 * 3600


@pytest.mark.parametrize("environment", ["production", "development"])
def test_low_bcrypt_cost_is_refused_outside_tests(data_dir, monkeypatch, environment):
    monkeypatch.setenv("FINTECH_ENV", environment)
    monkeypatch.setenv("FINTECH_SECRET_KEY", "k" * MIN_KEY_BYTES)
    monkeypatch.setenv("FINTECH_PASSWORD_PEPPER", "p" * MIN_KEY_BYTES)
    monkeypatch.setenv("FINTECH_ALLOWED_ORIGINS", "https://invest.example.com")
    monkeypatch.setenv("FINTECH_BCRYPT_ROUNDS", "4")
    with pytest.raises(ConfigError, match="FINTECH_BCRYPT_ROUNDS"):
        load_settings()


def test_unknown_environment_is_refused(data_dir, monkeypatch):
    monkeypatch.setenv("FINTECH_ENV", "staging")
    with pytest.raises(ConfigError, match="FINTECH_ENV"):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user:pw@localhost/db",
        "postgresql://localhost/db",
        "postgres://localhost/db",
        "sqlite://relative.db",
        "sqlite:/x.db",
        "/tmp/fintech.db",
    ],
)
def test_bad_database_url_scheme_is_refused(data_dir, monkeypatch, url):
    monkeypatch.setenv("FINTECH_DATABASE_URL", url)
    with pytest.raises(ConfigError, match="FINTECH_DATABASE_URL"):
        load_settings()


@pytest.mark.parametrize(
    "url", ["sqlite:////tmp/x/fintech.db", "postgresql+psycopg://u:p@localhost:5432/fintech"]
)
def test_supported_database_url_is_used(data_dir, monkeypatch, url):
    monkeypatch.setenv("FINTECH_DATABASE_URL", url)
    assert load_settings().database_url == url


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "t"])
def test_bad_cookie_secure_is_refused(data_dir, monkeypatch, value):
    monkeypatch.setenv("FINTECH_COOKIE_SECURE", value)
    with pytest.raises(ConfigError, match="FINTECH_COOKIE_SECURE"):
        load_settings()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        ("off", False),
        ("0", False),
        ("auto", None),
        ("", None),
    ],
)
def test_cookie_secure_values_are_parsed(data_dir, monkeypatch, value, expected):
    monkeypatch.setenv("FINTECH_COOKIE_SECURE", value)
    assert load_settings().cookie_secure is expected


# --- what rxconfig.py and `make run` read, without generating keys ----------------------


def test_reload_excludes_create_a_missing_data_dir(data_dir):
    # Reflex calls os.path.samefile on every excluded path: a missing one stops the backend.
    assert hot_reload_exclude_paths()[0] == data_dir.resolve()
    assert data_dir.is_dir()


def test_reload_excludes_follow_fintech_data_dir_and_generate_no_keys(data_dir):
    hot_reload_exclude_paths()
    assert list(data_dir.iterdir()) == []


def test_reload_excludes_name_only_existing_paths(data_dir):
    assert all(path.exists() for path in hot_reload_exclude_paths())


def test_reload_excludes_command_prints_the_paths_joined(data_dir, capsys):
    assert settings_main(["settings", "reload-excludes"]) == 0
    printed = capsys.readouterr().out.strip().split(os.pathsep)
    assert printed == [str(path) for path in hot_reload_exclude_paths()]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ["*"]),
        ("", ["*"]),
        (" https://a.example , ,https://b.example", ["https://a.example", "https://b.example"]),
    ],
)
def test_allowed_origins(data_dir, monkeypatch, raw, expected):
    if raw is not None:
        monkeypatch.setenv("FINTECH_ALLOWED_ORIGINS", raw)
    assert allowed_origins() == expected


@pytest.mark.parametrize(("raw", "expected"), [(None, ""), ("  redis://h:1/0 ", "redis://h:1/0")])
def test_redis_url(data_dir, monkeypatch, raw, expected):
    if raw is not None:
        monkeypatch.setenv("FINTECH_REDIS_URL", raw)
    assert redis_url() == expected


def test_trusted_proxy_hops_refuses_a_non_number(data_dir, monkeypatch):
    monkeypatch.setenv("FINTECH_TRUSTED_PROXY_HOPS", "one")
    with pytest.raises(ConfigError, match="FINTECH_TRUSTED_PROXY_HOPS"):
        trusted_proxy_hops()


# --- production refuses unsafe defaults (issue 10, defect 10) ---------------------------

GIVEN_KEY = "k" * MIN_KEY_BYTES
ORIGIN = "https://invest.example.com"


@pytest.fixture
def production(data_dir, monkeypatch):
    """FINTECH_ENV=production with every required value given; tests remove one each."""
    monkeypatch.setenv("FINTECH_ENV", "production")
    monkeypatch.setenv("FINTECH_SECRET_KEY", GIVEN_KEY)
    monkeypatch.setenv("FINTECH_PASSWORD_PEPPER", "p" * MIN_KEY_BYTES)
    monkeypatch.setenv("FINTECH_ALLOWED_ORIGINS", ORIGIN)
    return monkeypatch


def test_production_with_everything_given_starts(production):
    settings = load_settings()
    assert settings.production and settings.allowed_origins == (ORIGIN,)


@pytest.mark.parametrize("origins", [None, "", "*", f"{ORIGIN},*"], ids=repr)
def test_production_refuses_any_or_unset_origins(production, origins):
    if origins is None:
        production.delenv("FINTECH_ALLOWED_ORIGINS")
    else:
        production.setenv("FINTECH_ALLOWED_ORIGINS", origins)
    with pytest.raises(ConfigError, match="FINTECH_ALLOWED_ORIGINS"):
        load_settings()


@pytest.mark.parametrize("name", ["FINTECH_SECRET_KEY", "FINTECH_PASSWORD_PEPPER"])
def test_production_refuses_to_generate_a_key(production, data_dir, name):
    production.delenv(name)
    with pytest.raises(ConfigError, match=f"{name} must be set in production"):
        load_settings()
    assert not any(data_dir.glob("*.key")) if data_dir.exists() else True


@pytest.mark.parametrize(
    ("name", "filename"),
    [("FINTECH_SECRET_KEY", "secret.key"), ("FINTECH_PASSWORD_PEPPER", "pepper.key")],
)
def test_production_accepts_a_key_file_the_operator_provided(production, data_dir, name, filename):
    production.delenv(name)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / filename).write_bytes(b"f" * 48)
    load_settings()


def test_development_still_generates_keys_and_allows_any_origin(data_dir, monkeypatch):
    monkeypatch.setenv("FINTECH_ENV", "development")
    settings = load_settings()
    assert settings.allowed_origins == ("*",) and not settings.production


@pytest.mark.parametrize(
    "origins", ["invest.example.com", "ftp://x.example", "https://a.example/path", "https://"]
)
def test_malformed_origin_is_refused(data_dir, monkeypatch, origins):
    monkeypatch.setenv("FINTECH_ALLOWED_ORIGINS", origins)
    with pytest.raises(ConfigError, match="FINTECH_ALLOWED_ORIGINS"):
        load_settings()


def test_origins_are_listed_without_spaces_or_trailing_slash(data_dir, monkeypatch):
    monkeypatch.setenv("FINTECH_ALLOWED_ORIGINS", " https://a.example/ , http://localhost:8000 ")
    assert load_settings().allowed_origins == ("https://a.example", "http://localhost:8000")


@pytest.mark.parametrize(
    ("environment", "value", "expected"),
    [
        ("production", None, True),
        ("production", "true", True),
        ("development", None, False),
        ("development", "true", True),
        ("test", "1", True),
        ("test", "false", False),
    ],
)
def test_security_headers_are_on_in_production_and_on_request(
    production, environment, value, expected
):
    production.setenv("FINTECH_ENV", environment)
    if value is not None:
        production.setenv("FINTECH_SECURITY_HEADERS", value)
    assert load_settings().security_headers is expected


def test_security_headers_cannot_be_turned_off_in_production(production):
    production.setenv("FINTECH_SECURITY_HEADERS", "false")
    with pytest.raises(ConfigError, match="FINTECH_SECURITY_HEADERS"):
        load_settings()
