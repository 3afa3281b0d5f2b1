"""The shipped geography and the official-registry importer."""

import asyncio
import gzip
from collections import Counter

import pytest
from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import District, Province, Subdistrict
from loaders.geography import (
    COLUMNS,
    SHIPPED_GEOGRAPHY,
    GeographyError,
    load_geography,
    parse_registry,
    read_registry,
)


def test_shipped_file_has_the_whole_country_in_dopa_codes():
    rows = read_registry(SHIPPED_GEOGRAPHY)
    assert len(rows) == 7427
    assert len({r.province_code for r in rows}) == 77
    assert len({r.district_code for r in rows}) == 929
    assert {r.province_code for r in rows if r.province_name_th == "กรุงเทพมหานคร"} == {"10"}
    assert {r.province_code for r in rows if r.province_name_th == "เชียงใหม่"} == {"50"}
    assert all(r.district_code.startswith(r.province_code) for r in rows)
    assert all(r.subdistrict_code.startswith(r.district_code) for r in rows)
    bangkok_districts = {r.district_code for r in rows if r.province_code == "10"}
    assert min(bangkok_districts) == "1001"  # the source lists 51 Bangkok districts


def _registry_text(rows):
    lines = [",".join(COLUMNS)]
    lines += [",".join(row) for row in rows]
    return "\n".join(lines) + "\n"


GOOD_ROW = [
    "50",
    "เชียงใหม่",
    "Chiang Mai",
    "5001",
    "เมืองเชียงใหม่",
    "500101",
    "ศรีภูมิ",
    "50200",
    "18.79",
    "98.98",
]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (0, "5", "province_code must be 2 digits"),
        (3, "6001", "district_code must be 4 digits starting with 50"),
        (5, "500201", "subdistrict_code must be 6 digits starting with 5001"),
        (7, "5020", "postcode must be 5 digits"),
        (8, "1.5", "latitude: 1.5 is outside Thailand"),
        (9, "east", "longitude: not a number"),
        (6, "", "subdistrict_name_th is empty"),
    ],
)
def test_a_bad_registry_row_is_refused_naming_line_and_column(column, value, message):
    row = list(GOOD_ROW)
    row[column] = value
    with pytest.raises(GeographyError, match=f"registry:3: {message}"):
        parse_registry(_registry_text([[*GOOD_ROW[:5], "500102", "ช้างม่อย", *GOOD_ROW[7:]], row]))


def test_a_registry_without_the_expected_columns_is_refused():
    with pytest.raises(GeographyError, match="missing column"):
        parse_registry("code,name\n10,x\n")


def test_registry_names_are_stored_in_the_spelling_searches_use():
    # "ปากน้ำ" typed with a decomposed SARA AM (NIKHAHIT, tone mark, SARA AA), as some
    # keyboards and OCR produce it: stored as such, no search for the name would find it.
    typed = "ปากน\u0e4d\u0e49\u0e32"
    row = [*GOOD_ROW[:6], typed, *GOOD_ROW[7:]]
    (parsed,) = parse_registry(_registry_text([row]))
    assert parsed.subdistrict_name_th == "ปากน\u0e49\u0e33"


async def _counts(url):
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [
                (await conn.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (Province, District, Subdistrict)
            ]
    finally:
        await engine.dispose()


def test_loading_the_shipped_geography_twice_changes_nothing(migrated_database_url):
    rows = read_registry(SHIPPED_GEOGRAPHY)

    async def load():
        engine = create_engine(migrated_database_url)
        try:
            async with engine.begin() as conn:
                return await load_geography(conn, rows)
        finally:
            await engine.dispose()

    first = asyncio.run(load())
    assert first.inserted == {"provinces": 77, "districts": 929, "subdistricts": 7427}
    second = asyncio.run(load())
    assert second.inserted == {"provinces": 0, "districts": 0, "subdistricts": 0}
    assert asyncio.run(_counts(migrated_database_url)) == [77, 929, 7427]


def test_an_official_registry_recodes_existing_rows_by_name_keeping_their_ids(
    migrated_database_url,
):
    shipped = [r for r in read_registry(SHIPPED_GEOGRAPHY) if r.province_code in ("10", "50")]
    # An "official" registry whose Chiang Mai district codes are the shipped ones reversed.
    cm_districts = sorted({r.district_code for r in shipped if r.province_code == "50"})
    swap = dict(zip(cm_districts, reversed(cm_districts), strict=True))
    official = [
        r.__class__(
            **{
                **r.__dict__,
                "district_code": swap.get(r.district_code, r.district_code),
                "subdistrict_code": swap.get(r.district_code, r.district_code)
                + r.subdistrict_code[4:],
            }
        )
        for r in shipped
    ]

    async def run():
        engine = create_engine(migrated_database_url)
        try:
            async with engine.begin() as conn:
                await load_geography(conn, shipped)
                before = dict(
                    (
                        await conn.execute(
                            select(District.name_th, District.id)
                            .join(Province)
                            .where(Province.code == "50")
                        )
                    ).all()
                )
                report = await load_geography(conn, official)
                after = dict(
                    (
                        await conn.execute(
                            select(District.name_th, District.id)
                            .join(Province)
                            .where(Province.code == "50")
                        )
                    ).all()
                )
                codes = dict(
                    (
                        await conn.execute(
                            select(District.name_th, District.code)
                            .join(Province)
                            .where(Province.code == "50")
                        )
                    ).all()
                )
                return before, after, codes, report
        finally:
            await engine.dispose()

    before, after, codes, report = asyncio.run(run())
    assert before == after  # same ids
    assert report.inserted["districts"] == 0
    first_name = next(r.district_name_th for r in shipped if r.district_code == cm_districts[0])
    assert codes[first_name] == cm_districts[-1]


def test_the_shipped_file_is_reproducible_from_the_source(tmp_path):
    source = SHIPPED_GEOGRAPHY.parents[3] / "shared" / "data" / "thai_subdistricts.csv"
    if not source.exists():
        pytest.skip("the source CSV sits outside this checkout")
    from loaders.build_geography import build

    target = tmp_path / "geo.csv.gz"
    build(source, target)
    assert gzip.decompress(target.read_bytes()) == gzip.decompress(SHIPPED_GEOGRAPHY.read_bytes())
    assert Counter(len(r.subdistrict_code) for r in read_registry(target)) == {6: 7427}
