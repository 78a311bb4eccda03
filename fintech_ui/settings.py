"""Configuration read from the environment once, validated before the app serves anyone.

A bad value stops start-up with a one-line message instead of surfacing later as a
confusing failure in the middle of a user's request.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_KEY_BYTES = 32
ENVIRONMENTS = ("development", "production", "test")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of the app; see the README's configuration table."""

    data_dir: Path
    database_url: str
    secret_key: bytes
    password_pepper: bytes
    bcrypt_rounds: int
    session_idle_seconds: int
    session_absolute_seconds: int
    login_code_seconds: int
    trusted_proxy_hops: int
    cookie_secure: bool | None  # None: decide per request from the scheme
    redis_url: str
    environment: str  # development, production or test
    # Origins allowed to open the websocket and call the API from a browser; ("*",): any.
    allowed_origins: tuple[str, ...] = ("*",)
    # Password jobs (bcrypt) waiting or running at once before "busy"; 0: 4 per bcrypt thread.
    password_queue_limit: int = 0
    # CSP, nosniff, Referrer-Policy … on every response (always in production).
    security_headers: bool = False

    @property
    def production(self) -> bool:
        """True under FINTECH_ENV=production: strict start-up checks and security headers."""
        return self.environment == "production"


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool_env(name: str) -> bool | None:
    """True, False, or None for "auto" (the default)."""
    raw = os.environ.get(name, "auto").strip().lower()
    if raw in ("", "auto"):
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true, false or auto, got {raw!r}")


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|\*", re.ASCII)


def _origins_env(production: bool) -> tuple[str, ...]:
    raw = os.environ.get("FINTECH_ALLOWED_ORIGINS", "")
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"FINTECH_ALLOWED_ORIGINS must list origins such as https://invest.example.com, "
                f"got {origin!r}"
            )
    # Any origin may then drive a logged-in user's websocket: never acceptable in production.
    if production and (not origins or "*" in origins):
        raise ConfigError(
            "FINTECH_ALLOWED_ORIGINS must name the site's origins in production (not * or unset)"
        )
    return origins or ("*",)


def _load_key(env_name: str, file: Path, *, may_generate: bool = True) -> bytes:
    """A key from the environment, else from `file`, else freshly generated into `file` (0600).

    In production a key must be given (the variable, or a file the operator put in place):
    a generated one would differ on every machine and vanish with a lost data directory.
    """
    raw = os.environ.get(env_name)
    if raw is not None:
        key = raw.encode()
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"{env_name} must be at least {MIN_KEY_BYTES} bytes long")
        return key
    if file.exists():
        key = file.read_bytes().strip()
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"{file} holds a key shorter than {MIN_KEY_BYTES} bytes")
        return key
    if not may_generate:
        raise ConfigError(
            f"{env_name} must be set in production (or the key placed in {file}); "
            "a generated key is refused"
        )
    file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()  # 48 random bytes, 64 characters
    # O_EXCL: two workers starting together must not each write a different key.
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load_key(env_name, file, may_generate=False)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def data_dir() -> Path:
    """FINTECH_DATA_DIR (default ./data): the one place that says where data lives."""
    return Path(os.environ.get("FINTECH_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def redis_url() -> str:
    """FINTECH_REDIS_URL, or "" for Reflex's state on disk (one worker)."""
    return os.environ.get("FINTECH_REDIS_URL", "").strip()


def allowed_origins() -> list[str]:
    """FINTECH_ALLOWED_ORIGINS: origins allowed to open the websocket; ["*"] when unset
    (refused in production, like a malformed origin)."""
    production = os.environ.get("FINTECH_ENV", "").strip().lower() == "production"
    return list(_origins_env(production))


def trusted_proxy_hops() -> int:
    """FINTECH_TRUSTED_PROXY_HOPS: how many reverse proxies' X-Forwarded-For to believe."""
    return _int_env("FINTECH_TRUSTED_PROXY_HOPS", 0, 0, 10)


# Folders of the project whose files change while the dev server runs but are not the app's.
_NOT_APP_CODE = ("tests", "bench", "testsupport", "docs")


def hot_reload_exclude_paths() -> list[Path]:
    """What `reflex run` must not watch: the data directory (created if missing, since Reflex
    compares every listed path with os.path.samefile) and the project's non-app folders."""
    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    folders = (PROJECT_ROOT / name for name in _NOT_APP_CODE)
    return [data, *(folder for folder in folders if folder.is_dir())]


def _security_headers_env(production: bool) -> bool:
    wanted = _bool_env("FINTECH_SECURITY_HEADERS")
    if production and wanted is False:
        raise ConfigError("FINTECH_SECURITY_HEADERS cannot be turned off in production")
    return production if wanted is None else wanted


def load_settings() -> Settings:
    """Read and validate the environment; raises ConfigError naming the bad variable."""
    data_path = data_dir()
    database_url = os.environ.get("FINTECH_DATABASE_URL", "").strip()
    if not database_url:
        database_url = f"sqlite:///{data_path / 'fintech.db'}"
    if not database_url.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise ConfigError(
            "FINTECH_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://"
        )
    environment = os.environ.get("FINTECH_ENV", "development").strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"FINTECH_ENV must be one of {', '.join(ENVIRONMENTS)}")
    # A cheap bcrypt cost makes stolen hashes cheap to crack: only the test suite may lower it.
    min_rounds = 4 if environment == "test" else 10
    production = environment == "production"
    idle = _int_env("FINTECH_SESSION_IDLE_MINUTES", 30, 1, 24 * 60) * 60
    absolute = _int_env("FINTECH_SESSION_MAX_HOURS", 12, 1, 24 * 30) * 3600
    return Settings(
        data_dir=data_path,
        database_url=database_url,
        secret_key=_load_key(
            "FINTECH_SECRET_KEY", data_path / "secret.key", may_generate=not production
        ),
        password_pepper=_load_key(
            "FINTECH_PASSWORD_PEPPER", data_path / "pepper.key", may_generate=not production
        ),
        bcrypt_rounds=_int_env("FINTECH_BCRYPT_ROUNDS", 12, min_rounds, 16),
        session_idle_seconds=idle,
        session_absolute_seconds=max(absolute, idle),
        login_code_seconds=60,
        trusted_proxy_hops=trusted_proxy_hops(),
        cookie_secure=_bool_env("FINTECH_COOKIE_SECURE"),
        redis_url=redis_url(),
        environment=environment,
        allowed_origins=_origins_env(production),
        password_queue_limit=_int_env("FINTECH_PASSWORD_QUEUE_LIMIT", 0, 0, 100_000),
        security_headers=_security_headers_env(production),
    )


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()


def main(argv: list[str]) -> int:
    """`python -m fintech_ui.settings reload-excludes`: REFLEX_HOT_RELOAD_EXCLUDE_PATHS for
    `make run`, computed from the settings instead of assumed by the Makefile."""
    if argv[1:] != ["reload-excludes"]:
        print("usage: python -m fintech_ui.settings reload-excludes", file=sys.stderr)
        return 2
    print(os.pathsep.join(str(path) for path in hot_reload_exclude_paths()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
