"""An official registry import reports what it changed (added / changed / removed, per kind,
with codes) and writes it to the change log, on SQLite and PostgreSQL; the command prints it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sqlalchemy import insert, select

from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, District, Subdistrict, Village
from hub.services import audit
from loaders.geography import (
    COLUMNS,
    SHIPPED_GEOGRAPHY,
    GeoRow,
    ImportReport,
    load_geography,
    log_import,
    read_registry,
)
from tests.test_cli import run

ACTOR = audit.Actor(name="command line")


def _two_provinces() -> list[GeoRow]:
    return [r for r in read_registry(SHIPPED_GEOGRAPHY) if r.province_code in ("10", "11")]


def _codes(places: dict[str, list[Any]], kind: str) -> list[str]:
    return sorted(p.code for p in places[kind])


async def test_a_registry_import_reports_and_logs_what_it_changed(
    migrated_database_url: str,
) -> None:
    shipped = _two_provinces()
    # The official registry: one subdistrict renamed, one district re-coded (its
    # subdistricts with it), one subdistrict with a village dropped, one without dropped.
    renamed, dropped_kept, dropped_gone = shipped[0], shipped[-1], shipped[-2]
    recoded_district = shipped[-5].district_code
    free_code = str(int(max(r.district_code for r in shipped if r.province_code == "11")) + 1)
    official = []
    for r in shipped:
        if r in (dropped_kept, dropped_gone):
            continue
        if r is renamed:
            r = dataclasses.replace(r, subdistrict_name_th=r.subdistrict_name_th + "ใต้")
        if r.district_code == recoded_district:
            r = dataclasses.replace(
                r, district_code=free_code, subdistrict_code=free_code + r.subdistrict_code[4:]
            )
        official.append(r)

    engine = create_engine(migrated_database_url)
    try:
        async with engine.begin() as conn:
            first = await load_geography(conn, shipped)
            await log_import(conn, first, source="shipped.csv", digest="0" * 64, actor=ACTOR)
            kept_id = (
                await conn.execute(
                    select(Subdistrict.id).where(Subdistrict.code == dropped_kept.subdistrict_code)
                )
            ).scalar_one()
            await conn.execute(
                insert(Village).values(subdistrict_id=kept_id, number=1, name_th="บ้านทดสอบ")
            )
            district_id = (
                await conn.execute(select(District.id).where(District.code == recoded_district))
            ).scalar_one()
        assert first.inserted == {
            "provinces": 2,
            "districts": len({r.district_code for r in shipped}),
            "subdistricts": len(shipped),
        }
        assert _codes(first.added, "provinces") == ["10", "11"]

        async with engine.begin() as conn:
            report: ImportReport = await load_geography(conn, official, remove_absent=True)
            await log_import(conn, report, source="official.csv", digest="f" * 64, actor=ACTOR)
        assert report.inserted == {"provinces": 0, "districts": 0, "subdistricts": 0}
        # The district keeps its id under its new code; each change names its columns.
        district = report.changed["districts"]
        assert [(d.code, d.id, d.changes) for d in district] == [
            (free_code, district_id, {"code": (recoded_district, free_code)})
        ]
        changed = {c.code: c.changes for c in report.changed["subdistricts"]}
        new_name = renamed.subdistrict_name_th + "ใต้"
        assert changed[renamed.subdistrict_code] == {
            "name_th": (renamed.subdistrict_name_th, new_name)
        }
        moved = [r for r in official if r.district_code == free_code]
        assert all(changed[r.subdistrict_code].keys() == {"code"} for r in moved)
        assert len(changed) == 1 + len(moved)
        # Dropped: the one with a village is kept (and said so), the other removed.
        assert _codes(report.removed, "subdistricts") == [dropped_gone.subdistrict_code]
        assert _codes(report.kept, "subdistricts") == [dropped_kept.subdistrict_code]
        assert str(report).startswith("provinces: 0 new, 0 changed; districts: 0 new, 1 changed;")
        assert "1 removed, 1 absent from the registry (kept)" in str(report)
        details = "\n".join(report.details())
        assert f"subdistricts changed {renamed.subdistrict_code}: name_th" in details
        assert f"subdistricts removed {dropped_gone.subdistrict_code}" in details

        async with engine.connect() as conn:
            gone = await conn.execute(
                select(Subdistrict.id).where(Subdistrict.code == dropped_gone.subdistrict_code)
            )
            assert gone.first() is None
            entries = (
                await conn.execute(
                    select(ChangeLogEntry.__table__)
                    .where(ChangeLogEntry.reason.like("%official.csv%"))
                    .order_by(ChangeLogEntry.id)
                )
            ).all()
        actions = [(e.entity, e.action) for e in entries]
        assert actions.count(("subdistricts", "registry_change")) == len(changed)
        assert actions.count(("districts", "registry_change")) == 1
        assert actions.count(("subdistricts", "registry_remove")) == 1
        assert actions[-1] == ("geography", "registry_import")
        summary = json.loads(entries[-1].changes_json)
        assert summary["sha256"] == [None, "f" * 64]
        assert summary["subdistricts.changed"] == [None, len(changed)]
        assert summary["subdistricts.kept"] == [None, 1]
        renamed_entry = next(
            e for e in entries if e.action == "registry_change" and "name_th" in e.changes_json
        )
        assert json.loads(renamed_entry.changes_json) == {
            "name_th": [renamed.subdistrict_name_th, new_name]
        }
        assert (await audit.verify(engine)).ok

        # The same registry again changes nothing; the kept place is still reported.
        async with engine.begin() as conn:
            again = await load_geography(conn, official)
        assert again.unchanged
        assert _codes(again.kept, "subdistricts") == [dropped_kept.subdistrict_code]
    finally:
        await engine.dispose()


def test_the_command_prints_and_logs_the_changes(tmp_path: Any) -> None:
    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"}
    rows = [r for r in read_registry(SHIPPED_GEOGRAPHY) if r.province_code == "10"]

    def write(path: Any, rows: list[GeoRow]) -> None:
        lines = [",".join(COLUMNS)]
        for r in rows:
            values = dataclasses.astuple(r)
            lines.append(",".join("" if v is None else str(v) for v in values))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    first = tmp_path / "first.csv"
    write(first, rows)
    result = run("geography", "load", str(first), env=env)
    assert result.returncode == 0, result.stderr
    assert "provinces: 1 new, 0 changed" in result.stdout
    second = tmp_path / "second.csv"
    write(second, [dataclasses.replace(rows[0], postcode="10999"), *rows[1:]])
    result = run("geography", "load", str(second), env=env)
    assert result.returncode == 0, result.stderr
    assert "subdistricts: 0 new, 1 changed" in result.stdout
    assert f"subdistricts changed {rows[0].subdistrict_code}: postcode" in result.stdout
    assert "'10999'" in result.stdout
    verified = run("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
