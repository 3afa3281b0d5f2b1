"""The two-tier certification rules (seed 002 steps 4–8; DOMAIN.md "Two-tier certification").

Plain functions over plain values: `decide` says whether an action may happen and, if not,
exactly why, as the typed problem to raise (`hub.rules.problems`). The services
(`hub.services.sections`, `records`, `certification`) ask before writing and write only what
was allowed.

| action                 | who                                   | from                | to                  |
|------------------------|---------------------------------------|---------------------|---------------------|
| edit data              | the LAO's recorders and verifiers     | DRAFT               | (unchanged)         |
| CERTIFY_LAO            | the LAO's verifier; all 8 complete    | DRAFT               | LAO_CERTIFIED       |
| CANCEL_LAO             | the LAO's verifier                    | LAO_CERTIFIED       | DRAFT               |
| CERTIFY_PROVINCE       | an officer of the LAO's province      | LAO_CERTIFIED       | PROVINCE_CERTIFIED  |
| CANCEL_PROVINCE        | an officer of the LAO's province      | PROVINCE_CERTIFIED  | LAO_CERTIFIED       |

Every action needs the fiscal year open, i.e. not closed by DLA (DOMAIN.md "Fiscal years,
deadlines and closing"), and nothing else about the year: the LAO records and certifies in
every open year, late after the deadline included. Opening year N+1 therefore takes nothing
away from a round of year N still running; N becomes view-only for the LAO (seed 002:133),
and read-only for everyone, when DLA closes it, which is DLA's explicit, announced act
rather than a side effect of opening the next year for every LAO at once. Cancelling the
LAO's certification while the province has certified is refused: the province cancels first
(step 8).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hub.rules.completeness import ALL_DOMAINS_MASK, domains_in
from hub.rules.enums import CertificationState, Role
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import (
    Forbidden,
    Incomplete,
    InvalidState,
    ReasonRequired,
    Refusal,
    YearClosed,
)

# LAO-years one province certification request may carry; each is its own transaction.
PROVINCE_BATCH_LIMIT = 1000

State = CertificationState


class Action(enum.Enum):
    EDIT = "edit"
    CERTIFY_LAO = "certify_lao"
    CANCEL_LAO = "cancel_lao"
    CERTIFY_PROVINCE = "certify_province"
    CANCEL_PROVINCE = "cancel_province"


@dataclass(frozen=True)
class Transition:
    from_state: State
    to_state: State
    province_level: bool
    needs_reason: bool


TRANSITIONS: dict[Action, Transition] = {
    Action.CERTIFY_LAO: Transition(State.DRAFT, State.LAO_CERTIFIED, False, False),
    Action.CANCEL_LAO: Transition(State.LAO_CERTIFIED, State.DRAFT, False, True),
    Action.CERTIFY_PROVINCE: Transition(State.LAO_CERTIFIED, State.PROVINCE_CERTIFIED, True, False),
    Action.CANCEL_PROVINCE: Transition(State.PROVINCE_CERTIFIED, State.LAO_CERTIFIED, True, True),
}


@dataclass(frozen=True)
class YearStatus:
    year_be: int
    closed: bool  # closed by DLA: read-only for every role


def _staff_roles(identity: Identity, lao_id: int) -> set[Role]:
    return {g.role for g in identity.grants if g.lao_id == lao_id}


def may_edit(identity: Identity, place: LaoPlace) -> bool:
    """Whether the caller is one of the LAO's recorders or verifiers."""
    return bool(_staff_roles(identity, place.lao_id) & {Role.LAO_RECORDER, Role.LAO_VERIFIER})


def is_lao_verifier(identity: Identity, place: LaoPlace) -> bool:
    return Role.LAO_VERIFIER in _staff_roles(identity, place.lao_id)


def is_province_officer(identity: Identity, place: LaoPlace) -> bool:
    return place.province_id in identity.province_ids()


def _province_level(action: Action) -> bool:
    transition = TRANSITIONS.get(action)
    return transition.province_level if transition else False


def _forbidden(action: Action) -> Forbidden:
    if _province_level(action):
        return Forbidden(
            "Only an officer of the LAO's own provincial office may certify or cancel at province level.",
            "เฉพาะเจ้าหน้าที่สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดของ อปท. นี้เท่านั้นที่รับรองหรือยกเลิกการรับรองระดับจังหวัดได้",
        )
    if action is Action.EDIT:
        return Forbidden(
            "Only the LAO's own data recorders and verifiers may edit its data.",
            "เฉพาะผู้บันทึกข้อมูลและผู้ตรวจสอบข้อมูลของ อปท. นี้เท่านั้นที่แก้ไขข้อมูลได้",
        )
    return Forbidden(
        "Only the LAO's own data verifier may certify or cancel at LAO level.",
        "เฉพาะผู้ตรวจสอบข้อมูลของ อปท. นี้เท่านั้นที่รับรองหรือยกเลิกการรับรองระดับ อปท. ได้",
    )


def refused_outright(action: Action, identity: Identity) -> Forbidden | None:
    """The refusal `decide` would give for every LAO-year, when the caller holds no role that
    could do `action` anywhere (the public, an agency client, a district officer…); None when
    it depends on the LAO-year. Asked once before any database work, so a batch from such a
    caller is refused without opening a transaction per item."""
    if _province_level(action):
        allowed = bool(identity.province_ids())
    else:
        roles = {Role.LAO_VERIFIER} | ({Role.LAO_RECORDER} if action is Action.EDIT else set())
        allowed = any(g.role in roles and g.lao_id is not None for g in identity.grants)
    return None if allowed else _forbidden(action)


def decide(
    action: Action,
    identity: Identity,
    place: LaoPlace,
    state: State,
    year: YearStatus,
    complete_mask: int = ALL_DOMAINS_MASK,
    reason: str | None = None,
) -> Refusal | None:
    """None when `identity` may do `action` now; otherwise the first reason it may not."""
    transition = TRANSITIONS.get(action)
    province_level = _province_level(action)

    if province_level:
        allowed = is_province_officer(identity, place)
    elif action is Action.EDIT:
        allowed = may_edit(identity, place)
    else:
        allowed = is_lao_verifier(identity, place)
    if not allowed:
        return _forbidden(action)

    if year.closed:
        return YearClosed(
            f"Fiscal year {year.year_be} is closed: its data is read-only.",
            f"ปีงบประมาณ {year.year_be} ปิดแล้ว ข้อมูลเป็นแบบอ่านอย่างเดียว",
            current_state=state,
            fiscal_year=year.year_be,
        )

    if action is Action.EDIT:
        if state is not State.DRAFT:
            return InvalidState(
                f"The data is {state.name}: cancel the LAO certification before editing.",
                f'ข้อมูลอยู่ในสถานะ "{state.label_th}" ต้องยกเลิกการรับรองระดับ อปท. ก่อนจึงจะแก้ไขได้',
                current_state=state,
            )
        return None

    assert transition is not None
    if state is not transition.from_state:
        if action is Action.CANCEL_LAO and state is State.PROVINCE_CERTIFIED:
            return InvalidState(
                "The provincial office has certified this data: ask it to cancel its certification first.",
                "จังหวัดรับรองข้อมูลแล้ว ให้ประสานสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดยกเลิกการรับรองระดับจังหวัดก่อน",
                current_state=state,
            )
        return InvalidState(
            f"This needs the state {transition.from_state.name}; the data is {state.name}.",
            f'ต้องอยู่ในสถานะ "{transition.from_state.label_th}" แต่ข้อมูลอยู่ในสถานะ "{state.label_th}"',
            current_state=state,
        )
    if transition.needs_reason and not (reason and reason.strip()):
        return ReasonRequired(
            "A reason is required to cancel a certification.",
            "ต้องระบุเหตุผลในการยกเลิกการรับรอง",
            current_state=state,
        )
    if action is Action.CERTIFY_LAO and complete_mask != ALL_DOMAINS_MASK:
        missing = tuple(n for n in range(1, 9) if n not in domains_in(complete_mask))
        return Incomplete(
            f"All 8 domains must be complete before certifying; incomplete: {', '.join(map(str, missing))}.",
            f"ต้องบันทึกข้อมูลให้ครบทั้ง 8 ด้านก่อนรับรอง ด้านที่ยังไม่ครบ: {', '.join(map(str, missing))}",
            current_state=state,
            incomplete_domains=missing,
        )
    return None
