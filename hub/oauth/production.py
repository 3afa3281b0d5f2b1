"""Start-up checks of production mode (HUB_ENV=production).

Production refuses to start while the database holds demo accounts (users or clients made by
`hub demo load`) or signing keys generated outside production, or when the issuer is not an
https address (loopback excepted). It generates the first signing key if there is none.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.models import ApiClient, SigningKey, User
from hub.oauth.keys import KeyStore
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
    if problems:
        raise ProductionRefused("refusing to start in production: " + "; ".join(problems))
    await keystore.signer(engine)  # the first production key, if there is none yet
