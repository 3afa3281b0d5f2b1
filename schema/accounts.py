"""People's accounts as the API shows them: one's own (`me`) and those one manages.

An account is seen by its holder and by whoever manages one of its grants
(`hub.db.visibility.manageable_users_clause`, from the delegation table in
`hub.rules.accounts`): a DLA administrator sees the provincial officers, a provincial
officer its province's LAO administrators and district officers, an LAO administrator its
LAO's recorders and verifiers. Other accounts do not exist for the caller: `account`
answers null, `manageableAccounts` leaves them out. Names and e-mail addresses are personal
data, shown only there. Grants and pending codes are loaded per page in one statement each
(`schema.loaders`); a code itself is shown once, when it is issued, and never again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from hub.db.grants import grant_district, grant_of, grant_province
from hub.db.models import ChangeLogEntry as ChangeLogRow
from hub.db.models import District as DistrictRow
from hub.db.models import Lao as LaoRow
from hub.db.models import Province as ProvinceRow
from hub.db.models import RoleAssignment, User
from hub.db.visibility import manageable_users_clause
from hub.rules import enums
from hub.rules.accounts import decide_account, issuable_roles
from hub.rules.identity import Identity, RoleGrant
from hub.rules.thai_text import search_key
from hub.services.accounts import IssuedCode, account_state
from schema.context import Info
from schema.enums import Role as RoleEnum
from schema.enums import mirror
from schema.geography import District, Province
from schema.lao import ChangeLogEntry, Lao, change_log_statement
from schema.loaders import fetch_all, grants_by_user, open_code_by_user
from schema.pagination import (
    Connection,
    build_connection,
    decode_cursor,
    page_size,
    paginate_on,
)
from schema.permissions import RowFilter
from schema.shapes import Batched

AccountState = mirror(enums.AccountState, "สถานะบัญชี — where a person's account stands.")
AccountCodePurpose = mirror(
    enums.AccountCodePurpose, "ประเภทรหัสใช้ครั้งเดียว — what a one-time account code is for."
)


@strawberry.type(
    description="บทบาทของบัญชี — a role an account holds (or held), bound to its LAO, district "
    "or province (DLA administrators: to none)."
)
class AccountRole:
    lao_id: strawberry.Private[int | None]
    district_id: strawberry.Private[int | None]
    province_id: strawberry.Private[int | None]
    role: RoleEnum  # type: ignore[valid-type]
    granted_at: dt.datetime = strawberry.field(description="มอบเมื่อ — when it was granted.")
    granted_by: str | None = strawberry.field(
        description="ผู้มอบ — username of who granted it (null: the server's command line)."
    )
    revoked_at: dt.datetime | None = strawberry.field(
        description="ถอนเมื่อ — when it was revoked; null while it holds."
    )

    @strawberry.field(description="อปท. — the LAO (recorders, verifiers, LAO administrators).")
    async def lao(self, info: Info) -> Lao | None:
        if self.lao_id is None:
            return None
        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))

    @strawberry.field(description="อำเภอ — the district (district officers).")
    async def district(self, info: Info) -> District | None:
        if self.district_id is None:
            return None
        return District.from_row(await info.context.loaders.district.load(self.district_id))

    @strawberry.field(description="จังหวัด — the province (provincial officers).")
    async def province(self, info: Info) -> Province | None:
        if self.province_id is None:
            return None
        return Province.from_row(await info.context.loaders.province.load(self.province_id))


@strawberry.type(
    description="รหัสที่รอใช้ — a one-time code issued and not yet used (the code itself is "
    "shown only when issued)."
)
class PendingAccountCode:
    purpose: AccountCodePurpose  # type: ignore[valid-type]
    issued_at: dt.datetime
    expires_at: dt.datetime


@strawberry.type(
    description="รหัสใช้ครั้งเดียว — a one-time code, shown this once: hand it (or its link) to the "
    "person, who sets their own password with it at /oauth/activate. Stored only as a digest."
)
class AccountCode:
    code: str = strawberry.field(description="รหัส — the code, e.g. `7K3Q-9XWD-M2PA-4TNB`.")
    url: str = strawberry.field(description="ลิงก์ — the activation page with the code filled in.")
    purpose: AccountCodePurpose  # type: ignore[valid-type]
    expires_at: dt.datetime = strawberry.field(description="หมดอายุ — when it stops working.")

    @classmethod
    def of(cls, issued: IssuedCode, url: str) -> AccountCode:
        return cls(
            code=issued.code, url=url, purpose=issued.purpose.name, expires_at=issued.expires_at
        )


ACCOUNT_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.email,
    User.disabled,
    User.password_hash.is_(None).label("pending"),
    User.locked_until,
    User.created_at,
)


@strawberry.type(
    description="บัญชีผู้ใช้ — a person's account: who they are, their roles and whether they may "
    "sign in. Seen by its holder and by whoever manages one of its roles.",
    directives=[
        RowFilter(rule="account: the caller's own, or one holding a role the caller manages")
    ],
)
class Account:
    id: strawberry.Private[int]
    username: str = strawberry.field(description="ชื่อผู้ใช้ — the sign-in name.")
    display_name: str = strawberry.field(description="ชื่อ-สกุล — full name (personal data).")
    email: str | None = strawberry.field(description="อีเมล — e-mail address (personal data).")
    state: AccountState  # type: ignore[valid-type]
    locked_until: dt.datetime | None = strawberry.field(
        description="ล็อกถึง — locked after repeated wrong passwords until then; null: not locked."
    )
    created_at: dt.datetime = strawberry.field(description="ออกบัญชีเมื่อ — when it was issued.")

    @classmethod
    def from_row(cls, row: Any, now: dt.datetime) -> Account:
        locked = row.locked_until if row.locked_until and row.locked_until > now else None
        return cls(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            email=row.email,
            state=account_state(row.disabled, activated=not row.pending).name,
            locked_until=locked,
            created_at=row.created_at,
        )

    @strawberry.field(
        description="บทบาท — the roles it holds, oldest first; with `includeRevoked`, also those "
        "revoked."
    )
    async def roles(self, info: Info, include_revoked: bool = False) -> list[AccountRole]:
        grants = await info.context.loaders.grants_of_user.load(self.id)
        return roles_of(grants, include_revoked)

    @strawberry.field(
        description="รหัสที่รอใช้ — the activation or reset code waiting to be used, if one has been "
        "issued and has not expired."
    )
    async def pending_code(self, info: Info) -> PendingAccountCode | None:
        row = await info.context.loaders.open_code_of_user.load(self.id)
        return pending_code_of(row, info.context.now)

    @strawberry.field(
        description="จัดการได้ — whether the caller may disable, enable or issue a code for it "
        "(it manages every role the account holds)."
    )
    async def manageable(self, info: Info) -> bool:
        grants = await info.context.loaders.grants_of_user.load(self.id)
        return manageable_by(info.context.identity, grants)

    @strawberry.field(
        description="ออกบัญชีได้ — the roles its holder may issue to others, in their own area."
    )
    async def may_issue(self, info: Info) -> list[RoleEnum]:  # type: ignore[valid-type]
        grants = await info.context.loaders.grants_of_user.load(self.id)
        return may_issue_of(grants)


# --- an account's fields from its grants and its waiting code ---------------------------------
# One function each, called by the resolvers above (through the request's DataLoaders) and by
# the planned path (`BATCHED_FIELDS`: loaded once for every account of an answer).


def roles_of(grants: Sequence[Any], include_revoked: bool = False) -> list[AccountRole]:
    """The roles of `grants` (`schema.loaders.grants_by_user`'s rows), oldest first; the
    revoked ones only with `include_revoked`."""
    return [
        AccountRole(
            lao_id=r.lao_id,
            district_id=r.district_id,
            province_id=r.province_id,
            role=r.role.name,
            granted_at=r.granted_at,
            granted_by=r.granted_by,
            revoked_at=r.revoked_at,
        )
        for r in grants
        if include_revoked or r.revoked_at is None
    ]


def pending_code_of(row: Any, now: dt.datetime) -> PendingAccountCode | None:
    """The code waiting to be used, unless there is none or it has expired by `now`."""
    if row is None or row.expires_at <= now:
        return None
    return PendingAccountCode(
        purpose=row.purpose.name, issued_at=row.issued_at, expires_at=row.expires_at
    )


def manageable_by(identity: Identity, grants: Sequence[Any]) -> bool:
    """Whether `identity` manages every role of the account (`hub.rules.accounts`)."""
    live = [grant_of(r) for r in grants if r.revoked_at is None]
    former = [grant_of(r) for r in grants if r.revoked_at is not None]
    return decide_account(identity, live, former) is None


def may_issue_of(grants: Sequence[Any]) -> list[str]:
    """The roles the holder of `grants` may issue (`hub.rules.accounts.issuable_roles`)."""
    held = [
        RoleGrant(r.role, r.lao_id, r.district_id, r.province_id)
        for r in grants
        if r.revoked_at is None
    ]
    return [r.name for r in issuable_roles(held)]


BATCHED_FIELDS: dict[tuple[str, str], Batched] = {
    ("Account", "roles"): Batched(
        "id",
        grants_by_user,
        lambda grants, now, identity, include_revoked=False: roles_of(grants, include_revoked),
        missing=(),
    ),
    ("Account", "pendingCode"): Batched(
        "id", open_code_by_user, lambda row, now, identity: pending_code_of(row, now)
    ),
    ("Account", "manageable"): Batched(
        "id", grants_by_user, lambda grants, now, identity: manageable_by(identity, grants), ()
    ),
    ("Account", "mayIssue"): Batched(
        "id", grants_by_user, lambda grants, now, identity: may_issue_of(grants), missing=()
    ),
}


@strawberry.input(
    description="ตัวกรองบัญชี — filters for `manageableAccounts`; all given filters must match."
)
class AccountFilter:
    search: str | None = strawberry.field(
        default=None,
        description="ค้นหา — part of the username or of the name (Thai spelled either way).",
    )
    role: RoleEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="holds this role"
    )
    lao_code: str | None = strawberry.field(default=None, description="holds a role at this LAO")
    district_code: str | None = strawberry.field(
        default=None, description="holds a role in this district (an LAO of it, or the district)"
    )
    province_code: str | None = strawberry.field(
        default=None, description="holds a role in this province (an LAO, a district or itself)"
    )
    state: AccountState | None = None  # type: ignore[valid-type]


def _live_grant(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS a live grant of the outer query's user meeting `where`."""
    return (
        select(RoleAssignment.id)
        .select_from(RoleAssignment)
        .outerjoin(LaoRow, LaoRow.id == RoleAssignment.lao_id)
        .outerjoin(DistrictRow, DistrictRow.id == RoleAssignment.district_id)
        .where(RoleAssignment.user_id == User.id, RoleAssignment.revoked_at.is_(None), *where)
        .exists()
    )


def manageable_accounts(identity: Identity, f: AccountFilter) -> Select[Any]:
    """The accounts `identity` manages, filtered: one statement for a keyset page."""
    statement = select(*ACCOUNT_COLUMNS).where(manageable_users_clause(identity))
    if f.search:
        text = search_key(f.search).lower()
        statement = statement.where(
            or_(
                func.lower(User.username).contains(text, autoescape=True),
                func.lower(User.display_name).contains(text, autoescape=True),
            )
        )
    if f.role is not None:
        statement = statement.where(_live_grant(RoleAssignment.role == enums.Role[f.role.value]))
    if f.lao_code is not None:
        statement = statement.where(_live_grant(LaoRow.code == f.lao_code))
    if f.district_code is not None:
        district = select(DistrictRow.id).where(DistrictRow.code == f.district_code)
        statement = statement.where(_live_grant(grant_district == district.scalar_subquery()))
    if f.province_code is not None:
        province = select(ProvinceRow.id).where(ProvinceRow.code == f.province_code)
        statement = statement.where(_live_grant(grant_province == province.scalar_subquery()))
    if f.state is not None:
        state = enums.AccountState[f.state.value]
        if state is enums.AccountState.DISABLED:
            statement = statement.where(User.disabled.is_(True))
        else:
            pending = state is enums.AccountState.PENDING_ACTIVATION
            statement = statement.where(
                User.disabled.is_(False),
                User.password_hash.is_(None) if pending else User.password_hash.is_not(None),
            )
    return statement


def _seen_by(identity: Identity) -> ColumnElement[bool]:
    """Over `users`: the caller's own account and the accounts it manages."""
    managed = manageable_users_clause(identity)
    if identity.kind == "user" and identity.user_id is not None:
        return or_(User.id == identity.user_id, managed)
    return managed


# The roots, one function each of the engine, the arguments, the caller and the request's
# moment: the resolvers call them, and so does the planned path (`schema.root.COMPUTED_ROOTS`).


async def me_of(engine: Any, *, identity: Identity, now: dt.datetime) -> Account | None:
    """`Query.me`: the signed-in person's own account (None for a client or the public)."""
    if identity.kind != "user" or identity.user_id is None:
        return None
    return await account_by_id(engine, identity.user_id, now)


async def account_by_id(engine: Any, user_id: int, now: dt.datetime) -> Account | None:
    """The account with this id, read afresh (after a mutation's commit)."""
    rows = await fetch_all(engine, select(*ACCOUNT_COLUMNS).where(User.id == user_id))
    return Account.from_row(rows[0], now) if rows else None


async def account_of(
    engine: Any, username: str, *, identity: Identity, now: dt.datetime
) -> Account | None:
    """`Query.account`: one account the caller sees, by username (None otherwise)."""
    statement = select(*ACCOUNT_COLUMNS).where(User.username == username, _seen_by(identity))
    rows = await fetch_all(engine, statement)
    return Account.from_row(rows[0], now) if rows else None


async def manageable_accounts_of(
    engine: Any,
    filter: AccountFilter | None = None,
    first: int | None = None,
    after: str | None = None,
    *,
    identity: Identity,
    now: dt.datetime,
) -> Connection[Account]:
    """`Query.manageableAccounts`: a page of the accounts the caller manages, filtered."""
    statement = manageable_accounts(identity, filter or AccountFilter())
    return await paginate_on(
        engine, statement, User.id, first, after, lambda r: Account.from_row(r, now)
    )


async def account_change_log_of(
    engine: Any,
    username: str,
    first: int | None = None,
    after: str | None = None,
    *,
    identity: Identity,
) -> Connection[ChangeLogEntry] | None:
    """`Query.accountChangeLog`: the account's change log, newest first (None for an account
    the caller does not see)."""
    found = await fetch_all(
        engine, select(User.id).where(User.username == username, _seen_by(identity))
    )
    if not found:
        return None
    size = page_size(first)
    after_key = decode_cursor(after)
    entity = and_(ChangeLogRow.entity == "users", ChangeLogRow.entity_id == str(found[0].id))
    total = (await fetch_all(engine, select(func.count()).select_from(ChangeLogRow).where(entity)))[
        0
    ][0]
    statement = change_log_statement().where(entity)
    if after_key is not None:
        statement = statement.where(ChangeLogRow.id < after_key)
    rows = await fetch_all(engine, statement.order_by(ChangeLogRow.id.desc()).limit(size + 1))
    return build_connection(
        [(ChangeLogEntry.from_row(r), r.id) for r in rows], size, total, after_key
    )


__all__ = [
    "Account",
    "AccountCode",
    "AccountCodePurpose",
    "AccountFilter",
    "AccountRole",
    "AccountState",
    "PendingAccountCode",
]
