"""Record tables as files (hub/rules/record_files.py): columns from the catalogue, cells read
as clerks write them, every line checked with the catalogue's own validation, the template
and exports read back unchanged."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from hub.rules import record_files
from hub.rules.catalogue import TOURIST_SITES, WATER_SUPPLY_SYSTEMS, Field, Kind
from hub.rules.problems import InvalidInput, TooLarge
from hub.rules.record_files import FileFormat, check, columns, match_header, read, text_value, write
from hub.rules.validation import api_name

W = WATER_SUPPLY_SYSTEMS
TODAY = dt.date(2026, 12, 1)

A_SYSTEM = {
    "name": "ประปาหมู่บ้าน บ้านหนองบัว หมู่ 3",
    "villageNumber": 3,
    "latitude": 13.6,
    "longitude": 100.6,
    "householdsServed": 120,
    "capacityM3PerHour": 5.5,
    "yearBuiltBe": 2550,
    "systemType": "GROUNDWATER",
    "waterSource": "WELL",
    "status": "USABLE",
    "waterQuality": "NOT_TESTED",
    "owner": "LAO",
    "acquisition": "BUILT",
    "lastCheckedOn": "2026-01-02",
}


def field(name: str) -> Field:
    return next(f for f in W.fields if f.name == name)


def csv_file(text: str, encoding: str = "utf-8") -> record_files.RecordFile:
    return read(W, text.encode(encoding), FileFormat.CSV)


def test_the_columns_are_the_catalogue_s_with_the_record_id_and_version_first():
    keys = [c.key for c in columns(W)]
    assert keys[:2] == ["id", "version"]
    assert keys[2:] == [api_name(f) for f in W.fields]
    assert "villageNumber" in keys and "yearBuiltBe" in keys
    assert columns(W)[2].header == "ชื่อระบบประปา [name]"


@pytest.mark.parametrize(
    "heading",
    [
        "ปีที่ก่อสร้าง (พ.ศ.) [yearBuiltBe]",
        "yearBuiltBe",
        "year_built_be",
        "ปีที่ก่อสร้าง (พ.ศ.)",
        "Year built (BE)",
        "  year built (be) ",
        "Built in [yearBuiltBe]",
    ],
)
def test_a_heading_is_known_by_its_key_its_name_or_either_label(heading):
    column = match_header(W, heading)
    assert column is not None and column.key == "yearBuiltBe"


def test_an_unknown_or_repeated_heading_refuses_the_file_at_its_header():
    with pytest.raises(InvalidInput) as refused:
        csv_file("name,colour,ชื่อระบบประปา\nก,แดง,ข\n")
    codes = {(e.code, e.column, e.line) for e in refused.value.errors}
    assert codes == {("UNKNOWN_COLUMN", "colour", 1), ("DUPLICATE_COLUMN", "ชื่อระบบประปา", 1)}
    assert "colour" in refused.value.errors[0].message_en


@pytest.mark.parametrize(
    ("name", "written", "read_as"),
    [
        ("households_served", "1,234", 1234),
        ("households_served", "๑๒๓", 123),
        ("households_served", 120.0, 120),
        ("households_served", "12.0", 12),
        ("households_served", "abc", "abc"),  # left for validate to refuse in its words
        ("capacity_m3_per_hour", "1,000.5", 1000.5),
        ("capacity_m3_per_hour", "nan", "nan"),
        ("status", "ใช้การได้", "USABLE"),
        ("status", "usable", "USABLE"),
        ("status", "Unusable", "UNUSABLE"),
        ("last_checked_on", "2026-01-31", dt.date(2026, 1, 31)),
        ("last_checked_on", "31/1/2569", dt.date(2026, 1, 31)),
        ("last_checked_on", "31/01/2026", dt.date(2026, 1, 31)),
        ("last_checked_on", "๓๑/๑/๒๕๖๙", dt.date(2026, 1, 31)),
        ("last_checked_on", dt.datetime(2026, 1, 31, 0, 0), dt.date(2026, 1, 31)),
        ("last_checked_on", "31/2/2569", "31/2/2569"),
        ("name", "  ประปา  ", "ประปา"),
        ("name", "'=1+1", "=1+1"),
        ("name", "", None),
        ("dla_reference_code", 12345.0, "12345"),
    ],
)
def test_cells_are_read_as_clerks_write_them(name, written, read_as):
    assert text_value(field(name), written) == read_as


def test_yes_and_no_in_thai_or_english():
    flag = Field("flag", Kind.BOOL, "ธง", "Flag")
    assert [text_value(flag, v) for v in ("ใช่", "Yes", "ไม่มี", "false", 1, "maybe")] == [
        True,
        True,
        False,
        False,
        True,
        "maybe",
    ]


def test_every_error_names_its_line_and_column_in_english_and_thai():
    text = (
        "ชื่อระบบประปา [name],หมู่ที่ [villageNumber],yearBuiltBe,status,id\n"
        "ก,x,1990,ใช้การได้,7\n"
        "\n"  # blank lines are skipped but keep the numbering
        ",,,,8\n"
    )
    lines, errors = check(csv_file(text), today=TODAY)
    assert [line.number for line in lines] == [2, 4]
    found = {(e.line, e.column, e.code) for e in errors}
    assert found == {
        (2, "หมู่ที่ [villageNumber]", "WRONG_TYPE"),
        (2, "yearBuiltBe", "OUT_OF_RANGE"),
        (4, "ชื่อระบบประปา [name]", "REQUIRED"),
        (4, "หมู่ที่ [villageNumber]", "REQUIRED"),
        (4, "yearBuiltBe", "REQUIRED"),
        (4, "status", "REQUIRED"),
    }
    year = next(e for e in errors if e.code == "OUT_OF_RANGE")
    assert "Buddhist-Era" in year.message_en and "พ.ศ." in year.message_th


def test_new_lines_need_every_required_column_said_once_at_the_header():
    lines, errors = check(csv_file("name,villageNumber\nก,1\nข,2\n"), today=TODAY)
    assert {e.line for e in errors} == {1}
    assert len(errors) == len([f for f in W.fields if f.required]) - 2
    assert "2, 3" in errors[0].message_en
    # Updates keep what the file does not mention: no column is missing for them.
    lines, errors = check(csv_file("id,name\n5,ก\n"), today=TODAY)
    assert errors == [] and lines[0].record_id == 5 and lines[0].values == {"name": "ก"}


def test_a_bad_record_id_is_an_error_not_a_new_record():
    _, errors = check(csv_file("id,version,name\nabc,0,ก\n"), today=TODAY)
    assert {(e.column, e.code) for e in errors} == {("id", "WRONG_TYPE"), ("version", "WRONG_TYPE")}


@pytest.mark.parametrize("fmt", list(FileFormat))
def test_an_export_reads_back_to_the_same_values(fmt):
    records = [{"id": 5, "version": 2, **A_SYSTEM, "name": "=HYPERLINK(1)"}, {**A_SYSTEM}]
    data = write(W, records, fmt)
    lines, errors = check(read(W, data, fmt), today=TODAY)
    assert errors == []
    assert (lines[0].record_id, lines[0].record_version) == (5, 2)
    assert lines[1].record_id is None
    assert lines[0].values["name"] == "=HYPERLINK(1)"
    assert lines[1].values["village"] == 3
    assert lines[1].values["last_checked_on"] == dt.date(2026, 1, 2)
    assert lines[1].values["system_type"] == "GROUNDWATER"


def test_a_csv_export_guards_formulas_and_opens_in_excel_with_thai():
    data = write(W, [{**A_SYSTEM, "name": "=cmd|' /C calc'!A0"}], FileFormat.CSV)
    assert data.startswith("\ufeff".encode())
    assert "'=cmd|" in data.decode("utf-8-sig")


def test_a_workbook_s_text_is_never_a_formula_and_it_has_a_guide():
    from openpyxl import load_workbook

    data = write(W, [{**A_SYSTEM, "name": "=1+1"}], FileFormat.XLSX)
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    assert sheet["C1"].value == "ชื่อระบบประปา [name]"
    assert sheet.freeze_panes == "A2"
    assert len(book.worksheets) == 2
    guide = [row for row in book.worksheets[1].iter_rows(values_only=True)]
    assert any("USABLE = ใช้การได้" in str(row[2]) for row in guide)


def test_the_template_is_the_header_row_alone():
    for fmt in FileFormat:
        template = read(W, write(W, [], fmt), fmt)
        assert template.lines == () and [c.key for c in template.columns] == [
            c.key for c in columns(W)
        ]
    assert read(TOURIST_SITES, write(TOURIST_SITES, [], FileFormat.CSV), FileFormat.CSV).columns


def test_windows_thai_and_semicolon_separated_csv_files_are_read():
    lines, _ = check(csv_file("name;villageNumber\nบ้านนา;1\n", encoding="cp874"), today=TODAY)
    assert lines[0].values["name"] == "บ้านนา"


@pytest.mark.parametrize(
    ("data", "fmt", "words"),
    [
        (b"", FileFormat.CSV, "empty"),
        (b"name\x00,x\n", FileFormat.CSV, "NUL"),
        (b"PK\x03\x04 not really", FileFormat.XLSX, "not an XLSX"),
        ("ราคา,สี\n1,2\n".encode(), FileFormat.CSV, "not a column"),
    ],
)
def test_an_unreadable_file_is_refused_at_line_one(data, fmt, words):
    with pytest.raises(InvalidInput) as refused:
        read(W, data, fmt)
    assert refused.value.errors[0].line == 1
    assert words in refused.value.message_en + " ".join(e.message_en for e in refused.value.errors)


def test_more_lines_than_allowed_refuse_the_whole_file():
    text = "name\n" + "ก\n" * 11
    assert len(read(W, text.encode(), FileFormat.CSV, max_lines=11).lines) == 11
    with pytest.raises(TooLarge) as refused:
        read(W, text.encode(), FileFormat.CSV, max_lines=10)
    assert "10" in refused.value.message_en and "10" in refused.value.message_th
    assert refused.value.errors[0].code == "TOO_MANY_LINES"


def test_a_refusal_counts_every_error_and_lists_the_first_thousand():
    text = "name,yearBuiltBe,id\n" + "".join(f"ก,1,{n}\n" for n in range(1, 1501))
    _, errors = check(csv_file(text), today=TODAY)
    refused = record_files.refusal(errors, 1500)
    assert len(errors) == 1500 and len(refused.errors) == record_files.MAX_REPORTED_ERRORS
    assert "1,500 error(s) on 1,500 of 1,500" in refused.message_en
    assert "1,500" in refused.message_th
