"""The console's sign-ins, one row per browser session (hub/web/console/session.py), and the
files uploaded in them awaiting confirmation (hub/web/console/uploads.py).

The browser holds a random secret in an HttpOnly cookie; the row is keyed by the secret's
SHA-256 digest and keeps the OAuth tokens encrypted with a key derived from the secret, so
neither the cookie alone (it holds no token) nor the database alone (it holds no key) is
enough to act as the person. Nothing lives in process memory: any worker serves any request.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(secret), hex
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    sealed_tokens: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM: access + refresh
    access_expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    csrf_token: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by each token refresh
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)


class ConsoleUpload(Base):
    """A record-table file uploaded in a console session, kept between its preview and its
    confirmation, so any worker can confirm it. It belongs to the session (gone with it) and
    expires; confirming imports it through the API and deletes it."""

    __tablename__ = "console_uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, URL-safe
    session_id: Mapped[str] = mapped_column(
        ForeignKey("console_sessions.id", ondelete="CASCADE"), index=True
    )
    lao_code: Mapped[str] = mapped_column(String(16))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
