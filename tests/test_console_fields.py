"""The console's form fields (hub/web/console/fields.py): what a clerk types becomes the JSON
the API's inputs take, and the catalogue's labels, units and bounds become the form."""

from __future__ import annotations

import pytest

from hub.rules.catalogue import DOMAINS, Field, Kind, domain
from hub.web.console import fields as F

VOLUNTEERS = domain(1).field("village_health_volunteers")
WASTE = domain(1).field("solid_waste_tonnes_per_day")
METHOD = domain(1).field("waste_disposal_method")
TREATMENT = domain(1).field("has_wastewater_treatment")
NONE_FLAG = next(f for f in F.fields_of(domain(5)) if f.name == "water_supply_systems_none")


@pytest.mark.parametrize(
    ("typed", "value"),
    [("148", 148), (" 1,250 ", 1250), ("๑๒", 12), ("๑,๐๐๕", 1005), ("", None), ("-5", -5)],
)
def test_whole_numbers_as_people_type_them(typed, value):
    assert F.parse(VOLUNTEERS, typed) == (value, None)


@pytest.mark.parametrize(("typed", "value"), [("12.5", 12.5), ("1,000.25", 1000.25), ("๓.๕", 3.5)])
def test_measured_quantities(typed, value):
    assert F.parse(WASTE, typed) == (value, None)


@pytest.mark.parametrize("typed", ["สิบ", "12a", "1.5"])
def test_text_that_is_no_whole_number_is_reported_in_thai_and_english(typed):
    value, problem = F.parse(VOLUNTEERS, typed)
    assert value is None and problem is not None
    assert problem.name == "villageHealthVolunteers" and problem.code == "WRONG_TYPE"
    assert problem.message_th == "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.): ต้องเป็นจำนวนเต็ม"
    assert problem.message_en.startswith("Village health volunteers") and "whole number" in (
        problem.message_en
    )


@pytest.mark.parametrize("typed", ["abc", "nan", "inf", "1e999"])
def test_text_that_is_no_number_is_reported(typed):
    assert F.parse(WASTE, typed)[1] is not None


def test_choices_yes_no_and_the_none_flag():
    assert F.parse(METHOD, "OPEN_DUMP") == ("OPEN_DUMP", None)
    assert F.parse(METHOD, "") == (None, None)
    assert F.parse(METHOD, "NOT_A_METHOD")[1] is not None
    assert F.parse(TREATMENT, "true") == (True, None)
    assert F.parse(TREATMENT, "false") == (False, None)
    assert F.parse(TREATMENT, "") == (None, None)  # not answered
    assert F.parse(NONE_FLAG, "true") == (True, None)
    assert F.parse(NONE_FLAG, None) == (False, None)  # an unticked box is not posted


def test_a_form_gives_every_editable_field_by_its_api_name():
    d = domain(6)
    values, problems = F.parse_form(
        F.fields_of(d), {"councilMembers": "15", "complaintsReceived": "x", "staff": "99"}
    )
    assert values == {"councilMembers": 15, "complaintsResolved": None}
    assert [p.name for p in problems] == ["complaintsReceived"]
    assert "staff" not in values  # pulled from another system: never sent


def test_every_domain_is_a_form_of_the_kinds_the_console_renders():
    rendered = {Kind.INT, Kind.DECIMAL, Kind.BOOL, Kind.CHOICE, Kind.TEXT, Kind.DATE, Kind.YEAR_BE}
    for d in DOMAINS:
        assert {f.kind for f in F.fields_of(d)} <= rendered, d.number
        assert F.mutation_name(d) == "save" + d.type_name.removesuffix("Section")


def test_values_shown_and_read():
    assert F.shown(WASTE, 120.0) == "120" and F.shown(WASTE, 12.5) == "12.5"
    assert F.shown(TREATMENT, False) == "false" and F.shown(VOLUNTEERS, None) == ""
    assert F.readable(VOLUNTEERS, 1250, "th") == "1,250 คน"
    assert F.readable(VOLUNTEERS, 1250, "en") == "1,250 people"
    assert F.readable(METHOD, "OPEN_DUMP", "th") == "เทกองกลางแจ้ง"
    assert F.readable(TREATMENT, True, "en") == "Yes"
    assert F.bounds(VOLUNTEERS, "th") == "0 ถึง 20,000"
    assert F.bounds(METHOD, "en") is None


def test_same_compares_values_not_spellings():
    assert F.same(12, 12.0) and not F.same(0, None) and F.same(None, None)
    assert not F.same(False, 0) and F.same(True, True)


def test_missing_fields_and_tables_by_label():
    assert F.missing_labels(["complaintsResolved", "waterSupplySystems"], "th") == [
        "เรื่องร้องเรียนที่ดำเนินการแล้วเสร็จ",
        "ข้อมูลประปาหมู่บ้าน",
    ]
    assert F.missing_labels(["touristSites"], "en") == ["Tourist sites"]


def test_a_pulled_field_has_its_fetch_time_selected():
    selection = F.section_selection(domain(6))
    assert "staff staffFetchedAt" in selection and selection.endswith("updatedAt")
    assert F.none_flag_table(NONE_FLAG) == "water_supply_systems"
    assert F.none_flag_table(Field("x_none", Kind.BOOL, "", "")) is None


def test_a_domain_form_offers_only_the_fields_of_its_fiscal_year():
    from hub.rules.catalogue_years import domain_for
    from hub.rules.validation import api_name

    def names(year: int) -> list[str]:
        return [api_name(f) for f in F.fields_of(domain_for(1, year))]

    assert "householdsSortingWaste" not in names(2570)  # FY 2571's form adds it
    assert "householdsSortingWaste" in names(2571)
    assert "householdsSortingWaste" not in F.section_selection(domain_for(1, 2570))
