"""People, their role assignments, their one-time activation and reset codes, and machine
clients (agencies' systems)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column, enum_column
from hub.rules.enums import AccountCodePurpose, Role


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = created_at_column()


class RoleAssignment(Base):
    """A role held by a user, bound to the LAO, district or province it applies to.

    Accounts are delegated down the chain: DLA → provincial office → LAO administrator →
    recorders and verifiers; `granted_by_user_id` records who delegated it.
    """

    __tablename__ = "role_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    lao_id: Mapped[int | None] = mapped_column(ForeignKey("laos.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"))
    granted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[dt.datetime] = created_at_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class AccountCode(Base):
    """A one-time code with which a person sets their password: on activation of an account
    just issued, or after a forgotten password (`purpose` ACTIVATION or RESET).

    Only the code's SHA-256 is stored (`hub.rules.accounts.code_digest`). A code is used once
    (`used_at`), expires (`expires_at`), and is revoked when a newer one is issued for the
    same person or the account is disabled (`revoked_at`).
    """

    __tablename__ = "account_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[AccountCodePurpose] = mapped_column(
        enum_column(AccountCodePurpose, "account_code_purpose")
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ApiClient(Base):
    """A machine client: another ministry's system, with its granted scopes.

    Scopes: `domain:1` … `domain:8`, `missions`, `personal`. Secrets are stored hashed.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = created_at_column()


class HubMeta(Base):
    """Small key/value facts about this database (e.g. which demo dataset it holds)."""

    __tablename__ = "hub_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
