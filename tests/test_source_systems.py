"""The rules of pulled values and module owners (hub/rules/source_systems.py, modules.py):
plain functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.rules.catalogue import DOMAINS
from hub.rules.identity import ALL_SCOPES
from hub.rules.modules import MODULES
from hub.rules.problems import InvalidInput
from hub.rules.source_systems import (
    BY_CODE,
    SOURCE_SYSTEMS,
    DeliveredRow,
    check_delivery,
    field_by_api_name,
    read_export,
    system_of,
)

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
LHR = BY_CODE["LHR"]
PLUS_7 = dt.timezone(dt.timedelta(hours=7))


def test_every_pulled_field_has_its_source_system_and_scope() -> None:
    pulled = [f for d in DOMAINS for f in d.fields if f.source]
    assert pulled, "the catalogue declares pulled fields"
    for f in pulled:
        system = system_of(f)
        assert system is not None, f"{f.name}: its source {f.source!r} is not declared"
        assert system.scope in ALL_SCOPES
    assert sum(len(s.fields) for s in SOURCE_SYSTEMS) == len(pulled)


def test_a_field_is_found_by_its_api_name_bare_or_qualified() -> None:
    assert field_by_api_name("staff")[1].name == "staff"  # type: ignore[index]
    assert field_by_api_name("governance.staff")[1].name == "staff"  # type: ignore[index]
    assert field_by_api_name("healthEnvironment.staff") is None
    assert field_by_api_name("nonsense") is None


def test_a_good_batch_is_checked_and_converted() -> None:
    rows = [DeliveredRow("6110101", 2570, "staff", " 1,204 ", None)]
    checked, errors = check_delivery(LHR, "lhr-2026-12-01", rows, delivered_at=NOW)
    assert errors == []
    [row] = checked
    assert (row.field.name, row.value, row.fetched_at) == ("staff", 1204, NOW)


def test_every_problem_of_a_batch_is_named_at_its_row() -> None:
    later = NOW + dt.timedelta(hours=1)
    rows = [
        DeliveredRow("6110101", 2570, "staff", "12", None),
        DeliveredRow("6110101", 2570, "staff", "13", None),  # twice
        DeliveredRow("6110101", 2570, "councilMembers", "9", None),  # the LAO's own field
        DeliveredRow("6110102", 2570, "staff", "many", None),
        DeliveredRow("6110103", 2570, "staff", "-4", None),
        DeliveredRow("6110104", 2570, "staff", "4", later),  # fetched in the future
        DeliveredRow("6110105", 2570, "staff", "4", dt.datetime.min.replace(tzinfo=PLUS_7)),
    ]
    _, errors = check_delivery(LHR, "bad batch!", rows, delivered_at=NOW)
    found = {(e.path, e.code) for e in errors}
    assert found == {
        ("batch", "INVALID"),
        ("values[1]", "DUPLICATE"),
        ("values[2].field", "UNKNOWN_FIELD"),
        ("values[3].value", "WRONG_TYPE"),
        ("values[4].value", "OUT_OF_RANGE"),
        ("values[5].fetchedAt", "OUT_OF_RANGE"),
        ("values[6].fetchedAt", "OUT_OF_RANGE"),
    }
    assert all(e.message_th for e in errors)


def test_an_empty_batch_is_refused() -> None:
    _, errors = check_delivery(LHR, "b1", [], delivered_at=NOW)
    assert [(e.path, e.code) for e in errors] == [("values", "REQUIRED")]


def test_an_export_file_is_read_or_refused_by_line() -> None:
    data = (
        "\ufefflao_code,fiscal_year,field,value,fetched_at\n"
        "6110101,2570,staff,57,2026-11-30T02:00:00+07:00\n"
        "\n"
        "6110102,2570,staff,,\n"
    ).encode()
    first, second = read_export(data)
    assert first.fetched_at == dt.datetime(
        2026, 11, 30, 2, tzinfo=dt.timezone(dt.timedelta(hours=7))
    )
    assert (second.lao_code, second.value, second.fetched_at) == ("6110102", None, None)
    with pytest.raises(InvalidInput) as missing:
        read_export(b"lao_code,field,value\n")
    assert missing.value.errors[0].line == 1
    with pytest.raises(InvalidInput) as bad:
        read_export(b"lao_code,fiscal_year,field,value,fetched_at\n6110101,2570x,staff,5,\n")
    assert bad.value.errors[0].line == 2


def test_each_module_names_its_owner() -> None:
    owners = {m.code: m.owner for m in MODULES}
    assert owners["INFO"] is owners["LPA7"]
    assert owners["KPI16"].division_en == owners["MISSIONS"].division_en
    assert all(o.phone and o.extensions and o.unit_th for o in owners.values())
