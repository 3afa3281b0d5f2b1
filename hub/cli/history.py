"""`hub history import FILE`: historical years in the pre-2020 shape (`hub.services.history`).

    hub history import values.csv

The file is CSV, one value a line (`hub.rules.history_file`):

    lao_code,fiscal_year,domain,field,value
    6301101,2558,1,population,5210

Prints what it imported; a file with any error imports nothing, prints each error with its
line and exits with status 2.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from hub.db import migrate
from hub.db.engine import create_engine
from hub.rules.problems import Refusal
from hub.settings import Settings


def cmd_history(settings: Settings, args: Any) -> int:
    from hub.services.history import Imported, import_history

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    migrate.upgrade(settings.database_url)

    async def run() -> Imported:
        engine = create_engine(settings.database_url, writer=True)
        try:
            return await import_history(engine, data, source=path.name)
        finally:
            await engine.dispose()

    try:
        imported = asyncio.run(run())
    except Refusal as refusal:
        print(f"hub: {path.name}: nothing imported: {refusal.message_en}", file=sys.stderr)
        for e in refusal.errors:
            where = f"line {e.line}: " if e.line else ""
            print(f"  {where}{e.column or e.path}: {e.message_en}", file=sys.stderr)
        return 2
    print(
        f"imported {imported.values:,} values of {imported.lao_years:,} LAO-years "
        f"({imported.sections:,} domain sections) in the pre-2020 shape, fiscal years "
        f"{', '.join(map(str, imported.fiscal_years))}"
        + (
            f" (new: {', '.join(map(str, imported.created_years))})"
            if imported.created_years
            else ""
        )
        + f"; sha256 {imported.digest}"
    )
    return 0


def add_parsers(sub: Any) -> None:
    """Registers `history` on the `hub` command's subparsers."""
    history = sub.add_parser("history", help="historical years in the pre-2020 shape")
    history.add_argument("history_command", choices=["import"])
    history.add_argument("file", help="CSV: lao_code,fiscal_year,domain,field,value")
    history.set_defaults(func=cmd_history)
