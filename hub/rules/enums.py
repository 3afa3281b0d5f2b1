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
    # Appointed by DLA, bound to one province per appointment (DOMAIN.md "LPA indicator 7").
    LPA_ASSESSOR = ("ผู้ตรวจประเมิน LPA", "LPA assessor")


class Timeliness(Labelled):
    """Whether an LAO certified its fiscal year's data by the deadline, as of a date
    (`hub.rules.lpa.timeliness_as_of`)."""

    ON_TIME = ("รับรองภายในกำหนด", "Certified by the deadline")
    LATE = ("รับรองหลังกำหนด", "Certified after the deadline")
    OVERDUE = ("เลยกำหนดแล้วยังไม่รับรอง", "Past the deadline and not certified")
    NOT_DUE = ("ยังไม่รับรอง ยังไม่ถึงกำหนด", "Not certified yet, before the deadline")


class ContactKind(Labelled):
    """Who a personal-data contact row of an LAO is (seed 002:280-292)."""

    RECORDER = ("ผู้บันทึกข้อมูล", "Data recorder")
    INFO_ADMINISTRATOR = ("ผู้ดูแลระบบ INFO", "INFO administrator")


class AccountState(Labelled):
    """Where a person's account stands (`hub.rules.accounts`)."""

    PENDING_ACTIVATION = ("รอเปิดใช้งาน", "Issued, waiting for its holder to set a password")
    ACTIVE = ("ใช้งานได้", "Active")
    DISABLED = ("ถูกระงับ", "Disabled")


class AccountCodePurpose(Labelled):
    """What a one-time account code is for."""

    ACTIVATION = ("เปิดใช้บัญชี", "Activate a new account")
    RESET = ("ตั้งรหัสผ่านใหม่", "Reset a forgotten password")


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


class Kpi16Match(Labelled):
    """How a system on DLA's KPI-16 reference list stands in a round (`hub.rules.kpi16`)."""

    CHECKED = (
        "บันทึกแล้วและตรวจสอบในรอบนี้",
        "Recorded, and checked since the round opened",
    )
    RECORDED = ("บันทึกแล้ว ยังไม่ตรวจสอบในรอบนี้", "Recorded, not checked since the round opened")
    MISSING = ("ยังไม่ได้บันทึก", "Not recorded")


class Kpi16CandidateVerdict(Labelled):
    """Why one water-supply record carrying a reference code counts for the round, or not."""

    COUNTED_CHECKED = ("นับ: บันทึกและตรวจสอบในรอบนี้", "Counted: recorded and checked this round")
    COUNTED = ("นับ: บันทึกแล้ว แต่ตรวจสอบก่อนเปิดรอบ", "Counted: recorded, not checked this round")
    RETIRED = ("ไม่นับ: ยกเลิกรายการแล้ว", "Not counted: the record is retired")
    OTHER_FISCAL_YEAR = ("ไม่นับ: อยู่ในปีงบประมาณอื่น", "Not counted: recorded in another fiscal year")


class Kpi16ReportLevel(Labelled):
    """Who reports KPI-16 figures to whom (seed 003:83, 115)."""

    DISTRICT = ("อำเภอรายงานจังหวัด", "A district office reports to its provincial office")
    PROVINCE = ("จังหวัดรายงานกรม", "A provincial office reports to DLA")


class ReportTimeliness(Labelled):
    """A report against its deadline (a Thai calendar day, inclusive)."""

    ON_TIME = ("ส่งภายในกำหนด", "Submitted by the deadline")
    LATE = ("ส่งเกินกำหนด", "Submitted after the deadline")
    DUE = ("ยังไม่ส่ง (ยังไม่ถึงกำหนด)", "Not submitted yet; the deadline has not passed")
    OVERDUE = ("ยังไม่ส่ง (เกินกำหนดแล้ว)", "Not submitted, and the deadline has passed")


class MissionHelpStatus(Labelled):
    """Where an LAO's request for help on its transferred missions stands (seed 004:32, 82)."""

    OPEN = ("รอจังหวัดตอบ", "Open: waiting for the provincial office")
    ANSWERED = ("ตอบแล้ว", "Answered: waiting for the LAO")
    ESCALATED = ("ส่งต่อกรมแล้ว", "Escalated: waiting for DLA")
    CLOSED = ("ปิดแล้ว", "Closed")


class MissionHelpAction(Labelled):
    ASK = ("ขอความช่วยเหลือ", "Asked for help")
    ANSWER = ("ตอบ", "Answered")
    ESCALATE = ("ส่งต่อกรม", "Escalated to DLA")
    REPLY = ("ตอบกลับ", "Replied")
    CLOSE = ("ปิดเรื่อง", "Closed")


class MissionHelpParty(Labelled):
    """Who takes part in a help request, and who must act next."""

    LAO = ("อปท.", "The LAO")
    PROVINCE = ("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด", "The provincial office")
    DLA = ("กรมส่งเสริมการปกครองท้องถิ่น", "DLA")


class MissionRollupKey(Labelled):
    """What a transferred-mission roll-up groups by."""

    AGENCY = ("หน่วยงานผู้ถ่ายโอน", "Transferring agency")
    AREA = ("ด้านของภารกิจ", "Area of the mission")
    PROVINCE = ("จังหวัด", "Province of the LAO")
    MISSION = ("ภารกิจ", "Mission")


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
