"""`hub users …`, `hub clients …` and `hub keys …`: administration of accounts and keys.

    hub users create USERNAME --name NAME --role ROLE [--lao CODE | --district CODE | --province CODE]
    hub users list | disable USERNAME | enable USERNAME | rotate USERNAME (new password, unlocks)
    hub clients create --name NAME --scopes "domain:1 domain:7" [--client-id ID]
                       [--redirect-uri URI ... [--public]]
    hub clients list | disable CLIENT_ID | enable CLIENT_ID | rotate CLIENT_ID (new secret)
    hub keys list | rotate [--purge-dev] | encrypt

Passwords and client secrets are generated here, stored hashed (scrypt) and printed once.
Disabling a person also ends their sign-ins (refresh-token families revoked, so their access
tokens are refused at once and re-enabling revives none); a disabled client's tokens are
refused while it stays disabled (hub/oauth/revocation.py). In production signing keys are
made only with HUB_KEY_ENCRYPTION_SECRET set; `hub keys encrypt` encrypts keys stored in clear.
The async functions are the administration API; the `cmd_*` functions are the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import migrate
from hub.db.engine import create_engine
from hub.db.models import (
    ApiClient,
    ClientRegistration,
    District,
    Lao,
    Province,
    RefreshToken,
    RoleAssignment,
    SigningKey,
    User,
)
from hub.oauth.keys import (
    NO_SECRET_IN_PRODUCTION,
    KeyError_,
    add_key,
    aware,
    is_sealed,
    seal,
    unseal,
    utcnow,
)
from hub.rules.enums import Role
from hub.rules.identity import ALL_SCOPES
from hub.rules.passwords import hash_password_async
from hub.settings import Settings

T = TypeVar("T")
LAO_ROLES = {Role.LAO_RECORDER, Role.LAO_VERIFIER, Role.LAO_ADMIN}


class AdminError(ValueError):
    """The command cannot be done as asked; the message says why."""


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
        if role in LAO_ROLES:
            bound["lao_id"] = await _place(conn, Lao, lao_code, "--lao")
        elif role is Role.DISTRICT_OFFICER:
            bound["district_id"] = await _place(conn, District, district_code, "--district")
        elif role is Role.PROVINCE_OFFICER:
            bound["province_id"] = await _place(conn, Province, province_code, "--province")
        if (await conn.execute(select(User.id).where(User.username == username))).first():
            raise AdminError(f"user {username} already exists")
        user_id = (
            await conn.execute(
                User.__table__.insert()
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
            RoleAssignment.__table__.insert().values(
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
        grants = (
            await conn.execute(
                select(
                    RoleAssignment.user_id,
                    RoleAssignment.role,
                    Lao.code,
                    District.code,
                    Province.code,
                )
                .outerjoin(Lao, Lao.id == RoleAssignment.lao_id)
                .outerjoin(District, District.id == RoleAssignment.district_id)
                .outerjoin(Province, Province.id == RoleAssignment.province_id)
                .where(RoleAssignment.revoked_at.is_(None))
                .order_by(RoleAssignment.id)
            )
        ).all()
    roles: dict[int, list[str]] = {}
    for user_id, role, lao, district, province in grants:
        place = lao or district or province
        roles.setdefault(user_id, []).append(f"{role.name}@{place}" if place else role.name)
    return [
        UserRow(
            u.username,
            u.display_name,
            " ".join(roles.get(u.id, [])),
            u.disabled,
            aware(u.locked_until),
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
                ApiClient.__table__.insert()
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
                ClientRegistration.__table__.insert().values(
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


# --- keys ----------------------------------------------------------------------------------


async def rotate_keys(engine: AsyncEngine, settings: Settings, *, purge_dev: bool = False) -> str:
    """A new signing key; the old ones retire after one access-token lifetime.

    `purge_dev` deletes keys generated outside production at once (tokens they signed stop
    working): what production mode asks for before it starts. Production refuses to make a
    key it could only store in clear.
    """
    if settings.production and not settings.key_encryption_secret:
        raise AdminError(NO_SECRET_IN_PRODUCTION)
    async with engine.begin() as conn:
        if purge_dev:
            await conn.execute(delete(SigningKey).where(SigningKey.is_demo.is_(True)))
        return await add_key(conn, settings, retire_others=True)


async def encrypt_keys(engine: AsyncEngine, settings: Settings) -> int:
    """Encrypt every signing key stored in clear with HUB_KEY_ENCRYPTION_SECRET; returns how
    many. Keys already encrypted must decrypt with the secret (else nothing is changed)."""
    if not settings.key_encryption_secret:
        raise AdminError("set HUB_KEY_ENCRYPTION_SECRET: the signing keys are encrypted with it")
    async with engine.begin() as conn:
        rows = (await conn.execute(select(SigningKey.kid, SigningKey.private_jwk))).all()
        clear = []
        for kid, stored in rows:
            try:
                private = unseal(stored, settings)
            except KeyError_ as exc:
                raise AdminError(f"signing key {kid}: {exc}") from None
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


# --- the command line ----------------------------------------------------------------------


def _run(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    migrate.upgrade(settings.database_url)

    async def go() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    c = args.users_command
    if c == "create":
        role = Role[args.role]
        password = _run(
            settings,
            lambda e: create_user(
                e,
                args.username,
                args.name,
                role,
                lao_code=args.lao,
                district_code=args.district,
                province_code=args.province,
                email=args.email,
            ),
        )
        print(f"created user {args.username} ({role.name})")
        print(f"password (shown once): {password}")
    elif c == "list":
        users = _run(settings, list_users)
        rows = [["username", "name", "roles", "state"]]
        for u in users:
            state = "disabled" if u.disabled else "active"
            if u.locked_until and u.locked_until > utcnow():
                state += f", locked until {u.locked_until:%Y-%m-%d %H:%M} UTC"
            if u.is_demo:
                state += ", demo"
            rows.append([u.username, u.display_name, u.roles, state])
        print(_table(rows))
    elif c in {"disable", "enable"}:
        _run(settings, lambda e: set_user_disabled(e, args.username, c == "disable"))
        print(f"user {args.username} {c}d")
    elif c == "rotate":
        password = _run(settings, lambda e: rotate_user_password(e, args.username))
        print(f"new password for {args.username} (shown once): {password}")
    return 0


def cmd_clients(settings: Settings, args: argparse.Namespace) -> int:
    c = args.clients_command
    if c == "create":
        client_id, secret = _run(
            settings,
            lambda e: create_client(
                e,
                args.name,
                args.scopes,
                client_id=args.client_id,
                redirect_uris=args.redirect_uri,
                public=args.public,
                email=args.email,
            ),
        )
        print(f"client_id: {client_id}")
        print(f"client_secret (shown once): {secret}" if secret else "public client: no secret")
    elif c == "list":
        clients = _run(settings, list_clients)
        rows = [["client_id", "name", "scopes", "grants", "state"]]
        for x in clients:
            state = ("disabled" if x["disabled"] else "active") + (", demo" if x["is_demo"] else "")
            rows.append([x["client_id"], x["name"], x["scopes"], x["grants"], state])
        print(_table(rows))
    elif c in {"disable", "enable"}:
        _run(settings, lambda e: set_client_disabled(e, args.client_id, c == "disable"))
        print(f"client {args.client_id} {c}d")
    elif c == "rotate":
        secret = _run(settings, lambda e: rotate_client_secret(e, args.client_id))
        print(f"new client_secret for {args.client_id} (shown once): {secret}")
    return 0


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    if args.keys_command == "encrypt":
        count = _run(settings, lambda e: encrypt_keys(e, settings))
        print(f"encrypted {count} signing key(s); every key is now stored encrypted")
        return 0
    if args.keys_command == "rotate":
        kid = _run(settings, lambda e: rotate_keys(e, settings, purge_dev=args.purge_dev))
        print(
            f"new signing key {kid}; older keys retire in {settings.access_token_ttl + settings.token_leeway} s"
        )
        return 0
    keys = _run(settings, list_keys)
    rows = [["kid", "alg", "created", "retires", "state"]]
    for k in keys:
        retires = f"{k['retire_after']:%Y-%m-%d %H:%M:%S}" if k["retire_after"] else "-"
        state = ("live" if k["live"] else "retired") + (", dev" if k["dev"] else "")
        state += ", stored in clear" if k["clear"] else ""
        rows.append([k["kid"], k["alg"], f"{k['created_at']:%Y-%m-%d %H:%M:%S}", retires, state])
    print(_table(rows) if keys else "no signing keys yet (one is made on first use)")
    return 0


def add_parsers(sub: Any) -> None:
    """Registers `users`, `clients` and `keys` on the `hub` command's subparsers."""
    users = sub.add_parser("users", help="people's accounts")
    usub = users.add_subparsers(dest="users_command", required=True)
    create = usub.add_parser("create", help="create a person with one role")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--role", required=True, choices=[r.name for r in Role])
    create.add_argument("--lao", help="LAO code (recorder, verifier, LAO administrator)")
    create.add_argument("--district", help="district code (district officer)")
    create.add_argument("--province", help="province code (provincial officer)")
    create.add_argument("--email")
    usub.add_parser("list", help="list people")
    for name, text in (("disable", "disable"), ("enable", "enable"), ("rotate", "new password")):
        p = usub.add_parser(name, help=text)
        p.add_argument("username")
    users.set_defaults(func=_guard(cmd_users))

    clients = sub.add_parser("clients", help="API clients (agencies' systems, sign-in apps)")
    csub = clients.add_subparsers(dest="clients_command", required=True)
    create = csub.add_parser("create", help="create a client; prints its secret once")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", default="", help='e.g. "domain:1 domain:7 missions"')
    create.add_argument("--client-id")
    create.add_argument("--redirect-uri", action="append", help="lets the client sign people in")
    create.add_argument("--public", action="store_true", help="no secret (browser/mobile app)")
    create.add_argument("--email")
    csub.add_parser("list", help="list clients")
    for name, text in (("disable", "disable"), ("enable", "enable"), ("rotate", "new secret")):
        p = csub.add_parser(name, help=text)
        p.add_argument("client_id")
    clients.set_defaults(func=_guard(cmd_clients))

    keys = sub.add_parser("keys", help="token signing keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    ksub.add_parser("list", help="list signing keys")
    rotate = ksub.add_parser("rotate", help="add a new signing key; old ones retire")
    rotate.add_argument(
        "--purge-dev", action="store_true", help="delete keys generated outside production now"
    )
    ksub.add_parser("encrypt", help="encrypt keys stored in clear with HUB_KEY_ENCRYPTION_SECRET")
    keys.set_defaults(func=_guard(cmd_keys))


def _guard(
    command: Callable[[Settings, argparse.Namespace], int],
) -> Callable[[Settings, argparse.Namespace], int]:
    import sys

    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return command(settings, args)
        except AdminError as exc:
            print(f"hub: {exc}", file=sys.stderr)
            return 2

    return run
