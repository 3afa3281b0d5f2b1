"""Declarative base, naming conventions and column helpers shared by every model."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, MetaData, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(enum_type: type[enum.Enum], name: str) -> Enum:
    """A portable enum: VARCHAR holding the member name, checked by a named constraint."""
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.name) for m in enum_type),
        validate_strings=True,
    )


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment in time, always read back aware and in UTC, on both databases.

    PostgreSQL's `timestamptz` keeps the zone; SQLite stores text without one, so a read
    there would be naive (and a bound aware value written in its own zone's wall time).
    Writing converts to UTC (naive values are taken as UTC) and reading attaches UTC: every
    datetime the API returns carries its offset, whichever database and read path served it.
    Use it for every timestamp column (`created_at_column` does).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[dt.datetime]:
        # Stated, not inherited: SQLAlchemy 2.1's TypeDecorator answers `object`, and code
        # that picks a converter by column type (the bench's floors) needs to see a datetime.
        return dt.datetime

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
            return value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, dt.datetime):
            return (
                value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
            )
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def created_at_column() -> Mapped[dt.datetime]:
    return mapped_column(UtcDateTime(), default=utcnow, server_default=func.now())


JSONValue = dict[str, Any] | list[Any] | str | int | float | bool | None
