"""The resource server: who is calling /graphql, from the `Authorization: Bearer` header.

* no Authorization header: the public;
* a valid access token of this hub: the person (roles bound to LAO / district / province) or
  the agency client (scopes) it was issued to;
* a valid token of the configured external OpenID provider (HUB_EXTERNAL_*): its claims
  mapped onto our roles and bindings by HUB_EXTERNAL_CLAIMS_MAP (codes resolved to ids here);
* anything else: 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750).

Scopes only ever narrow: a client's scopes are cut to the known ones, and a person's scopes
are ignored by the permission rules, which read roles.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from starlette.requests import Request

from hub.db import revocation_epoch
from hub.db.models import District, Lao, Province
from hub.oauth import revocation, tokens
from hub.oauth.keys import KeyStore
from hub.oauth.tokens import TokenRejected
from hub.oauth.verified_tokens import VerifiedTokens, token_key
from hub.rules.enums import Role
from hub.rules.identity import ALL_SCOPES, PUBLIC, ROLE_PLACES, Identity, RoleGrant
from hub.settings import SIGNING_ALGORITHMS, Settings

AGENCY = "AGENCY"  # an external role value meaning "a machine client" (scopes, no role)
JWKS_MAX_AGE = 3600.0  # seconds an external JWKS is used before it is fetched again
JWKS_REFETCH_AT_MOST_EVERY = 5.0  # seconds between fetches forced by an unknown kid
# What a provider's unreachable or malformed JWKS raises (the old keys, if any, stay in use).
JWKS_FAILURES = (httpx.HTTPError, JoseError, ValueError, TypeError, KeyError, RecursionError)


def unauthorized(error: str, description: str) -> HTTPException:
    safe = re.sub(r'["\\]', "'", description)
    return HTTPException(
        status_code=401,
        detail=description,
        headers={
            "WWW-Authenticate": f'Bearer realm="info-hub", error="{error}", '
            f'error_description="{safe}"'
        },
    )


def _strings(value: Any) -> list[str]:
    """A claim holding one value or a list of them, as strings (anything else: none)."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _scopes(claims: dict[str, Any], name: str = "scope") -> frozenset[str]:
    return frozenset(_strings(claims.get(name))) & frozenset(ALL_SCOPES)


def _name(value: Any) -> str | None:
    """A subject or client id claim as text (None when missing or not a name)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by dotted path into nested objects (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class ExternalKeys:
    """The external provider's JWKS: fetched with httpx, cached, refetched on an unknown kid.

    A per-process cache of public data; nothing to share between workers.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._keys: dict[str, ECKey | RSAKey] = {}
        self._fetched_at = -1e9
        self._lock = asyncio.Lock()

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(timeout=10.0) as http:
            response = await http.get(self.url)
            response.raise_for_status()
            data = response.json()
        keys: dict[str, ECKey | RSAKey] = {}
        for key in KeySet.import_key_set(data).keys:
            if isinstance(key, ECKey | RSAKey) and key.kid:
                keys[key.kid] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> ECKey | RSAKey | None:
        age = time.monotonic() - self._fetched_at
        if age > JWKS_MAX_AGE or (kid not in self._keys and age > JWKS_REFETCH_AT_MOST_EVERY):
            async with self._lock:
                age = time.monotonic() - self._fetched_at
                if age > JWKS_MAX_AGE or (
                    kid not in self._keys and age > JWKS_REFETCH_AT_MOST_EVERY
                ):
                    try:
                        await self._fetch()
                    except JWKS_FAILURES as exc:
                        if not self._keys:
                            raise TokenRejected(
                                f"the identity provider's keys cannot be fetched ({type(exc).__name__})"
                            ) from None
        return self._keys.get(kid)


class ResourceServer:
    def __init__(self, settings: Settings, keystore: KeyStore) -> None:
        self.settings = settings
        self.keystore = keystore
        self.external = (
            ExternalKeys(settings.external_jwks_url)
            if settings.external_issuer and settings.external_jwks_url
            else None
        )
        self.verified = VerifiedTokens(settings.token_recheck_seconds)

    async def identity(self, engine: AsyncEngine, token: str) -> Identity:
        header, claims = tokens.peek(token)
        issuer = claims.get("iss")
        if issuer == self.settings.issuer:
            key = token_key(token)
            remembered = self.verified.get(key)
            if remembered is not None:
                return remembered
            epoch = revocation_epoch.current()  # before the check: see VerifiedTokens.remember
            identity, expires_at = await self._ours(engine, token, header)
            self.verified.remember(key, identity, expires_at, epoch)
            return identity
        if self.external is not None and issuer == self.settings.external_issuer:
            return await self._external(engine, token, header)
        raise TokenRejected("the token was issued by an issuer this hub does not trust")

    async def _ours(
        self, engine: AsyncEngine, token: str, header: dict[str, Any]
    ) -> tuple[Identity, float]:
        """The caller a token of this hub names, and the token's `exp` (epoch seconds)."""
        s = self.settings
        kid = tokens.check_header(header, SIGNING_ALGORITHMS)
        key = await self.keystore.verification_key(engine, kid)
        if key is None:
            raise TokenRejected("the token is signed by an unknown or retired key")
        claims = tokens.verify(
            token,
            key.private,
            algorithms=[key.alg],
            issuer=s.issuer,
            audience=s.audience,
            leeway=s.token_leeway,
            typ=tokens.ACCESS_TOKEN_TYPE,
        )
        if not isinstance(claims.get("jti"), str):
            raise TokenRejected("the token has no jti")
        async with engine.connect() as conn:
            revoked = (await conn.execute(revocation.revoked(claims))).scalar()
        if revoked:
            raise TokenRejected("the token has been revoked")
        expires_at = float(claims["exp"])
        if key.retire_after is not None:  # a remembered token ends with its key too
            expires_at = min(expires_at, key.retire_after.timestamp())
        kind = claims.get("kind")
        if kind == "client":
            client = Identity(
                kind="client",
                subject=str(claims["client_id"]),
                scopes=_scopes(claims),
                client_pk=_int_or_none(claims.get("cid")),
            )
            return client, expires_at
        if kind != "user":
            raise TokenRejected("the token names no kind of caller")
        grants = []
        for entry in claims.get("roles") or []:
            try:
                grants.append(
                    RoleGrant(
                        Role[entry["role"]],
                        lao_id=entry.get("lao_id"),
                        district_id=entry.get("district_id"),
                        province_id=entry.get("province_id"),
                    )
                )
            except (KeyError, TypeError):
                raise TokenRejected("the token holds an unknown role") from None
        person = Identity(
            kind="user",
            subject=str(claims["sub"]),
            grants=tuple(grants),
            scopes=_scopes(claims),
            user_id=_int_or_none(claims.get("uid")),
            session_id=claims["sid"] if isinstance(claims.get("sid"), str) else None,
        )
        return person, expires_at

    async def _external(self, engine: AsyncEngine, token: str, header: dict[str, Any]) -> Identity:
        s = self.settings
        assert self.external is not None and s.external_issuer is not None
        kid = tokens.check_header(header, s.external_algorithms)
        key = await self.external.get(kid)
        if key is None:
            raise TokenRejected(
                "the token is signed by a key the identity provider does not publish"
            )
        claims = tokens.verify(
            token,
            key,
            algorithms=list(s.external_algorithms),
            issuer=s.external_issuer,
            audience=s.external_audience or s.audience,
            leeway=s.token_leeway,
        )
        return await self.map_external(engine, claims)

    async def map_external(self, engine: AsyncEngine, claims: dict[str, Any]) -> Identity:
        cmap = self.settings.external_claims_map
        subject = _name(_claim(claims, str(cmap.get("subject", "sub"))))
        raw_roles = _claim(claims, str(cmap.get("role", "role")))
        values = (
            [raw_roles]
            if isinstance(raw_roles, str)
            else [v for v in raw_roles if isinstance(v, str)]
            if isinstance(raw_roles, list)
            else []
        )
        role_values = cmap.get("role_values")
        mapping: dict[str, str] = role_values if isinstance(role_values, dict) else {}
        mapped = [mapping.get(str(v), str(v)) for v in values]
        if mapped and all(m == AGENCY for m in mapped):
            client_id = _name(_claim(claims, "client_id")) or subject
            if client_id is None:
                raise TokenRejected("the token names no client")
            return Identity(
                kind="client",
                subject=client_id,
                scopes=_scopes(claims, str(cmap.get("scope", "scope"))),
                issuer=self.settings.external_issuer,
            )
        roles = [Role[m] for m in mapped if m in Role.__members__]
        if not roles:
            raise TokenRejected("the token carries no role of this hub")
        if subject is None:
            raise TokenRejected("the token names no subject")
        codes = {
            name: _claim(claims, str(cmap.get(f"{name}_code", f"{name}_code")))
            for name in ("lao", "district", "province")
        }
        ids = await self._resolve(engine, codes)
        grants = []
        for role in roles:
            place = ROLE_PLACES[role]
            bound = {} if place is None else {f"{place}_id": ids[place]}
            if any(v is None for v in bound.values()):
                raise TokenRejected(f"the token's {role.name} is not bound to a known place")
            grants.append(RoleGrant(role, **bound))
        return Identity(
            kind="user",
            subject=subject,
            grants=tuple(grants),
            issuer=self.settings.external_issuer,
        )

    async def _resolve(self, engine: AsyncEngine, codes: dict[str, Any]) -> dict[str, int | None]:
        tables = {"lao": Lao, "district": District, "province": Province}
        ids: dict[str, int | None] = {}
        async with engine.connect() as conn:
            for name, model in tables.items():
                code = codes[name]
                ids[name] = (
                    (
                        await conn.execute(select(model.id).where(model.code == str(code)))
                    ).scalar_one_or_none()
                    if code not in (None, "")
                    else None
                )
        return ids


async def identify(request: Request) -> Identity:
    """The app's identity resolver: a missing token is the public, a bad one is a 401."""
    header = request.headers.get("authorization")
    if header is None:
        return PUBLIC
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("invalid_request", "send the access token as Authorization: Bearer")
    resource: ResourceServer = request.app.state.oauth.resource
    try:
        return await resource.identity(request.app.state.engine, token)
    except TokenRejected as exc:
        raise unauthorized(exc.error, exc.description) from None
