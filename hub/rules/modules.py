"""The hub's modules and who owns each: contact metadata, declared once.

DOMAIN.md "Who owns what" [seed 000:160,295; 003:53; 004:99]: INFO and LPA indicator 7 are
DLA's Local IT Centre's; KPI 16 the infrastructure group of DLA's Local Administration
Development and Promotion Division; transferred missions its decentralisation and
subsidy-budget group. The units' names and telephone extensions are those DLA's letters
give (each round's letter has the current ones); `Query.modules` answers them, so an
integrator or an assessor asking "whose is this number?" finds the owner in the hub itself.
"""

from __future__ import annotations

from dataclasses import dataclass

DLA_TH = "กรมส่งเสริมการปกครองท้องถิ่น"
DLA_EN = "Department of Local Administration (DLA)"
DLA_PHONE = "0 2241 9000"


@dataclass(frozen=True)
class Owner:
    unit_th: str
    unit_en: str
    division_th: str | None
    division_en: str | None
    phone: str
    extensions: tuple[str, ...]


@dataclass(frozen=True)
class Module:
    code: str
    name_th: str
    name_en: str
    owner: Owner


IT_CENTRE = Owner(
    "ศูนย์เทคโนโลยีสารสนเทศท้องถิ่น กลุ่มงานสารสนเทศ",
    "Local Information Technology Centre, Information Group",
    None,
    None,
    DLA_PHONE,
    ("1107", "1108", "1109"),
)
_DIVISION = (
    "กองพัฒนาและส่งเสริมการบริหารงานท้องถิ่น",
    "Local Administration Development and Promotion Division",
)

MODULES: tuple[Module, ...] = (
    Module("INFO", "ระบบข้อมูลกลางองค์กรปกครองส่วนท้องถิ่น (INFO)", "Local data (INFO)", IT_CENTRE),
    Module("LPA7", "LPA ตัวชี้วัดที่ 7", "LPA indicator 7", IT_CENTRE),
    Module(
        "KPI16",
        "ตัวชี้วัดที่ 16 ประปาหมู่บ้าน",
        "KPI 16 (village water supply)",
        Owner(
            "กลุ่มงานส่งเสริมการพัฒนาโครงสร้างพื้นฐาน",
            "Infrastructure Development Promotion Group",
            *_DIVISION,
            DLA_PHONE,
            ("4116",),
        ),
    ),
    Module(
        "MISSIONS",
        "ภารกิจถ่ายโอน",
        "Transferred missions",
        Owner(
            "กลุ่มงานส่งเสริมการกระจายอำนาจและการจัดทำงบประมาณเงินอุดหนุน",
            "Decentralisation and Subsidy Budget Group",
            *_DIVISION,
            DLA_PHONE,
            ("2302",),
        ),
    ),
)
