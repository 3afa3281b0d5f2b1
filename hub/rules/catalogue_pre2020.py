"""The pre-2020 shape: the 8 domains of the INFO system before FY 2563, declared once.

The letters of that time name its domains (seed 002:21, 225-234; DOMAIN.md "The 8 domains"):
general conditions, infrastructure and utilities, economy, social, public health, disaster
prevention and relief, environment, finance. They do not name the fields; those below are
a design of what such a form held, declared as the current catalogue declares its own
(`hub.rules.catalogue.Field`: type, Thai and English label, unit, bounds).

A historical year is imported in this shape (`hub history import`) and read in it
(`LaoYear.historicalSections`, `catalogue(fiscalYear:)` of such a year); it is never mapped
onto today's 8 domains, whose numbers and contents differ (today's domain 1 is public health
and environment; the old domain 1 was general conditions).
"""

from __future__ import annotations

from hub.rules.catalogue import Domain, Field, Kind


def _count(name: str, th: str, en: str, unit: str, unit_th: str, maximum: int) -> Field:
    return Field(name, Kind.INT, th, en, unit=unit, unit_th=unit_th, maximum=maximum)


def _measure(name: str, th: str, en: str, unit: str, unit_th: str, maximum: float) -> Field:
    return Field(name, Kind.DECIMAL, th, en, unit=unit, unit_th=unit_th, maximum=maximum)


PRE_2020_DOMAINS: tuple[Domain, ...] = (
    Domain(
        1,
        "general",
        "ข้อมูลสภาพทั่วไป",
        "General conditions",
        fields=(
            _measure("area_sq_km", "พื้นที่", "Area", "km²", "ตารางกิโลเมตร", 100_000),
            _count("villages", "จำนวนหมู่บ้าน", "Villages", "villages", "หมู่บ้าน", 2000),
            _count("population", "ประชากร", "Population", "people", "คน", 10_000_000),
            _count("households", "ครัวเรือน", "Households", "households", "ครัวเรือน", 5_000_000),
        ),
    ),
    Domain(
        2,
        "infrastructure_utilities",
        "ข้อมูลโครงสร้างพื้นฐานและสาธารณูปโภค",
        "Infrastructure and utilities",
        fields=(
            _measure("road_km", "ถนน", "Roads", "km", "กิโลเมตร", 200_000),
            _count(
                "households_with_electricity",
                "ครัวเรือนที่มีไฟฟ้าใช้",
                "Households with electricity",
                "households",
                "ครัวเรือน",
                5_000_000,
            ),
            _count(
                "households_with_tap_water",
                "ครัวเรือนที่มีน้ำประปาใช้",
                "Households with tap water",
                "households",
                "ครัวเรือน",
                5_000_000,
            ),
        ),
    ),
    Domain(
        3,
        "economy",
        "ข้อมูลด้านเศรษฐกิจ",
        "Economy",
        fields=(
            _count("markets", "ตลาด", "Markets", "markets", "แห่ง", 5000),
            _count("otop_products", "ผลิตภัณฑ์ OTOP", "OTOP products", "products", "ผลิตภัณฑ์", 10_000),
            _count("tourist_sites", "แหล่งท่องเที่ยว", "Tourist sites", "sites", "แห่ง", 5000),
        ),
    ),
    Domain(
        4,
        "social",
        "ข้อมูลด้านสังคม",
        "Social",
        fields=(
            _count("schools", "โรงเรียน", "Schools", "schools", "แห่ง", 1000),
            _count("places_of_worship", "ศาสนสถาน", "Places of worship", "places", "แห่ง", 5000),
            _count(
                "elderly_allowance_recipients",
                "ผู้ได้รับเบี้ยยังชีพผู้สูงอายุ",
                "Elderly allowance recipients",
                "people",
                "คน",
                2_000_000,
            ),
        ),
    ),
    Domain(
        5,
        "health",
        "ข้อมูลด้านสาธารณสุข",
        "Public health",
        fields=(
            _count(
                "health_service_units",
                "หน่วยบริการสาธารณสุข",
                "Health service units",
                "units",
                "แห่ง",
                500,
            ),
            _count(
                "village_health_volunteers",
                "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.)",
                "Village health volunteers",
                "people",
                "คน",
                20_000,
            ),
        ),
    ),
    Domain(
        6,
        "disaster_prevention",
        "ข้อมูลด้านการป้องกันและบรรเทาสาธารณภัย",
        "Disaster prevention and relief",
        fields=(
            _count("fire_trucks", "รถดับเพลิง", "Fire trucks", "vehicles", "คัน", 500),
            _count(
                "civil_defence_volunteers",
                "อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.)",
                "Civil-defence volunteers",
                "people",
                "คน",
                50_000,
            ),
        ),
    ),
    Domain(
        7,
        "environment",
        "ข้อมูลด้านสิ่งแวดล้อม",
        "Environment",
        fields=(
            _measure(
                "solid_waste_tonnes_per_day",
                "ปริมาณขยะมูลฝอย",
                "Solid waste generated",
                "tonnes/day",
                "ตัน/วัน",
                20_000,
            ),
            Field(
                "has_wastewater_treatment",
                Kind.BOOL,
                "มีระบบบำบัดน้ำเสีย",
                "Has wastewater treatment",
            ),
        ),
    ),
    Domain(
        8,
        "finance",
        "ข้อมูลด้านการเงินการคลัง",
        "Finance",
        fields=(
            _measure("revenue_baht", "รายรับ", "Revenue", "baht", "บาท", 1e11),
            _measure("expenditure_baht", "รายจ่าย", "Expenditure", "baht", "บาท", 1e11),
        ),
    ),
)

PRE_2020_BY_NUMBER: dict[int, Domain] = {d.number: d for d in PRE_2020_DOMAINS}
