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
