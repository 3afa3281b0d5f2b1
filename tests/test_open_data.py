"""Open data: the DCAT catalogue parses as RDF (Turtle and JSON-LD, as CKAN's harvester reads
them) and describes every dataset; each CSV holds exactly the public's view of its domain and
year; ETags answer 304; a cancelled certification changes the file, its ETag and `modified`."""

from __future__ import annotations

import csv
import io

import pytest
import rdflib
from rdflib import namespace
from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import FiscalYear, Lao, LaoYear
from hub.rules.catalogue import DOMAINS
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import RoleGrant, user
from hub.rules.open_data import csv_header, slug
from hub.rules.permissions import PUBLIC_STATES
from hub.settings import Settings
from tests.conftest import serve


async def _public_counts(url: str) -> dict[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(LaoYear.fiscal_year, func.count())
                    .where(LaoYear.state.in_(PUBLIC_STATES))
                    .group_by(LaoYear.fiscal_year)
                )
            ).all()
    finally:
        await engine.dispose()
    return {year: count for year, count in rows}


def _graph(text: str, format: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=text, format=format)
    return graph


async def test_the_catalogue_is_dcat_that_rdf_tools_read(demo_client, demo_database_url):
    counts = await _public_counts(demo_database_url)
    turtle = await demo_client.get("/opendata/catalog.ttl")
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "set-cookie" not in turtle.headers
    json_ld = await demo_client.get("/opendata/catalog.jsonld")
    assert json_ld.status_code == 200
    graphs = [_graph(turtle.text, "turtle"), _graph(json_ld.text, "json-ld")]
    assert graphs[0].isomorphic(graphs[1])  # the two formats say the same

    graph = graphs[0]
    (catalog,) = graph.subjects(namespace.RDF.type, namespace.DCAT.Catalog)
    datasets = set(graph.objects(catalog, namespace.DCAT.dataset))
    assert datasets == set(graph.subjects(namespace.RDF.type, namespace.DCAT.Dataset))
    assert len(datasets) == len(DOMAINS) * len([y for y, n in counts.items() if n])
    publisher = graph.value(catalog, namespace.DCTERMS.publisher)
    assert {str(n) for n in graph.objects(publisher, namespace.FOAF.name)} >= {
        "Department of Local Administration"
    }
    for dataset in datasets:
        assert graph.value(dataset, namespace.DCTERMS.title) is not None
        assert graph.value(dataset, namespace.DCTERMS.license) is not None
        assert graph.value(dataset, namespace.DCTERMS.publisher) == publisher
        modified = graph.value(dataset, namespace.DCTERMS.modified)
        assert modified is not None and modified.datatype is not None
        distribution = graph.value(dataset, namespace.DCAT.distribution)
        assert (distribution, namespace.RDF.type, namespace.DCAT.Distribution) in graph
        download = str(graph.value(distribution, namespace.DCAT.downloadURL))
        assert download.endswith(".csv") and download.startswith(str(dataset))
        assert str(graph.value(distribution, namespace.DCAT.mediaType)).endswith("text/csv")
        assert graph.value(distribution, namespace.DCTERMS.modified) == modified
        assert graph.value(distribution, namespace.DCTERMS.license) is not None

    # Cached: the same ETag is answered 304 without a body.
    again = await demo_client.get(
        "/opendata/catalog.ttl", headers={"If-None-Match": turtle.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert "max-age" in turtle.headers["cache-control"]


async def test_a_dataset_file_is_the_publics_view_of_its_domain_and_year(
    demo_client, demo_database_url
):
    counts = await _public_counts(demo_database_url)
    year = max(y for y, n in counts.items() if n)
    domain = DOMAINS[4]  # water management
    response = await demo_client.get(f"/opendata/{year}/{slug(domain)}.csv")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == csv_header(domain)
    rows = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    assert len(rows) == counts[year]
    assert {r["certification_state"] for r in rows} <= {s.name for s in PUBLIC_STATES}
    assert all(r["fiscal_year"] == str(year) for r in rows)
    assert any(r["households_with_tap_water"] for r in rows)

    cached = await demo_client.get(
        f"/opendata/{year}/{slug(domain)}.csv", headers={"If-None-Match": response.headers["etag"]}
    )
    assert cached.status_code == 304
    for missing in (f"/opendata/{year}/no-such-domain.csv", f"/opendata/1999/{slug(domain)}.csv"):
        assert (await demo_client.get(missing)).status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_cancelled_certification_refreshes_the_file_and_its_metadata(fresh_demo_url):
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            year = (
                await conn.execute(select(FiscalYear.year_be).where(FiscalYear.closed_at.is_(None)))
            ).scalar_one()
            lao_id, code = (
                await conn.execute(
                    select(Lao.id, Lao.code)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        LaoYear.fiscal_year == year,
                        LaoYear.state == CertificationState.LAO_CERTIFIED,
                        Lao.type != LaoType.BANGKOK,
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    domain = DOMAINS[0]
    path = f"/opendata/{year}/{slug(domain)}.csv"
    settings = Settings(database_url=fresh_demo_url, environment="test")
    async with serve(settings) as public:
        before = await public.get(path)
        catalogue_before = await public.get("/opendata/catalog.ttl")
    assert code in before.text

    verifier = user("ver", RoleGrant(Role.LAO_VERIFIER, lao_id=lao_id))
    cancel = """mutation($code: String!, $year: Int!) {
      result: cancelLaoCertification(laoCode: $code, fiscalYear: $year, reason: "แก้ไขข้อมูล") {
        __typename } }"""
    async with serve(settings, verifier) as hub:
        done = await hub.post(
            "/graphql", json={"query": cancel, "variables": {"code": code, "year": year}}
        )
    assert done.json()["data"]["result"]["__typename"] == "StateChanged", done.text

    async with serve(settings) as public:
        stale = await public.get(path, headers={"If-None-Match": before.headers["etag"]})
        assert stale.status_code == 200  # the old ETag no longer matches
        assert code not in stale.text
        assert stale.headers["etag"] != before.headers["etag"]
        catalogue = await public.get("/opendata/catalog.ttl")
    dataset = rdflib.URIRef(f"{Settings().issuer}/opendata/{year}/{slug(domain)}")
    old = _graph(catalogue_before.text, "turtle").value(dataset, namespace.DCTERMS.modified)
    new = _graph(catalogue.text, "turtle").value(dataset, namespace.DCTERMS.modified)
    assert new.toPython() > old.toPython()
    assert catalogue.headers["etag"] != catalogue_before.headers["etag"]
