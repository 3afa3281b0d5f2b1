"""Open data: the certified public data as CSV files per fiscal year and domain, described in
DCAT for CKAN's harvester (`hub.rules.open_data` says what is published and how).

    GET /opendata/catalog.ttl        the DCAT catalogue, Turtle
    GET /opendata/catalog.jsonld     the same, JSON-LD
    GET /opendata/{year}/{domain}.csv   e.g. /opendata/2569/water-management.csv

Every answer is public (no token is read), cacheable (`Cache-Control: public`), and carries an
`ETag` and `Last-Modified` derived from the fiscal years' stamps (`hub.db.open_data`: the last
certification event and the count of public LAO-years), so a harvester or a proxy asks again
with `If-None-Match` and gets `304 Not Modified` until a certification changes that year; then
the file's ETag and its dataset's `dct:modified` change together. Nothing is stored: a file is
read when asked for, as the public (`hub.web.public_reads`), a page of 1,000 LAOs at a time
(the planned read path: a handful of statements a page), and streamed, so memory stays bounded
whatever the country's size. The file is UTF-8 with a byte-order mark (spreadsheets then read
Thai); its header is the column names (`hub.rules.open_data.csv_header`).
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from strawberry.utils.str_converters import to_camel_case

from hub.db.open_data import year_stamps
from hub.rules import open_data
from hub.rules.catalogue import Domain, Field, Kind
from hub.rules.open_data import YearStamp
from hub.web.public_reads import public_graphql

CACHE_CONTROL = "public, max-age=300"
PAGE = 1000


async def _stamps(request: Request) -> list[YearStamp]:
    async with request.app.state.engine.connect() as conn:
        return await year_stamps(conn)


def base_url(request: Request) -> str:
    """The hub's public address: its issuer (`HUB_ISSUER`), which names it behind a proxy."""
    return str(request.app.state.settings.issuer).rstrip("/")


def _etag(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _validators(etag: str, changed: dt.datetime | None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if changed is not None:
        headers["Last-Modified"] = email.utils.format_datetime(changed.astimezone(dt.UTC), True)
    return headers


def _not_modified(request: Request, etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return etag in (tag.strip().removeprefix("W/") for tag in wanted.split(",")) or wanted == "*"


def _answer(
    request: Request, body: bytes, media_type: str, etag: str, changed: dt.datetime | None
) -> Response:
    headers = _validators(etag, changed)
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _last_change(stamps: Sequence[YearStamp]) -> dt.datetime | None:
    return max((s.changed_at for s in stamps if s.changed_at is not None), default=None)


async def catalogue_turtle(request: Request) -> Response:
    stamps = await _stamps(request)
    base = base_url(request)
    etag = _etag("ttl", base, *stamps)
    body = open_data.to_turtle(open_data.catalogue_triples(base, stamps))
    return _answer(request, body.encode(), "text/turtle; charset=utf-8", etag, _last_change(stamps))


async def catalogue_json_ld(request: Request) -> Response:
    stamps = await _stamps(request)
    base = base_url(request)
    etag = _etag("jsonld", base, *stamps)
    body = open_data.to_json_ld(open_data.catalogue_triples(base, stamps))
    return _answer(request, body.encode(), "application/ld+json", etag, _last_change(stamps))


def _not_found(what: str) -> Response:
    return Response(
        f"No such open dataset: {what}\n", status_code=404, media_type="text/plain; charset=utf-8"
    )


def _query(domain: Domain) -> str:
    fields = " ".join(to_camel_case(f.name) for f in open_data.value_fields(domain))
    section = to_camel_case(domain.key)
    return (
        f"query OpenData($year: Int!, $after: String) {{ laos(first: {PAGE}, after: $after) {{ "
        "pageInfo { hasNextPage endCursor } edges { node { code nameTh nameEn type "
        "province { code nameTh } district { code nameTh } year(fiscalYear: $year) { "
        f"fiscalYear state {section} {{ {fields} }} }} }} }} }} }}"
    )


def _cell(f: Field, value: Any) -> Any:
    if value is None:
        return ""
    if f.kind is Kind.BOOL:
        return "true" if value else "false"
    return value


def _line(domain: Domain, node: dict[str, Any]) -> list[Any] | None:
    year = node["year"]
    if year is None:  # not certified: the public does not see it
        return None
    section = year[to_camel_case(domain.key)] or {}
    return [
        node["code"] or "",
        node["nameTh"],
        node["nameEn"] or "",
        node["type"],
        node["province"]["code"],
        node["province"]["nameTh"],
        node["district"]["code"],
        node["district"]["nameTh"],
        year["fiscalYear"],
        year["state"],
        *(_cell(f, section.get(to_camel_case(f.name))) for f in open_data.value_fields(domain)),
    ]


async def _lines(state: Any, domain: Domain, year: int) -> AsyncIterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(open_data.csv_header(domain))
    yield ("\ufeff" + out.getvalue()).encode("utf-8")
    query, after = _query(domain), None
    while True:
        data = await public_graphql(state, query, {"year": year, "after": after})
        page = data["laos"]
        out.seek(0)
        out.truncate()
        for edge in page["edges"]:
            line = _line(domain, edge["node"])
            if line is not None:
                writer.writerow(line)
        yield out.getvalue().encode("utf-8")
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


async def dataset_csv(request: Request) -> Response:
    year = request.path_params["year"]
    name = request.path_params["name"]
    domain = open_data.domain_by_slug(name)
    stamps = {s.fiscal_year: s for s in await _stamps(request)}
    stamp = stamps.get(year)
    if domain is None or stamp is None or stamp.public_lao_years == 0:
        return _not_found(f"{year}/{name}.csv")
    etag = _etag("csv", year, name, stamp)
    headers = _validators(etag, stamp.changed_at)
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="info-hub-{year}-{name}.csv"'
    return StreamingResponse(
        _lines(request.app.state, domain, year),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


def routes() -> list[Route]:
    return [
        Route("/opendata/catalog.ttl", catalogue_turtle, methods=["GET"]),
        Route("/opendata/catalog.jsonld", catalogue_json_ld, methods=["GET"]),
        Route("/opendata/{year:int}/{name}.csv", dataset_csv, methods=["GET"]),
    ]
