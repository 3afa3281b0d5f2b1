"""The domain catalogue is well formed, and the tables derived from it follow it."""

from hub.db.models import RECORD_TABLES as RECORD_TABLE_ROWS
from hub.db.models import SECTION_TABLES
from hub.rules.catalogue import DOMAINS, RECORD_TABLES, Kind, domain


def test_there_are_eight_domains_numbered_one_to_eight_with_thai_labels():
    assert [d.number for d in DOMAINS] == list(range(1, 9))
    assert domain(5).label_th == "การบริหารจัดการน้ำ"
    assert all(d.label_th and d.label_en for d in DOMAINS)


def test_every_field_is_declared_completely_and_once_per_domain():
    for d in DOMAINS:
        names = [f.name for f in d.fields]
        assert len(names) == len(set(names)), d.key
        for f in d.fields:
            assert f.label_th and f.label_en, f.name
            if f.kind in (Kind.INT, Kind.DECIMAL):
                assert f.unit and f.unit_th, f.name
                assert f.minimum == 0 and f.maximum is not None, f.name


def test_each_field_has_a_column_in_its_section_table():
    for d in DOMAINS:
        table = SECTION_TABLES[d.number]
        for f in d.fields:
            assert f.column in table.c, (d.key, f.name)
            if f.source:
                assert f.fetched_at_column in table.c
        for records in d.record_tables:
            assert records.none_flag in table.c


def test_record_tables_have_a_column_per_field_and_a_stable_key():
    assert {t.name for t in RECORD_TABLES} == {"water_supply_systems", "tourist_sites"}
    for records in RECORD_TABLES:
        table = RECORD_TABLE_ROWS[records.name]
        assert "record_key" in table.c and "lao_year_id" in table.c
        for f in records.fields:
            assert f.column in table.c


def test_water_supply_systems_hold_what_kpi16_needs():
    [water] = domain(5).record_tables
    names = {f.name for f in water.fields}
    assert {
        "village",
        "households_served",
        "status",
        "acquisition",
        "last_checked_on",
        "dla_reference_code",
        "year_built_be",
    } <= names
