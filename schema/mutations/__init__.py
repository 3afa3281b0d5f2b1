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
    missions        addCatalogueMission, updateCatalogueMission, retireCatalogueMission,
                    recordTransferredMission, …
    mission_help    askMissionHelp, answerMissionHelp, escalateMissionHelp, …
    kpi16           importKpi16Baseline, submitKpi16DistrictReport, submitKpi16ProvinceReport
    rounds          openRound, updateRound, setRoundProvinceDeadlines, confirmMissionsChecked
    profile         updateLaoProfile
    lao_registry    recordLaoTypeChange, recordLaoCodeChange, recordLaoNameChange,
                    recordLaoMerger (DLA: the LAO registry as dated history)
    lpa             appointLpaAssessor, revokeLpaAssessor, recordLpaFinalScore
    pulled          deliverPulledValues (a source system's batch of its values)
    accounts        issueAccount, grantRole, revokeRole, disableAccount, …, changeMyPassword,
                    updateLaoInfoAdministrators
"""

from __future__ import annotations

import strawberry

from schema.mutations import (
    accounts,
    certification,
    data_entry,
    fiscal_years,
    jobs,
    kpi16,
    lao_registry,
    lpa,
    mission_help,
    missions,
    profile,
    pulled,
    record_import,
    rounds,
)

# The schema's order of the mutation fields (the exported contract, schema/schema.graphql).
FIELDS = {
    **data_entry.namespace(),
    **record_import.namespace(),
    **certification.FIELDS,
    "open_fiscal_year": fiscal_years.open_fiscal_year,
    "close_fiscal_year": fiscal_years.close_fiscal_year,
    "add_catalogue_mission": missions.add_catalogue_mission,
    "update_catalogue_mission": missions.update_catalogue_mission,
    "retire_catalogue_mission": missions.retire_catalogue_mission,
    "record_transferred_mission": missions.record_transferred_mission,
    "update_transferred_mission": missions.update_transferred_mission,
    "cancel_transferred_mission": missions.cancel_transferred_mission,
    "ask_mission_help": mission_help.ask_mission_help,
    "answer_mission_help": mission_help.answer_mission_help,
    "escalate_mission_help": mission_help.escalate_mission_help,
    "reply_mission_help": mission_help.reply_mission_help,
    "close_mission_help": mission_help.close_mission_help,
    "import_kpi16_baseline": kpi16.import_kpi16_baseline,
    "submit_kpi16_district_report": kpi16.submit_kpi16_district_report,
    "submit_kpi16_province_report": kpi16.submit_kpi16_province_report,
    "update_lao_profile": profile.update_lao_profile,
    "appoint_lpa_assessor": lpa.appoint_lpa_assessor,
    "revoke_lpa_assessor": lpa.revoke_lpa_assessor,
    "record_lpa_final_score": lpa.record_lpa_final_score,
    **accounts.FIELDS,
    "open_round": rounds.open_round,
    "update_round": rounds.update_round,
    "set_round_province_deadlines": rounds.set_round_province_deadlines,
    "confirm_missions_checked": rounds.confirm_missions_checked,
    **jobs.FIELDS,
    "deliver_pulled_values": pulled.deliver_pulled_values,
    "record_lao_type_change": lao_registry.record_lao_type_change,
    "record_lao_code_change": lao_registry.record_lao_code_change,
    "record_lao_name_change": lao_registry.record_lao_name_change,
    "record_lao_merger": lao_registry.record_lao_merger,
}

Mutation = strawberry.type(type("Mutation", (), FIELDS))
