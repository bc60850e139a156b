from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class LoginAttempt(db.Model):
    """One failed sign-in, keyed by account ("phone:0912…") and by client ("ip:1.2.3.4").

A successful sign-in deletes the account's rows; rows older than the window are purged as we go.

    In the database, not in process memory, so every worker sees the same counts.
    """
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
