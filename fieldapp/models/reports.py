"""What a report upward needs besides the counters: the officer's draft of the document, the commune's own
activities, the issuing body of a province, and the sign-off of each village's month or quarter."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow
from .areas import Area
from .people import User


class DocumentKind:
    REPORT = "report"              # Báo cáo (BC)
    COMMENDATION = "commendation"  # Tờ trình đề nghị khen thưởng (TTr)
    ALL = (REPORT, COMMENDATION)


class ReportDraft(Model):
    """The parts of a document the app cannot know (recipient, reference, number, signer, the narrative
    sections), saved per area, kind and period; the next period starts from the last one's text."""
    __tablename__ = "report_drafts"
    __table_args__ = (UniqueConstraint("area_id", "kind", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuerSetting(Model):
    """The body that issues a province's reports (e.g. "SỞ KHOA HỌC VÀ CÔNG NGHỆ" under "UBND TỈNH GIA LAI")."""
    __tablename__ = "issuer_settings"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(String(160))
    parent: Mapped[str | None] = mapped_column(String(160))
    abbreviation: Mapped[str] = mapped_column(String(20))    # in "Số: …/BC-SKHCN"
    head_title: Mapped[str] = mapped_column(String(60))      # "GIÁM ĐỐC"
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityKind:
    """What the commune officer records that village teams cannot."""
    MEMBER_TRAINING = "member_training"  # lớp tập huấn cho thành viên tổ (quantity: classes; attendees)
    LEAFLETS = "leaflets"                # tờ rơi, tài liệu đã phát (quantity: copies)
    NEWS = "news"                        # tin, bài, bài đăng (quantity: articles)
    BROADCAST = "broadcast"              # chương trình phát thanh, loa (quantity: programmes)
    ALL = (MEMBER_TRAINING, LEAFLETS, NEWS, BROADCAST)


class CommuneActivity(Model):
    __tablename__ = "commune_activities"
    __table_args__ = (
        Index("ix_commune_activities_held", "commune_id", "held_on"),
        CheckConstraint("quantity >= 1 AND attendees >= 0", name="counts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)  # local date
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    attendees: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    commune: Mapped[Area] = relationship()


class SignOffStatus:
    CONFIRMED = "confirmed"  # the team leader confirmed the village's figures; the officer decides
    RETURNED = "returned"    # the officer sent it back with a reason; the leader confirms again
    APPROVED = "approved"    # kept as approved: later corrections are marked late, never undo it
    ALL = (CONFIRMED, RETURNED, APPROVED)


class SignOff(Model):
    """A village's month ("m") or quarter ("q"): confirmed by its leader, approved or returned by the officer."""
    __tablename__ = "sign_offs"
    __table_args__ = (
        UniqueConstraint("village_id", "period", "starts_on"),
        Index("ix_sign_offs_commune", "commune_id", "period", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    commune_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period: Mapped[str] = mapped_column(String(1))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    # The village's figures when it was confirmed, then when it was approved (kept as approved).
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    village: Mapped[Area] = relationship(foreign_keys=[village_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
