"""A tiny hand-made world for database tests of the domain rules: Tak and Lampang.

Tak (63) has two districts (Mueang Tak 6301, Ban Tak 6302), Lampang (52) one (5201); each
district has one subdistrict, id = district id × 100 + 1. Fiscal years 2568 and 2569.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import District, FiscalYear, Lao, Province, Subdistrict
from hub.rules.enums import LaoSize, LaoType

TAK, LAMPANG = 63, 52
MUEANG_TAK, BAN_TAK, MUEANG_LAMPANG = 6301, 6302, 5201


@contextlib.contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def seed_places_and_years(conn: AsyncConnection, laos: dict[int, int]) -> None:
    """The two provinces, three districts, their subdistricts, an SAO per `laos` entry
    (LAO id → district id) and fiscal years 2568 and 2569."""
    await conn.execute(
        insert(Province.__table__),
        [
            {"id": TAK, "code": "63", "name_th": "ตาก"},
            {"id": LAMPANG, "code": "52", "name_th": "ลำปาง"},
        ],
    )
    await conn.execute(
        insert(District.__table__),
        [
            {"id": MUEANG_TAK, "code": "6301", "province_id": TAK, "name_th": "เมืองตาก"},
            {"id": BAN_TAK, "code": "6302", "province_id": TAK, "name_th": "บ้านตาก"},
            {"id": MUEANG_LAMPANG, "code": "5201", "province_id": LAMPANG, "name_th": "เมือง"},
        ],
    )
    await conn.execute(
        insert(Subdistrict.__table__),
        [
            {
                "id": d * 100 + 1,
                "code": f"{d}01",
                "district_id": d,
                "name_th": "ตำบล",
                "postcode": "63000",
            }
            for d in (MUEANG_TAK, BAN_TAK, MUEANG_LAMPANG)
        ],
    )
    await conn.execute(
        insert(Lao.__table__),
        [
            {
                "id": lao,
                "type": LaoType.SAO,
                "name_th": f"อบต.{lao}",
                "size": LaoSize.S,
                "province_id": LAMPANG if district == MUEANG_LAMPANG else TAK,
                "district_id": district,
                "subdistrict_id": district * 100 + 1,
                "postcode": "63000",
            }
            for lao, district in laos.items()
        ],
    )
    for year in (2568, 2569):
        await conn.execute(
            insert(FiscalYear.__table__).values(
                year_be=year,
                starts_on=dt.date(year - 544, 10, 1),
                ends_on=dt.date(year - 543, 9, 30),
                record_deadline=dt.date(year - 543, 6, 15),
            )
        )
