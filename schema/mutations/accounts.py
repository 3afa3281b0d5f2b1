"""Delegated accounts (`hub.services.accounts`, the rules in `hub.rules.accounts`): issuing
accounts down the chain with a one-time activation code, granting and revoking roles,
disabling and enabling accounts, reset codes for forgotten passwords, activation with a
code, and a person's own profile and password; the LAO's INFO-administrator entries
(`hub.services.profile`).
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET

from hub.rules import enums
from hub.rules.accounts import activation_url
from hub.services import accounts, profile
from schema.accounts import Account, AccountCode, account_by_id
from schema.context import Info
from schema.enums import Role
from schema.mutations.errors import (
    Forbidden,
    NotFound,
    ValidationFailed,
    answers_refusals,
)
from schema.mutations.inputs import InfoAdministratorInput, given
from schema.mutations.profile import ProfileResult, ProfileSaved


@strawberry.input(
    description="ออกบัญชีใหม่ — a new account with one role, bound to the place the role needs: "
    "`laoCode` (recorder, verifier, LAO administrator), `districtCode` (district officer) or "
    "`provinceCode` (provincial officer)."
)
class IssueAccountInput:
    username: str = strawberry.field(
        description="ชื่อผู้ใช้ — 3-100 letters, digits or . _ @ -, unique."
    )
    display_name: str = strawberry.field(description="ชื่อ-สกุล — full name.")
    role: Role  # type: ignore[valid-type]
    lao_code: str | None = None
    district_code: str | None = None
    province_code: str | None = None
    email: str | None = strawberry.field(default=None, description="อีเมล — e-mail address.")


@strawberry.input(
    description="บทบาทที่มอบหรือถอน — a role and the place it is bound to (as in `IssueAccountInput`)."
)
class RoleGrantInput:
    role: Role  # type: ignore[valid-type]
    lao_code: str | None = None
    district_code: str | None = None
    province_code: str | None = None


@strawberry.input(description="ข้อมูลบัญชีของฉัน — fields to change; omitted ones keep their values.")
class MyAccountInput:
    display_name: str | None = strawberry.field(default=UNSET, description="ชื่อ-สกุล")
    email: str | None = strawberry.field(default=UNSET, description="อีเมล; null clears it")


@strawberry.type(description="ออกบัญชีแล้ว — the account and its one-time activation code.")
class AccountIssued:
    account: Account
    activation: AccountCode


@strawberry.type(description="บันทึกแล้ว — the account as it now stands.")
class AccountUpdated:
    account: Account


@strawberry.type(
    description="ออกรหัสแล้ว — a new one-time code (an activation code while the account was never "
    "activated, else a reset code); any older code stops working."
)
class AccountCodeIssued:
    account: Account
    code: AccountCode


@strawberry.type(description="ตั้งรหัสผ่านแล้ว — the password is set: sign in with this username.")
class AccountActivated:
    username: str


@strawberry.type(description="เปลี่ยนรหัสผ่านแล้ว — your other sign-ins have ended.")
class PasswordChanged:
    username: str


IssueAccountResult = Annotated[
    AccountIssued | Forbidden | NotFound | ValidationFailed,
    strawberry.union("IssueAccountResult"),
]
AccountResult = Annotated[
    AccountUpdated | Forbidden | NotFound | ValidationFailed,
    strawberry.union("AccountResult"),
]
AccountCodeResult = Annotated[
    AccountCodeIssued | Forbidden | NotFound | ValidationFailed,
    strawberry.union("AccountCodeResult"),
]
ActivationResult = Annotated[
    AccountActivated | ValidationFailed, strawberry.union("ActivationResult")
]
PasswordChangeResult = Annotated[
    PasswordChanged | Forbidden | ValidationFailed, strawberry.union("PasswordChangeResult")
]


def _code(info: Info, issued: accounts.IssuedCode) -> AccountCode:
    return AccountCode.of(issued, activation_url(info.context.settings.issuer, issued.code))


async def _updated(info: Info, user_id: int) -> AccountUpdated:
    found = await account_by_id(info.context.engine, user_id, info.context.now)
    assert found is not None  # written in the transaction that just committed
    return AccountUpdated(account=found)


@strawberry.mutation(
    description="ออกบัญชี — issue an account down the chain (DLA → provincial officers; a provincial "
    "office → its LAOs' administrators and its district officers; an LAO administrator → its "
    "recorders and verifiers). Returns a one-time activation code: no password travels."
)
@answers_refusals
async def issue_account(info: Info, input: IssueAccountInput) -> IssueAccountResult:
    issued = await accounts.issue_account(
        info.context.write_engine,
        info.context.identity,
        username=input.username,
        display_name=input.display_name,
        role=enums.Role[input.role.value],
        lao_code=input.lao_code,
        district_code=input.district_code,
        province_code=input.province_code,
        email=input.email,
        code_ttl=info.context.settings.account_code_ttl,
    )
    found = await account_by_id(info.context.engine, issued.user_id, info.context.now)
    assert found is not None
    return AccountIssued(account=found, activation=_code(info, issued))


@strawberry.mutation(
    description="มอบบทบาท — add a role you manage to an existing account within your reach."
)
@answers_refusals
async def grant_role(info: Info, username: str, grant: RoleGrantInput) -> AccountResult:
    user_id = await accounts.grant_role(
        info.context.write_engine,
        info.context.identity,
        username,
        enums.Role[grant.role.value],
        lao_code=grant.lao_code,
        district_code=grant.district_code,
        province_code=grant.province_code,
    )
    return await _updated(info, user_id)


@strawberry.mutation(
    description="ถอนบทบาท — revoke a role you manage; the person's sign-ins end at once."
)
@answers_refusals
async def revoke_role(
    info: Info, username: str, grant: RoleGrantInput, reason: str | None = None
) -> AccountResult:
    user_id = await accounts.revoke_role(
        info.context.write_engine,
        info.context.identity,
        username,
        enums.Role[grant.role.value],
        lao_code=grant.lao_code,
        district_code=grant.district_code,
        province_code=grant.province_code,
        reason=reason,
    )
    return await _updated(info, user_id)


@strawberry.mutation(
    description="ระงับบัญชี — disable an account whose every role you manage: its sign-ins, refresh "
    "tokens, access tokens and pending code stop working at once."
)
@answers_refusals
async def disable_account(info: Info, username: str, reason: str | None = None) -> AccountResult:
    user_id = await accounts.set_disabled(
        info.context.write_engine, info.context.identity, username, True, reason=reason
    )
    return await _updated(info, user_id)


@strawberry.mutation(
    description="เปิดใช้บัญชี — enable a disabled account again (its old sign-ins stay ended)."
)
@answers_refusals
async def enable_account(info: Info, username: str) -> AccountResult:
    user_id = await accounts.set_disabled(
        info.context.write_engine, info.context.identity, username, False
    )
    return await _updated(info, user_id)


@strawberry.mutation(
    description="ออกรหัสตั้งรหัสผ่านใหม่ — a forgotten password: a one-time reset code for an account "
    "whose every role you manage (an activation code again if it was never activated)."
)
@answers_refusals
async def issue_password_reset(info: Info, username: str) -> AccountCodeResult:
    issued = await accounts.issue_code(
        info.context.write_engine,
        info.context.identity,
        username,
        code_ttl=info.context.settings.account_code_ttl,
    )
    found = await account_by_id(info.context.engine, issued.user_id, info.context.now)
    assert found is not None
    return AccountCodeIssued(account=found, code=_code(info, issued))


@strawberry.mutation(
    description="เปิดใช้บัญชีด้วยรหัส — set your password with the one-time code you were given "
    "(no sign-in needed; the same as the page /oauth/activate). Each code works once."
)
@answers_refusals
async def activate_account(info: Info, code: str, new_password: str) -> ActivationResult:
    username = await accounts.redeem_code(info.context.write_engine, code, new_password)
    return AccountActivated(username=username)


@strawberry.mutation(description="แก้ไขข้อมูลบัญชีของฉัน — your own name and e-mail address.")
@answers_refusals
async def update_my_account(info: Info, input: MyAccountInput) -> AccountResult:
    user_id = await accounts.update_own_account(
        info.context.write_engine, info.context.identity, given(input)
    )
    return await _updated(info, user_id)


@strawberry.mutation(
    description="เปลี่ยนรหัสผ่าน — your new password, given the current one; your other sign-ins end."
)
@answers_refusals
async def change_my_password(
    info: Info, old_password: str, new_password: str
) -> PasswordChangeResult:
    s = info.context.settings
    username = await accounts.change_own_password(
        info.context.write_engine,
        info.context.identity,
        old_password,
        new_password,
        max_failures=s.login_max_failures,
        lockout_seconds=s.login_lockout_seconds,
    )
    return PasswordChanged(username=username)


@strawberry.mutation(
    description="แก้ไขผู้ดูแลระบบ INFO — replace the LAO's INFO-administrator entries (slots 1-5; "
    "an empty list clears them): its INFO administrator or its provincial office."
)
@answers_refusals
async def update_lao_info_administrators(
    info: Info, lao_code: str, version: int, administrators: list[InfoAdministratorInput]
) -> ProfileResult:
    new_version = await profile.update_info_administrators(
        info.context.write_engine,
        info.context.identity,
        lao_code=lao_code,
        expected_version=version,
        administrators=[profile.Recorder(**vars(a)) for a in administrators],
    )
    return ProfileSaved(version=new_version)


FIELDS = {
    "issue_account": issue_account,
    "grant_role": grant_role,
    "revoke_role": revoke_role,
    "disable_account": disable_account,
    "enable_account": enable_account,
    "issue_password_reset": issue_password_reset,
    "activate_account": activate_account,
    "update_my_account": update_my_account,
    "change_my_password": change_my_password,
    "update_lao_info_administrators": update_lao_info_administrators,
}
