from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class PendingImport(Model):
    """An uploaded file between its preview and its confirmation, in the database so every app host sees it."""
    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token carried by the confirm form.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    consent: Mapped[bool] = mapped_column(default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
