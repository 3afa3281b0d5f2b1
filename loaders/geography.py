"""Loading Thai geography: the shipped dataset or an official registry in the same format.

The format is a UTF-8 CSV (optionally gzip-compressed) with the header `COLUMNS`:
province_code, province_name_th, province_name_en, district_code, district_name_th,
subdistrict_code, subdistrict_name_th, postcode, latitude, longitude — one row per
subdistrict. Codes follow the DOPA scheme: province 2 digits, district 4 starting with its
province's code, subdistrict 6 starting with its district's code.

Loading is an upsert that keeps surrogate ids stable: a row is matched by its name under the same
parent first, then by code, so an official registry can replace the generated codes of the
shipped dataset without breaking anything that refers to a subdistrict. Only rows whose values
differ are written. The `ImportReport` says what changed, per kind, with codes: the places
added, those changed (each changed column, before and after: a re-coding shows as `code`), and
those the registry no longer lists. A place absent from the registry is kept unless
`remove_absent` is given, and even then only when nothing refers to it (an LAO's office, a
village, a person's grant, …): a kept place is reported as such. `log_import` writes the report
to the change log, one entry per place touched and one for the import (its source and SHA-256).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import analyze
from hub.db.models import District, Province, Subdistrict, metadata
from hub.rules.catalogue import THAILAND_LATITUDE, THAILAND_LONGITUDE
from hub.rules.thai_text import search_key
from hub.services import audit

COLUMNS = (
    "province_code",
    "province_name_th",
    "province_name_en",
    "district_code",
    "district_name_th",
    "subdistrict_code",
    "subdistrict_name_th",
    "postcode",
    "latitude",
    "longitude",
)
SHIPPED_GEOGRAPHY = Path(__file__).parent / "data" / "thai_geography.csv.gz"


class GeographyError(ValueError):
    """The registry file is malformed; the message names the line and column."""


@dataclass(frozen=True)
class GeoRow:
    province_code: str
    province_name_th: str
    province_name_en: str | None
    district_code: str
    district_name_th: str
    subdistrict_code: str
    subdistrict_name_th: str
    postcode: str
    latitude: float | None
    longitude: float | None


KINDS = ("provinces", "districts", "subdistricts")


@dataclass(frozen=True)
class PlaceChange:
    """One place the import touched: its code (the new one), its id, and for a change each
    column that differs, `{column: (before, after)}` (an added place: every column)."""

    code: str
    id: int | None
    changes: dict[str, tuple[Any, Any]]


def _per_kind() -> dict[str, list[PlaceChange]]:
    return {k: [] for k in KINDS}


@dataclass
class ImportReport:
    """What a registry load changed, per kind (`provinces`, `districts`, `subdistricts`)."""

    added: dict[str, list[PlaceChange]] = field(default_factory=_per_kind)
    changed: dict[str, list[PlaceChange]] = field(default_factory=_per_kind)
    removed: dict[str, list[PlaceChange]] = field(default_factory=_per_kind)
    # Absent from the registry but kept: not asked to remove, or something refers to it.
    kept: dict[str, list[PlaceChange]] = field(default_factory=_per_kind)
    # The ids of each kind no registry row matched (filled while loading).
    absent_ids: dict[str, set[int]] = field(default_factory=dict, repr=False)

    @property
    def inserted(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.added.items()}

    @property
    def updated(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.changed.items()}

    @property
    def unchanged(self) -> bool:
        return not any((*self.added.values(), *self.changed.values(), *self.removed.values()))

    def __str__(self) -> str:
        parts = []
        for k in KINDS:
            part = f"{k}: {len(self.added[k])} new, {len(self.changed[k])} changed"
            if self.removed[k]:
                part += f", {len(self.removed[k])} removed"
            if self.kept[k]:
                part += f", {len(self.kept[k])} absent from the registry (kept)"
            parts.append(part)
        return "; ".join(parts)

    def details(self, limit: int = 20) -> list[str]:
        """One line per place touched (at most `limit` per kind and verb), with its codes: a
        change names each column before and after; the others name the place."""
        lines = []
        verbs = (
            ("added", self.added),
            ("changed", self.changed),
            ("removed", self.removed),
            ("absent (kept)", self.kept),
        )
        for kind in KINDS:
            for verb, places in verbs:
                for place in places[kind][:limit]:
                    if verb == "changed":
                        what = ", ".join(
                            f"{name} {before!r} → {after!r}"
                            for name, (before, after) in place.changes.items()
                        )
                    else:
                        name = place.changes.get("name_th", (None, None))
                        what = str(name[1] if name[1] is not None else name[0])
                    lines.append(f"  {kind} {verb} {place.code}: {what}")
                if len(places[kind]) > limit:
                    lines.append(f"  {kind} {verb} … and {len(places[kind]) - limit} more")
        return lines


def _usual_spelling(value: str) -> str:
    # Names are stored in the spelling searches normalise to (hub.rules.thai_text): a registry
    # typed with a decomposed SARA AM would otherwise never be found by name.
    return search_key(value.strip())


def _coordinate(raw: str, bounds: tuple[float, float], where: str) -> float | None:
    if raw.strip() in ("", "null"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise GeographyError(f"{where}: not a number: {raw!r}") from None
    if not bounds[0] <= value <= bounds[1]:
        raise GeographyError(f"{where}: {value} is outside Thailand ({bounds[0]}–{bounds[1]})")
    return value


def parse_registry(text: str, source: str = "registry") -> list[GeoRow]:
    """Parse and validate a registry; raises GeographyError naming the first bad cell."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise GeographyError(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}"
        )
    rows: list[GeoRow] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):

        def cell(name: str, line: int = line, raw: dict[str, str] = raw) -> str:
            value = _usual_spelling(raw.get(name) or "")
            if not value and name not in ("province_name_en", "latitude", "longitude"):
                raise GeographyError(f"{source}:{line}: {name} is empty")
            return value

        p, d, s = cell("province_code"), cell("district_code"), cell("subdistrict_code")
        where = f"{source}:{line}"
        if not re.fullmatch(r"\d{2}", p):
            raise GeographyError(f"{where}: province_code must be 2 digits, got {p!r}")
        if not re.fullmatch(r"\d{4}", d) or not d.startswith(p):
            raise GeographyError(
                f"{where}: district_code must be 4 digits starting with {p}, got {d!r}"
            )
        if not re.fullmatch(r"\d{6}", s) or not s.startswith(d):
            raise GeographyError(
                f"{where}: subdistrict_code must be 6 digits starting with {d}, got {s!r}"
            )
        if s in seen:
            raise GeographyError(f"{where}: subdistrict_code {s} appears twice")
        seen.add(s)
        postcode = cell("postcode")
        if not re.fullmatch(r"\d{5}", postcode):
            raise GeographyError(f"{where}: postcode must be 5 digits, got {postcode!r}")
        rows.append(
            GeoRow(
                p,
                cell("province_name_th"),
                cell("province_name_en") or None,
                d,
                cell("district_name_th"),
                s,
                cell("subdistrict_name_th"),
                postcode,
                _coordinate(raw.get("latitude") or "", THAILAND_LATITUDE, f"{where}: latitude"),
                _coordinate(raw.get("longitude") or "", THAILAND_LONGITUDE, f"{where}: longitude"),
            )
        )
    if not rows:
        raise GeographyError(f"{source}: no rows")
    return rows


def read_registry(path: Path) -> list[GeoRow]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GeographyError(f"{path.name}: not UTF-8 ({exc})") from None
    return parse_registry(text, path.name)


async def load_geography(
    conn: AsyncConnection, rows: Iterable[GeoRow], *, remove_absent: bool = False
) -> ImportReport:
    """Upsert provinces, districts and subdistricts; ids of existing rows never change. With
    `remove_absent`, places the registry does not list are deleted when nothing refers to them."""
    rows = list(rows)
    report = ImportReport()

    provinces = {r.province_code: r for r in rows}
    existing = (await conn.execute(select(*Province.__table__.c))).all()
    province_ids = await _upsert(
        conn,
        Province,
        "provinces",
        report,
        existing,
        wanted={code: (None, r.province_name_th) for code, r in provinces.items()},
        values=lambda code: {
            "code": code,
            "name_th": provinces[code].province_name_th,
            "name_en": provinces[code].province_name_en,
        },
    )

    districts = {r.district_code: r for r in rows}
    existing = (await conn.execute(select(*District.__table__.c))).all()
    district_ids = await _upsert(
        conn,
        District,
        "districts",
        report,
        existing,
        wanted={
            code: (province_ids[r.province_code], r.district_name_th)
            for code, r in districts.items()
        },
        values=lambda code: {
            "code": code,
            "name_th": districts[code].district_name_th,
            "province_id": province_ids[districts[code].province_code],
        },
    )

    subdistricts = {r.subdistrict_code: r for r in rows}
    existing = (await conn.execute(select(*Subdistrict.__table__.c))).all()
    await _upsert(
        conn,
        Subdistrict,
        "subdistricts",
        report,
        existing,
        wanted={
            code: (district_ids[r.district_code], r.subdistrict_name_th)
            for code, r in subdistricts.items()
        },
        values=lambda code: {
            "code": code,
            "name_th": subdistricts[code].subdistrict_name_th,
            "district_id": district_ids[subdistricts[code].district_code],
            "postcode": subdistricts[code].postcode,
            "latitude": subdistricts[code].latitude,
            "longitude": subdistricts[code].longitude,
        },
    )
    # Children first: a district emptied of its subdistricts may then go too.
    for model, label in (
        (Subdistrict, "subdistricts"),
        (District, "districts"),
        (Province, "provinces"),
    ):
        await _remove_absent(conn, model, label, report, remove=remove_absent)
    await analyze(conn, ["provinces", "districts", "subdistricts"])
    return report


async def _upsert(
    conn: AsyncConnection,
    model: type[Province] | type[District] | type[Subdistrict],
    label: str,
    report: ImportReport,
    existing: Sequence[Row[Any]],
    wanted: dict[str, tuple[int | None, str]],
    values: Callable[[str], dict[str, Any]],
) -> dict[str, int]:
    """Match `wanted` codes to existing rows (by parent and name, else by code) and write.

    Returns the id of every wanted code.
    """
    parent = _PARENT_COLUMN[model]
    by_code = {row.code: row for row in existing}
    by_name = {(getattr(row, parent) if parent else None, row.name_th): row for row in existing}
    # Names under the same parent identify a place better than generated codes do; a code
    # match only applies to rows no name claimed (a place renamed under the same code).
    matched: dict[str, Any] = {}
    for code, key in wanted.items():
        if key in by_name:
            matched[code] = by_name[key]
    claimed = {row.id for row in matched.values()}
    for code in wanted:
        row = by_code.get(code)
        if code not in matched and row is not None and row.id not in claimed:
            matched[code] = row
            claimed.add(row.id)
    ids: dict[str, int] = {}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for code in wanted:
        row = matched.get(code)
        if row is None:
            inserts.append(values(code))
            continue
        ids[code] = row.id
        wanted_values = values(code)
        changes = {
            name: (getattr(row, name), value)
            for name, value in wanted_values.items()
            if not _same(getattr(row, name), value)
        }
        if changes:
            updates.append({"_id": row.id, **wanted_values})
            report.changed[label].append(PlaceChange(code, row.id, changes))
    report.absent_ids[label] = {row.id for row in existing} - set(ids.values())
    recoded = [
        u for u in updates if by_code.get(u["code"]) is None or by_code[u["code"]].id != u["_id"]
    ]
    if recoded:
        # Official codes may permute generated ones: park the re-coded rows on temporary
        # codes first so the unique constraint holds at every step.
        await conn.execute(
            update(model).where(model.id == bindparam("_id")).values(code=bindparam("_tmp")),
            [{"_id": u["_id"], "_tmp": _temporary_code(u["_id"], len(u["code"]))} for u in recoded],
        )
    if updates:
        columns = {k: bindparam(k) for k in updates[0] if k != "_id"}
        await conn.execute(
            update(model).where(model.id == bindparam("_id")).values(columns), updates
        )
    if inserts:
        await conn.execute(insert(model), inserts)
        new_codes = [i["code"] for i in inserts]
        for chunk_start in range(0, len(new_codes), 5000):
            chunk = new_codes[chunk_start : chunk_start + 5000]
            for row in (
                await conn.execute(select(model.id, model.code).where(model.code.in_(chunk)))
            ).all():
                ids[row.code] = row.id
        report.added[label] += [
            PlaceChange(i["code"], ids.get(i["code"]), {k: (None, v) for k, v in i.items()})
            for i in inserts
        ]
    return ids


def _same(before: Any, after: Any) -> bool:
    """Whether a stored value equals the registry's (coordinates to the column's 6 decimals)."""
    if isinstance(before, float) and isinstance(after, float):
        return round(before, 6) == round(after, 6)
    return bool(before == after)


async def _remove_absent(
    conn: AsyncConnection,
    model: type[Province] | type[District] | type[Subdistrict],
    label: str,
    report: ImportReport,
    *,
    remove: bool,
) -> None:
    """Report the places of `model` the registry does not list; with `remove`, delete those
    no row of any table refers to (every foreign key to the table is asked)."""
    absent = sorted(report.absent_ids.get(label, set()))
    if not absent:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    rows = {
        r.id: r
        for start in range(0, len(absent), 5000)
        for r in (
            await conn.execute(select(table).where(table.c.id.in_(absent[start : start + 5000])))
        ).all()
    }
    referred: set[int] = set()
    if remove:
        for other in metadata.sorted_tables:
            for fk in other.foreign_keys:
                if fk.column.table is not table:
                    continue
                for start in range(0, len(absent), 5000):
                    chunk = absent[start : start + 5000]
                    found = await conn.execute(
                        select(fk.parent).where(fk.parent.in_(chunk)).distinct()
                    )
                    referred.update(int(v) for (v,) in found.all())
    gone = [i for i in absent if remove and i not in referred]
    for start in range(0, len(gone), 5000):
        await conn.execute(delete(table).where(table.c.id.in_(gone[start : start + 5000])))
    for i in absent:
        row = rows[i]
        place = PlaceChange(
            row.code, row.id, {k: (v, None) for k, v in row._mapping.items() if k != "id"}
        )
        (report.removed if i in gone else report.kept)[label].append(place)


_PARENT_COLUMN: dict[type, str | None] = {
    Province: None,
    District: "province_id",
    Subdistrict: "district_id",
}


def _temporary_code(row_id: int, length: int) -> str:
    """A code of `length` letters, unique per id, that no all-digit code can equal."""
    letters = []
    for _ in range(length):
        row_id, digit = divmod(row_id, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(reversed(letters))


def file_digest(path: Path) -> str:
    """The SHA-256 of a registry file as given (compressed or not), in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def log_import(
    conn: AsyncConnection,
    report: ImportReport,
    *,
    source: str,
    digest: str,
    actor: audit.Actor,
) -> None:
    """Write `report` to the change log in the loading transaction: one entry per place
    added, changed or removed (entity `provinces`/`districts`/`subdistricts`, its columns
    before and after), then one for the import itself (entity `geography`, action
    `registry_import`: the source, its SHA-256 and the counts). An import that changed
    nothing still logs that it ran."""
    reason = f"registry {source} sha256:{digest}"
    entries = [
        audit.Entry(kind, place.id or 0, action, place.changes, reason=reason)
        for kind in KINDS
        for action, places in (
            ("registry_add", report.added),
            ("registry_change", report.changed),
            ("registry_remove", report.removed),
        )
        for place in places[kind]
    ]
    summary: dict[str, tuple[Any, Any]] = {"source": (None, source), "sha256": (None, digest)}
    for kind in KINDS:
        for verb, places in (
            ("added", report.added),
            ("changed", report.changed),
            ("removed", report.removed),
            ("kept", report.kept),
        ):
            summary[f"{kind}.{verb}"] = (None, len(places[kind]))
    entries.append(audit.Entry("geography", source, "registry_import", summary, reason=reason))
    await audit.append_many(conn, actor, entries)


async def load_shipped_geography(conn: AsyncConnection) -> ImportReport:
    return await load_geography(conn, read_registry(SHIPPED_GEOGRAPHY))
