"""The hub's signing key set, kept in the database (`oauth_signing_keys`).

The newest key that is not retired signs. Rotation (`hub keys rotate`) adds a key, which
becomes the signer, and gives the older keys a `retire_after` one access-token lifetime (plus
leeway) away: until then they stay in the JWKS and keep verifying the tokens they signed.
Every worker reads the same table; this module only caches it for a few seconds and reloads
at once when a token names a key it has not seen (a key another worker just added).

Private keys are stored as JWK JSON, encrypted with Fernet when HUB_KEY_ENCRYPTION_SECRET is set.
Production never stores one in clear: without the secret it makes no key at all (and refuses
to start, hub/oauth/production.py); `hub keys encrypt` encrypts keys an older hub stored in clear.
The key set's administration (`rotate_keys`, `encrypt_keys`, `list_keys`: `hub keys …`) is
here too; a request it cannot do raises `KeyError_`, whose message says why.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import revocation_epoch
from hub.db.models import SigningKey
from hub.settings import Settings

CACHE_SECONDS = 30.0
RELOAD_AT_MOST_EVERY = 1.0  # seconds between reloads forced by an unknown kid
ENCRYPTED_PREFIX = "fernet:"

Key = ECKey | RSAKey


class KeyError_(RuntimeError):
    """A stored key cannot be used (e.g. encrypted with another secret), or cannot be made."""


NO_SECRET_IN_PRODUCTION = (
    "production keeps the signing keys' private parts encrypted: set HUB_KEY_ENCRYPTION_SECRET"
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; every datetime the hub stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def generate_key(alg: str) -> Key:
    params = {"alg": alg, "use": "sig"}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=params, auto_kid=True)
    if alg == "RS256":
        return RSAKey.generate_key(2048, parameters=params, auto_kid=True)
    raise ValueError(f"unsupported signing algorithm {alg}")


def seal(private: dict[str, Any], settings: Settings) -> str:
    text = json.dumps(private)
    if settings.key_encryption_secret:
        return (
            ENCRYPTED_PREFIX
            + _fernet(settings.key_encryption_secret).encrypt(text.encode()).decode()
        )
    return text


def is_sealed(stored: str) -> bool:
    return stored.startswith(ENCRYPTED_PREFIX)


def unseal(stored: str, settings: Settings) -> dict[str, Any]:
    if stored.startswith(ENCRYPTED_PREFIX):
        if not settings.key_encryption_secret:
            raise KeyError_("signing keys are encrypted: set HUB_KEY_ENCRYPTION_SECRET")
        try:
            stored = (
                _fernet(settings.key_encryption_secret)
                .decrypt(stored[len(ENCRYPTED_PREFIX) :].encode())
                .decode()
            )
        except InvalidToken:
            raise KeyError_("HUB_KEY_ENCRYPTION_SECRET does not decrypt the signing keys") from None
    return dict(json.loads(stored))


def import_key(data: dict[str, Any]) -> Key:
    return ECKey.import_key(data) if data["kty"] == "EC" else RSAKey.import_key(data)


async def add_key(conn: AsyncConnection, settings: Settings, *, retire_others: bool) -> str:
    """Add a new signing key (it signs from now on); returns its kid.

    With `retire_others`, the keys before it stop being accepted one access-token lifetime
    (plus leeway) from now: long enough for every token they signed to expire.
    """
    if settings.production and not settings.key_encryption_secret:
        raise KeyError_(NO_SECRET_IN_PRODUCTION)
    key = generate_key(settings.signing_alg)
    now = utcnow()
    if retire_others:
        grace = dt.timedelta(seconds=settings.access_token_ttl + settings.token_leeway)
        await conn.execute(
            update(SigningKey)
            .where(SigningKey.retire_after.is_(None))
            .values(retire_after=now + grace)
        )
    await conn.execute(
        SigningKey.__table__.insert().values(
            kid=key.kid,
            alg=settings.signing_alg,
            private_jwk=seal(key.as_dict(private=True), settings),
            public_jwk=json.dumps(key.as_dict(private=False)),
            created_at=now,
            retire_after=None,
            is_demo=not settings.production,
        )
    )
    return str(key.kid)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    alg: str
    created_at: dt.datetime
    retire_after: dt.datetime | None
    public: dict[str, Any]
    private: Key

    def live(self, now: dt.datetime) -> bool:
        return self.retire_after is None or self.retire_after > now


class KeyStore:
    """A per-process cache of the database's key set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._keys: list[LoadedKey] = []
        self._loaded_at = -1e9
        self._lock = asyncio.Lock()

    async def _load(self, engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(select(SigningKey).order_by(SigningKey.created_at.desc()))
            ).all()
        keys = []
        for r in rows:
            keys.append(
                LoadedKey(
                    kid=r.kid,
                    alg=r.alg,
                    created_at=aware(r.created_at),  # type: ignore[arg-type]
                    retire_after=aware(r.retire_after),
                    public=json.loads(r.public_jwk),
                    private=import_key(unseal(r.private_jwk, self.settings)),
                )
            )
        self._keys = keys
        self._loaded_at = time.monotonic()

    async def keys(self, engine: AsyncEngine, *, force: bool = False) -> list[LoadedKey]:
        age = time.monotonic() - self._loaded_at
        if age > CACHE_SECONDS or (force and age > RELOAD_AT_MOST_EVERY):
            async with self._lock:
                if time.monotonic() - self._loaded_at > (
                    RELOAD_AT_MOST_EVERY if force else CACHE_SECONDS
                ):
                    await self._load(engine)
        return self._keys

    def invalidate(self) -> None:
        self._loaded_at = -1e9
        # A changed key set (a rotation, a retirement) may end tokens: forget verified ones.
        revocation_epoch.bump()

    async def signer(self, engine: AsyncEngine) -> LoadedKey:
        """The newest live key; the first one is generated here if the set is empty."""
        now = utcnow()
        live = [k for k in await self.keys(engine) if k.live(now)]
        if not live:
            live = [k for k in await self.keys(engine, force=True) if k.live(now)]
        if not live:
            async with engine.begin() as conn:
                await add_key(conn, self.settings, retire_others=False)
            self.invalidate()
            live = [k for k in await self.keys(engine) if k.live(now)]
        return max(live, key=lambda k: k.created_at)

    async def verification_key(self, engine: AsyncEngine, kid: str) -> LoadedKey | None:
        now = utcnow()
        for force in (False, True):
            for key in await self.keys(engine, force=force):
                if key.kid == kid:
                    return key if key.live(now) else None
        return None

    async def jwks(self, engine: AsyncEngine) -> dict[str, Any]:
        await self.signer(engine)  # a fresh hub publishes its first key
        now = utcnow()
        return {"keys": [k.public for k in await self.keys(engine) if k.live(now)]}


# --- administration (`hub keys …`) ------------------------------------------------------


async def rotate_keys(engine: AsyncEngine, settings: Settings, *, purge_dev: bool = False) -> str:
    """A new signing key; the old ones retire after one access-token lifetime.

    `purge_dev` deletes keys generated outside production at once (tokens they signed stop
    working): what production mode asks for before it starts. Production refuses to make a
    key it could only store in clear.
    """
    async with engine.begin() as conn:  # add_key's refusal undoes the purge
        if purge_dev:
            await conn.execute(delete(SigningKey).where(SigningKey.is_demo.is_(True)))
        return await add_key(conn, settings, retire_others=True)


async def encrypt_keys(engine: AsyncEngine, settings: Settings) -> int:
    """Encrypt every signing key stored in clear with HUB_KEY_ENCRYPTION_SECRET; returns how
    many. Keys already encrypted must decrypt with the secret (else nothing is changed)."""
    if not settings.key_encryption_secret:
        raise KeyError_("set HUB_KEY_ENCRYPTION_SECRET: the signing keys are encrypted with it")
    async with engine.begin() as conn:
        rows = (await conn.execute(select(SigningKey.kid, SigningKey.private_jwk))).all()
        clear = []
        for kid, stored in rows:
            try:
                private = unseal(stored, settings)
            except KeyError_ as exc:
                raise KeyError_(f"signing key {kid}: {exc}") from None
            if not is_sealed(stored):
                clear.append((kid, seal(private, settings)))
        for kid, sealed in clear:
            await conn.execute(
                update(SigningKey).where(SigningKey.kid == kid).values(private_jwk=sealed)
            )
    return len(clear)


async def list_keys(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(SigningKey).order_by(SigningKey.created_at))).all()
    now = utcnow()
    return [
        {
            "kid": r.kid,
            "alg": r.alg,
            "created_at": aware(r.created_at),
            "retire_after": aware(r.retire_after),
            "live": r.retire_after is None or aware(r.retire_after) > now,  # type: ignore[operator]
            "dev": r.is_demo,
            "clear": not is_sealed(r.private_jwk),
        }
        for r in rows
    ]
