"""Access tokens: signed JWTs in the RFC 9068 profile, issued and verified here.

Claims: iss, aud, sub, client_id, scope, exp, iat, nbf, jti (RFC 9068) plus `kind` ("user"
or "client"), the hub's own ids `uid` (users.id) or `cid` (api_clients.id) for the change
log, `username` and `auth_time` for people, and `roles`: each role the person holds with the LAO,
district or province it is bound to, by code and by id, e.g.
`[{"role": "LAO_RECORDER", "lao": "6110101", "lao_id": 12}]`.

Verification accepts only the algorithms it is given (never `none`, never an HMAC algorithm
with a public key: the key's type must match the algorithm), and checks issuer, audience,
expiry, not-before and issued-at with a small leeway.

A token is hostile input until verified: `peek` refuses segments longer than
`MAX_SEGMENT_BYTES` or nested deeper than `MAX_JSON_DEPTH` before any JSON parser sees them
(a deeply nested header would otherwise exhaust the parser's recursion), and every failure to
read a token, whatever the library raises, becomes `TokenRejected` (401 invalid_token).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from hub.rules.input_rules import json_too_deep

ACCESS_TOKEN_TYPE = "at+jwt"
KEY_TYPES = {"ES256": ECKey, "RS256": RSAKey}
MAX_JSON_DEPTH = 16  # real headers and claims nest 3-4 levels (realm_access.roles)
MAX_SEGMENT_BYTES = 32 * 1024  # a large identity provider token is a few KB


class TokenRejected(Exception):
    """A bearer token the hub will not accept; `description` says why (safe to show)."""

    def __init__(self, description: str, error: str = "invalid_token") -> None:
        super().__init__(description)
        self.description = description
        self.error = error


def encode_access_token(
    key: ECKey | RSAKey,
    alg: str,
    *,
    issuer: str,
    audience: str,
    subject: str,
    client_id: str,
    scope: str,
    lifetime: int,
    extra: dict[str, Any] | None = None,
    now: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """A signed access token and its claims."""
    now = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": secrets.token_hex(16),
        **(extra or {}),
    }
    header = {"alg": alg, "kid": key.kid, "typ": ACCESS_TOKEN_TYPE}
    return jwt.encode(header, claims, key, algorithms=[alg]), claims


def _segment(data: str) -> dict[str, Any]:
    if len(data) > MAX_SEGMENT_BYTES:
        raise TokenRejected("the token is too large")
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (ValueError, TypeError):
        raise TokenRejected("the token is not a signed JWT") from None
    if json_too_deep(raw, MAX_JSON_DEPTH):
        raise TokenRejected("the token's JSON is nested too deeply")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise TokenRejected("the token is not a signed JWT") from None
    if not isinstance(value, dict):
        raise TokenRejected("the token is not a signed JWT")
    return value


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, NOT verified: only to choose how to verify."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRejected("the token is not a signed JWT")
    return _segment(parts[0]), _segment(parts[1])


def check_header(header: dict[str, Any], algorithms: tuple[str, ...] | list[str]) -> str:
    """The token's kid, after refusing algorithms outside `algorithms` (`none`, HS256, …)."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise TokenRejected(f"algorithm {alg!r} is not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("the token names no signing key (kid)")
    return kid


def verify(
    token: str,
    key: ECKey | RSAKey,
    *,
    algorithms: tuple[str, ...] | list[str],
    issuer: str,
    audience: str,
    leeway: int,
    typ: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The verified claims of `token` signed by `key`, or TokenRejected."""
    header, _ = peek(token)
    check_header(header, algorithms)
    alg = header["alg"]
    if not isinstance(key, KEY_TYPES[alg]):  # algorithm confusion: key and alg must agree
        raise TokenRejected(f"algorithm {alg} does not match the signing key")
    if typ is not None and str(header.get("typ", "")).lower() not in {typ, f"application/{typ}"}:
        raise TokenRejected(f"the token type must be {typ}")
    try:
        decoded = jwt.decode(token, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError, RecursionError):
        raise TokenRejected("the token signature is invalid") from None
    claims = dict(decoded.claims)
    check_claims(claims, issuer=issuer, audience=audience, leeway=leeway, now=now)
    return claims


def _number(claims: dict[str, Any], name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise TokenRejected(f"the token has no {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"the token's {name} is not a number")
    return float(value)


def check_claims(
    claims: dict[str, Any], *, issuer: str, audience: str, leeway: int, now: float | None = None
) -> None:
    now = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise TokenRejected("the token was issued by another issuer")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if audience not in audiences:
        raise TokenRejected("the token is meant for another audience")
    exp = _number(claims, "exp", True)
    assert exp is not None
    if exp <= now - leeway:
        raise TokenRejected("the token has expired")
    nbf = _number(claims, "nbf", False)
    if nbf is not None and nbf > now + leeway:
        raise TokenRejected("the token is not valid yet")
    iat = _number(claims, "iat", False)
    if iat is not None and iat > now + leeway:
        raise TokenRejected("the token was issued in the future")
