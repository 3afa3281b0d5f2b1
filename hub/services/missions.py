"""Transferred missions (INFO phase 2, seed 004): DLA's catalogue and each LAO's records.

LAOs record every mission transferred to them, update it when it changes, and cancel it with a
date and reason; the record stays, with its history (`lao_mission_events`, each update with
what it changed). Missions are not under certification. The LAO's own staff keep its records
(any of `LAO_STAFF_ROLES`); DLA administrators keep the catalogue: add, edit (versioned) and
retire missions, which stay in the catalogue, are no longer recorded, and keep the records
LAOs hold. What a record and an entry may hold is `hub.rules.missions`'.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import Agency, Lao, LaoMission, LaoMissionEvent, Mission
from hub.rules.enums import MissionArea, MissionStatus, Role
from hub.rules.identity import LAO_STAFF_ROLES, Identity
from hub.rules.missions import (
    catalogue_problems,
    record_problems,
    retired_refusal,
    retirement_refusal,
)
from hub.rules.permissions import LaoPlace, may_keep_missions
from hub.rules.problems import (
    Forbidden,
    InvalidInput,
    InvalidState,
    ReasonRequired,
    VersionConflict,
    not_found,
    validation_failed,
)
from hub.rules.validation import FieldError
from hub.services import audit
from hub.services.audit import now


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value).strip()
    return value or None


async def _lao(
    conn: AsyncConnection, identity: Identity, *, code: str | None = None, lao_id: int = 0
) -> LaoPlace:
    """The LAO (by its code, or its id), if the caller is one of its staff."""
    where = Lao.code == code if code is not None else Lao.id == lao_id
    lao = (
        await conn.execute(select(Lao.id, Lao.type, Lao.district_id, Lao.province_id).where(where))
    ).first()
    if lao is None:
        raise not_found(f"LAO {code}", f" อปท. รหัส {code}")
    if not may_keep_missions(identity, lao.id):
        raise Forbidden(
            "Only the LAO's own staff record its transferred missions.",
            "เฉพาะเจ้าหน้าที่ของ อปท. นี้เท่านั้นที่บันทึกภารกิจถ่ายโอนได้",
        )
    return LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)


@dataclass(frozen=True)
class MissionRecordSaved:
    id: int
    status: MissionStatus
    version: int


@dataclass(frozen=True)
class CatalogueMission:
    id: int
    code: str
    version: int = 1
    retired_on: dt.date | None = None


async def _event(
    conn: AsyncConnection,
    record_id: int,
    status: MissionStatus,
    detail: str | None,
    actor: audit.Actor,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> None:
    await conn.execute(
        insert(LaoMissionEvent).values(
            lao_mission_id=record_id,
            at=now(),
            status=status,
            detail=detail,
            changes_json=audit.canonical_changes(changes) if changes else None,
            actor_user_id=actor.user_id,
            actor_role=actor.role,
        )
    )


async def record_mission(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    mission_code: str,
    received_on: dt.date | None = None,
    budget_baht: float | None = None,
    staff_transferred: int | None = None,
    assets: str | None = None,
    asset_value_baht: float | None = None,
    note: str | None = None,
) -> MissionRecordSaved:
    """Record a mission the LAO received: when it was received is required; a mission DLA
    retired from the catalogue is not recorded any more."""
    if received_on is None:
        raise InvalidInput(
            "receivedOn is required.",
            "ต้องระบุวันที่รับถ่ายโอน",
            errors=[
                FieldError(
                    "mission.receivedOn",
                    "REQUIRED",
                    "Received on: required",
                    "วันที่รับถ่ายโอน: ต้องระบุ",
                )
            ],
        )
    values = {
        "received_on": received_on,
        "budget_baht": budget_baht,
        "staff_transferred": staff_transferred,
        "assets": _text(assets),
        "asset_value_baht": asset_value_baht,
        "note": _text(note),
    }
    async with writer.begin() as conn:
        place = await _lao(conn, identity, code=lao_code)
        lao_id = place.lao_id
        actor = audit.actor_of(identity, LAO_STAFF_ROLES, place)
        if errors := record_problems(values, now().date()):
            raise validation_failed(errors)
        mission = (
            await conn.execute(
                select(Mission.id, Mission.agency_id, Mission.retired_on).where(
                    Mission.code == mission_code
                )
            )
        ).first()
        if mission is None:
            raise not_found(f"Mission {mission_code}", f"ภารกิจรหัส {mission_code}")
        if refusal := retired_refusal(mission_code, mission.retired_on, "recorded"):
            raise refusal
        duplicate = (
            await conn.execute(
                select(LaoMission.id).where(
                    LaoMission.lao_id == lao_id, LaoMission.mission_id == mission.id
                )
            )
        ).scalar_one_or_none()
        if duplicate is not None:
            raise InvalidState(
                f"Mission {mission_code} is already recorded for this LAO (record {duplicate}): update it instead.",
                f"บันทึกภารกิจ {mission_code} ไว้แล้ว (รายการที่ {duplicate}) ให้แก้ไขรายการเดิมแทน",
            )
        result = await conn.execute(
            insert(LaoMission)
            .values(
                lao_id=lao_id,
                mission_id=mission.id,
                agency_id=mission.agency_id,
                status=MissionStatus.ACTIVE,
                version=1,
                updated_at=now(),
                **values,
            )
            .returning(LaoMission.id)
        )
        record_id = result.scalar_one()
        recorded = {k: (None, v) for k, v in values.items() if v is not None}
        await _event(conn, record_id, MissionStatus.ACTIVE, "recorded", actor, recorded)
        await audit.append(
            conn,
            actor,
            entity="lao_missions",
            entity_id=record_id,
            action="record",
            changes={k: (None, v) for k, v in values.items()},
            lao_id=lao_id,
        )
        return MissionRecordSaved(record_id, MissionStatus.ACTIVE, 1)


async def change_mission(
    writer: AsyncEngine,
    identity: Identity,
    *,
    record_id: int,
    expected_version: int,
    values: dict[str, Any],
    cancel_reason: str | None = None,
    cancelled_on: dt.date | None = None,
) -> MissionRecordSaved:
    """Update a record (status CHANGED) or, with `cancel_reason`, cancel it (kept, with history)."""
    values = {k: _text(v) if isinstance(v, str) else v for k, v in values.items()}
    async with writer.begin() as conn:
        row = (
            (await conn.execute(select(LaoMission.__table__).where(LaoMission.id == record_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise not_found(f"Mission record {record_id}", f"รายการภารกิจที่ {record_id}")
        place = await _lao(conn, identity, lao_id=row["lao_id"])
        actor = audit.actor_of(identity, LAO_STAFF_ROLES, place)
        if row["version"] != expected_version:
            raise VersionConflict(
                f"This record changed since you loaded it (version {expected_version}, now {row['version']}).",
                f"รายการนี้ถูกแก้ไขไปแล้ว (ฉบับที่ {expected_version} ปัจจุบันคือ {row['version']})",
                current_version=row["version"],
            )
        if row["status"] is MissionStatus.CANCELLED:
            raise InvalidState("A cancelled mission cannot be changed.", "ภารกิจที่ยกเลิกแล้วแก้ไขไม่ได้")
        if cancel_reason is not None:
            if not cancel_reason.strip():
                raise ReasonRequired(
                    "A reason is required to cancel a mission.",
                    "ต้องระบุเหตุผลการยกเลิก",
                )
            values = {
                "status": MissionStatus.CANCELLED,
                "cancelled_on": cancelled_on or now().date(),
                "cancel_reason": _text(cancel_reason),
            }
            status, detail = MissionStatus.CANCELLED, cancel_reason
        else:
            if errors := record_problems(values, now().date()):
                raise validation_failed(errors)
            values["status"] = MissionStatus.CHANGED
            status, detail = MissionStatus.CHANGED, "updated"
        changes = {k: (row[k], v) for k, v in values.items() if row[k] != v}
        result = await conn.execute(
            update(LaoMission)
            .where(LaoMission.id == record_id, LaoMission.version == expected_version)
            .values(version=expected_version + 1, updated_at=now(), **values)
        )
        if result.rowcount != 1:
            raise VersionConflict(
                "The record changed at the same moment.",
                "รายการถูกแก้ไขพร้อมกัน",
                current_version=expected_version + 1,
            )
        await _event(conn, record_id, status, detail, actor, changes)
        await audit.append(
            conn,
            actor,
            entity="lao_missions",
            entity_id=record_id,
            action=status.name.lower(),
            changes=changes,
            lao_id=row["lao_id"],
            reason=cancel_reason,
        )
        return MissionRecordSaved(record_id, status, expected_version + 1)


async def add_catalogue_mission(
    writer: AsyncEngine,
    identity: Identity,
    *,
    code: str,
    name_th: str,
    area: MissionArea,
    agency_code: str,
    name_en: str | None = None,
) -> CatalogueMission:
    if not identity.is_dla_admin:
        raise _catalogue_forbidden()
    name = _text(name_th)
    if errors := catalogue_problems({"name_th": name, "name_en": _text(name_en)}, code=code):
        raise validation_failed(errors)
    async with writer.begin() as conn:
        agency_id = (
            await conn.execute(select(Agency.id).where(Agency.code == agency_code))
        ).scalar_one_or_none()
        if agency_id is None:
            raise not_found(f"Agency {agency_code}", f"หน่วยงานรหัส {agency_code}")
        if (await conn.execute(select(Mission.id).where(Mission.code == code.strip()))).first():
            raise InvalidState(
                f"Mission code {code} is already in the catalogue.",
                f"มีภารกิจรหัส {code} แล้ว",
            )
        result = await conn.execute(
            insert(Mission)
            .values(
                code=code.strip(),
                name_th=name,
                name_en=_text(name_en),
                area=area,
                agency_id=agency_id,
            )
            .returning(Mission.id)
        )
        mission_id = result.scalar_one()
        await audit.append(
            conn,
            audit.actor_of(identity, (Role.DLA_ADMIN,)),
            entity="missions",
            entity_id=mission_id,
            action="add",
            changes={"code": (None, code.strip()), "name_th": (None, name)},
        )
        return CatalogueMission(int(mission_id), code.strip())


def _catalogue_forbidden() -> Forbidden:
    return Forbidden(
        "Only DLA administrators keep the mission catalogue.",
        "เฉพาะผู้ดูแลระบบของ สถ. เท่านั้นที่แก้ไขบัญชีภารกิจได้",
    )


async def _catalogue_entry(
    conn: AsyncConnection, code: str, expected_version: int
) -> dict[str, Any]:
    """The catalogue mission `code` at `expected_version` (NotFound, VersionConflict)."""
    row = (
        (await conn.execute(select(Mission.__table__).where(Mission.code == code)))
        .mappings()
        .first()
    )
    if row is None:
        raise not_found(f"Mission {code}", f"ภารกิจรหัส {code}")
    if row["version"] != expected_version:
        raise VersionConflict(
            f"Mission {code} changed since you loaded it (version {expected_version}, now {row['version']}).",
            f"ภารกิจ {code} ถูกแก้ไขไปแล้ว (ฉบับที่ {expected_version} ปัจจุบันคือ {row['version']})",
            current_version=row["version"],
        )
    return dict(row)


async def _save_entry(
    conn: AsyncConnection,
    identity: Identity,
    row: dict[str, Any],
    values: dict[str, Any],
    action: str,
    reason: str | None = None,
) -> CatalogueMission:
    """Write `values` on the entry at its version, and log what changed."""
    changes = {k: (row[k], v) for k, v in values.items() if row[k] != v}
    version = row["version"] + 1
    result = await conn.execute(
        update(Mission)
        .where(Mission.id == row["id"], Mission.version == row["version"])
        .values(version=version, **values)
    )
    if result.rowcount != 1:
        raise VersionConflict(
            "The mission changed at the same moment.",
            "ภารกิจถูกแก้ไขพร้อมกัน",
            current_version=version,
        )
    await audit.append(
        conn,
        audit.actor_of(identity, (Role.DLA_ADMIN,)),
        entity="missions",
        entity_id=row["id"],
        action=action,
        changes=changes,
        reason=reason,
    )
    return CatalogueMission(
        int(row["id"]), row["code"], version, values.get("retired_on", row["retired_on"])
    )


async def update_catalogue_mission(
    writer: AsyncEngine,
    identity: Identity,
    *,
    code: str,
    expected_version: int,
    name_th: str | None = None,
    name_en: str | None = None,
    area: MissionArea | None = None,
    agency_code: str | None = None,
    given: frozenset[str] = frozenset(),
) -> CatalogueMission:
    """DLA corrects a catalogue mission: the fields named in `given` (`name_en` may be
    cleared). The records LAOs hold keep the agency they came from."""
    if not identity.is_dla_admin:
        raise _catalogue_forbidden()
    values: dict[str, Any] = {}
    if "name_th" in given:
        values["name_th"] = _text(name_th)
    if "name_en" in given:
        values["name_en"] = _text(name_en)
    if "area" in given and area is not None:
        values["area"] = area
    async with writer.begin() as conn:
        row = await _catalogue_entry(conn, code, expected_version)
        if refusal := retired_refusal(code, row["retired_on"], "edited"):
            raise refusal
        if errors := catalogue_problems(values):
            raise validation_failed(errors)
        if "agency_code" in given and agency_code is not None:
            agency_id = (
                await conn.execute(select(Agency.id).where(Agency.code == agency_code))
            ).scalar_one_or_none()
            if agency_id is None:
                raise not_found(f"Agency {agency_code}", f"หน่วยงานรหัส {agency_code}")
            values["agency_id"] = agency_id
        return await _save_entry(conn, identity, row, values, "update")


async def retire_catalogue_mission(
    writer: AsyncEngine,
    identity: Identity,
    *,
    code: str,
    expected_version: int,
    reason: str | None,
    retired_on: dt.date | None = None,
) -> CatalogueMission:
    """DLA retires a catalogue mission with a reason, from a date (today by default)."""
    if not identity.is_dla_admin:
        raise _catalogue_forbidden()
    today = now().date()
    day = retired_on or today
    async with writer.begin() as conn:
        row = await _catalogue_entry(conn, code, expected_version)
        if refusal := retired_refusal(code, row["retired_on"], "retired again"):
            raise refusal
        if refusal := retirement_refusal(reason, day, today):
            raise refusal
        text = _text(reason)
        return await _save_entry(
            conn,
            identity,
            row,
            {"retired_on": day, "retired_reason": text},
            "retire",
            reason=text,
        )
