"""Importing DLA's KPI-16 reference list of village water-supply systems, per province.

CSV (UTF-8, header row): reference_code, lao_code, village_number, name, latitude, longitude.
A province's list replaces its previous list for the round, all or nothing; each bad row is
reported with its line number. The round is created on first import, opened that day; the
report deadlines given (districts to their province, provinces to DLA) are set on it, on
creation or later (`hub.rules.kpi16.deadlines_problem`); a new round without a province
deadline is due by the fiscal year's end.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import kpi16_counts
from hub.db.engine import analyze
from hub.db.models import FiscalYear, Kpi16Count, Kpi16Reference, Kpi16Round, Lao, Province, Village
from hub.rules.catalogue import THAILAND_LATITUDE, THAILAND_LONGITUDE
from hub.rules.enums import Role
from hub.rules.identity import Identity
from hub.rules.kpi16 import deadlines_problem, thai_day
from hub.rules.problems import Forbidden, not_found, validation_failed
from hub.rules.validation import FieldError
from hub.services import audit, provenance, rounds
from hub.services.audit import now

COLUMNS = ("reference_code", "lao_code", "village_number", "name", "latitude", "longitude")


@dataclass(frozen=True)
class Imported:
    round_id: int
    province_code: str
    references: int
    replaced: int


def _error(line: int, column: str, en: str, th: str) -> FieldError:
    return FieldError(
        f"csv:{line}.{column}",
        "INVALID",
        f"line {line}, {column}: {en}",
        f"บรรทัด {line} {column}: {th}",
    )


async def import_references(
    writer: AsyncEngine,
    identity: Identity,
    *,
    fiscal_year: int,
    round_no: int,
    province_code: str,
    csv_text: str,
    target_percent: float = 80.0,
    district_report_deadline: dt.date | None = None,
    province_report_deadline: dt.date | None = None,
) -> Imported:
    if not identity.is_dla_admin:
        raise Forbidden(
            "Only DLA administrators import the KPI-16 reference list.",
            "เฉพาะผู้ดูแลระบบของ สถ. เท่านั้นที่นำเข้าฐานข้อมูลอ้างอิงตัวชี้วัดที่ 16 ได้",
        )
    if not 0 < target_percent <= 100:
        raise validation_failed(
            [
                FieldError(
                    "targetPercent",
                    "OUT_OF_RANGE",
                    "targetPercent must be 0–100",
                    "ค่าเป้าหมายต้องอยู่ระหว่าง 0 ถึง 100",
                )
            ]
        )
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise validation_failed(
            [
                _error(
                    1,
                    ",".join(missing),
                    "missing column(s); expected " + ", ".join(COLUMNS),
                    "ไม่มีคอลัมน์ที่ต้องใช้",
                )
            ]
        )
    async with writer.begin() as conn:
        province_id = (
            await conn.execute(select(Province.id).where(Province.code == province_code))
        ).scalar_one_or_none()
        if province_id is None:
            raise not_found(f"Province {province_code}", f"จังหวัดรหัส {province_code}")
        year = (
            await conn.execute(select(FiscalYear.ends_on).where(FiscalYear.year_be == fiscal_year))
        ).scalar_one_or_none()
        if year is None:
            raise not_found(f"Fiscal year {fiscal_year}", f"ปีงบประมาณ {fiscal_year}")
        laos = {
            r.code: (r.id, r.subdistrict_id)
            for r in (
                await conn.execute(
                    select(Lao.code, Lao.id, Lao.subdistrict_id).where(
                        Lao.province_id == province_id
                    )
                )
            ).all()
        }
        villages = {
            (r.subdistrict_id, r.number): r.id
            for r in (
                await conn.execute(
                    select(Village.id, Village.subdistrict_id, Village.number).where(
                        Village.subdistrict_id.in_([s for _, s in laos.values()])
                    )
                )
            ).all()
        }
        rows, errors, seen = [], [], set()
        for line, raw in enumerate(reader, start=2):
            code = (raw.get("reference_code") or "").strip()
            lao_code = (raw.get("lao_code") or "").strip()
            name = unicodedata.normalize("NFC", (raw.get("name") or "").strip())
            if not re.fullmatch(r"[A-Za-z0-9-]{1,32}", code):
                errors.append(
                    _error(
                        line,
                        "reference_code",
                        "1–32 letters or digits required",
                        "ต้องเป็นตัวอักษรหรือตัวเลข 1–32 ตัว",
                    )
                )
                continue
            if code in seen:
                errors.append(_error(line, "reference_code", f"{code} appears twice", f"{code} ซ้ำ"))
                continue
            seen.add(code)
            if lao_code not in laos:
                errors.append(
                    _error(
                        line,
                        "lao_code",
                        f"{lao_code!r} is not an LAO of province {province_code}",
                        f"{lao_code} ไม่ใช่ อปท. ในจังหวัดนี้",
                    )
                )
                continue
            if not name or len(name) > 200:
                errors.append(
                    _error(
                        line,
                        "name",
                        "a name of 1–200 characters is required",
                        "ต้องระบุชื่อ (ไม่เกิน 200 ตัวอักษร)",
                    )
                )
                continue
            lao_id, subdistrict_id = laos[lao_code]
            village_id = None
            if (raw.get("village_number") or "").strip():
                try:
                    village_id = villages.get((subdistrict_id, int(raw["village_number"])))
                except ValueError:
                    village_id = None
                if village_id is None:
                    errors.append(
                        _error(
                            line,
                            "village_number",
                            "no such village in the LAO's subdistrict",
                            "ไม่มีหมู่บ้านนี้ในตำบลของ อปท.",
                        )
                    )
                    continue
            coordinates = []
            for column, (low, high) in (
                ("latitude", THAILAND_LATITUDE),
                ("longitude", THAILAND_LONGITUDE),
            ):
                text = (raw.get(column) or "").strip()
                try:
                    value = float(text) if text else None
                except ValueError:
                    value = -1.0
                if value is not None and not low <= value <= high:
                    errors.append(
                        _error(
                            line,
                            column,
                            f"must be inside Thailand ({low}–{high})",
                            "ต้องอยู่ในประเทศไทย",
                        )
                    )
                coordinates.append(value)
            rows.append(
                {
                    "reference_code": code,
                    "province_id": province_id,
                    "lao_id": lao_id,
                    "village_id": village_id,
                    "name": name,
                    "latitude": coordinates[0],
                    "longitude": coordinates[1],
                }
            )
        if errors:
            raise validation_failed(errors[:50])
        if not rows:
            raise validation_failed(
                [_error(2, "reference_code", "the file has no rows", "ไม่มีข้อมูล")]
            )
        existing = (
            await conn.execute(
                select(
                    Kpi16Round.id,
                    Kpi16Round.opened_on,
                    Kpi16Round.district_report_deadline,
                    Kpi16Round.province_report_deadline,
                ).where(Kpi16Round.fiscal_year == fiscal_year, Kpi16Round.round_no == round_no)
            )
        ).first()
        deadline_changes: dict[str, tuple[object, object]] = {}
        if existing is None:
            opened_on = thai_day(now())
            if problem := deadlines_problem(
                opened_on, district_report_deadline, province_report_deadline
            ):
                raise problem
            result = await conn.execute(
                insert(Kpi16Round)
                .values(
                    fiscal_year=fiscal_year,
                    round_no=round_no,
                    opened_on=opened_on,
                    district_report_deadline=district_report_deadline,
                    province_report_deadline=province_report_deadline or year,
                    target_percent=target_percent,
                )
                .returning(Kpi16Round.id)
            )
            round_id = result.scalar_one()
        else:
            round_id = existing.id
            district = district_report_deadline or existing.district_report_deadline
            province = province_report_deadline or existing.province_report_deadline
            if problem := deadlines_problem(existing.opened_on, district, province):
                raise problem
            deadline_changes = {
                name: (before, after)
                for name, before, after in (
                    ("district_report_deadline", existing.district_report_deadline, district),
                    ("province_report_deadline", existing.province_report_deadline, province),
                )
                if before != after
            }
            if deadline_changes:
                await conn.execute(
                    update(Kpi16Round)
                    .where(Kpi16Round.id == round_id)
                    .values(district_report_deadline=district, province_report_deadline=province)
                )
        # The round's dates live in `rounds` (hub/services/rounds.py): deadlines given here
        # are the round's too.
        await rounds.kpi16_round_imported(
            conn,
            fiscal_year,
            round_no,
            district_deadline=district_report_deadline,
            province_deadline=province_report_deadline,
        )
        replaced = (
            await conn.execute(
                delete(Kpi16Reference).where(
                    Kpi16Reference.round_id == round_id, Kpi16Reference.province_id == province_id
                )
            )
        ).rowcount
        stamp = now()
        await conn.execute(
            insert(Kpi16Reference),
            [{**r, "round_id": round_id, "imported_at": stamp} for r in rows],
        )
        # The province's new list, matched to the records and counted.
        await kpi16_counts.rebuild(conn, [round_id], province_id)
        await analyze(conn, [Kpi16Reference.__tablename__, Kpi16Count.__tablename__])
        actor = audit.actor_of(identity, (Role.DLA_ADMIN,))
        await audit.append(
            conn,
            actor,
            entity="kpi16_references",
            entity_id=f"{round_id}:{province_code}",
            action="import",
            changes={"references": (replaced, len(rows)), **deadline_changes},
        )
        # Its provenance: the file's digest and the references it listed.
        entry = provenance.import_entry(
            "kpi16_import",
            source=f"KPI-16 reference list, fiscal year {fiscal_year} round {round_no}, "
            f"province {province_code}",
            content_digest=provenance.digest(csv_text.encode("utf-8")),
            rows={"kpi16_references": len(rows), "replaced": replaced},
            keys=[str(r["reference_code"]) for r in rows],
        )
        await provenance.log_import(conn, actor, entry)
        return Imported(round_id, province_code, len(rows), replaced)
