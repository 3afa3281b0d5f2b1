"""The exportable lists, read through the hub's own GraphQL operations as the caller.

Each list is a GraphQL operation of the public schema and how one of its nodes becomes a row.
The operation runs in-process as the caller (the planned read path first, the resolvers
otherwise, exactly as `/graphql` answers it), a page of `HUB_EXPORT_PAGE_SIZE` rows at a time
through the connection's cursor: an export therefore sees exactly what the caller's query
would — the same permission table, row filters and field guards, never a copy of them — and
holds one page in memory. A field the caller may not read comes back null with a FORBIDDEN
error at its path, as in GraphQL, and is written empty; any other error stops the export.

`pages(...)` yields `(rows, total)` per page; `RowsInFlight` records the most rows held at
once (the test of bounded memory reads it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

from hub.db.replicas import reader_for
from hub.rules.catalogue import DOMAINS
from hub.rules.exports import ExportRequest
from hub.rules.identity import Identity
from hub.rules.problems import Forbidden, InvalidInput, NotFound, Problem
from hub.web.export_files import Column
from schema.context import HubContext
from schema.errors import error_code


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p.capitalize() for p in rest)


_LAO_FIELDS = """code nameTh nameEn type size postcode phone hasWebsite websiteUrl
  latitude longitude province { code nameTh } district { code nameTh }"""
_LAO_COLUMNS = (
    Column("laoCode", "รหัส อปท."),
    Column("nameTh", "ชื่อ อปท."),
    Column("nameEn", "ชื่อภาษาอังกฤษ"),
    Column("type", "ประเภท"),
    Column("size", "ขนาด"),
    Column("provinceCode", "รหัสจังหวัด"),
    Column("province", "จังหวัด"),
    Column("districtCode", "รหัสอำเภอ"),
    Column("district", "อำเภอ"),
    Column("postcode", "รหัสไปรษณีย์"),
    Column("phone", "โทรศัพท์สำนักงาน"),
    Column("websiteUrl", "เว็บไซต์"),
    Column("latitude", "ละติจูด"),
    Column("longitude", "ลองจิจูด"),
)


def _lao_row(node: Mapping[str, Any]) -> list[Any]:
    return [
        node["code"],
        node["nameTh"],
        node["nameEn"],
        node["type"],
        node["size"],
        node["province"]["code"],
        node["province"]["nameTh"],
        node["district"]["code"],
        node["district"]["nameTh"],
        node["postcode"],
        node["phone"],
        node["websiteUrl"] if node["hasWebsite"] else None,
        node["latitude"],
        node["longitude"],
    ]


# Every scalar field of the 8 domains, from the catalogue (declared once there).
_DOMAIN_FIELDS = tuple(
    (_camel(d.key), _camel(f.name), f"{d.number}. {f.label_th}") for d in DOMAINS for f in d.fields
)
_YEAR_SELECTION = " ".join(
    f"{domain} {{ {' '.join(f for dn, f, _ in _DOMAIN_FIELDS if dn == domain)} }}"
    for domain in dict.fromkeys(dn for dn, _, _ in _DOMAIN_FIELDS)
)
_YEAR_COLUMNS = (
    Column("fiscalYear", "ปีงบประมาณ"),
    Column("state", "สถานะการรับรอง"),
    Column("dataReceivedAt", "วันที่รับข้อมูล"),
    Column("allDomainsComplete", "ครบ 8 ด้าน"),
    *(Column(f"{domain}.{name}", label) for domain, name, label in _DOMAIN_FIELDS),
)


def _lao_year_row(node: Mapping[str, Any]) -> list[Any]:
    year = node.get("year") or {}
    row = _lao_row(node)
    row += [
        year.get("fiscalYear"),
        year.get("state"),
        year.get("dataReceivedAt"),
        year.get("allDomainsComplete"),
    ]
    row += [(year.get(domain) or {}).get(name) for domain, name, _ in _DOMAIN_FIELDS]
    return row


@dataclass(frozen=True)
class ExportList:
    name: str
    title_th: str
    columns: tuple[Column, ...]
    query: str
    variables: Callable[[ExportRequest], dict[str, Any]]
    nodes: Callable[[Mapping[str, Any]], tuple[list[Mapping[str, Any]], int | None, str | None]]
    row: Callable[[Mapping[str, Any]], list[Any]]
    paged: bool = True


def _lao_filter(r: ExportRequest) -> dict[str, Any]:
    return {
        "filter": {
            k: v
            for k, v in {"provinceCode": r.province_code, "districtCode": r.district_code}.items()
            if v is not None
        }
    }


def _connection(
    data: Mapping[str, Any],
) -> tuple[list[Mapping[str, Any]], int | None, str | None]:
    page = data["laos"]
    after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    return [e["node"] for e in page["edges"]], page["totalCount"], after


_PROGRESS_STATS = (
    "stats(fiscalYear: $year) { certification { draft laoCertified provinceCertified total } }"
)


def _progress_nodes(
    data: Mapping[str, Any],
) -> tuple[list[Mapping[str, Any]], int | None, str | None]:
    if "provinces" in data:
        areas = data["provinces"]
    else:
        if data["province"] is None:
            raise NotFound("The province was not found.", "ไม่พบจังหวัด")
        areas = data["province"]["districts"]
    return list(areas), len(areas), None


def _progress_row(area: Mapping[str, Any]) -> list[Any]:
    c = area["stats"]["certification"]
    total = c["total"]
    certified = c["laoCertified"] + c["provinceCertified"]
    return [
        area["code"],
        area["nameTh"],
        c["draft"],
        c["laoCertified"],
        c["provinceCertified"],
        total,
        round(100 * certified / total, 1) if total else None,
    ]


LISTS: dict[str, ExportList] = {
    "laos": ExportList(
        "laos",
        "อปท.",
        _LAO_COLUMNS,
        f"""query ExportLaos($filter: LaoFilter, $first: Int, $after: String) {{
  laos(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {_LAO_FIELDS} }} }} }} }}""",
        _lao_filter,
        _connection,
        _lao_row,
    ),
    "lao-years": ExportList(
        "lao-years",
        "ข้อมูล อปท. รายปี",
        _LAO_COLUMNS + _YEAR_COLUMNS,
        f"""query ExportLaoYears($filter: LaoFilter, $year: Int!, $first: Int, $after: String) {{
  laos(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {_LAO_FIELDS} year(fiscalYear: $year) {{
      fiscalYear state dataReceivedAt allDomainsComplete {_YEAR_SELECTION} }} }} }} }} }}""",
        lambda r: {**_lao_filter(r), "year": r.fiscal_year},
        _connection,
        _lao_year_row,
    ),
    "progress": ExportList(
        "progress",
        "ความก้าวหน้าการรับรอง",
        (
            Column("areaCode", "รหัสพื้นที่"),
            Column("area", "พื้นที่"),
            Column("draft", "ยังไม่รับรอง"),
            Column("laoCertified", "อปท. รับรองแล้ว"),
            Column("provinceCertified", "จังหวัดรับรองแล้ว"),
            Column("total", "รวม"),
            Column("certifiedPercent", "รับรองแล้ว (%)"),
        ),
        "",  # chosen per request: the nation by province, or a province by district
        lambda r: {
            "year": r.fiscal_year,
            **({"province": r.province_code} if r.province_code else {}),
        },
        _progress_nodes,
        _progress_row,
        paged=False,
    ),
}


def _progress_query(r: ExportRequest) -> str:
    if r.province_code:
        return f"""query ExportProgress($province: String!, $year: Int!) {{
  province(code: $province) {{ districts {{ code nameTh {_PROGRESS_STATS} }} }} }}"""
    return f"query ExportProgress($year: Int!) {{ provinces {{ code nameTh {_PROGRESS_STATS} }} }}"


class ExportFailed(Exception):
    """The list's operation answered an error other than a field the caller may not read."""


@dataclass
class RowsInFlight:
    """The most rows an export held at once (bounded by the page size)."""

    peak: int = 0
    pages: int = 0
    rows: int = 0
    totals: list[int] = field(default_factory=list)


def _problem_of(error: GraphQLError) -> Problem | None:
    original = getattr(error, "original_error", None)
    return original if isinstance(original, Problem) else None


async def pages(
    state: Any,
    identity: Identity,
    request: ExportRequest,
    page_size: int,
    seen: RowsInFlight | None = None,
) -> AsyncIterator[tuple[list[list[Any]], int | None]]:
    """The list's rows, a page at a time, read as `identity`."""
    spec = LISTS[request.list_name]
    query = spec.query or _progress_query(request)
    variables = spec.variables(request)
    after: str | None = None
    while True:
        page_vars = {**variables, **({"first": page_size, "after": after} if spec.paged else {})}
        context = HubContext(
            engine=state.engine,
            writer=state.writer,
            reader=reader_for(state, identity),
            identity=identity,
            settings=state.settings,
            max_import_lines=state.settings.import_max_lines,
        )
        request_data = GraphQLRequestData(
            query=query, variables=page_vars, operation_name=None, extensions=None
        )
        result = None
        if state.planner is not None:
            result = await state.planner.execute(request_data, context)
        if result is None:
            result = await state.schema.execute(
                query, variable_values=page_vars, context_value=context
            )
        for error in result.errors or ():
            if error_code(error) == "FORBIDDEN" and error.path and len(error.path) > 1:
                continue  # a field the caller may not read: empty, as GraphQL's null
            problem = _problem_of(error)
            if isinstance(problem, InvalidInput | Forbidden | NotFound):
                raise problem
            raise ExportFailed(error.message)
        if result.data is None:
            raise ExportFailed("the list could not be read")
        nodes, total, after = spec.nodes(result.data)
        rows = [spec.row(node) for node in nodes]
        del nodes
        if seen is not None:
            seen.peak = max(seen.peak, len(rows))
            seen.pages += 1
            seen.rows += len(rows)
        yield rows, total
        if after is None:
            return


def columns(request: ExportRequest) -> Sequence[Column]:
    return LISTS[request.list_name].columns


def title(request: ExportRequest) -> str:
    return LISTS[request.list_name].title_th
