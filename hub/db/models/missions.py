"""Transferred missions (INFO phase 2, seed 004): DLA's catalogue and each LAO's records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column, enum_column
from hub.rules.enums import (
    MissionArea,
    MissionHelpAction,
    MissionHelpParty,
    MissionHelpStatus,
    MissionStatus,
    Role,
)


class Agency(Base):
    """A government agency that transfers missions to LAOs, and its ministry."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    ministry_th: Mapped[str] = mapped_column(String(200))
    ministry_en: Mapped[str] = mapped_column(String(200))


class Mission(Base):
    """A mission in DLA's catalogue of missions transferred to LAOs."""

    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    area: Mapped[MissionArea] = mapped_column(enum_column(MissionArea, "mission_area"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class LaoMission(Base):
    """What one LAO received of one mission, since when, and what came with it.

    Not under the two-tier certification. A cancelled mission keeps its row with the
    cancellation date and reason.
    """

    __tablename__ = "lao_missions"
    __table_args__ = (UniqueConstraint("lao_id", "mission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[MissionStatus] = mapped_column(
        enum_column(MissionStatus, "mission_status"), index=True
    )
    budget_baht: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    staff_transferred: Mapped[int | None]
    assets: Mapped[str | None] = mapped_column(Text)
    asset_value_baht: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    note: Mapped[str | None] = mapped_column(Text)
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = created_at_column()


class LaoMissionEvent(Base):
    """History of an LAO's mission record: recorded, changed, cancelled."""

    __tablename__ = "lao_mission_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_mission_id: Mapped[int] = mapped_column(ForeignKey("lao_missions.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    status: Mapped[MissionStatus] = mapped_column(enum_column(MissionStatus, "mission_status"))
    detail: Mapped[str | None] = mapped_column(Text)
    # {field: [before, after]} of an update (the change log's form); None for older events.
    changes_json: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))


class MissionHelpRequest(Base):
    """An LAO's request to its provincial office for help with its missions (seed 004:32, 82):
    a thread of messages whose status says who must act (`hub.rules.mission_help`)."""

    __tablename__ = "mission_help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    lao_mission_id: Mapped[int | None] = mapped_column(ForeignKey("lao_missions.id"), index=True)
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("missions.id"))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[MissionHelpStatus] = mapped_column(
        enum_column(MissionHelpStatus, "mission_help_status"), index=True
    )
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(default=1)


class MissionHelpMessage(Base):
    """One step of a help request: who (the party and the person), what, when."""

    __tablename__ = "mission_help_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mission_help_requests.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    action: Mapped[MissionHelpAction] = mapped_column(
        enum_column(MissionHelpAction, "mission_help_action")
    )
    party: Mapped[MissionHelpParty] = mapped_column(
        enum_column(MissionHelpParty, "mission_help_party")
    )
    body: Mapped[str | None] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_subject: Mapped[str | None] = mapped_column(String(300))
    author_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))
