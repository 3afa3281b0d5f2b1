"""The permission table: who may read what. Plain functions, decided once per request.

Row level — a LAO-year's domain data (its 8 sections, record tables, water systems):
  | caller                         | sees                                                    |
  |--------------------------------|---------------------------------------------------------|
  | public, agency client          | LAO_CERTIFIED and PROVINCE_CERTIFIED LAO-years           |
  | LAO staff (recorder, verifier, | + every year of its own LAO, drafts included            |
  |   INFO administrator)          |                                                         |
  | district office                | + SAOs and subdistrict municipalities of its district   |
  | provincial office              | + every LAO of its province                             |
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

from hub.rules.enums import CertificationState, LaoType
from hub.rules.identity import MISSIONS_SCOPE, PERSONAL_SCOPE, Identity

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


def can_read_lao_year(identity: Identity, lao: LaoPlace, state: CertificationState) -> bool:
    return state in PUBLIC_STATES or covers_lao(identity, lao)


def can_read_personal(identity: Identity, lao: LaoPlace) -> bool:
    if identity.is_client:
        return PERSONAL_SCOPE in identity.scopes
    return covers_lao(identity, lao)


def can_read_history(identity: Identity, lao: LaoPlace) -> bool:
    """The change log holds drafts' values and who changed them: those covering the LAO."""
    return covers_lao(identity, lao)


def can_read_domain(identity: Identity, domain_number: int) -> bool:
    if identity.is_client:
        return f"domain:{domain_number}" in identity.scopes
    return True


def can_read_missions(identity: Identity) -> bool:
    if identity.is_client:
        return MISSIONS_SCOPE in identity.scopes
    return True


def may_keep_missions(identity: Identity, lao_id: int) -> bool:
    """The LAO's own staff (recorder, verifier, INFO administrator) record, update and cancel
    its transferred missions; missions are not under certification (DOMAIN.md)."""
    return lao_id in identity.staff_lao_ids()
