"""Database models (SQLAlchemy 2 typed mappings). Importing this registers every table."""

from hub.db.models.accounts import ApiClient, HubMeta, RoleAssignment, User
from hub.db.models.base import Base
from hub.db.models.change_log import ChangeLogEntry
from hub.db.models.console import ConsoleSession, ConsoleUpload
from hub.db.models.domain_tables import RECORD_TABLES, SECTION_TABLES
from hub.db.models.fiscal_years import (
    CertificationEvent,
    CompletenessChange,
    FiscalYear,
    LaoYear,
    LpaAssessment,
    LpaRubric,
)
from hub.db.models.geography import District, Province, Subdistrict, Village
from hub.db.models.kpi16 import Kpi16Reference, Kpi16Round
from hub.db.models.missions import Agency, LaoMission, LaoMissionEvent, Mission, MissionRound
from hub.db.models.oauth import (
    AuthorizationCode,
    ClientRegistration,
    RateLimitCounter,
    RefreshToken,
    RevokedAccessToken,
    SigningKey,
)
from hub.db.models.organisations import Lao, LaoCode, LaoContact, LaoTypePeriod

metadata = Base.metadata

__all__ = [
    "RECORD_TABLES",
    "SECTION_TABLES",
    "Agency",
    "ApiClient",
    "AuthorizationCode",
    "Base",
    "CertificationEvent",
    "ChangeLogEntry",
    "ClientRegistration",
    "CompletenessChange",
    "ConsoleSession",
    "ConsoleUpload",
    "District",
    "FiscalYear",
    "HubMeta",
    "Kpi16Reference",
    "Kpi16Round",
    "Lao",
    "LaoCode",
    "LaoContact",
    "LaoMission",
    "LaoMissionEvent",
    "LaoTypePeriod",
    "LaoYear",
    "LpaAssessment",
    "LpaRubric",
    "Mission",
    "MissionRound",
    "Province",
    "RateLimitCounter",
    "RefreshToken",
    "RevokedAccessToken",
    "RoleAssignment",
    "SigningKey",
    "Subdistrict",
    "User",
    "Village",
    "metadata",
]
