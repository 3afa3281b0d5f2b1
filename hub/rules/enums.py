"""Closed vocabularies of the domain, each value with its Thai and English label.

Stored in the database as the member name (portable across SQLite and PostgreSQL: a
VARCHAR with a CHECK constraint, not a native enum type).
"""

from __future__ import annotations

import enum
from typing import Literal

# The areas a figure (a roll-up, KPI-16 coverage, an area's stats) is given for.
Breakdown = Literal["nation", "province", "district"]


class Labelled(enum.Enum):
    """An enum whose values are `(thai, english)` label pairs."""

    @property
    def label_th(self) -> str:
        return str(self.value[0])

    @property
    def label_en(self) -> str:
        return str(self.value[1])


class LaoType(Labelled):
    """Types of local administrative organisation (ประเภท อปท.)."""

    PAO = ("องค์การบริหารส่วนจังหวัด", "Provincial administrative organisation")
    CITY_MUNICIPALITY = ("เทศบาลนคร", "City municipality")
    TOWN_MUNICIPALITY = ("เทศบาลเมือง", "Town municipality")
    SUBDISTRICT_MUNICIPALITY = ("เทศบาลตำบล", "Subdistrict municipality")
    SAO = ("องค์การบริหารส่วนตำบล", "Subdistrict administrative organisation")
    BANGKOK = ("กรุงเทพมหานคร", "Bangkok Metropolitan Administration")
    PATTAYA = ("เมืองพัทยา", "Pattaya City")

    @property
    def code_digit(self) -> str | None:
        """First digit of DLA's 7-digit LAO code; Bangkok has no code."""
        return _TYPE_DIGITS[self]


_TYPE_DIGITS: dict[LaoType, str | None] = {
    LaoType.PAO: "2",
    LaoType.CITY_MUNICIPALITY: "3",
    LaoType.PATTAYA: "3",
    LaoType.TOWN_MUNICIPALITY: "4",
    LaoType.SUBDISTRICT_MUNICIPALITY: "5",
    LaoType.SAO: "6",
    LaoType.BANGKOK: None,
}


class LaoSize(Labelled):
    S = ("ขนาดเล็ก", "Small")
    M = ("ขนาดกลาง", "Medium")
    L = ("ขนาดใหญ่", "Large")


class CertificationState(Labelled):
    """State of one LAO's data for one fiscal year (seed 002:202-247)."""

    DRAFT = ("อปท. ยังไม่รับรองข้อมูล", "Not yet certified by the LAO")
    LAO_CERTIFIED = ("อปท. รับรองข้อมูลแล้ว", "Certified by the LAO")
    PROVINCE_CERTIFIED = ("จังหวัดรับรองข้อมูลแล้ว", "Certified by the provincial office")


class Role(Labelled):
    LAO_RECORDER = ("ผู้บันทึกข้อมูล", "LAO data recorder")
    LAO_VERIFIER = ("ผู้ตรวจสอบข้อมูล", "LAO data verifier")
    LAO_ADMIN = ("ผู้ดูแลระบบ INFO ของ อปท.", "LAO INFO administrator")
    DISTRICT_OFFICER = ("ท้องถิ่นอำเภอ", "District local administration office")
    PROVINCE_OFFICER = (
        "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
        "Provincial local administration office",
    )
    DLA_ADMIN = ("ผู้ดูแลระบบ สถ.", "DLA administrator")


class ContactKind(Labelled):
    """Who a personal-data contact row of an LAO is (seed 002:280-292)."""

    RECORDER = ("ผู้บันทึกข้อมูล", "Data recorder")
    INFO_ADMINISTRATOR = ("ผู้ดูแลระบบ INFO", "INFO administrator")


class MissionArea(Labelled):
    """The areas DLA's mission catalogue groups transferred missions by."""

    INFRASTRUCTURE = ("ด้านโครงสร้างพื้นฐาน", "Infrastructure")
    QUALITY_OF_LIFE = ("ด้านงานส่งเสริมคุณภาพชีวิต", "Quality of life")
    COMMUNITY_ORDER = (
        "ด้านการจัดระเบียบชุมชน สังคม และการรักษาความสงบเรียบร้อย",
        "Community order and public safety",
    )
    PLANNING_INVESTMENT = (
        "ด้านการวางแผน การส่งเสริมการลงทุน พาณิชยกรรม และการท่องเที่ยว",
        "Planning, investment, commerce and tourism",
    )
    NATURAL_RESOURCES = (
        "ด้านการบริหารจัดการและการอนุรักษ์ทรัพยากรธรรมชาติและสิ่งแวดล้อม",
        "Natural resources and environment",
    )
    ARTS_CULTURE = (
        "ด้านศิลปะ วัฒนธรรม จารีตประเพณี และภูมิปัญญาท้องถิ่น",
        "Arts, culture, tradition and local wisdom",
    )


class MissionStatus(Labelled):
    ACTIVE = ("ดำเนินการอยู่", "Active")
    CHANGED = ("มีการเปลี่ยนแปลง", "Changed")
    CANCELLED = ("ยกเลิก", "Cancelled")


class RoundKind(Labelled):
    """What a round asks for (DOMAIN.md "Fiscal years, deadlines and closing", "KPI 16",
    "Transferred missions"): each has an opening, a deadline and a closing."""

    INFO = ("รอบบันทึกและรับรองข้อมูล INFO ประจำปีงบประมาณ", "INFO data of a fiscal year")
    KPI16 = ("รอบการประเมินตัวชี้วัดที่ 16 (ประปาหมู่บ้าน)", "KPI 16 round (village water supply)")
    MISSIONS = ("รอบปรับปรุงข้อมูลภารกิจถ่ายโอน", "Transferred-missions round")


class RoundPhase(Labelled):
    """Where a round stands on a given day (hub.rules.rounds.phase)."""

    UPCOMING = ("ยังไม่เปิด", "Not open yet")
    OPEN = ("เปิดอยู่ ภายในกำหนด", "Open, before the deadline")
    PAST_DEADLINE = ("เลยกำหนดแล้ว ยังรับข้อมูล (ล่าช้า)", "Past the deadline: still accepted, late")
    CLOSED = ("ปิดรอบแล้ว", "Closed")


class Punctuality(Labelled):
    """Whether a step (an LAO's certification, the province's, a missions check) was done by
    its deadline (hub.rules.rounds.judge)."""

    ON_TIME = ("ทันกำหนด", "Done by the deadline")
    LATE = ("ล่าช้า", "Done after the deadline")
    PENDING = ("ยังไม่ดำเนินการ ยังไม่ถึงกำหนด", "Not done yet, deadline not passed")
    OVERDUE = ("ยังไม่ดำเนินการ เลยกำหนดแล้ว", "Not done, deadline passed")


class MissionRoundStatus(Labelled):
    """An LAO's transferred missions in a missions round (hub.rules.rounds.mission_status)."""

    CHECKED = ("ตรวจสอบ/ปรับปรุงแล้วในรอบนี้", "Checked or updated in this round")
    RECORDED = ("มีข้อมูลเดิม ยังไม่ตรวจสอบในรอบนี้", "Recorded before, not checked in this round")
    NOT_YET = ("ยังไม่บันทึกข้อมูล", "Nothing recorded yet")


class ReminderStage(Labelled):
    """Why an LAO is on a round's reminder list (hub.rules.rounds.reminder_stage)."""

    NOTHING_RECORDED = ("ยังไม่บันทึกข้อมูล", "Nothing recorded yet")
    INCOMPLETE = ("บันทึกข้อมูลยังไม่ครบ 8 ด้าน", "Not all 8 domains complete")
    NOT_CERTIFIED = ("ข้อมูลครบแต่ อปท. ยังไม่รับรอง", "Complete, not certified by the LAO")
    AWAITING_PROVINCE = ("รอจังหวัดรับรอง", "Certified by the LAO, awaiting the province")
    MISSIONS_NOT_RECORDED = ("ยังไม่บันทึกภารกิจถ่ายโอน", "No transferred mission recorded")
    MISSIONS_NOT_CHECKED = (
        "ยังไม่ตรวจสอบภารกิจถ่ายโอนในรอบนี้",
        "Missions not checked in this round",
    )
