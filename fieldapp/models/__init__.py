"""Typed SQLAlchemy models, one module per aggregate. Import from here."""
from .areas import Area, AreaLevel
from .audit import AuditLog
from .households import Household
from .people import Role, Team, User
from .services import Eligibility, Service
from .visits import Assistance, Outcome, Visit
from .tallies import AreaStats, HouseholdReach, TallyDay, TallyKind, TallyTotal
from .campaigns import Campaign, CampaignService, CampaignTarget

__all__ = [
    "Area", "AreaLevel", "AuditLog", "Household", "Role", "Team", "User",
    "Eligibility", "Service", "Assistance", "Outcome", "Visit",
    "AreaStats", "HouseholdReach", "TallyDay", "TallyKind", "TallyTotal",
    "Campaign", "CampaignService", "CampaignTarget",
]
