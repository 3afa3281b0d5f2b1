"""Demo accounts: one user per role (bound to real demo LAOs) and four API clients.

DLA's LPA assessor assesses the first province, where the demo clerks work.
The LAO portal (`demo-portal`) may also sign people in (authorization code + PKCE, its
secret at the token endpoint) with a redirect URI on the loopback address, so every demo
account can get a token at once and try what its role allows (README, "Accounts").

Passwords and client secrets are derived from the seed and the account name, so they are the
same on every load and can be printed again without being stored anywhere in clear.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.grants import grants_with_places
from hub.db.models import ApiClient, District, Lao, Province, RoleAssignment, User
from hub.rules.enums import LaoType
from hub.rules.passwords import hash_password
from loaders.demo_laos import BANGKOK, DemoLao

_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY23456789"
ALL_DOMAINS = " ".join(f"domain:{n}" for n in range(1, 9))
# Where the demo portal sends a person back after signing in: nothing listens there; the
# browser's address bar shows the code (README, "Accounts").
PORTAL_REDIRECT_URIS = "http://127.0.0.1:8765/callback http://localhost:8765/callback"
CLIENTS = (  # client_id, name, agency code, scopes
    ("demo-moph", "กระทรวงสาธารณสุข (ทดลอง) / Ministry of Public Health (demo)", "OPS-MOPH",
     "domain:1 domain:7"),
    ("demo-all-domains", "ระบบทดลองทุกด้าน / All domains (demo)", None, f"{ALL_DOMAINS} missions"),
    ("demo-personal", "ระบบทดลองข้อมูลส่วนบุคคล / Personal data (demo)", None,
     f"{ALL_DOMAINS} missions personal"),
    ("demo-portal", "เว็บไซต์ อปท. (ทดลอง) / LAO portal (demo)", None, ""),
)  # fmt: skip


@dataclass(frozen=True)
class DemoCredential:
    kind: str  # "user" or "client"
    name: str  # username or client_id
    secret: str  # password or client secret
    role_or_scopes: str
    bound_to: str


def secret_for(seed: int, name: str, prefix: str, length: int) -> tuple[str, bytes]:
    """The deterministic secret of a demo account and the salt its hash uses."""
    rng = random.Random(f"{seed}:account:{name}")
    secret = prefix + "".join(rng.choice(_ALPHABET) for _ in range(length))
    return secret, rng.getrandbits(128).to_bytes(16, "big")


def _hashed(seed: int, name: str, prefix: str, length: int) -> str:
    secret, salt = secret_for(seed, name, prefix, length)
    return hash_password(secret, salt=salt)


def account_rows(
    laos: list[DemoLao],
    agency_ids: dict[str, int],
    seed: int,
    user_id_base: int,
    grant_id_base: int,
    client_id_base: int,
    at: dt.datetime,
    drafting: set[int] | frozenset[int] = frozenset(),
) -> dict[str, list[dict[str, Any]]]:
    """Users with role assignments for every role, and the demo API clients."""
    users: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = []

    def user(username: str, display: str, role: str, granted_by: int | None, **bound: int) -> int:
        uid = user_id_base + len(users) + 1
        users.append(
            {
                "id": uid,
                "username": username,
                "display_name": display,
                "email": f"{username}@demo.info-hub.invalid",
                "password_hash": _hashed(seed, username, "demo-", 10),
                "disabled": False,
                "failed_logins": 0,
                "locked_until": None,
                "is_demo": True,
                "created_at": at,
            }
        )
        grants.append(
            {
                "id": grant_id_base + len(grants) + 1,
                "user_id": uid,
                "role": role,
                "lao_id": bound.get("lao_id"),
                "district_id": bound.get("district_id"),
                "province_id": bound.get("province_id"),
                "granted_by_user_id": granted_by,
                "granted_at": at,
                "revoked_at": None,
            }
        )
        return uid

    dla = user("demo.dla", "ผู้ดูแลระบบ สถ. (ทดลอง)", "DLA_ADMIN", None)
    provinces: list[Any] = []
    for lao in laos:
        if lao.province.code != BANGKOK and lao.province not in provinces:
            provinces.append(lao.province)
    officers = {}
    for p in provinces[:2]:
        officers[p.id] = user(
            f"demo.province.{p.code}",
            f"สถจ.{p.name_th} (ทดลอง)",
            "PROVINCE_OFFICER",
            dla,
            province_id=p.id,
        )
    saos = [lao for lao in laos if lao.type is LaoType.SAO]
    if provinces and saos:
        home = [lao for lao in saos if lao.province.id == provinces[0].id]
        home_drafting = [lao for lao in home if lao.id in drafting]
        sao = min(
            home_drafting or home or saos, key=lambda lao: (lao.district.code, lao.code or "")
        )
        district = sao.district
        user(
            f"demo.district.{district.code}",
            f"ท้องถิ่นอำเภอ{district.name_th} (ทดลอง)",
            "DISTRICT_OFFICER",
            officers.get(sao.province.id, dla),
            district_id=district.id,
        )
        admin = user(
            f"demo.lao.{sao.code}.admin",
            f"ผู้ดูแลระบบ {sao.name_th} (ทดลอง)",
            "LAO_ADMIN",
            officers.get(sao.province.id, dla),
            lao_id=sao.id,
        )
        for role, label in (("verifier", "ผู้ตรวจสอบข้อมูล"), ("recorder", "ผู้บันทึกข้อมูล")):
            user(
                f"demo.lao.{sao.code}.{role}",
                f"{label} {sao.name_th} (ทดลอง)",
                f"LAO_{role.upper()}",
                admin,
                lao_id=sao.id,
            )
        neighbours = sorted(
            (
                lao
                for lao in laos
                if lao.district.id == district.id and lao.id != sao.id and lao.primary
            ),
            key=lambda lao: lao.id not in drafting,
        ) or [lao for lao in laos if lao.province.id == sao.province.id and lao.id != sao.id]
        if neighbours:
            other = neighbours[0]
            user(
                f"demo.lao.{other.code}.recorder",
                f"ผู้บันทึกข้อมูล {other.name_th} (ทดลอง)",
                "LAO_RECORDER",
                dla,
                lao_id=other.id,
            )
    if provinces:  # DLA appoints an LPA assessor of the first province (loaders.demo_lpa)
        p = provinces[0]
        user(
            f"demo.assessor.{p.code}",
            f"ผู้ตรวจประเมิน LPA จังหวัด{p.name_th} (ทดลอง)",
            "LPA_ASSESSOR",
            dla,
            province_id=p.id,
        )
    clients = [
        {
            "id": client_id_base + i,
            "client_id": client_id,
            "name": name,
            "agency_id": agency_ids.get(agency) if agency else None,
            "secret_hash": _hashed(seed, client_id, "demo-secret-", 20),
            "scopes": scopes,
            "contact_email": f"{client_id}@demo.info-hub.invalid",
            "disabled": False,
            "is_demo": True,
            "created_at": at,
        }
        for i, (client_id, name, agency, scopes) in enumerate(CLIENTS, start=1)
    ]
    portal = next(c for c in clients if c["client_id"] == "demo-portal")
    registrations = [
        {
            "api_client_id": portal["id"],
            "redirect_uris": PORTAL_REDIRECT_URIS,
            "grant_types": "authorization_code refresh_token client_credentials",
            "token_endpoint_auth_method": "client_secret_basic",
        }
    ]
    return {
        "users": users,
        "role_assignments": grants,
        "api_clients": clients,
        "oauth_client_registrations": registrations,
    }


async def demo_credentials(conn: AsyncConnection, seed: int) -> list[DemoCredential]:
    """The demo accounts in the database, with their (re-derived) secrets."""
    rows = (
        await conn.execute(
            grants_with_places(
                User.username,
                Lao.name_th.label("lao_name"),
                District.name_th.label("district_name"),
                Province.name_th.label("province_name"),
            )
            .join(User, User.id == RoleAssignment.user_id)
            .where(User.is_demo.is_(True))
            .order_by(None)
            .order_by(User.id, RoleAssignment.id)
        )
    ).all()
    creds = []
    for r in rows:
        if r.lao_code or r.lao_name:
            bound = f"LAO {r.lao_code or '-'} {r.lao_name}"
        elif r.district_code:
            bound = f"district {r.district_code} {r.district_name}"
        elif r.province_code:
            bound = f"province {r.province_code} {r.province_name}"
        else:
            bound = ""
        password, _ = secret_for(seed, r.username, "demo-", 10)
        creds.append(DemoCredential("user", r.username, password, r.role.name, bound))
    clients = (
        await conn.execute(
            select(ApiClient.client_id, ApiClient.scopes)
            .where(ApiClient.is_demo.is_(True))
            .order_by(ApiClient.id)
        )
    ).all()
    for c in clients:
        secret, _ = secret_for(seed, c.client_id, "demo-secret-", 20)
        creds.append(DemoCredential("client", c.client_id, secret, c.scopes or "(public)", ""))
    return creds
