"""Typed SQLAlchemy models, one module per aggregate. Import from here."""
from ..visits.rules import Outcome
from .areas import Area, AreaLevel
from .audit import AuditLog
from .campaigns import Campaign, CampaignService, CampaignTarget
from .history import AreaStatsDay, Membership, MergedCounter, TeamPlace, VillageMerge, VisitLate
from .households import Household
from .imports import PendingImport
from .jobs import Job, JobState
from .machine import ApiToken, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .notices import Notice, NoticeSeen
from .outreach import OutreachSession, SessionKind
from .people import Role, Team, User
from .reports import ActivityKind, CommuneActivity, DocumentKind, IssuerSetting, ReportDraft, SignOff, SignOffStatus
from .security import LoginAttempt
from .services import Eligibility, Service
from .sync import SyncReport
from .tallies import AreaStats, HouseholdReach, TallyDay, TallyKind, TallyTotal
from .tokens import Badge, HouseholdTag, JoinRequest, JoinStatus, OneTimeLogin, TeamInvite
from .visits import Assistance, Visit, listed_visits

__all__ = [
    "Area", "AreaLevel", "AuditLog", "Household", "LoginAttempt", "Role", "Team", "User",
    "Eligibility", "Service", "Assistance", "Outcome", "Visit", "listed_visits",
    "Badge", "HouseholdTag", "JoinRequest", "JoinStatus", "OneTimeLogin", "TeamInvite",
    "AreaStats", "HouseholdReach", "TallyDay", "TallyKind", "TallyTotal",
    "Campaign", "CampaignService", "CampaignTarget", "OutreachSession", "SessionKind",
    "Notice", "NoticeSeen",
    "PendingImport", "Job", "JobState", "ApiToken", "DeliveryStatus", "WebhookDelivery", "WebhookEndpoint",
    "SyncReport",
    "AreaStatsDay", "MergedCounter", "Membership", "TeamPlace", "VillageMerge", "VisitLate",
    "ActivityKind", "CommuneActivity", "DocumentKind", "IssuerSetting", "ReportDraft", "SignOff", "SignOffStatus",
]
