"""The `hub` command: serve, migrate, load geography and the demo dataset, export the schema.

    hub serve                     serve the hub (migrates first unless HUB_AUTO_MIGRATE=false)
    hub db upgrade                apply database migrations
    hub db current                print the database's migration revision
    hub db revision -m MESSAGE    write the next migration from the models' changes
    hub db downgrade [REVISION]   revert migrations (default: the last one)
    hub geography load [FILE] [--remove-absent]   load the shipped geography, or an official
                                  registry CSV; reports and logs what it changed
    hub demo load [--provinces N] load the demo dataset (never in production)
    hub schema export [--check]   write schema/schema.graphql (or check it is current)
    hub schema release            write schema/released.graphql, the contract the
                                  breaking-change guard compares against
    hub operations list|add|remove|check  persisted operations (hub/cli/operations.py)
    hub audit verify [--state|--reads]  check the change log's chains (or, --reads, the read
                                  audit's chain); names the first broken entry
                                  (--state: and replay it, naming each value it does not explain)
    hub audit anchor              record every LAO chain's head in the global chain (run it
                                  hourly; keep the global head it prints elsewhere too)
    hub pulled import SOURCE FILE deliver a source system's export of pulled values (CSV)
    hub settings table [--write|--check]  the configuration table (README "Configuration")
    hub users|clients|keys …      accounts, API clients and signing keys (hub/cli/accounts.py)

Configuration comes from environment variables only (see README "Configuration").
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from hub.db import migrate
from hub.db.engine import create_engine
from hub.settings import Settings, SettingsError
from hub.web import logs

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
README_FILE = Path(__file__).resolve().parents[2] / "README.md"


def _fail(message: str) -> int:
    print(f"hub: {message}", file=sys.stderr)
    return 2


def where_to_go(settings: Settings, host: str, port: int) -> str:
    """What `hub serve` prints at start-up: where people open the console and GraphiQL."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    lines = [f"INFO Hub on {base}"]
    # People open the console at the hub's public address (the issuer, where its OAuth
    # sign-in returns); in development that is this process, unless HUB_ISSUER says otherwise.
    home = settings.issuer.rstrip("/") if settings.production else base
    if settings.console:
        lines.append(f"  console, for clerks and officers:  {home}/console/")
        lines.append(f"  GraphiQL as the signed-in person:  {home}/console/graphiql")
    if settings.graphiql:
        lines.append(f"  GraphiQL of the public API:        {base}/graphql")
    else:
        lines.append(f"  GraphQL API:                       {base}/graphql")
    if settings.console and not settings.production and settings.issuer.rstrip("/") != base:
        # The console signs in through the hub's own OAuth server, whose redirects go to
        # the issuer's address.
        lines.append(
            f"  note: HUB_ISSUER is {settings.issuer}, where the console's sign-in returns; "
            f"set HUB_ISSUER={base} to sign in here"
        )
    if not settings.production:
        lines.append(
            "  demo accounts (demo.dla, demo.province.11, demo.district.1101, "
            "demo.lao.6110101.recorder, …): `hub demo load` prints them with their passwords"
        )
    return "\n".join(lines)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hub.web.serve import uvicorn_options

    if settings.auto_migrate:
        migrate.upgrade(settings.database_url)
    print(where_to_go(settings, args.host or settings.host, args.port or settings.port), flush=True)
    workers = args.workers or settings.workers
    if settings.is_sqlite and workers > 1:
        print("hub: SQLite is served by a single worker; use PostgreSQL for more.", file=sys.stderr)
        workers = 1
    if settings.metrics and workers > 1:
        _metrics_directory(settings)
    uvicorn.run(
        "hub.web.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_config=logs.dict_config(settings),
        access_log=False,  # the hub writes its own access line (hub/web/observability.py)
        proxy_headers=True,
        **uvicorn_options(settings),  # connection limits and timeouts (hub/web/serve.py)
    )
    return 0


def _metrics_directory(settings: Settings) -> None:
    """Several workers share their metrics through files (prometheus_client's multiprocess
    mode): an empty directory, PROMETHEUS_MULTIPROC_DIR's or a new temporary one, which the
    workers inherit through the environment."""
    import os
    import tempfile

    directory = settings.metrics_multiproc_dir
    if directory is None:
        directory = tempfile.mkdtemp(prefix="hub-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    Path(directory).mkdir(parents=True, exist_ok=True)
    for stale in Path(directory).glob("*.db"):  # a previous run's values
        stale.unlink()


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from alembic.util import CommandError

    if args.db_command == "upgrade":
        migrate.upgrade(settings.database_url)
        print(f"database is at revision {migrate.head_revision()}")
        return 0
    if args.db_command == "revision":
        try:
            path = migrate.revision(
                settings.database_url, args.message, autogenerate=not args.empty
            )
        except migrate.NoChanges:
            print("the models and the database agree: no migration written")
            return 1
        except CommandError as exc:  # e.g. the database is not at head
            return _fail(f"{exc} (run `hub db upgrade` first)")
        print(f"wrote {path}: review it, then `hub db upgrade`")
        return 0
    if args.db_command == "downgrade":
        try:
            migrate.downgrade(settings.database_url, args.revision)
        except CommandError as exc:  # an unknown revision, or nothing left to revert
            return _fail(f"cannot downgrade to {args.revision}: {exc}")

    async def current() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(current())
    head = migrate.head_revision()
    if args.db_command == "downgrade":
        print(f"database is at revision {revision or 'base (empty)'} (head: {head})")
        return 0
    print(f"{revision or 'empty'} (head: {head})")
    return 0 if revision == head else 1


def cmd_geography(settings: Settings, args: argparse.Namespace) -> int:
    from hub.services import audit
    from loaders.geography import (
        SHIPPED_GEOGRAPHY,
        GeographyError,
        ImportReport,
        file_digest,
        load_geography,
        log_import,
        read_registry,
    )

    path = Path(args.file) if args.file else SHIPPED_GEOGRAPHY
    try:
        rows = read_registry(path)
        digest = file_digest(path)
    except (OSError, GeographyError) as exc:
        return _fail(str(exc))
    migrate.upgrade(settings.database_url)

    async def run() -> ImportReport:
        engine = create_engine(settings.database_url)
        try:
            # One transaction: the places and their change-log entries commit together.
            async with engine.begin() as conn:
                report = await load_geography(conn, rows, remove_absent=args.remove_absent)
                await log_import(
                    conn,
                    report,
                    source=path.name,
                    digest=digest,
                    actor=audit.command_actor("geography load"),
                )
                return report
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    print(f"geography from {path.name} (sha256 {digest}): {report}")
    for line in report.details():
        print(line)
    return 0


def _progress(line: str) -> None:
    """Progress of a long command: to stderr, so stdout keeps only its result."""
    print(line, file=sys.stderr, flush=True)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    if settings.production:
        return _fail(
            "the demo dataset and its accounts are never loaded in production (HUB_ENV=production)"
        )
    from loaders.demo import DemoConfig, DemoError, format_credentials, load_demo

    config = DemoConfig(seed=args.seed, provinces=args.provinces)
    migrate.upgrade(settings.database_url)

    async def run():  # type: ignore[no-untyped-def]
        engine = create_engine(settings.database_url)
        try:
            return await load_demo(engine, config, replace=args.replace, progress=_progress)
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except DemoError as exc:
        return _fail(str(exc))
    if report.skipped:
        print("demo dataset already loaded; nothing to do (use --replace to reload)")
    else:
        total = sum(report.counts.values())
        print(f"loaded the demo dataset: {total:,} rows in {report.seconds:.1f} s")
        for table, count in sorted(report.counts.items()):
            print(f"  {table:<28} {count:>9,}")
    print()
    print(format_credentials(report))
    return 0


def anchor_chains(settings: Settings) -> int:
    """`hub audit anchor`: one anchor entry in the global chain (`audit.anchor`)."""
    from hub.services import audit

    async def run() -> tuple[int, tuple[int, str]]:
        engine = create_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                anchored = await audit.anchor(conn, audit.command_actor("audit anchor"))
            async with engine.connect() as conn:
                head = await audit.global_head(conn)
            return anchored, head
        finally:
            await engine.dispose()

    anchored, (seq, head) = asyncio.run(run())
    if anchored:
        print(f"change log: anchored {anchored:,} LAO chains, as entry {seq} of the global chain")
    else:
        print("change log: no LAO chain moved since the last anchor; nothing written")
    print(f"global head: {seq} {head}")
    return 0


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from hub.services import audit, read_audit, state_replay

    if args.audit_command == "anchor":
        if args.reads or args.state:
            print("hub audit anchor: anchors the change log's chains; it takes no options")
            return 2
        return anchor_chains(settings)
    if args.reads and args.state:
        print("hub audit verify: --state replays the change log; it cannot go with --reads")
        return 2
    name = "read audit" if args.reads else "change log"
    verify = read_audit.verify if args.reads else audit.verify

    async def run() -> tuple[audit.Verification, state_replay.StateReport | None]:
        engine = create_engine(settings.database_url)
        try:
            chain = await verify(engine)
            state = await state_replay.verify_state(engine) if args.state else None
            return chain, state
        finally:
            await engine.dispose()

    result, state = asyncio.run(run())
    if not result.ok:
        print(
            f"{name}: BROKEN at entry {result.broken_at}: {result.problem} ({result.entries:,} entries verify before it)"
        )
        return 1
    print(f"{name}: {result.entries:,} entries; the chain verifies")
    if state is None:
        return 0
    if state.ok:
        print(
            f"state: {state.values:,} current values, each explained by the log "
            f"({state.entries:,} value entries replayed)"
        )
        return 0
    print(
        f"state: {state.count:,} of {state.values:,} current values are not explained by the log:"
    )
    for found in state.unexplained:
        print(f"  {found.describe()}")
    if state.count > len(state.unexplained):
        print(f"  … and {state.count - len(state.unexplained):,} more")
    return 1


def cmd_rollups(settings: Settings, args: argparse.Namespace) -> int:
    """The maintained roll-ups against the data they count: `verify` lists any difference,
    `rebuild` counts everything afresh (after a repair made outside the hub's writers)."""
    from sqlalchemy import select

    from hub.db import certification_counts, kpi16_counts, lpa_tallies
    from hub.db.models import FiscalYear, Kpi16Round

    async def run() -> tuple[list[str], list[str], list[str]]:
        engine = create_engine(settings.database_url)
        try:
            if args.rollups_command == "rebuild":
                async with engine.begin() as conn:
                    rounds = (await conn.execute(select(Kpi16Round.id))).scalars()
                    await kpi16_counts.rebuild(conn, list(rounds))
                    years = (await conn.execute(select(FiscalYear.year_be))).scalars()
                    years = list(years)
                    await lpa_tallies.rebuild(conn, years)
                    await certification_counts.rebuild(conn, years)
            async with engine.connect() as conn:
                kpi16 = [str(d) for d in await kpi16_counts.verify(conn)]
                return (
                    kpi16,
                    await lpa_tallies.verify(conn),
                    await certification_counts.verify(conn),
                )
        finally:
            await engine.dispose()

    found = asyncio.run(run())
    if args.rollups_command == "rebuild":
        print("roll-ups: rebuilt from the records and the history")
    failed = 0
    for name, differences, source in zip(
        ("KPI-16 counts", "LPA tallies", "Certification counts"),
        found,
        ("the records", "the history", "the LAO-years"),
        strict=True,
    ):
        if not differences:
            print(f"{name}: agree with {source}")
            continue
        failed = 1
        print(
            f"{name}: {len(differences):,} differ from {source} (hub rollups rebuild mends them):"
        )
        for difference in differences[:20]:
            print(f"  {difference}")
        if len(differences) > 20:
            print(f"  … and {len(differences) - 20:,} more")
    return failed


def cmd_pulled(settings: Settings, args: argparse.Namespace) -> int:
    from hub.rules.problems import Refusal
    from hub.rules.source_systems import read_export
    from hub.services import audit, pulled

    path = Path(args.file)
    try:
        rows = read_export(path.read_bytes())
    except OSError as exc:
        return _fail(str(exc))
    except Refusal as exc:
        return _fail(f"{path.name}: {exc.message_en}")
    batch = args.batch or pulled.default_batch(path.read_bytes())
    migrate.upgrade(settings.database_url)

    async def run() -> pulled.Delivered:
        engine = create_engine(settings.database_url)
        try:
            return await pulled.deliver(
                engine,
                source=args.source.upper(),
                batch=batch,
                rows=rows,
                actor=audit.command_actor("pulled import"),
            )
        finally:
            await engine.dispose()

    try:
        done = asyncio.run(run())
    except Refusal as exc:
        print(f"hub: {path.name}: nothing was imported: {exc.message_en}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.path}: {error.message_en}", file=sys.stderr)
        return 1
    if done.already_delivered:
        print(
            f"{done.source} batch {done.batch} was delivered on {done.delivered_at:%Y-%m-%d %H:%M} "
            "UTC with the same content: nothing changed"
        )
    else:
        print(
            f"{done.source} batch {done.batch}: {done.values:,} values, {done.changed:,} changed "
            f"(sha256 {done.digest[:16]}…)"
        )
    return 0


def cmd_schema(settings: Settings, args: argparse.Namespace) -> int:
    from schema import schema

    if args.schema_command == "release":
        from hub.cli.operations import cmd_release

        return cmd_release(settings, args)

    sdl = schema.as_str() + "\n"
    if args.check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != sdl:
            return _fail(f"{SCHEMA_FILE.name} is out of date: run `make schema`")
        print(f"{SCHEMA_FILE.name} is current")
        return 0
    SCHEMA_FILE.write_text(sdl, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


def cmd_settings(settings: Settings, args: argparse.Namespace) -> int:
    """The configuration table rendered from the declarations in hub/settings.py."""
    from hub.settings import markdown_table, readme_with_table

    if not (args.write or args.check):
        print(markdown_table(), end="")
        return 0
    readme = README_FILE.read_text(encoding="utf-8")
    updated = readme_with_table(readme)
    if args.check:
        if updated != readme:
            return _fail(
                f"{README_FILE.name}'s configuration table is out of date: "
                "run `hub settings table --write`"
            )
        print(f"{README_FILE.name}'s configuration table is current")
        return 0
    README_FILE.write_text(updated, encoding="utf-8")
    print(f"wrote the configuration table into {README_FILE}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hub", description="INFO Hub command line.")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the hub over HTTP")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every migration not yet applied")
    db_sub.add_parser("current", help="the database's revision (exit 1 when not at head)")
    rev = db_sub.add_parser(
        "revision", help="write the next migration (hub/db/migrations/versions)"
    )
    rev.add_argument("-m", "--message", required=True, help="what the migration changes")
    rev.add_argument(
        "--empty", action="store_true", help="an empty script (a data migration by hand)"
    )
    down = db_sub.add_parser("downgrade", help="revert migrations")
    down.add_argument(
        "revision",
        nargs="?",
        default="-1",
        help="-1 (default: the last one), -N, a revision or base",
    )
    db.set_defaults(func=cmd_db)

    geo = sub.add_parser("geography", help="load provinces, districts and subdistricts")
    geo.add_argument("geo_command", choices=["load"])
    geo.add_argument("file", nargs="?", help="official registry CSV (default: the shipped dataset)")
    geo.add_argument(
        "--remove-absent",
        action="store_true",
        help="delete the places the registry no longer lists, when nothing refers to them",
    )
    geo.set_defaults(func=cmd_geography)

    demo = sub.add_parser("demo", help="the demo dataset")
    demo.add_argument("demo_command", choices=["load"])
    demo.add_argument("--provinces", type=int, help="only the first N provinces (default: all 77)")
    demo.add_argument("--seed", type=int, default=2570)
    demo.add_argument("--replace", action="store_true", help="replace data already in the database")
    demo.set_defaults(func=cmd_demo)

    aud = sub.add_parser("audit", help="the hash-chained change log and read audit")
    aud.add_argument("audit_command", choices=["verify", "anchor"])
    aud.add_argument(
        "--state",
        action="store_true",
        help="also replay the log and name every current value it does not explain",
    )
    aud.add_argument(
        "--reads", action="store_true", help="the read audit of personal data, not the change log"
    )
    aud.set_defaults(func=cmd_audit)

    rol = sub.add_parser("rollups", help="the maintained roll-ups (KPI-16, LPA, certification)")
    rol.add_argument(
        "rollups_command",
        choices=["verify", "rebuild"],
        help="verify: compare with the data they count; rebuild: count afresh, then verify",
    )
    rol.set_defaults(func=cmd_rollups)

    pul = sub.add_parser("pulled", help="values pulled from other DLA systems")
    pul.add_argument("pulled_command", choices=["import"])
    pul.add_argument("source", help="the source system's code (LHR, ALLOWANCE)")
    pul.add_argument(
        "file", help="its export, CSV: lao_code, fiscal_year, field, value, fetched_at"
    )
    pul.add_argument(
        "--batch",
        help="the batch's name (default: from the file's SHA-256, so a file is one batch)",
    )
    pul.set_defaults(func=cmd_pulled)

    sch = sub.add_parser("schema", help="the exported GraphQL schema")
    sch.add_argument("schema_command", choices=["export", "release"])
    sch.add_argument("--check", action="store_true", help="fail if schema/schema.graphql is stale")
    sch.set_defaults(func=cmd_schema)

    conf = sub.add_parser("settings", help="the configuration (environment variables)")
    conf.add_argument("settings_command", choices=["table"])
    what = conf.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help="rewrite README.md's table")
    what.add_argument("--check", action="store_true", help="fail if README.md's table is stale")
    conf.set_defaults(func=cmd_settings)

    from hub.cli import operations
    from hub.cli.accounts import add_parsers
    from hub.cli.history import add_parsers as add_history

    clients = add_parsers(sub)
    operations.add_parsers(sub, clients)
    add_history(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return _fail(str(exc))
    return int(args.func(settings, args))


if __name__ == "__main__":
    sys.exit(main())
