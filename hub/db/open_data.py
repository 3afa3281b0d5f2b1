"""What open data is published, and when it last changed: one statement for all fiscal years.

Per fiscal year: its dates, how many LAO-years the public sees (the row rule's public states,
`hub.rules.permissions.PUBLIC_STATES`) and the moment of its last certification event (a
certification or a cancellation). These are counts and moments, no LAO's data: they decide the
catalogue's `modified` dates and the files' ETags (`hub.rules.open_data`).
"""

from __future__ import annotations

from sqlalchemy import func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import CertificationEvent, FiscalYear, LaoYear
from hub.db.models.base import UtcDateTime
from hub.rules.open_data import YearStamp
from hub.rules.permissions import PUBLIC_STATES


async def year_stamps(conn: AsyncConnection) -> list[YearStamp]:
    """Every fiscal year, oldest first."""
    public = (
        select(func.count())
        .select_from(LaoYear)
        .where(LaoYear.fiscal_year == FiscalYear.year_be, LaoYear.state.in_(PUBLIC_STATES))
        .scalar_subquery()
    )
    changed = (
        select(func.max(CertificationEvent.at))
        .join(LaoYear, LaoYear.id == CertificationEvent.lao_year_id)
        .where(LaoYear.fiscal_year == FiscalYear.year_be)
        .scalar_subquery()
    )
    statement = select(
        FiscalYear.year_be,
        FiscalYear.starts_on,
        FiscalYear.ends_on,
        public,
        # A scalar subquery loses the column's type (SQLite would answer text): restore it.
        type_coerce(changed, UtcDateTime()),
    ).order_by(FiscalYear.year_be)
    rows = (await conn.execute(statement)).all()
    return [YearStamp(r[0], r[1], r[2], r[3], r[4]) for r in rows]
