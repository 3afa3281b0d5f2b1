"""Mutations: typed inputs built from the catalogue, typed results (a union of success and
refusals), one module per area.

A resolver translates GraphQL input into one call of a `hub.services` function and its
result into a GraphQL type; it decides nothing: who may act, which inputs are required and
which role the change log records are the services'. A refusal the service raises is
answered as its typed refusal by the one decorator `errors.answers_refusals`. Each mutation
is one transaction (`certifyProvince`: one per LAO-year).

    errors          the refusal types and their one mapping from `hub.rules.problems`
    inputs          inputs built from the catalogue, and the hand-written ones
    data_entry      saveXxx (sections), addXxx / updateXxx / retireXxx (records)
    record_import   importWaterSupplySystems, importTouristSites (a file, all or nothing)
    certification   certifyLao, cancelLaoCertification, certifyProvince, …
    fiscal_years    openFiscalYear, closeFiscalYear
    missions        addCatalogueMission, recordTransferredMission, …
    kpi16           importKpi16Baseline
    profile         updateLaoProfile
"""

from __future__ import annotations

import strawberry

from schema.mutations import (
    certification,
    data_entry,
    fiscal_years,
    kpi16,
    missions,
    profile,
    record_import,
)

# The schema's order of the mutation fields (the exported contract, schema/schema.graphql).
FIELDS = {
    **data_entry.namespace(),
    **record_import.namespace(),
    **certification.FIELDS,
    "open_fiscal_year": fiscal_years.open_fiscal_year,
    "close_fiscal_year": fiscal_years.close_fiscal_year,
    "add_catalogue_mission": missions.add_catalogue_mission,
    "record_transferred_mission": missions.record_transferred_mission,
    "update_transferred_mission": missions.update_transferred_mission,
    "cancel_transferred_mission": missions.cancel_transferred_mission,
    "import_kpi16_baseline": kpi16.import_kpi16_baseline,
    "update_lao_profile": profile.update_lao_profile,
}

Mutation = strawberry.type(type("Mutation", (), FIELDS))
