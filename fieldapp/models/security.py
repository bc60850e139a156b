from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class LoginAttempt(Model):
    """One counted event (fieldapp/throttle.py): a failed sign-in, under each of its keys ("device:…",
    "pair:0912…|1.2.3.4", "phone:0912…", "ip:1.2.3.4", "change:0912…"), or a join request ("join-link:…",
    "join-ip:…"). Rows older than the longest window are purged as we go.

    In the database, not in process memory, so every worker sees the same counts.
    """
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
