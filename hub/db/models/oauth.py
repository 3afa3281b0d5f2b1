"""OAuth 2.0 state shared by every worker: signing keys, browser-client registrations,
authorization codes, refresh-token families, revoked access tokens and rate-limit counters.

Nothing here lives in process memory: several stateless workers serve one database.
Codes and refresh tokens are stored as SHA-256 digests, never in clear.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import expression

from hub.db.models.base import Base, UtcDateTime, created_at_column


class SigningKey(Base):
    """One key of the hub's signing key set (JWKS).

    The newest key that is not retired signs; older keys stay published (and accepted) until
    `retire_after`, so a rotation never invalidates tokens already issued.
    """

    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    alg: Mapped[str] = mapped_column(String(10))
    private_jwk: Mapped[str] = mapped_column(Text)  # JSON, or "fernet:" + encrypted JSON
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    retire_after: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)  # generated outside production


class ClientRegistration(Base):
    """What a client may do beyond client credentials: browser sign-in for people, and its
    API policy (allow-list mode, quota overrides).

    A client without a registration is a machine client (client credentials, secret auth) under
    the default policy; setting a machine client's policy gives it a registration that keeps
    those defaults (`client_credentials`, `client_secret_basic`, no redirect URI).
    """

    __tablename__ = "oauth_client_registrations"

    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), primary_key=True)
    redirect_uris: Mapped[str] = mapped_column(Text, default="")  # space separated
    grant_types: Mapped[str] = mapped_column(Text, default="client_credentials")
    token_endpoint_auth_method: Mapped[str] = mapped_column(
        String(30), default="client_secret_basic"
    )
    # Allow-list mode: the client may run only registered operations (hub/web/persisted.py).
    operations_only: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=expression.false()
    )
    # Quota overrides (hub/web/quotas.py); None: the defaults in settings, 0: no limit.
    rate_limit: Mapped[int | None] = mapped_column(Integer)  # requests per minute
    daily_quota: Mapped[int | None] = mapped_column(Integer)  # requests per day (UTC)


class AuthorizationCode(Base):
    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    nonce: Mapped[str | None] = mapped_column(String(255))  # OpenID Connect, echoed in id_token
    auth_time: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The refresh-token family (sign-in) its exchange starts: a second exchange revokes it.
    family_id: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    """A refresh token; every rotation adds a row to the same family.

    Presenting a token that was already rotated revokes its whole family (reuse detection).
    """

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    auth_time: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    issued_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class RevokedAccessToken(Base):
    """Access tokens revoked before they expire (RFC 7009); rows can go once `expires_at` passes."""

    __tablename__ = "oauth_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class RateLimitCounter(Base):
    """A fixed-window counter per key (e.g. `token:<client_id>`, `login-ip:<address>`)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
