"""Webhooks: the events a client may subscribe to, what a subscription must hold, when a
failed delivery is tried again, and who owns background work.

Events carry only what every subscriber may read: codes, states, dates and figures, never
a person's name or a free-text reason (an LAO-year's certification is public from the moment
the LAO certifies it; a cancellation says only that it was withdrawn). The body is the
Standard Webhooks shape `{"type", "timestamp", "data"}`.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from hub.rules.identity import Identity
from hub.rules.problems import Forbidden, invalid


class EventType(enum.Enum):
    LAO_YEAR_CERTIFIED = "lao_year.certified"
    LAO_YEAR_CANCELLED = "lao_year.cancelled"
    ROUND_OPENED = "round.opened"
    KPI16_REPORT_SUBMITTED = "kpi16_report.submitted"


MAX_URL_LENGTH = 2000
MAX_SUBSCRIPTIONS = 20  # per client


def owner_of(identity: Identity) -> str:
    """How background work and subscriptions name whose they are."""
    if identity.kind == "public" or identity.subject is None:
        raise Forbidden(
            "Sign in (a bearer token) to run background work or subscribe to events.",
            "ต้องเข้าสู่ระบบ (bearer token) ก่อน",
        )
    at = f"@{identity.issuer}" if identity.issuer else ""
    return f"{identity.kind}:{identity.subject}{at}"


def may_subscribe(identity: Identity) -> None:
    """Machine clients subscribe (another ministry's system, a portal's server)."""
    if not identity.is_client:
        raise Forbidden(
            "Only API clients (client-credentials tokens) subscribe to webhooks.",
            "เฉพาะระบบของหน่วยงาน (API client) เท่านั้นที่สมัครรับ webhook ได้",
        )


def is_internal_address(address: str) -> bool:
    """An IP address a hub must not be made to call for a stranger: loopback, private,
    link-local (cloud metadata lives there), multicast, reserved or unspecified."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(url: str, *, public_only: bool = False) -> str:
    """An absolute http(s) address without credentials in it. With `public_only` (production):
    https, and not a name or literal address of the hub's own network — a subscriber must not
    turn the hub into a way to reach what only the hub can reach (delivery checks the
    resolved addresses again, `hub.services.webhooks.deliver`)."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        len(url) > MAX_URL_LENGTH
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
    ):
        raise invalid(
            "url",
            "NOT_A_URL",
            "an absolute http(s) address without user or password, at most 2,000 characters",
            "ต้องเป็นที่อยู่ http(s) แบบเต็ม ไม่มีชื่อผู้ใช้หรือรหัสผ่าน ไม่เกิน 2,000 ตัวอักษร",
        )
    if public_only:
        host = parts.hostname.lower().rstrip(".")
        if parts.scheme != "https":
            raise invalid("url", "NOT_HTTPS", "must be an https address", "ต้องเป็นที่อยู่ https")
        if host == "localhost" or host.endswith(".localhost") or is_internal_address(host):
            raise invalid(
                "url",
                "INTERNAL_ADDRESS",
                "must be a public address, not one of the hub's own network",
                "ต้องเป็นที่อยู่สาธารณะ ไม่ใช่ที่อยู่ในเครือข่ายภายในของระบบ",
            )
    return url


def check_event_types(names: Sequence[EventType]) -> tuple[EventType, ...]:
    if not names:
        raise invalid(
            "eventTypes",
            "REQUIRED",
            "name at least one event type",
            "ต้องระบุเหตุการณ์อย่างน้อยหนึ่งรายการ",
        )
    return tuple(sorted(set(names), key=lambda e: e.value))


def retry_delay(attempt: int, base_seconds: float) -> float:
    """Seconds before try `attempt + 1` after try `attempt` (1-based) failed: exponential,
    ×6 each time (5 s, 30 s, 3 min, 18 min, 1.8 h with the default 5 s), at most 10 hours."""
    return float(min(base_seconds * 6 ** (attempt - 1), 10 * 3600))


def is_success(status_code: int) -> bool:
    """A receiver accepts a delivery with any 2xx answer (Standard Webhooks)."""
    return 200 <= status_code < 300
