"""People's accounts, delegated down the chain, and API clients (`hub users …`, `hub clients …`).

One set of functions serves the GraphQL API (`schema.mutations.accounts`, a caller's
`Identity`) and the server's command line (`hub.cli.accounts`, `COMMAND_LINE`, which may do
everything, DLA administrators included). Who may do what is `hub.rules.accounts`; each
write is one transaction with its entry in the change log (`hub.services.audit`), naming
the account by its username and place, never a name, e-mail, password or code.

* `issue_account` creates a person with one role and returns a one-time activation code
  (no password travels: the person sets their own at `/oauth/activate`, `redeem_code`).
  `issue_code` gives an account a new code: an activation code while it was never
  activated, else a reset code for a forgotten password. Codes are stored as SHA-256,
  used once, expire after `HUB_ACCOUNT_CODE_TTL`, and a newer code revokes the older one.
* `grant_role`, `revoke_role` add and remove grants. Revoking ends the person's sign-ins
  (refresh-token families revoked), so no access token carrying the old role works on.
* `set_disabled` disables (or enables) an account: its sign-ins and its pending code end at
  once, and the resource server refuses its access tokens on their next request
  (`hub.oauth.revocation`); enabling revives none of them.
* `change_own_password` (the old password required; failures count towards the sign-in
  lockout) and `update_own_account` are a person's own.

A manager's rights are read from the database in the same transaction: a person acting
through a token acts with the live grants it still holds (and its token carries), and a
disabled person acts with none. Refusals are the hub's problems (`Forbidden`, `NotFound`,
`InvalidInput` naming the field by its API name). Client administration (the command line
only) raises `AdminError`, whose message says why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import revocation_epoch
from hub.db.grants import grant_of, grants_with_places, placed_grants
from hub.db.models import (
    AccountCode,
    ApiClient,
    ClientRegistration,
    District,
    Lao,
    Province,
    RefreshToken,
    RoleAssignment,
    User,
)
from hub.db.models.base import utcnow
from hub.rules.accounts import (
    COMMAND_LINE,
    DISPLAY_NAME_MAX,
    EMAIL,
    EMAIL_MAX,
    MANAGES,
    PLACE_ARGUMENT,
    REASON_MAX,
    SCOPE,
    CommandLine,
    Grant,
    Manager,
    Scope,
    check_place,
    code_digest,
    decide_account,
    decide_grant,
    decide_grant_to_account,
    new_code,
    normal_code,
    username_problem,
)
from hub.rules.enums import AccountCodePurpose, AccountState, Role
from hub.rules.identity import ALL_SCOPES, Identity
from hub.rules.passwords import hash_password_async, password_problems, verify_password_async
from hub.rules.problems import Forbidden, InvalidInput, NotFound, invalid, validation_failed
from hub.rules.thai_text import search_key
from hub.rules.validation import FieldError
from hub.services import audit

__all__ = [
    "COMMAND_LINE",
    "AdminError",
    "IssuedCode",
    "UserRow",
    "account_state",
    "change_own_password",
    "create_client",
    "create_user",
    "grant_role",
    "issue_account",
    "issue_code",
    "list_clients",
    "list_users",
    "redeem_code",
    "revoke_role",
    "rotate_client_secret",
    "set_client_disabled",
    "set_disabled",
    "update_own_account",
]


class AdminError(ValueError):
    """The request cannot be done as asked; the message says why."""


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24)


# --- people: reading what the rules need -------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """A one-time code just issued: `code` is shown once and stored only as its digest."""

    user_id: int
    username: str
    code: str
    purpose: AccountCodePurpose
    expires_at: dt.datetime


@dataclass(frozen=True)
class _Held:
    """An account's grants: live (with their row ids) and former."""

    live: list[tuple[int, Grant]]
    former: list[Grant]

    @property
    def live_grants(self) -> list[Grant]:
        return [g for _, g in self.live]

    def lao_id(self) -> int | None:
        """The one LAO every grant of the account is bound to (its change-log entries then
        appear in that LAO's log); None otherwise."""
        laos = {g.lao_id for g in [*self.live_grants, *self.former]}
        return laos.pop() if len(laos) == 1 else None


def account_state(disabled: bool, activated: bool) -> AccountState:
    """Disabled, else active once its holder has set a password with the activation code."""
    if disabled:
        return AccountState.DISABLED
    return AccountState.ACTIVE if activated else AccountState.PENDING_ACTIVATION


def _actor(by: Manager, acting: Sequence[Role] = (), place: Any = None) -> audit.Actor:
    if isinstance(by, CommandLine):
        return audit.Actor(name="command line")
    return audit.actor_of(by, acting, place)


def _managers_of(role: Role) -> tuple[Role, ...]:
    return tuple(m for m, roles in MANAGES.items() if role in roles)


async def _manager(conn: AsyncConnection, by: Manager) -> Manager:
    """`by` as the database knows it now: a person of this hub acts with the live grants it
    still holds and its token carries; a disabled person cannot act."""
    if isinstance(by, CommandLine) or by.user_id is None:
        return by
    disabled = (
        await conn.execute(select(User.disabled).where(User.id == by.user_id))
    ).scalar_one_or_none()
    if disabled is None or disabled:
        raise Forbidden("Your account is disabled.", "บัญชีของคุณถูกระงับการใช้งาน")
    rows = (
        await conn.execute(
            select(
                RoleAssignment.role,
                RoleAssignment.lao_id,
                RoleAssignment.district_id,
                RoleAssignment.province_id,
            ).where(RoleAssignment.user_id == by.user_id, RoleAssignment.revoked_at.is_(None))
        )
    ).all()
    live = {tuple(r) for r in rows}
    grants = tuple(g for g in by.grants if (g.role, g.lao_id, g.district_id, g.province_id) in live)
    return dataclasses.replace(by, grants=grants)


async def _target(
    conn: AsyncConnection,
    role: Role,
    lao_code: str | None,
    district_code: str | None,
    province_code: str | None,
) -> tuple[Grant, str | None]:
    """The grant of `role` at the place given by code, with its place chain, and the code."""
    codes: dict[Scope, str | None] = {
        "lao": lao_code,
        "district": district_code,
        "province": province_code,
    }
    problem = check_place(role, codes)
    if problem is not None:
        raise problem
    scope = SCOPE[role]
    if scope == "nation":
        return Grant(role), None
    code = codes[scope] or ""
    if scope == "lao":
        statement: Any = select(Lao.id, Lao.district_id, Lao.province_id).where(Lao.code == code)
        what = (f"LAO {code}", f" อปท. รหัส {code}")
    elif scope == "district":
        statement = select(District.id, District.province_id).where(District.code == code)
        what = (f"District {code}", f"อำเภอรหัส {code}")
    else:
        statement = select(Province.id).where(Province.code == code)
        what = (f"Province {code}", f"จังหวัดรหัส {code}")
    row = (await conn.execute(statement)).first()
    if row is None:
        raise NotFound(f"{what[0]} was not found.", f"ไม่พบ{what[1]}", field=PLACE_ARGUMENT[scope])
    if scope == "lao":
        return Grant(role, row.id, row.district_id, row.province_id), code
    if scope == "district":
        return Grant(role, district_id=row.id, province_id=row.province_id), code
    return Grant(role, province_id=row.id), code


def _bound(grant: Grant) -> dict[str, int | None]:
    """The columns a grant is stored with: only its own place."""
    scope = SCOPE[grant.role]
    return {
        "lao_id": grant.lao_id if scope == "lao" else None,
        "district_id": grant.district_id if scope == "district" else None,
        "province_id": grant.province_id if scope == "province" else None,
    }


def _place_change(grant: Grant, code: str | None) -> dict[str, tuple[Any, Any]]:
    scope = SCOPE[grant.role]
    return {} if scope == "nation" else {PLACE_ARGUMENT[scope]: (None, code)}


async def _account(conn: AsyncConnection, username: str) -> Any:
    """The account by username, locked until the transaction ends (PostgreSQL; SQLite's
    writer holds the database), so two managers' changes to it are serialised."""
    row = (
        await conn.execute(
            select(User.id, User.username, User.disabled, User.password_hash)
            .where(User.username == username)
            .with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Account {username} was not found.", f"ไม่พบบัญชี {username}", field="username"
        )
    return row


async def _held(conn: AsyncConnection, user_id: int) -> _Held:
    rows = (await conn.execute(placed_grants().where(RoleAssignment.user_id == user_id))).all()
    return _Held(
        live=[(r.id, grant_of(r)) for r in rows if r.revoked_at is None],
        former=[grant_of(r) for r in rows if r.revoked_at is not None],
    )


async def _end_sign_ins(conn: AsyncConnection, user_id: int, keep: str | None = None) -> None:
    """Revoke the person's refresh-token families (all, or all but `keep`): their access
    tokens are refused from the next request on (`hub.oauth.revocation`)."""
    where = [RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)]
    if keep is not None:
        where.append(RefreshToken.family_id != keep)
    revocation_epoch.bump()  # this worker stops reusing verified tokens at once
    await conn.execute(update(RefreshToken).where(*where).values(revoked_at=utcnow()))


async def _revoke_codes(conn: AsyncConnection, user_id: int, at: dt.datetime) -> None:
    await conn.execute(
        update(AccountCode)
        .where(
            AccountCode.user_id == user_id,
            AccountCode.used_at.is_(None),
            AccountCode.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )


async def _new_code(
    conn: AsyncConnection,
    by: Manager,
    user_id: int,
    username: str,
    purpose: AccountCodePurpose,
    ttl: int,
    at: dt.datetime,
) -> IssuedCode:
    """A fresh code for the person (any older one revoked)."""
    await _revoke_codes(conn, user_id, at)
    code = new_code()
    expires_at = at + dt.timedelta(seconds=ttl)
    await conn.execute(
        insert(AccountCode).values(
            user_id=user_id,
            purpose=purpose,
            code_hash=code_digest(normal_code(code) or ""),
            issued_by_user_id=None if isinstance(by, CommandLine) else by.user_id,
            issued_at=at,
            expires_at=expires_at,
        )
    )
    return IssuedCode(user_id, username, code, purpose, expires_at)


def _clean_text(value: str | None, path: str, limit: int, errors: list[FieldError]) -> str | None:
    """Trimmed, in the spelling names are stored in; None when blank."""
    if value is None:
        return None
    text = search_key(value).strip()
    if len(text) > limit:
        errors.append(
            FieldError(
                path,
                "TOO_LONG",
                f"{path}: at most {limit} characters",
                f"{path}: ไม่เกิน {limit} ตัวอักษร",
            )
        )
    return text or None


def _profile_errors(
    display_name: str | None, email: str | None, *, name_required: bool
) -> tuple[str | None, str | None, list[FieldError]]:
    errors: list[FieldError] = []
    name = _clean_text(display_name, "displayName", DISPLAY_NAME_MAX, errors)
    if name_required and not name:
        errors.append(
            FieldError("displayName", "REQUIRED", "displayName: required", "ชื่อ-สกุล: ต้องระบุ")
        )
    mail = _clean_text(email, "email", EMAIL_MAX, errors)
    if mail and not EMAIL.fullmatch(mail):
        errors.append(
            FieldError(
                "email",
                "INVALID",
                "email: not an e-mail address",
                "อีเมล: รูปแบบไม่ถูกต้อง",
            )
        )
    return name, mail, errors


def _reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise invalid(
            "reason",
            "TOO_LONG",
            f"reason: at most {REASON_MAX} characters",
            f"เหตุผล: ไม่เกิน {REASON_MAX} ตัวอักษร",
        )
    return text or None


# --- people: issuing and managing ---------------------------------------------------------------


async def issue_account(
    engine: AsyncEngine,
    by: Manager,
    *,
    username: str,
    display_name: str,
    role: Role,
    lao_code: str | None = None,
    district_code: str | None = None,
    province_code: str | None = None,
    email: str | None = None,
    code_ttl: int,
) -> IssuedCode:
    """A new person holding `role` at the place given by code, and their activation code."""
    name, mail, errors = _profile_errors(display_name, email, name_required=True)
    bad_username = username_problem(username)
    if bad_username is not None:
        errors = [*bad_username.errors, *errors]
    try:
        async with engine.begin() as conn:
            manager = await _manager(conn, by)
            target, code = await _target(conn, role, lao_code, district_code, province_code)
            refused = decide_grant(manager, target)
            if refused is not None:
                raise refused
            if errors:
                raise validation_failed(errors)
            if (await conn.execute(select(User.id).where(User.username == username))).first():
                raise _taken(username)
            at = audit.now()
            user_id = (
                await conn.execute(
                    insert(User)
                    .values(
                        username=username,
                        display_name=name,
                        email=mail,
                        password_hash=None,
                        disabled=False,
                        failed_logins=0,
                        is_demo=False,
                        created_at=at,
                    )
                    .returning(User.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(RoleAssignment).values(
                    user_id=user_id,
                    role=role,
                    granted_by_user_id=None if isinstance(by, CommandLine) else by.user_id,
                    granted_at=at,
                    **_bound(target),
                )
            )
            issued = await _new_code(
                conn, by, user_id, username, AccountCodePurpose.ACTIVATION, code_ttl, at
            )
            await audit.append(
                conn,
                _actor(manager, _managers_of(role)),
                entity="users",
                entity_id=user_id,
                action="issue_account",
                changes={
                    "username": (None, username),
                    "role": (None, role.name),
                    **_place_change(target, code),
                    "activationCodeExpiresAt": (None, issued.expires_at),
                },
                lao_id=target.lao_id,
                at=at,
            )
            return issued
    except IntegrityError:  # the same username issued at the same moment
        raise _taken(username) from None


def _taken(username: str) -> InvalidInput:
    return invalid(
        "username",
        "TAKEN",
        f"the username {username} is taken: choose another, or grant a role to that account",
        f"ชื่อผู้ใช้ {username} มีผู้ใช้แล้ว: เลือกชื่ออื่น หรือมอบบทบาทให้บัญชีนั้น",
    )


async def grant_role(
    engine: AsyncEngine,
    by: Manager,
    username: str,
    role: Role,
    *,
    lao_code: str | None = None,
    district_code: str | None = None,
    province_code: str | None = None,
) -> int:
    """Add `role` at the place given by code to an existing account; returns its id."""
    async with engine.begin() as conn:
        manager = await _manager(conn, by)
        target, code = await _target(conn, role, lao_code, district_code, province_code)
        account = await _account(conn, username)
        held = await _held(conn, account.id)
        refused = decide_grant_to_account(manager, target, held.live_grants)
        if refused is not None:
            raise refused
        if target in held.live_grants:
            raise invalid(
                "role",
                "ALREADY_GRANTED",
                f"{username} already holds this role there",
                f"{username} มีบทบาทนี้ในพื้นที่นี้อยู่แล้ว",
            )
        at = audit.now()
        await conn.execute(
            insert(RoleAssignment).values(
                user_id=account.id,
                role=role,
                granted_by_user_id=None if isinstance(by, CommandLine) else by.user_id,
                granted_at=at,
                **_bound(target),
            )
        )
        await audit.append(
            conn,
            _actor(manager, _managers_of(role)),
            entity="users",
            entity_id=account.id,
            action="grant_role",
            changes={
                "username": (username, username),
                "role": (None, role.name),
                **_place_change(target, code),
            },
            lao_id=target.lao_id,
            at=at,
        )
        return int(account.id)


async def revoke_role(
    engine: AsyncEngine,
    by: Manager,
    username: str,
    role: Role,
    *,
    lao_code: str | None = None,
    district_code: str | None = None,
    province_code: str | None = None,
    reason: str | None = None,
) -> int:
    """Revoke the account's grant of `role` at the place given by code, ending the person's
    sign-ins (their tokens carry the role); returns the account's id."""
    why = _reason(reason)
    async with engine.begin() as conn:
        manager = await _manager(conn, by)
        target, code = await _target(conn, role, lao_code, district_code, province_code)
        account = await _account(conn, username)
        refused = decide_grant(manager, target)
        if refused is not None:
            raise refused
        held = await _held(conn, account.id)
        grant_id = next((gid for gid, g in held.live if g == target), None)
        if grant_id is None:
            raise NotFound(
                f"{username} holds no such role there.",
                f"{username} ไม่มีบทบาทนี้ในพื้นที่นี้",
                field="role",
            )
        at = audit.now()
        await conn.execute(
            update(RoleAssignment).where(RoleAssignment.id == grant_id).values(revoked_at=at)
        )
        await _end_sign_ins(conn, account.id)
        await audit.append(
            conn,
            _actor(manager, _managers_of(role)),
            entity="users",
            entity_id=account.id,
            action="revoke_role",
            changes={
                "username": (username, username),
                "role": (role.name, None),
                **{k: (after, None) for k, (_, after) in _place_change(target, code).items()},
            },
            lao_id=target.lao_id,
            reason=why,
            at=at,
        )
        return int(account.id)


async def set_disabled(
    engine: AsyncEngine,
    by: Manager,
    username: str,
    disabled: bool,
    *,
    reason: str | None = None,
) -> int:
    """Disable (ending the person's sign-ins and pending code at once) or enable an account;
    returns its id. Asking for the state it is in changes and logs nothing."""
    why = _reason(reason)
    async with engine.begin() as conn:
        manager = await _manager(conn, by)
        account = await _account(conn, username)
        held = await _held(conn, account.id)
        refused = decide_account(manager, held.live_grants, held.former)
        if refused is not None:
            raise refused
        if account.disabled == disabled:
            return int(account.id)
        at = audit.now()
        await conn.execute(update(User).where(User.id == account.id).values(disabled=disabled))
        if disabled:
            await _end_sign_ins(conn, account.id)
            await _revoke_codes(conn, account.id, at)
        roles = [g.role for g in held.live_grants] or [g.role for g in held.former]
        await audit.append(
            conn,
            _actor(manager, [m for r in roles for m in _managers_of(r)]),
            entity="users",
            entity_id=account.id,
            action="disable_account" if disabled else "enable_account",
            changes={"username": (username, username), "disabled": (not disabled, disabled)},
            lao_id=held.lao_id(),
            reason=why,
            at=at,
        )
        return int(account.id)


async def issue_code(
    engine: AsyncEngine, by: Manager, username: str, *, code_ttl: int
) -> IssuedCode:
    """A new one-time code for the account: an activation code while it was never activated,
    else a reset code (a forgotten password). Any older code stops working."""
    async with engine.begin() as conn:
        manager = await _manager(conn, by)
        account = await _account(conn, username)
        held = await _held(conn, account.id)
        refused = decide_account(manager, held.live_grants, held.former)
        if refused is not None:
            raise refused
        if account.disabled:
            raise invalid(
                "username",
                "ACCOUNT_DISABLED",
                f"{username} is disabled: enable it first",
                f"บัญชี {username} ถูกระงับ: เปิดใช้งานก่อน",
            )
        purpose = (
            AccountCodePurpose.ACTIVATION
            if account.password_hash is None
            else AccountCodePurpose.RESET
        )
        at = audit.now()
        issued = await _new_code(conn, manager, account.id, username, purpose, code_ttl, at)
        roles = [g.role for g in held.live_grants] or [g.role for g in held.former]
        await audit.append(
            conn,
            _actor(manager, [m for r in roles for m in _managers_of(r)]),
            entity="users",
            entity_id=account.id,
            action="issue_activation_code"
            if purpose is AccountCodePurpose.ACTIVATION
            else "issue_reset_code",
            changes={"username": (username, username), "codeExpiresAt": (None, issued.expires_at)},
            lao_id=held.lao_id(),
            at=at,
        )
        return issued


# --- people: their own ------------------------------------------------------------------------


def _code_problem(code: str, en: str, th: str) -> InvalidInput:
    return invalid("code", code, en, th)


async def redeem_code(engine: AsyncEngine, code: str, new_password: str) -> str:
    """Set the password of the account a one-time code was issued for, and use up the code;
    returns the username. A reset also ends every sign-in of the account and lifts a lockout."""
    normal = normal_code(code)
    unknown = _code_problem(
        "UNKNOWN",
        "this code is not valid: check it, or ask whoever issued it for a new one",
        "รหัสนี้ไม่ถูกต้อง กรุณาตรวจสอบ หรือขอรหัสใหม่จากผู้ออกรหัส",
    )
    if normal is None:
        raise unknown
    digest = code_digest(normal)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    AccountCode.id,
                    AccountCode.purpose,
                    AccountCode.expires_at,
                    AccountCode.used_at,
                    AccountCode.revoked_at,
                    User.id.label("user_id"),
                    User.username,
                    User.disabled,
                )
                .join(User, User.id == AccountCode.user_id)
                .where(AccountCode.code_hash == digest)
            )
        ).first()
    if row is None:
        raise unknown
    _check_usable(row, audit.now())
    problems = password_problems(new_password, username=row.username)
    if problems:
        raise validation_failed(problems)
    password_hash = await hash_password_async(new_password)
    async with engine.begin() as conn:
        at = audit.now()
        claimed = await conn.execute(
            update(AccountCode)
            .where(
                AccountCode.id == row.id,
                AccountCode.used_at.is_(None),
                AccountCode.revoked_at.is_(None),
                AccountCode.expires_at > at,
            )
            .values(used_at=at)
        )
        if claimed.rowcount != 1:  # used, revoked or expired since it was read
            fresh = (
                await conn.execute(
                    select(
                        AccountCode.expires_at, AccountCode.used_at, AccountCode.revoked_at
                    ).where(AccountCode.id == row.id)
                )
            ).one()
            _check_usable(fresh, at, disabled=False)
            raise unknown
        set_password = await conn.execute(
            update(User)
            .where(User.id == row.user_id, User.disabled.is_(False))
            .values(password_hash=password_hash, failed_logins=0, locked_until=None)
        )
        if set_password.rowcount != 1:
            raise _disabled_code()
        await _end_sign_ins(conn, row.user_id)
        activation = row.purpose is AccountCodePurpose.ACTIVATION
        await audit.append(
            conn,
            audit.Actor(user_id=row.user_id, name=row.username),
            entity="users",
            entity_id=row.user_id,
            action="activate_account" if activation else "reset_password",
            changes={"username": (row.username, row.username)},
            lao_id=await _one_lao(conn, row.user_id),
            at=at,
        )
    return str(row.username)


def _disabled_code() -> InvalidInput:
    return _code_problem(
        "ACCOUNT_DISABLED",
        "the account of this code is disabled: ask whoever issued it",
        "บัญชีของรหัสนี้ถูกระงับ กรุณาติดต่อผู้ออกรหัส",
    )


def _check_usable(row: Any, at: dt.datetime, *, disabled: bool | None = None) -> None:
    """Raise why the code of `row` can no longer be used, if it cannot."""
    if row.used_at is not None:
        raise _code_problem(
            "USED",
            "this code has been used already: each code works once; ask for a new one",
            "รหัสนี้ถูกใช้ไปแล้ว รหัสใช้ได้ครั้งเดียว กรุณาขอรหัสใหม่",
        )
    if row.revoked_at is not None:
        raise _code_problem(
            "REVOKED",
            "this code was replaced by a newer one or withdrawn: use the newest code",
            "รหัสนี้ถูกยกเลิกหรือมีรหัสใหม่แทนแล้ว กรุณาใช้รหัสล่าสุด",
        )
    if row.expires_at <= at:
        raise _code_problem(
            "EXPIRED",
            "this code has expired: ask whoever issued it for a new one",
            "รหัสนี้หมดอายุแล้ว กรุณาขอรหัสใหม่จากผู้ออกรหัส",
        )
    if disabled if disabled is not None else row.disabled:
        raise _disabled_code()


async def _one_lao(conn: AsyncConnection, user_id: int) -> int | None:
    return (await _held(conn, user_id)).lao_id()


def _own(identity: Identity) -> int:
    if identity.kind != "user" or identity.user_id is None:
        raise Forbidden(
            "Only a person signed in with an account of this hub has an account here.",
            "เฉพาะผู้ที่เข้าสู่ระบบด้วยบัญชีของ INFO Hub เท่านั้นที่มีบัญชีในระบบนี้",
        )
    return identity.user_id


async def change_own_password(
    engine: AsyncEngine,
    identity: Identity,
    old_password: str,
    new_password: str,
    *,
    max_failures: int,
    lockout_seconds: int,
) -> str:
    """The caller's new password, given the old one (returns the username). A wrong old password counts as a failed
    sign-in (locking the account as sign-ins do: a stolen token cannot guess it); success
    ends the person's other sign-ins and keeps the one it came from."""
    user_id = _own(identity)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(User.username, User.password_hash, User.disabled, User.locked_until).where(
                    User.id == user_id
                )
            )
        ).one_or_none()
    if row is None or row.disabled:
        raise Forbidden("Your account is disabled.", "บัญชีของคุณถูกระงับการใช้งาน")
    now = utcnow()
    if row.locked_until is not None and row.locked_until > now:
        raise _locked()
    if not await verify_password_async(old_password, row.password_hash):
        locked = False
        async with engine.begin() as conn:  # counted and committed, then refused
            failures = int(
                (
                    await conn.execute(
                        update(User)
                        .where(User.id == user_id)
                        .values(failed_logins=User.failed_logins + 1)
                        .returning(User.failed_logins)
                    )
                ).scalar_one()
            )
            if failures >= max_failures:
                await conn.execute(
                    update(User)
                    .where(User.id == user_id)
                    .values(
                        failed_logins=0, locked_until=now + dt.timedelta(seconds=lockout_seconds)
                    )
                )
                locked = True
        if locked:
            raise _locked()
        raise invalid(
            "oldPassword",
            "WRONG_PASSWORD",
            "oldPassword: this is not your current password",
            "รหัสผ่านเดิมไม่ถูกต้อง",
        )
    problems = password_problems(new_password, username=row.username)
    if new_password == old_password:
        problems.append(
            FieldError(
                "newPassword",
                "SAME_AS_OLD",
                "the new password is the old one",
                "รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม",
            )
        )
    if problems:
        raise validation_failed(problems)
    password_hash = await hash_password_async(new_password)
    async with engine.begin() as conn:
        at = audit.now()
        await conn.execute(
            update(User)
            .where(User.id == user_id)
            .values(password_hash=password_hash, failed_logins=0, locked_until=None)
        )
        await _end_sign_ins(conn, user_id, keep=identity.session_id)
        await audit.append(
            conn,
            audit.actor_of(identity),
            entity="users",
            entity_id=user_id,
            action="change_password",
            changes={"username": (row.username, row.username)},
            lao_id=await _one_lao(conn, user_id),
            at=at,
        )
    return str(row.username)


def _locked() -> Forbidden:
    return Forbidden(
        "Your account is locked after repeated wrong passwords: try again later.",
        "บัญชีถูกล็อกชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง กรุณาลองใหม่ภายหลัง",
    )


async def update_own_account(
    engine: AsyncEngine, identity: Identity, values: Mapping[str, Any]
) -> int:
    """The caller's own display name and e-mail (`display_name`, `email`; omitted ones keep
    their values, a null e-mail clears it). The log records which changed, not the values
    (personal data)."""
    user_id = _own(identity)
    unknown = [k for k in values if k not in {"display_name", "email"}]
    if unknown:
        raise TypeError(f"not an account field: {unknown}")
    name, mail, errors = _profile_errors(
        values.get("display_name"), values.get("email"), name_required="display_name" in values
    )
    if errors:
        raise validation_failed(errors)
    cleaned = {k: v for k, v in (("display_name", name), ("email", mail)) if k in values}
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(User.username, User.display_name, User.email, User.disabled).where(
                    User.id == user_id
                )
            )
        ).one_or_none()
        if row is None or row.disabled:
            raise Forbidden("Your account is disabled.", "บัญชีของคุณถูกระงับการใช้งาน")
        changed = [k for k, v in cleaned.items() if getattr(row, k) != v]
        if changed:
            await conn.execute(update(User).where(User.id == user_id).values(**cleaned))
            await audit.append(
                conn,
                audit.actor_of(identity),
                entity="users",
                entity_id=user_id,
                action="update_account",
                changes={"changed": ([], [_API_NAMES[k] for k in changed])},
                lao_id=await _one_lao(conn, user_id),
            )
        return user_id


_API_NAMES = {"display_name": "displayName", "email": "email"}


# --- the command line's conveniences -------------------------------------------------------------


async def create_user(
    engine: AsyncEngine,
    username: str,
    display_name: str,
    role: Role,
    *,
    lao_code: str | None = None,
    district_code: str | None = None,
    province_code: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> str:
    """An account ready to sign in, for scripted set-ups and tests: issued from the command
    line and activated at once with `password` (or a generated one), which is returned."""
    issued = await issue_account(
        engine,
        COMMAND_LINE,
        username=username,
        display_name=display_name,
        role=role,
        lao_code=lao_code,
        district_code=district_code,
        province_code=province_code,
        email=email,
        code_ttl=600,
    )
    password = password or new_secret()
    await redeem_code(engine, issued.code, password)
    return password


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    roles: str
    disabled: bool
    locked_until: dt.datetime | None
    is_demo: bool
    activated: bool = True


async def list_users(engine: AsyncEngine) -> list[UserRow]:
    async with engine.connect() as conn:
        users = (await conn.execute(select(User).order_by(User.username))).all()
        grants = (await conn.execute(grants_with_places())).all()
    roles: dict[int, list[str]] = {}
    for g in grants:
        place = g.lao_code or g.district_code or g.province_code
        roles.setdefault(g.user_id, []).append(f"{g.role.name}@{place}" if place else g.role.name)
    return [
        UserRow(
            u.username,
            u.display_name,
            " ".join(roles.get(u.id, [])),
            u.disabled,
            u.locked_until,
            u.is_demo,
            u.password_hash is not None,
        )
        for u in users
    ]


# --- clients -------------------------------------------------------------------------------


def _check_scopes(scopes: str) -> str:
    parsed = scopes.split()
    unknown = [s for s in parsed if s not in ALL_SCOPES]
    if unknown:
        raise AdminError(f"unknown scopes {' '.join(unknown)}; known: {' '.join(ALL_SCOPES)}")
    return " ".join(dict.fromkeys(parsed))


async def create_client(
    engine: AsyncEngine,
    name: str,
    scopes: str,
    *,
    client_id: str | None = None,
    redirect_uris: list[str] | None = None,
    public: bool = False,
    email: str | None = None,
) -> tuple[str, str | None]:
    """Creates a client; returns (client_id, secret) — the secret is shown only now.

    Without redirect URIs it is a machine client (client credentials). With them it may also
    sign people in (authorization code + PKCE, refresh tokens); `public` clients (browser or
    mobile apps) have no secret.
    """
    scopes = _check_scopes(scopes)
    client_id = client_id or "client-" + secrets.token_hex(8)
    if not re.fullmatch(r"[A-Za-z0-9._-]{3,100}", client_id):
        raise AdminError("a client id is 3-100 letters, digits or . _ -")
    if public and not redirect_uris:
        raise AdminError("a public client signs people in: give --redirect-uri")
    for uri in redirect_uris or []:
        if not re.match(r"^(https://|http://(127\.0\.0\.1|localhost|\[::1\])[:/])", uri):
            raise AdminError(f"redirect URIs use https (or http on loopback): {uri}")
    secret = None if public else new_secret("hub-")
    secret_hash = await hash_password_async(secret) if secret else None
    async with engine.begin() as conn:
        if (
            await conn.execute(select(ApiClient.id).where(ApiClient.client_id == client_id))
        ).first():
            raise AdminError(f"client {client_id} already exists")
        pk = (
            await conn.execute(
                insert(ApiClient)
                .values(
                    client_id=client_id,
                    name=name,
                    secret_hash=secret_hash,
                    scopes=scopes,
                    contact_email=email,
                    disabled=False,
                    is_demo=False,
                    created_at=utcnow(),
                )
                .returning(ApiClient.id)
            )
        ).scalar_one()
        if redirect_uris:
            grant_types = ["authorization_code", "refresh_token"]
            if not public:
                grant_types.append("client_credentials")
            await conn.execute(
                insert(ClientRegistration).values(
                    api_client_id=pk,
                    redirect_uris=" ".join(redirect_uris),
                    grant_types=" ".join(grant_types),
                    token_endpoint_auth_method="none" if public else "client_secret_basic",
                )
            )
    return client_id, secret


async def list_clients(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(ApiClient, ClientRegistration)
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .order_by(ApiClient.client_id)
            )
        ).all()
    return [
        {
            "client_id": r.client_id,
            "name": r.name,
            "scopes": r.scopes,
            "grants": r.grant_types or "client_credentials",
            "redirect_uris": r.redirect_uris or "",
            "disabled": r.disabled,
            "is_demo": r.is_demo,
        }
        for r in rows
    ]


async def set_client_disabled(engine: AsyncEngine, client_id: str, disabled: bool) -> None:
    revocation_epoch.bump()
    async with engine.begin() as conn:
        result = await conn.execute(
            update(ApiClient).where(ApiClient.client_id == client_id).values(disabled=disabled)
        )
        if result.rowcount != 1:
            raise AdminError(f"no client {client_id}")


async def rotate_client_secret(engine: AsyncEngine, client_id: str) -> str:
    secret = new_secret("hub-")
    secret_hash = await hash_password_async(secret)
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(ApiClient.id, ClientRegistration.token_endpoint_auth_method)
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id == client_id)
            )
        ).one_or_none()
        if row is None:
            raise AdminError(f"no client {client_id}")
        if row.token_endpoint_auth_method == "none":
            raise AdminError(f"{client_id} is a public client: it has no secret")
        await conn.execute(
            update(ApiClient).where(ApiClient.id == row.id).values(secret_hash=secret_hash)
        )
    return secret


async def ensure_first_party_client(
    engine: AsyncEngine, client_id: str, name: str, redirect_uri: str
) -> bool:
    """Register the hub's own browser application (the console) as a public client with
    `redirect_uri` and every scope, or correct its redirect URI; True when it wrote.

    Idempotent and safe to run from several replicas at once: a replica that loses the race
    to insert finds the row the winner wrote.
    """
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(ApiClient.id, ClientRegistration.redirect_uris)
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id == client_id)
            )
        ).one_or_none()
    if row is not None and row.redirect_uris == redirect_uri:
        return False
    try:
        async with engine.begin() as conn:
            if row is None:
                pk = (
                    await conn.execute(
                        insert(ApiClient)
                        .values(
                            client_id=client_id,
                            name=name,
                            secret_hash=None,
                            scopes=" ".join(ALL_SCOPES),
                            disabled=False,
                            is_demo=False,
                            created_at=utcnow(),
                        )
                        .returning(ApiClient.id)
                    )
                ).scalar_one()
                await conn.execute(
                    insert(ClientRegistration).values(
                        api_client_id=pk,
                        redirect_uris=redirect_uri,
                        grant_types="authorization_code refresh_token",
                        token_endpoint_auth_method="none",
                    )
                )
            elif row.redirect_uris is None:
                await conn.execute(
                    insert(ClientRegistration).values(
                        api_client_id=row.id,
                        redirect_uris=redirect_uri,
                        grant_types="authorization_code refresh_token",
                        token_endpoint_auth_method="none",
                    )
                )
            else:
                await conn.execute(
                    update(ClientRegistration)
                    .where(ClientRegistration.api_client_id == row.id)
                    .values(redirect_uris=redirect_uri)
                )
    except IntegrityError:
        return False
    return True
