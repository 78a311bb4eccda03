"""Password policy, password hashing and session tokens.

Imports neither Reflex nor the database, so every rule here is testable in isolation and
shared by the UI and the JSON API.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import bcrypt
import jwt

USERNAME_MIN, USERNAME_MAX = 3, 32
PASSWORD_MIN, PASSWORD_MAX = 12, 128
USERNAME_PUNCTUATION = frozenset("._-")
JWT_ALGORITHM = "HS256"
# Every token names who minted it and for what: a token signed with the same key by another
# tool (or for another purpose, such as a device cookie) is not a session token.
JWT_ISSUER = "fintech-ui"
JWT_AUDIENCE = "fintech-ui:session"
CLOCK_LEEWAY_SECONDS = 30
SESSION_COOKIE = "fintech_session"  # HttpOnly: page scripts never see the token
_COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"


class PolicyError(ValueError):
    """Input breaks an account rule; the message is safe to show to the user."""


def normalize_username(raw: object) -> str:
    """The NFKC form of a valid username, or PolicyError saying which rule failed."""
    if not isinstance(raw, str):
        raise PolicyError("Username must be text.")
    if len(raw) > 4 * USERNAME_MAX:  # refuse before normalising huge input
        raise PolicyError(f"Username must be {USERNAME_MIN}–{USERNAME_MAX} characters long.")
    name = unicodedata.normalize("NFKC", raw)
    # Control and invisible format characters (zero-width joiners, bidi overrides) let
    # two names look identical on screen, so they are refused rather than stripped.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn") for ch in name):
        raise PolicyError("Username must not contain control or invisible characters.")
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise PolicyError(f"Username must be {USERNAME_MIN}–{USERNAME_MAX} characters long.")
    for ch in name:
        if not (ch.isalpha() or ch.isdecimal() or ch in USERNAME_PUNCTUATION):
            raise PolicyError("Username may contain only letters, digits, '.', '_' and '-'.")
    return name


def username_key(name: str) -> str:
    """The case-insensitive form under which usernames must be unique."""
    return unicodedata.normalize("NFKC", name.casefold())


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password_policy(password: object, username: str) -> str:
    """The password unchanged if it is acceptable, or PolicyError naming the failed rule."""
    if not isinstance(password, str):
        raise PolicyError("Password must be text.")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise PolicyError(f"Password must be {PASSWORD_MIN}–{PASSWORD_MAX} characters long.")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in password):
        raise PolicyError("Password must not contain control characters.")
    folded = password.casefold()
    if folded in common_passwords():
        raise PolicyError("This password is too common. Choose another.")
    if username and username_key(username) in folded:
        raise PolicyError("Password must not contain the username.")
    return password


def _prehash(password: str, pepper: bytes) -> bytes:
    # bcrypt reads at most 72 bytes and bcrypt 5 raises beyond that. A keyed SHA-256
    # first turns any password (up to 128 characters, any script) into 44 base64 bytes,
    # so nothing is truncated and nothing raises; the key keeps a stolen hash table
    # useless without the server's pepper.
    digest = hmac.new(pepper, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def hash_password(password: str, *, pepper: bytes, rounds: int) -> str:
    """A bcrypt hash of the peppered password. Slow by design: call it off the event loop."""
    return bcrypt.hashpw(_prehash(password, pepper), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str, *, pepper: bytes) -> bool:
    """True when the password matches; False (never an exception) for any malformed input."""
    try:
        return bcrypt.checkpw(_prehash(password, pepper), password_hash.encode("ascii"))
    except (ValueError, TypeError, UnicodeError, AttributeError):
        return False


@functools.cache
def dummy_hash(rounds: int) -> str:
    """A hash to verify against for unknown users, so their login costs as much as a real one."""
    return bcrypt.hashpw(b"no-such-user-placeholder", bcrypt.gensalt(rounds)).decode("ascii")


@dataclass(frozen=True)
class TokenClaims:
    """The verified contents of a session token."""

    sub: str
    jti: str
    iat: int
    exp: int


def issue_token(claims: TokenClaims, *, key: bytes) -> str:
    """A signed session token carrying the given claims."""
    payload = {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": claims.sub,
        "jti": claims.jti,
        "iat": claims.iat,
        "exp": claims.exp,
    }
    return jwt.encode(payload, key, algorithm=JWT_ALGORITHM)


def decode_token(token: object, *, key: bytes, now: int | None = None) -> TokenClaims | None:
    """The claims of a genuine, unexpired token, else None; the algorithm is pinned."""
    if not isinstance(token, str) or not token or len(token) > 2048:
        return None
    options = {"require": ["iss", "aud", "sub", "iat", "exp", "jti"]}
    try:
        # The leeway tolerates workers whose clocks differ by a few seconds; with an explicit
        # `now`, expiry is judged against it below as well.
        payload = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            options=options,
            leeway=CLOCK_LEEWAY_SECONDS,
            issuer=JWT_ISSUER,
            audience=JWT_AUDIENCE,
        )
    except jwt.PyJWTError:
        return None
    if now is not None and payload["exp"] <= now:
        return None
    sub, jti, iat, exp = payload["sub"], payload["jti"], payload["iat"], payload["exp"]
    if not (isinstance(sub, str) and isinstance(jti, str) and type(iat) is int):
        return None
    if type(exp) is not int:
        return None
    return TokenClaims(sub=sub, jti=jti, iat=iat, exp=exp)


def safe_next_path(raw: object, default: str = "/") -> str:
    """`raw` if it is a same-site relative path (no open redirect), else `default`."""
    if not isinstance(raw, str) or not raw.startswith("/") or len(raw) > 512:
        return default
    # "//host" and "/\host" are treated by browsers as another site.
    if raw.startswith(("//", "/\\")) or any(
        ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F or ch == "\\" for ch in raw
    ):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw
