"""Help on transferred missions (seed 004:32, 82): the state table of a help request.

An LAO that has trouble recording its transferred missions asks its provincial office for
help; the office answers, or, when it cannot solve the problem, escalates the request to DLA,
which answers. A request is a thread of messages with a status:

| action   | who                                 | from                        | to                        |
|----------|-------------------------------------|-----------------------------|---------------------------|
| ASK      | the LAO's staff                     | (new)                       | OPEN                      |
| ANSWER   | an officer of the LAO's province    | OPEN                        | ANSWERED                  |
| ANSWER   | a DLA administrator                 | OPEN, ESCALATED             | ANSWERED                  |
| ESCALATE | an officer of the LAO's province    | OPEN                        | ESCALATED                 |
| REPLY    | the LAO's staff                     | OPEN, ESCALATED, ANSWERED   | ANSWERED goes back to who |
|          |                                     |                             | answered: ESCALATED once  |
|          |                                     |                             | escalated, else OPEN      |
| CLOSE    | the LAO's staff, a DLA administrator| OPEN, ESCALATED, ANSWERED   | CLOSED                    |
| CLOSE    | an officer of the LAO's province    | OPEN, ANSWERED, if never    | CLOSED                    |
|          |                                     | escalated                   |                           |

Who must act next (`waiting_on`): OPEN the provincial office, ESCALATED DLA, ANSWERED the
LAO; nobody once CLOSED, which is final. Every action but CLOSE carries a message; a
district office reads its LAOs' requests but takes no part (the letters route help through
the province). `decide` answers the step to take or the refusal, as the certification
rules do; `hub.services.mission_help` asks before it writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.rules.enums import MissionHelpAction as Action
from hub.rules.enums import MissionHelpParty as Party
from hub.rules.enums import MissionHelpStatus as Status
from hub.rules.enums import Role
from hub.rules.identity import LAO_STAFF_ROLES, Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, InvalidState, Refusal, invalid

SUBJECT_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 2000
# The argument carrying each action's message, as the API names it.
MESSAGE_ARGUMENT = {
    Action.ASK: "question",
    Action.ANSWER: "answer",
    Action.ESCALATE: "note",
    Action.REPLY: "message",
    Action.CLOSE: "note",
}
# The roles a party acts in, for the change log (in order of preference).
PARTY_ROLES: dict[Party, tuple[Role, ...]] = {
    Party.LAO: LAO_STAFF_ROLES,
    Party.PROVINCE: (Role.PROVINCE_OFFICER,),
    Party.DLA: (Role.DLA_ADMIN,),
}


@dataclass(frozen=True)
class Rule:
    action: Action
    party: Party
    allowed_from: tuple[Status, ...]
    only_if_never_escalated: bool = False


_LIVE = (Status.OPEN, Status.ESCALATED, Status.ANSWERED)
RULES: tuple[Rule, ...] = (
    Rule(Action.ANSWER, Party.PROVINCE, (Status.OPEN,)),
    Rule(Action.ANSWER, Party.DLA, (Status.OPEN, Status.ESCALATED)),
    Rule(Action.ESCALATE, Party.PROVINCE, (Status.OPEN,)),
    Rule(Action.REPLY, Party.LAO, _LIVE),
    Rule(Action.CLOSE, Party.LAO, _LIVE),
    Rule(Action.CLOSE, Party.DLA, _LIVE),
    Rule(Action.CLOSE, Party.PROVINCE, (Status.OPEN, Status.ANSWERED), True),
)


@dataclass(frozen=True)
class Step:
    """An allowed action: the party it is taken as, and the status it leads to."""

    party: Party
    to_status: Status


def parties_of(identity: Identity, lao: LaoPlace) -> tuple[Party, ...]:
    """The parties the caller is for the LAO's requests (a person may be several)."""
    parties = []
    if lao.lao_id in identity.staff_lao_ids():
        parties.append(Party.LAO)
    if lao.province_id in identity.province_ids():
        parties.append(Party.PROVINCE)
    if identity.is_dla_admin:
        parties.append(Party.DLA)
    return tuple(parties)


def waiting_on(status: Status) -> Party | None:
    """Who must act next on a request in `status` (None: closed)."""
    return {
        Status.OPEN: Party.PROVINCE,
        Status.ESCALATED: Party.DLA,
        Status.ANSWERED: Party.LAO,
    }.get(status)


def ask_refusal(parties: tuple[Party, ...]) -> Refusal | None:
    if Party.LAO not in parties:
        return Forbidden(
            "Only the LAO's own staff ask its provincial office for help.",
            "เฉพาะเจ้าหน้าที่ของ อปท. นี้เท่านั้นที่ขอความช่วยเหลือจากจังหวัดได้",
        )
    return None


def _to_status(action: Action, status: Status, escalated: bool) -> Status:
    if action is Action.ANSWER:
        return Status.ANSWERED
    if action is Action.ESCALATE:
        return Status.ESCALATED
    if action is Action.CLOSE:
        return Status.CLOSED
    if status is Status.ANSWERED:  # a reply to an answer goes back to whoever answered
        return Status.ESCALATED if escalated else Status.OPEN
    return status


def decide(
    action: Action, status: Status, escalated: bool, parties: tuple[Party, ...]
) -> Step | Refusal:
    """The step `action` takes on a request in `status` for a caller who is `parties`, or
    why it is refused: Forbidden when no party of the caller may take it at all,
    InvalidState when one may, but not now."""
    if action is Action.ASK:
        raise ValueError("ASK opens a request: use ask_refusal")
    rules = [r for r in RULES if r.action is action and r.party in parties]
    if not rules:
        return Forbidden(
            f"You take no part in this step ({action.label_en.lower()}): "
            + {
                Action.ANSWER: "the LAO's provincial office answers, or DLA once escalated.",
                Action.ESCALATE: "the LAO's provincial office escalates to DLA.",
                Action.REPLY: "the LAO's own staff reply.",
                Action.CLOSE: "the LAO's staff, its provincial office or DLA close a request.",
            }[action],
            "ไม่มีสิทธิ์ดำเนินการขั้นตอนนี้กับคำขอความช่วยเหลือนี้",
        )
    for rule in rules:
        if status in rule.allowed_from and not (rule.only_if_never_escalated and escalated):
            return Step(rule.party, _to_status(action, status, escalated))
    if status is Status.CLOSED:
        return InvalidState(
            "The request is closed: nothing more can be done on it. Ask again for new help.",
            "คำขอนี้ปิดแล้ว หากต้องการความช่วยเหลือเพิ่มเติมให้ส่งคำขอใหม่",
        )
    holder = waiting_on(status)
    return InvalidState(
        f"The request is {status.name} (waiting for {holder.label_en if holder else 'nobody'}): "
        f"it cannot be {action.label_en.lower()} by you now.",
        f"คำขออยู่ในสถานะ {status.label_th} (รอ{holder.label_th if holder else '-'}) "
        f"จึงไม่สามารถ{action.label_th}ได้ในขณะนี้",
    )


def text_refusal(argument: str, text: str | None, limit: int, *, required: bool) -> Refusal | None:
    """Why a subject or message cannot be taken (missing, or too long), naming the argument."""
    if text is None or not text.strip():
        if required:
            return invalid(argument, "REQUIRED", "required", "ต้องระบุ")
        return None
    if len(text) > limit:
        return invalid(
            argument, "TOO_LONG", f"at most {limit:,} characters", f"ไม่เกิน {limit:,} ตัวอักษร"
        )
    return None
