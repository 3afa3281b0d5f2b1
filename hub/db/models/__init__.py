"""Database models (SQLAlchemy 2 typed mappings). Importing this registers every table."""

from hub.db.models.accounts import AccountCode, ApiClient, HubMeta, RoleAssignment, User
from hub.db.models.base import Base
from hub.db.models.change_log import ChangeLogEntry
from hub.db.models.console import ConsoleSession, ConsoleUpload
from hub.db.models.domain_tables import RECORD_TABLES, SECTION_TABLES
from hub.db.models.fiscal_years import (
    CertificationEvent,
    CompletenessChange,
    FiscalYear,
    HistoricalSection,
    LaoYear,
    LpaAssessment,
    LpaAssessmentRevision,
    LpaRubric,
)
from hub.db.models.geography import District, Province, Subdistrict, Village
from hub.db.models.jobs import (
    ExportChunk,
    ExportJob,
    LocalJob,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from hub.db.models.kpi16 import Kpi16Count, Kpi16Reference, Kpi16Report, Kpi16Round
from hub.db.models.missions import (
    Agency,
    LaoMission,
    LaoMissionEvent,
    Mission,
    MissionHelpMessage,
    MissionHelpRequest,
)
from hub.db.models.oauth import (
    AuthorizationCode,
    ClientRegistration,
    RateLimitCounter,
    RefreshToken,
    RevokedAccessToken,
    SigningKey,
)
from hub.db.models.operations import ApqDocument, PersistedOperation
from hub.db.models.organisations import (
    Lao,
    LaoCode,
    LaoContact,
    LaoMerger,
    LaoNamePeriod,
    LaoTypePeriod,
)
from hub.db.models.pulled import PulledBatch, PulledValue
from hub.db.models.read_audit import PersonalDataRead
from hub.db.models.rollups import CertificationCount, LpaTally, LpaTallyNow
from hub.db.models.rounds import Round, RoundCheck, RoundProvinceDeadline

metadata = Base.metadata

__all__ = [
    "RECORD_TABLES",
    "SECTION_TABLES",
    "AccountCode",
    "Agency",
    "ApiClient",
    "ApqDocument",
    "AuthorizationCode",
    "Base",
    "CertificationCount",
    "CertificationEvent",
    "ChangeLogEntry",
    "ClientRegistration",
    "CompletenessChange",
    "ConsoleSession",
    "ConsoleUpload",
    "District",
    "ExportChunk",
    "ExportJob",
    "FiscalYear",
    "HistoricalSection",
    "HubMeta",
    "Kpi16Count",
    "Kpi16Reference",
    "Kpi16Report",
    "Kpi16Round",
    "Lao",
    "LaoCode",
    "LaoContact",
    "LaoMerger",
    "LaoMission",
    "LaoMissionEvent",
    "LaoNamePeriod",
    "LaoTypePeriod",
    "LaoYear",
    "LocalJob",
    "LpaAssessment",
    "LpaAssessmentRevision",
    "LpaRubric",
    "LpaTally",
    "LpaTallyNow",
    "Mission",
    "MissionHelpMessage",
    "MissionHelpRequest",
    "PersistedOperation",
    "PersonalDataRead",
    "Province",
    "PulledBatch",
    "PulledValue",
    "RateLimitCounter",
    "RefreshToken",
    "RevokedAccessToken",
    "RoleAssignment",
    "Round",
    "RoundCheck",
    "RoundProvinceDeadline",
    "SigningKey",
    "Subdistrict",
    "User",
    "Village",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "metadata",
]
