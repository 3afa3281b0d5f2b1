"""Field-level permissions, declared on the fields they guard and shown in the schema.

Each class is a thin adapter from a GraphQL field to a rule in `hub.rules.permissions`; a denied
field resolves to null with an error at its path whose `extensions.code` is `FORBIDDEN`.
The guards of personal data (`PersonalData`, `AssessorName`) also note every read they allow
in the read audit (`schema.read_audit`): a field guarded by one is, by that, audited.
The `@guard(rule: ...)` directive in `schema.graphql` names the rule on every guarded field.

The planned read path reads the same declarations (`identity_decision`): a guard whose rule
depends only on the caller (`_Rule.allows`) is decided once, at planning time, from the
field's own `guarded(...)`. A guard whose rule depends on the caller and the LAO the object
belongs to (`_PlaceRule.allows_at`: personal data, the change log) is bound to the caller at
planning time (`place_guard`) and decided per row from the LAO's place; a personal-data
guard's allowed reads are noted there too, with the fields `schema.read_audit.audited_fields`
names, so both paths record the same reads. Any other guard (one that reads the database)
leaves the field to the resolvers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from hub.rules import permissions
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from schema.context import Info
from schema.loaders import find_lao
from schema.read_audit import note_personal_read

FORBIDDEN = "FORBIDDEN"


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="Field-level permission: who may read this field (see README 'Permissions').",
)
class Guard:
    rule: str


@strawberry.schema_directive(
    locations=[Location.OBJECT],
    description="Row-level filter applied in SQL: objects the caller may not see are omitted.",
)
class RowFilter:
    rule: str


class _Rule(BasePermission):
    rule = ""
    error_extensions = {"code": FORBIDDEN}  # noqa: RUF012 - strawberry reads a class attribute

    @property
    def schema_directive(self) -> object:
        return Guard(rule=self.rule)

    def allows(self, identity: Identity) -> bool | None:
        """The rule decided from the caller alone, or None when it depends on the object
        (its LAO, say). Guards decided by the caller alone implement `has_permission` with
        it, so both paths share one decision."""
        return None

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        allowed = self.allows(info.context.identity)
        assert allowed is not None, f"{type(self).__name__} must decide has_permission"
        return allowed


class _PlaceRule(_Rule):
    """A rule decided by the caller and the LAO the object belongs to (the source's
    `lao_place`); with `audited`, a read it allows is personal data, noted in the read audit."""

    audited = False

    def allows_at(self, identity: Identity, place: LaoPlace) -> bool:
        raise NotImplementedError

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        place: LaoPlace = source.lao_place
        allowed = self.allows_at(info.context.identity, place)
        if allowed and self.audited:
            note_personal_read(info, place)
        return allowed


class PersonalData(_PlaceRule):
    """Names and phone numbers of people (PDPA). The source must expose `lao_place`."""

    rule = "personal: the LAO's staff, officers covering it, DLA, clients with scope 'personal'"
    message = "Personal data: readable by the LAO's staff, officers whose area covers it, DLA administrators and clients granted the 'personal' scope."
    audited = True

    def allows_at(self, identity: Identity, place: LaoPlace) -> bool:
        return permissions.can_read_personal(identity, place)


class DomainData(_Rule):
    """A domain's data; agency clients need the scope `domain:N`."""

    def __init__(self, domain_number: int) -> None:
        self.domain_number = domain_number
        self.rule = f"domain:{domain_number}: everyone who sees the LAO-year; clients need scope 'domain:{domain_number}'"
        self.message = f"Domain {domain_number}: this client has not been granted the scope 'domain:{domain_number}'."

    def allows(self, identity: Identity) -> bool:
        return permissions.can_read_domain(identity, self.domain_number)


class HistoricalData(_Rule):
    """A historical year's domains (pre-2020 shape): they do not map onto today's domains one
    to one, so a client needs every domain scope (`domain:1` … `domain:8`); people read them
    as they read the LAO-year."""

    rule = (
        "historical: everyone who sees the LAO-year; clients need every scope 'domain:1'…'domain:8'"
    )
    message = "Historical data: this client needs every domain scope 'domain:1' to 'domain:8'."

    def allows(self, identity: Identity) -> bool:
        return all(permissions.can_read_domain(identity, n) for n in range(1, 9))


class ChangeHistory(_PlaceRule):
    """An LAO's change log. The source must expose `lao_place`."""

    rule = "history: the LAO's staff, officers covering it, DLA"
    message = "The change log is readable by the LAO's staff, officers whose area covers it and DLA administrators."

    def allows_at(self, identity: Identity, place: LaoPlace) -> bool:
        return permissions.can_read_history(identity, place)


class AssessorName(_PlaceRule):
    """The assessor named on an LPA final score. The source must expose `lao_place`."""

    rule = "assessor: as personal data, and the LPA assessors of the LAO's province"
    message = "The assessor's name is personal data: readable by those who read the LAO's people and by the LPA assessors of its province."
    audited = True

    def allows_at(self, identity: Identity, place: LaoPlace) -> bool:
        return permissions.can_read_assessor(identity, place)


class _ArgumentRule(_Rule):
    """A rule decided by the caller and what the field's arguments name, read from the
    database (the LAO of `laoCode`): `allows_for(engine, identity, **arguments)` (Python
    names), which the permission extension calls through `has_permission` and the planned
    path when it runs the root (`schema.plan_connections.run_computed`)."""

    async def allows_for(self, engine: Any, identity: Identity, **arguments: Any) -> bool:
        raise NotImplementedError

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:  # type: ignore[override]
        return await self.allows_for(info.context.engine, info.context.identity, **kwargs)


class PersonalReadsAudit(_ArgumentRule):
    """Who read an LAO's personal data (the read audit), the LAO named by the argument
    `laoCode`. An unknown code is let through: the field answers null."""

    rule = "read audit: DLA, the LAO's INFO administrators"
    message = "Who read an LAO's personal data is readable by DLA administrators and the LAO's own INFO administrators."

    async def allows_for(self, engine: Any, identity: Identity, **arguments: Any) -> bool:
        lao = await find_lao(engine, arguments["lao_code"])
        if lao is None:
            return True
        place = LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)
        return permissions.can_read_personal_reads(identity, place)


class MissionsData(_Rule):
    rule = "missions: everyone; clients need scope 'missions'"
    message = "Transferred missions: this client has not been granted the scope 'missions'."

    def allows(self, identity: Identity) -> bool:
        return permissions.can_read_missions(identity)


class Kpi16References(_Rule):
    rule = "kpi16 list: DLA, provincial and district offices and LAO staff, each its own area's references"
    message = "The KPI-16 reference list is read by DLA administrators, provincial and district offices and LAO staff (each its own area's)."

    def allows(self, identity: Identity) -> bool:
        return permissions.can_read_kpi16_references(identity)


class Kpi16Reports(_Rule):
    rule = "kpi16 reports: DLA, provincial offices (theirs and their districts'), district offices (their own)"
    message = "KPI-16 reports are read by DLA administrators and the provincial and district offices that make them."

    def allows(self, identity: Identity) -> bool:
        return permissions.can_read_kpi16_reports(identity)


class MissionHelp(_Rule):
    """Listing help requests (rows: the LAOs the caller covers)."""

    rule = "mission help: the LAO's staff, officers covering it, DLA"
    message = "Mission help requests are read by the LAO's staff, the offices covering it and DLA administrators."

    def allows(self, identity: Identity) -> bool:
        return permissions.can_list_mission_help(identity)


class MissionHelpOfRecord(_PlaceRule):
    """The help requests about one mission record, decided at its LAO. The source must
    expose `lao_id` (the resolver loads the LAO; the planned path reads it with the page)."""

    rule = MissionHelp.rule
    message = MissionHelp.message

    def allows_at(self, identity: Identity, place: LaoPlace) -> bool:
        return permissions.can_read_mission_help(identity, place)

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:  # type: ignore[override]
        lao = await info.context.loaders.lao.load(source.lao_id)
        place = LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)
        return self.allows_at(info.context.identity, place)


def guarded(*rules: BasePermission) -> list[PermissionExtension]:
    """Field extensions enforcing `rules` and showing them as `@guard` in the schema."""
    return [PermissionExtension(permissions=list(rules), use_directives=True)]


@dataclass(frozen=True)
class Decision:
    """A field's guards decided for one caller: allowed, or refused with `message`."""

    allowed: bool
    message: str = ""


def declared_rules(graphql_schema: Any, type_name: str, field_name: str) -> list[BasePermission]:
    """The rules `type_name.field_name` declares with `guarded(...)`, in their order."""
    definition = graphql_schema.get_type(type_name).fields[field_name]
    field = definition.extensions.get("strawberry-definition")
    return [
        rule
        for extension in getattr(field, "extensions", None) or ()
        if isinstance(extension, PermissionExtension)
        for rule in extension.permissions
    ]


def identity_decision(
    graphql_schema: Any, type_name: str, field_name: str, identity: Identity
) -> Decision | None:
    """The `guarded(...)` rules declared on `type_name.field_name`, decided for `identity` as
    the permission extension would (every rule must allow; the first that refuses gives the
    message), or None when one of them depends on the object read. A field without guards is
    allowed."""
    for rule in declared_rules(graphql_schema, type_name, field_name):
        allowed = rule.allows(identity) if isinstance(rule, _Rule) else None
        if allowed is None:
            return None
        if not allowed:
            return Decision(False, rule.message or "")
    return Decision(True)


def argument_rules(
    graphql_schema: Any, type_name: str, field_name: str, identity: Identity
) -> tuple[_ArgumentRule, ...] | None:
    """The `guarded(...)` rules of `type_name.field_name` that depend on its arguments, when
    every other rule of it allows `identity` (else None: refused, or another kind)."""
    found: list[_ArgumentRule] = []
    for rule in declared_rules(graphql_schema, type_name, field_name):
        if isinstance(rule, _ArgumentRule):
            found.append(rule)
        elif not isinstance(rule, _Rule) or rule.allows(identity) is not True:
            return None
    return tuple(found) if found else None


def is_guarded(graphql_schema: Any, type_name: str, field_name: str) -> bool:
    """Whether `type_name.field_name` declares any `guarded(...)` rule."""
    return bool(declared_rules(graphql_schema, type_name, field_name))


@dataclass(frozen=True)
class PlaceGuard:
    """A field's guards bound to one caller, where one depends on the LAO the object belongs
    to: `refusal(place)` is None when every rule allows the object at `place`, else the first
    refusing rule's message; `audited`: an allowed read is personal data (the read audit)."""

    identity: Identity
    rules: tuple[_Rule, ...]
    audited: bool

    def refusal(self, place: LaoPlace) -> str | None:
        for rule in self.rules:
            allowed = (
                rule.allows_at(self.identity, place)
                if isinstance(rule, _PlaceRule)
                else rule.allows(self.identity)
            )
            if not allowed:
                return rule.message or ""
        return None


def place_guard(
    graphql_schema: Any, type_name: str, field_name: str, identity: Identity
) -> PlaceGuard | None:
    """The `guarded(...)` rules of `type_name.field_name` bound to `identity` when one of them
    depends on the LAO the object belongs to and each depends on nothing else (else None:
    no guard of that kind, or one that reads the database)."""
    rules: list[_Rule] = []
    for rule in declared_rules(graphql_schema, type_name, field_name):
        if not isinstance(rule, _Rule):
            return None
        if not isinstance(rule, _PlaceRule) and rule.allows(identity) is None:
            return None
        rules.append(rule)
    if not any(isinstance(rule, _PlaceRule) for rule in rules):
        return None
    audited = any(isinstance(rule, _PlaceRule) and rule.audited for rule in rules)
    return PlaceGuard(identity, tuple(rules), audited)
