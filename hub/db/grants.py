"""People's role grants with the places they are bound to: the one query every reader uses.

The sign-in (`hub.oauth.server`, the roles a token carries), the accounts' listing
(`hub.services.accounts`) and the demo's credentials (`loaders.demo_accounts`) read the
same thing: each live grant (not revoked), oldest first, with the codes of its LAO,
district or province.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from hub.db.models import District, Lao, Province, RoleAssignment


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
