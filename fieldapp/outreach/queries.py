"""Reads of outreach sessions: lists, and sums by area for tallies and reports (one grouped query)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..counting import live
from ..extensions import db
from ..models import Area, OutreachSession
from ..models.areas import within
from ..tallies.operations import area_ids

PER_PAGE = 50


@dataclass
class SessionSums:
    sessions: int = 0
    attendees: int = 0

    def add(self, sessions: int, attendees: int) -> None:
        self.sessions += int(sessions or 0)
        self.attendees += int(attendees or 0)


def _live_in(area: Area):
    return (select(OutreachSession).join(Area, Area.id == OutreachSession.village_id)
            .where(within(Area.path, area.path), live(OutreachSession)))


def sessions_in(area: Area, start: date | None = None, end: date | None = None, limit: int = PER_PAGE,
                offset: int = 0) -> tuple[list[OutreachSession], int]:
    stmt = _live_in(area)
    if start:
        stmt = stmt.where(OutreachSession.held_on >= start)
    if end:
        stmt = stmt.where(OutreachSession.held_on <= end)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = list(db.session.scalars(stmt.order_by(OutreachSession.held_on.desc(), OutreachSession.id.desc())
                                   .limit(limit).offset(offset)))
    return rows, total


def sums_by_village(area: Area, start: date, end: date) -> dict[str, SessionSums]:
    """{village path: sums} of the live sessions held start..end (local dates) inside the area."""
    rows = db.session.execute(
        select(Area.path, func.count(OutreachSession.id), func.sum(OutreachSession.attendees))
        .join(Area, Area.id == OutreachSession.village_id)
        .where(within(Area.path, area.path), live(OutreachSession),
               OutreachSession.held_on >= start, OutreachSession.held_on <= end)
        .group_by(Area.path)).all()
    out: dict[str, SessionSums] = {}
    for path, n, attendees in rows:
        out.setdefault(path, SessionSums()).add(n, attendees)
    return out


def session_sums(area: Area, start: date, end: date, children: list[Area] | None = None) -> dict[int, SessionSums]:
    """Sums for the area and each of its direct children (by path), from one grouped query."""
    out = {area.id: SessionSums(), **{c.id: SessionSums() for c in children or []}}
    depth = len(area_ids(area.path))
    for path, s in sums_by_village(area, start, end).items():
        out[area.id].add(s.sessions, s.attendees)
        ids = area_ids(path)
        if len(ids) > depth and ids[depth] in out:
            out[ids[depth]].add(s.sessions, s.attendees)
    return out


def active_team_ids(area: Area, start: date, end: date) -> set[int]:
    return set(db.session.scalars(
        select(OutreachSession.team_id).distinct().join(Area, Area.id == OutreachSession.village_id)
        .where(within(Area.path, area.path), live(OutreachSession),
               OutreachSession.held_on >= start, OutreachSession.held_on <= end)))
