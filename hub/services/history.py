"""Importing historical years in the pre-2020 shape (issue 14 §1), all or nothing.

`import_history` takes a checked file (`hub.rules.history_file`) and, in one transaction:

* creates each fiscal year it names that the hub does not hold yet, marked
  `catalogue_shape = PRE_2020` and closed (a historical year is read-only for every role);
  a year the hub holds in the current shape is refused;
* creates each LAO's year of it as the old system published it (PROVINCE_CERTIFIED, with no
  certification history: the hub did not certify it) and stores each domain's values in
  `historical_sections` (a later import of the same LAO-year and domain replaces the fields
  it names, keeping the others);
* logs one change-log entry per LAO-year and domain with the values before and after, and
  the file's name and SHA-256 digest as the reason.

A historical year is never mapped onto today's domains: it is read with
`LaoYear.historicalSections` (and `catalogue(fiscalYear:)` of its year), and its current-shape
sections stay empty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import certification_counts
from hub.db.models import FiscalYear, HistoricalSection, Lao, LaoCode, LaoYear
from hub.rules import history_file
from hub.rules.catalogue_years import CatalogueShape
from hub.rules.enums import CertificationState
from hub.rules.problems import validation_failed
from hub.rules.validation import FieldError
from hub.services import audit
from hub.services.audit import Actor, now

IMPORTER = Actor(name="history import")


@dataclass(frozen=True)
class Imported:
    fiscal_years: tuple[int, ...]  # the years the file names
    created_years: tuple[int, ...]  # of which the hub did not hold yet
    lao_years: int
    sections: int
    values: int
    digest: str


def _error(code: str, column: str, en: str, th: str) -> FieldError:
    return FieldError(f"file.{column}", code, en, th, column=column)


async def import_history(writer: AsyncEngine, data: bytes, *, source: str) -> Imported:
    """Import the file's values (see the module docstring); a refusal changes nothing."""
    checked, errors = history_file.read(data)
    if errors:
        raise validation_failed(errors)
    digest = hashlib.sha256(data).hexdigest()
    stamp = now()
    reason = f"นำเข้าข้อมูลย้อนหลัง / history import: {source} (sha256 {digest})"
    codes = sorted({code for code, _ in checked.values})
    years = sorted({year for _, year in checked.values})
    async with writer.begin() as conn:
        found = await conn.execute(
            select(Lao.id, Lao.code)
            .where(Lao.code.in_(codes))
            .union_all(select(LaoCode.lao_id, LaoCode.code).where(LaoCode.code.in_(codes)))
        )
        lao_of = {code: lao_id for lao_id, code in found}
        unknown = [c for c in codes if c not in lao_of]
        if unknown:
            raise validation_failed(
                [
                    _error(
                        "NOT_FOUND", "lao_code", f"no LAO has the code {c}", f"ไม่พบ อปท. รหัส {c}"
                    )
                    for c in unknown
                ]
            )
        held = {
            row.year_be: row.catalogue_shape
            for row in await conn.execute(
                select(FiscalYear.year_be, FiscalYear.catalogue_shape).where(
                    FiscalYear.year_be.in_(years)
                )
            )
        }
        current = [y for y, shape in held.items() if shape != CatalogueShape.PRE_2020.value]
        if current:
            raise validation_failed(
                [
                    _error(
                        "INVALID_STATE",
                        "fiscal_year",
                        f"fiscal year {y} is held in the current shape",
                        f"ปีงบประมาณ {y} มีข้อมูลรูปแบบปัจจุบันอยู่แล้ว",
                    )
                    for y in current
                ]
            )
        created = [y for y in years if y not in held]
        for year in created:
            ce = year - 543
            await conn.execute(
                insert(FiscalYear).values(
                    year_be=year,
                    starts_on=dt.date(ce - 1, 10, 1),
                    ends_on=dt.date(ce, 9, 30),
                    record_deadline=dt.date(ce, 9, 30),
                    opened_at=stamp,
                    closed_at=stamp,
                    catalogue_shape=CatalogueShape.PRE_2020.value,
                )
            )
        pairs = {(lao_of[code], year) for code, year in checked.values}
        lao_ids = sorted({lao for lao, _ in pairs})
        existing = {
            (r.lao_id, r.fiscal_year): r.id
            for r in await conn.execute(
                select(LaoYear.id, LaoYear.lao_id, LaoYear.fiscal_year).where(
                    LaoYear.lao_id.in_(lao_ids), LaoYear.fiscal_year.in_(years)
                )
            )
        }
        for lao_id, year in sorted(pairs - set(existing)):
            result = await conn.execute(
                insert(LaoYear)
                .values(
                    lao_id=lao_id,
                    fiscal_year=year,
                    state=CertificationState.PROVINCE_CERTIFIED,
                    created_at=stamp,
                    updated_at=stamp,
                )
                .returning(LaoYear.id)
            )
            existing[(lao_id, year)] = result.scalar_one()
        # Historical LAO-years arrive certified by their province: counted where they stand.
        await certification_counts.rebuild(conn, years)
        ids = sorted(existing[p] for p in pairs)
        stored = {
            (r.lao_year_id, r.domain): json.loads(r.values_json)
            for r in await conn.execute(
                select(
                    HistoricalSection.lao_year_id,
                    HistoricalSection.domain,
                    HistoricalSection.values_json,
                ).where(HistoricalSection.lao_year_id.in_(ids))
            )
        }
        entries: list[audit.Entry] = []
        sections = values = 0
        for (code, year), domains in sorted(checked.values.items()):
            lao_id = lao_of[code]
            lao_year_id = existing[(lao_id, year)]
            for number, given in sorted(domains.items()):
                before = stored.get((lao_year_id, number))
                after: dict[str, Any] = {**(before or {}), **given}
                text = json.dumps(after, ensure_ascii=False, sort_keys=True)
                if before is None:
                    await conn.execute(
                        insert(HistoricalSection).values(
                            lao_year_id=lao_year_id,
                            domain=number,
                            values_json=text,
                            imported_at=stamp,
                        )
                    )
                else:
                    await conn.execute(
                        update(HistoricalSection)
                        .where(
                            HistoricalSection.lao_year_id == lao_year_id,
                            HistoricalSection.domain == number,
                        )
                        .values(values_json=text, imported_at=stamp)
                    )
                sections += 1
                values += len(given)
                changes = {name: ((before or {}).get(name), value) for name, value in given.items()}
                entries.append(
                    audit.Entry(
                        HistoricalSection.__tablename__,
                        f"{lao_year_id}:{number}",
                        "import",
                        changes,
                        lao_id,
                        reason,
                    )
                )
        await audit.append_many(conn, IMPORTER, entries, at=stamp)
    return Imported(
        fiscal_years=tuple(years),
        created_years=tuple(created),
        lao_years=len(pairs),
        sections=sections,
        values=values,
        digest=digest,
    )
