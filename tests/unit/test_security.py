"""Rules in fintech_ui.security: usernames, password policy, hashing, tokens, redirects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import unicodedata

import bcrypt
import jwt
import pytest

from fintech_ui.errors import DomainError
from fintech_ui.security import (
    JWT_ALGORITHM,
    JWT_AUDIENCE,
    JWT_ISSUER,
    PASSWORD_MAX,
    PASSWORD_MIN,
    USERNAME_MAX,
    USERNAME_MIN,
    PasswordMatch,
    PolicyError,
    TokenClaims,
    check_password_policy,
    decode_token,
    hash_password,
    issue_token,
    match_password,
    normalize_username,
    safe_next_path,
    username_key,
    verify_password,
)

PEPPER = b"p" * 32
KEY = b"k" * 64
OTHER_KEY = b"o" * 64
ROUNDS = 4
# Not in the common-password list; repeated/sliced to build passwords of exact lengths.
STRONG = "q7#Lm2!vR9xZ"


# --- usernames -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("Alice_01", "Alice_01"),
        ("a.b-c_d", "a.b-c_d"),
        ("Zoë", "Zoë"),
        ("ａｌｉｃｅ", "alice"),  # full-width letters
        ("Ａｌｉｃｅ１２", "Alice12"),  # full-width letters and digits
        ("abc", "abc"),  # shortest allowed
        ("x" * USERNAME_MAX, "x" * USERNAME_MAX),  # longest allowed
        ("ｘ" * USERNAME_MAX, "x" * USERNAME_MAX),
    ],
    ids=[
        "plain",
        "mixed-case-digits-underscore",
        "punctuation",
        "non-ascii-letter",
        "full-width",
        "full-width-digits",
        "min-length",
        "max-length",
        "full-width-max-length",
    ],
)
def test_normalize_username_accepts_and_returns_nfkc_form(raw, expected):
    assert normalize_username(raw) == expected


def test_normalize_username_counts_length_after_normalisation_short_input_expands():
    # U+FB03 LATIN SMALL LIGATURE FFI is one character that NFKC turns into "ffi".
    assert normalize_username("\ufb03") == "ffi"


def test_normalize_username_counts_length_after_normalisation_too_long_once_expanded():
    # 31 characters plus U+338F SQUARE KG ("kg" after NFKC): 32 raw, 33 normalised.
    raw = "x" * (USERNAME_MAX - 1) + "\u338f"
    with pytest.raises(PolicyError):
        normalize_username(raw)


@pytest.mark.parametrize(
    "raw",
    ["", "x" * (USERNAME_MIN - 1), "x" * (USERNAME_MAX + 1), "a" * 10_000],
    ids=["empty", "too-short", "too-long", "huge"],
)
def test_normalize_username_refuses_wrong_length(raw):
    with pytest.raises(PolicyError):
        normalize_username(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "<b>x</b>",
        "ali ce",
        "ali@ce",
        "alice!",
        "al/ice",
        "alice😀",
        "'; drop table users; --",
    ],
    ids=["html", "space", "at-sign", "bang", "slash", "emoji", "sql"],
)
def test_normalize_username_refuses_characters_outside_letters_digits_dot_underscore_dash(raw):
    with pytest.raises(PolicyError):
        normalize_username(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "alice\x00",
        "ali\nce",
        "ali\tce",
        "alice\x7f",
        "ali\u0085ce",  # C1 control NEL
        "ali\u200bce",  # zero-width space
        "ali\u200dce",  # zero-width joiner
        "ali\u202ece",  # right-to-left override
        "\ufeffalice",  # byte-order mark
        "alice\u2060",  # word joiner
        "ali\ue000ce",  # private use
    ],
    ids=[
        "nul",
        "newline",
        "tab",
        "del",
        "c1-nel",
        "zwsp",
        "zwj",
        "rlo",
        "bom",
        "word-joiner",
        "private-use",
    ],
)
def test_normalize_username_refuses_control_and_invisible_characters(raw):
    with pytest.raises(PolicyError):
        normalize_username(raw)


@pytest.mark.parametrize(
    "raw", [None, 123, b"alice", ["alice"]], ids=["none", "int", "bytes", "list"]
)
def test_normalize_username_refuses_non_text(raw):
    with pytest.raises(PolicyError):
        normalize_username(raw)


@pytest.mark.parametrize("variant", ["alice", "ALICE", "aLiCe"])
def test_username_key_ignores_case(variant):
    assert username_key(variant) == username_key("Alice")


def test_username_key_folds_sharp_s_like_its_capital_spelling():
    assert username_key("Straße") == username_key("STRASSE")


def test_username_key_distinguishes_different_names():
    assert username_key("alice") != username_key("alicia")


# --- password policy -------------------------------------------------------------------


def test_password_policy_returns_acceptable_password_unchanged():
    assert check_password_policy("Tr0ub4dor&3-staple", "alice") == "Tr0ub4dor&3-staple"


@pytest.mark.parametrize(
    "length", [PASSWORD_MIN, PASSWORD_MAX], ids=["shortest-allowed", "longest-allowed"]
)
def test_password_policy_accepts_length_limits(length):
    password = (STRONG * 20)[:length]
    assert check_password_policy(password, "alice") == password


@pytest.mark.parametrize(
    "length", [0, PASSWORD_MIN - 1, PASSWORD_MAX + 1], ids=["empty", "too-short", "too-long"]
)
def test_password_policy_refuses_wrong_length(length):
    with pytest.raises(PolicyError):
        check_password_policy((STRONG * 20)[:length], "alice")


@pytest.mark.parametrize(
    "password",
    ["qwerty123456", "QWERTY123456", "LeaveMeAlone", "leavemealone", "123QWEASDZXC"],
)
def test_password_policy_refuses_common_passwords_in_any_case(password):
    with pytest.raises(PolicyError):
        check_password_policy(password, "alice")


@pytest.mark.parametrize(
    "password",
    ["alice-is-my-name-9", "my-ALICE-password-9", "xx-AlIcE-2024-xx!"],
)
def test_password_policy_refuses_password_containing_username(password):
    with pytest.raises(PolicyError):
        check_password_policy(password, "Alice")


def test_password_policy_refuses_control_characters():
    with pytest.raises(PolicyError):
        check_password_policy(STRONG + "\x00", "alice")


@pytest.mark.parametrize(
    "password",
    [None, 123456789012345, STRONG.encode(), [STRONG]],
    ids=["none", "int", "bytes", "list"],
)
def test_password_policy_refuses_non_text(password):
    with pytest.raises(PolicyError):
        check_password_policy(password, "alice")


# --- hashing ---------------------------------------------------------------------------


def _hash(password: str) -> str:
    return hash_password(password, pepper=PEPPER, rounds=ROUNDS)


def test_hash_password_uses_bcrypt_with_requested_cost():
    assert _hash(STRONG).startswith("$2b$04$")


def test_verify_password_accepts_the_hashed_password():
    assert verify_password(STRONG, _hash(STRONG), pepper=PEPPER) is True


def test_verify_password_refuses_another_password():
    assert verify_password(STRONG + "x", _hash(STRONG), pepper=PEPPER) is False


def test_verify_password_refuses_the_right_password_under_another_pepper():
    assert verify_password(STRONG, _hash(STRONG), pepper=b"q" * 32) is False


# Passwords at and around bcrypt's 72-byte input limit, in 1-, 2-, 3- and 4-byte characters.
LONG_PASSWORDS = {
    "ascii-72": "a" * 72,
    "ascii-73": "a" * 73,
    "ascii-200": "a" * 200,
    "2byte-72": "é" * 36,
    "2byte-73": "é" * 36 + "a",
    "2byte-200": "é" * 100,
    "3byte-72": "€" * 24,
    "3byte-73": "€" * 24 + "a",
    "3byte-200": "€" * 66 + "ab",
    "4byte-72": "😀" * 18,
    "4byte-73": "😀" * 18 + "a",
    "4byte-200": "😀" * 50,
}


@pytest.mark.parametrize("password", LONG_PASSWORDS.values(), ids=LONG_PASSWORDS.keys())
def test_hash_and_verify_work_at_and_beyond_72_bytes(password):
    assert verify_password(password, _hash(password), pepper=PEPPER) is True


@pytest.mark.parametrize(
    ("stored", "attempt"),
    [
        ("a" * 72 + "x", "a" * 72 + "y"),
        ("a" * 72, "a" * 73),
        ("a" * 100 + "x", "a" * 100 + "y"),
        ("é" * 36 + "x", "é" * 36 + "y"),
        ("€" * 24 + "x", "€" * 24 + "y"),
    ],
    ids=["ascii-differ-at-73", "ascii-one-more-byte", "ascii-differ-at-101", "2byte", "3byte"],
)
def test_passwords_sharing_first_72_bytes_do_not_verify_against_each_other(stored, attempt):
    assert verify_password(attempt, _hash(stored), pepper=PEPPER) is False


@pytest.mark.parametrize(
    "bad_hash",
    ["", "not-a-hash", "$2b$04$short", "$2b$04$" + "é" * 53, "\x00" * 60],
    ids=["empty", "garbage", "truncated", "non-ascii", "nul-bytes"],
)
def test_verify_password_returns_false_for_malformed_hash(bad_hash):
    assert verify_password(STRONG, bad_hash, pepper=PEPPER) is False


# --- tokens ----------------------------------------------------------------------------


def _b64url(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def claims() -> TokenClaims:
    now = int(time.time())  # PyJWT also checks exp and iat against the wall clock
    return TokenClaims(sub="42", jti="session-id-1", iat=now, exp=now + 3600)


def _payload(claims: TokenClaims) -> dict:
    return {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": claims.sub,
        "jti": claims.jti,
        "iat": claims.iat,
        "exp": claims.exp,
    }


def test_issue_and_decode_token_round_trip(claims):
    assert decode_token(issue_token(claims, key=KEY), key=KEY) == claims


def test_decode_token_with_now_before_expiry_returns_claims(claims):
    token = issue_token(claims, key=KEY)
    assert decode_token(token, key=KEY, now=claims.exp - 1) == claims


def test_decode_token_refuses_wrong_key(claims):
    assert decode_token(issue_token(claims, key=KEY), key=OTHER_KEY) is None


def test_decode_token_refuses_tampered_payload(claims):
    header, _, signature = issue_token(claims, key=KEY).split(".")
    forged = _b64url({**_payload(claims), "sub": "1"})
    assert decode_token(f"{header}.{forged}.{signature}", key=KEY) is None


def test_decode_token_refuses_alg_none(claims):
    _, payload, _ = issue_token(claims, key=KEY).split(".")
    header = _b64url({"alg": "none", "typ": "JWT"})
    assert decode_token(f"{header}.{payload}.", key=KEY) is None


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_decode_token_refuses_other_algorithms(claims, algorithm):
    token = jwt.encode(_payload(claims), KEY, algorithm=algorithm)
    assert decode_token(token, key=KEY) is None


def test_decode_token_accepts_a_token_built_by_hand_with_every_claim(claims):
    token = jwt.encode(_payload(claims), KEY, algorithm=JWT_ALGORITHM)
    assert decode_token(token, key=KEY) == claims


def test_issued_token_names_issuer_and_audience(claims):
    payload = jwt.decode(issue_token(claims, key=KEY), options={"verify_signature": False})
    assert (payload["iss"], payload["aud"]) == (JWT_ISSUER, JWT_AUDIENCE)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "evil"),
        ("aud", "evil"),
        ("aud", "fintech-ui:device"),
        ("aud", ["evil", "other"]),
        ("iss", ""),
    ],
    ids=["iss-evil", "aud-evil", "aud-device", "aud-list", "iss-empty"],
)
def test_decode_token_refuses_wrong_issuer_or_audience(claims, claim, value):
    token = jwt.encode({**_payload(claims), claim: value}, KEY, algorithm=JWT_ALGORITHM)
    assert decode_token(token, key=KEY) is None


@pytest.mark.parametrize("missing", ["sub", "iat", "exp", "jti", "iss", "aud"])
def test_decode_token_refuses_missing_claim(claims, missing):
    payload = {k: v for k, v in _payload(claims).items() if k != missing}
    token = jwt.encode(payload, KEY, algorithm=JWT_ALGORITHM)
    assert decode_token(token, key=KEY) is None


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", 42), ("jti", 7), ("iat", "yesterday"), ("exp", "tomorrow"), ("iat", 1.5)],
)
def test_decode_token_refuses_claim_of_wrong_type(claims, claim, value):
    token = jwt.encode({**_payload(claims), claim: value}, KEY, algorithm=JWT_ALGORITHM)
    assert decode_token(token, key=KEY) is None


def test_decode_token_refuses_token_expired_by_wall_clock():
    now = int(time.time())
    expired = TokenClaims(sub="42", jti="j", iat=now - 120, exp=now - 60)
    assert decode_token(issue_token(expired, key=KEY), key=KEY) is None


def test_decode_token_refuses_token_expiring_exactly_at_now(claims):
    token = issue_token(claims, key=KEY)
    assert decode_token(token, key=KEY, now=claims.exp) is None


@pytest.mark.parametrize(
    "token", [None, 123, b"a.b.c", "", "not-a-token"], ids=["none", "int", "bytes", "empty", "junk"]
)
def test_decode_token_refuses_non_token_input(token):
    assert decode_token(token, key=KEY) is None


def test_decode_token_refuses_oversized_but_validly_signed_token(claims):
    huge = TokenClaims(sub=claims.sub, jti="j" * 3000, iat=claims.iat, exp=claims.exp)
    assert decode_token(issue_token(huge, key=KEY), key=KEY) is None


# --- redirect targets ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/account", "/a?b=c", "/a/b?x=1&y=2#top", "/" + "a" * 511])
def test_safe_next_path_accepts_same_site_path(path):
    assert safe_next_path(path, "/default") == path


@pytest.mark.parametrize(
    "raw",
    [
        "https://evil.com",
        "//evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        "account",
        "",
        None,
        123,
        b"/account",
        "/a b",
        "/a\tb",
        "/a\nb",
        "/a\rb",
        "/a\x00b",
        "/\t/evil.com",
        "/a\\b",
        "/" + "a" * 512,
    ],
    ids=[
        "absolute-url",
        "scheme-relative",
        "slash-backslash",
        "double-backslash",
        "javascript",
        "relative",
        "empty",
        "none",
        "int",
        "bytes",
        "space",
        "tab",
        "newline",
        "carriage-return",
        "nul",
        "tab-then-slash",
        "backslash",
        "over-512",
    ],
)
def test_safe_next_path_refuses_and_returns_default(raw):
    assert safe_next_path(raw, "/default") == "/default"


def test_safe_next_path_default_is_root():
    assert safe_next_path("https://evil.com") == "/"


# --- Unicode normalisation of passwords (issue 10, defect 9) ---------------------------

COMPOSED = "Crème brûlée à la carte"  # NFC: each accented letter is one code point
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


def _legacy_hash(password: str) -> str:
    """A hash made as before normalisation existed: of the password exactly as typed."""
    prehashed = base64.b64encode(
        hmac.new(PEPPER, password.encode("utf-8"), hashlib.sha256).digest()
    )
    return bcrypt.hashpw(prehashed, bcrypt.gensalt(ROUNDS)).decode("ascii")


def test_password_typed_decomposed_verifies_against_hash_of_composed_form():
    assert verify_password(DECOMPOSED, _hash(COMPOSED), pepper=PEPPER) is True


def test_password_typed_composed_verifies_against_hash_of_decomposed_form():
    assert verify_password(COMPOSED, _hash(DECOMPOSED), pepper=PEPPER) is True


def test_password_policy_returns_the_composed_form():
    assert check_password_policy(DECOMPOSED, "alice") == COMPOSED


def test_password_policy_counts_length_after_normalising():
    # 12 accented letters typed decomposed are 24 code points but 12 characters.
    twelve = unicodedata.normalize("NFD", "éàüöçñõåîêâô")
    assert len(twelve) == 24
    assert check_password_policy(twelve, "alice") == unicodedata.normalize("NFC", twelve)
    over = unicodedata.normalize("NFD", "é" * (PASSWORD_MAX // 2 + 1))
    assert len(unicodedata.normalize("NFC", over)) <= PASSWORD_MAX
    assert check_password_policy(over, "alice") == unicodedata.normalize("NFC", over)


@pytest.mark.parametrize(
    ("stored", "typed"),
    [(DECOMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)],
    ids=["typed-as-stored", "typed-composed"],
)
def test_legacy_hash_of_decomposed_password_matches_once_and_asks_for_rehash(stored, typed):
    match = match_password(typed, _legacy_hash(stored), pepper=PEPPER)
    assert match == PasswordMatch(ok=True, needs_rehash=True)


def test_new_hash_matches_without_rehash():
    assert match_password(DECOMPOSED, _hash(DECOMPOSED), pepper=PEPPER) == PasswordMatch(
        ok=True, needs_rehash=False
    )


def test_legacy_hash_refuses_wrong_password():
    assert match_password(COMPOSED + "x", _legacy_hash(DECOMPOSED), pepper=PEPPER).ok is False


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x7f", "\u0085", "\ud800"])
def test_password_policy_names_control_characters(bad):
    with pytest.raises(PolicyError, match="Password must not contain control characters"):
        check_password_policy(STRONG + bad, "alice")


def test_policy_error_is_a_domain_error():
    assert issubclass(PolicyError, DomainError)


def test_a_token_verified_before_is_still_refused_once_expired():
    key, now = b"k" * 32, int(time.time())
    claims = TokenClaims(sub="7", jti="j-expiry", iat=now, exp=now + 60)
    token = issue_token(claims, key=key)
    assert decode_token(token, key=key, now=now) == claims  # verified, remembered
    assert decode_token(token, key=key, now=now + 59) == claims
    assert decode_token(token, key=key, now=now + 60) is None  # expiry judged on every call


def test_a_remembered_token_does_not_verify_under_another_key():
    claims = TokenClaims(sub="7", jti="j-key", iat=int(time.time()), exp=int(time.time()) + 60)
    token = issue_token(claims, key=b"a" * 32)
    assert decode_token(token, key=b"a" * 32) == claims
    assert decode_token(token, key=b"b" * 32) is None
    assert decode_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), key=b"a" * 32) is None
