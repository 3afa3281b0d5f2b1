"""The embeddable LAO card: what it shows of an LAO, in Thai and English.

A portal embeds its LAO's card (`hub.web.embed`); the card shows the LAO's public profile
(name, type, province, district, office phone, website) and its key figures from the newest
fiscal year the public sees (certified by the LAO or its province), with that year and its
certification state, so a reader knows what the figures are and who stands behind them.
The key figures are declared here once, as catalogue fields; their labels and units come
from the catalogue (`hub.rules.catalogue`). Population is the one figure that is a sum (of
the catalogue's male and female population).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.rules.catalogue import DOMAINS, Field
from hub.rules.enums import CertificationState, LaoType

# (domain key, field name): the figures, in the order shown.
KEY_FIGURES = (
    ("social_culture", "households"),
    ("health_environment", "village_health_volunteers"),
    ("innovation_education", "child_development_centres"),
    ("water_management", "households_with_tap_water"),
    ("public_disasters", "fire_trucks"),
)
POPULATION = ("social_culture", ("population_male", "population_female"))

POPULATION_LABEL = ("ประชากร", "Population", "คน", "people")  # Thai, English, units
LABELS = {  # the card's own words: Thai, English
    "fiscalYear": ("ปีงบประมาณ", "Fiscal year"),
    "phone": ("โทรศัพท์", "Phone"),
    "website": ("เว็บไซต์", "Website"),
    "noYear": ("ยังไม่มีข้อมูลที่รับรองแล้ว", "No certified data yet"),
    "source": ("ที่มา: INFO Hub กรมส่งเสริมการปกครองท้องถิ่น", "Source: INFO Hub, DLA"),
}


def field_of(domain_key: str, name: str) -> Field:
    return next(d for d in DOMAINS if d.key == domain_key).field(name)


def sections_selected() -> dict[str, list[str]]:
    """{domain key: [field names]} the card reads."""
    wanted: dict[str, list[str]] = {POPULATION[0]: list(POPULATION[1])}
    for domain_key, name in KEY_FIGURES:
        wanted.setdefault(domain_key, []).append(name)
    return wanted


@dataclass(frozen=True)
class Figure:
    key: str
    label_th: str
    label_en: str
    value: float | int | None
    unit_th: str | None
    unit_en: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "labelTh": self.label_th,
            "labelEn": self.label_en,
            "value": self.value,
            "unitTh": self.unit_th,
            "unitEn": self.unit_en,
        }


def figures(sections: Mapping[str, Mapping[str, Any] | None]) -> list[Figure]:
    """The key figures from a year's sections ({domain key: {field name: value}}); a figure
    not recorded is None."""
    domain_key, (male, female) = POPULATION
    people = sections.get(domain_key) or {}
    values = [people.get(male), people.get(female)]
    population = None if None in values else sum(v for v in values if v is not None)
    th, en, unit_th, unit_en = POPULATION_LABEL
    shown = [Figure("population", th, en, population, unit_th, unit_en)]
    for domain_key, name in KEY_FIGURES:
        f = field_of(domain_key, name)
        value = (sections.get(domain_key) or {}).get(name)
        shown.append(Figure(name, f.label_th, f.label_en, value, f.unit_th, f.unit))
    return shown


def type_labels(type_name: str) -> tuple[str, str]:
    t = LaoType[type_name]
    return t.label_th, t.label_en


def state_labels(state_name: str) -> tuple[str, str]:
    s = CertificationState[state_name]
    return s.label_th, s.label_en
