"""schema/schema.graphql is the exported contract: it must match the code (`make schema`)."""

from pathlib import Path

from schema import schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_the_committed_schema_matches_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.as_str() + "\n", (
        "schema/schema.graphql is out of date: run `make schema` and review the diff "
        "(remove or change fields only after deprecating them)"
    )


def test_permissions_are_visible_in_the_contract():
    sdl = SCHEMA_FILE.read_text(encoding="utf-8")
    assert 'recorders: [LaoContact!] @guard(rule: "personal:' in sdl
    assert "@rowFilter(" in sdl
    assert 'waterManagement: WaterManagementSection @guard(rule: "domain:5:' in sdl


def test_types_and_fields_carry_thai_labels_and_units():
    sdl = SCHEMA_FILE.read_text(encoding="utf-8")
    assert '"""ด้านที่ 5 การบริหารจัดการน้ำ — domain 5, Water management."""' in sdl
    assert "กำลังการผลิต — Production capacity (ลูกบาศก์เมตร/ชั่วโมง / m³/h)" in sdl
