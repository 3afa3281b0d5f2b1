"""The caller's row filter in SQL: `hub.rules.permissions`' read rule over many rows at once.

`visible_lao_years_clause` is `can_read_lao_year` as a WHERE clause over `lao_years` joined
to `laos`, `covered_laos_clause` is `covers_lao` over `laos`, and
`visible_assessor_grants_clause` is `can_read_assessors_of` over `role_assignments`: the same
tables (`PUBLIC_STATES`, `DISTRICT_SUPERVISED_TYPES`) and the same identity accessors, so the
per-object decision and the row filter read one declaration. `covered_laos_clause` is also the
row filter of mission help requests (`can_read_mission_help`); `kpi16_references_clause` and
`kpi16_report_areas_clause` are the KPI-16 rows of `hub.rules.permissions`' table.

`managed_grants_clause` is `hub.rules.accounts.manages` over grants (`hub.db.grants.
placed_grants`' joins), from the same `MANAGES` table and `SCOPE` of each role; and
`manageable_users_clause` lists the accounts a manager sees: those holding a live grant it
manages, or, holding none, a former one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from hub.db.grants import grant_district, grant_province
from hub.db.models import District, Kpi16Reference, Lao, LaoYear, RoleAssignment, User
from hub.rules.accounts import MANAGES, SCOPE, CommandLine, Manager
from hub.rules.enums import Kpi16ReportLevel
from hub.rules.identity import Identity
from hub.rules.permissions import DISTRICT_SUPERVISED_TYPES, PUBLIC_STATES


def covered_laos_clause(identity: Identity) -> ColumnElement[bool]:
    """SQL over `laos`: the LAOs `covers_lao` is true for (the row filter's second half)."""
    if identity.is_dla_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if ids := identity.staff_lao_ids():
        clauses.append(Lao.id.in_(ids))
    if ids := identity.province_ids():
        clauses.append(Lao.province_id.in_(ids))
    if ids := identity.district_ids():
        clauses.append(and_(Lao.district_id.in_(ids), Lao.type.in_(DISTRICT_SUPERVISED_TYPES)))
    return or_(*clauses) if clauses else false()


def visible_lao_years_clause(identity: Identity) -> ColumnElement[bool]:
    """SQL over `lao_years` joined to `laos`: the LAO-years whose domain data the caller sees."""
    if identity.is_dla_admin:
        return true()
    clauses = [LaoYear.state.in_(PUBLIC_STATES), covered_laos_clause(identity)]
    if ids := identity.assessed_province_ids():  # `assesses_lao`
        clauses.append(Lao.province_id.in_(ids))
    return or_(*clauses)


def visible_assessor_grants_clause(identity: Identity) -> ColumnElement[bool]:
    """SQL over `role_assignments`: the LPA-assessor appointments the caller may list."""
    if identity.is_dla_admin:
        return true()
    ids = identity.province_ids() | identity.assessed_province_ids()
    return RoleAssignment.province_id.in_(ids) if ids else false()


def kpi16_references_clause(identity: Identity) -> ColumnElement[bool]:
    """SQL over `kpi16_references` outer-joined to `laos` (the reference's LAO): the references
    the caller works from. A district office sees its LAOs' of every type, because the
    district is assessed on all of them (`hub.db.kpi16` counts them so)."""
    if identity.is_dla_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if ids := identity.province_ids():
        clauses.append(Kpi16Reference.province_id.in_(ids))
    if ids := identity.district_ids():
        clauses.append(Lao.district_id.in_(ids))
    if ids := identity.staff_lao_ids():
        clauses.append(Kpi16Reference.lao_id.in_(ids))
    return or_(*clauses) if clauses else false()


def kpi16_report_areas_clause(
    identity: Identity, level: Kpi16ReportLevel, province_id: Any, district_id: Any
) -> ColumnElement[bool]:
    """`can_read_kpi16_report` over rows whose area is (`province_id`, `district_id`) columns."""
    if identity.is_dla_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if ids := identity.province_ids():
        clauses.append(province_id.in_(ids))
    if level is Kpi16ReportLevel.DISTRICT and (ids := identity.district_ids()):
        clauses.append(district_id.in_(ids))
    return or_(*clauses) if clauses else false()


def managed_grants_clause(by: Manager) -> ColumnElement[bool]:
    """SQL over `placed_grants`' joins: the grants `by` manages (`manages` for each of its
    grants)."""
    if isinstance(by, CommandLine):
        return true()
    clauses: list[ColumnElement[bool]] = []
    for g in by.grants:
        roles = MANAGES.get(g.role, ())
        if not roles:
            continue
        role_in = RoleAssignment.role.in_(roles)
        scope = SCOPE[g.role]
        if scope == "nation":
            clauses.append(role_in)
        elif scope == "province":
            clauses.append(and_(role_in, grant_province == g.province_id))
        elif scope == "district":
            clauses.append(and_(role_in, grant_district == g.district_id))
        else:
            clauses.append(and_(role_in, RoleAssignment.lao_id == g.lao_id))
    return or_(*clauses) if clauses else false()


def _grant_of_user(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS a grant of the outer query's user (`users`) meeting `where`."""
    return (
        select(RoleAssignment.id)
        .select_from(RoleAssignment)
        .outerjoin(Lao, Lao.id == RoleAssignment.lao_id)
        .outerjoin(District, District.id == RoleAssignment.district_id)
        .where(RoleAssignment.user_id == User.id, *where)
        .exists()
    )


def manageable_users_clause(by: Manager) -> ColumnElement[bool]:
    """SQL over `users`: the accounts `by` manages one grant of (live; or, when the account
    holds no live grant, former). Whether it may disable the account is decided per account
    (`hub.rules.accounts.decide_account`: every live grant must be its)."""
    if isinstance(by, CommandLine):
        return true()
    managed = managed_grants_clause(by)
    live = RoleAssignment.revoked_at.is_(None)
    return or_(
        _grant_of_user(live, managed),
        and_(~_grant_of_user(live), _grant_of_user(managed)),
    )
