"""The console's main menu: each entry once, with the roles that see it."""

from __future__ import annotations

from dataclasses import dataclass

from hub.rules.enums import Role

LAO_STAFF = frozenset({Role.LAO_RECORDER, Role.LAO_VERIFIER, Role.LAO_ADMIN})
OFFICERS = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.DLA_ADMIN})
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class MenuEntry:
    href: str
    th: str
    en: str
    roles: frozenset[Role]


MENU = (
    MenuEntry("/console/", "หน้าหลัก", "Home", EVERYONE),
    MenuEntry("/console/laos", "รายชื่อ อปท.", "LAOs", OFFICERS),
    MenuEntry("/console/certify", "รับรองข้อมูล", "Certify", frozenset({Role.PROVINCE_OFFICER})),
    MenuEntry("/console/dashboards", "ภาพรวม", "Dashboards", OFFICERS | {Role.LPA_ASSESSOR}),
    MenuEntry("/console/missions", "ภารกิจถ่ายโอน", "Transferred missions", EVERYONE),
    MenuEntry("/console/help", "ช่วยเหลือ", "Help", EVERYONE),
)


def menu_for(roles: tuple[Role, ...], lang: str, path: str) -> list[dict[str, object]]:
    """The entries the person's roles see, the current one marked."""
    held = set(roles)
    entries = [e for e in MENU if e.roles & held]
    current = max(
        (
            e.href
            for e in entries
            if path == e.href or (e.href != "/console/" and path.startswith(e.href))
        ),
        key=len,
        default=None,
    )
    return [
        {"href": e.href, "label": e.en if lang == "en" else e.th, "current": e.href == current}
        for e in entries
    ]
