"""Typed SQLAlchemy models, one module per aggregate. Import from here."""
from .areas import Area, AreaLevel
from .audit import AuditLog
from .households import Household
from .people import Role, Team, User
from .security import LoginAttempt
from .services import Eligibility, Service
from .tokens import Badge, HouseholdTag, JoinRequest, JoinStatus, OneTimeLogin, TeamInvite
from .visits import Assistance, Outcome, Visit, listed_visits
from .tallies import AreaStats, HouseholdReach, TallyDay, TallyKind, TallyTotal
from .campaigns import Campaign, CampaignService, CampaignTarget
from .outreach import OutreachSession, SessionKind
from .notices import Notice, NoticeSeen
from .imports import PendingImport
from .jobs import Job, JobState
from .machine import ApiToken, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .sync import SyncReport
from .history import AreaStatsDay, MergedCounter, Membership, TeamPlace, VillageMerge, VisitLate
from .reports import (ActivityKind, CommuneActivity, DocumentKind, IssuerSetting, ReportDraft, SignOff,
                      SignOffStatus)

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
