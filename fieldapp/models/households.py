import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import Model
from ..text import CODE_KEY_LENGTH, code_key, fold
from ..timeutil import utcnow
from ..visits.rules import Outcome
from .areas import Area


def new_uuid() -> str:
    return str(uuid.uuid4())


def search_text(code: str, head_name: str | None) -> str:
    """What the household search matches, without diacritics: the code and the head's name."""
    return fold(f"{code} {head_name or ''}")[:300]


def _code_key_default(context) -> str:
    """For inserts that bypass the ORM attribute (bulk rows): the key of the row's code."""
    return code_key(context.get_current_parameters().get("code"))


class Household(Model):
    """A household: a village, a house code and resident counts. Names only with consent.

    Never add fields for national ID numbers, card images, bank data or residents' passwords.
    """
    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("village_id", "code"),
        # The rule: one normalised code per village (text.code_key); migration 0016 says what became of
        # near-duplicates stored before it.
        Index("ix_households_village_code_key", "village_id", "code_key", unique=True),
        CheckConstraint("residents_18plus <= residents_14plus", name="adults_within_14plus"),
        CheckConstraint("residents_14plus <= residents_total", name="14plus_within_total"),
        CheckConstraint("residents_18plus >= 0 AND smartphones >= 0", name="non_negative"),
        Index("ix_households_village_last", "village_id", "last_visited_at"),
    )

    # A UUID so a phone can create a household offline and sync it later.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    code: Mapped[str] = mapped_column(String(40))
    code_key: Mapped[str] = mapped_column(String(CODE_KEY_LENGTH), default=_code_key_default, server_default="")
    head_name: Mapped[str | None] = mapped_column(String(120))
    head_phone: Mapped[str | None] = mapped_column(String(15))
    consent_at: Mapped[datetime | None]
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    residents_total: Mapped[int] = mapped_column(default=0)
    residents_14plus: Mapped[int] = mapped_column(default=0)
    residents_18plus: Mapped[int] = mapped_column(default=0)
    smartphones: Mapped[int] = mapped_column(default=0)
    search_text: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Kept up to date by the visit operations, for the "not visited / come back" filters.
    last_visited_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    visit_count: Mapped[int] = mapped_column(default=0)
    # The day the latest visit promised to come back (a local day; None: no promise): "Hôm nay cần đến / Quá hẹn".
    return_on: Mapped[date | None] = mapped_column(Date)
    # Who of the team goes to this household (the leader assigns); None: anyone of the team.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Soft delete: hidden everywhere, undone by clearing these.
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    village: Mapped[Area] = relationship()

    @validates("code")
    def _set_code_key(self, _name, code):
        self.code_key = code_key(code)
        return code

    def refresh_search_text(self) -> None:
        self.search_text = search_text(self.code, self.head_name)

    @property
    def needs_return(self) -> bool:
        return self.last_outcome in Outcome.COME_BACK
