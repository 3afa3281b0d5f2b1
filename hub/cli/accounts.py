"""`hub users …`, `hub clients …` and `hub keys …`: the command line over the administration
API of accounts (`hub.services.accounts`) and signing keys (`hub.oauth.keys`).

    hub users create USERNAME --name NAME --role ROLE [--lao CODE | --district CODE | --province CODE]
    hub users list | disable USERNAME | enable USERNAME | rotate USERNAME (new password, unlocks)
    hub clients create --name NAME --scopes "domain:1 domain:7" [--client-id ID]
                       [--redirect-uri URI ... [--public]]
    hub clients list | disable CLIENT_ID | enable CLIENT_ID | rotate CLIENT_ID (new secret)
    hub keys list | rotate [--purge-dev] | encrypt

Generated passwords and client secrets are printed once. In production signing keys are
made only with HUB_KEY_ENCRYPTION_SECRET set; `hub keys encrypt` encrypts keys stored in
clear. A request that cannot be done as asked prints why and exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import migrate
from hub.db.engine import create_engine
from hub.db.models.base import utcnow
from hub.oauth.keys import KeyError_, encrypt_keys, list_keys, rotate_keys
from hub.rules.enums import Role
from hub.services.accounts import (
    AdminError,
    create_client,
    create_user,
    list_clients,
    list_users,
    rotate_client_secret,
    rotate_user_password,
    set_client_disabled,
    set_user_disabled,
)
from hub.settings import Settings

T = TypeVar("T")


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
    create.add_argument("--province", help="province code (provincial officer, LPA assessor)")
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
    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return command(settings, args)
        except (AdminError, KeyError_) as exc:
            print(f"hub: {exc}", file=sys.stderr)
            return 2

    return run
