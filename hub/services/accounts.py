"""Administration of people's accounts and API clients (`hub users …`, `hub clients …`).

Passwords and client secrets are generated here, stored hashed (scrypt, `hub.rules.passwords`)
and returned once, for the caller to show. Disabling a person also ends their sign-ins
(refresh-token families revoked, so their access tokens are refused at once and re-enabling
revives none); a disabled client's tokens are refused while it stays disabled
(hub/oauth/revocation.py). A request that cannot be done as asked raises `AdminError`,
whose message says why. The command line over this API is `hub.cli.accounts`; the signing
keys are administered with the key set (`hub.oauth.keys`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.grants import grants_with_places
from hub.db.models import (
    ApiClient,
    ClientRegistration,
    District,
    Lao,
    Province,
    RefreshToken,
    RoleAssignment,
    User,
)
from hub.db.models.base import utcnow
from hub.rules.enums import Role
from hub.rules.identity import ALL_SCOPES, ROLE_PLACES
from hub.rules.passwords import hash_password_async


class AdminError(ValueError):
    """The request cannot be done as asked; the message says why."""


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24)


# --- users ---------------------------------------------------------------------------------


async def create_user(
    engine: AsyncEngine,
    username: str,
    display_name: str,
    role: Role,
    *,
    lao_code: str | None = None,
    district_code: str | None = None,
    province_code: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> str:
    """Creates a person with one role bound to its place; returns the password."""
    if not re.fullmatch(r"[A-Za-z0-9._@-]{3,100}", username):
        raise AdminError("a username is 3-100 letters, digits or . _ @ -")
    password = password or new_secret()
    password_hash = await hash_password_async(password)
    bound: dict[str, int | None] = {"lao_id": None, "district_id": None, "province_id": None}
    async with engine.begin() as conn:
        place = ROLE_PLACES[role]
        if place == "lao":
            bound["lao_id"] = await _place(conn, Lao, lao_code, "--lao")
        elif place == "district":
            bound["district_id"] = await _place(conn, District, district_code, "--district")
        elif place == "province":
            bound["province_id"] = await _place(conn, Province, province_code, "--province")
        if (await conn.execute(select(User.id).where(User.username == username))).first():
            raise AdminError(f"user {username} already exists")
        user_id = (
            await conn.execute(
                insert(User)
                .values(
                    username=username,
                    display_name=display_name,
                    email=email,
                    password_hash=password_hash,
                    disabled=False,
                    failed_logins=0,
                    is_demo=False,
                    created_at=utcnow(),
                )
                .returning(User.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(RoleAssignment).values(
                user_id=user_id, role=role.name, granted_at=utcnow(), **bound
            )
        )
    return password


async def _place(conn: Any, model: Any, code: str | None, option: str) -> int:
    if not code:
        raise AdminError(f"this role is bound to a place: give {option} CODE")
    found = (await conn.execute(select(model.id).where(model.code == code))).scalar_one_or_none()
    if found is None:
        raise AdminError(f"no {model.__tablename__[:-1]} has code {code}")
    return int(found)


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    roles: str
    disabled: bool
    locked_until: dt.datetime | None
    is_demo: bool


async def list_users(engine: AsyncEngine) -> list[UserRow]:
    async with engine.connect() as conn:
        users = (await conn.execute(select(User).order_by(User.username))).all()
        grants = (await conn.execute(grants_with_places())).all()
    roles: dict[int, list[str]] = {}
    for g in grants:
        place = g.lao_code or g.district_code or g.province_code
        roles.setdefault(g.user_id, []).append(f"{g.role.name}@{place}" if place else g.role.name)
    return [
        UserRow(
            u.username,
            u.display_name,
            " ".join(roles.get(u.id, [])),
            u.disabled,
            u.locked_until,
            u.is_demo,
        )
        for u in users
    ]


async def set_user_disabled(engine: AsyncEngine, username: str, disabled: bool) -> None:
    """Disable (or enable) a person; disabling also revokes every sign-in they hold."""
    async with engine.begin() as conn:
        user_id = (
            await conn.execute(
                update(User)
                .where(User.username == username)
                .values(disabled=disabled)
                .returning(User.id)
            )
        ).scalar_one_or_none()
        if user_id is None:
            raise AdminError(f"no user {username}")
        if disabled:
            await conn.execute(
                update(RefreshToken)
                .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )


async def rotate_user_password(engine: AsyncEngine, username: str) -> str:
    """A new password (printed once); also lifts a lockout."""
    password = new_secret()
    password_hash = await hash_password_async(password)
    async with engine.begin() as conn:
        result = await conn.execute(
            update(User)
            .where(User.username == username)
            .values(password_hash=password_hash, failed_logins=0, locked_until=None)
        )
        if result.rowcount != 1:
            raise AdminError(f"no user {username}")
    return password


# --- clients -------------------------------------------------------------------------------


def _check_scopes(scopes: str) -> str:
    parsed = scopes.split()
    unknown = [s for s in parsed if s not in ALL_SCOPES]
    if unknown:
        raise AdminError(f"unknown scopes {' '.join(unknown)}; known: {' '.join(ALL_SCOPES)}")
    return " ".join(dict.fromkeys(parsed))


async def create_client(
    engine: AsyncEngine,
    name: str,
    scopes: str,
    *,
    client_id: str | None = None,
    redirect_uris: list[str] | None = None,
    public: bool = False,
    email: str | None = None,
) -> tuple[str, str | None]:
    """Creates a client; returns (client_id, secret) — the secret is shown only now.

    Without redirect URIs it is a machine client (client credentials). With them it may also
    sign people in (authorization code + PKCE, refresh tokens); `public` clients (browser or
    mobile apps) have no secret.
    """
    scopes = _check_scopes(scopes)
    client_id = client_id or "client-" + secrets.token_hex(8)
    if not re.fullmatch(r"[A-Za-z0-9._-]{3,100}", client_id):
        raise AdminError("a client id is 3-100 letters, digits or . _ -")
    if public and not redirect_uris:
        raise AdminError("a public client signs people in: give --redirect-uri")
    for uri in redirect_uris or []:
        if not re.match(r"^(https://|http://(127\.0\.0\.1|localhost|\[::1\])[:/])", uri):
            raise AdminError(f"redirect URIs use https (or http on loopback): {uri}")
    secret = None if public else new_secret("hub-")
    secret_hash = await hash_password_async(secret) if secret else None
    async with engine.begin() as conn:
        if (
            await conn.execute(select(ApiClient.id).where(ApiClient.client_id == client_id))
        ).first():
            raise AdminError(f"client {client_id} already exists")
        pk = (
            await conn.execute(
                insert(ApiClient)
                .values(
                    client_id=client_id,
                    name=name,
                    secret_hash=secret_hash,
                    scopes=scopes,
                    contact_email=email,
                    disabled=False,
                    is_demo=False,
                    created_at=utcnow(),
                )
                .returning(ApiClient.id)
            )
        ).scalar_one()
        if redirect_uris:
            grant_types = ["authorization_code", "refresh_token"]
            if not public:
                grant_types.append("client_credentials")
            await conn.execute(
                insert(ClientRegistration).values(
                    api_client_id=pk,
                    redirect_uris=" ".join(redirect_uris),
                    grant_types=" ".join(grant_types),
                    token_endpoint_auth_method="none" if public else "client_secret_basic",
                )
            )
    return client_id, secret


async def list_clients(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(ApiClient, ClientRegistration)
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .order_by(ApiClient.client_id)
            )
        ).all()
    return [
        {
            "client_id": r.client_id,
            "name": r.name,
            "scopes": r.scopes,
            "grants": r.grant_types or "client_credentials",
            "redirect_uris": r.redirect_uris or "",
            "disabled": r.disabled,
            "is_demo": r.is_demo,
        }
        for r in rows
    ]


async def set_client_disabled(engine: AsyncEngine, client_id: str, disabled: bool) -> None:
    async with engine.begin() as conn:
        result = await conn.execute(
            update(ApiClient).where(ApiClient.client_id == client_id).values(disabled=disabled)
        )
        if result.rowcount != 1:
            raise AdminError(f"no client {client_id}")


async def rotate_client_secret(engine: AsyncEngine, client_id: str) -> str:
    secret = new_secret("hub-")
    secret_hash = await hash_password_async(secret)
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(ApiClient.id, ClientRegistration.token_endpoint_auth_method)
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id == client_id)
            )
        ).one_or_none()
        if row is None:
            raise AdminError(f"no client {client_id}")
        if row.token_endpoint_auth_method == "none":
            raise AdminError(f"{client_id} is a public client: it has no secret")
        await conn.execute(
            update(ApiClient).where(ApiClient.id == row.id).values(secret_hash=secret_hash)
        )
    return secret


async def ensure_first_party_client(
    engine: AsyncEngine, client_id: str, name: str, redirect_uri: str
) -> bool:
    """Register the hub's own browser application (the console) as a public client with
    `redirect_uri` and every scope, or correct its redirect URI; True when it wrote.

    Idempotent and safe to run from several replicas at once: a replica that loses the race
    to insert finds the row the winner wrote.
    """
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(ApiClient.id, ClientRegistration.redirect_uris)
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id == client_id)
            )
        ).one_or_none()
    if row is not None and row.redirect_uris == redirect_uri:
        return False
    try:
        async with engine.begin() as conn:
            if row is None:
                pk = (
                    await conn.execute(
                        insert(ApiClient)
                        .values(
                            client_id=client_id,
                            name=name,
                            secret_hash=None,
                            scopes=" ".join(ALL_SCOPES),
                            disabled=False,
                            is_demo=False,
                            created_at=utcnow(),
                        )
                        .returning(ApiClient.id)
                    )
                ).scalar_one()
                await conn.execute(
                    insert(ClientRegistration).values(
                        api_client_id=pk,
                        redirect_uris=redirect_uri,
                        grant_types="authorization_code refresh_token",
                        token_endpoint_auth_method="none",
                    )
                )
            elif row.redirect_uris is None:
                await conn.execute(
                    insert(ClientRegistration).values(
                        api_client_id=row.id,
                        redirect_uris=redirect_uri,
                        grant_types="authorization_code refresh_token",
                        token_endpoint_auth_method="none",
                    )
                )
            else:
                await conn.execute(
                    update(ClientRegistration)
                    .where(ClientRegistration.api_client_id == row.id)
                    .values(redirect_uris=redirect_uri)
                )
    except IntegrityError:
        return False
    return True
