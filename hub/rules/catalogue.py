"""The domain catalogue: every field of the 8 INFO domains, declared once.

A `Field` says everything the hub needs to know about a datum: its type, Thai and English
label, unit, validation bounds, whether it is required for completeness and, for values
pulled from another DLA system, where it comes from. Fields are the LAO's domain data, read
under the row and domain rules of `hub.rules.permissions`; people's names and phones are not
fields here (they live in `LaoContact`, read under the personal-data rule). Database columns
(`hub.db.models.domain_tables`), GraphQL types, input validation and the completeness check
are all derived from these declarations; nothing else lists the fields.

The fields are a design (DOMAIN.md "The 8 domains"): the real forms sit behind QR codes the
letters do not reproduce. Changing a field here needs a migration; a test compares the
catalogue-derived tables with the migrations.

The catalogue changes from fiscal year to fiscal year: a field or record table says the years
it belongs to (`introduced_in`, `retired_in`) and from when completeness needs it
(`required_from`). One table holds every year's columns; `hub.rules.catalogue_years` gives
the catalogue *of one year* (what its forms offer, what its completeness needs, what a save
may set) and the difference between two years. A field is never deleted from this list once
a year used it: it is retired, so the years that asked it keep their data and their meaning.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    INT = "int"  # a count or whole quantity
    DECIMAL = "decimal"  # a measured quantity
    BOOL = "bool"
    TEXT = "text"
    CHOICE = "choice"  # one of `choices`
    YEAR_BE = "year_be"  # a Buddhist-Era year
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    DATE = "date"
    VILLAGE = "village"  # reference to a village of the LAO's area


@dataclass(frozen=True)
class Choice:
    code: str
    label_th: str
    label_en: str


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    label_th: str
    label_en: str
    unit: str | None = None
    unit_th: str | None = None
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    source: str | None = None  # another DLA system that owns the value; read-only here
    # The fiscal years (BE) the field belongs to (DOMAIN.md "Fiscal years": DLA revises the
    # forms from year to year). None: since the catalogue began / still asked.
    introduced_in: int | None = None  # the first fiscal year the form asks it
    retired_in: int | None = None  # the first fiscal year the form no longer asks it
    required_from: int | None = None  # with `required`: the first year completeness needs it

    def __post_init__(self) -> None:
        if self.kind is Kind.CHOICE and not self.choices:
            raise ValueError(f"choice field {self.name} declares no choices")
        if self.kind is Kind.TEXT and self.max_length is None:
            object.__setattr__(self, "max_length", 255)
        if self.kind in (Kind.INT, Kind.DECIMAL) and self.minimum is None:
            object.__setattr__(self, "minimum", 0)

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    @property
    def column(self) -> str:
        """Database column holding the value (a village is stored by its id)."""
        return f"{self.name}_id" if self.kind is Kind.VILLAGE else self.name

    @property
    def fetched_at_column(self) -> str | None:
        """For a pulled value, the column recording when it was fetched from its source."""
        return f"{self.name}_fetched_at" if self.source else None

    @property
    def read_only(self) -> bool:
        """Values pulled from another DLA system are corrected there, not in the hub."""
        return self.source is not None

    def in_year(self, fiscal_year: int) -> bool:
        """Whether the field is on the form of `fiscal_year`."""
        return _in_years(self.introduced_in, self.retired_in, fiscal_year)

    def required_in(self, fiscal_year: int) -> bool:
        """Whether completeness of `fiscal_year` needs the field."""
        return (
            self.required
            and self.in_year(fiscal_year)
            and (self.required_from is None or fiscal_year >= self.required_from)
        )


def _in_years(introduced_in: int | None, retired_in: int | None, fiscal_year: int) -> bool:
    return (introduced_in is None or fiscal_year >= introduced_in) and (
        retired_in is None or fiscal_year < retired_in
    )


@dataclass(frozen=True)
class RecordTable:
    """A table of records inside a domain section (water-supply systems, tourist sites)."""

    name: str  # table name
    label_th: str
    label_en: str
    fields: tuple[Field, ...]
    # As for a field: the fiscal years the table is on the form, and from when completeness
    # needs a row (or "none in this area").
    introduced_in: int | None = None
    retired_in: int | None = None
    required_from: int | None = None
    required: bool = True  # completeness needs a row or "none in this area"

    def in_year(self, fiscal_year: int) -> bool:
        return _in_years(self.introduced_in, self.retired_in, fiscal_year)

    def required_in(self, fiscal_year: int) -> bool:
        return (
            self.required
            and self.in_year(fiscal_year)
            and (self.required_from is None or fiscal_year >= self.required_from)
        )

    @property
    def type_name(self) -> str:
        """GraphQL name of one record: water_supply_systems → WaterSupplySystem."""
        return pascal(self.name.removesuffix("s"))

    @property
    def none_flag(self) -> str:
        """Section column marking the table explicitly "none in this area"."""
        return f"{self.name}_none"


@dataclass(frozen=True)
class Domain:
    number: int
    key: str
    label_th: str
    label_en: str
    fields: tuple[Field, ...]
    record_tables: tuple[RecordTable, ...] = ()

    @property
    def table_name(self) -> str:
        return f"domain{self.number}_{self.key}"

    @property
    def type_name(self) -> str:
        """GraphQL name of the section type: health_environment → HealthEnvironmentSection."""
        return pascal(self.key) + "Section"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"domain {self.number} has no field {name!r}")


def pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _c(code: str, th: str, en: str) -> Choice:
    return Choice(code, th, en)


DISPOSAL_METHODS = (
    _c("SANITARY_LANDFILL", "ฝังกลบถูกหลักสุขาภิบาล", "Sanitary landfill"),
    _c("OPEN_DUMP", "เทกองกลางแจ้ง", "Open dump"),
    _c("INCINERATION", "เตาเผา", "Incineration"),
    _c("TRANSFER", "ส่งกำจัดที่ อปท. อื่น", "Sent to another LAO's facility"),
    _c("COMPOSTING", "หมักทำปุ๋ย", "Composting"),
    _c("NONE", "ไม่มีการกำจัด", "No disposal service"),
)

WATER_SYSTEM_TYPES = (
    _c("GROUNDWATER", "ประปาบาดาล", "Groundwater system"),
    _c("SURFACE", "ประปาผิวดิน", "Surface-water system"),
    _c("LARGE_GROUNDWATER", "ประปาบาดาลขนาดใหญ่", "Large groundwater system"),
    _c("MOUNTAIN", "ประปาภูเขา", "Mountain (gravity) system"),
)

WATER_SOURCES = (
    _c("WELL", "บ่อบาดาล", "Borehole"),
    _c("RIVER", "แม่น้ำ/ลำคลอง", "River or canal"),
    _c("RESERVOIR", "อ่างเก็บน้ำ/หนองน้ำ", "Reservoir or pond"),
    _c("MOUNTAIN_STREAM", "ลำห้วย/น้ำตก", "Mountain stream"),
    _c("BOUGHT", "ซื้อน้ำจากการประปา", "Bought from a waterworks authority"),
)

WATER_STATUS = (
    _c("USABLE", "ใช้การได้", "Usable"),
    _c("UNUSABLE", "ใช้การไม่ได้", "Unusable"),
)

WATER_QUALITY = (
    _c("MEETS_STANDARD", "ผ่านเกณฑ์มาตรฐานประปาหมู่บ้าน", "Meets the village water standard"),
    _c("BELOW_STANDARD", "ไม่ผ่านเกณฑ์มาตรฐาน", "Below standard"),
    _c("NOT_TESTED", "ยังไม่ได้ตรวจคุณภาพ", "Not tested"),
)

WATER_OWNERS = (
    _c("LAO", "อปท.", "The LAO"),
    _c("VILLAGE", "หมู่บ้าน/คณะกรรมการบริหารกิจการประปา", "Village water committee"),
    _c("OTHER", "หน่วยงานอื่น", "Another agency"),
)

WATER_ACQUISITION = (
    _c("BUILT", "อปท. ก่อสร้างเอง", "Built by the LAO"),
    _c("TRANSFERRED", "รับถ่ายโอนจากหน่วยงานอื่น", "Transferred from an agency"),
)

TOURIST_SITE_TYPES = (
    _c("NATURAL", "แหล่งท่องเที่ยวทางธรรมชาติ", "Natural site"),
    _c("HISTORICAL", "แหล่งท่องเที่ยวทางประวัติศาสตร์", "Historical site"),
    _c("CULTURAL", "แหล่งท่องเที่ยวทางศิลปวัฒนธรรม", "Cultural or religious site"),
    _c("RECREATIONAL", "แหล่งท่องเที่ยวเพื่อนันทนาการ", "Recreational site"),
    _c("AGRO", "แหล่งท่องเที่ยวเชิงเกษตร", "Agro-tourism site"),
)


def _int(name: str, th: str, en: str, unit: str, unit_th: str, **kw: object) -> Field:
    return Field(name, Kind.INT, th, en, unit=unit, unit_th=unit_th, **kw)  # type: ignore[arg-type]


def _bool(name: str, th: str, en: str, **kw: object) -> Field:
    return Field(name, Kind.BOOL, th, en, **kw)  # type: ignore[arg-type]


WATER_SUPPLY_SYSTEMS = RecordTable(
    name="water_supply_systems",
    label_th="ข้อมูลประปาหมู่บ้าน",
    label_en="Village water-supply systems",
    fields=(
        Field("name", Kind.TEXT, "ชื่อระบบประปา", "System name", max_length=200),
        Field(
            "dla_reference_code",
            Kind.TEXT,
            "รหัสอ้างอิงฐานข้อมูลประปาหมู่บ้านของ สถ.",
            "DLA reference-list code (KPI 16)",
            required=False,
            max_length=32,
        ),
        Field("village", Kind.VILLAGE, "หมู่บ้านที่ตั้ง", "Village (subdistrict and village number)"),
        Field("latitude", Kind.LATITUDE, "ละติจูด", "Latitude", unit="degrees", unit_th="องศา"),
        Field("longitude", Kind.LONGITUDE, "ลองจิจูด", "Longitude", unit="degrees", unit_th="องศา"),
        _int(
            "households_served",
            "จำนวนครัวเรือนที่ใช้น้ำ",
            "Households served",
            "households",
            "ครัวเรือน",
            maximum=20000,
        ),
        Field(
            "capacity_m3_per_hour",
            Kind.DECIMAL,
            "กำลังการผลิต",
            "Production capacity",
            unit="m³/h",
            unit_th="ลูกบาศก์เมตร/ชั่วโมง",
            maximum=1000,
        ),
        Field("year_built_be", Kind.YEAR_BE, "ปีที่ก่อสร้าง (พ.ศ.)", "Year built (BE)", minimum=2450),
        Field(
            "system_type", Kind.CHOICE, "ประเภทระบบประปา", "System type", choices=WATER_SYSTEM_TYPES
        ),
        Field("water_source", Kind.CHOICE, "แหล่งน้ำดิบ", "Raw-water source", choices=WATER_SOURCES),
        Field("status", Kind.CHOICE, "สถานะการใช้งาน", "Operating status", choices=WATER_STATUS),
        Field("water_quality", Kind.CHOICE, "คุณภาพน้ำ", "Water quality", choices=WATER_QUALITY),
        Field("owner", Kind.CHOICE, "ผู้ดูแลระบบ", "Operated by", choices=WATER_OWNERS),
        Field(
            "acquisition",
            Kind.CHOICE,
            "ที่มาของระบบ",
            "How it came to the LAO",
            choices=WATER_ACQUISITION,
        ),
        Field(
            "transferred_from",
            Kind.TEXT,
            "หน่วยงานที่ถ่ายโอน",
            "Transferring agency",
            required=False,
            max_length=200,
        ),
        Field(
            "last_checked_on", Kind.DATE, "วันที่ตรวจสอบข้อมูลล่าสุด", "Last checked on", required=False
        ),
    ),
)

TOURIST_SITES = RecordTable(
    name="tourist_sites",
    label_th="แหล่งท่องเที่ยว",
    label_en="Tourist sites",
    fields=(
        Field("name", Kind.TEXT, "ชื่อแหล่งท่องเที่ยว", "Site name", max_length=200),
        Field(
            "site_type", Kind.CHOICE, "ประเภทแหล่งท่องเที่ยว", "Site type", choices=TOURIST_SITE_TYPES
        ),
        _int(
            "visitors_per_year",
            "จำนวนนักท่องเที่ยวต่อปี",
            "Visitors per year",
            "people/year",
            "คน/ปี",
            maximum=50_000_000,
        ),
        Field("latitude", Kind.LATITUDE, "ละติจูด", "Latitude", unit="degrees", unit_th="องศา"),
        Field("longitude", Kind.LONGITUDE, "ลองจิจูด", "Longitude", unit="degrees", unit_th="องศา"),
    ),
)

DOMAINS: tuple[Domain, ...] = (
    Domain(
        1,
        "health_environment",
        "สาธารณสุขและสิ่งแวดล้อม",
        "Public health and environment",
        fields=(
            _int(
                "health_service_units",
                "หน่วยบริการสาธารณสุข",
                "Health service units",
                "units",
                "แห่ง",
                maximum=500,
            ),
            _int(
                "village_health_volunteers",
                "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.)",
                "Village health volunteers",
                "people",
                "คน",
                maximum=20000,
            ),
            Field(
                "solid_waste_tonnes_per_day",
                Kind.DECIMAL,
                "ปริมาณขยะมูลฝอย",
                "Solid waste generated",
                unit="tonnes/day",
                unit_th="ตัน/วัน",
                maximum=20000,
            ),
            _int(
                "households_with_waste_collection",
                "ครัวเรือนที่ได้รับบริการเก็บขยะ",
                "Households with waste collection",
                "households",
                "ครัวเรือน",
                maximum=5_000_000,
            ),
            Field(
                "waste_disposal_method",
                Kind.CHOICE,
                "วิธีการกำจัดขยะ",
                "Waste disposal method",
                choices=DISPOSAL_METHODS,
            ),
            _bool("has_wastewater_treatment", "มีระบบบำบัดน้ำเสีย", "Has wastewater treatment"),
            # FY 2571 asks how far waste is sorted at source (a design example of a field
            # added for the next year: earlier years neither show nor need it).
            _int(
                "households_sorting_waste",
                "ครัวเรือนที่คัดแยกขยะต้นทาง",
                "Households sorting waste at source",
                "households",
                "ครัวเรือน",
                maximum=5_000_000,
                introduced_in=2571,
            ),
        ),
    ),
    Domain(
        2,
        "innovation_education",
        "นวัตกรรมและการศึกษา",
        "Innovation and education",
        fields=(
            _int(
                "child_development_centres",
                "ศูนย์พัฒนาเด็กเล็ก",
                "Child development centres",
                "centres",
                "แห่ง",
                maximum=1000,
            ),
            _int(
                "children_enrolled",
                "เด็กเล็กในศูนย์พัฒนาเด็กเล็ก",
                "Children in the centres",
                "children",
                "คน",
                maximum=200_000,
            ),
            _int(
                "lao_schools",
                "โรงเรียนในสังกัด อปท.",
                "Schools run by the LAO",
                "schools",
                "แห่ง",
                maximum=1000,
            ),
            _int(
                "students",
                "นักเรียนในสังกัด อปท.",
                "Students in LAO schools",
                "students",
                "คน",
                maximum=1_000_000,
            ),
            _int(
                "teachers",
                "ครูในสังกัด อปท.",
                "Teachers in LAO schools",
                "teachers",
                "คน",
                maximum=100_000,
            ),
            _int(
                "libraries",
                "ห้องสมุด/ที่อ่านหนังสือ",
                "Libraries and reading places",
                "places",
                "แห่ง",
                maximum=2000,
            ),
            _int(
                "e_services",
                "บริการอิเล็กทรอนิกส์ (e-Service)",
                "E-services offered",
                "services",
                "บริการ",
                maximum=500,
            ),
        ),
    ),
    Domain(
        3,
        "public_disasters",
        "สาธารณภัย",
        "Public disasters",
        fields=(
            _int("fire_trucks", "รถดับเพลิง", "Fire trucks", "vehicles", "คัน", maximum=500),
            _int("water_trucks", "รถบรรทุกน้ำ", "Water trucks", "vehicles", "คัน", maximum=500),
            _int("rescue_vehicles", "รถกู้ภัย", "Rescue vehicles", "vehicles", "คัน", maximum=500),
            _int(
                "civil_defence_volunteers",
                "อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.)",
                "Civil-defence volunteers",
                "people",
                "คน",
                maximum=50_000,
            ),
            _int(
                "flood_prone_villages",
                "หมู่บ้านเสี่ยงอุทกภัย",
                "Flood-prone villages",
                "villages",
                "หมู่บ้าน",
                maximum=2000,
            ),
            _int(
                "drought_prone_villages",
                "หมู่บ้านเสี่ยงภัยแล้ง",
                "Drought-prone villages",
                "villages",
                "หมู่บ้าน",
                maximum=2000,
            ),
            _int(
                "incidents_last_year",
                "สาธารณภัยที่เกิดขึ้นในปีที่ผ่านมา",
                "Incidents last year",
                "incidents",
                "ครั้ง",
                maximum=100_000,
            ),
            _bool("has_disaster_plan", "มีแผนป้องกันและบรรเทาสาธารณภัย", "Has a disaster plan"),
        ),
    ),
    Domain(
        4,
        "infrastructure",
        "โครงสร้างพื้นฐาน",
        "Infrastructure",
        fields=(
            Field(
                "road_km_asphalt",
                Kind.DECIMAL,
                "ถนนลาดยาง",
                "Asphalt roads",
                unit="km",
                unit_th="กิโลเมตร",
                maximum=50_000,
            ),
            Field(
                "road_km_concrete",
                Kind.DECIMAL,
                "ถนนคอนกรีต",
                "Concrete roads",
                unit="km",
                unit_th="กิโลเมตร",
                maximum=50_000,
            ),
            Field(
                "road_km_laterite",
                Kind.DECIMAL,
                "ถนนลูกรัง",
                "Laterite roads",
                unit="km",
                unit_th="กิโลเมตร",
                maximum=50_000,
            ),
            Field(
                "road_km_earth",
                Kind.DECIMAL,
                "ถนนดิน",
                "Earth roads",
                unit="km",
                unit_th="กิโลเมตร",
                maximum=50_000,
            ),
            _int("bridges", "สะพาน", "Bridges", "bridges", "แห่ง", maximum=10_000),
            _int(
                "street_lights",
                "ไฟฟ้าส่องสว่างสาธารณะ",
                "Street lights",
                "lights",
                "จุด",
                maximum=1_000_000,
            ),
            _int(
                "households_with_electricity",
                "ครัวเรือนที่มีไฟฟ้าใช้",
                "Households with electricity",
                "households",
                "ครัวเรือน",
                maximum=5_000_000,
            ),
        ),
    ),
    Domain(
        5,
        "water_management",
        "การบริหารจัดการน้ำ",
        "Water management",
        fields=(
            _int("water_sources", "แหล่งน้ำ", "Water sources", "sources", "แห่ง", maximum=10_000),
            Field(
                "irrigated_area_rai",
                Kind.DECIMAL,
                "พื้นที่ชลประทาน",
                "Irrigated area",
                unit="rai",
                unit_th="ไร่",
                maximum=10_000_000,
            ),
            _int(
                "households_with_tap_water",
                "ครัวเรือนที่มีน้ำประปาใช้",
                "Households with tap water",
                "households",
                "ครัวเรือน",
                maximum=5_000_000,
            ),
        ),
        record_tables=(WATER_SUPPLY_SYSTEMS,),
    ),
    Domain(
        6,
        "governance",
        "การจัดการภายในและธรรมาภิบาล",
        "Internal management and good governance",
        fields=(
            _int(
                "council_members", "สมาชิกสภาท้องถิ่น", "Council members", "people", "คน", maximum=500
            ),
            _int(
                "staff",
                "บุคลากร",
                "Staff",
                "people",
                "คน",
                maximum=100_000,
                source="ระบบบุคลากรท้องถิ่นแห่งชาติ (LHR)",
            ),
            _int(
                "complaints_received",
                "เรื่องร้องเรียนที่ได้รับ",
                "Complaints received",
                "complaints",
                "เรื่อง",
                maximum=1_000_000,
            ),
            _int(
                "complaints_resolved",
                "เรื่องร้องเรียนที่ดำเนินการแล้วเสร็จ",
                "Complaints resolved",
                "complaints",
                "เรื่อง",
                maximum=1_000_000,
            ),
        ),
    ),
    Domain(
        7,
        "social_culture",
        "สังคม ศาสนา และวัฒนธรรม",
        "Social, religion and culture",
        fields=(
            _int(
                "population_male",
                "ประชากรชาย",
                "Male population",
                "people",
                "คน",
                maximum=10_000_000,
            ),
            _int(
                "population_female",
                "ประชากรหญิง",
                "Female population",
                "people",
                "คน",
                maximum=10_000_000,
            ),
            _int("households", "ครัวเรือน", "Households", "households", "ครัวเรือน", maximum=5_000_000),
            _int(
                "elderly_allowance_recipients",
                "ผู้ได้รับเบี้ยยังชีพผู้สูงอายุ",
                "Elderly allowance recipients",
                "people",
                "คน",
                maximum=2_000_000,
                source="ระบบสารสนเทศการจัดการฐานข้อมูลเบี้ยยังชีพ",
            ),
            _int(
                "disability_allowance_recipients",
                "ผู้ได้รับเบี้ยความพิการ",
                "Disability allowance recipients",
                "people",
                "คน",
                maximum=1_000_000,
                source="ระบบสารสนเทศการจัดการฐานข้อมูลเบี้ยยังชีพ",
            ),
            _int(
                "places_of_worship", "ศาสนสถาน", "Places of worship", "places", "แห่ง", maximum=5000
            ),
            _int(
                "cultural_events",
                "งานประเพณีและวัฒนธรรมประจำปี",
                "Annual cultural events",
                "events",
                "งาน",
                maximum=1000,
            ),
        ),
    ),
    Domain(
        8,
        "economy_tourism",
        "เศรษฐกิจและแหล่งท่องเที่ยว",
        "Economy and tourist sites",
        fields=(
            _int("markets", "ตลาด", "Markets", "markets", "แห่ง", maximum=5000),
            _int(
                "otop_products",
                "ผลิตภัณฑ์ OTOP",
                "OTOP products",
                "products",
                "ผลิตภัณฑ์",
                maximum=10_000,
            ),
            _int(
                "community_enterprises",
                "วิสาหกิจชุมชน",
                "Community enterprises",
                "enterprises",
                "แห่ง",
                maximum=10_000,
            ),
            _int(
                "tourists_per_year",
                "นักท่องเที่ยวต่อปี",
                "Tourists per year",
                "people/year",
                "คน/ปี",
                maximum=100_000_000,
                # Optional until FY 2570; FY 2571's form requires it.
                required_from=2571,
            ),
        ),
        record_tables=(TOURIST_SITES,),
    ),
)

DOMAIN_BY_NUMBER: dict[int, Domain] = {d.number: d for d in DOMAINS}
RECORD_TABLES: tuple[RecordTable, ...] = tuple(t for d in DOMAINS for t in d.record_tables)
RECORD_TABLE_BY_NAME: dict[str, RecordTable] = {t.name: t for t in RECORD_TABLES}

# Thailand's bounding box, for coordinate validation (land and territorial islands).
THAILAND_LATITUDE = (5.6, 20.5)
THAILAND_LONGITUDE = (97.3, 105.7)


def domain(number: int) -> Domain:
    try:
        return DOMAIN_BY_NUMBER[number]
    except KeyError:
        raise KeyError(f"there is no domain {number}; domains are 1 to {len(DOMAINS)}") from None
