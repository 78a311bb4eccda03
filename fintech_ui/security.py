"""Password policy, password hashing and session tokens.

Imports neither Reflex nor the database, so every rule here is testable in isolation and
shared by the UI and the JSON API.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import bcrypt
import jwt
from confusable_homoglyphs import categories as unicode_scripts  # type: ignore[import-untyped]
from confusable_homoglyphs import confusables
from jwt.types import Options

from fintech_ui.errors import DomainError
from fintech_ui.text import refuse_control_characters

if TYPE_CHECKING:
    from fintech_ui.settings import Settings

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
# HttpOnly, SameSite=Lax, random per browser: a login code only redeems beside the nonce of
# the browser that typed the password (no login CSRF). Set when a page is served.
LOGIN_NONCE_COOKIE = "fintech_login_nonce"
LOGIN_NONCE_SECONDS = 365 * 24 * 3600


def new_login_nonce() -> str:
    """A fresh value for the login-nonce cookie."""
    return secrets.token_urlsafe(32)


_COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"


class PolicyError(DomainError):
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


# Scripts that are written together (TR39 "highly restrictive"): a Japanese name mixes Han,
# Hiragana and Katakana; Latin may join each. Any other mix is refused.
_SCRIPT_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_SCRIPT_NEUTRAL = frozenset({"COMMON", "INHERITED"})  # digits, punctuation, combining marks


def check_new_username(name: str) -> str:
    """`name` (already normalised) if a new account may take it; PolicyError if it mixes
    scripts the way impostors do (a Cyrillic "а" inside a Latin "admin").

    Only registration applies this: existing names keep logging in.
    """
    scripts = unicode_scripts.unique_aliases(name) - _SCRIPT_NEUTRAL
    if len(scripts) > 1 and not any(scripts <= mix for mix in _SCRIPT_MIXES):
        raise PolicyError("Username must not mix letters of different alphabets.")
    return name


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character → one representative of its look-alike class.

    Classes come from the Unicode confusables list shipped by `confusable_homoglyphs`
    (maintained on PyPI), closed transitively; the representative is the class's smallest
    ASCII member, else its smallest code point.
    """
    parent: dict[str, str] = {}

    def find(ch: str) -> str:
        while parent.setdefault(ch, ch) != ch:
            parent[ch] = parent[parent[ch]]
            ch = parent[ch]
        return ch

    for ch, glyphs in confusables.confusables_data.items():
        for glyph in glyphs:
            if len(ch) == 1 and len(glyph["c"]) == 1:
                a, b = find(ch), find(glyph["c"])
                if a != b:
                    parent[a] = b
    classes: dict[str, list[str]] = {}
    for ch in parent:
        classes.setdefault(find(ch), []).append(ch)
    result: dict[str, str] = {}
    for members in classes.values():
        ascii_members = [m for m in members if m.isascii()]
        representative = min(ascii_members or members)
        result.update((member, representative) for member in members)
    return result


def username_skeleton(name: str) -> str:
    """What `name` looks like: equal skeletons mean the two names are visually confusable."""
    prototypes = _prototypes()

    def look(text: str) -> str:
        return "".join(prototypes.get(ch, ch) for ch in unicodedata.normalize("NFD", text))

    # Mapped before and after case folding: "I" looks like "l" only in upper case.
    once = look(unicodedata.normalize("NFKC", name))
    return unicodedata.normalize("NFC", look(once.casefold()))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def normalize_password(password: str) -> str:
    """The NFC form: "é" typed as one character or as e + accent is the same password."""
    return unicodedata.normalize("NFC", password)


def check_password_policy(password: object, username: str) -> str:
    """The password in NFC if it is acceptable, or PolicyError naming the failed rule.

    Length is counted after normalising, so the rule does not depend on how a keyboard
    composes accented letters.
    """
    if not isinstance(password, str):
        raise PolicyError("Password must be text.")
    if len(password) > 4 * PASSWORD_MAX:  # refuse before normalising huge input
        raise PolicyError(f"Password must be {PASSWORD_MIN}–{PASSWORD_MAX} characters long.")
    refuse_control_characters(password, field="Password", error=PolicyError)
    password = normalize_password(password)
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise PolicyError(f"Password must be {PASSWORD_MIN}–{PASSWORD_MAX} characters long.")
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
    """A bcrypt hash of the peppered NFC password. Slow by design: call it off the event loop."""
    salt = bcrypt.gensalt(rounds)
    return bcrypt.hashpw(_prehash(normalize_password(password), pepper), salt).decode("ascii")


@dataclass(frozen=True)
class PasswordMatch:
    """Whether a password matched, and whether its stored hash predates NFC and needs redoing."""

    ok: bool
    needs_rehash: bool = False


def _checkpw(form: str, password_hash: str, pepper: bytes) -> bool:
    try:
        return bcrypt.checkpw(_prehash(form, pepper), password_hash.encode("ascii"))
    except (ValueError, TypeError, UnicodeError, AttributeError):
        return False


def match_password(password: str, password_hash: str, *, pepper: bytes) -> PasswordMatch:
    """Check the NFC form, then (for hashes made before normalisation) the one other form.

    Old hashes were made from the password exactly as typed: composed or decomposed. When the
    NFC form fails, the typed form (or, if that was NFC, the NFD form) is tried once; a match
    there asks the caller to rehash, after which one bcrypt call suffices. ASCII passwords,
    identical in every form, always cost one call.
    """
    if not isinstance(password, str):
        return PasswordMatch(ok=False)
    composed = normalize_password(password)
    if _checkpw(composed, password_hash, pepper):
        return PasswordMatch(ok=True)
    legacy = password if password != composed else unicodedata.normalize("NFD", password)
    if legacy != composed and _checkpw(legacy, password_hash, pepper):
        return PasswordMatch(ok=True, needs_rehash=True)
    return PasswordMatch(ok=False)


def verify_password(password: str, password_hash: str, *, pepper: bytes) -> bool:
    """True when the password matches; False (never an exception) for any malformed input."""
    return match_password(password, password_hash, pepper=pepper).ok


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
    try:
        claims = _verified_claims(token, key)
    except jwt.PyJWTError:
        return None
    # Verified once, but expiry is judged on every call, against `now` when given.
    if now is not None and claims.exp <= now:
        return None
    if now is None and claims.exp + CLOCK_LEEWAY_SECONDS <= time.time():
        return None
    return claims


@functools.lru_cache(maxsize=4096)
def _verified_claims(token: str, key: bytes) -> TokenClaims:
    # Every privileged event checks its session token: verifying the signature each time
    # costs a tenth of a millisecond, the same answer for the same token and key. Only
    # genuine tokens are remembered (a refusal raises, and exceptions are not cached); the
    # database still decides on every call whether the session is live.
    options: Options = {"require": ["iss", "aud", "sub", "iat", "exp", "jti"]}
    # The leeway tolerates workers whose clocks differ by a few seconds.
    payload = jwt.decode(
        token,
        key,
        algorithms=[JWT_ALGORITHM],
        options=options,
        leeway=CLOCK_LEEWAY_SECONDS,
        issuer=JWT_ISSUER,
        audience=JWT_AUDIENCE,
    )
    sub, jti, iat, exp = payload["sub"], payload["jti"], payload["iat"], payload["exp"]
    if not (isinstance(sub, str) and isinstance(jti, str) and type(iat) is int):
        raise jwt.InvalidTokenError("malformed claims")
    if type(exp) is not int:
        raise jwt.InvalidTokenError("malformed expiry")
    return TokenClaims(sub=sub, jti=jti, iat=iat, exp=exp)


DEVICE_COOKIE = "fintech_device"  # HttpOnly, long-lived: "this browser logged in here before"
DEVICE_TOKEN_SECONDS = 90 * 24 * 3600


def _device_mac(user_id: int, issued: int, nonce: str, stamp: str, key: bytes) -> str:
    message = f"fintech-ui:device|{user_id}|{issued}|{nonce}|{stamp}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_device_token(user_id: int, settings: Settings, *, now: int, stamp: str = "") -> str:
    """A signed "this browser logged in as user_id" value for the device cookie.

    It exempts the browser from the per-account login delay, so strangers' guesses cannot
    lock the owner out. `stamp` (the password hash) ties it to the current password: after a
    change or reset, old devices are strangers again.
    """
    nonce = secrets.token_urlsafe(12)
    mac = _device_mac(user_id, now, nonce, stamp, settings.secret_key)
    return f"{user_id}.{now}.{nonce}.{mac}"


def device_token_valid(
    token: object, user_id: int, settings: Settings, *, now: int, stamp: str = ""
) -> bool:
    """True for an unexpired device token this server issued to `user_id` under `stamp`."""
    if not isinstance(token, str) or len(token) > 200:
        return False
    parts = token.split(".")
    if (
        len(parts) != 4
        or parts[0] != str(user_id)
        or not (parts[1].isascii() and parts[1].isdigit())
    ):
        return False
    issued = int(parts[1])
    if not now - DEVICE_TOKEN_SECONDS < issued <= now + CLOCK_LEEWAY_SECONDS:
        return False
    expected = _device_mac(user_id, issued, parts[2], stamp, settings.secret_key)
    return hmac.compare_digest(expected, parts[3])


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
