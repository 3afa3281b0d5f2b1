"""The hub's problems: one typed hierarchy for everything a caller can be told went wrong.

Raise a `Problem` subclass from anywhere in the hub (rules, services, reads, the web layer);
nothing else is a legitimate way to refuse a caller. Every subclass has a stable `kind`
and carries its message in English and Thai; some carry details (the field at fault, the
current version, the fiscal year, how long to wait). The rules return them too
(`hub.rules.certification.decide` answers None or the problem to raise), so a refusal is
one typed value from the rule that decides it to the caller that reads it. This module is
framework-free: what a class becomes on the wire (the GraphQL `extensions.code`, the HTTP
status) is decided in ONE place, `schema.errors.PROBLEM_MAPPING`, and a mutation's typed
refusal in one other, `schema.mutations.errors.REFUSALS`; a test checks every subclass here
has an entry in both. Anything raised that is not a `Problem` (nor a database failure that
`hub.db.engine.problem_of` recognises) is our bug and reaches the caller as `INTERNAL`.

    Problem
    ├── Refusal                       the caller's request is refused; nothing was written
    │   ├── Forbidden                 the caller's role or scopes do not allow it
    │   ├── NotFound                  the LAO, year, record, … does not exist
    │   ├── InvalidInput              bad input; `errors` names each field (`FieldError.path`)
    │   ├── TooLarge                  a request, string or list is over a configured limit
    │   ├── InvalidState              not allowed in the current certification state
    │   ├── Incomplete                certification needs every domain complete
    │   ├── VersionConflict           stale version; `current_version` says the new one
    │   ├── YearClosed                the fiscal year is closed: read-only for every role
    │   ├── ReasonRequired            a cancellation or retirement needs a reason
    │   ├── RoundNotOpen              the round has not opened yet, or has closed
    │   └── RegistryConflict          an LAO registry change contradicts the registry's
    │                                 history (a date before its last change, a code held by
    │                                 another LAO, an LAO merged away); `errors[0]` names
    │                                 the field and the reason
    ├── CursorExpired                 a changes-feed cursor older than the feed keeps (410):
    │                                 take a fresh baseline (`hint` says how)
    └── Unavailable                   retryable: try again after `retry_after` seconds
        ├── DatabaseBusy              the database is locked or every connection is in use
        ├── RequestTimeout            over the request deadline or the statement timeout
        └── RateLimited               too many requests from this caller

A problem is built by its class, `Forbidden(message_en, message_th, **details)` (either
message may be left out for the class's default); `invalid`, `not_found` and
`validation_failed` build the common ones. A caller-facing field path is always the API's
name (camelCase, e.g. `profile.addressRoad`), never a database column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from hub.rules.enums import CertificationState
from hub.rules.validation import FieldError


class Problem(Exception):
    """Something the caller is told, with a stable `kind`; see the module docstring."""

    kind: ClassVar[str] = "PROBLEM"
    retryable: ClassVar[bool] = False
    default_en: ClassVar[str] = "The request cannot be served."
    default_th: ClassVar[str] = "ไม่สามารถดำเนินการตามคำขอได้"
    _by_kind: ClassVar[dict[str, type[Problem]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            if cls.kind in Problem._by_kind:
                raise TypeError(f"two problems of kind {cls.kind}")
            Problem._by_kind[cls.kind] = cls

    def __init__(
        self,
        message_en: str | None = None,
        message_th: str | None = None,
        *,
        current_state: CertificationState | None = None,
        current_version: int | None = None,
        fiscal_year: int | None = None,
        incomplete_domains: Sequence[int] = (),
        missing: Mapping[int, list[str]] | None = None,
        errors: Sequence[FieldError] = (),
        retry_after: int | None = None,
        field: str | None = None,
    ) -> None:
        message_en = message_en or self.default_en
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th or self.default_th
        self.current_state = current_state
        self.current_version = current_version
        self.fiscal_year = fiscal_year  # the fiscal year the problem is about, if one
        self.incomplete_domains = tuple(incomplete_domains)
        self.missing = dict(missing or {})
        self.errors = tuple(errors)
        self.retry_after = retry_after
        # The one field at fault (an argument's API name), when there is one; with `errors`
        # the first error's path.
        self.field = field or (self.errors[0].path if self.errors else None)

    def detailed(self, **details: Any) -> Self:
        """This problem with more details (the current version, what is missing, …), which
        the rule that built it could not know; returns it, to be raised."""
        for name, value in details.items():
            if name not in _DETAILS:
                raise TypeError(f"a problem has no detail {name!r}")
            setattr(self, name, value)
        return self

    def hint(self) -> dict[str, Any]:
        """What the caller should do next, as data (added to the error's `extensions`);
        most problems need none."""
        return {}

    @staticmethod
    def kinds() -> dict[str, type[Problem]]:
        """Every registered kind and its class (for the mapping and its test)."""
        return dict(Problem._by_kind)


class Refusal(Problem):
    """The caller's request is refused, by a rule or because of its input: nothing changed."""


class Forbidden(Refusal):
    kind = "FORBIDDEN"
    default_en = "You are not allowed to do this."
    default_th = "ไม่มีสิทธิ์ดำเนินการนี้"


class NotFound(Refusal):
    kind = "NOT_FOUND"
    default_en = "Not found."
    default_th = "ไม่พบข้อมูล"


class InvalidInput(Refusal):
    kind = "VALIDATION"
    default_en = "Invalid input."
    default_th = "ข้อมูลไม่ถูกต้อง"


class TooLarge(Refusal):
    kind = "TOO_LARGE"
    default_en = "The request is too large."
    default_th = "คำขอมีขนาดใหญ่เกินกำหนด"


class InvalidState(Refusal):
    kind = "INVALID_STATE"
    default_en = "Not allowed in the current state."
    default_th = "ไม่สามารถดำเนินการได้ในสถานะปัจจุบัน"


class Incomplete(Refusal):
    kind = "INCOMPLETE"
    default_en = "Some domains are incomplete."
    default_th = "ข้อมูลยังไม่ครบ"


class VersionConflict(Refusal):
    kind = "VERSION_CONFLICT"
    default_en = "The data changed since you loaded it: reload and retry."
    default_th = "ข้อมูลถูกแก้ไขไปแล้ว กรุณาโหลดใหม่แล้วลองอีกครั้ง"


class YearClosed(Refusal):
    kind = "YEAR_CLOSED"
    default_en = "The fiscal year is closed."
    default_th = "ปีงบประมาณปิดแล้ว"


class ReasonRequired(Refusal):
    kind = "REASON_REQUIRED"
    default_en = "A reason is required."
    default_th = "ต้องระบุเหตุผล"


class RoundNotOpen(Refusal):
    kind = "ROUND_NOT_OPEN"
    default_en = "The round is not open."
    default_th = "รอบนี้ไม่ได้เปิดอยู่"


class CursorExpired(Problem):
    """A changes feed's cursor is older than the feed keeps (`hub.rules.change_feed`): not a
    mistake to correct nor worth retrying; the caller starts again from a fresh baseline,
    which `baseline` describes (the feed and the cursor to start from: none)."""

    kind = "CURSOR_EXPIRED"
    default_en = "The cursor is too old: take a fresh baseline."
    default_th = "ตัวชี้ตำแหน่งเก่าเกินไป กรุณาดึงข้อมูลทั้งหมดใหม่"

    def __init__(self, *args: str, baseline: Mapping[str, Any] | None = None, **details: Any):
        super().__init__(*args, **details)
        self.baseline = dict(baseline or {})

    def hint(self) -> dict[str, Any]:
        return {"baseline": self.baseline}


class RegistryConflict(Refusal):
    kind = "REGISTRY_CONFLICT"
    default_en = "The change contradicts the LAO registry's history."
    default_th = "การเปลี่ยนแปลงขัดกับประวัติทะเบียน อปท."


class Unavailable(Problem):
    """The hub cannot serve the request now; the same request may succeed later."""

    kind = "UNAVAILABLE"
    retryable = True
    default_en = "The service is temporarily unavailable: try again shortly."
    default_th = "ระบบไม่พร้อมให้บริการชั่วคราว กรุณาลองใหม่อีกครั้ง"
    default_retry_after: ClassVar[int] = 5

    def __init__(self, *args: str, retry_after: int | None = None, **details: Any) -> None:
        super().__init__(*args, retry_after=retry_after or self.default_retry_after, **details)


class DatabaseBusy(Unavailable):
    kind = "DATABASE_BUSY"
    default_en = "The database is busy: try again in a moment."
    default_th = "ฐานข้อมูลกำลังทำงานหนัก กรุณาลองใหม่อีกครั้งในอีกสักครู่"
    default_retry_after = 1


class RequestTimeout(Unavailable):
    kind = "REQUEST_TIMEOUT"
    default_en = "The request took too long and was stopped: try again later, or ask for less."
    default_th = "คำขอใช้เวลานานเกินกำหนดจึงถูกยกเลิก กรุณาลองใหม่ภายหลังหรือขอข้อมูลให้น้อยลง"


class RateLimited(Unavailable):
    kind = "RATE_LIMITED"
    default_en = "Too many requests: slow down."
    default_th = "มีคำขอมากเกินไป กรุณาลองใหม่ภายหลัง"
    default_retry_after = 60


_DETAILS = frozenset(
    ("current_state", "current_version", "fiscal_year", "incomplete_domains", "missing")
)


def invalid(path: str, code: str, message_en: str, message_th: str) -> InvalidInput:
    """An `InvalidInput` about one field (its API path), in both languages."""
    return InvalidInput(
        f"{path}: {message_en}",
        f"{path}: {message_th}",
        errors=[FieldError(path, code, message_en, message_th)],
    )


def validation_failed(errors: Sequence[FieldError]) -> InvalidInput:
    """An `InvalidInput` listing every invalid field."""
    return InvalidInput(
        f"{len(errors)} field(s) are invalid: " + "; ".join(e.message_en for e in errors),
        f"ข้อมูลไม่ถูกต้อง {len(errors)} รายการ: " + "; ".join(e.message_th for e in errors),
        errors=errors,
    )


def not_found(what_en: str, what_th: str) -> NotFound:
    """`NotFound` naming what was not found (\"LAO 6110102\", \" อปท. รหัส 6110102\")."""
    return NotFound(f"{what_en} was not found.", f"ไม่พบ{what_th}")


__all__ = [
    "DatabaseBusy",
    "Forbidden",
    "Incomplete",
    "InvalidInput",
    "InvalidState",
    "NotFound",
    "Problem",
    "RateLimited",
    "ReasonRequired",
    "Refusal",
    "RegistryConflict",
    "RequestTimeout",
    "RoundNotOpen",
    "TooLarge",
    "Unavailable",
    "VersionConflict",
    "YearClosed",
    "invalid",
    "not_found",
    "validation_failed",
]
