"""The dated history (models/history.py): written by every operation that moves a member or a team, in its
transaction, and filled where rows bypassed the operations (backfill).

Memberships and team places: days are local (Vietnam); a stint runs from started_on (inclusive) to
ended_on (exclusive), so a member who joins and leaves on the same day is in no period's count, and one
who leaves on day D is counted up to D - 1. The denominators' history is written by
tallies.operations.apply_household_delta and the village merge; visit_late by tallies.operations.note_late.

backfill() fills what an upgrade from a release without history, the demo seed or the benchmark
generator left out. It only adds what is missing, so a repair keeps history written as things happened:
- denominators: with no history at all, each household counts from the day it was added (with its
  resident counts of now) and stops on the day it was deleted; otherwise an area whose history does not
  add up to its stored denominators gets the difference dated today;
- memberships and team places: a team member without any membership row is in their team from the day
  the account was made, or their first visit if earlier, until the day they were deactivated; a team
  without a place row is in its village from the day it was made (or its first visit) on;
- visit_late: a visit stored, corrected or deleted on a later local day than its own (its household's
  deletion too) is recorded as late, from what the rows say now (received_at, updated_at, deleted_at).
"""
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, insert, not_, select

from .counting import STATS, local_day, local_day_sql, today
from .extensions import db
from .models import (
    Area,
    AreaStats,
    AreaStatsDay,
    AuditLog,
    Household,
    Membership,
    Role,
    Team,
    TeamPlace,
    User,
    Visit,
    VisitLate,
)


def _open(model, **where):
    return db.session.scalars(select(model).filter_by(**where).where(model.ended_on.is_(None))).all()


def _end(rows, reason: str) -> None:
    day = today()
    for row in rows:
        if row.started_on >= day:   # began today: it never counted, drop it
            db.session.delete(row)
        else:
            row.ended_on, row.end_reason = day, reason


def join_team(user: User) -> None:
    """The user is (now) in user.team: closes any open stint elsewhere, opens one here."""
    if user.role not in Role.TEAM_ROLES or user.team_id is None:
        return
    db.session.flush()
    current = _open(Membership, user_id=user.id)
    if any(m.team_id == user.team_id for m in current):
        return
    _end(current, "moved")
    db.session.add(Membership(user_id=user.id, team_id=user.team_id, started_on=today()))


def leave_team(user: User, reason: str) -> None:
    _end(_open(Membership, user_id=user.id), reason)


def place_team(team: Team) -> None:
    """The team is (now) in team.village: closes its open place elsewhere, opens one here."""
    db.session.flush()
    current = _open(TeamPlace, team_id=team.id)
    if any(p.village_id == team.village_id for p in current):
        return
    _end(current, "merged")
    db.session.add(TeamPlace(team_id=team.id, village_id=team.village_id, started_on=today()))


def close_team_place(team: Team) -> None:
    _end(_open(TeamPlace, team_id=team.id), "closed")


def move_teams(team_ids: list[int], village_id: int) -> None:
    """Teams moved by a village merge (a bulk update of teams.village_id)."""
    for place in db.session.scalars(select(TeamPlace).where(TeamPlace.team_id.in_(team_ids),
                                                            TeamPlace.ended_on.is_(None))).all():
        if place.village_id == village_id:
            continue
        team_id = place.team_id
        _end([place], "merged")
        db.session.add(TeamPlace(team_id=team_id, village_id=village_id, started_on=today()))


# --- Backfill ------------------------------------------------------------------------------------


def backfill(session) -> dict[str, int]:
    dialect = session.get_bind().dialect.name
    out = {"stats": _stats(session, dialect), "memberships": _memberships(session, dialect),
           "team_places": _team_places(session, dialect), "late": _late(session, dialect)}
    session.flush()
    return out


def _stats(session, dialect: str) -> int:
    hh = Household.__table__
    village = Area.__table__.alias("v")
    commune = Area.__table__.alias("c")
    if session.scalar(select(func.count()).select_from(AreaStatsDay)) == 0:
        src = hh.join(village, village.c.id == hh.c.village_id).join(commune, commune.c.id == village.c.parent_id)
        n = 0
        for sign, day_col, where in ((1, hh.c.created_at, None), (-1, hh.c.deleted_at, hh.c.deleted_at.isnot(None))):
            day = local_day_sql(day_col, dialect)
            for owner in (hh.c.village_id, village.c.parent_id, commune.c.parent_id):
                stmt = (select(owner.label("area_id"), day.label("day"), (sign * func.count()).label("households"),
                               *[(sign * func.sum(hh.c[c])).label(c) for c in STATS[1:]])
                        .select_from(src).group_by(owner, day))
                if where is not None:
                    stmt = stmt.where(where)
                rows = [dict(r._mapping) for r in session.execute(stmt)]
                n += _add_stats(session, rows)
        return n
    # History exists: date the difference to the stored denominators today (a repair, or a bulk load).
    totals = {r.area_id: r for r in session.execute(
        select(AreaStatsDay.area_id, *[func.sum(getattr(AreaStatsDay, c)).label(c) for c in STATS])
        .group_by(AreaStatsDay.area_id))}
    rows = []
    for s in session.scalars(select(AreaStats)):
        had = totals.get(s.area_id)
        delta = {c: getattr(s, c) - (int(getattr(had, c) or 0) if had else 0) for c in STATS}
        if any(delta.values()):
            rows.append({"area_id": s.area_id, "day": today(), **delta})
    for area_id, had in totals.items():
        if session.get(AreaStats, area_id) is None and any(int(getattr(had, c) or 0) for c in STATS):
            rows.append({"area_id": area_id, "day": today(), **{c: -int(getattr(had, c) or 0) for c in STATS}})
    return _add_stats(session, rows)


def _add_stats(session, rows: list[dict]) -> int:
    """Add deltas to the history rows (several may share an area and day)."""
    merged: dict[tuple, dict] = {}
    for r in rows:
        key = (r["area_id"], r["day"])
        acc = merged.setdefault(key, dict.fromkeys(STATS, 0))
        for c in STATS:
            acc[c] += int(r.get(c) or 0)
    n = 0
    for (area_id, day), values in sorted(merged.items()):
        row = session.get(AreaStatsDay, (area_id, day))
        if row is None:
            session.add(AreaStatsDay(area_id=area_id, day=day, **values))
        else:
            for c in STATS:
                setattr(row, c, getattr(row, c) + values[c])
        n += 1
    session.flush()
    return n


def _first_visit_day(session, dialect: str, column) -> dict[int, date]:
    v = Visit.__table__
    return dict(session.execute(select(column, func.min(local_day_sql(v.c.visited_at, dialect)))
                                .group_by(column)).all())


MEMBER_ACTIONS = ("move", "appoint_leader", "deactivate", "reactivate")


def _memberships(session, dialect: str) -> int:
    """Each team member's stints, replayed from the audit trail of their moves, deactivations and
    reactivations (the team before and after each), from the day the account was made (or the first visit)."""
    users = session.execute(
        select(User.id, User.team_id, User.created_at, User.active, User.deactivated_at, User.deactivation_reason)
        .where(User.role.in_(Role.TEAM_ROLES), User.team_id.isnot(None),
               not_(exists().where(Membership.user_id == User.id)))).all()
    if not users:
        return 0
    first = _first_visit_day(session, dialect, Visit.__table__.c.member_id)
    trail: dict[str, list] = {}
    for entity_id, action, at, before, after in session.execute(
            select(AuditLog.entity_id, AuditLog.action, AuditLog.at, AuditLog.before, AuditLog.after)
            .where(AuditLog.entity_type == "user", AuditLog.action.in_(MEMBER_ACTIONS))
            .order_by(AuditLog.at, AuditLog.id)):
        trail.setdefault(entity_id, []).append((action, local_day(at), before or {}, after or {}))
    rows = []
    for uid, team_id, created_at, active, deactivated_at, reason in users:
        start = local_day(created_at)
        if first.get(uid) is not None and first[uid] < start:
            start = first[uid]
        events = trail.get(str(uid), [])
        team = (events[0][2].get("team_id") if events else None) or team_id
        current: dict[str, Any] | None = {"team_id": team, "started_on": start}
        stints = []
        for action, day, before, after in events:
            was_active, now_active = before.get("active", True), after.get("active", True)
            moved = after.get("team_id") not in (None, current["team_id"] if current else None)
            if current and (not now_active or moved):
                stints.append({**current, "ended_on": max(day, current["started_on"]),
                               "end_reason": "moved" if now_active else (after.get("deactivation_reason") or "left")})
                current = None
            if now_active and current is None and (moved or not was_active or action == "reactivate"):
                current = {"team_id": after.get("team_id") or team_id, "started_on": max(day, start)}
        if current and not active:  # deactivated without a trail entry
            end = local_day(deactivated_at) if deactivated_at else today()
            stints.append({**current, "ended_on": max(end, current["started_on"]), "end_reason": reason or "left"})
            current = None
        if current:
            stints.append({**current, "ended_on": None, "end_reason": None})
        rows += [{"user_id": uid, **stint} for stint in stints if stint["ended_on"] is None
                 or stint["ended_on"] > stint["started_on"]]
    if rows:
        session.execute(insert(Membership.__table__), rows)
    return len(rows)


def _team_places(session, dialect: str) -> int:
    """Each team in its village from the day it was made (or its first visit); moved on the day of a village
    merge that carried it (the merge's audit entry lists its teams); ended on the day it was closed."""
    teams = session.execute(select(Team.id, Team.village_id, Team.created_at, Team.active)
                            .where(not_(exists().where(TeamPlace.team_id == Team.id)))).all()
    if not teams:
        return 0
    first = _first_visit_day(session, dialect, Visit.__table__.c.team_id)
    closed = dict(session.execute(select(AuditLog.entity_id, func.max(AuditLog.at))
                                  .where(AuditLog.entity_type == "team", AuditLog.action == "close")
                                  .group_by(AuditLog.entity_id)).all())
    moves: dict[int, list] = {}
    for at, after in session.execute(select(AuditLog.at, AuditLog.after).where(
            AuditLog.entity_type == "village", AuditLog.action == "merge").order_by(AuditLog.at, AuditLog.id)):
        for tid in (after or {}).get("teams", []):
            moves.setdefault(tid, []).append((local_day(at), after["absorbed_id"], after["survivor_id"]))
    rows = []
    for tid, village_id, created_at, active in teams:
        start = local_day(created_at)
        if first.get(tid) is not None and first[tid] < start:
            start = first[tid]
        village = moves[tid][0][1] if tid in moves else village_id
        for day, _absorbed, survivor in moves.get(tid, []):
            if day > start:
                rows.append({"team_id": tid, "village_id": village, "started_on": start, "ended_on": day,
                             "end_reason": "merged"})
                start = day
            village = survivor
        end = None
        if not active:
            at = closed.get(str(tid))
            end = max(local_day(at), start) if at else today()
        rows.append({"team_id": tid, "village_id": village, "started_on": start, "ended_on": end,
                     "end_reason": None if active else "closed"})
    session.execute(insert(TeamPlace.__table__), rows)
    return len(rows)


def _late(session, dialect: str) -> int:
    v, hh, late = Visit.__table__, Household.__table__, VisitLate.__table__
    village = Area.__table__.alias("v")
    commune = Area.__table__.alias("c")
    # The latest of the change times that are set (NULLs ignored), portably: each candidate in turn.
    candidates = [v.c.received_at, v.c.updated_at, v.c.deleted_at, hh.c.deleted_at]
    latest: ColumnElement = v.c.received_at
    for c in candidates[1:]:
        latest = case((and_(c.isnot(None), c > latest), c), else_=latest)
    day = local_day_sql(v.c.visited_at, dialect)
    stmt = (select(v.c.id, v.c.household_id, village.c.parent_id, commune.c.parent_id, day, day, latest)
            .select_from(v.join(hh, hh.c.id == v.c.household_id).join(village, village.c.id == hh.c.village_id)
                         .join(commune, commune.c.id == village.c.parent_id))
            .where(local_day_sql(latest, dialect) > day,
                   not_(exists().where(late.c.visit_id == v.c.id))))
    result = session.execute(insert(late).from_select(
        ["visit_id", "household_id", "commune_id", "province_id", "first_day", "last_day", "changed_at"], stmt))
    return result.rowcount or 0

