from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class SyncReport(Model):
    """What a member's phone said at its last sync: how many records still wait on it (the leader's
    week shows phones with records not yet sent). One row per member, the latest report wins."""
    __tablename__ = "sync_reports"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    pending: Mapped[int] = mapped_column(default=0)    # waiting to be sent
    rejected: Mapped[int] = mapped_column(default=0)   # refused by the server, set aside for the member to fix
    oldest_at: Mapped[datetime | None]                 # when the oldest waiting record was written
