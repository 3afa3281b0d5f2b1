"""Start-up checks of production mode (HUB_ENV=production).

Production refuses to start while the database holds demo accounts (users or clients made by
`hub demo load`) or signing keys generated outside production, when the issuer is not an
https address (loopback excepted), when HUB_KEY_ENCRYPTION_SECRET is not set, or while a
signing key's private part is stored in clear or does not decrypt with that secret (a database
copy must not hand out the power to sign tokens). It generates the first signing key if there
is none.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import ApiClient, SigningKey, User
from hub.oauth.keys import KeyError_, KeyStore, is_sealed, unseal
from hub.settings import Settings


class ProductionRefused(RuntimeError):
    """The hub will not serve in production mode until the message's problems are fixed."""


def _loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in {"127.0.0.1", "localhost", "::1"}


async def check_production(engine: AsyncEngine, settings: Settings, keystore: KeyStore) -> None:
    problems = []
    if not settings.issuer.startswith("https://") and not _loopback(settings.issuer):
        problems.append(f"HUB_ISSUER must be an https address, got {settings.issuer}")
    async with engine.connect() as conn:
        users = (
            await conn.execute(select(func.count()).where(User.is_demo.is_(True)))
        ).scalar_one()
        clients = (
            await conn.execute(select(func.count()).where(ApiClient.is_demo.is_(True)))
        ).scalar_one()
        keys = (
            await conn.execute(select(func.count()).where(SigningKey.is_demo.is_(True)))
        ).scalar_one()
        stored = list((await conn.execute(select(SigningKey.private_jwk))).scalars())
    if users or clients:
        problems.append(
            f"the database holds demo accounts ({users} users, {clients} clients): "
            "production never runs with them (remove them or use a fresh database)"
        )
    if keys:
        problems.append(
            f"the database holds {keys} signing key(s) generated outside production: "
            "run `hub keys rotate --purge-dev` with HUB_ENV=production"
        )
    if not settings.key_encryption_secret:
        problems.append(
            "HUB_KEY_ENCRYPTION_SECRET is not set: production keeps the signing keys' private "
            "parts encrypted (set it, then run `hub keys encrypt` for keys stored in clear)"
        )
    clear = sum(1 for text in stored if not is_sealed(text))
    if clear:
        problems.append(
            f"{clear} signing key(s) stored in clear: run `hub keys encrypt` with "
            "HUB_KEY_ENCRYPTION_SECRET set"
        )
    elif settings.key_encryption_secret:
        try:
            for text in stored:
                unseal(text, settings)
        except KeyError_ as exc:
            problems.append(str(exc))
    if problems:
        raise ProductionRefused("refusing to start in production: " + "; ".join(problems))
    await keystore.signer(engine)  # the first production key, if there is none yet
