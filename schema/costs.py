"""What the fields that do real work cost, declared once per field (`FIELD_COSTS`).

`schema.limits` estimates a query's cost before anything runs: by default a field costs 1
plus its children (a list's children counted `first` or `assumed_list_size` times). That
is right for fields that read a row or follow a batched key, and blind to fields whose own
work is large whatever they select: a roll-up over every LAO of the country, a COUNT over
a table, the whole introspection schema, a transaction per item of a mutation's list. Each
of those is listed here, keyed by "Type.field", with what it costs on top.

The unit: a page of 1,000 LAOs with one domain section costs ~20,000 and takes 40–70 ms on
the national dataset, so one unit is a few microseconds. The weights below follow that
scale where a request can afford it and are capped where it cannot:

* Roll-ups (`nationalStats`, `Province.stats`, `District.stats`) compute every area of
  their level at once in a few grouped statements (0.3–2 s nationally). Their cost is
  `ROLL_UP` once per distinct (level, arguments) in the request, however many parents ask
  (`shared`): `provinces { stats(fiscalYear: 2570) }` computes the province level once, and
  costs it once. With a `maxCost` of 50,000 a request may compute two roll-ups (say the
  nation and every province); 30 aliased `nationalStats` with different `asOf` cost
  600,000 and are refused before any of them runs.
* LPA reports (`nationalLpa`, `Province.lpa`, `District.lpa`) are roll-ups too: their counts
  come from one grouped statement over every LAO of the level, with a few correlated lookups
  per LAO (the history as of the date, the deadline, the final score), so they cost
  `ROLL_UP` shared the same way; their LAO list (`LpaReport.laos`) is a page of those
  lookups plus a COUNT over the area.
* A round's figures (`Round.timeliness`, `timelinessByArea`, `standings`, `reminders`)
  judge every LAO of their list from its history in one statement: `ROLL_UP` each, never
  shared between rounds.
* Introspection: `__schema` answers ~190 KB in ~40 ms whatever is selected below it, so it
  costs `INTROSPECTION` in all and its selection is not walked; `__type` one type. GraphiQL's
  introspection query fits; a few dozen aliased copies do not.
* COUNTs: every connection counts its rows (`totalCount`), once per connection field.
* The mission roll-up (`missionRollup`, ~200,000 records nationally in one GROUP BY, 0.7–2 s
  on SQLite) costs `ROLL_UP` each time, its arguments being free; a KPI-16 round's
  reference list counts the whole filtered list, matching each reference when filtered by
  match (like `waterSupplySystems`, ~1 s nationally), and its report boards group the list
  per district or province.
* Mutations: each root mutation field is a transaction (`MUTATION`); `certifyProvince` runs
  one per item, so its items count `per_item` each, and its result list has one entry per
  item (its selection is counted that many times). An import (`importWaterSupplySystems`)
  checks and writes a whole file: `IMPORT`, so a request holds at most a few.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from hub.rules.certification import PROVINCE_BATCH_LIMIT


@dataclass(frozen=True)
class FieldCost:
    """What a field costs on top of 1 plus its children.

        `weight` is added each time the field is resolved; with `shared`, the field's work is
        shared by every parent asking with the same arguments (a per-request DataLoader over a
        whole level), so `weight` counts once per distinct (`shared`, arguments). `per_item`
        names a list argument whose items each cost `item_weight` (and each give one entry of
        the field's list result); a list longer than `max_items` is costed as `max_items` long,
    because the field refuses it outright (BAD_USER_INPUT naming the argument) before any
    work: the caller learns the real limit, not a cost. `list_size` is how many entries a list
    field (not a connection) really returns, where the default guess (`assumed_list_size`, 10)
    is too low. With `opaque`, the selection below is not walked: `weight` is
        the whole subtree's cost (introspection).
    """

    weight: int = 0
    shared: str | None = None
    per_item: str | None = None
    item_weight: int = 0
    max_items: int | None = None
    list_size: int | None = None
    opaque: bool = False


ROLL_UP = 20_000
INTROSPECTION = 10_000
INTROSPECT_TYPE = 100
MUTATION = 50
IMPORT = 10_000

FIELD_COSTS: Mapping[str, FieldCost] = MappingProxyType(
    {
        # Roll-ups over every LAO of a level (schema/stats.py, hub/db/rollups.py, hub/rules/kpi16.py).
        "Query.nationalStats": FieldCost(ROLL_UP, shared="stats:nation"),
        "Province.stats": FieldCost(ROLL_UP, shared="stats:province"),
        "District.stats": FieldCost(ROLL_UP, shared="stats:district"),
        # LPA indicator 7 per area (schema/lpa_report.py, hub/db/lpa.py).
        "Query.nationalLpa": FieldCost(ROLL_UP, shared="lpa:nation"),
        "Province.lpa": FieldCost(ROLL_UP, shared="lpa:province"),
        "District.lpa": FieldCost(ROLL_UP, shared="lpa:district"),
        "LpaReport.laos": FieldCost(5_000),
        # Grouped or counted over a whole table (schema/root.py: `paginate` counts).
        "Query.laoCountsByType": FieldCost(1_000),
        "Query.laos": FieldCost(500),
        "Query.waterSupplySystems": FieldCost(5_000),
        "Query.touristSites": FieldCost(5_000),
        "Query.transferredMissions": FieldCost(5_000),
        "Query.missionCatalogue": FieldCost(100),
        "Lao.changeLog": FieldCost(100),
        # One value's provenance reads an LAO-year's log entries on its section (indexed).
        "Query.provenance": FieldCost(100),
        "Query.personalDataReads": FieldCost(100),  # the read audit: COUNT and a page
        # Accounts (schema/accounts.py): a COUNT over the caller's managed accounts, an
        # account's change log (COUNT and page); an account's roles are loaded per page.
        "Query.me": FieldCost(1),
        "Query.account": FieldCost(1),
        "Query.manageableAccounts": FieldCost(500),
        "Query.accountChangeLog": FieldCost(100),
        "Account.roles": FieldCost(list_size=5),
        # An LAO's transferred missions: ~25 each in the national data, up to ~45; unpaged, and
        # `LaoMission.lao` leads back to them, so nesting multiplies (lao → missions → lao → …).
        "Lao.transferredMissions": FieldCost(list_size=30),
        # The caller's supervised areas: one per grant (a person holds one or two), their
        # places batch-loaded. (`Province.viewerSupervises`, `District.viewerSupervises` are
        # decided from the identity, no SQL: the default cost.)
        "Viewer.areas": FieldCost(list_size=3),
        # Per LAO-year: its certification and completeness histories, the rubric in force and
        # the deadline (four batched loads); a final score: its revisions (one batched load).
        "LaoYear.lpaScore": FieldCost(4),
        "LaoYear.lpaFinalScore": FieldCost(2),
        "LaoYear.lpaFinalScoreHistory": FieldCost(2),
        "LpaFinalScore.provisionalAtInspection": FieldCost(4),
        # Small tables read whole: the rubric versions, the assessors appointed.
        "Query.lpaRubrics": FieldCost(10),
        "Query.lpaRubric": FieldCost(10),
        "Query.lpaAssessors": FieldCost(100),
        # Transferred missions for budget allocation: one GROUP BY over every record; ~30 rows
        # by agency, 77 by province, 245 by mission (more when keys combine).
        "Query.missionRollup": FieldCost(ROLL_UP, list_size=100),
        "Query.missionHelpRequests": FieldCost(500),
        "Query.missionHelpRequest": FieldCost(5),
        "MissionHelpRequest.messages": FieldCost(list_size=10),
        "LaoMission.history": FieldCost(list_size=5),
        "LaoMission.helpRequests": FieldCost(list_size=3),
        # KPI 16: rounds, a round's reference list (matched and counted), its report boards.
        "Query.kpi16Rounds": FieldCost(5, list_size=10),
        "Query.kpi16Round": FieldCost(5),
        "Kpi16Round.references": FieldCost(5_000),
        "Kpi16ReferenceSystem.explanation": FieldCost(2),
        "Kpi16MatchExplanation.records": FieldCost(list_size=3),
        "Kpi16Round.districtReports": FieldCost(2_000),
        "Kpi16Round.provinceReports": FieldCost(1_000),
        "Kpi16ReportBoard.items": FieldCost(list_size=1_000),  # up to 929 districts
        # Rounds (schema/rounds.py, hub/db/rounds.py). A round's figures judge every LAO of
        # the list asked for (the nation: ~7,850 LAOs and their history in one statement):
        # a roll-up each time a round asks, since two rounds never share their work. Areas:
        # up to 77 provinces a list (a district list is asked for within a province); a series holds
        # a day per change, ~60 for an area asked about.
        "Query.rounds": FieldCost(10, list_size=30),
        "Round.timeliness": FieldCost(ROLL_UP),
        "Round.timelinessByArea": FieldCost(ROLL_UP, list_size=77),
        "Round.standings": FieldCost(ROLL_UP),
        "Round.reminders": FieldCost(ROLL_UP),
        "Round.provinceDeadlines": FieldCost(list_size=77),
        "AreaRoundTimeliness.series": FieldCost(list_size=60),
        # Per LAO-year: its certification history and its year's round (two batched loads).
        "LaoYear.timeliness": FieldCost(2),
        # The caller's grants with their places' codes: at most one small lookup per kind of
        # place (LAO, district, province), whatever the number of grants.
        "Viewer.grants": FieldCost(3),
        # A subdistrict's villages: ~12 on average, up to ~40.
        "Subdistrict.villages": FieldCost(list_size=20),
        # A district's subdistricts: ~8 on average, up to ~30; the place lists are a COUNT
        # and a page each (schema/geography.py).
        "District.subdistricts": FieldCost(list_size=20),
        "Query.subdistricts": FieldCost(500),
        "Query.villages": FieldCost(500),
        # Introspection.
        "Query.__schema": FieldCost(INTROSPECTION, opaque=True),
        "Query.__type": FieldCost(INTROSPECT_TYPE, opaque=True),
        # A whole file (up to HUB_IMPORT_MAX_LINES lines) checked, and written in one transaction.
        "Mutation.importWaterSupplySystems": FieldCost(IMPORT),
        "Mutation.importTouristSites": FieldCost(IMPORT),
        # A source system's batch checks and writes a whole export, as an import does.
        "Mutation.deliverPulledValues": FieldCost(IMPORT),
        # A transaction per item.
        "Mutation.certifyProvince": FieldCost(
            MUTATION, per_item="items", item_weight=10, max_items=PROVINCE_BATCH_LIMIT
        ),
    }
)
# Every field of these types costs this much unless FIELD_COSTS says otherwise.
TYPE_COSTS: Mapping[str, FieldCost] = MappingProxyType({"Mutation": FieldCost(MUTATION)})


def field_cost(type_name: str | None, field_name: str) -> FieldCost | None:
    """The declared cost of `type_name.field_name`, or None for the default (1 + children)."""
    if type_name is None:
        return None
    return FIELD_COSTS.get(f"{type_name}.{field_name}") or TYPE_COSTS.get(type_name)
