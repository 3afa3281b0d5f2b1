"""Open data: what the hub publishes, and its DCAT description (DCAT-AP style), as plain data.

Published: for every fiscal year with certified data, one dataset per domain (8 a year), a CSV
of the public view of that domain's certified LAO-years: one line per LAO-year the public may
see (`LAO_CERTIFIED`, `PROVINCE_CERTIFIED`), the LAO's identity columns then the domain's
catalogue fields (record tables are lists, not columns: they are left out). What the public
may not see is never in a file: the files are read as the public identity (`hub.web.open_data`).

The catalogue (`dcat:Catalog`) lists the datasets (`dcat:Dataset`), each with its CSV
(`dcat:Distribution`: `dcat:downloadURL`, `dcat:mediaType`, `dct:modified`, `dct:license`)
and its publisher (DLA, a `foaf:Agent`), in Turtle and JSON-LD, the formats CKAN's DCAT
harvester (ckanext-dcat, as data.go.th runs) reads. `modified` follows the data: the last
certification event of the fiscal year (a certification, or a cancellation that withdraws a
year), so a harvester sees a dataset change exactly when its file does.

Serialisation is written here (no RDF library at run time): IRIs are the hub's own addresses
and percent-encoded paths; literals are escaped per Turtle's ECHAR rules and JSON's.
`tests/test_open_data.py` parses both with rdflib.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from hub.rules.catalogue import DOMAINS, Domain, Field, Kind

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CSV_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/text/csv"
PUBLISHER_TH = "กรมส่งเสริมการปกครองท้องถิ่น"
PUBLISHER_EN = "Department of Local Administration"
# The LAO's identity, first in every file (column name, Thai label).
IDENTITY_COLUMNS = (
    ("lao_code", "รหัส อปท."),
    ("lao_name_th", "ชื่อ อปท."),
    ("lao_name_en", "ชื่อ อปท. (อังกฤษ)"),
    ("lao_type", "ประเภท อปท."),
    ("province_code", "รหัสจังหวัด"),
    ("province_name_th", "จังหวัด"),
    ("district_code", "รหัสอำเภอ"),
    ("district_name_th", "อำเภอ"),
    ("fiscal_year", "ปีงบประมาณ"),
    ("certification_state", "สถานะการรับรอง"),
)


def slug(domain: Domain) -> str:
    """A domain's name in addresses: health_environment → health-environment."""
    return domain.key.replace("_", "-")


def domain_by_slug(value: str) -> Domain | None:
    return next((d for d in DOMAINS if slug(d) == value), None)


def value_fields(domain: Domain) -> tuple[Field, ...]:
    """The domain's fields that are columns of its file (a village reference is a record's)."""
    return tuple(f for f in domain.fields if f.kind is not Kind.VILLAGE)


def csv_header(domain: Domain) -> list[str]:
    return [name for name, _ in IDENTITY_COLUMNS] + [f.name for f in value_fields(domain)]


@dataclass(frozen=True)
class YearStamp:
    """A fiscal year as published: its dates, how many LAO-years the public sees, and when
    its certifications last changed (None: never)."""

    fiscal_year: int
    starts_on: dt.date
    ends_on: dt.date
    public_lao_years: int
    changed_at: dt.datetime | None


@dataclass(frozen=True)
class Dataset:
    year: YearStamp
    domain: Domain

    @property
    def identifier(self) -> str:
        return f"info-hub-{self.year.fiscal_year}-{slug(self.domain)}"

    def path(self) -> str:
        return f"/opendata/{self.year.fiscal_year}/{slug(self.domain)}"

    def title_th(self) -> str:
        return f"ข้อมูลพื้นฐาน อปท. ด้าน{self.domain.label_th} ปีงบประมาณ {self.year.fiscal_year}"

    def title_en(self) -> str:
        return f"LAO basic data: {self.domain.label_en}, fiscal year {self.year.fiscal_year} (BE)"


def datasets(years: Sequence[YearStamp]) -> list[Dataset]:
    """What is published: every domain of every fiscal year with certified data."""
    return [Dataset(y, d) for y in years if y.public_lao_years > 0 for d in DOMAINS]


def _iso(moment: dt.datetime | None, fallback: dt.date) -> str:
    if moment is None:
        return dt.datetime.combine(fallback, dt.time(), dt.UTC).isoformat()
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


# --- the graph, as triples -------------------------------------------------------------------

NAMESPACES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class Iri:
    value: str


@dataclass(frozen=True)
class Literal:
    value: str
    language: str | None = None
    datatype: str | None = None  # a prefixed name, e.g. "xsd:dateTime"


Term = Iri | Literal
Triple = tuple[Iri, str, Term]  # subject, predicate (a prefixed name), object


def _expand(prefixed: str) -> str:
    prefix, local = prefixed.split(":", 1)
    return NAMESPACES[prefix] + local


def catalogue_triples(base: str, years: Sequence[YearStamp]) -> list[Triple]:
    """The whole catalogue; `base` is the hub's public address (no trailing slash)."""
    published = datasets(years)
    catalog = Iri(f"{base}/opendata/catalog")
    publisher = Iri(f"{base}/opendata/catalog#publisher")
    license_ = Iri(LICENSE)
    stamps = [d.year for d in published]
    modified = max(
        (_iso(y.changed_at, y.starts_on) for y in stamps), default=_iso(None, dt.date(2000, 1, 1))
    )
    triples: list[Triple] = [
        (catalog, "rdf:type", Iri(_expand("dcat:Catalog"))),
        (catalog, "dct:title", Literal("ข้อมูลพื้นฐาน อปท. (INFO Hub)", "th")),
        (
            catalog,
            "dct:title",
            Literal("Local administrative organisations' basic data (INFO Hub)", "en"),
        ),
        (
            catalog,
            "dct:description",
            Literal(
                "Certified data of Thailand's local administrative organisations, per fiscal "
                "year and domain, as the public sees it.",
                "en",
            ),
        ),
        (catalog, "dct:publisher", publisher),
        (catalog, "dct:license", license_),
        (catalog, "dct:modified", Literal(modified, datatype="xsd:dateTime")),
        (catalog, "dcat:homepage", Iri(f"{base}/")),
        (publisher, "rdf:type", Iri(_expand("foaf:Agent"))),
        (publisher, "foaf:name", Literal(PUBLISHER_TH, "th")),
        (publisher, "foaf:name", Literal(PUBLISHER_EN, "en")),
    ]
    for dataset in published:
        node = Iri(base + dataset.path())
        csv = Iri(base + dataset.path() + ".csv")
        distribution = Iri(base + dataset.path() + "#csv")
        changed = Literal(
            _iso(dataset.year.changed_at, dataset.year.starts_on), datatype="xsd:dateTime"
        )
        period = Iri(base + dataset.path() + "#period")
        triples += [
            (catalog, "dcat:dataset", node),
            (node, "rdf:type", Iri(_expand("dcat:Dataset"))),
            (node, "dct:identifier", Literal(dataset.identifier)),
            (node, "dct:title", Literal(dataset.title_th(), "th")),
            (node, "dct:title", Literal(dataset.title_en(), "en")),
            (
                node,
                "dct:description",
                Literal(
                    f"{dataset.domain.label_en}: one line per certified LAO-year "
                    f"({dataset.year.public_lao_years:,} in fiscal year "
                    f"{dataset.year.fiscal_year}), the LAO's identity then the domain's fields.",
                    "en",
                ),
            ),
            (node, "dct:publisher", publisher),
            (node, "dct:license", license_),
            (node, "dct:modified", changed),
            (node, "dcat:keyword", Literal(dataset.domain.label_th, "th")),
            (node, "dcat:keyword", Literal(dataset.domain.label_en, "en")),
            (node, "dct:temporal", period),
            (period, "rdf:type", Iri(_expand("dct:PeriodOfTime"))),
            (
                period,
                "dcat:startDate",
                Literal(dataset.year.starts_on.isoformat(), datatype="xsd:date"),
            ),
            (
                period,
                "dcat:endDate",
                Literal(dataset.year.ends_on.isoformat(), datatype="xsd:date"),
            ),
            (node, "dcat:distribution", distribution),
            (distribution, "rdf:type", Iri(_expand("dcat:Distribution"))),
            (distribution, "dct:title", Literal(f"{dataset.identifier}.csv")),
            (distribution, "dcat:accessURL", csv),
            (distribution, "dcat:downloadURL", csv),
            (distribution, "dcat:mediaType", Iri(CSV_MEDIA_TYPE)),
            (distribution, "dct:format", Literal("CSV")),
            (distribution, "dct:license", license_),
            (distribution, "dct:modified", changed),
        ]
    return triples


# --- Turtle ----------------------------------------------------------------------------------

_TURTLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _turtle_iri(value: str) -> str:
    if any(c in value for c in '<>"{}|^`\\ ') or any(ord(c) < 33 for c in value):
        raise ValueError(f"not an IRI Turtle can write: {value!r}")
    return f"<{value}>"


def _turtle_term(term: Term) -> str:
    if isinstance(term, Iri):
        return _turtle_iri(term.value)
    text = "".join(
        _TURTLE_ESCAPES.get(c, f"\\u{ord(c):04X}" if ord(c) < 32 else c) for c in term.value
    )
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype:
        return f'"{text}"^^{term.datatype}'
    return f'"{text}"'


def to_turtle(triples: Sequence[Triple]) -> str:
    lines = [f"@prefix {p}: <{iri}> ." for p, iri in NAMESPACES.items()]
    lines.append("")
    for subject, predicate, obj in triples:
        lines.append(f"{_turtle_iri(subject.value)} {predicate} {_turtle_term(obj)} .")
    return "\n".join(lines) + "\n"


# --- JSON-LD ---------------------------------------------------------------------------------


def to_json_ld(triples: Sequence[Triple]) -> str:
    """The triples as a JSON-LD document: one node object per subject, full IRIs."""
    nodes: dict[str, dict[str, list[dict[str, str]]]] = {}
    for subject, predicate, obj in triples:
        node = nodes.setdefault(subject.value, {})
        if predicate == "rdf:type":
            node.setdefault("@type", []).append(obj.value)  # type: ignore[arg-type]
            continue
        if isinstance(obj, Iri):
            value = {"@id": obj.value}
        elif obj.language:
            value = {"@value": obj.value, "@language": obj.language}
        elif obj.datatype:
            value = {"@value": obj.value, "@type": _expand(obj.datatype)}
        else:
            value = {"@value": obj.value}
        node.setdefault(_expand(predicate), []).append(value)
    graph = [{"@id": iri, **properties} for iri, properties in nodes.items()]
    return json.dumps({"@graph": graph}, ensure_ascii=False, indent=1)
