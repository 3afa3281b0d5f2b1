"""GraphQL enums mirroring the domain's vocabularies, each value described in Thai and English."""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from hub.rules import enums


def mirror(source: type[enums.Labelled], description: str) -> Any:
    values = {
        m.name: strawberry.enum_value(m.name, description=f"{m.label_th} — {m.label_en}")
        for m in source
    }
    return strawberry.enum(enum.Enum(source.__name__, values), description=description)  # type: ignore[misc]


LaoType = mirror(enums.LaoType, "ประเภท อปท. — type of local administrative organisation.")
LaoSize = mirror(enums.LaoSize, "ขนาด อปท. — size of the LAO.")
CertificationState = mirror(
    enums.CertificationState,
    "สถานะการรับรองข้อมูล — certification state of one LAO's data for one fiscal year "
    "(DRAFT → LAO_CERTIFIED → PROVINCE_CERTIFIED).",
)
Role = mirror(enums.Role, "บทบาทผู้ใช้ — role of a person using the hub.")
MissionArea = mirror(enums.MissionArea, "ด้านของภารกิจถ่ายโอน — area of a transferred mission.")
MissionStatus = mirror(
    enums.MissionStatus, "สถานะภารกิจ — status of an LAO's transferred-mission record."
)
ContactKind = mirror(enums.ContactKind, "ประเภทผู้ติดต่อ — who a contact of the LAO is.")
Timeliness = mirror(
    enums.Timeliness,
    "ความตรงเวลา — whether an LAO certified its fiscal year's data by the deadline, as of a date.",
)
Kpi16Match = mirror(
    enums.Kpi16Match,
    "ผลการจับคู่ (ตัวชี้วัดที่ 16) — how a reference system stands in the round: CHECKED, RECORDED "
    "(not checked since the round opened) or MISSING.",
)
Kpi16CandidateVerdict = mirror(
    enums.Kpi16CandidateVerdict,
    "เหตุผลการนับ — whether a record carrying a reference's code counts for the round, and why.",
)
Kpi16ReportLevel = mirror(enums.Kpi16ReportLevel, "ระดับการรายงาน — who reports to whom.")
ReportTimeliness = mirror(
    enums.ReportTimeliness, "การส่งรายงานตามกำหนด — a report against its deadline."
)
MissionHelpStatus = mirror(
    enums.MissionHelpStatus, "สถานะคำขอความช่วยเหลือ — where a help request stands."
)
MissionHelpAction = mirror(enums.MissionHelpAction, "ขั้นตอนของคำขอ — one step of a help request.")
MissionHelpParty = mirror(
    enums.MissionHelpParty, "ฝ่าย — who takes part in a help request, or must act next."
)
MissionRollupKey = mirror(
    enums.MissionRollupKey, "จัดกลุ่มตาม — what a transferred-mission roll-up groups by."
)
RoundKind = mirror(
    enums.RoundKind,
    "ประเภทรอบ — what a round asks for: INFO data of a fiscal year, a KPI-16 round, a "
    "transferred-missions round.",
)
RoundPhase = mirror(enums.RoundPhase, "ระยะของรอบ — where a round stands on a day.")
Punctuality = mirror(
    enums.Punctuality, "ความทันกำหนด — a step done on time or late, or not done yet."
)
MissionRoundStatus = mirror(
    enums.MissionRoundStatus,
    "สถานะภารกิจถ่ายโอนในรอบ — an LAO's transferred missions in a missions round.",
)
ReminderStage = mirror(
    enums.ReminderStage, "เหตุที่ต้องติดตาม — why an LAO is on a round's reminder list."
)
