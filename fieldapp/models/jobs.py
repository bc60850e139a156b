"""Long work run off the request by the worker (fieldapp/jobs): its progress and its result."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow
from .areas import PathString


class JobState:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"   # a refusal the user can act on (error says why), or a crash
    FINISHED = (DONE, FAILED)


class Job(Model):
    """One piece of long work: who asked, for which area, its parameters, how far it is, what came out.

    The row is the source of truth for the pages (progress bar, result, download); the job library only
    runs it. Its file (an export) is kept here, so any app host serves the download."""
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_created", "user_id", "created_at"),
        Index("ix_jobs_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The area the job reads or writes: only users who may see it see the job.
    area_path: Mapped[str] = mapped_column(PathString, default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default=JobState.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    step: Mapped[str | None] = mapped_column(String(200))      # what it is doing now, for the user
    result: Mapped[dict | None] = mapped_column(JSON)          # a summary for the result page
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(120))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)           # starts (a worker stopped mid-job starts it again)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int | None:
        if self.state == JobState.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else None
