"""Role × field matrix, derived from the declarations: every guarded field in the schema is
queried as every kind of caller, and the outcome must be what hub/rules/permissions.py decides.

A field that gains a `@guard` without a probe below fails `test_every_guarded_field_is_probed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from hub.db.engine import create_engine
from hub.db.models import Lao
from hub.rules import permissions
from hub.rules.catalogue import DOMAINS
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from hub.settings import Settings
from schema import schema
from schema.permissions import Guard, identity_decision
from tests.conftest import Places, graphql_response, identities, serve


def guarded_fields() -> set[tuple[str, str]]:
    found = set()
    for type_name, graphql_type in schema._schema.type_map.items():
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            definition = field.extensions.get("strawberry-definition") if field.extensions else None
            if definition and any(isinstance(d, Guard) for d in definition.directives):
                found.add((type_name, field_name))
    return found


@dataclass(frozen=True)
class Probe:
    query: str
    path: tuple[str | int, ...]
    allowed: Callable[[Identity, LaoPlace], bool]
    # Where a denial shows when a guard above the probed field denies first (None: `path`).
    denied_at: Callable[[Identity], tuple[str | int, ...] | None] = lambda who: None


def _missions_denied(*path: str) -> Callable[[Identity], tuple[str | int, ...] | None]:
    """A field below a transferred-mission list: without `missions` the list is denied."""
    return lambda who: None if permissions.can_read_missions(who) else path


LAO_Q = "query($code: String!) { lao(code: $code) { %s } }"
YEAR_Q = (
    "query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) { %s } } }"
)

PROBES: dict[tuple[str, str], Probe] = {
    ("Lao", "recorders"): Probe(
        LAO_Q % "recorders { name }", ("lao", "recorders"), permissions.can_read_personal
    ),
    ("Lao", "infoAdministrators"): Probe(
        LAO_Q % "infoAdministrators { name }",
        ("lao", "infoAdministrators"),
        permissions.can_read_personal,
    ),
    ("Lao", "changeLog"): Probe(
        LAO_Q % "changeLog { totalCount }", ("lao", "changeLog"), permissions.can_read_history
    ),
    ("Query", "personalDataReads"): Probe(
        "query($code: String!) { personalDataReads(laoCode: $code) { totalCount } }",
        ("personalDataReads",),
        permissions.can_read_personal_reads,
    ),
    ("Lao", "transferredMissions"): Probe(
        LAO_Q % "transferredMissions { status }",
        ("lao", "transferredMissions"),
        lambda who, place: permissions.can_read_missions(who),
    ),
    ("CertificationEvent", "actorName"): Probe(
        YEAR_Q % "certificationHistory { actorName }",
        ("lao", "year", "certificationHistory", 0, "actorName"),
        permissions.can_read_personal,
    ),
    # Who set a value: the demo load's import of the certified LAO's domain-1 value.
    ("ValueChange", "actorName"): Probe(
        "query($code: String!, $year: Int!) { provenance(laoCode: $code, fiscalYear: $year, "
        'field: "villageHealthVolunteers") { changes { actorName } } }',
        ("provenance", "changes", 0, "actorName"),
        permissions.can_read_personal,
    ),
    ("LpaFinalScore", "assessorName"): Probe(
        YEAR_Q % "lpaFinalScore { assessorName }",
        ("lao", "year", "lpaFinalScore", "assessorName"),
        permissions.can_read_assessor,
    ),
    ("Query", "waterSupplySystems"): Probe(
        "query($code: String!, $year: Int!) { waterSupplySystems(filter: {laoCode: $code, fiscalYear: $year}) { totalCount } }",
        ("waterSupplySystems",),
        lambda who, place: permissions.can_read_domain(who, 5),
    ),
    ("Query", "touristSites"): Probe(
        "query($code: String!, $year: Int!) { touristSites(filter: {laoCode: $code, fiscalYear: $year}) { totalCount } }",
        ("touristSites",),
        lambda who, place: permissions.can_read_domain(who, 8),
    ),
    ("Query", "transferredMissions"): Probe(
        "query($code: String!) { transferredMissions(filter: {laoCode: $code}) { totalCount } }",
        ("transferredMissions",),
        lambda who, place: permissions.can_read_missions(who),
    ),
    ("Query", "missionRollup"): Probe(
        "{ missionRollup(groupBy: []) { records } }",
        ("missionRollup",),
        lambda who, place: permissions.can_read_missions(who),
    ),
    # The demo's certified LAO has a cancelled record, whose history has its cancellation.
    ("MissionRecordEvent", "actorName"): Probe(
        "query($code: String!) { transferredMissions(filter: {laoCode: $code, status: CANCELLED}, "
        "first: 1) { edges { node { history { actorName } } } } }",
        ("transferredMissions", "edges", 0, "node", "history", 0, "actorName"),
        lambda who, place: (
            permissions.can_read_missions(who) and permissions.can_read_personal(who, place)
        ),
        _missions_denied("transferredMissions"),
    ),
    ("LaoMission", "helpRequests"): Probe(
        LAO_Q % "transferredMissions { helpRequests { id } }",
        ("lao", "transferredMissions", 0, "helpRequests"),
        lambda who, place: (
            permissions.can_read_missions(who) and permissions.can_read_mission_help(who, place)
        ),
        _missions_denied("lao", "transferredMissions"),
    ),
    ("Query", "missionHelpRequests"): Probe(
        "{ missionHelpRequests { totalCount } }",
        ("missionHelpRequests",),
        lambda who, place: permissions.can_list_mission_help(who),
    ),
    ("Query", "missionHelpRequest"): Probe(
        "{ missionHelpRequest(id: 1) { id } }",
        ("missionHelpRequest",),
        lambda who, place: permissions.can_list_mission_help(who),
    ),
    ("Kpi16Round", "references"): Probe(
        "query($code: String!, $year: Int!) { kpi16Round(fiscalYear: $year) { "
        "references(filter: {laoCode: $code}) { totalCount } } }",
        ("kpi16Round", "references"),
        lambda who, place: permissions.can_read_kpi16_references(who),
    ),
    ("Kpi16Round", "districtReports"): Probe(
        "query($year: Int!) { kpi16Round(fiscalYear: $year) { districtReports { expected } } }",
        ("kpi16Round", "districtReports"),
        lambda who, place: permissions.can_read_kpi16_reports(who),
    ),
    ("Kpi16Round", "provinceReports"): Probe(
        "query($year: Int!) { kpi16Round(fiscalYear: $year) { provinceReports { expected } } }",
        ("kpi16Round", "provinceReports"),
        lambda who, place: permissions.can_read_kpi16_reports(who),
    ),
}
# Fields whose value may be null although the caller may read them: an event's actor may be
# nobody (the demo's are), and a help request outside the caller's LAOs reads null (the row
# filter).
MAY_BE_NULL = {
    ("CertificationEvent", "actorName"),
    ("MissionRecordEvent", "actorName"),
    ("Query", "missionHelpRequest"),
}


def camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(part.capitalize() for part in rest)


for _d in DOMAINS:
    PROBES[("LaoYear", camel(_d.key))] = Probe(
        YEAR_Q % f"{camel(_d.key)} {{ updatedAt }}",
        ("lao", "year", camel(_d.key)),
        lambda who, place, n=_d.number: permissions.can_read_domain(who, n),
    )


# A historical year's domains (pre-2020 shape): a client needs every domain scope. Probed on
# the certified LAO's current year, where the list is empty when allowed (never null).
PROBES[("LaoYear", "historicalSections")] = Probe(
    YEAR_Q % "historicalSections { domain }",
    ("lao", "year", "historicalSections"),
    lambda who, place: all(permissions.can_read_domain(who, n) for n in range(1, 9)),
)


def test_every_guarded_field_is_probed():
    assert guarded_fields() == set(PROBES)


# Guards whose rule depends on the object read (its LAO, the argument's LAO): the planned read
# path cannot decide them at planning time and leaves their fields to the resolvers.
DECIDED_BY_THE_OBJECT = {
    ("Lao", "recorders"),
    ("Lao", "infoAdministrators"),
    ("Lao", "changeLog"),
    ("CertificationEvent", "actorName"),
    ("MissionRecordEvent", "actorName"),
    ("LpaFinalScore", "assessorName"),
    ("ValueChange", "actorName"),
    ("Query", "personalDataReads"),
    ("LaoMission", "helpRequests"),
}


def test_the_planner_decides_each_guard_from_its_declaration():
    """`identity_decision` (what the planner asks) reads the field's own `guarded(...)`: for a
    guard decided by the caller alone it answers as the probe's rule does for every kind of
    caller; for one that depends on the object it answers None; an unguarded field is
    allowed."""
    assert set(PROBES) >= DECIDED_BY_THE_OBJECT
    someone = Places(0, "", 0, 0, "", 0, "", "", 0)
    place = LaoPlace(0, "SAO", 0, 0)  # unused by the caller-only rules
    for (type_name, field_name), probe in PROBES.items():
        for who in identities(someone).values():
            decision = identity_decision(schema._schema, type_name, field_name, who)
            if (type_name, field_name) in DECIDED_BY_THE_OBJECT:
                assert decision is None, (type_name, field_name)
                continue
            assert decision is not None, (type_name, field_name)
            assert decision.allowed == probe.allowed(who, place), (type_name, field_name, who)
            assert decision.allowed or decision.message, (type_name, field_name)
    assert identity_decision(schema._schema, "Lao", "code", identities(someone)["public"])


async def _place(url: str, code: str) -> LaoPlace:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Lao.id, Lao.type, Lao.district_id, Lao.province_id).where(
                        Lao.code == code
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    return LaoPlace(*row)


def _at(data: object, path: tuple[str | int, ...]) -> object:
    for step in path:
        data = data[step]  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    "who",
    [
        "public",
        "agency",
        "agency_personal",
        "recorder",
        "other_recorder",
        "district",
        "province",
        "assessor",
        "dla",
    ],
)
async def test_matrix(demo_database_url: str, places: Places, who: str):
    identity = identities(places)[who]
    # The certified LAO is visible to every caller, so only the field rule decides.
    lao_place = await _place(demo_database_url, places.certified_code)
    settings = Settings(database_url=demo_database_url, environment="test")
    async with serve(settings, identity) as c:
        for field, probe in sorted(PROBES.items()):
            body = await graphql_response(
                c, probe.query, code=places.certified_code, year=places.year
            )
            allowed = probe.allowed(identity, lao_place)
            errors = {tuple(e["path"]): e["extensions"]["code"] for e in body.get("errors", [])}
            if allowed:
                assert not errors, (field, who, body["errors"])
                assert _at(body["data"], probe.path) is not None or field in MAY_BE_NULL, (
                    field,
                    who,
                )
            else:
                # one error per denied value (a list of events yields one per event)
                path = probe.denied_at(identity) or probe.path
                assert path in errors and set(errors.values()) == {"FORBIDDEN"}, (field, who, body)
                assert _at(body["data"], path) is None
