"""Delegated accounts: who issues and manages whose accounts (DOMAIN.md "Roles"; seed
000:186-201, 002:280-292). Plain functions over plain values, no I/O.

Accounts are delegated down the chain, each level managing the one below it in its own area:

    | manager                     | manages (issues, grants, revokes)   | where                         |
    |-----------------------------|-------------------------------------|-------------------------------|
    | DLA administrator           | provincial officers                 | any province                  |
    | provincial officer          | LAO INFO administrators             | the LAOs of its province      |
    |                             | district officers                   | the districts of its province |
    | LAO INFO administrator      | data recorders, data verifiers      | its own LAO                   |
    | the server's command line   | every role, DLA administrators too  | anywhere                      |

To manage a grant is to issue an account with it, grant it to an account, or revoke it. To
manage an account (disable, enable, issue an activation or reset code) one must manage
every live grant it holds, so an LAO administrator can never disable the provincial
officer who also happens to be its LAO's recorder; an account holding no live grant is
managed by whoever managed one of its former grants. Granting a role to an account that
already exists also needs each live grant of that account managed by the manager or below
it in its area (`below`).
Nobody grants a role wider than their own reach: every role in the table reaches an area
inside its manager's (`reach_within`), which tests/test_account_rules.py checks for every
pair, and nobody but the command line issues DLA administrators.

A grant is described by `Grant`: the role and its place with the places above it (an LAO
role's LAO, district and province). A manager's grants are the identity's `RoleGrant`s.
The SQL form of "the grants this caller manages" (`hub.db.visibility.managed_grants_clause`)
is built from the same `MANAGES` table and `SCOPE` of each role.

Activation and reset codes are one-time secrets the issuer hands to the person: 16
characters of Crockford's base 32 (80 bits), shown in groups of four, read back
whatever the case, spacing or look-alike letters (O for 0, I and L for 1); only their
SHA-256 is stored. The person sets their own password with it at `/oauth/activate`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from hub.rules.enums import Role
from hub.rules.identity import LAO_STAFF_ROLES, Identity, RoleGrant
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, InvalidInput, invalid

Scope = Literal["nation", "province", "district", "lao"]

# The area each role works in, and so the place a grant of it is bound to.
SCOPE: Mapping[Role, Scope] = {
    Role.DLA_ADMIN: "nation",
    Role.PROVINCE_OFFICER: "province",
    Role.DISTRICT_OFFICER: "district",
    Role.LAO_ADMIN: "lao",
    Role.LAO_VERIFIER: "lao",
    Role.LAO_RECORDER: "lao",
    Role.LPA_ASSESSOR: "province",  # appointed by DLA to assess a province's LAOs
}

# The delegation table: the roles each role issues and manages, inside its own area.
MANAGES: Mapping[Role, tuple[Role, ...]] = {
    Role.DLA_ADMIN: (Role.PROVINCE_OFFICER, Role.LPA_ASSESSOR),
    Role.PROVINCE_OFFICER: (Role.LAO_ADMIN, Role.DISTRICT_OFFICER),
    Role.LAO_ADMIN: (Role.LAO_RECORDER, Role.LAO_VERIFIER),
}

# The API's name of the code each scope's grant is bound to.
PLACE_ARGUMENT: Mapping[Scope, str] = {
    "lao": "laoCode",
    "district": "districtCode",
    "province": "provinceCode",
}


@dataclass(frozen=True)
class CommandLine:
    """The server's operator (`hub users …`): manages every role, DLA administrators too.

    It is not a caller of the API: no token can stand for it."""


COMMAND_LINE = CommandLine()
Manager = Identity | CommandLine


@dataclass(frozen=True)
class Grant:
    """A role with its place and the places above it: an LAO role's LAO, district and
    province; a district officer's district and province; a provincial officer's province;
    a DLA administrator's nothing (the nation)."""

    role: Role
    lao_id: int | None = None
    district_id: int | None = None
    province_id: int | None = None

    @staticmethod
    def at_lao(role: Role, lao: LaoPlace) -> Grant:
        return Grant(role, lao.lao_id, lao.district_id, lao.province_id)


# --- the decisions ---------------------------------------------------------------------------


def within(manager: RoleGrant, place: Grant) -> bool:
    """Whether `place` lies inside the area of the manager's grant."""
    scope = SCOPE[manager.role]
    if scope == "nation":
        return True
    if scope == "province":
        return place.province_id is not None and place.province_id == manager.province_id
    if scope == "district":
        return place.district_id is not None and place.district_id == manager.district_id
    return place.lao_id is not None and place.lao_id == manager.lao_id


def manages(manager: RoleGrant, target: Grant) -> bool:
    """Whether a holder of `manager` issues, grants and revokes `target`."""
    return target.role in MANAGES.get(manager.role, ()) and within(manager, target)


_ORDER: tuple[Scope, ...] = ("lao", "district", "province", "nation")


def reach_within(target: Grant, manager: RoleGrant) -> bool:
    """Whether everything `target` reaches is inside what `manager` reaches (its area
    contains the target's, and the target's scope is no wider)."""
    if _ORDER.index(SCOPE[target.role]) > _ORDER.index(SCOPE[manager.role]):
        return False
    return within(manager, target)


def below(target: Grant, manager: RoleGrant) -> bool:
    """Whether `target` works inside the manager's area at a strictly narrower scope (an
    LAO's recorder below its province's officer; not a colleague of the same level)."""
    narrower = _ORDER.index(SCOPE[target.role]) < _ORDER.index(SCOPE[manager.role])
    return narrower and within(manager, target)


def issuable_roles(grants: Iterable[RoleGrant]) -> tuple[Role, ...]:
    """The roles a holder of `grants` may issue (somewhere in its area), in `Role` order."""
    held = {g.role for g in grants}
    return tuple(r for r in Role if any(r in MANAGES.get(h, ()) for h in held))


def _labels(roles: Sequence[Role]) -> tuple[str, str]:
    return (
        ", ".join(r.label_en for r in roles) or "no accounts",
        ", ".join(r.label_th for r in roles) or "ไม่มีบัญชีใด",
    )


def _too_wide(by: Identity, target: Grant) -> Forbidden:
    """Why `by` may not manage `target`: its roles never issue that role, or not there."""
    if any(target.role in MANAGES.get(g.role, ()) for g in by.grants):
        where_en, where_th = {
            "province": ("another province", "จังหวัดอื่น"),
            "lao": ("another LAO", "อปท. อื่น"),
            "district": ("another district", "อำเภออื่น"),
            "nation": ("that place", "ที่นั้น"),
        }[next(SCOPE[g.role] for g in by.grants if target.role in MANAGES.get(g.role, ()))]
        return Forbidden(
            f"A {target.role.label_en} account of {where_en} is outside your reach: you manage "
            "accounts of your own area only.",
            f"บัญชี{target.role.label_th}ของ{where_th}อยู่นอกขอบเขตของคุณ: "
            "จัดการได้เฉพาะบัญชีในพื้นที่ของตนเท่านั้น",
        )
    issuable = issuable_roles(by.grants)
    en, th = _labels(issuable)
    return Forbidden(
        f"Your roles do not issue {target.role.label_en} accounts (you may issue: {en}); "
        "nobody grants a role wider than their own reach.",
        f"บทบาทของคุณออกบัญชี{target.role.label_th}ไม่ได้ (ออกได้: {th}) ไม่มีผู้ใดมอบสิทธิ์เกินขอบเขตของตน",
    )


def decide_grant(by: Manager, target: Grant) -> Forbidden | None:
    """May `by` issue, grant or revoke `target`? None, or the refusal saying why not."""
    if isinstance(by, CommandLine):
        return None
    if any(manages(g, target) for g in by.grants):
        return None
    return _too_wide(by, target)


def decide_account(by: Manager, live: Sequence[Grant], former: Sequence[Grant]) -> Forbidden | None:
    """May `by` disable, enable or issue a code for an account holding the `live` grants
    (and, revoked, the `former` ones)? Every live grant must be one `by` manages; an
    account with none is managed by whoever manages one of its former grants."""
    if isinstance(by, CommandLine):
        return None
    if live:
        for grant in live:
            if not any(manages(g, grant) for g in by.grants):
                return Forbidden(
                    f"This account also holds a {grant.role.label_en} role you do not manage: "
                    "only whoever manages every role of an account disables, enables or resets it.",
                    f"บัญชีนี้มีบทบาท{grant.role.label_th}ที่คุณไม่ได้ดูแล: "
                    "ผู้ที่ดูแลทุกบทบาทของบัญชีเท่านั้นที่ระงับ เปิดใช้ หรือตั้งรหัสผ่านใหม่ได้",
                )
        return None
    if any(manages(g, grant) for g in by.grants for grant in former):
        return None
    return Forbidden(
        "You do not manage this account.",
        "คุณไม่ได้ดูแลบัญชีนี้",
    )


def decide_grant_to_account(by: Manager, target: Grant, live: Sequence[Grant]) -> Forbidden | None:
    """May `by` add `target` to an existing account holding `live`? `by` must manage
    `target`, and every live grant of the account must be one `by` manages or one below it
    in its own area (so an LAO administrator makes its recorder a verifier too, a province
    officer one of its LAOs' recorders that LAO's administrator; nobody attaches roles to a
    colleague's account or to accounts of other areas)."""
    refused = decide_grant(by, target)
    if refused is not None or isinstance(by, CommandLine):
        return refused
    for grant in live:
        if not any(manages(g, grant) or below(grant, g) for g in by.grants):
            return Forbidden(
                f"This account holds a {grant.role.label_en} role outside your reach.",
                f"บัญชีนี้มีบทบาท{grant.role.label_th}ที่อยู่นอกขอบเขตของคุณ",
            )
    return None


def decide_info_administrators(by: Identity, lao: LaoPlace) -> Forbidden | None:
    """The LAO's INFO-administrator entries are kept by its own INFO administrator, and by
    the provincial office that issues its administrators (for an LAO that has none yet)."""
    for g in by.grants:
        if g.role is Role.LAO_ADMIN and g.lao_id == lao.lao_id:
            return None
        if g.role is Role.PROVINCE_OFFICER and g.province_id == lao.province_id:
            return None
    return Forbidden(
        "Only the LAO's INFO administrator or its provincial office edits its INFO administrators.",
        "เฉพาะผู้ดูแลระบบ INFO ของ อปท. หรือสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดเท่านั้น"
        "ที่แก้ไขรายชื่อผู้ดูแลระบบ INFO ได้",
    )


def bound_place(role: Role) -> Scope:
    """The kind of place a grant of `role` is bound to ("nation": none)."""
    return SCOPE[role]


def check_place(role: Role, codes: Mapping[Scope, str | None]) -> InvalidInput | None:
    """A grant names exactly the place its role is bound to: an LAO role its LAO, a
    district officer its district, a provincial officer its province, DLA nothing."""
    scope = SCOPE[role]
    for other, argument in PLACE_ARGUMENT.items():
        given = codes.get(other)
        if other == scope and not given:
            return invalid(
                argument,
                "REQUIRED",
                f"a {role.name} is bound to a place: give {argument}",
                f"บทบาท{role.label_th}ต้องระบุพื้นที่: ระบุ {argument}",
            )
        if other != scope and given:
            return invalid(
                argument,
                "NOT_ALLOWED",
                f"a {role.name} is not bound to {'an LAO' if other == 'lao' else 'a ' + other}: "
                f"leave {argument} out",
                f"บทบาท{role.label_th}ไม่ผูกกับพื้นที่ระดับนี้: ไม่ต้องระบุ {argument}",
            )
    return None


def is_lao_role(role: Role) -> bool:
    return role in LAO_STAFF_ROLES


# --- usernames, names, e-mail -----------------------------------------------------------------

USERNAME = re.compile(r"[A-Za-z0-9._@-]{3,100}")
DISPLAY_NAME_MAX = 200
EMAIL_MAX = 200
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
REASON_MAX = 1000


def username_problem(username: str) -> InvalidInput | None:
    if USERNAME.fullmatch(username):
        return None
    return invalid(
        "username",
        "INVALID",
        "a username is 3-100 letters, digits or . _ @ -",
        "ชื่อผู้ใช้ประกอบด้วยตัวอักษรภาษาอังกฤษ ตัวเลข หรือ . _ @ - ความยาว 3-100 ตัว",
    )


# --- activation and reset codes ---------------------------------------------------------------

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 16
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_code() -> str:
    """A fresh one-time code, grouped for reading aloud: `7K3Q-9XWD-M2PA-4TNB`."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normal_code(text: str) -> str | None:
    """The code as typed, in its one stored spelling; None when it cannot be one."""
    if len(text) > 4 * CODE_LENGTH:
        return None
    raw = _SEPARATORS.sub("", text).upper().translate(_LOOK_ALIKES)
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return raw


def code_digest(code: str) -> str:
    """What is stored of a code: SHA-256 of its normal spelling (80 random bits need no
    slow hash; a lookup by digest is one index probe)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def activation_url(issuer: str, code: str) -> str:
    """The link that opens the activation page with the code filled in."""
    return f"{issuer.rstrip('/')}/oauth/activate?code={quote(code)}"
