"""Applying a batch from a phone: exactly once per client UUID.

Visits take the bulk path: every record is decided in Python first (a refused one leaves the
others), then the accepted ones are written with one statement per table; the caller commits
once. The client UUID is the primary key, so a resend (or a concurrent resend that hits the key)
is recognised and compared: same content -> "duplicate", else "rejected". When the bulk insert
hits the key, the batch falls back to the per-record path: one SAVEPOINT per record.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..access import can_record_in_village, can_view_area, can_view_household
from ..extensions import db, in_list
from ..input_guard import bad_text, control_character_message, in_int_range
from ..households.operations import HouseholdData, create_household
from ..models import Area, AreaLevel, Assistance, AuditLog, Household, Outcome, Service, User, Visit
from ..rules import RuleError
from ..tallies import operations as tallies
from ..text import code_key
from ..timeutil import BadDate, parse_iso, utcnow
from ..visits.operations import CLOCK_SKEW, VisitData, check, check_can_log, log_visit, services_by_code

MAX_VISITS = 200
MAX_HOUSEHOLDS = 200
CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"


class BatchError(Exception):
    """The whole request is unusable (not one record of it): answered with a 4xx."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Result:
    id: str
    kind: str
    status: str
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "status": self.status}
        if self.error:
            out["error"] = self.error
            out["errors"] = self.errors or {"": self.error}
        return out


def apply_batch(actor: User, body) -> list[Result]:
    if not isinstance(body, dict):
        raise BatchError(_("Dữ liệu gửi lên không phải JSON hợp lệ."))
    owner = body.get("user_id")
    if owner is not None and owner != actor.id:
        # Records written on this phone by another member are never sent under this session.
        raise BatchError(_("Các bản ghi này thuộc tài khoản khác; hãy đăng nhập đúng tài khoản để gửi."), 409)
    households = body.get("households", [])
    visits = body.get("visits", [])
    if not isinstance(households, list) or not isinstance(visits, list):
        raise BatchError(_("“households” và “visits” phải là danh sách."))
    if len(visits) > MAX_VISITS or len(households) > MAX_HOUSEHOLDS:
        raise BatchError(_("Mỗi lần gửi tối đa %(n)d lượt thăm và %(n)d hộ.", n=MAX_VISITS), 413)
    _begin_write()
    services = services_by_code()
    results = [_apply_household(actor, rec) for rec in households]
    results += _apply_visits(actor, visits, services)
    return results


def _apply_visits(actor: User, records: list, services: dict[str, Service]) -> list[Result]:
    """The bulk path: every record is checked in Python first (a few queries for the whole batch),
    then the accepted visits are written with one executemany per table, in a SAVEPOINT.

    If that insert hits a conflict (a concurrent request stored one of these ids after the lookup),
    the SAVEPOINT is rolled back and the batch goes through the per-record path, which answers
    each record on its own (the other copy is then found: "duplicate").
    """
    plan = _plan(actor, records, services)
    if plan.accepted:
        try:
            with db.session.begin_nested():
                _write(actor, plan.accepted, services)
        except IntegrityError:  # nothing of the bulk write stays (its SAVEPOINT was rolled back)
            return apply_one_by_one(actor, records, services)
    return plan.results


def apply_one_by_one(actor: User, records: list, services: dict[str, Service]) -> list[Result]:
    """The per-record path: one SAVEPOINT per visit (the fallback of the bulk path)."""
    known = _prefetch(records)
    results = []
    for rec in records:
        results.append(_apply_visit(actor, rec, services, known))
        known.add(results[-1].id)  # the same id again later in the batch is looked up
    return results


def _prefetch(visits: list) -> set[str]:
    """Two queries for the whole batch instead of two per record: the ids already stored (a
    resent batch) and the households the visits refer to (kept in the session's identity map,
    so the per-record lookups below cost nothing)."""
    ids, household_ids = set(), set()
    for rec in visits:
        if isinstance(rec, dict):
            for key, bucket in (("id", ids), ("household_id", household_ids)):
                try:
                    bucket.add(str(uuid.UUID(rec.get(key))))
                except (TypeError, ValueError, AttributeError):
                    pass
    if household_ids:
        db.session.scalars(select(Household).where(Household.id.in_(household_ids))).all()
    if not ids:
        return set()
    return set(db.session.scalars(select(Visit.id).where(Visit.id.in_(ids))))


def _begin_write() -> None:
    """SQLite: open the transaction now, so savepoints nest inside it and the batch commits once.

    (pysqlite opens transactions lazily; the first SAVEPOINT would otherwise start one that its
    RELEASE commits.) IMMEDIATE takes the write lock up front, waiting on busy_timeout.
    """
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _record_id(rec, kind: str) -> tuple[str, Result | None]:
    raw = rec.get("id") if isinstance(rec, dict) else None
    shown = raw if isinstance(raw, str) else ""
    if not isinstance(rec, dict):
        return shown, Result(shown, kind, REJECTED, _("Bản ghi phải là một đối tượng JSON."))
    try:
        return str(uuid.UUID(raw)), None
    except (TypeError, ValueError, AttributeError):
        return shown, Result(shown, kind, REJECTED, _("Mã bản ghi (id) phải là một UUID."), {"id": _("Mã bản ghi (id) phải là một UUID.")})


def _int(rec: dict, name: str, default=None):
    value = rec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError({name: _("“%(field)s” phải là số nguyên.", field=name)})
    if not in_int_range(value):
        raise RuleError({name: _("“%(field)s” quá lớn.", field=name)})
    return value


def _str(rec: dict, name: str, required: bool = False) -> str | None:
    value = rec.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise RuleError({name: _("“%(field)s” phải là chuỗi ký tự.", field=name)})
    if bad_text(value):
        raise RuleError({name: control_character_message()})
    return value


def _when(rec: dict, name: str, required: bool) -> datetime | None:
    value = rec.get(name)
    if value is None and not required:
        return None
    try:
        return parse_iso(value)
    except BadDate as err:  # a year-1 or year-9999 date: this record is refused, the batch goes on
        raise RuleError({name: _("“%(field)s”: %(problem)s", field=name, problem=str(err))}) from None
    except (TypeError, ValueError, AttributeError):
        raise RuleError({name: _("“%(field)s” phải là ngày giờ ISO 8601, ví dụ 2025-07-01T09:30:00+07:00.",
                                 field=name)}) from None


# Households -----------------------------------------------------------------------------------

def _household_data(rec: dict) -> HouseholdData:
    consent = rec.get("consent", False)
    if not isinstance(consent, bool):
        raise RuleError({"consent": _("“consent” phải là true hoặc false.")})
    return HouseholdData(
        code=_str(rec, "code", required=True), residents_total=_int(rec, "residents_total"),
        residents_14plus=_int(rec, "residents_14plus"), residents_18plus=_int(rec, "residents_18plus"),
        smartphones=_int(rec, "smartphones", 0), head_name=_str(rec, "head_name"),
        head_phone=_str(rec, "head_phone"), consent=consent)


def _same_household(h: Household, rec: dict, data: HouseholdData) -> bool:
    return (h.village_id == rec.get("village_id") and h.code_key == code_key(data.code)
            and (h.residents_total, h.residents_14plus, h.residents_18plus)
            == (data.residents_total, data.residents_14plus, data.residents_18plus))


def _apply_household(actor: User, rec) -> Result:
    hid, bad = _record_id(rec, "household")
    if bad:
        return bad
    try:
        data = _household_data(rec)
        created_at = _when(rec, "created_at", required=False)
        village_id = _int(rec, "village_id")
    except RuleError as err:
        return Result(hid, "household", REJECTED, err.message, err.errors)
    existing = db.session.get(Household, hid)
    if existing is not None:
        return _compare_household(actor, existing, rec, data)
    village = db.session.get(Area, village_id)
    if village is None or village.level != AreaLevel.VILLAGE or not can_view_area(actor, village):
        msg = _("Không tìm thấy thôn này hoặc thôn nằm ngoài địa bàn của bạn.")
        return Result(hid, "household", REJECTED, msg, {"village_id": msg})
    if not can_record_in_village(actor, village):
        return Result(hid, "household", REJECTED, _("Bạn chỉ thêm được hộ ở thôn của tổ mình."))
    now = utcnow()
    if created_at is not None and created_at > now + CLOCK_SKEW:
        msg = _("Ngày thêm hộ không thể ở tương lai.")
        return Result(hid, "household", REJECTED, msg, {"created_at": msg})
    try:
        with db.session.begin_nested():
            household = create_household(actor, village, data, household_id=hid)
            if created_at is not None and created_at < household.created_at:
                # Added offline: visits logged the same day on the phone must be accepted.
                household.created_at = created_at
    except RuleError as err:
        # The unique key refused it: maybe this very record, sent concurrently by a retry.
        existing = db.session.get(Household, hid, populate_existing=True)
        if existing is not None:
            return _compare_household(actor, existing, rec, data)
        return Result(hid, "household", REJECTED, err.message, err.errors)
    except IntegrityError:  # the same id inserted by a concurrent request
        existing = db.session.get(Household, hid, populate_existing=True)
        if existing is None:
            raise
        return _compare_household(actor, existing, rec, data)
    return Result(hid, "household", CREATED)


def _compare_household(actor: User, h: Household, rec: dict, data: HouseholdData) -> Result:
    if can_view_household(actor, h) and _same_household(h, rec, data):
        return Result(h.id, "household", DUPLICATE)
    return Result(h.id, "household", REJECTED,
                  _("Mã bản ghi này đã được dùng cho một hộ khác; hệ thống giữ bản ghi đầu tiên."))


# Visits ---------------------------------------------------------------------------------------

def _visit_data(rec: dict, services: dict[str, Service]) -> tuple[str, VisitData]:
    try:
        household_id = str(uuid.UUID(rec.get("household_id")))
    except (TypeError, ValueError, AttributeError):
        raise RuleError({"household_id": _("“household_id” phải là một UUID.")}) from None
    outcome = rec.get("outcome")
    if outcome not in Outcome.ALL:
        raise RuleError({"outcome": _("Kết quả phải là một trong: %(values)s.", values=", ".join(Outcome.ALL))})
    note = _str(rec, "note")
    if note is not None and len(note.strip()) > 500:
        raise RuleError({"note": _("Ghi chú dài tối đa %(n)d ký tự.", n=500)})
    assists = rec.get("assists", [])
    if not isinstance(assists, list):
        raise RuleError({"assists": _("“assists” phải là danh sách.")})
    counts: dict[str, int] = {}
    for item in assists:
        if not isinstance(item, dict) or not isinstance(item.get("service"), str):
            raise RuleError({"assists": _("Mỗi mục “assists” cần “service” và “count”.")})
        code, count = item["service"], item.get("count")
        if code not in services:
            raise RuleError({f"svc_{code}": _("Dịch vụ không có trong danh mục: %(code)s.", code=code)})
        if isinstance(count, bool) or not isinstance(count, int) or count < 0 or not in_int_range(count):
            raise RuleError({f"svc_{code}": _("%(service)s: số lượng phải là số nguyên không âm.",
                                              service=services[code].short_name)})
        if code in counts:
            raise RuleError({f"svc_{code}": _("%(service)s xuất hiện hai lần trong một lượt thăm.",
                                              service=services[code].short_name)})
        counts[code] = count
    visited_at = _when(rec, "visited_at", required=True)
    return household_id, VisitData(outcome=outcome, visited_at=visited_at, note=note, counts=counts)


def _same_visit(actor: User, v: Visit, household_id: str, data: VisitData) -> bool:
    mine = {a.service.code: a.count for a in v.assists}
    theirs = {code: n for code, n in data.counts.items() if n}
    return (v.member_id == actor.id and v.household_id == household_id
            and v.visited_at.replace(microsecond=0) == data.visited_at.replace(microsecond=0)
            and v.outcome == data.outcome and (v.note or "") == (data.note or "").strip()
            and mine == theirs)


def _compare_visit(actor: User, v: Visit, household_id: str, data: VisitData) -> Result:
    if _same_visit(actor, v, household_id, data):
        return Result(v.id, "visit", DUPLICATE)
    return _conflict(v.id)


def find_visit(visit_id: str) -> Visit | None:
    return db.session.get(Visit, visit_id)


def stored_visits(ids: set[str]) -> dict[str, Visit]:
    """The visits of these ids already stored (a resent batch), in one query."""
    if not ids:
        return {}
    # The ids first (usually none: a new batch); the visits with their assists only for a resend.
    found = list(db.session.scalars(select(Visit.id).where(in_list(Visit.id, ids))))
    if not found:
        return {}
    return {v.id: v for v in db.session.scalars(select(Visit).where(in_list(Visit.id, found)))}


class HouseholdRow(SimpleNamespace):
    """A household as the bulk path reads it: the row's columns and its village (an ORM Area), as
    attributes with the model's names, so the checks (scope, check_can_log, the caps) take it as they
    take a Household. Not an ORM object: 100 of those, each with its village chain, cost twice as much
    to load, and the bulk path writes the row with Core anyway."""


@dataclass
class Planned:
    """A visit the bulk path accepted, before it is written."""
    id: str
    household: HouseholdRow
    data: VisitData
    counts: dict[int, int]  # service id -> people, the non-zero ones

    def same_as(self, actor: User, household_id: str, data: VisitData, services: dict[str, Service]) -> bool:
        """_same_visit for a visit met earlier in this batch (not yet stored)."""
        by_id = {s.id: s.code for s in services.values()}
        mine = {by_id[sid]: n for sid, n in self.counts.items()}
        theirs = {code: n for code, n in data.counts.items() if n}
        return (self.household.id == household_id
                and self.data.visited_at.replace(microsecond=0) == data.visited_at.replace(microsecond=0)
                and self.data.outcome == data.outcome and (self.data.note or "") == (data.note or "").strip()
                and mine == theirs)


@dataclass
class Plan:
    results: list[Result]
    accepted: list[Planned]


def _households_for_write(ids: set[str]) -> dict[str, HouseholdRow]:
    """The batch's households in one query, read afresh; on PostgreSQL locked (in id order, so two
    batches never deadlock) for the rest of the transaction, as log_visit locks one: the caps and
    the visit counts below are read under the lock. (SQLite: BEGIN IMMEDIATE already serialises.)"""
    if not ids:
        return {}
    db.session.flush()  # households created earlier in this batch, for the Core read below
    table = Household.__table__
    stmt = select(*table.c).where(in_list(table.c.id, ids)).order_by(table.c.id)
    if db.session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=table)
    rows = db.session.execute(stmt).all()
    # Usually one village, the member's own: already in the session (loaded with the user's team).
    villages = {vid: db.session.get(Area, vid) for vid in {row.village_id for row in rows}}
    return {row.id: HouseholdRow(**row._asdict(), village=villages[row.village_id]) for row in rows}


def _achieved(household_ids: set[str]) -> dict[str, dict[int, int]]:
    """{household id: {service id: people counted so far}}: one grouped query for the batch."""
    out: dict[str, dict[int, int]] = {hid: {} for hid in household_ids}
    if household_ids:
        rows = db.session.execute(
            select(Visit.household_id, Assistance.service_id, func.sum(Assistance.count))
            .join(Visit, Visit.id == Assistance.visit_id)
            .where(in_list(Visit.household_id, household_ids), Visit.deleted_at.is_(None))
            .group_by(Visit.household_id, Assistance.service_id))
        for household_id, service_id, total in rows:
            out[household_id][service_id] = int(total)
    return out


def _plan(actor: User, records: list, services: dict[str, Service]) -> Plan:
    """Decide every record, in order, as the per-record path would, without writing anything.

    The caps count what the database holds plus what this batch accepted before the record.
    """
    results: list[Result | None] = [None] * len(records)
    parsed = []
    for i, rec in enumerate(records):
        vid, bad = _record_id(rec, "visit")
        if bad:
            results[i] = bad
            continue
        try:
            household_id, data = _visit_data(rec, services)
        except RuleError as err:
            results[i] = Result(vid, "visit", REJECTED, err.message, err.errors)
            continue
        parsed.append((i, vid, household_id, data))
    households = _households_for_write({p[2] for p in parsed})
    stored = stored_visits({p[1] for p in parsed})
    achieved = _achieved({p[2] for p in parsed if p[2] in households and any(p[3].counts.values())})
    planned: dict[str, Planned] = {}
    for i, vid, household_id, data in parsed:
        if vid in stored:
            results[i] = _compare_visit(actor, stored[vid], household_id, data)
            continue
        if vid in planned:  # the same id twice in one batch: the second is compared with the first
            results[i] = (Result(vid, "visit", DUPLICATE) if planned[vid].same_as(actor, household_id, data, services)
                          else _conflict(vid))
            continue
        household = households.get(household_id)
        if household is None or not can_view_household(actor, household):
            msg = _("Không tìm thấy hộ này, hoặc hộ nằm ngoài địa bàn của bạn.")
            results[i] = Result(vid, "visit", REJECTED, msg, {"household_id": msg})
            continue
        try:
            check_can_log(actor, household)
            counts = check(household, data, services, achieved=achieved.get(household_id, {}))
        except RuleError as err:
            # As in _apply_visit: a concurrent resend of this visit may fill the cap; compare with it.
            existing = db.session.get(Visit, vid, populate_existing=True)
            results[i] = (_compare_visit(actor, existing, household_id, data) if existing is not None
                          else Result(vid, "visit", REJECTED, err.message, err.errors))
            continue
        done = achieved.setdefault(household_id, {})
        for service_id, n in counts.items():
            done[service_id] = done.get(service_id, 0) + n
        planned[vid] = Planned(vid, household, data, counts)
        results[i] = Result(vid, "visit", CREATED)
    return Plan(results, list(planned.values()))


def _conflict(vid: str) -> Result:
    return Result(vid, "visit", REJECTED,
                  _("Lượt thăm này đã được gửi trước đó với nội dung khác; hệ thống giữ bản đầu tiên."),
                  {"id": _("Trùng mã với một lượt thăm đã gửi.")})


def _write(actor: User, accepted: list[Planned], services: dict[str, Service]) -> None:
    """What log_visit writes for each visit, as one statement per table for all of them."""
    now = utcnow()
    by_id = {s.id: s for s in services.values()}
    conn = db.session.connection()
    conn.execute(insert(Visit.__table__), [
        {"id": p.id, "household_id": p.household.id, "member_id": actor.id, "team_id": actor.team_id,
         "visited_at": p.data.visited_at, "received_at": now, "outcome": p.data.outcome, "note": p.data.note}
        for p in accepted])
    assists = [{"visit_id": p.id, "service_id": sid, "count": n} for p in accepted for sid, n in p.counts.items()]
    if assists:
        conn.execute(insert(Assistance.__table__), assists)
    conn.execute(insert(AuditLog.__table__), [
        {"at": now, "actor_id": actor.id, "action": "create", "entity_type": "visit", "entity_id": p.id,
         "area_path": p.household.village.path, "before": None,
         "after": {"household_id": p.household.id, "outcome": p.data.outcome,
                   "visited_at": p.data.visited_at.isoformat(), "note": p.data.note,
                   "assists": {by_id[sid].code: n for sid, n in sorted(p.counts.items())}}}
        for p in accepted])

    # The list filters' columns, as log_visit moves them: latest visit (later or equal wins), count.
    columns: dict[str, dict] = {}
    for p in accepted:
        h = p.household
        row = columns.setdefault(h.id, {"hid": h.id, "last_visited_at": h.last_visited_at,
                                        "last_outcome": h.last_outcome, "visit_count": h.visit_count or 0,
                                        "updated_at": now})
        if row["last_visited_at"] is None or p.data.visited_at >= row["last_visited_at"]:
            row["last_visited_at"], row["last_outcome"] = p.data.visited_at, p.data.outcome
        row["visit_count"] += 1
    table = Household.__table__
    conn.execute(table.update().where(table.c.id == bindparam("hid")), list(columns.values()))
    for obj in [o for o in db.session.identity_map.values() if isinstance(o, Household)]:
        if obj.id in columns:
            db.session.expire(obj)  # written above without the ORM (e.g. created earlier in this batch)

    tallies.apply_new_visits([
        tallies.VisitFacts(household_id=p.household.id, area_ids=tallies.area_ids(p.household.village.path),
                           team_id=actor.team_id, member_id=actor.id, day=tallies.local_day(p.data.visited_at),
                           at=p.data.visited_at,
                           outcome=p.data.outcome, counts=tuple(sorted(p.counts.items())))
        for p in accepted])


def _apply_visit(actor: User, rec, services: dict[str, Service], known: set[str] | None = None) -> Result:
    vid, bad = _record_id(rec, "visit")
    if bad:
        return bad
    try:
        household_id, data = _visit_data(rec, services)
    except RuleError as err:
        return Result(vid, "visit", REJECTED, err.message, err.errors)
    existing = find_visit(vid) if known is None or vid in known else None
    if existing is not None:
        return _compare_visit(actor, existing, household_id, data)
    household = db.session.get(Household, household_id)
    if household is None or not can_view_household(actor, household):
        msg = _("Không tìm thấy hộ này, hoặc hộ nằm ngoài địa bàn của bạn.")
        return Result(vid, "visit", REJECTED, msg, {"household_id": msg})
    try:
        with db.session.begin_nested():
            log_visit(actor, household, data, visit_id=vid, services=services)
    except (RuleError, IntegrityError) as err:
        # A concurrent resend of this very visit may have landed after the lookup (its counts
        # then fill the cap, or its id hits the key): compare with it rather than refuse.
        existing = db.session.get(Visit, vid, populate_existing=True)
        if existing is not None:
            return _compare_visit(actor, existing, household_id, data)
        if isinstance(err, IntegrityError):
            raise
        return Result(vid, "visit", REJECTED, err.message, err.errors)
    return Result(vid, "visit", CREATED)


__all__ = ["apply_batch", "BatchError", "Result", "MAX_VISITS"]
