"""Delegated accounts over real HTTP with real tokens: people sign in through the login page
with PKCE, act through `/graphql` with their bearer tokens, and activate their accounts on
`/oauth/activate`. Every role and every refusal; SQLite and PostgreSQL (`fresh_demo_url`).

The demo dataset (2 provinces: Bangkok 10 and Samut Prakan 11) brings the accounts: a DLA
administrator, the provincial officer of 11, a district officer, an LAO's administrator,
verifier and recorder, and a neighbouring LAO's recorder.
"""

from __future__ import annotations

import dataclasses
import html
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from hub.db.engine import create_engine
from hub.db.models import (
    AccountCode,
    ChangeLogEntry,
    District,
    FiscalYear,
    Lao,
    LaoYear,
    Province,
    RoleAssignment,
    User,
)
from hub.rules.enums import CertificationState, Role
from hub.services import audit
from hub.services.accounts import create_client
from loaders.demo_accounts import DemoCredential, demo_credentials
from tests.conftest import serve
from tests.oauth_support import REDIRECT_URI, exchange, oauth_settings, refresh, sign_in

RESULT = """__typename ... on MutationError { message messageTh }
  ... on ValidationFailed { errors { path code message messageTh } }"""
ACCOUNT = "username displayName email state roles { role lao { code } district { code } province { code } }"
ISSUE = f"""mutation($input: IssueAccountInput!) {{ r: issueAccount(input: $input) {{ {RESULT}
  ... on AccountIssued {{ account {{ {ACCOUNT} }} activation {{ code url purpose expiresAt }} }} }} }}"""
ACTIVATE = f"""mutation($code: String!, $password: String!) {{
  r: activateAccount(code: $code, newPassword: $password) {{ {RESULT} ... on AccountActivated {{ username }} }} }}"""
DISABLE = f"""mutation($u: String!, $reason: String) {{ r: disableAccount(username: $u, reason: $reason) {{
  {RESULT} ... on AccountUpdated {{ account {{ state }} }} }} }}"""
ENABLE = f"""mutation($u: String!) {{ r: enableAccount(username: $u) {{
  {RESULT} ... on AccountUpdated {{ account {{ state }} }} }} }}"""
RESET = f"""mutation($u: String!) {{ r: issuePasswordReset(username: $u) {{ {RESULT}
  ... on AccountCodeIssued {{ account {{ state pendingCode {{ purpose }} }} code {{ code url purpose }} }} }} }}"""
GRANT = f"""mutation($u: String!, $g: RoleGrantInput!) {{ r: grantRole(username: $u, grant: $g) {{
  {RESULT} ... on AccountUpdated {{ account {{ {ACCOUNT} }} }} }} }}"""
REVOKE = f"""mutation($u: String!, $g: RoleGrantInput!, $reason: String) {{
  r: revokeRole(username: $u, grant: $g, reason: $reason) {{
  {RESULT} ... on AccountUpdated {{ account {{ {ACCOUNT} }} }} }} }}"""
CHANGE_PASSWORD = f"""mutation($old: String!, $new: String!) {{
  r: changeMyPassword(oldPassword: $old, newPassword: $new) {{ {RESULT} ... on PasswordChanged {{ username }} }} }}"""
ME = f"{{ me {{ {ACCOUNT} mayIssue createdAt lockedUntil }} }}"
PASSWORD = "ตั้งรหัสผ่านเอง 2570"


# --- the world: the app, a sign-in application, the demo accounts -------------------------


@dataclass
class Place:
    code: str
    lao_id: int
    district_code: str
    province_code: str
    year: int


@dataclass
class World:
    hub: httpx.AsyncClient
    url: str
    portal: str
    creds: dict[str, DemoCredential]

    def demo(self, role: Role, nth: int = 0) -> DemoCredential:
        found = [c for c in self.creds.values() if c.role_or_scopes == role.name]
        return found[nth]

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """A person's whole sign-in: login page, PKCE, code exchange; the token response."""
        code, verifier = await sign_in(self.hub, self.portal, username, password)
        response = await exchange(self.hub, self.portal, code, verifier)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def token(self, who: Role | str, nth: int = 0) -> str:
        cred = self.demo(who, nth) if isinstance(who, Role) else self.creds[who]
        return str((await self.sign_in(cred.name, cred.secret))["access_token"])

    async def call(self, token: str | None, query: str, **variables: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.hub.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def gql(self, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.call(token, query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return dict(body["data"])

    async def r(self, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
        """The mutation's typed result (aliased `r`)."""
        return dict((await self.gql(token, query, **variables))["r"])

    async def activate_on_page(self, url: str, password: str) -> httpx.Response:
        """What the person does with the link: open it, type the password twice, send."""
        page = await self.hub.get(url.removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 200, page.text
        fields = dict(re.findall(r'name="(csrf_token|code)" value="([^"]*)"', page.text))
        return await self.hub.post(
            "/oauth/activate",
            data={
                "csrf_token": fields["csrf_token"],
                "code": html.unescape(fields["code"]),
                "password": password,
                "confirm": password,
            },
        )

    async def issue(self, token: str, username: str, role: Role, **place: str) -> dict[str, Any]:
        return await self.r(
            token,
            ISSUE,
            input={
                "username": username,
                "displayName": f"ทดสอบ {username}",
                "role": role.name,
                **place,
            },
        )

    async def issue_and_activate(
        self, token: str, username: str, role: Role, password: str = PASSWORD, **place: str
    ) -> dict[str, Any]:
        """Issue, activate with the code, sign in: the new person's token response."""
        issued = await self.issue(token, username, role, **place)
        assert issued["__typename"] == "AccountIssued", issued
        done = await self.r(None, ACTIVATE, code=issued["activation"]["code"], password=password)
        assert done == {"__typename": "AccountActivated", "username": username}, done
        return await self.sign_in(username, password)

    async def query(self, statement: Any) -> list[Any]:
        engine = create_engine(self.url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(statement)).all())
        finally:
            await engine.dispose()

    async def execute(self, statement: Any) -> None:
        engine = create_engine(self.url)
        try:
            async with engine.begin() as conn:
                await conn.execute(statement)
        finally:
            await engine.dispose()

    async def count_users(self) -> int:
        return int((await self.query(select(func.count()).select_from(User)))[0][0])

    async def log_actions(self) -> list[tuple[str, str]]:
        rows = await self.query(
            select(ChangeLogEntry.action, ChangeLogEntry.changes_json)
            .where(ChangeLogEntry.entity == "users")
            .order_by(ChangeLogEntry.id)
        )
        return [(r.action, r.changes_json) for r in rows]

    async def lao_without_accounts(self, province_code: str, nth: int = 0) -> Place:
        """An LAO of the province nobody has an account for yet, drafting the open year."""
        has_grant = select(RoleAssignment.lao_id).where(RoleAssignment.lao_id.is_not(None))
        rows = await self.query(
            select(Lao.code, Lao.id, District.code, Province.code, LaoYear.fiscal_year)
            .join(District, District.id == Lao.district_id)
            .join(Province, Province.id == Lao.province_id)
            .join(LaoYear, LaoYear.lao_id == Lao.id)
            .join(FiscalYear, FiscalYear.year_be == LaoYear.fiscal_year)
            .where(
                Province.code == province_code,
                Lao.id.not_in(has_grant),
                Lao.code.is_not(None),
                LaoYear.state == CertificationState.DRAFT,
                FiscalYear.closed_at.is_(None),
            )
            .order_by(Lao.id)
        )
        return Place(*rows[nth])

    async def other_province_officer(self) -> str:
        """A token of a provincial officer of Bangkok (10), issued by DLA for the test."""
        dla = await self.token(Role.DLA_ADMIN)
        username = f"pro.10.{uuid.uuid4().hex[:4]}"
        signed_in = await self.issue_and_activate(
            dla, username, Role.PROVINCE_OFFICER, provinceCode="10"
        )
        return str(signed_in["access_token"])

    def bound_lao(self, cred: DemoCredential) -> str:
        return cred.bound_to.split()[1]


@pytest.fixture
async def world(fresh_demo_url):
    async with serve(oauth_settings(fresh_demo_url, count_statements=True)) as hub:
        portal, _ = await create_client(
            hub.app.state.engine,
            "LAO portal (test)",
            "",
            client_id=f"portal-{uuid.uuid4().hex[:8]}",
            redirect_uris=[REDIRECT_URI],
            public=True,
        )
        async with hub.app.state.engine.connect() as conn:
            creds = {c.name: c for c in await demo_credentials(conn, 2570)}
        yield World(hub, fresh_demo_url, portal, creds)


# --- the whole chain ---------------------------------------------------------------------------


async def test_a_provincial_officer_takes_a_new_lao_from_nothing_to_a_working_recorder(world):
    """No command line: the provincial office issues the LAO's administrator, who activates
    the account, signs in, issues a recorder, who activates, signs in and saves a section."""
    officer = world.demo(Role.PROVINCE_OFFICER)
    province = officer.bound_to.split()[1]
    lao = await world.lao_without_accounts(province)
    officer_token = await world.token(officer.name)
    users_before = await world.count_users()

    # 1. The provincial office issues the LAO's INFO administrator: a code, no password.
    issued = await world.issue(officer_token, "admin.new", Role.LAO_ADMIN, laoCode=lao.code)
    assert issued["__typename"] == "AccountIssued", issued
    assert issued["account"]["state"] == "PENDING_ACTIVATION"
    assert issued["account"]["roles"] == [
        {"role": "LAO_ADMIN", "lao": {"code": lao.code}, "district": None, "province": None}
    ]
    activation = issued["activation"]
    assert activation["purpose"] == "ACTIVATION"
    assert activation["url"] == (f"http://127.0.0.1:8000/oauth/activate?code={activation['code']}")
    stored = await world.query(select(AccountCode.code_hash))
    assert all(activation["code"] not in row.code_hash for row in stored)  # stored as a digest

    # 2. The administrator opens the link and sets a password; then signs in with OAuth.
    done = await world.activate_on_page(activation["url"], PASSWORD)
    assert done.status_code == 200 and "admin.new" in done.text, done.text
    assert "บัญชีของคุณพร้อมใช้งานแล้ว" in done.text and "Your account is ready" in done.text
    admin = await world.sign_in("admin.new", PASSWORD)
    me = (await world.gql(admin["access_token"], ME))["me"]
    assert me["state"] == "ACTIVE" and me["mayIssue"] == ["LAO_RECORDER", "LAO_VERIFIER"]

    # 3. It records itself as the LAO's INFO administrator, and issues a recorder.
    version = (
        await world.gql(
            admin["access_token"], "query($c: String!) { lao(code: $c) { version } }", c=lao.code
        )
    )["lao"]["version"]
    saved = await world.r(
        admin["access_token"],
        """mutation($c: String!, $v: Int!) { r: updateLaoInfoAdministrators(laoCode: $c, version: $v,
           administrators: [{slot: 1, name: "สมชาย ใจดี", position: "นักวิชาการคอมพิวเตอร์", phone: "02-000-0000"}]) {
           __typename ... on ProfileSaved { version } } }""",
        c=lao.code,
        v=version,
    )
    assert saved == {"__typename": "ProfileSaved", "version": version + 1}
    recorder = await world.issue(
        admin["access_token"], "rec.new", Role.LAO_RECORDER, laoCode=lao.code
    )
    assert recorder["__typename"] == "AccountIssued", recorder

    # 4. The recorder activates with the code (the API's mutation this time), signs in and saves.
    done = await world.r(
        None, ACTIVATE, code=recorder["activation"]["code"], password="บันทึกข้อมูล 2570"
    )
    assert done == {"__typename": "AccountActivated", "username": "rec.new"}
    clerk = (await world.sign_in("rec.new", "บันทึกข้อมูล 2570"))["access_token"]
    year = (
        await world.gql(
            clerk,
            "query($c: String!, $y: Int!) { lao(code: $c) { year(fiscalYear: $y) { state version } } }",
            c=lao.code,
            y=lao.year,
        )
    )["lao"]["year"]
    assert year["state"] == "DRAFT"
    section = await world.r(
        clerk,
        """mutation($c: String!, $y: Int!, $v: Int!) { r: saveHealthEnvironment(laoCode: $c,
           fiscalYear: $y, version: $v, data: {healthServiceUnits: 3}) {
           __typename ... on SectionSaved { version } } }""",
        c=lao.code,
        y=lao.year,
        v=year["version"],
    )
    assert section == {"__typename": "SectionSaved", "version": year["version"] + 1}

    # Each manager sees the accounts it manages; the change log has every step.
    listed = await world.gql(
        officer_token,
        "query($c: String!) { manageableAccounts(filter: {laoCode: $c}) { totalCount edges { node { username state } } } }",
        c=lao.code,
    )
    assert listed["manageableAccounts"]["edges"] == [
        {"node": {"username": "admin.new", "state": "ACTIVE"}}
    ]
    listed = await world.gql(
        admin["access_token"], "{ manageableAccounts { edges { node { username } } } }"
    )
    assert [e["node"]["username"] for e in listed["manageableAccounts"]["edges"]] == ["rec.new"]
    log = await world.gql(
        officer_token,
        # The latest six: before them, the demo load's import of the LAO's values.
        "query($c: String!) { lao(code: $c) { changeLog(first: 6) { edges { node { action actorRole changes } } } } }",
        c=lao.code,
    )
    actions = [e["node"]["action"] for e in log["lao"]["changeLog"]["edges"]]
    assert actions == [
        "save",
        "activate_account",
        "issue_account",
        "update_info_administrators",
        "activate_account",
        "issue_account",
    ]
    entries = [e["node"] for e in log["lao"]["changeLog"]["edges"]]
    assert entries[2]["actorRole"] == "LAO_ADMIN" and entries[5]["actorRole"] == "PROVINCE_OFFICER"
    assert entries[5]["changes"]["role"] == [None, "LAO_ADMIN"]
    assert entries[5]["changes"]["laoCode"] == [None, lao.code]
    assert "สมชาย" not in str(entries)  # people's names stay out of the log
    assert await world.count_users() == users_before + 2
    engine = create_engine(world.url)
    try:
        assert (await audit.verify(engine)).ok
    finally:
        await engine.dispose()


# --- refusals ---------------------------------------------------------------------------------


async def test_nobody_issues_beyond_their_reach(world):
    officer = world.demo(Role.PROVINCE_OFFICER)
    admin = world.demo(Role.LAO_ADMIN)
    own_lao = world.bound_lao(admin)
    other_lao = world.bound_lao(
        next(
            c
            for c in world.creds.values()
            if c.role_or_scopes == "LAO_RECORDER" and world.bound_lao(c) != own_lao
        )
    )
    bangkok_district = (
        await world.query(select(District.code).join(Province).where(Province.code == "10"))
    )[0][0]
    own_district = (
        await world.query(select(District.code).join(Province).where(Province.code == "11"))
    )[0][0]
    tokens = {
        "dla": await world.token(Role.DLA_ADMIN),
        "province": await world.token(officer.name),
        "district": await world.token(Role.DISTRICT_OFFICER),
        "lao_admin": await world.token(admin.name),
        "verifier": await world.token(Role.LAO_VERIFIER),
        "recorder": await world.token(Role.LAO_RECORDER),
    }
    agency = await world.hub.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-personal", world.creds["demo-personal"].secret),
    )
    tokens["agency"] = agency.json()["access_token"]
    tokens["other_province"] = await world.other_province_officer()
    before = await world.count_users()
    log_before = await world.log_actions()

    refusals: list[tuple[str | None, Role, dict[str, str], str]] = [
        # (who, role asked for, place, what the refusal says)
        ("lao_admin", Role.LAO_ADMIN, {"laoCode": own_lao}, "do not issue"),  # too wide
        ("lao_admin", Role.PROVINCE_OFFICER, {"provinceCode": "11"}, "do not issue"),
        ("lao_admin", Role.LAO_RECORDER, {"laoCode": other_lao}, "another LAO"),
        ("other_province", Role.LAO_ADMIN, {"laoCode": own_lao}, "another province"),
        (
            "other_province",
            Role.DISTRICT_OFFICER,
            {"districtCode": own_district},
            "another province",
        ),
        ("province", Role.DISTRICT_OFFICER, {"districtCode": bangkok_district}, "another province"),
        ("province", Role.LAO_RECORDER, {"laoCode": own_lao}, "do not issue"),  # the LAO admin's
        ("province", Role.PROVINCE_OFFICER, {"provinceCode": "11"}, "do not issue"),
        ("dla", Role.DLA_ADMIN, {}, "do not issue"),
        ("dla", Role.LAO_ADMIN, {"laoCode": own_lao}, "do not issue"),
        ("district", Role.LAO_RECORDER, {"laoCode": own_lao}, "do not issue"),
        ("verifier", Role.LAO_RECORDER, {"laoCode": own_lao}, "do not issue"),
        ("recorder", Role.LAO_RECORDER, {"laoCode": own_lao}, "do not issue"),
        ("agency", Role.LAO_RECORDER, {"laoCode": own_lao}, "do not issue"),
        (None, Role.LAO_RECORDER, {"laoCode": own_lao}, "do not issue"),  # the public
    ]
    for who, role, place, says in refusals:
        token = tokens[who] if who else None
        result = await world.issue(token, f"x.{uuid.uuid4().hex[:6]}", role, **place)
        assert result["__typename"] == "Forbidden", (who, role, result)
        assert says in result["message"] and result["messageTh"], (who, role, result)

    # What each may do, it may: the same managers inside their reach.
    assert (await world.issue(tokens["dla"], "pro.10b", Role.PROVINCE_OFFICER, provinceCode="10"))[
        "__typename"
    ] == "AccountIssued"
    assert (
        await world.issue(
            tokens["province"], "dis.new", Role.DISTRICT_OFFICER, districtCode=own_district
        )
    )["__typename"] == "AccountIssued"
    assert (await world.issue(tokens["lao_admin"], "ver.new", Role.LAO_VERIFIER, laoCode=own_lao))[
        "__typename"
    ] == "AccountIssued"

    # Bad input: typed, naming the field, Thai and English; nothing written.
    bad = [
        ({"username": "admin.new", "laoCode": own_lao}, "username", "TAKEN"),
        ({"username": "ver.new", "laoCode": own_lao}, "username", "TAKEN"),
        ({"username": "no spaces", "laoCode": own_lao}, "username", "INVALID"),
        ({"username": "x.noplace"}, "laoCode", "REQUIRED"),
        (
            {"username": "x.twoplaces", "laoCode": own_lao, "provinceCode": "11"},
            "provinceCode",
            "NOT_ALLOWED",
        ),
        (
            {"username": "x.longname", "laoCode": own_lao, "displayName": "ก" * 201},
            "displayName",
            "TOO_LONG",
        ),
        ({"username": "x.mail", "laoCode": own_lao, "email": "not-an-address"}, "email", "INVALID"),
    ]
    await world.issue(
        tokens["province"],
        "admin.new",
        Role.LAO_ADMIN,
        laoCode=(await world.lao_without_accounts("11")).code,
    )
    for fields, path, code in bad:
        variables = {"displayName": "ทดสอบ", "role": "LAO_ADMIN", **fields}
        result = await world.r(tokens["province"], ISSUE, input=variables)
        assert result["__typename"] == "ValidationFailed", (fields, result)
        assert [(e["path"], e["code"]) for e in result["errors"]][:1] == [(path, code)], result
        assert result["messageTh"]
    missing = await world.issue(tokens["province"], "x.nolao", Role.LAO_ADMIN, laoCode="9999999")
    assert missing["__typename"] == "NotFound" and "9999999" in missing["message"]
    assert await world.count_users() == before + 4
    assert [a for a, _ in await world.log_actions()][len(log_before) :] == ["issue_account"] * 4


async def test_disabling_ends_sessions_and_tokens_at_once(world):
    """Disabled: the person's refresh tokens, access tokens and sign-in stop at once; its
    pending code too. A disabled issuer can issue nothing; enabling revives no old session."""
    officer_token = await world.token(Role.PROVINCE_OFFICER)
    admin_cred = world.demo(Role.LAO_ADMIN)
    lao = world.bound_lao(admin_cred)
    admin = await world.sign_in(admin_cred.name, admin_cred.secret)
    clerk = await world.issue_and_activate(
        admin["access_token"], "rec.a", Role.LAO_RECORDER, laoCode=lao
    )
    assert (await world.gql(clerk["access_token"], ME))["me"]["username"] == "rec.a"

    disabled = await world.r(admin["access_token"], DISABLE, u="rec.a", reason="ลาออก")
    assert disabled == {"__typename": "AccountUpdated", "account": {"state": "DISABLED"}}
    refused = await world.call(clerk["access_token"], ME)
    assert refused.status_code == 401 and "invalid_token" in refused.headers["www-authenticate"]
    assert (await refresh(world.hub, world.portal, clerk["refresh_token"])).status_code == 400
    with pytest.raises(AssertionError):  # the sign-in page says the account is disabled
        await world.sign_in("rec.a", PASSWORD)

    enabled = await world.r(admin["access_token"], ENABLE, u="rec.a")
    assert enabled["account"]["state"] == "ACTIVE"
    assert (await world.call(clerk["access_token"], ME)).status_code == 401  # still ended
    assert (await refresh(world.hub, world.portal, clerk["refresh_token"])).status_code == 400
    again = await world.sign_in("rec.a", PASSWORD)
    assert (await world.gql(again["access_token"], ME))["me"]["state"] == "ACTIVE"

    # Disabling an account not yet activated withdraws its code.
    pending = await world.issue(admin["access_token"], "ver.p", Role.LAO_VERIFIER, laoCode=lao)
    await world.r(admin["access_token"], DISABLE, u="ver.p")
    late = await world.r(None, ACTIVATE, code=pending["activation"]["code"], password=PASSWORD)
    assert late["__typename"] == "ValidationFailed" and late["errors"][0]["code"] == "REVOKED"
    reset_disabled = await world.r(admin["access_token"], RESET, u="ver.p")
    assert reset_disabled["errors"][0]["code"] == "ACCOUNT_DISABLED"

    # A disabled issuer: its provincial office disables the LAO administrator.
    assert (await world.r(officer_token, DISABLE, u=admin_cred.name))["account"][
        "state"
    ] == "DISABLED"
    gone = await world.call(
        admin["access_token"],
        ISSUE,
        input={"username": "x.late", "displayName": "x", "role": "LAO_RECORDER", "laoCode": lao},
    )
    assert gone.status_code == 401
    assert (await world.call(admin["access_token"], DISABLE, u="rec.a")).status_code == 401

    # Revoking a role ends the person's sign-ins too: their token carried that role.
    await world.r(officer_token, ENABLE, u=admin_cred.name)
    admin = await world.sign_in(admin_cred.name, admin_cred.secret)
    revoked = await world.r(
        admin["access_token"],
        REVOKE,
        u="rec.a",
        g={"role": "LAO_RECORDER", "laoCode": lao},
        reason="ย้ายงาน",
    )
    assert revoked["__typename"] == "AccountUpdated" and revoked["account"]["roles"] == []
    assert (await world.call(again["access_token"], ME)).status_code == 401
    actions = [a for a, _ in await world.log_actions()]
    assert actions[-7:] == [
        "disable_account", "enable_account", "issue_account", "disable_account",
        "disable_account", "enable_account", "revoke_role",
    ]  # fmt: skip


async def test_a_disabled_issuer_acting_on_a_token_still_in_hand_is_refused(world, fresh_demo_url):
    """Defence in depth behind the resource server: the service reads the issuer's account
    in its own transaction (here a caller whose token would not be re-checked)."""
    from hub.rules.identity import RoleGrant, user

    admin_cred = world.demo(Role.LAO_ADMIN)
    [(user_id, lao_id)] = await world.query(
        select(User.id, RoleAssignment.lao_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.username == admin_cred.name)
    )
    await world.execute(update(User).where(User.id == user_id).values(disabled=True))
    identity = dataclasses.replace(
        user(admin_cred.name, RoleGrant(Role.LAO_ADMIN, lao_id=lao_id)), user_id=user_id
    )
    async with serve(oauth_settings(fresh_demo_url), identity) as hub:
        body = (
            await hub.post(
                "/graphql",
                json={
                    "query": ISSUE,
                    "variables": {
                        "input": {
                            "username": "x.ghost",
                            "displayName": "x",
                            "role": "LAO_RECORDER",
                            "laoCode": world.bound_lao(admin_cred),
                        }
                    },
                },
            )
        ).json()
    result = body["data"]["r"]
    assert result["__typename"] == "Forbidden" and "disabled" in result["message"]


async def test_codes_are_single_use_expire_and_are_replaced(world):
    admin_cred = world.demo(Role.LAO_ADMIN)
    lao = world.bound_lao(admin_cred)
    admin = (await world.sign_in(admin_cred.name, admin_cred.secret))["access_token"]
    issued = await world.issue(admin, "rec.c", Role.LAO_RECORDER, laoCode=lao)
    code = issued["activation"]["code"]

    # A weak password is refused and leaves the code usable.
    weak = await world.r(None, ACTIVATE, code=code, password="rec.c12345")
    assert weak["__typename"] == "ValidationFailed"
    assert {e["code"] for e in weak["errors"]} == {"CONTAINS_USERNAME"}
    garbage = await world.r(None, ACTIVATE, code="AAAA-BBBB-CCCC-DDDD", password=PASSWORD)
    assert garbage["errors"][0] == {
        "path": "code",
        "code": "UNKNOWN",
        "message": garbage["errors"][0]["message"],
        "messageTh": garbage["errors"][0]["messageTh"],
    }
    # Typed however: lower case, spaces for dashes.
    typed = code.lower().replace("-", " ")
    assert (await world.r(None, ACTIVATE, code=typed, password=PASSWORD))[
        "__typename"
    ] == "AccountActivated"
    used = await world.r(None, ACTIVATE, code=code, password="another pass phrase")
    assert used["errors"][0]["code"] == "USED"

    # A forgotten password: a reset code; a newer code replaces the older.
    first = await world.r(admin, RESET, u="rec.c")
    assert first["__typename"] == "AccountCodeIssued" and first["code"]["purpose"] == "RESET"
    assert first["account"]["pendingCode"] == {"purpose": "RESET"}
    second = await world.r(admin, RESET, u="rec.c")
    replaced = await world.r(
        None, ACTIVATE, code=first["code"]["code"], password="another pass phrase"
    )
    assert replaced["errors"][0]["code"] == "REVOKED"

    # Expired: the code's time is up (set in the database: no test waits on the clock).
    session = await world.sign_in("rec.c", PASSWORD)
    await world.execute(
        update(AccountCode)
        .where(AccountCode.used_at.is_(None), AccountCode.revoked_at.is_(None))
        .values(expires_at=audit.now().replace(year=2020))
    )
    expired = await world.r(
        None, ACTIVATE, code=second["code"]["code"], password="another pass phrase"
    )
    assert (
        expired["errors"][0]["code"] == "EXPIRED" and "หมดอายุ" in expired["errors"][0]["messageTh"]
    )
    assert (await world.gql(admin, '{ account(username: "rec.c") { pendingCode { purpose } } }'))[
        "account"
    ] == {"pendingCode": None}

    # A reset that is used sets the password and ends every sign-in of the account.
    third = await world.r(admin, RESET, u="rec.c")
    page = await world.activate_on_page(third["code"]["url"], "another pass phrase")
    assert page.status_code == 200 and "rec.c" in page.text
    assert (await world.call(session["access_token"], ME)).status_code == 401
    with pytest.raises(AssertionError):
        await world.sign_in("rec.c", PASSWORD)
    await world.sign_in("rec.c", "another pass phrase")

    # Codes for accounts one does not manage are refused.
    officer = await world.token(Role.PROVINCE_OFFICER)
    assert (await world.r(officer, RESET, u="rec.c"))["__typename"] == "Forbidden"
    other_admin = await world.issue_and_activate(
        officer,
        "admin.other",
        Role.LAO_ADMIN,
        laoCode=(await world.lao_without_accounts("11")).code,
    )
    assert (await world.r(other_admin["access_token"], RESET, u="rec.c"))[
        "__typename"
    ] == "Forbidden"
    assert (await world.r(admin, RESET, u="nobody"))["__typename"] == "NotFound"
    actions = [a for a, _ in await world.log_actions()]
    assert actions.count("issue_reset_code") == 3 and actions.count("reset_password") == 1


async def test_the_activation_page(world):
    admin_cred = world.demo(Role.LAO_ADMIN)
    admin = (await world.sign_in(admin_cred.name, admin_cred.secret))["access_token"]
    issued = await world.issue(
        admin, "rec.p", Role.LAO_RECORDER, laoCode=world.bound_lao(admin_cred)
    )
    url = issued["activation"]["url"].removeprefix("http://127.0.0.1:8000")
    page = await world.hub.get(url)
    assert page.status_code == 200
    assert "ตั้งรหัสผ่าน" in page.text and "Set your INFO Hub password" in page.text
    assert issued["activation"]["code"] in page.text  # filled in from the link
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "code": issued["activation"]["code"], "password": PASSWORD}

    # Without its cookie (another site's form) the page refuses; mismatching passwords too.
    transport = httpx.ASGITransport(app=world.hub.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as stranger:
        forged = await stranger.post("/oauth/activate", data={**form, "confirm": PASSWORD})
    assert forged.status_code == 403 and "the form expired" in forged.text
    mismatch = await world.hub.post("/oauth/activate", data={**form, "confirm": PASSWORD + "x"})
    assert mismatch.status_code == 400 and "the two passwords differ" in mismatch.text
    weak = await world.hub.post(
        "/oauth/activate", data={**form, "password": "short", "confirm": "short"}
    )
    assert (
        weak.status_code == 400 and "at least 10 characters" in weak.text and "อย่างน้อย" in weak.text
    )
    wrong = await world.hub.post(
        "/oauth/activate", data={**form, "code": "AAAA-BBBB-CCCC-DDDD", "confirm": PASSWORD}
    )
    assert wrong.status_code == 400 and "not valid" in wrong.text and "ไม่ถูกต้อง" in wrong.text
    assert (await world.query(select(User.password_hash).where(User.username == "rec.p")))[0][
        0
    ] is None

    done = await world.hub.post("/oauth/activate", data={**form, "confirm": PASSWORD})
    assert done.status_code == 200 and "rec.p" in done.text
    resent = await world.hub.post("/oauth/activate", data={**form, "confirm": PASSWORD})
    assert resent.status_code == 403  # the form is spent with its cookie
    again = await world.activate_on_page(issued["activation"]["url"], PASSWORD)
    assert again.status_code == 400 and "used already" in again.text
    await world.sign_in("rec.p", PASSWORD)


# --- one's own account ---------------------------------------------------------------------------


async def test_me_my_profile_and_my_password(world):
    admin_cred = world.demo(Role.LAO_ADMIN)
    admin = (await world.sign_in(admin_cred.name, admin_cred.secret))["access_token"]
    lao = world.bound_lao(admin_cred)
    first = await world.issue_and_activate(admin, "rec.me", Role.LAO_RECORDER, laoCode=lao)
    second = await world.sign_in("rec.me", PASSWORD)  # another browser
    me = (await world.gql(first["access_token"], ME))["me"]
    assert me["username"] == "rec.me" and me["state"] == "ACTIVE" and me["mayIssue"] == []
    assert me["roles"] == [
        {"role": "LAO_RECORDER", "lao": {"code": lao}, "district": None, "province": None}
    ]

    # The public and machine clients have no account here.
    assert (await world.gql(None, ME))["me"] is None
    agency = (
        await world.hub.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("demo-moph", world.creds["demo-moph"].secret),
        )
    ).json()["access_token"]
    assert (await world.gql(agency, ME))["me"] is None
    nobody = await world.r(None, CHANGE_PASSWORD, old="x", new="a new pass phrase")
    assert nobody["__typename"] == "Forbidden"

    # One's own name (Thai spelled either way is stored one way) and e-mail.
    updated = await world.r(
        first["access_token"],
        f"""mutation {{ r: updateMyAccount(input: {{displayName: "นางสาวน\u0e4d\u0e49\u0e32 ใจดี", email: "nam@example.go.th"}}) {{
            {RESULT} ... on AccountUpdated {{ account {{ displayName email }} }} }} }}""",
    )
    assert updated["account"] == {"displayName": "นางสาวน้ำ ใจดี", "email": "nam@example.go.th"}
    bad = await world.r(
        first["access_token"],
        'mutation { r: updateMyAccount(input: {email: "x"}) { __typename ... on ValidationFailed { errors { path code } } } }',
    )
    assert bad == {
        "__typename": "ValidationFailed",
        "errors": [{"path": "email", "code": "INVALID"}],
    }

    # The password: the old one is required, the new one must follow the rules.
    wrong = await world.r(
        first["access_token"], CHANGE_PASSWORD, old="not it", new="a new pass phrase"
    )
    assert wrong["__typename"] == "ValidationFailed" and wrong["errors"][0]["path"] == "oldPassword"
    assert wrong["errors"][0]["code"] == "WRONG_PASSWORD"
    weak = await world.r(first["access_token"], CHANGE_PASSWORD, old=PASSWORD, new="short")
    assert [e["code"] for e in weak["errors"]] == ["TOO_SHORT"]
    same = await world.r(first["access_token"], CHANGE_PASSWORD, old=PASSWORD, new=PASSWORD)
    assert [e["code"] for e in same["errors"]] == ["SAME_AS_OLD"]
    changed = await world.r(
        first["access_token"], CHANGE_PASSWORD, old=PASSWORD, new="a new pass phrase"
    )
    assert changed == {"__typename": "PasswordChanged", "username": "rec.me"}
    # The sign-in it came from goes on; the other one has ended.
    assert (await world.call(first["access_token"], ME)).status_code == 200
    assert (await world.call(second["access_token"], ME)).status_code == 401
    assert (await refresh(world.hub, world.portal, second["refresh_token"])).status_code == 400
    await world.sign_in("rec.me", "a new pass phrase")

    # Wrong old passwords count towards the lockout, as failed sign-ins do.
    for _ in range(5):  # HUB_LOGIN_MAX_FAILURES
        last = await world.r(
            first["access_token"], CHANGE_PASSWORD, old="guess", new="whatever it is"
        )
    assert last["__typename"] == "Forbidden" and "locked" in last["message"]
    locked = (await world.gql(admin, '{ account(username: "rec.me") { lockedUntil } }'))["account"]
    assert locked["lockedUntil"] is not None
    history = await world.gql(
        first["access_token"],
        'query { accountChangeLog(username: "rec.me") { totalCount edges { node { action actorName } } } }',
    )
    actions = [e["node"]["action"] for e in history["accountChangeLog"]["edges"]]
    assert actions == ["change_password", "update_account", "activate_account", "issue_account"]


# --- listing, searching, granting ---------------------------------------------------------


async def test_listing_and_searching_the_accounts_one_manages(world):
    officer = world.demo(Role.PROVINCE_OFFICER)
    officer_token = await world.token(officer.name)
    dla_token = await world.token(Role.DLA_ADMIN)
    admin_cred = world.demo(Role.LAO_ADMIN)
    admin_token = await world.token(admin_cred.name)
    lao = world.bound_lao(admin_cred)
    new_laos = [await world.lao_without_accounts("11", n) for n in range(3)]
    for n, place in enumerate(new_laos):
        await world.r(
            officer_token,
            ISSUE,
            input={
                "username": f"admin.{n}",
                "displayName": ["สมศรี รักน้ำ", "สมชาย ใจดี", "Somchai Jaidee"][n],
                "role": "LAO_ADMIN",
                "laoCode": place.code,
            },
        )

    def names(data: dict[str, Any]) -> list[str]:
        return [e["node"]["username"] for e in data["manageableAccounts"]["edges"]]

    query = """query($f: AccountFilter, $first: Int, $after: String) { manageableAccounts(filter: $f, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { username state manageable pendingCode { purpose }
      roles { role lao { code nameTh } } } } } }"""
    everyone = await world.gql(officer_token, query)
    assert set(names(everyone)) == {
        admin_cred.name,
        "admin.0",
        "admin.1",
        "admin.2",
        world.demo(Role.DISTRICT_OFFICER).name,
    }
    assert all(e["node"]["manageable"] for e in everyone["manageableAccounts"]["edges"])
    # Thai typed either way (SARA AM as NIKHAHIT + SARA AA), English in any case, usernames.
    assert names(await world.gql(officer_token, query, f={"search": "รักน\u0e4d\u0e49\u0e32"})) == [
        "admin.0"
    ]
    assert names(await world.gql(officer_token, query, f={"search": "somchai"})) == ["admin.2"]
    assert names(await world.gql(officer_token, query, f={"search": "สมชาย"})) == ["admin.1"]
    assert names(await world.gql(officer_token, query, f={"search": "ADMIN.1"})) == ["admin.1"]
    assert names(await world.gql(officer_token, query, f={"laoCode": new_laos[1].code})) == [
        "admin.1"
    ]
    assert names(await world.gql(officer_token, query, f={"role": "DISTRICT_OFFICER"})) == [
        world.demo(Role.DISTRICT_OFFICER).name
    ]
    pending = await world.gql(
        officer_token, query, f={"state": "PENDING_ACTIVATION", "provinceCode": "11"}
    )
    assert set(names(pending)) == {"admin.0", "admin.1", "admin.2"}
    assert {
        e["node"]["pendingCode"]["purpose"] for e in pending["manageableAccounts"]["edges"]
    } == {"ACTIVATION"}
    assert names(await world.gql(officer_token, query, f={"provinceCode": "10"})) == []
    # A page at a time.
    page = (await world.gql(officer_token, query, first=2))["manageableAccounts"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"]
    rest = (await world.gql(officer_token, query, first=10, after=page["pageInfo"]["endCursor"]))[
        "manageableAccounts"
    ]
    assert len(page["edges"]) + len(rest["edges"]) == 5 and not rest["pageInfo"]["hasNextPage"]

    # Statements per request do not grow with the accounts listed.
    statements = []
    for first in (2, 5):
        response = await world.call(officer_token, query, first=first)
        statements.append(int(response.headers["x-sql-statements"]))
    assert statements[0] == statements[1], statements

    # Each level sees its own: DLA the provincial officers, the LAO admin its staff.
    # DLA manages the provincial officers and the LPA assessors it appoints.
    assessor = world.demo(Role.LPA_ASSESSOR)
    assert sorted(names(await world.gql(dla_token, query))) == sorted([officer.name, assessor.name])
    staff = names(await world.gql(admin_token, query))
    assert set(staff) == {
        c.name
        for c in world.creds.values()
        if c.bound_to.split()[1:2] == [lao] and c.role_or_scopes in ("LAO_RECORDER", "LAO_VERIFIER")
    }
    for token in (
        await world.token(Role.LAO_RECORDER),
        await world.token(Role.DISTRICT_OFFICER),
        None,
    ):
        assert names(await world.gql(token, query)) == []
    # One account: one's own or one managed; others do not exist for the caller.
    one = "query($u: String!) { account(username: $u) { username } }"
    assert (await world.gql(officer_token, one, u="admin.1"))["account"] == {"username": "admin.1"}
    assert (await world.gql(admin_token, one, u="admin.1"))["account"] is None
    assert (await world.gql(admin_token, one, u=admin_cred.name))["account"] == {
        "username": admin_cred.name
    }
    log = "query($u: String!) { accountChangeLog(username: $u) { totalCount } }"
    assert (await world.gql(officer_token, log, u="admin.1"))["accountChangeLog"] == {
        "totalCount": 1
    }
    assert (await world.gql(admin_token, log, u="admin.1"))["accountChangeLog"] is None


async def test_granting_and_revoking_roles(world):
    officer_token = await world.token(Role.PROVINCE_OFFICER)
    admin_cred = world.demo(Role.LAO_ADMIN)
    admin = (await world.sign_in(admin_cred.name, admin_cred.secret))["access_token"]
    lao = world.bound_lao(admin_cred)
    clerk = await world.issue_and_activate(admin, "rec.g", Role.LAO_RECORDER, laoCode=lao)
    other_officer = await world.other_province_officer()

    # The LAO administrator makes its recorder a verifier too; a refreshed token carries it.
    granted = await world.r(admin, GRANT, u="rec.g", g={"role": "LAO_VERIFIER", "laoCode": lao})
    assert [r["role"] for r in granted["account"]["roles"]] == ["LAO_RECORDER", "LAO_VERIFIER"]
    again = await world.r(admin, GRANT, u="rec.g", g={"role": "LAO_VERIFIER", "laoCode": lao})
    assert again["errors"][0]["code"] == "ALREADY_GRANTED"
    fresh = (await refresh(world.hub, world.portal, clerk["refresh_token"])).json()
    viewer = await world.gql(fresh["access_token"], "{ viewer { roles } }")
    assert viewer["viewer"]["roles"] == ["LAO_RECORDER", "LAO_VERIFIER"]

    # Too wide, or a colleague's, or out of reach: refused, nothing changed.
    refused = [
        (admin, "rec.g", {"role": "LAO_ADMIN", "laoCode": lao}),
        (admin, world.demo(Role.DISTRICT_OFFICER).name, {"role": "LAO_RECORDER", "laoCode": lao}),
        (other_officer, "rec.g", {"role": "LAO_ADMIN", "laoCode": lao}),
        (officer_token, "rec.g", {"role": "PROVINCE_OFFICER", "provinceCode": "11"}),
    ]
    for token, username, grant in refused:
        result = await world.r(token, GRANT, u=username, g=grant)
        assert result["__typename"] == "Forbidden", (username, grant, result)
    # The province promotes the LAO's recorder to the LAO's administrator.
    promoted = await world.r(
        officer_token, GRANT, u="rec.g", g={"role": "LAO_ADMIN", "laoCode": lao}
    )
    assert "LAO_ADMIN" in [r["role"] for r in promoted["account"]["roles"]]
    # ... and now the LAO administrator no longer manages that account as a whole.
    assert (await world.r(admin, DISABLE, u="rec.g"))["__typename"] == "Forbidden"
    revoke_admin = await world.r(admin, REVOKE, u="rec.g", g={"role": "LAO_ADMIN", "laoCode": lao})
    assert revoke_admin["__typename"] == "Forbidden"
    assert (
        await world.r(officer_token, REVOKE, u="rec.g", g={"role": "LAO_ADMIN", "laoCode": lao})
    )["__typename"] == "AccountUpdated"
    not_held = await world.r(
        officer_token, REVOKE, u="rec.g", g={"role": "LAO_ADMIN", "laoCode": lao}
    )
    assert not_held["__typename"] == "NotFound"
    gone = await world.r(
        admin, REVOKE, u="rec.g", g={"role": "LAO_VERIFIER", "laoCode": lao}, reason="สลับหน้าที่"
    )
    assert [r["role"] for r in gone["account"]["roles"]] == ["LAO_RECORDER"]
    history = await world.gql(
        admin,
        'query { accountChangeLog(username: "rec.g") { edges { node { action reason actorRole } } } }',
    )
    assert [e["node"] for e in history["accountChangeLog"]["edges"]][:4] == [
        {"action": "revoke_role", "reason": "สลับหน้าที่", "actorRole": "LAO_ADMIN"},
        {"action": "revoke_role", "reason": None, "actorRole": "PROVINCE_OFFICER"},
        {"action": "grant_role", "reason": None, "actorRole": "PROVINCE_OFFICER"},
        {"action": "grant_role", "reason": None, "actorRole": "LAO_ADMIN"},
    ]


async def test_info_administrator_entries(world):
    admin_cred = world.demo(Role.LAO_ADMIN)
    lao = world.bound_lao(admin_cred)
    mutation = """mutation($c: String!, $v: Int!, $a: [InfoAdministratorInput!]!) {
      r: updateLaoInfoAdministrators(laoCode: $c, version: $v, administrators: $a) {
      __typename ... on MutationError { message } ... on ProfileSaved { version }
      ... on VersionConflict { currentVersion } ... on ValidationFailed { errors { path code } } } }"""
    read = "query($c: String!) { lao(code: $c) { version infoAdministrators { slot name phone } } }"
    tokens = {
        "admin": await world.token(admin_cred.name),
        "province": await world.token(Role.PROVINCE_OFFICER),
        "recorder": await world.token(Role.LAO_RECORDER),
        "verifier": await world.token(Role.LAO_VERIFIER),
        "district": await world.token(Role.DISTRICT_OFFICER),
        "dla": await world.token(Role.DLA_ADMIN),
    }
    version = (await world.gql(tokens["admin"], read, c=lao))["lao"]["version"]
    entries = [
        {"slot": 1, "name": "สมหญิง ดูแลระบบ", "phone": "081-000-0000"},
        {"slot": 2, "name": "สมปอง ช่วยดูแล"},
    ]
    saved = await world.r(tokens["admin"], mutation, c=lao, v=version, a=entries)
    assert saved == {"__typename": "ProfileSaved", "version": version + 1}
    for who in ("recorder", "verifier", "district", "dla"):
        refused = await world.r(tokens[who], mutation, c=lao, v=version + 1, a=[])
        assert refused["__typename"] == "Forbidden", who
    stale = await world.r(tokens["province"], mutation, c=lao, v=version, a=[])
    assert stale == {
        "__typename": "VersionConflict",
        "message": stale["message"],
        "currentVersion": version + 1,
    }
    bad = await world.r(
        tokens["province"], mutation, c=lao, v=version + 1, a=[{"slot": 6, "name": " "}]
    )
    assert {(e["path"], e["code"]) for e in bad["errors"]} == {
        ("administrators.6", "OUT_OF_RANGE"),
        ("administrators.6.name", "REQUIRED"),
    }
    by_province = await world.r(tokens["province"], mutation, c=lao, v=version + 1, a=entries[:1])
    assert by_province["__typename"] == "ProfileSaved"
    shown = (await world.gql(tokens["recorder"], read, c=lao))["lao"]["infoAdministrators"]
    assert shown == [{"slot": 1, "name": "สมหญิง ดูแลระบบ", "phone": "081-000-0000"}]
    foreign = await world.r(
        await world.other_province_officer(), mutation, c=lao, v=version + 2, a=[]
    )
    assert foreign["__typename"] == "Forbidden"
    log = await world.query(
        select(ChangeLogEntry.changes_json).where(
            ChangeLogEntry.action == "update_info_administrators"
        )
    )
    assert [r[0] for r in log] == [
        '{"infoAdministrators":[[1],[1,2]]}',
        '{"infoAdministrators":[[1,2],[1]]}',
    ]


async def test_the_demo_accounts_sign_in_through_the_demo_portal_and_issue_at_once(world):
    """`hub demo load` prints the accounts and the portal's secret: with them, the demo
    provincial officer signs in (PKCE, the portal's secret at the token endpoint) and
    issues an LAO administrator, with no set-up."""
    officer = world.demo(Role.PROVINCE_OFFICER)
    code, verifier = await sign_in(world.hub, "demo-portal", officer.name, officer.secret)
    response = await world.hub.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=("demo-portal", world.creds["demo-portal"].secret),
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    lao = await world.lao_without_accounts("11")
    issued = await world.issue(token, "admin.demo", Role.LAO_ADMIN, laoCode=lao.code)
    assert issued["__typename"] == "AccountIssued"
