"""`hub users …`, `hub clients …` and `hub keys …`: the command line over the administration
API of accounts (`hub.services.accounts`, the same functions the GraphQL API calls, acting as
`COMMAND_LINE`, which may issue every role) and signing keys (`hub.oauth.keys`).

    hub users create USERNAME --name NAME --role ROLE [--lao CODE | --district CODE | --province CODE]
                                                    (prints a one-time activation code and link)
    hub users list | disable USERNAME [--reason R] | enable USERNAME
    hub users reset USERNAME                        (a one-time reset code; `rotate` is an alias)
    hub users grant|revoke USERNAME --role ROLE [--lao CODE | --district CODE | --province CODE]
    hub clients create --name NAME --scopes "domain:1 domain:7" [--client-id ID]
                       [--redirect-uri URI ... [--public]]
    hub clients list | disable CLIENT_ID | enable CLIENT_ID | rotate CLIENT_ID (new secret)
    hub keys list | rotate [--purge-dev] | encrypt

No password is printed: a person sets their own with the code, at /oauth/activate. Codes
and client secrets are printed once. In production signing keys are
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
from hub.rules.accounts import activation_url
from hub.rules.enums import Role
from hub.rules.problems import Refusal
from hub.services.accounts import (
    COMMAND_LINE,
    AdminError,
    IssuedCode,
    create_client,
    grant_role,
    issue_account,
    issue_code,
    list_clients,
    list_users,
    revoke_role,
    rotate_client_secret,
    set_client_disabled,
    set_disabled,
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


def _print_code(settings: Settings, issued: IssuedCode) -> None:
    kind = "activation" if issued.purpose.name == "ACTIVATION" else "reset"
    print(f"{kind} code (shown once): {issued.code}")
    print(f"{kind} link: {activation_url(settings.issuer, issued.code)}")
    print(f"expires: {issued.expires_at:%Y-%m-%d %H:%M} UTC")


def _places(args: argparse.Namespace) -> dict[str, str | None]:
    return {"lao_code": args.lao, "district_code": args.district, "province_code": args.province}


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    c = args.users_command
    ttl = settings.account_code_ttl
    if c == "create":
        role = Role[args.role]
        issued = _run(
            settings,
            lambda e: issue_account(
                e,
                COMMAND_LINE,
                username=args.username,
                display_name=args.name,
                role=role,
                email=args.email,
                code_ttl=ttl,
                **_places(args),
            ),
        )
        print(f"created user {args.username} ({role.name})")
        _print_code(settings, issued)
    elif c == "list":
        users = _run(settings, list_users)
        rows = [["username", "name", "roles", "state"]]
        for u in users:
            state = "disabled" if u.disabled else "active" if u.activated else "not activated"
            if u.locked_until and u.locked_until > utcnow():
                state += f", locked until {u.locked_until:%Y-%m-%d %H:%M} UTC"
            if u.is_demo:
                state += ", demo"
            rows.append([u.username, u.display_name, u.roles, state])
        print(_table(rows))
    elif c in {"disable", "enable"}:
        reason = getattr(args, "reason", None)
        _run(
            settings,
            lambda e: set_disabled(e, COMMAND_LINE, args.username, c == "disable", reason=reason),
        )
        print(f"user {args.username} {c}d")
    elif c in {"reset", "rotate"}:
        issued = _run(settings, lambda e: issue_code(e, COMMAND_LINE, args.username, code_ttl=ttl))
        print(f"new code for {args.username}; the person sets their password with it")
        _print_code(settings, issued)
    elif c in {"grant", "revoke"}:
        role = Role[args.role]
        if c == "grant":
            _run(
                settings,
                lambda e: grant_role(e, COMMAND_LINE, args.username, role, **_places(args)),
            )
        else:
            _run(
                settings,
                lambda e: revoke_role(
                    e, COMMAND_LINE, args.username, role, reason=args.reason, **_places(args)
                ),
            )
        print(
            f"user {args.username}: {role.name} {c}d"
            if c == "revoke"
            else f"user {args.username}: {role.name} granted"
        )
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


def add_parsers(sub: Any) -> Any:
    """Registers `users`, `clients` and `keys` on the `hub` command's subparsers; returns
    `hub clients`' subcommands (hub/cli/operations.py adds `hub clients set`)."""
    users = sub.add_parser("users", help="people's accounts")
    usub = users.add_subparsers(dest="users_command", required=True)

    def placed(p: argparse.ArgumentParser) -> None:
        p.add_argument("username")
        p.add_argument("--role", required=True, choices=[r.name for r in Role])
        p.add_argument("--lao", help="LAO code (recorder, verifier, LAO administrator)")
        p.add_argument("--district", help="district code (district officer)")
        p.add_argument("--province", help="province code (provincial officer)")

    create = usub.add_parser("create", help="issue an account; prints a one-time activation code")
    placed(create)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--email")
    usub.add_parser("list", help="list people")
    disable = usub.add_parser("disable", help="disable; ends their sign-ins at once")
    disable.add_argument("username")
    disable.add_argument("--reason")
    usub.add_parser("enable", help="enable again").add_argument("username")
    usub.add_parser(
        "reset", aliases=["rotate"], help="a one-time code to set a new password (unlocks)"
    ).add_argument("username")
    placed(usub.add_parser("grant", help="grant a role to an account"))
    revoke = usub.add_parser("revoke", help="revoke a role; ends their sign-ins")
    placed(revoke)
    revoke.add_argument("--reason")
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
    return csub


def _guard(
    command: Callable[[Settings, argparse.Namespace], int],
) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return command(settings, args)
        except (AdminError, KeyError_) as exc:
            print(f"hub: {exc}", file=sys.stderr)
            return 2
        except Refusal as problem:  # the accounts' rules, in the API's words
            print(f"hub: {problem.message_en}", file=sys.stderr)
            return 2

    return run
