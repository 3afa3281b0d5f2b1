"""What every resolver receives: the engine, the caller's identity and this request's loaders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import Info as StrawberryInfo

from hub.rules.declared_caller import NOBODY_DECLARED, DeclaredCaller
from hub.rules.identity import PUBLIC, Identity
from hub.rules.record_files import DEFAULT_MAX_LINES
from hub.services.read_audit import PersonalReads
from hub.settings import Settings
from schema.loaders import Loaders


@dataclass
class HubContext:
    engine: AsyncEngine
    writer: AsyncEngine | None = None  # transactions that write (SQLite: BEGIN IMMEDIATE)
    # Plain reads, the planner's and the loaders' (`hub.db.engine.plain_reads`: no
    # transaction around them on PostgreSQL); `engine` when not given.
    reader: AsyncEngine | None = None
    identity: Identity = PUBLIC
    request: Any = None
    response: Any = None
    # The app's configuration (account codes' lifetime, the issuer their links start with,
    # the sign-in lockout a password change counts towards); the defaults outside an app.
    settings: Settings = field(default_factory=Settings)
    current_fiscal_year: int | None = None
    # Lines a record-table file may hold (`importWaterSupplySystems`; HUB_IMPORT_MAX_LINES).
    max_import_lines: int = DEFAULT_MAX_LINES
    # What the calling system declared besides its token (GDX: `X-Consumer-Key`, `X-Officer-Id`;
    # `hub.rules.declared_caller`): recorded by services that audit (the read audit), never
    # consulted by a permission rule.
    declared_caller: DeclaredCaller = NOBODY_DECLARED
    # One "now" per request, so every default "as of now" in a query means the same instant.
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # The personal data this request read, recorded when it has run (`schema.read_audit`).
    personal_reads: PersonalReads = field(default_factory=PersonalReads)
    # Set while the planner has the resolvers answer part of an operation: it records the
    # request's reads itself, once (`schema.read_audit.held_reads`).
    read_audit_held: bool = False
    _loaders: Loaders | None = field(default=None, init=False, repr=False)

    @property
    def write_engine(self) -> AsyncEngine:
        """The engine a mutation's transaction runs on (SQLite: the writer, whose
        transactions take the write lock at BEGIN; PostgreSQL: the one engine)."""
        return self.writer or self.engine

    @property
    def read_engine(self) -> AsyncEngine:
        """The engine plain reads (planned reads, the loaders' batches) run on."""
        return self.reader or self.engine

    def restart_reads(self) -> None:
        """Forget what this request has read so far (its loaders' batches, the personal data
        read), before its operation is answered again from another engine."""
        self._loaders = None
        self.personal_reads = PersonalReads()

    @property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, built on first use: the planned read path needs none,
        and building them all costs ~1 ms a request."""
        if self._loaders is None:
            self._loaders = Loaders(self.read_engine, self.identity)
        return self._loaders


Info = StrawberryInfo[HubContext, None]
