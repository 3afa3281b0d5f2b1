"""Help on transferred missions (seed 004:32, 82): an LAO asks its provincial office, which
answers or escalates to DLA.

Each step is one transaction: the rules (`hub.rules.mission_help`) decide who may take it
and where it leads, the request's version guards against a step taken on a stale view (two
officers answering at once: the second is told, nothing is lost), the step is appended to
the request's messages and to the change log under the LAO.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import Lao, LaoMission, Mission, MissionHelpMessage, MissionHelpRequest
from hub.rules import mission_help as rules
from hub.rules.enums import MissionHelpAction as Action
from hub.rules.enums import MissionHelpParty as Party
from hub.rules.enums import MissionHelpStatus as Status
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, VersionConflict, invalid, not_found
from hub.services import audit
from hub.services.audit import now


@dataclass(frozen=True)
class HelpSaved:
    id: int
    status: Status
    waiting_on: Party | None
    version: int


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip() or None


async def _place(conn: AsyncConnection, *, code: str | None = None, lao_id: int = 0) -> LaoPlace:
    where = Lao.code == code if code is not None else Lao.id == lao_id
    lao = (
        await conn.execute(select(Lao.id, Lao.type, Lao.district_id, Lao.province_id).where(where))
    ).first()
    if lao is None:
        raise not_found(f"LAO {code}", f" อปท. รหัส {code}")
    return LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)


async def _message(
    conn: AsyncConnection,
    request_id: int,
    action: Action,
    party: Party,
    body: str | None,
    actor: audit.Actor,
    at: dt.datetime,
) -> None:
    await conn.execute(
        insert(MissionHelpMessage).values(
            request_id=request_id,
            at=at,
            action=action,
            party=party,
            body=body,
            author_user_id=actor.user_id,
            author_subject=audit.named(actor),
            author_role=actor.role,
        )
    )


async def ask(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    subject: str,
    question: str,
    record_id: int | None = None,
    mission_code: str | None = None,
) -> HelpSaved:
    """The LAO's staff ask its provincial office for help, on one of its mission records, a
    catalogue mission (one it cannot record), or its missions in general."""
    subject_text, question_text = _text(subject), _text(question)
    async with writer.begin() as conn:
        place = await _place(conn, code=lao_code)
        parties = rules.parties_of(identity, place)
        if refusal := rules.ask_refusal(parties):
            raise refusal
        for problem in (
            rules.text_refusal("subject", subject_text, rules.SUBJECT_MAX_LENGTH, required=True),
            rules.text_refusal("question", question_text, rules.MESSAGE_MAX_LENGTH, required=True),
        ):
            if problem is not None:
                raise problem
        mission_id = None
        if record_id is not None:
            mission_id = (
                await conn.execute(
                    select(LaoMission.mission_id).where(
                        LaoMission.id == record_id, LaoMission.lao_id == place.lao_id
                    )
                )
            ).scalar_one_or_none()
            if mission_id is None:
                raise not_found(
                    f"Mission record {record_id} of this LAO",
                    f"รายการภารกิจที่ {record_id} ของ อปท. นี้",
                )
        if mission_code is not None:
            found = (
                await conn.execute(select(Mission.id).where(Mission.code == mission_code))
            ).scalar_one_or_none()
            if found is None:
                raise not_found(f"Mission {mission_code}", f"ภารกิจรหัส {mission_code}")
            if mission_id is not None and found != mission_id:
                raise invalid(
                    "missionCode",
                    "MISMATCH",
                    f"record {record_id} is of another mission; give one or the other",
                    f"รายการที่ {record_id} เป็นภารกิจอื่น ให้ระบุอย่างใดอย่างหนึ่ง",
                )
            mission_id = found
        stamp = now()
        actor = audit.actor_of(identity, rules.PARTY_ROLES[Party.LAO], place)
        request_id = (
            await conn.execute(
                insert(MissionHelpRequest)
                .values(
                    lao_id=place.lao_id,
                    lao_mission_id=record_id,
                    mission_id=mission_id,
                    subject=subject_text,
                    status=Status.OPEN,
                    opened_at=stamp,
                    updated_at=stamp,
                    version=1,
                )
                .returning(MissionHelpRequest.id)
            )
        ).scalar_one()
        await _message(conn, request_id, Action.ASK, Party.LAO, question_text, actor, stamp)
        await audit.append(
            conn,
            actor,
            entity="mission_help_requests",
            entity_id=request_id,
            action="ask",
            changes={
                "status": (None, Status.OPEN),
                "subject": (None, subject_text),
                "lao_mission_id": (None, record_id),
                "mission_id": (None, mission_id),
                "message": (None, question_text),
            },
            lao_id=place.lao_id,
            at=stamp,
        )
        return HelpSaved(request_id, Status.OPEN, rules.waiting_on(Status.OPEN), 1)


async def act(
    writer: AsyncEngine,
    identity: Identity,
    *,
    request_id: int,
    expected_version: int,
    action: Action,
    text: str | None,
) -> HelpSaved:
    """Answer, escalate, reply to or close a request (`hub.rules.mission_help`)."""
    body = _text(text)
    async with writer.begin() as conn:
        row = (
            await conn.execute(
                select(
                    MissionHelpRequest.lao_id,
                    MissionHelpRequest.status,
                    MissionHelpRequest.escalated_at,
                    MissionHelpRequest.version,
                ).where(MissionHelpRequest.id == request_id)
            )
        ).first()
        if row is None:
            raise not_found(f"Help request {request_id}", f"คำขอความช่วยเหลือที่ {request_id}")
        place = await _place(conn, lao_id=row.lao_id)
        parties = rules.parties_of(identity, place)
        if not parties:
            raise Forbidden(
                "Only the LAO's staff, its provincial office and DLA take part in its help requests.",
                "เฉพาะเจ้าหน้าที่ของ อปท. สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด และกรมเท่านั้นที่ดำเนินการกับคำขอนี้ได้",
            )
        if row.version != expected_version:
            raise VersionConflict(
                f"This request changed since you loaded it (version {expected_version}, now {row.version}).",
                f"คำขอนี้มีการเปลี่ยนแปลงแล้ว (ฉบับที่ {expected_version} ปัจจุบันคือ {row.version})",
                current_version=row.version,
            )
        step = rules.decide(action, row.status, row.escalated_at is not None, parties)
        if not isinstance(step, rules.Step):
            raise step
        if problem := rules.text_refusal(
            rules.MESSAGE_ARGUMENT[action],
            body,
            rules.MESSAGE_MAX_LENGTH,
            required=action is not Action.CLOSE,
        ):
            raise problem
        stamp = now()
        values: dict[str, object] = {
            "status": step.to_status,
            "updated_at": stamp,
            "version": expected_version + 1,
        }
        if action is Action.ESCALATE:
            values["escalated_at"] = stamp
        if action is Action.CLOSE:
            values["closed_at"] = stamp
        result = await conn.execute(
            update(MissionHelpRequest)
            .where(
                MissionHelpRequest.id == request_id,
                MissionHelpRequest.version == expected_version,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise VersionConflict(
                "The request changed at the same moment.",
                "คำขอถูกแก้ไขพร้อมกัน",
                current_version=expected_version + 1,
            )
        actor = audit.actor_of(identity, rules.PARTY_ROLES[step.party], place)
        await _message(conn, request_id, action, step.party, body, actor, stamp)
        await audit.append(
            conn,
            actor,
            entity="mission_help_requests",
            entity_id=request_id,
            action=action.name.lower(),
            changes={"status": (row.status, step.to_status), "message": (None, body)},
            lao_id=place.lao_id,
            at=stamp,
        )
        return HelpSaved(
            request_id, step.to_status, rules.waiting_on(step.to_status), expected_version + 1
        )
