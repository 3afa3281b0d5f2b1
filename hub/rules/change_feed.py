"""Incremental sync: what the changes feeds carry, where their cursors stand, when they are gone.

A changes feed answers "everything of one kind that changed since this cursor" for one caller
(the model is Microsoft Graph's delta queries). A feed is read in two phases:

* **baseline** — a caller without a cursor pages through every item of the kind it may see
  now (a full extract), ordered by key; the first page notes the change log's head (the
  *watermark*);
* **delta** — from the watermark on, the change log (`hub.services.audit`) names what
  changed, read in commit order (by writing transaction, then id, below the oldest
  transaction still running: an entry committed late never falls behind a cursor that
  passed its place): each entry reaches some keys of the kind
  (`reach`), and each key is answered with its current value, or a tombstone when the caller
  may no longer see it.

So a client that replays the feed from the start (upserting values, deleting tombstoned
keys) holds exactly what a full extract returns at the time of its last page: a change made
while a baseline was being paged is replayed by the delta phase, and reading current values
(never the log's copies) makes replays idempotent.

A tombstone is sent only when the caller may have seen the item before: a key the caller
does not see now is tombstoned when its LAO-year was taken out of the public states
(`hides`, a cancellation), when the record was retired while its LAO-year is visible, or
when the row is gone; otherwise (a draft's edits, for the public) the key is skipped, so a
feed never reveals activity in what a caller cannot read.

Cursors (`Position`) are opaque to callers: versioned JSON, base64url, with a checksum, bound
to the kind and to a fingerprint of the caller's identity (its grants and scopes), and
stamped with when they were issued. A cursor that does not decode, fails its checksum, names
another kind or another caller is a caller's mistake naming `after`; one older than the
retention (`HUB_CHANGES_RETENTION_DAYS`) is `CursorExpired` (HTTP 410) with the way back: a
fresh baseline. A cursor grants nothing: every page is read under the caller's row rules.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.rules.catalogue import DOMAINS
from hub.rules.enums import CertificationState
from hub.rules.identity import Identity
from hub.rules.permissions import PUBLIC_STATES, can_read_domain, can_read_missions
from hub.rules.problems import CursorExpired, Forbidden, InvalidInput, invalid


class Kind(enum.Enum):
    """The feeds, one per kind of item."""

    LAO_PROFILE = "LAO_PROFILE"  # an LAO's profile (public)
    LAO_YEAR = "LAO_YEAR"  # an LAO-year: its sections, records, state and version
    CERTIFICATION = "CERTIFICATION"  # an LAO-year's certification state
    WATER_SUPPLY_SYSTEM = "WATER_SUPPLY_SYSTEM"  # a record of domain 5
    TOURIST_SITE = "TOURIST_SITE"  # a record of domain 8
    MISSION_RECORD = "MISSION_RECORD"  # an LAO's transferred-mission record


class Reach(enum.Enum):
    """How a change-log entry's `entity_id` leads to the keys of a feed it touches."""

    SELF = "self"  # the entity id is the item's key
    LAO_YEAR_OF_RECORD = "lao_year_of_record"  # a record's id: the item is its LAO-year
    RECORDS_OF_LAO_YEAR = "records_of_lao_year"  # an LAO-year's id: every record of it
    LAO_YEARS_OF_YEAR = "lao_years_of_year"  # a fiscal year opened: every LAO-year of it
    RECORDS_OF_YEAR = "records_of_year"  # a fiscal year opened: every record of it


# The record table each record kind reads, and the domain whose scope it needs.
RECORD_KINDS: Mapping[Kind, str] = {
    Kind.WATER_SUPPLY_SYSTEM: "water_supply_systems",
    Kind.TOURIST_SITE: "tourist_sites",
}
RECORD_DOMAIN: Mapping[str, int] = {
    t.name: d.number for d in DOMAINS for t in d.record_tables if t.name in RECORD_KINDS.values()
}
SECTION_ENTITIES = frozenset(d.table_name for d in DOMAINS)
LAO_YEAR_ENTITY = "lao_years"
FISCAL_YEAR_ENTITY = "fiscal_years"
OPENED = "open"  # the action of a fiscal year's opening (it creates every LAO-year of it)


def _reaches(kind: Kind) -> dict[str, Reach]:
    if kind is Kind.LAO_PROFILE:
        return {"laos": Reach.SELF}
    if kind is Kind.MISSION_RECORD:
        return {"lao_missions": Reach.SELF}
    if kind is Kind.CERTIFICATION:
        return {LAO_YEAR_ENTITY: Reach.SELF, FISCAL_YEAR_ENTITY: Reach.LAO_YEARS_OF_YEAR}
    if kind is Kind.LAO_YEAR:
        found = {name: Reach.SELF for name in SECTION_ENTITIES}
        found.update({name: Reach.LAO_YEAR_OF_RECORD for name in RECORD_DOMAIN})
        found.update({LAO_YEAR_ENTITY: Reach.SELF, FISCAL_YEAR_ENTITY: Reach.LAO_YEARS_OF_YEAR})
        return found
    return {
        RECORD_KINDS[kind]: Reach.SELF,
        LAO_YEAR_ENTITY: Reach.RECORDS_OF_LAO_YEAR,  # a certification shows or hides them
        FISCAL_YEAR_ENTITY: Reach.RECORDS_OF_YEAR,
    }


REACHES: Mapping[Kind, Mapping[str, Reach]] = {kind: _reaches(kind) for kind in Kind}


def reach(kind: Kind, entity: str, action: str) -> Reach | None:
    """How an entry (`entity`, `action`) of the change log reaches the items of `kind`; None
    when it does not (a fiscal year's closing changes no item: it only stops edits)."""
    found = REACHES[kind].get(entity)
    if entity == FISCAL_YEAR_ENTITY and action != OPENED:
        return None
    return found


def hides(entity: str, changes: Mapping[str, Any]) -> bool:
    """Whether the entry may have taken its LAO-year out of a reader's sight: a certification
    transition from a public state to a draft (so the public and agencies saw it before)."""
    if entity != LAO_YEAR_ENTITY:
        return False
    state = changes.get("state")
    if not isinstance(state, list | tuple) or len(state) != 2:
        return False
    public = {s.name for s in PUBLIC_STATES}
    before, after = state
    return before in public and after not in public and after in CertificationState.__members__


def check_readable(identity: Identity, kind: Kind) -> None:
    """Refuse a feed whose items the caller may not read at all (a client without the scope
    of the records' domain, or of transferred missions): the same rules as the fields."""
    if kind in RECORD_KINDS and not can_read_domain(identity, RECORD_DOMAIN[RECORD_KINDS[kind]]):
        number = RECORD_DOMAIN[RECORD_KINDS[kind]]
        raise Forbidden(
            f"Domain {number}: this client has not been granted the scope 'domain:{number}'.",
            f"ไคลเอนต์นี้ไม่ได้รับสิทธิ์ 'domain:{number}'",
            field="kind",
        )
    if kind is Kind.MISSION_RECORD and not can_read_missions(identity):
        raise Forbidden(
            "Transferred missions: this client has not been granted the scope 'missions'.",
            "ไคลเอนต์นี้ไม่ได้รับสิทธิ์ 'missions'",
            field="kind",
        )


def viewer_fingerprint(identity: Identity) -> str:
    """What a cursor is bound to: the caller and everything that decides what it sees (its
    grants and scopes), so a cursor is neither shared between callers nor kept across a
    change of rights (which would make its replay inconsistent)."""
    grants = sorted(
        (g.role.name, g.lao_id or 0, g.district_id or 0, g.province_id or 0)
        for g in identity.grants
    )
    text = json.dumps(
        [identity.kind, identity.subject, identity.issuer, grants, sorted(identity.scopes)],
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Position:
    """Where a reader of a feed stands.

    A place in the log is (`xid`, `log_id`): the entry's writing transaction and its id, the
    order the feeds read the log in (entries commit in that order below the oldest running
    transaction, `hub.db.change_feed`; ids alone do not: chains append concurrently).
    Baseline: (`xid`, `log_id`) is the watermark (the log's head when the baseline began)
    and `key` the last key listed (None: none yet). Delta: every (entry, key) pair of
    entries before (`xid`, `log_id`) has been delivered, and of that entry those up to `key`
    (None: all of it).
    """

    kind: Kind
    baseline: bool
    log_id: int
    key: int | None
    issued_at: int  # seconds since the epoch, UTC
    viewer: str
    xid: int = 0  # 0: the entries before chains, and every entry on SQLite

    @property
    def place(self) -> tuple[int, int]:
        """Where in the log's order the position lies."""
        return (self.xid, self.log_id)


_VERSION = 2  # 1: before chains, a place was an id alone (they decode with xid 0)
_TAG = b"info-hub changes cursor v1\n"


def _checksum(payload: bytes) -> str:
    return hashlib.sha256(_TAG + payload).hexdigest()[:16]


def encode(position: Position) -> str:
    payload = json.dumps(
        [
            _VERSION,
            position.kind.value,
            1 if position.baseline else 0,
            position.log_id,
            position.key,
            position.issued_at,
            position.viewer,
            position.xid,
        ],
        separators=(",", ":"),
    ).encode("utf-8")
    text = base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")
    return f"{text}.{_checksum(payload)}"


def not_ours(cursor: str, why: str, why_th: str) -> InvalidInput:
    """The caller's mistake of sending `cursor`, which is not one of this feed's, and why."""
    shown = cursor if len(cursor) <= 80 else cursor[:77] + "..."
    return invalid(
        "after",
        "INVALID_CURSOR",
        f"{shown!r} is not a cursor of this feed ({why}); start without `after` for a full "
        "baseline",
        f"ตัวชี้ตำแหน่งไม่ถูกต้อง ({why_th}) เริ่มใหม่โดยไม่ระบุ after เพื่อรับข้อมูลทั้งหมด",
    )


def decode(cursor: str, kind: Kind, identity: Identity) -> Position:
    """The position a cursor names, checked; `InvalidInput` naming `after` otherwise."""
    text, _, checksum = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        fields = json.loads(payload.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise not_ours(cursor, "it does not decode", "ถอดรหัสไม่ได้") from None
    if _checksum(payload) != checksum:
        raise not_ours(cursor, "its checksum does not match", "ค่าตรวจสอบไม่ตรงกัน")
    if not (
        isinstance(fields, list)
        and ((fields[:1] == [1] and len(fields) == 7) or (fields[:1] == [2] and len(fields) == 8))
    ):
        raise not_ours(cursor, "unknown version", "ไม่รู้จักรุ่นของตัวชี้ตำแหน่ง")
    _, kind_name, baseline, log_id, key, issued_at, viewer, *rest = fields
    xid = rest[0] if rest else 0
    if kind_name != kind.value:
        raise not_ours(
            cursor, f"it belongs to the {kind_name} feed", f"เป็นของรายการเปลี่ยนแปลงชนิด {kind_name}"
        )
    if viewer != viewer_fingerprint(identity):
        raise not_ours(
            cursor,
            "it was issued to another caller or other rights",
            "ออกให้ผู้เรียกรายอื่นหรือสิทธิ์อื่น",
        )
    numbers = (log_id, issued_at, xid) + ((key,) if key is not None else ())
    if baseline not in (0, 1) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers
    ):
        raise not_ours(cursor, "it is malformed", "รูปแบบไม่ถูกต้อง")
    return Position(kind, baseline == 1, log_id, key, issued_at, viewer, xid)


def check_fresh(position: Position, now: int, retention_days: int, cursor: str) -> None:
    """`CursorExpired` when the cursor was issued longer ago than the feed keeps changes."""
    if now - position.issued_at > retention_days * 86400:
        raise CursorExpired(
            f"This cursor of the {position.kind.value} feed is older than the "
            f"{retention_days} days the feed keeps: take a fresh baseline (call the feed "
            "without `after` and page through it: a full extract), then go on from its last "
            "cursor.",
            f"ตัวชี้ตำแหน่งเก่าเกิน {retention_days} วันที่ระบบเก็บการเปลี่ยนแปลงไว้ "
            "กรุณาดึงข้อมูลทั้งหมดใหม่ (เรียกโดยไม่ระบุ after) แล้วใช้ตัวชี้ตำแหน่งสุดท้าย",
            field="after",
            baseline={"kind": position.kind.value, "after": None},
        )
