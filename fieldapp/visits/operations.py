"""Writes about visits: the one writer of new visits, corrections, delete and undo.

Every door that creates visits (the visit form, a phone's sync batch, a paper walk sheet entered by the
leader) hands `save_visits` a list of `VisitRecord`s: the form is a batch of one. The writer takes the
households' lock before it reads anything it checks (fieldapp/locks.py), decides every record as a
whole (scope, rules, the eligibility cap counting what is stored plus what the batch accepted before
it, the client id already stored: same content is a duplicate, other content a conflict), then
writes the accepted ones with one statement per table: the visits, their assistance lines, their
audit entries, the households' list columns and the counters, in the caller's transaction.
"""
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Date, DateTime, Integer, String, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import audit, bulk
from ..access import can_enter_paper_visits, can_view_household
from ..bulk import Bulk, insert_rows
from ..counting import (
    achieved,
    achieved_in,
    earliest_visit_day,
    eligible,
    household_stats,
    live,
    local_day,
    per_visit_limit,
    today,
)
from ..extensions import db, in_list
from ..locks import HouseholdRow, lock_household, lock_households
from ..models import AuditLog, Household, Outcome, Service, User, Visit
from ..models.audit import commune_of
from ..models.households import new_uuid
from ..models.visits import Assistance
from ..rules import RuleError
from ..services.queries import services_by_code
from ..tallies import operations as tallies
from ..timeutil import to_local, utcnow
from .rules import MAX_NOTE

CLOCK_SKEW = timedelta(minutes=10)
MAX_RETURN_DAYS = 90  # a promise to come back further away than this is not a plan for the walk list
CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"


@dataclass
class VisitData:
    outcome: str
    visited_at: datetime  # naive UTC
    note: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # service code -> people or dossiers
    return_on: date | None = None  # "Không có nhà" / "Hẹn quay lại": the local day the member comes back


@dataclass
class VisitRecord:
    """A visit a door hands the writer: the client's id (the primary key), its household, its content.

    member: who made the visit and is credited with it (None: the actor). paper: entered from a paper
    walk sheet by the actor (a team's leader, for a member of the team), recorded as entered by them.
    """
    id: str
    household_id: str
    data: VisitData
    member: User | None = None
    paper: bool = False


@dataclass
class Result:
    """What became of one record: created, duplicate (the same one was stored before) or rejected."""
    id: str
    kind: str
    status: str
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        out: dict[str, object] = {"id": self.id, "kind": self.kind, "status": self.status}
        if self.error:
            out["error"] = self.error
            out["errors"] = self.errors or {"": self.error}
        return out


def check(household, data: VisitData, services: dict[str, Service],
          exclude_visit: Visit | None = None, done: dict[int, int] | None = None,
          earliest: date | None = None) -> dict[int, int]:
    """Validate a visit against the rules; returns {service_id: count} of the non-zero counts.

    `done` ({service_id: people counted so far}) spares the query when the caller already has it
    (the writer reads it for all its households at once, under their lock); `earliest`
    (earliest_visit_day()) is read once for a whole batch.
    """
    errors: dict[str, str] = {}
    if data.outcome not in Outcome.ALL:
        errors["outcome"] = _("Vui lòng chọn kết quả lượt thăm.")
    now = utcnow()
    day, earliest = local_day(data.visited_at), earliest or earliest_visit_day()
    if data.visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = _("Ngày giờ thăm không thể ở tương lai.")
    elif day < earliest and (exclude_visit is None or day < local_day(exclude_visit.visited_at)):
        # One rule for every door and every household (added by hand, by a phone or by an import): a visit
        # is dated within the back-entry window. A correction that keeps (or moves later) an older date passes.
        errors["visited_at"] = _("Ngày thăm (%(d)s) quá xa: chỉ ghi được lượt thăm từ ngày %(e)s trở đi "
                                 "(trong vòng %(n)d ngày).", d=to_local(data.visited_at).strftime("%d/%m/%Y"),
                                 e=earliest.strftime("%d/%m/%Y"), n=(today() - earliest).days)
    if data.return_on is not None and "visited_at" not in errors:
        if data.outcome not in Outcome.COME_BACK:
            errors["return_on"] = _("Chỉ hẹn ngày quay lại khi kết quả là “Không có nhà” hoặc “Hẹn quay lại”.")
        elif data.return_on < day:
            errors["return_on"] = _("Ngày hẹn quay lại không thể trước ngày thăm.")
        elif data.return_on > day + timedelta(days=MAX_RETURN_DAYS):
            errors["return_on"] = _("Ngày hẹn quay lại tối đa %(n)d ngày sau ngày thăm.", n=MAX_RETURN_DAYS)
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("Ghi chú dài tối đa %(n)d ký tự.", n=MAX_NOTE)
    data.note = note or None

    already_on_visit = {a.service.code for a in exclude_visit.assists} if exclude_visit else set()
    counts: dict[int, int] = {}
    for code, count in data.counts.items():
        service = services.get(code)
        if service is None or (not service.active and code not in already_on_visit):
            errors[f"svc_{code}"] = _("Dịch vụ không có trong danh mục: %(code)s.", code=code)
            continue
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            errors[f"svc_{code}"] = _("%(service)s: số lượng phải là số nguyên không âm.", service=service.short_name)
            continue
        if count:
            counts[service.id] = count
    if counts and data.outcome != Outcome.HELPED and "outcome" not in errors:
        errors["outcome"] = _("Chỉ ghi số người được hỗ trợ khi kết quả là “Đã hỗ trợ”.")
    if not counts and data.outcome == Outcome.HELPED and not errors:
        errors["outcome"] = _("Hãy ghi ít nhất một dịch vụ đã hỗ trợ, hoặc chọn kết quả khác.")
    if errors:
        raise RuleError(errors)
    if not counts:
        return counts  # only counts can pass a cap: a visit without any (not home, declined...) has no more to check

    if done is None:
        done = achieved_in(household.id, exclude_visit.id if exclude_visit else None)
    stats = household_stats(household)
    by_id = {s.id: s for s in services.values()}
    for service_id, count in counts.items():
        service = by_id[service_id]
        cap, so_far = eligible(service, stats), done.get(service_id, 0)
        limit = per_visit_limit(service, stats)
        if limit is not None and count > limit:
            errors[f"svc_{service.code}"] = _(
                "%(service)s: tối đa %(cap)d trong một lượt thăm (hộ có %(cap)d nhân khẩu).",
                service=service.short_name, cap=limit)
        elif cap is not None and so_far + count > cap:
            errors[f"svc_{service.code}"] = _(
                "%(service)s: hộ chỉ có %(cap)d người đủ điều kiện, đã ghi nhận %(done)d, "
                "lượt này chỉ ghi được tối đa %(left)d.",
                service=service.short_name, cap=cap, done=so_far, left=max(cap - so_far, 0))
    if errors:
        raise RuleError(errors)
    return counts


def check_paper(actor: User, member: User, data: VisitData) -> None:
    """A visit from a paper walk sheet: the leader enters it for a member of their own team (themselves
    included), who made it; a member who has since left made it before leaving."""
    if not can_enter_paper_visits(actor, member):
        raise RuleError({"member_id": _("Chỉ tổ trưởng nhập được lượt thăm từ phiếu giấy, cho thành viên tổ mình.")})
    if not member.active and member.deactivated_at is not None \
            and local_day(data.visited_at) > local_day(member.deactivated_at):
        raise RuleError({"visited_at": _("%(name)s đã ngừng hoạt động từ ngày %(d)s; lượt thăm phải trước ngày đó.",
                                         name=member.name, d=to_local(member.deactivated_at).strftime("%d/%m/%Y"))})


def check_can_log(actor: User, household) -> None:
    """Who may log a visit to this household, whatever the visit holds."""
    if actor.team is None or actor.team.village_id != household.village_id:
        raise RuleError(_("Bạn chỉ ghi được lượt thăm cho các hộ thuộc thôn của tổ mình."))
    if household.village.archived_at is not None:
        raise RuleError(_("%(village)s đã lưu trữ, không ghi thêm lượt thăm.", village=household.village.name))
    if household.deleted_at is not None:
        raise RuleError(_("Hộ %(code)s đã bị xóa khỏi danh sách; không ghi thêm lượt thăm.", code=household.code))


# --- The writer ----------------------------------------------------------------------------------------

def _audit_view(household_id: str, outcome: str, visited_at: datetime, note: str | None,
                counts: dict[int, int], by_id: dict[int, Service], return_on: date | None = None) -> dict:
    """A visit as the audit trail records it (before and after)."""
    return {"household_id": household_id, "outcome": outcome, "visited_at": visited_at.isoformat(), "note": note,
            "assists": {by_id[sid].code: n for sid, n in sorted(counts.items())},
            "return_on": return_on.isoformat() if return_on else None}


def _snapshot(visit: Visit, by_id: dict[int, Service]) -> dict:
    return _audit_view(visit.household_id, visit.outcome, visit.visited_at, visit.note, visit.counts(), by_id,
                       visit.return_on)


def _content(household_id: str, visited_at: datetime, outcome: str, note: str | None, by_code: dict[str, int],
             return_on: date | None):
    """What makes two copies of a visit the same one: household, time to the second, outcome, note, counts,
    the promised return day."""
    return (household_id, visited_at.replace(microsecond=0), outcome, (note or "").strip(),
            {code: n for code, n in by_code.items() if n}, return_on)


def _sent(rec: VisitRecord):
    return _content(rec.household_id, rec.data.visited_at, rec.data.outcome, rec.data.note, rec.data.counts,
                    rec.data.return_on)


def _kept(visit: Visit):
    return _content(visit.household_id, visit.visited_at, visit.outcome, visit.note,
                    {a.service.code: a.count for a in visit.assists}, visit.return_on)


def conflict(visit_id: str) -> Result:
    return Result(visit_id, "visit", REJECTED,
                  _("Lượt thăm này đã được gửi trước đó với nội dung khác; hệ thống giữ bản đầu tiên."),
                  {"id": _("Trùng mã với một lượt thăm đã gửi.")})


def stored_visits(ids) -> dict[str, Visit]:
    """The visits of these ids already stored (a resend). Their ids first, as plain rows: usually none is
    (a new visit), and then no ORM object is built; the stored ones are then loaded (and their assists)."""
    ids = list(ids)
    if not ids:
        return {}
    db.session.flush()  # the read below is Core's: nothing of the session's may be left unwritten
    column = Visit.__table__.c.id
    found = list(db.session.connection().execute(select(column).where(in_list(column, ids))).scalars())
    if not found:
        return {}
    return {v.id: v for v in db.session.scalars(select(Visit).where(in_list(Visit.id, found)))}


@dataclass
class Planned:
    """A record the writer accepted, before it is written."""
    record: VisitRecord
    household: HouseholdRow  # read under the lock
    counts: dict[int, int]  # service id -> people, the non-zero ones
    member: User  # who made the visit and is credited (the actor, or the member of a paper sheet)

    def entered_by(self, actor: User) -> int | None:
        """Entered by someone other than who made it (a paper sheet): the actor, recorded on the visit."""
        return actor.id if self.record.paper or self.member.id != actor.id else None


def _plan(actor: User, records: list, services: dict[str, Service],
          look_up: bool = True) -> tuple[list[Result], list[Planned]]:
    """Decide every record, in order, without writing: (an answer per record, the accepted ones).
    look_up=False: as if none of the ids were stored yet (save_visits then inserts only new ids)."""
    results: list[Result | None] = [rec if isinstance(rec, Result) else None for rec in records]
    todo = [(i, rec) for i, rec in enumerate(records) if not isinstance(rec, Result)]
    households = lock_households({rec.household_id for _i, rec in todo}, reach=True)  # before anything is read
    stored = stored_visits({rec.id for _i, rec in todo}) if look_up else {}
    done = achieved({rec.household_id for _i, rec in todo
                     if rec.household_id in households and any(rec.data.counts.values())})
    planned: dict[str, Planned] = {}
    visible: dict[int, bool] = {}  # village id -> the actor may see its households
    earliest = earliest_visit_day()
    for i, rec in todo:
        member = rec.member or actor
        if rec.id in stored:
            kept = stored[rec.id]
            same = kept.member_id == member.id and _kept(kept) == _sent(rec)
            results[i] = Result(rec.id, "visit", DUPLICATE) if same else conflict(rec.id)
            continue
        if rec.id in planned:  # the same id twice in one request: the second is compared with the first
            same = _sent(planned[rec.id].record) == _sent(rec)
            results[i] = Result(rec.id, "visit", DUPLICATE) if same else conflict(rec.id)
            continue
        household = households.get(rec.household_id)
        seen = None if household is None else visible.get(household.village_id)
        if seen is None and household is not None:  # the same answer for every household of a village
            seen = visible[household.village_id] = can_view_household(actor, cast(Household, household))  # a row
        if not seen:
            msg = _("Không tìm thấy hộ này, hoặc hộ nằm ngoài địa bàn của bạn.")
            results[i] = Result(rec.id, "visit", REJECTED, msg, {"household_id": msg})
            continue
        assert household is not None  # else not seen
        try:
            if rec.paper or member.id != actor.id:
                check_paper(actor, member, rec.data)
            check_can_log(member, household)
            counts = check(household, rec.data, services, done=done.setdefault(rec.household_id, {}), earliest=earliest)
        except RuleError as err:
            results[i] = Result(rec.id, "visit", REJECTED, err.message, err.errors)
            continue
        so_far = done[rec.household_id]
        for service_id, n in counts.items():
            so_far[service_id] = so_far.get(service_id, 0) + n
        planned[rec.id] = Planned(rec, household, counts, member)
        results[i] = Result(rec.id, "visit", CREATED)
    return cast(list[Result], results), list(planned.values())  # every slot answered above


def _columns(table, *names: str) -> dict:
    return {name: table.c[name].type for name in names}


def _insert(table, *names: str) -> Bulk:
    return Bulk(_columns(table, *names), lambda rows: insert_rows(table, rows))


_VISIT_COLUMNS = ("id", "household_id", "member_id", "team_id", "visited_at", "received_at", "outcome", "note",
                  "return_on", "entered_by_id")
_VISITS = _insert(Visit.__table__, *_VISIT_COLUMNS)
# PostgreSQL: the visits whose ids are not stored yet, and which went in (save_visits, first attempt)
_NEW_VISITS = Bulk(_columns(Visit.__table__, *_VISIT_COLUMNS), lambda rows: insert_rows(Visit.__table__, rows)
                   .on_conflict_do_nothing(index_elements=["id"]).returning(Visit.__table__.c.id))
_ASSISTS = _insert(Assistance.__table__, "visit_id", "service_id", "count")
# PostgreSQL, with _NEW_VISITS: a stored visit's lines (a resend, undone after) are left alone, not an error
_NEW_ASSISTS = Bulk(_columns(Assistance.__table__, "visit_id", "service_id", "count"),
                    lambda rows: insert_rows(Assistance.__table__, rows).on_conflict_do_nothing())
_AUDIT = _insert(AuditLog.__table__, "at", "actor_id", "action", "entity_type", "entity_id", "area_path", "commune_id",
                 "before", "after")


def _household_columns(rows):
    """visit_count + n and the latest visit (later or equal wins), computed by the database from the
    row as it is: no count read earlier can be written back over a newer one."""
    t, at = Household.__table__, rows.c["at"]
    newer = or_(t.c.last_visited_at.is_(None), t.c.last_visited_at <= at)
    return t.update().where(t.c.id == rows.c["hid"]).values(
        visit_count=t.c.visit_count + rows.c["n"],
        last_visited_at=case((newer, at), else_=t.c.last_visited_at),
        last_outcome=case((newer, rows.c["outcome"]), else_=t.c.last_outcome),
        return_on=case((newer, rows.c["return_on"]), else_=t.c.return_on),
        updated_at=rows.c["now"])


_HOUSEHOLDS = Bulk({"hid": String(), "n": Integer(), "at": DateTime(), "outcome": String(), "return_on": Date(),
                    "now": DateTime()}, _household_columns)


def _write(actor: User, accepted: list[Planned], services: dict[str, Service], only_new: bool = False) -> bool:
    """Write the accepted visits and everything that goes with them. only_new (PostgreSQL): the visits
    go in only where their id is not stored yet; if any was (a resend, or another request's insert after
    the lock), nothing is written (all of it is undone) and it answers False.

    On PostgreSQL (only_new) the statements go out in one pipeline (fieldapp.bulk.pipeline), the visits
    first, each sent as soon as its rows are built: the server writes while the app builds the next, and
    the answers come back in one wait."""
    now = utcnow()
    conn = db.session.connection()
    visits = [(p.record.id, p.household.id, p.member.id, p.member.team_id, p.record.data.visited_at, now,
               p.record.data.outcome, p.record.data.note, p.record.data.return_on, p.entered_by(actor))
              for p in accepted]
    # An error of a statement in the pipeline is raised (the request's rollback then also resets the driver's
    # prepared statements, which an aborted pipeline can leave behind): a stored id is not one, the visits'
    # RETURNING finds it, and a stored visit's assistance lines are skipped.
    with bulk.pipeline(conn, savepoint=True) if only_new else nullcontext() as piped:
        result = (_NEW_VISITS if only_new else _VISITS).run(conn, visits)
        _write_rest(actor, accepted, [v[9] for v in visits], services, conn, now, only_new)
    if only_new and len(bulk.returned(result)) < len(visits):
        assert piped is not None  # only_new is PostgreSQL's
        bulk.undo(piped)
        return False
    return True


def _write_rest(actor: User, accepted: list[Planned], entered: list[int | None], services: dict[str, Service],
                conn, now: datetime, only_new: bool) -> None:
    """What goes with the visits just written: their assistance lines, audit entries, the households' list
    columns and the counters. entered: each visit's entered_by, as written."""
    by_id = {s.id: s for s in services.values()}
    assists: list[tuple] = []
    entries: list[tuple] = []
    facts: list[tallies.VisitFacts] = []
    latest: dict[str, list] = {}
    places: dict[int, tuple[str, int | None, tuple[int, ...]]] = {}  # a village: its path, commune, areas
    actor_id = actor.id
    for p, entered_by in zip(accepted, entered, strict=True):
        rec, data, household, member = p.record, p.record.data, p.household, p.member
        place = places.get(household.village_id)
        if place is None:
            path = household.village.path
            place = places[household.village_id] = (path, commune_of(path), tallies.area_ids(path))
        path = place[0]
        assists.extend((rec.id, sid, n) for sid, n in p.counts.items())
        entries.append((now, actor_id, "create", "visit", rec.id, path, place[1], None,
                        _audit_view(household.id, data.outcome, data.visited_at, data.note, p.counts, by_id,
                                    data.return_on)
                        | ({"member_id": member.id, "from_paper": True} if entered_by else {})))
        row = latest.setdefault(household.id, [household.id, 0, None, None, None, now])
        row[1] += 1
        if row[2] is None or data.visited_at >= row[2]:
            row[2:5] = data.visited_at, data.outcome, data.return_on
        # the member's team_id went into visits.team_id (NOT NULL)
        facts.append(tallies.VisitFacts(
            household_id=household.id, area_ids=place[2], team_id=cast(int, member.team_id), member_id=member.id,
            day=local_day(data.visited_at), at=data.visited_at, outcome=data.outcome,
            counts=tuple(sorted(p.counts.items())), visit_id=rec.id))
    for obj in [o for o in db.session.identity_map.values() if isinstance(o, Household)]:
        if obj.id in latest:
            db.session.expire(obj)  # written below without the ORM
    # With the counters' day rows: in one statement on PostgreSQL (fieldapp.bulk.run_together).
    tallies.apply_new_visits(facts, {p.household.id: p.household.reach for p in accepted}, together=[
        (_NEW_ASSISTS if only_new else _ASSISTS, assists), (_AUDIT, entries),
        (_HOUSEHOLDS, [tuple(row) for row in latest.values()])])


def save_visits(actor: User, records: list, services: dict[str, Service] | None = None) -> list[Result]:
    """Create visits: one answer per record, in order. records: VisitRecords, or Results a door already
    refused (kept in their place). Writes in the caller's transaction; the caller commits once.

    On PostgreSQL the records are first decided as if no id were stored yet (a resend is rare; the
    lookup cost a round trip and 100 index probes a batch), and the visits inserted only where their id
    is new (ON CONFLICT DO NOTHING): the insert's own key check finds a stored one. If it does, or if
    any record was refused (a stored record is answered "duplicate" whatever its content would be
    now), nothing of it stays and every record is decided again, with the stored ids read first.

    Then (and on SQLite, where the write lock taken before any read keeps others out) the accepted
    visits go in with one SAVEPOINT. If an insert hits the primary key (another request stored one of
    these ids, for another household, after the lookup) it is rolled back and every record decided
    again: that id is then found stored.
    """
    services = services if services is not None else services_by_code()
    look_up = db.session.get_bind().dialect.name != "postgresql"
    for _attempt in range(3):
        results, accepted = _plan(actor, records, services, look_up)
        if not look_up:
            look_up = True  # whatever happens below, a second decision reads the stored ids
            if any(res.status == REJECTED and not isinstance(rec, Result) for rec, res in zip(records, results,
                                                                                                 strict=True)):
                continue
            if not accepted or _write(actor, accepted, services, True):
                return results
            continue
        if not accepted:
            return results
        try:
            with db.session.begin_nested():
                _write(actor, accepted, services)
        except IntegrityError:
            continue
        return results
    raise RuntimeError("visits kept conflicting with concurrent writes")


def log_visit(actor: User, household: Household, data: VisitData, visit_id: str | None = None,
              services: dict[str, Service] | None = None) -> Visit:
    """One visit through the writer (a batch of one); a refusal raises RuleError, a duplicate returns
    the visit stored before."""
    result, = save_visits(actor, [VisitRecord(visit_id or new_uuid(), household.id, data)], services)
    if result.status == REJECTED:
        assert result.error is not None  # every rejected record carries its message
        raise RuleError(result.errors or result.error)
    visit = db.session.get(Visit, result.id)
    assert visit is not None  # created or stored before
    return visit


# --- Corrections, delete and undo: one stored visit, under its household's lock ---------------------------

def _refresh_household(household: Household) -> None:
    """Keep the list filters' columns equal to the latest live visit."""
    latest = db.session.execute(
        select(Visit.visited_at, Visit.outcome, Visit.return_on).where(Visit.household_id == household.id, live(Visit))
        .order_by(Visit.visited_at.desc(), Visit.received_at.desc()).limit(1)).first()
    household.last_visited_at = latest.visited_at if latest else None
    household.last_outcome = latest.outcome if latest else None
    household.return_on = latest.return_on if latest else None
    household.visit_count = db.session.execute(
        select(func.count()).select_from(Visit).where(Visit.household_id == household.id, live(Visit))).scalar_one()


def _lock_visit(visit: Visit) -> Household:
    """The visit's household, locked; the visit read again under the lock (loaded earlier in the
    request, it may predate another correction committed meanwhile)."""
    household = lock_household(visit.household)
    db.session.refresh(visit)
    return household


def update_visit(actor: User, visit: Visit, data: VisitData) -> Visit:
    household = _lock_visit(visit)
    services = services_by_code()
    counts = check(household, data, services, exclude_visit=visit)
    by_id = {s.id: s for s in services.values()}
    before = _snapshot(visit, by_id)
    counted_before = tallies.facts(visit, household)
    visit.outcome, visit.visited_at, visit.note, visit.return_on = (data.outcome, data.visited_at, data.note,
                                                                    data.return_on)
    existing = {a.service_id: a for a in visit.assists}
    for sid, assist in existing.items():
        if sid not in counts:
            visit.assists.remove(assist)
        else:
            assist.count = counts[sid]
    for sid, n in counts.items():
        if sid not in existing:
            visit.assists.append(Assistance(service_id=sid, count=n))
    db.session.flush()
    after = _snapshot(visit, by_id)
    if after != before:
        visit.updated_at = utcnow()
        audit.record(actor, "update", visit, area_path=household.village.path, before=before, after=after)
    _refresh_household(household)
    tallies.apply_visit_delta(counted_before, tallies.facts(visit, household))
    return visit


def delete_visit(actor: User, visit: Visit) -> Visit:
    """Soft: a deleted visit counts nowhere (caps, lists, household columns, tallies) until restored."""
    household = _lock_visit(visit)
    if visit.deleted_at is not None:
        raise RuleError(_("Lượt thăm này đã bị xóa."))
    by_id = {s.id: s for s in db.session.scalars(select(Service))}
    counted = tallies.facts(visit, household)
    visit.deleted_at, visit.deleted_by_id = utcnow(), actor.id
    db.session.flush()
    if household.deleted_at is None:
        tallies.apply_visit_delta(counted, None)
    audit.record(actor, "delete", visit, area_path=household.village.path, before=_snapshot(visit, by_id))
    _refresh_household(household)
    return visit


def restore_visit(actor: User, visit: Visit) -> Visit:
    """Undo a delete, unless later visits have since used up what this one counted."""
    household = _lock_visit(visit)
    if visit.deleted_at is None:
        raise RuleError(_("Lượt thăm này chưa bị xóa."))
    services = services_by_code()
    data = VisitData(outcome=visit.outcome, visited_at=visit.visited_at, note=visit.note,
                     counts={a.service.code: a.count for a in visit.assists}, return_on=visit.return_on)
    try:
        check(household, data, services, exclude_visit=visit)
    except RuleError as err:
        raise RuleError(_("Không thể khôi phục lượt thăm: %(why)s", why=err.message)) from None
    visit.deleted_at = visit.deleted_by_id = None
    db.session.flush()
    if household.deleted_at is None:
        tallies.apply_visit_delta(None, tallies.facts(visit, household))
    by_id = {s.id: s for s in services.values()}
    audit.record(actor, "restore", visit, area_path=household.village.path, after=_snapshot(visit, by_id))
    _refresh_household(household)
    return visit
