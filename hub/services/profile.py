"""The LAO profile (address, office phone, website), its data-recorder slots and its INFO
administrators.

The profile and recorder slots are edited by the LAO's own staff at any time (the profile
is not per fiscal year); the INFO-administrator entries by the LAO's INFO administrator and
its provincial office (`hub.rules.accounts.decide_info_administrators`). Every change is
logged, without the people's names (personal data). The profile carries a version, which
each of these edits moves on: a stale edit is refused with the current version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import Lao, LaoContact
from hub.rules.accounts import decide_info_administrators
from hub.rules.catalogue import THAILAND_LATITUDE, THAILAND_LONGITUDE
from hub.rules.enums import ContactKind, Role
from hub.rules.identity import LAO_STAFF_ROLES, Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, VersionConflict, not_found, validation_failed
from hub.rules.validation import FieldError, camel
from hub.services import audit
from hub.services.audit import now

INFO_ADMINISTRATOR_SLOTS = 5  # INFO-administrator entries an LAO may list (slots 1-5)
EDITABLE = {
    "address_number": 50,
    "address_road": 100,
    "phone": 50,
    "website_url": 300,
}


@dataclass(frozen=True)
class Recorder:
    slot: int
    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


def _clean_text(
    name: str, value: Any, limit: int, errors: list[FieldError], prefix: str = "profile"
) -> Any:
    if value is None:
        return None
    value = unicodedata.normalize("NFC", str(value)).strip()
    if len(value) > limit:
        errors.append(
            FieldError(
                f"{prefix}.{camel(name)}",
                "TOO_LONG",
                f"{camel(name)}: at most {limit} characters",
                f"{camel(name)}: ไม่เกิน {limit} ตัวอักษร",
            )
        )
    return value or None


def _validate(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in EDITABLE:
            cleaned[name] = _clean_text(name, value, EDITABLE[name], errors)
        elif name == "address_village_number":
            if value is not None and not 1 <= value <= 50:
                errors.append(
                    FieldError(
                        "profile.addressVillageNumber",
                        "OUT_OF_RANGE",
                        "village number: 1–50",
                        "หมู่ที่: 1–50",
                    )
                )
            cleaned[name] = value
        elif name == "has_website":
            cleaned[name] = bool(value)
        elif name in ("latitude", "longitude"):
            low, high = THAILAND_LATITUDE if name == "latitude" else THAILAND_LONGITUDE
            if value is not None and not low <= value <= high:
                errors.append(
                    FieldError(
                        f"profile.{name}",
                        "OUT_OF_RANGE",
                        f"{name}: must be inside Thailand",
                        f"{name}: ต้องอยู่ในประเทศไทย",
                    )
                )
            cleaned[name] = value
        else:
            errors.append(
                FieldError(
                    f"profile.{camel(name)}",
                    "UNKNOWN_FIELD",
                    f"{camel(name)}: not editable",
                    f"{camel(name)}: แก้ไขไม่ได้",
                )
            )
    url = cleaned.get("website_url")
    if url and not re.fullmatch(r"https?://[^\s]+", url):
        errors.append(
            FieldError(
                "profile.websiteUrl",
                "INVALID",
                "websiteUrl: must start with http:// or https://",
                "เว็บไซต์: ต้องขึ้นต้นด้วย http:// หรือ https://",
            )
        )
    return cleaned, errors


def _contacts(
    entries: list[Recorder], path: str, slots: int, errors: list[FieldError]
) -> list[dict[str, Any]]:
    """The rows of contact `entries` (slots 1..`slots`, each once), errors added to `errors`."""
    given = [r.slot for r in entries]
    if len(set(given)) != len(given):
        errors.append(
            FieldError(
                path,
                "DUPLICATE",
                f"each slot (1 to {slots}) may be given once",
                f"ระบุได้ลำดับละหนึ่งคน (ลำดับ 1 ถึง {slots})",
            )
        )
    contacts = []
    for r in entries:
        prefix = f"{path}.{r.slot}"
        if not 1 <= r.slot <= slots:
            errors.append(
                FieldError(prefix, "OUT_OF_RANGE", f"slot: 1 to {slots}", f"ลำดับ: 1 ถึง {slots}")
            )
        name = _clean_text("name", r.name, 200, errors, prefix)
        if not name:
            errors.append(FieldError(f"{prefix}.name", "REQUIRED", "name: required", "ชื่อ: ต้องระบุ"))
        contacts.append(
            {
                "slot": r.slot,
                "name": name,
                "position": _clean_text("position", r.position, 200, errors, prefix),
                "phone": _clean_text("phone", r.phone, 50, errors, prefix),
                "email": _clean_text("email", r.email, 200, errors, prefix),
            }
        )
    return contacts


async def _replace_contacts(
    conn: Any, lao_id: int, kind: ContactKind, contacts: list[dict[str, Any]]
) -> tuple[list[int], list[int]]:
    """Replace the LAO's contacts of `kind`; the slots before and after (for the log: the
    names are personal data)."""
    before = (
        (
            await conn.execute(
                select(LaoContact.slot).where(LaoContact.lao_id == lao_id, LaoContact.kind == kind)
            )
        )
        .scalars()
        .all()
    )
    await conn.execute(
        delete(LaoContact).where(LaoContact.lao_id == lao_id, LaoContact.kind == kind)
    )
    if contacts:
        await conn.execute(
            insert(LaoContact),
            [{**c, "lao_id": lao_id, "kind": kind, "updated_at": now()} for c in contacts],
        )
    return sorted(before), sorted(c["slot"] for c in contacts)


async def update_profile(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    expected_version: int,
    values: Mapping[str, Any],
    recorders: list[Recorder] | None = None,
) -> int:
    """Save profile fields (omitted ones keep their values) and, if given, the recorder slots."""
    cleaned, errors = _validate(values)
    contacts = _contacts(recorders or [], "recorders", 2, errors)
    async with writer.begin() as conn:
        row = (
            (await conn.execute(select(Lao.__table__).where(Lao.code == lao_code)))
            .mappings()
            .first()
        )
        if row is None:
            raise not_found(f"LAO {lao_code}", f" อปท. รหัส {lao_code}")
        if row["id"] not in identity.staff_lao_ids():
            raise Forbidden(
                "Only the LAO's own staff edit its profile.",
                "เฉพาะเจ้าหน้าที่ของ อปท. นี้เท่านั้นที่แก้ไขข้อมูลทั่วไปได้",
            )
        if row["version"] != expected_version:
            raise VersionConflict(
                f"The profile changed since you loaded it (version {expected_version}, now {row['version']}).",
                f"ข้อมูลทั่วไปถูกแก้ไขไปแล้ว (ฉบับที่ {expected_version} ปัจจุบันคือ {row['version']})",
                current_version=row["version"],
            )
        if errors:
            raise validation_failed(errors)
        changes = {k: (row[k], v) for k, v in cleaned.items() if row[k] != v}
        result = await conn.execute(
            update(Lao)
            .where(Lao.id == row["id"], Lao.version == expected_version)
            .values(version=expected_version + 1, **cleaned)
        )
        if result.rowcount != 1:
            raise VersionConflict(
                "The profile changed at the same moment.",
                "ข้อมูลทั่วไปถูกแก้ไขพร้อมกัน",
                current_version=expected_version + 1,
            )
        if recorders is not None:
            # People's names are personal data: the log records that slots changed, not the names.
            changes["recorders"] = await _replace_contacts(
                conn, row["id"], ContactKind.RECORDER, contacts
            )
        place = LaoPlace(row["id"], row["type"], row["district_id"], row["province_id"])
        await audit.append(
            conn,
            audit.actor_of(identity, LAO_STAFF_ROLES, place),
            entity="laos",
            entity_id=row["id"],
            action="update_profile",
            changes=changes,
            lao_id=row["id"],
        )
        return expected_version + 1


async def update_info_administrators(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    expected_version: int,
    administrators: list[Recorder],
) -> int:
    """Replace the LAO's INFO-administrator entries (slots 1-5; an empty list clears them);
    returns the profile's new version."""
    errors: list[FieldError] = []
    contacts = _contacts(administrators, "administrators", INFO_ADMINISTRATOR_SLOTS, errors)
    async with writer.begin() as conn:
        row = (
            (
                await conn.execute(
                    select(Lao.id, Lao.type, Lao.district_id, Lao.province_id, Lao.version).where(
                        Lao.code == lao_code
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise not_found(f"LAO {lao_code}", f" อปท. รหัส {lao_code}")
        place = LaoPlace(row["id"], row["type"], row["district_id"], row["province_id"])
        refused = decide_info_administrators(identity, place)
        if refused is not None:
            raise refused
        if row["version"] != expected_version:
            raise VersionConflict(
                f"The profile changed since you loaded it (version {expected_version}, now {row['version']}).",
                f"ข้อมูลทั่วไปถูกแก้ไขไปแล้ว (ฉบับที่ {expected_version} ปัจจุบันคือ {row['version']})",
                current_version=row["version"],
            )
        if errors:
            raise validation_failed(errors)
        result = await conn.execute(
            update(Lao)
            .where(Lao.id == row["id"], Lao.version == expected_version)
            .values(version=expected_version + 1)
        )
        if result.rowcount != 1:
            raise VersionConflict(
                "The profile changed at the same moment.",
                "ข้อมูลทั่วไปถูกแก้ไขพร้อมกัน",
                current_version=expected_version + 1,
            )
        slots = await _replace_contacts(conn, row["id"], ContactKind.INFO_ADMINISTRATOR, contacts)
        await audit.append(
            conn,
            audit.actor_of(identity, (Role.LAO_ADMIN, Role.PROVINCE_OFFICER), place),
            entity="laos",
            entity_id=row["id"],
            action="update_info_administrators",
            changes={"infoAdministrators": slots},
            lao_id=row["id"],
        )
        return expected_version + 1
