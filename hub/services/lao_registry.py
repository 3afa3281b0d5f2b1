"""DLA records changes to the LAO registry: a type upgrade, a code change, a name change, a
merger, each with its effective date (the rules: `hub.rules.lao_registry`).

Each call is one transaction: it reads the LAO and its dated history, asks the rules, closes
the changed attributes' open periods on the effective date and opens the new ones
(`lao_codes`, `lao_type_periods`, `lao_name_periods`), moves the current columns of `laos`
(`code`, `type`, `name_th`, `name_en`) and appends one change-log entry per LAO touched. A
refusal raises before anything is written.

An LAO is named by its current code or by a code it held (as `lao(code:)` finds it). An
attribute without any period yet (names were not dated before this registry; an LAO loaded
without periods) gets its first period on the first change: the old value from the start
of the LAO's known history (its earliest code or type period) up to the effective date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import Lao, LaoCode, LaoMerger, LaoNamePeriod, LaoTypePeriod, Province
from hub.rules import lao_registry as rules
from hub.rules.enums import LaoType, Role
from hub.rules.identity import Identity
from hub.rules.lao_registry import Period
from hub.rules.problems import Problem, not_found
from hub.rules.thai_dates import local_date
from hub.services import audit

KEEPERS = (Role.DLA_ADMIN,)


@dataclass(frozen=True)
class Registered:
    """What a recorded change answers: the LAO (by id) and the date it took effect."""

    lao_id: int
    effective_on: dt.date


@dataclass
class _History:
    """An LAO's row and dated history, as read inside the writing transaction."""

    lao: RowMapping
    province_code: str
    codes: list[Period[str]]
    types: list[Period[LaoType]]
    names: list[Period[tuple[str, str | None]]]
    merged_on: dt.date | None

    @property
    def start(self) -> dt.date:
        """The first day of the LAO's known history."""
        start = rules.history_start(self.codes, self.types, self.names)
        return start or rules.SINCE_ALWAYS

    @property
    def last_change(self) -> dt.date | None:
        """The day of the LAO's latest recorded change of any attribute."""
        found = [
            rules.latest_start(self.codes),
            rules.latest_start(self.types),
            rules.latest_start(self.names),
        ]
        return max((d for d in found if d is not None), default=None)


def _refuse(problem: Problem | None) -> None:
    if problem is not None:
        raise problem


async def _find_lao(conn: AsyncConnection, code: str) -> int:
    """The id of the LAO whose current code `code` is, else of the one that held it last."""
    found = (await conn.execute(select(Lao.id).where(Lao.code == code))).scalar_one_or_none()
    if found is None:
        found = (
            await conn.execute(
                select(LaoCode.lao_id)
                .where(LaoCode.code == code)
                .order_by(LaoCode.valid_from.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    if found is None:
        raise not_found(f"LAO {code}", f" อปท. รหัส {code}")
    return int(found)


async def _history(conn: AsyncConnection, lao_id: int) -> _History:
    """The LAO's row, locked until the transaction ends (two changes to one LAO queue on
    PostgreSQL; SQLite's writers hold the database lock), and its dated history."""
    lao = (
        (await conn.execute(select(Lao.__table__).where(Lao.id == lao_id).with_for_update()))
        .mappings()
        .one()
    )
    province_code = (
        await conn.execute(select(Province.code).where(Province.id == lao["province_id"]))
    ).scalar_one()
    codes = [
        Period(r.code, r.valid_from, r.valid_to)
        for r in await conn.execute(select(LaoCode.__table__).where(LaoCode.lao_id == lao_id))
    ]
    types = [
        Period(r.type, r.valid_from, r.valid_to)
        for r in await conn.execute(
            select(LaoTypePeriod.__table__).where(LaoTypePeriod.lao_id == lao_id)
        )
    ]
    names = [
        Period((r.name_th, r.name_en), r.valid_from, r.valid_to)
        for r in await conn.execute(
            select(LaoNamePeriod.__table__).where(LaoNamePeriod.lao_id == lao_id)
        )
    ]
    merged_on = (
        await conn.execute(select(LaoMerger.effective_on).where(LaoMerger.lao_id == lao_id))
    ).scalar_one_or_none()
    return _History(lao, province_code, codes, types, names, merged_on)


async def _close_and_open(
    conn: AsyncConnection,
    model: type[LaoCode] | type[LaoTypePeriod] | type[LaoNamePeriod],
    history: _History,
    periods: Sequence[Period[Any]],
    old: Mapping[str, Any],
    new: Mapping[str, Any] | None,
    effective_on: dt.date,
) -> None:
    """End the attribute's open period on `effective_on` (first writing the old value's period
    when the attribute had none) and, unless `new` is None (a merger), open the new one."""
    lao_id = history.lao["id"]
    if periods:
        await conn.execute(
            update(model)
            .where(model.lao_id == lao_id, model.valid_to.is_(None))
            .values(valid_to=effective_on)
        )
    elif old:
        await conn.execute(
            insert(model).values(
                lao_id=lao_id, valid_from=history.start, valid_to=effective_on, **old
            )
        )
    if new is not None:
        await conn.execute(
            insert(model).values(lao_id=lao_id, valid_from=effective_on, valid_to=None, **new)
        )


async def _code_taken(conn: AsyncConnection, code: str, lao_id: int, effective_on: dt.date) -> bool:
    """Whether another LAO holds `code` now, or held it in a period reaching past the date."""
    holder = await conn.execute(select(Lao.id).where(Lao.code == code, Lao.id != lao_id).limit(1))
    if holder.first() is not None:
        return True
    overlapping = await conn.execute(
        select(LaoCode.id)
        .where(
            LaoCode.code == code,
            LaoCode.lao_id != lao_id,
            or_(LaoCode.valid_to.is_(None), LaoCode.valid_to > effective_on),
        )
        .limit(1)
    )
    return overlapping.first() is not None


async def _set(conn: AsyncConnection, lao_id: int, values: Mapping[str, Any]) -> None:
    """Move the LAO's current columns; a code another LAO took at the same moment (the
    unique constraint of `laos.code`) is the same refusal as one taken before."""
    try:
        await conn.execute(update(Lao).where(Lao.id == lao_id).values(**values))
    except IntegrityError:
        raise _code_taken_conflict(values.get("code")) from None


def _today() -> dt.date:
    return local_date(audit.now())


async def _log(
    conn: AsyncConnection,
    identity: Identity,
    history: _History,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    effective_on: dt.date,
    reason: str | None,
    also: Sequence[audit.Entry] = (),
) -> None:
    lao_id = history.lao["id"]
    entry = audit.Entry(
        entity="laos",
        entity_id=lao_id,
        action=action,
        changes={**changes, "effectiveOn": (None, effective_on)},
        lao_id=lao_id,
        reason=reason,
    )
    await audit.append_many(conn, audit.actor_of(identity, KEEPERS), [entry, *also])


def _clean_reason(reason: str | None) -> str | None:
    reason = " ".join(reason.split()) if reason else None
    return reason or None


async def record_type_change(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    new_type: LaoType,
    effective_on: dt.date,
    new_code: str | None = None,
    new_name_th: str | None = None,
    new_name_en: str | None = None,
    reason: str | None = None,
) -> Registered:
    """An LAO's type upgrade (SAO → subdistrict municipality, …), with the new code and name
    it takes on the same day when given (an upgrade usually brings both)."""
    _refuse(rules.keeper_refusal(identity))
    name_th, problem = rules.clean_name(new_name_th, "newNameTh")
    _refuse(problem)
    name_en, problem = rules.clean_name(new_name_en, "newNameEn")
    _refuse(problem)
    async with writer.begin() as conn:
        history = await _history(conn, await _find_lao(conn, lao_code))
        lao = history.lao
        _refuse(rules.merged_problem(history.merged_on))
        _refuse(rules.type_change_problem(lao["type"], new_type))
        today = _today()
        _refuse(
            rules.effective_date_problem(effective_on, rules.latest_start(history.types), today)
        )
        changes: dict[str, tuple[Any, Any]] = {"type": (lao["type"], new_type)}
        await _close_and_open(
            conn,
            LaoTypePeriod,
            history,
            history.types,
            {"type": lao["type"]},
            {"type": new_type},
            effective_on,
        )
        values: dict[str, Any] = {"type": new_type}
        if new_code is not None:
            values["code"] = await _change_code(conn, history, new_code, new_type, effective_on)
            changes["code"] = (lao["code"], new_code)
        if name_th is not None:
            values.update(await _change_name(conn, history, name_th, name_en, effective_on))
            changes["nameTh"] = (lao["name_th"], name_th)
            if name_en != lao["name_en"]:
                changes["nameEn"] = (lao["name_en"], name_en)
        await _set(conn, lao["id"], values)
        await _log(
            conn,
            identity,
            history,
            "registry_type_change",
            changes,
            effective_on,
            _clean_reason(reason),
        )
    return Registered(lao["id"], effective_on)


async def _change_code(
    conn: AsyncConnection,
    history: _History,
    new_code: str,
    lao_type: LaoType,
    effective_on: dt.date,
) -> str:
    """Check and write a code change inside a change; returns the code."""
    lao = history.lao
    _refuse(rules.code_problem(new_code, lao_type, history.province_code, "newCode"))
    if new_code == lao["code"]:
        raise rules.conflict(
            "newCode", "UNCHANGED", "the LAO already has this code", "อปท. ใช้รหัสนี้อยู่แล้ว"
        )
    _refuse(rules.effective_date_problem(effective_on, rules.latest_start(history.codes), _today()))
    if await _code_taken(conn, new_code, lao["id"], effective_on):
        raise _code_taken_conflict(new_code)
    old = {"code": lao["code"]} if lao["code"] is not None else {}
    try:
        await _close_and_open(
            conn, LaoCode, history, history.codes, old, {"code": new_code}, effective_on
        )
    except IntegrityError:  # another LAO took the code on the same day, at the same moment
        raise _code_taken_conflict(new_code) from None
    return new_code


def _code_taken_conflict(code: str | None) -> Problem:
    return rules.conflict(
        "newCode",
        "CODE_TAKEN",
        f"code {code} belongs to another LAO",
        f"รหัส {code} เป็นของ อปท. อื่น",
    )


async def _change_name(
    conn: AsyncConnection,
    history: _History,
    name_th: str,
    name_en: str | None,
    effective_on: dt.date,
) -> dict[str, Any]:
    """Check and write a name change inside a change; returns the columns to set."""
    lao = history.lao
    if (name_th, name_en) == (lao["name_th"], lao["name_en"]):
        raise rules.conflict(
            "newNameTh", "UNCHANGED", "the LAO already has this name", "อปท. ใช้ชื่อนี้อยู่แล้ว"
        )
    _refuse(rules.effective_date_problem(effective_on, rules.latest_start(history.names), _today()))
    await _close_and_open(
        conn,
        LaoNamePeriod,
        history,
        history.names,
        {"name_th": lao["name_th"], "name_en": lao["name_en"]},
        {"name_th": name_th, "name_en": name_en},
        effective_on,
    )
    return {"name_th": name_th, "name_en": name_en}


async def record_code_change(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    new_code: str,
    effective_on: dt.date,
    reason: str | None = None,
) -> Registered:
    """A new DLA code for an LAO from a date; its former code keeps finding it."""
    _refuse(rules.keeper_refusal(identity))
    async with writer.begin() as conn:
        history = await _history(conn, await _find_lao(conn, lao_code))
        lao = history.lao
        _refuse(rules.merged_problem(history.merged_on))
        code = await _change_code(conn, history, new_code, lao["type"], effective_on)
        await _set(conn, lao["id"], {"code": code})
        await _log(
            conn,
            identity,
            history,
            "registry_code_change",
            {"code": (lao["code"], code)},
            effective_on,
            _clean_reason(reason),
        )
    return Registered(lao["id"], effective_on)


async def record_name_change(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    new_name_th: str,
    effective_on: dt.date,
    new_name_en: str | None = None,
    reason: str | None = None,
) -> Registered:
    """A new name for an LAO from a date (English name: the new one, or none)."""
    _refuse(rules.keeper_refusal(identity))
    name_th, problem = rules.clean_name(new_name_th, "newNameTh")
    _refuse(problem)
    name_en, problem = rules.clean_name(new_name_en, "newNameEn")
    _refuse(problem)
    assert name_th is not None  # a str in, a str or a problem out
    async with writer.begin() as conn:
        history = await _history(conn, await _find_lao(conn, lao_code))
        lao = history.lao
        _refuse(rules.merged_problem(history.merged_on))
        values = await _change_name(conn, history, name_th, name_en, effective_on)
        await _set(conn, lao["id"], values)
        changes: dict[str, tuple[Any, Any]] = {"nameTh": (lao["name_th"], name_th)}
        if name_en != lao["name_en"]:
            changes["nameEn"] = (lao["name_en"], name_en)
        await _log(
            conn,
            identity,
            history,
            "registry_name_change",
            changes,
            effective_on,
            _clean_reason(reason),
        )
    return Registered(lao["id"], effective_on)


async def record_merger(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    successor_code: str,
    effective_on: dt.date,
    reason: str | None = None,
) -> Registered:
    """The LAO `lao_code` is absorbed into `successor_code` from `effective_on`: its periods
    end that day and it reads as merged into its successor from then on."""
    _refuse(rules.keeper_refusal(identity))
    async with writer.begin() as conn:
        ids = (await _find_lao(conn, lao_code), await _find_lao(conn, successor_code))
        # Locked in id order, so two mergers of the same pair never wait on each other.
        histories = {i: await _history(conn, i) for i in sorted(set(ids))}
        history, successor = histories[ids[0]], histories[ids[1]]
        lao = history.lao
        _refuse(rules.merged_problem(history.merged_on))
        _refuse(rules.merged_problem(successor.merged_on, "successorCode"))
        if successor.lao["id"] == lao["id"]:
            raise rules.conflict(
                "successorCode",
                "SAME_LAO",
                "an LAO cannot be merged into itself",
                "รวม อปท. เข้ากับตัวเองไม่ได้",
            )
        _refuse(rules.effective_date_problem(effective_on, history.last_change, _today()))
        old_code = {"code": lao["code"]} if lao["code"] is not None else {}
        await _close_and_open(conn, LaoCode, history, history.codes, old_code, None, effective_on)
        await _close_and_open(
            conn, LaoTypePeriod, history, history.types, {"type": lao["type"]}, None, effective_on
        )
        await _close_and_open(
            conn,
            LaoNamePeriod,
            history,
            history.names,
            {"name_th": lao["name_th"], "name_en": lao["name_en"]},
            None,
            effective_on,
        )
        await conn.execute(
            insert(LaoMerger).values(
                lao_id=lao["id"],
                successor_id=successor.lao["id"],
                effective_on=effective_on,
                recorded_at=audit.now(),
            )
        )
        reason = _clean_reason(reason)
        absorbed = audit.Entry(
            entity="laos",
            entity_id=successor.lao["id"],
            action="registry_absorbed",
            changes={"absorbed": (None, lao["code"]), "effectiveOn": (None, effective_on)},
            lao_id=successor.lao["id"],
            reason=reason,
        )
        await _log(
            conn,
            identity,
            history,
            "registry_merger",
            {"mergedInto": (None, successor.lao["code"])},
            effective_on,
            reason,
            also=[absorbed],
        )
    return Registered(lao["id"], effective_on)


__all__ = [
    "Registered",
    "record_code_change",
    "record_merger",
    "record_name_change",
    "record_type_change",
]
