"""The permission table: who may read what. Plain functions, decided once per request.

Row level — a LAO-year's domain data (its 8 sections, record tables, water systems):
  | caller                         | sees                                                    |
  |--------------------------------|---------------------------------------------------------|
  | public, agency client          | LAO_CERTIFIED and PROVINCE_CERTIFIED LAO-years           |
  | LAO staff (recorder, verifier, | + every year of its own LAO, drafts included            |
  |   INFO administrator)          |                                                         |
  | district office                | + SAOs and subdistrict municipalities of its district   |
  | provincial office              | + every LAO of its province                             |
  | LPA assessor                   | + every LAO of the provinces it is appointed to assess  |
  |                                |   (it judges drafts too: "recorded incompletely")       |
  | DLA administrator              | everything                                              |

Field level:
  | datum                                   | who may read it                                 |
  |-----------------------------------------|-------------------------------------------------|
  | people's names and phones (recorders,   | the LAO's own staff, officers whose area covers |
  |   INFO administrators, history actors)  | it, DLA administrators, clients with `personal` |
  | domain N's data                         | everyone who sees the row; a client only with   |
  |                                         | scope `domain:N`                                |
  | transferred missions                    | everyone; a client only with scope `missions`   |
  | the change log of an LAO                | the LAO's staff, officers covering it, DLA      |
  | the assessor named on an LPA final      | as people's names, and the LPA assessors of the |
  |   score                                 |   LAO's province                                |
  | who is appointed LPA assessor of a      | DLA administrators, the province's officers and |
  |   province (`lpaAssessors`)             |   its assessors                                 |
  | who read an LAO's personal data (the    | DLA administrators and the LAO's own INFO       |
  |   read audit, `personalDataReads`)      |   administrators                                |

An LPA assessor covers no LAO (it reads no people's names, no change log): it reads the
LAO-years it assesses and the LPA scores. Who may appoint assessors and record final scores
is `hub.rules.lpa_assessment`.
  | KPI-16 reference list of a round        | DLA; a provincial office its province's; a      |
  |   (each system, its match, the records  |   district office its LAOs' (any type: it is    |
  |   matched)                              |   assessed on them); LAO staff their LAO's      |
  | KPI-16 reports and their deadlines      | DLA; a provincial office its own and its        |
  |                                         |   districts'; a district office its own         |
  | mission help requests                   | the LAO's staff, officers covering it, DLA      |

Areas — whose progress a person follows (`supervises_area`; the console's dashboards):
  DLA administrators every area; a provincial office and an LPA assessor their province and
  its districts; a district office its district; nobody else. The roll-ups themselves are
  public counts.

Rounds (`hub.rules.rounds`):
  | datum                                   | who may read it                                 |
  |-----------------------------------------|-------------------------------------------------|
  | a round's dates, phase, provinces'      | everyone (DLA's letters are public)             |
  |   deadlines; an area's counts against   |   (the counts, like certification progress)     |
  |   the deadline and its series by day    |                                                 |
  | an LAO's standing in an INFO round      | whoever sees the LAO-year (the row rule above): |
  |   (on time, late by n days, overdue)    |   its own staff see their deadline and lateness |
  | an LAO's standing in a missions round   | everyone; a client only with scope `missions`   |
  | reminders: LAOs with something to do,   | officers, for the LAOs they cover; DLA          |
  |   with their people's contacts          |                                                 |
  Setting a round's dates and a province's deadlines: DLA administrators only.

LAO registry (`hub.rules.lao_registry`): an LAO's dated codes, types, names and mergers, and
the subdistricts and villages, are public like the profile; recording an LAO's type
upgrade, code or name change or merger: DLA administrators only (`can_keep_registry`).

Writes of domain data follow the certification table (`hub.rules.certification`); the one
write outside it: an LAO's transferred missions are kept by its own staff (`may_keep_missions`).

LAO profiles (name, type, address, office phone) are public. A token can never widen what
its role allows: clients have no roles, and scopes only narrow what a client reads.
These functions are the only place the rules live: the GraphQL permission classes
(`schema/permissions.py`) call them, and the SQL row filter (`hub.db.visibility`) states the
same rule over many rows at once, from the same tables (`PUBLIC_STATES`,
`DISTRICT_SUPERVISED_TYPES`) and the same identity accessors.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.rules.enums import Breakdown, CertificationState, Kpi16ReportLevel, LaoType, Role
from hub.rules.identity import LAO_STAFF_ROLES, MISSIONS_SCOPE, PERSONAL_SCOPE, Identity

PUBLIC_STATES = (CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED)
# The LAOs a district office relays letters to (seed 000:74-86, 001:99-116).
DISTRICT_SUPERVISED_TYPES = (LaoType.SAO, LaoType.SUBDISTRICT_MUNICIPALITY)


@dataclass(frozen=True)
class LaoPlace:
    """What the rules need to know about an LAO."""

    lao_id: int
    type: LaoType
    district_id: int
    province_id: int


def covers_lao(identity: Identity, lao: LaoPlace) -> bool:
    """The caller works for this LAO or supervises it: it may see its drafts and people."""
    if identity.is_dla_admin:
        return True
    if lao.lao_id in identity.staff_lao_ids():
        return True
    if lao.province_id in identity.province_ids():
        return True
    return lao.district_id in identity.district_ids() and lao.type in DISTRICT_SUPERVISED_TYPES


def assesses_lao(identity: Identity, lao: LaoPlace) -> bool:
    """The caller is an LPA assessor of the LAO's province."""
    return lao.province_id in identity.assessed_province_ids()


def can_read_lao_year(identity: Identity, lao: LaoPlace, state: CertificationState) -> bool:
    return state in PUBLIC_STATES or covers_lao(identity, lao) or assesses_lao(identity, lao)


def can_read_assessor(identity: Identity, lao: LaoPlace) -> bool:
    """The name of the assessor on an LAO's final LPA score: personal data, which the
    province's assessors also read (they work together on its LAOs)."""
    return can_read_personal(identity, lao) or assesses_lao(identity, lao)


def can_read_assessors_of(identity: Identity, province_id: int) -> bool:
    """Who is appointed LPA assessor of a province: DLA, the province's officers, its assessors."""
    return (
        identity.is_dla_admin
        or province_id in identity.province_ids()
        or province_id in identity.assessed_province_ids()
    )


def can_read_personal(identity: Identity, lao: LaoPlace) -> bool:
    if identity.is_client:
        return PERSONAL_SCOPE in identity.scopes
    return covers_lao(identity, lao)


def can_read_personal_reads(identity: Identity, lao: LaoPlace) -> bool:
    """The read audit of an LAO (who read its people's names and phones, and why): DLA, which
    oversees every LAO's handling of personal data, and the LAO's own INFO administrators,
    who answer for it (PDPA). Officers covering the LAO read its people but not who else did."""
    return identity.is_dla_admin or any(
        g.role is Role.LAO_ADMIN and g.lao_id == lao.lao_id for g in identity.grants
    )


def can_read_history(identity: Identity, lao: LaoPlace) -> bool:
    """The change log holds drafts' values and who changed them: those covering the LAO."""
    return covers_lao(identity, lao)


def can_read_domain(identity: Identity, domain_number: int) -> bool:
    if identity.is_client:
        return f"domain:{domain_number}" in identity.scopes
    return True


def can_set_rounds(identity: Identity) -> bool:
    return identity.is_dla_admin


def can_keep_registry(identity: Identity) -> bool:
    return identity.is_dla_admin


def can_read_reminders(identity: Identity) -> bool:
    """Reminder lists are the supervising offices' (and DLA's): who has yet to record or
    certify, and whom to call. The rows are those the officer covers (`covers_lao`)."""
    return identity.is_dla_admin or bool(identity.province_ids() or identity.district_ids())


def can_read_missions(identity: Identity) -> bool:
    if identity.is_client:
        return MISSIONS_SCOPE in identity.scopes
    return True


# Roles that work from DLA's KPI-16 reference list (seed 003): every level of the chain.
KPI16_LIST_ROLES = (Role.DLA_ADMIN, Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, *LAO_STAFF_ROLES)
# Roles that report KPI-16 figures up the chain, or receive the reports.
KPI16_REPORT_ROLES = (Role.DLA_ADMIN, Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER)


def can_read_kpi16_references(identity: Identity) -> bool:
    """Whether the caller works from a KPI-16 reference list at all (which references: the
    row filter `hub.db.visibility.kpi16_references_clause`, by the same roles' places)."""
    return any(role in KPI16_LIST_ROLES for role in identity.roles())


def can_read_kpi16_reports(identity: Identity) -> bool:
    """Whether the caller takes part in KPI-16 reporting (which reports: `can_read_kpi16_report`
    and its SQL form `hub.db.visibility.kpi16_report_areas_clause`)."""
    return any(role in KPI16_REPORT_ROLES for role in identity.roles())


def can_read_kpi16_report(
    identity: Identity, level: Kpi16ReportLevel, province_id: int, district_id: int | None
) -> bool:
    """A district's report: DLA, its provincial office, itself; a province's: DLA, itself."""
    if identity.is_dla_admin or province_id in identity.province_ids():
        return True
    return level is Kpi16ReportLevel.DISTRICT and district_id in identity.district_ids()


def can_read_mission_help(identity: Identity, lao: LaoPlace) -> bool:
    """An LAO's requests for help hold its questions and the offices' answers: those
    covering the LAO read them (its staff, the offices over it, DLA)."""
    return covers_lao(identity, lao)


def can_list_mission_help(identity: Identity) -> bool:
    """Whether the caller may list help requests at all (people with a role; the row filter
    is `hub.db.visibility.covered_laos_clause`). Machine clients have no part in them."""
    return not identity.is_client and bool(identity.grants)


# --- Areas: whose progress a person follows --------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A place whose roll-ups (certification progress, LPA scores, KPI-16 coverage) someone
    may follow: the nation, a province, or a district (with its province)."""

    level: Breakdown
    area_id: int | None = None  # the province's or district's id; None for the nation
    province_id: int | None = None  # a district's province (None when unknown)


NATION = Area("nation")


def supervised_areas(identity: Identity) -> tuple[Area, ...]:
    """The areas a person follows, widest first: the nation for a DLA administrator, a
    provincial office's province, an LPA assessor's provinces, a district office's district.
    LAO staff, clients and the public follow none. The console's dashboards open on the first
    of them."""
    if identity.is_client:
        return ()
    if identity.is_dla_admin:
        return (NATION,)
    provinces = sorted(identity.province_ids() | identity.assessed_province_ids())
    districts = sorted(identity.district_ids())
    return (
        *(Area("province", p, p) for p in provinces),
        *(Area("district", d) for d in districts),
    )


def supervises_area(identity: Identity, area: Area) -> bool:
    """The person follows this area's progress as their own work (the console's dashboards):
    a DLA administrator every area; a provincial office, or an LPA assessor, its province and
    that province's districts; a district office its district. Everyone may read the figures
    themselves (they count LAOs, and name no person and no draft value); this decides whose
    area it is."""
    if identity.is_client:
        return False
    if identity.is_dla_admin:
        return True
    provinces = identity.province_ids() | identity.assessed_province_ids()
    if area.level == "province":
        return area.area_id in provinces
    if area.level == "district":
        return (
            area.province_id is not None and area.province_id in provinces
        ) or area.area_id in identity.district_ids()
    return False


def may_keep_missions(identity: Identity, lao_id: int) -> bool:
    """The LAO's own staff (recorder, verifier, INFO administrator) record, update and cancel
    its transferred missions; missions are not under certification (DOMAIN.md)."""
    return lao_id in identity.staff_lao_ids()
