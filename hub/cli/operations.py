"""`hub operations …`, `hub clients set …` and `hub schema release`: persisted operations, a
client's API policy, and the released contract.

    hub operations list                       every registered operation: name, version,
                                              source, kind, REST route, SHA-256
    hub operations add FILE                   register an operation file in the database
                                              (same format as schema/operations/*.graphql)
    hub operations remove NAME [--version N]  remove one version (or all) from the database
    hub operations check                      every registered operation validates against
                                              the current schema (exit 1 naming those that
                                              do not)
    hub clients set CLIENT_ID [--operations-only | --any-operation]
                    [--rate-limit N|default] [--daily-quota N|default]
    hub schema release                        write schema/released.graphql (the contract the
                                              breaking-change guard compares against)

A request that cannot be done as asked prints why and exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import migrate
from hub.db.engine import create_engine
from hub.services import client_policy
from hub.services import persisted_operations as stored
from hub.settings import Settings

T = TypeVar("T")


def _run(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    migrate.upgrade(settings.database_url)

    async def go() -> T:
        engine = create_engine(settings.database_url, writer=True)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _fail(message: str) -> int:
    print(f"hub: {message}", file=sys.stderr)
    return 2


def _schema() -> Any:
    from schema.root import build_schema

    return build_schema()._schema


def cmd_operations(settings: Settings, args: argparse.Namespace) -> int:
    from schema.operations import OperationFileError
    from schema.operations.registry import all_operations, check_operations, register_operation

    c = args.operations_command
    if c == "list":
        operations = _run(settings, all_operations)
        for op in operations:
            rest = f"{op.rest.method} {op.rest.path}" if op.rest else "-"
            print(f"{op.name}@{op.version}\t{op.source}\t{op.kind}\t{rest}\tsha256:{op.sha256}")
        return 0
    if c == "add":
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            return _fail(f"{path}: {exc.strerror}")
        try:
            op = _run(settings, lambda e: register_operation(e, _schema(), text, origin=path.name))
        except (OperationFileError, stored.OperationConflict) as exc:
            return _fail(str(exc))
        print(f"registered {op.name}@{op.version} sha256:{op.sha256}")
        return 0
    if c == "remove":
        removed = _run(settings, lambda e: stored.remove_operation(e, args.name, args.version))
        if not removed:
            return _fail(f"no operation {args.name} in the database (repository ones stay)")
        print(f"removed {args.name} version(s) {', '.join(map(str, removed))}")
        return 0
    checked = _run(settings, lambda e: check_operations(e, _schema()))
    broken = [c for c in checked if c.problems]
    for item in broken:
        op = item.operation
        print(f"{op.name}@{op.version} ({op.source}): {'; '.join(item.problems)}")
    if broken:
        return 1
    print(f"{len(checked)} registered operations validate against the current schema")
    return 0


def _limit(raw: str | None) -> Any:
    if raw is None:
        return client_policy.UNSET
    if raw == "default":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r}: a number (0: no limit) or 'default'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{raw!r}: 0 or more")
    return value


def cmd_client_policy(settings: Settings, args: argparse.Namespace) -> int:
    try:
        rate, daily = _limit(args.rate_limit), _limit(args.daily_quota)
    except argparse.ArgumentTypeError as exc:
        return _fail(str(exc))
    only = client_policy.UNSET if args.operations_only is None else args.operations_only
    try:
        policy = _run(
            settings,
            lambda e: client_policy.set_client_policy(
                e, args.client_id, operations_only=only, rate_limit=rate, daily_quota=daily
            ),
        )
    except client_policy.UnknownClient as exc:
        return _fail(str(exc))

    def shown(value: int | None) -> str:
        return "default" if value is None else ("no limit" if value == 0 else str(value))

    print(
        f"client {policy.client_id}: "
        f"{'registered operations only' if policy.operations_only else 'any operation'}; "
        f"rate limit {shown(policy.rate_limit)}/minute; daily quota {shown(policy.daily_quota)}"
    )
    return 0


def cmd_release(settings: Settings, args: argparse.Namespace) -> int:
    from schema import schema
    from schema.contract import RELEASED_FILE

    RELEASED_FILE.write_text(schema.as_str() + "\n", encoding="utf-8")
    print(f"wrote {RELEASED_FILE}")
    return 0


def add_parsers(sub: Any, clients: Any) -> None:
    """Registers `operations` on the `hub` command and `set` on `hub clients`."""
    ops = sub.add_parser("operations", help="persisted operations (schema/operations + database)")
    osub = ops.add_subparsers(dest="operations_command", required=True)
    osub.add_parser("list", help="every registered operation")
    osub.add_parser("add", help="register an operation file in the database").add_argument("file")
    remove = osub.add_parser("remove", help="remove a database operation")
    remove.add_argument("name")
    remove.add_argument("--version", type=int)
    osub.add_parser("check", help="every registered operation validates against the schema")
    ops.set_defaults(func=cmd_operations)

    policy = clients.add_parser("set", help="a client's API policy: allow-list mode, quotas")
    policy.add_argument("client_id")
    mode = policy.add_mutually_exclusive_group()
    mode.add_argument(
        "--operations-only",
        dest="operations_only",
        action="store_const",
        const=True,
        help="may run only registered operations",
    )
    mode.add_argument(
        "--any-operation",
        dest="operations_only",
        action="store_const",
        const=False,
        help="may run any operation again",
    )
    policy.add_argument("--rate-limit", help="requests per minute, 0: no limit, or 'default'")
    policy.add_argument("--daily-quota", help="requests per UTC day, 0: no limit, or 'default'")
    policy.set_defaults(func=cmd_client_policy)
