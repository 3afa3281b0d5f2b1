"""The hub's problems: one typed hierarchy for everything a caller can be told went wrong.

Raise a `Problem` subclass from anywhere in the hub (rules, writes, reads, the web layer);
nothing else is a legitimate way to refuse a caller. Every subclass has a stable `kind`
and carries its message in English and Thai; some carry details (the field at fault, the
current version, how long to wait). This module is framework-free: what a kind becomes on
the wire (the GraphQL `extensions.code`, the HTTP status, the mutation's typed refusal) is
decided in ONE place, `schema.errors.PROBLEM_MAPPING`, and a test checks every subclass
here has an entry there. Anything raised that is not a `Problem` (nor a database failure
that `hub.db.engine.problem_of` recognises) is our bug and reaches the caller as `INTERNAL`.

    Problem
    ├── Refusal                       the caller's request is refused; nothing was written
    │   ├── Forbidden                 the caller's role or scopes do not allow it
    │   ├── NotFound                  the LAO, year, record, … does not exist
    │   ├── InvalidInput              bad input; `errors` names each field (`FieldError.path`)
    │   ├── TooLarge                  a request, string or list is over a configured limit
    │   ├── InvalidState              not allowed in the current certification state
    │   ├── Incomplete                certification needs every domain complete
    │   ├── VersionConflict           stale version; `current_version` says the new one
    │   ├── YearClosed                the fiscal year is closed ...
    │   │   └── YearViewOnly          ... or view-only for the LAO (an earlier year)
    │   └── ReasonRequired            a cancellation or retirement needs a reason
    └── Unavailable                   retryable: try again after `retry_after` seconds
        ├── DatabaseBusy              the database is locked or every connection is in use
        ├── RequestTimeout            over the request deadline or the statement timeout
        └── RateLimited               too many requests from this caller

Two spellings build a problem: the typed one, `Forbidden(message_en, message_th)`, and the
older one by kind, `Problem("FORBIDDEN", message_en, message_th)`, which returns an instance
of the subclass registered for that kind (so `except Forbidden` catches both). Details are
keyword arguments in both spellings. A caller-facing field path is always the API's name
(camelCase, e.g. `profile.addressRoad`), never a database column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

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

    def __new__(cls, *args: Any, **details: Any) -> Problem:
        # `Problem("KIND", en, th)`: an instance of the subclass registered for KIND.
        if cls is Problem and len(args) == 3:
            if args[0] not in Problem._by_kind:
                raise TypeError(f"no problem of kind {args[0]!r}")
            cls = Problem._by_kind[args[0]]
        return super().__new__(cls)

    def __init__(
        self,
        *args: str,
        current_state: CertificationState | None = None,
        current_version: int | None = None,
        incomplete_domains: Sequence[int] = (),
        missing: Mapping[int, list[str]] | None = None,
        errors: Sequence[FieldError] = (),
        retry_after: int | None = None,
        field: str | None = None,
    ) -> None:
        if len(args) == 3:  # the spelling by kind: the kind chose the class
            args = args[1:]
        message_en = args[0] if args else self.default_en
        message_th = args[1] if len(args) > 1 else self.default_th
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th
        self.current_state = current_state
        self.current_version = current_version
        self.incomplete_domains = tuple(incomplete_domains)
        self.missing = dict(missing or {})
        self.errors = tuple(errors)
        self.retry_after = retry_after
        # The one field at fault (an argument's API name), when there is one; with `errors`
        # the first error's path.
        self.field = field or (self.errors[0].path if self.errors else None)

    @classmethod
    def from_refusal(cls, refusal: Any, **extra: Any) -> Problem:
        """The problem a rule's refusal (`hub.rules.certification.Refusal`) is: its kind names
        the subclass."""
        return Problem(
            refusal.kind,
            refusal.message_en,
            refusal.message_th,
            current_state=refusal.current_state,
            incomplete_domains=refusal.incomplete_domains,
            **extra,
        )

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


class YearViewOnly(YearClosed):
    kind = "YEAR_VIEW_ONLY"
    default_en = "An earlier fiscal year is view-only for the LAO."
    default_th = "ปีงบประมาณก่อนหน้าดูได้อย่างเดียว"


class ReasonRequired(Refusal):
    kind = "REASON_REQUIRED"
    default_en = "A reason is required."
    default_th = "ต้องระบุเหตุผล"


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


def invalid(path: str, code: str, message_en: str, message_th: str) -> InvalidInput:
    """An `InvalidInput` about one field (its API path), in both languages."""
    return InvalidInput(
        f"{path}: {message_en}",
        f"{path}: {message_th}",
        errors=[FieldError(path, code, message_en, message_th)],
    )


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
    "RequestTimeout",
    "TooLarge",
    "Unavailable",
    "VersionConflict",
    "YearClosed",
    "YearViewOnly",
    "invalid",
]
