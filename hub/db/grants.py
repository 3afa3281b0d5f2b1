"""People's role grants with the places they are bound to: the one query every reader uses.

The sign-in (`hub.oauth.server`, the roles a token carries), the accounts' listing
(`hub.services.accounts`) and the demo's credentials (`loaders.demo_accounts`) read the
same thing: each live grant (not revoked), oldest first, with the codes of its LAO,
district or province.

The delegation rules (`hub.rules.accounts`) also need the places above a grant's own: an
LAO grant's district and province, a district grant's province. `placed_grants` reads
every grant, live and revoked, with that chain (`grant_district`, `grant_province`, the
expressions `hub.db.visibility.managed_grants_clause` compares), and `grant_of` turns a
row of it into the rules' `Grant`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased

from hub.db.models import District, Lao, Province, RoleAssignment, User
from hub.rules.accounts import Grant


def grants_with_places(*columns: Any) -> Select[Any]:
    """Live grants, oldest first: `user_id`, `role`, `lao_id`, `district_id`, `province_id`,
    `lao_code`, `district_code`, `province_code` (None where the grant has no such place),
    then `columns` (from the grant's user, LAO, district or province; join `User` for its
    columns)."""
    return (
        select(
            RoleAssignment.user_id,
            RoleAssignment.role,
            RoleAssignment.lao_id,
            RoleAssignment.district_id,
            RoleAssignment.province_id,
            Lao.code.label("lao_code"),
            District.code.label("district_code"),
            Province.code.label("province_code"),
            *columns,
        )
        .select_from(RoleAssignment)
        .outerjoin(Lao, Lao.id == RoleAssignment.lao_id)
        .outerjoin(District, District.id == RoleAssignment.district_id)
        .outerjoin(Province, Province.id == RoleAssignment.province_id)
        .where(RoleAssignment.revoked_at.is_(None))
        .order_by(RoleAssignment.id)
    )


# The place chain of a grant over `placed_grants`' joins: its LAO's district and province,
# its district's province.
grant_district: ColumnElement[int | None] = func.coalesce(
    Lao.district_id, RoleAssignment.district_id
)
grant_province: ColumnElement[int | None] = func.coalesce(
    Lao.province_id, District.province_id, RoleAssignment.province_id
)
GrantedBy = aliased(User, name="granted_by")


def placed_grants(*columns: Any) -> Select[Any]:
    """Every grant, live and revoked, oldest first: `id`, `user_id`, `role`, `lao_id`,
    `district_id`, `province_id` (as bound), `chain_district_id`, `chain_province_id`,
    `granted_at`, `revoked_at`, `granted_by` (the username), the bound place's `lao_code`,
    `lao_name`, `district_code`, `province_code`, then `columns`."""
    bound_province = aliased(Province, name="bound_province")
    own: list[Any] = [
        RoleAssignment.id,
        RoleAssignment.user_id,
        RoleAssignment.role,
        RoleAssignment.lao_id,
        RoleAssignment.district_id,
        RoleAssignment.province_id,
        grant_district.label("chain_district_id"),
        grant_province.label("chain_province_id"),
        RoleAssignment.granted_at,
        RoleAssignment.revoked_at,
        GrantedBy.username.label("granted_by"),
        Lao.code.label("lao_code"),
        Lao.name_th.label("lao_name"),
        District.code.label("district_code"),
        bound_province.code.label("province_code"),
    ]
    return (
        select(*own, *columns)
        .select_from(RoleAssignment)
        .outerjoin(Lao, Lao.id == RoleAssignment.lao_id)
        .outerjoin(District, District.id == RoleAssignment.district_id)
        .outerjoin(bound_province, bound_province.id == RoleAssignment.province_id)
        .outerjoin(GrantedBy, GrantedBy.id == RoleAssignment.granted_by_user_id)
        .order_by(RoleAssignment.id)
    )


def grant_of(row: Any) -> Grant:
    """The rules' `Grant` of a `placed_grants` row."""
    return Grant(row.role, row.lao_id, row.chain_district_id, row.chain_province_id)
