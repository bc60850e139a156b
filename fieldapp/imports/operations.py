"""Imports from CSV or XLSX: households of a village, villages of a commune, members of a team.

Each import has two steps. `plan_*` reads the file and checks every row against the same rules as
the forms (it only reads the database) and says what each row will do: create, update or nothing.
`apply_*` writes a plan that has no problem, row by row through the features' own operations
(rules, audit, search text and tally counters stay right), in the caller's one transaction: the
caller commits at the end, or rolls everything back on the first RuleError.

Headers are matched without diacritics, case or order ("so nhan khau" = "Số nhân khẩu"); unknown
columns are ignored (and named in a note). A key repeated inside the file is a row problem.
"""
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..access import can_run_team
from ..areas.operations import (
    MAX_VILLAGES_PER_IMPORT,
    check_division_type,
    check_village_name,
    create_village,
    set_village_type,
)
from ..counting import achieved, live
from ..extensions import db, in_list
from ..forms import PHONE_RE, normalize_phone
from ..households.operations import HouseholdData, check_household, create_households, update_household
from ..input_guard import bad_text
from ..models import Area, AreaLevel, Household, Role, Team, User
from ..rules import RuleError
from ..services.queries import all_services
from ..spreadsheets import Sheet, SpreadsheetError, read_rows
from ..teams.operations import appoint_leader, create_account, open_team
from ..text import code_key, fold
from ..visits.rules import MAX_RESIDENTS

CREATE, UPDATE, SAME = "create", "update", "same"
MAX_HOUSEHOLD_ROWS = 20_000  # the spreadsheet reader's own limit (spreadsheets.MAX_UPLOAD_ROWS)
IMPORT_SLICE = 1000  # households written per statement (and between two progress reports)
MAX_MEMBER_ROWS = 100  # each new account hashes a (random, unknown) password: slow on purpose


@dataclass(frozen=True)
class Column:
    key: str
    label: object            # lazy Vietnamese header, as written in the template
    aliases: tuple[str, ...]  # other accepted headers (folded)
    required: bool = False
    example: object = ""

    def names(self) -> set[str]:
        return {fold(str(self.label))} | {fold(a) for a in self.aliases}


@dataclass
class Problem:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column:
            return _("Dòng %(line)d, cột %(column)s: %(message)s", line=self.line, column=self.column,
                     message=self.message)
        return _("Dòng %(line)d: %(message)s", line=self.line, message=self.message)


@dataclass
class RowPlan:
    line: int
    action: str          # CREATE, UPDATE or SAME
    label: str           # what the row is about (a house code, a village, a person)
    detail: str = ""     # what changes, for the preview
    payload: Any = None
    target: object = None  # the existing row for an update


@dataclass
class Plan:
    kind: str
    filename: str
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def totals(self) -> dict[str, int]:
        out = {CREATE: 0, UPDATE: 0, SAME: 0}
        for row in self.rows:
            out[row.action] += 1
        return out

    def problem(self, line, column, message) -> None:
        self.problems.append(Problem(line, str(column) if column else None, message))


# --- Columns --------------------------------------------------------------------------------------

HOUSEHOLD_COLUMNS = (
    Column("code", _l("Mã hộ"), ("ma ho / so nha", "so nha", "ma"), True, "VT1-001"),
    Column("head_name", _l("Họ tên chủ hộ"), ("ten chu ho", "chu ho"), False, "Nguyễn Văn An"),
    Column("head_phone", _l("Số điện thoại"), ("so dien thoai chu ho", "sdt", "dien thoai"), False, "0912345678"),
    Column("residents_total", _l("Số nhân khẩu"), ("tong so nhan khau", "nhan khau"), True, 4),
    Column("residents_14plus", _l("Từ 14 tuổi"), ("tu 14 tuoi tro len",), True, 3),
    Column("residents_18plus", _l("Từ 18 tuổi"), ("tu 18 tuoi tro len",), True, 2),
    Column("smartphones", _l("Số điện thoại thông minh"),
           ("so dien thoai thong minh trong ho", "dien thoai thong minh"), False, 2),
)
VILLAGE_COLUMNS = (
    Column("name", _l("Tên thôn/tổ dân phố"), ("ten thon / to dan pho", "ten thon", "thon", "ten", "ten_thon"),
           True, "Thôn Vinh Thạnh 3"),
    Column("division_type", _l("Loại"), ("loai don vi", "type"), False, "Thôn"),
)
MEMBER_COLUMNS = (
    Column("name", _l("Họ tên"), ("ho va ten", "ten"), True, "Trần Thị Hoa"),
    Column("phone", _l("Số điện thoại"), ("sdt", "dien thoai"), True, "0912345678"),
    Column("role", _l("Vai trò"), (), False, "thành viên"),
)
COLUMNS = {"households": HOUSEHOLD_COLUMNS, "villages": VILLAGE_COLUMNS, "members": MEMBER_COLUMNS}


def template_sheet(kind: str) -> Sheet:
    """The downloadable template: the expected headers and one example row."""
    columns = COLUMNS[kind]
    return Sheet(str(_("Mẫu nhập")), [str(c.label) for c in columns], [[c.example for c in columns]])


def _table(plan: Plan, data: bytes, columns, max_rows: int) -> list[tuple[int, dict[str, str]]]:
    """The body rows as {column key: text}; header problems go into the plan (and no row is returned)."""
    try:
        rows = read_rows(plan.filename, data, max_rows)  # stops reading past the limit
    except SpreadsheetError as err:
        plan.problem(None, None, str(err))
        return []
    header = rows[0][1]
    positions: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(header):
        folded = fold(title)
        if not folded:
            continue
        column = next((c for c in columns if folded in c.names()), None)
        if column is None:
            unknown.append(title)
        elif column.key in positions:
            plan.problem(None, None, _("Cột %(column)s xuất hiện hai lần ở dòng tiêu đề.", column=column.label))
        else:
            positions[column.key] = index
    missing = [str(c.label) for c in columns if c.required and c.key not in positions]
    if missing:
        plan.problem(None, None, _(
            "Thiếu cột bắt buộc: %(columns)s. Dòng đầu tiên của tệp phải là tiêu đề cột; hãy dùng tệp mẫu.",
            columns=", ".join(missing)))
    if unknown:
        plan.notes.append(_("Các cột không dùng đến (bỏ qua): %(columns)s.", columns=", ".join(unknown[:10])))
    body = rows[1:]
    if not body:
        plan.problem(None, None, _("Tệp chỉ có dòng tiêu đề, chưa có dòng dữ liệu nào."))
    elif len(body) > max_rows:
        plan.problem(None, None, _("Tệp có %(n)d dòng dữ liệu; mỗi lần nhập tối đa %(max)d dòng.",
                                   n=len(body), max=max_rows))
    if plan.problems:
        return []
    out = []
    for line, cells in body:
        values = {key: (cells[i] if i < len(cells) else "") for key, i in positions.items()}
        bad = [key for key, value in values.items() if bad_text(value)]
        for key in bad:
            plan.problem(line, _label(columns, key), _("có ký tự điều khiển không hợp lệ; hãy xoá ký tự đó."))
        if not bad:
            out.append((line, values))
    return out


def _label(columns, key: str) -> str:
    return next(str(c.label) for c in columns if c.key == key)


def _count(text: str, low: int, high: int) -> int:
    """A whole number from a cell ("3", "3.0" from Excel); ValueError otherwise."""
    text = text.strip().replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 6:
        raise ValueError(text)
    number = int(text)
    if not low <= number <= high:
        raise ValueError(text)
    return number


# --- Households of a village ----------------------------------------------------------------------

HOUSEHOLD_FIELD_COLUMN = {"code": "code", "residents_total": "residents_total", "residents_14plus": "residents_14plus",
                          "residents_18plus": "residents_18plus", "smartphones": "smartphones",
                          "head_name": "head_name", "head_phone": "head_phone"}


def plan_households(village: Area, filename: str, data: bytes, consent: bool, *, personal: bool = False) -> Plan:
    """Matches rows on (village, house code) once normalised (text.code_key), deleted households included.

    Personal data: a head's name or phone from the file is taken only when the importer confirmed the
    heads' consent for the whole file and may see the village's personal data (personal:
    access.can_see_personal_data, so an admin's preview never shows a stored name); otherwise those
    cells are ignored (said in a note). A blank name or phone cell keeps what the household already has
    (erasing goes through the household page).
    """
    plan = Plan("households", filename)
    not_allowed = consent and not personal
    consent = consent and personal
    if village.archived_at is not None:
        plan.problem(None, None, _("%(village)s đã lưu trữ, không thể thêm hộ mới.", village=village.name))
        return plan
    columns = HOUSEHOLD_COLUMNS
    body = _table(plan, data, columns, MAX_HOUSEHOLD_ROWS)
    codes = [" ".join(cells.get("code", "").split()) for _line, cells in body]
    keys = [code_key(code) for code in codes]
    # Every household of the village by its code's key (ids only), the ones the file names as objects, and
    # what those achieved: a row's checks need only its own household, so a village of many households and
    # years of visits is not loaded whole for a file of new ones.
    village_keys = db.session.execute(select(Household.id, Household.code_key)
                                      .where(Household.village_id == village.id)).all()
    code_uses = Counter(key for _id, key in village_keys)
    in_file = set(keys)
    named = [hid for hid, key in village_keys if key in in_file]
    stored = list(db.session.scalars(select(Household).where(in_list(Household.id, named)))) if named else []
    existing = {h.code_key: h for h in stored}  # a near-duplicate kept by migration 0016 matches no code
    done = achieved([h.id for h in stored])
    services = all_services()
    seen: dict[str, int] = {}
    ignored_personal = kept_personal = 0
    for (line, cells), code, ckey in zip(body, codes, keys, strict=True):
        before = len(plan.problems)
        if not code:
            plan.problem(line, _label(columns, "code"), _("chưa có mã hộ."))
        elif ckey in seen:
            plan.problem(line, _label(columns, "code"), _("mã hộ %(code)s trùng với dòng %(other)d của tệp.",
                                                          code=code, other=seen[ckey]))
        else:
            seen[ckey] = line
        counts: dict[str, int | None] = {}
        for key, low in (("residents_total", 1), ("residents_14plus", 0), ("residents_18plus", 0),
                         ("smartphones", 0)):
            text = cells.get(key, "")
            if not text.strip() and key == "smartphones":
                counts[key] = None
                continue
            try:
                counts[key] = _count(text, low, MAX_RESIDENTS)
            except ValueError:
                plan.problem(line, _label(columns, key), _("phải là số nguyên từ %(low)d đến %(high)d.",
                                                          low=low, high=MAX_RESIDENTS))
        name = " ".join(cells.get("head_name", "").split()) or None
        phone = normalize_phone(cells.get("head_phone", "")) or None
        if phone and not PHONE_RE.match(phone):
            plan.problem(line, _label(columns, "head_phone"),
                         _("số điện thoại gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678."))
        if len(plan.problems) > before:
            continue
        household = existing.get(ckey)
        if household is not None and household.deleted_at is not None:
            plan.problem(line, _label(columns, "code"), _(
                "hộ %(code)s đã bị xóa; hãy khôi phục hộ trong mục “Đã xóa” của thôn hoặc đổi mã.", code=code))
            continue
        if (name or phone) and not consent:
            ignored_personal += 1
            name = phone = None
        elif name or phone:
            kept_personal += 1
        if household is not None:
            name = name or household.head_name
            phone = phone or household.head_phone
            smartphones = counts["smartphones"] if counts["smartphones"] is not None else household.smartphones
        else:
            smartphones = counts["smartphones"] or 0
        total, r14, r18 = counts["residents_total"], counts["residents_14plus"], counts["residents_18plus"]
        assert total is not None and r14 is not None and r18 is not None  # only smartphones may be blank
        row = HouseholdData(code=code, residents_total=total,
                            residents_14plus=r14,
                            residents_18plus=r18, smartphones=smartphones,
                            head_name=name, head_phone=phone, consent=bool(name or phone))
        if household is not None and not _household_changes(household, row):
            plan.rows.append(RowPlan(line, SAME, code, "", row, household))  # already stored, already valid
            continue
        try:
            taken = code_uses[ckey] > (0 if household is None else 1)
            check_household(row, village, household, taken=taken,
                            achieved=done.get(household.id, {}) if household else None, services=services)
        except RuleError as err:
            for key, message in err.errors.items():
                column = HOUSEHOLD_FIELD_COLUMN.get(key)
                plan.problem(line, _label(columns, column) if column else None, message)
            continue
        if household is None:
            plan.rows.append(RowPlan(line, CREATE, code, _household_summary(row), row))
            continue
        changes = _household_changes(household, row)
        plan.rows.append(RowPlan(line, UPDATE if changes else SAME, code, "; ".join(changes), row, household))
    if kept_personal:
        plan.notes.append(_(
            "Tên hoặc số điện thoại chủ hộ của %(n)d dòng sẽ được lưu, với sự đồng ý của chủ hộ mà bạn đã xác nhận "
            "(thời điểm đồng ý và người nhập được ghi lại).", n=kept_personal))
    if ignored_personal and not_allowed:
        plan.notes.append(_(
            "%(n)d dòng có tên hoặc số điện thoại chủ hộ: tên và số điện thoại sẽ không được nhập, vì tài khoản "
            "của bạn không xem dữ liệu cá nhân của người dân (chỉ nhập mã hộ và số nhân khẩu).", n=ignored_personal))
    elif ignored_personal:
        plan.notes.append(_(
            "%(n)d dòng có tên hoặc số điện thoại chủ hộ, nhưng bạn chưa xác nhận chủ hộ đã đồng ý: "
            "tên và số điện thoại sẽ không được nhập (chỉ nhập mã hộ và số nhân khẩu).", n=ignored_personal))
    return plan


def _household_summary(row: HouseholdData) -> str:
    text = _("%(t)d người, %(a)d từ 14 tuổi, %(b)d từ 18 tuổi", t=row.residents_total, a=row.residents_14plus,
             b=row.residents_18plus)
    if row.head_name:
        text += " · " + row.head_name
    return text


def _household_changes(household: Household, row: HouseholdData) -> list[str]:
    changes = []
    labels = {"code": _("Mã hộ"), "residents_total": _("Số nhân khẩu"), "residents_14plus": _("Từ 14 tuổi"),
              "residents_18plus": _("Từ 18 tuổi"), "smartphones": _("Số điện thoại thông minh"),
              "head_name": _("Họ tên chủ hộ"), "head_phone": _("Số điện thoại")}
    for key, label in labels.items():
        old, new = getattr(household, key), getattr(row, key)
        if old != new:
            changes.append(_("%(field)s: %(old)s → %(new)s", field=label,
                             old="–" if old in (None, "") else old, new="–" if new in (None, "") else new))
    return changes


def _each_row(plan: Plan, write_row) -> None:
    """write_row(row) for every row, in the file's order; a refusal names the row's line."""
    for row in plan.rows:
        try:
            write_row(row)
        except RuleError as err:
            raise RuleError(str(Problem(row.line, None, err.message))) from None


def _audit_import(actor: User, action: str, owner: Area, entity_type: str, plan: Plan) -> dict[str, int]:
    """One audit entry for the whole file, with its counts; returns them."""
    totals = plan.totals
    audit.record(actor, action, owner, entity_type=entity_type, area_path=owner.path,
                 after={"file": plan.filename, **totals})
    return totals


def apply_households(actor: User, village: Area, plan: Plan, progress=None) -> dict[str, int]:
    """The new households in bulk (create_households: one statement per table), then the changed ones
    through update_household, row by row; progress(done, total) after each slice."""
    creates = [row for row in plan.rows if row.action == CREATE]
    updates = [row for row in plan.rows if row.action == UPDATE]
    total, done = len(creates) + len(updates), 0
    for i in range(0, len(creates), IMPORT_SLICE):
        part = creates[i:i + IMPORT_SLICE]
        create_households(actor, village, [row.payload for row in part])
        done += len(part)
        progress and progress(done, total)
    for row in updates:
        _each_row(Plan(plan.kind, plan.filename, [row]), lambda r: update_household(actor, r.target, r.payload))
        done += 1
        if progress and done % IMPORT_SLICE == 0:
            progress(done, total)
    return _audit_import(actor, "import_households", village, "village", plan)


# --- Villages of a commune ------------------------------------------------------------------------

def plan_villages(commune: Area, filename: str, data: bytes) -> Plan:
    """Matches rows on the folded name within the commune (archived villages included)."""
    plan = Plan("villages", filename)
    columns = VILLAGE_COLUMNS
    body = _table(plan, data, columns, MAX_VILLAGES_PER_IMPORT)
    existing = {v.name_folded: v for v in db.session.scalars(
        select(Area).where(Area.parent_id == commune.id, Area.level == AreaLevel.VILLAGE))}
    seen: dict[str, int] = {}
    for line, cells in body:
        name = " ".join(cells["name"].split())
        folded = fold(name)
        try:
            division_type = check_division_type(cells.get("division_type"))
        except RuleError as err:
            plan.problem(line, _label(columns, "division_type"), err.message)
            continue
        if not name:
            plan.problem(line, _label(columns, "name"), _("chưa có tên thôn / tổ dân phố."))
            continue
        if folded in seen:
            plan.problem(line, _label(columns, "name"), _("%(name)s trùng với dòng %(other)d của tệp.",
                                                          name=name, other=seen[folded]))
            continue
        seen[folded] = line
        village = existing.get(folded)
        if village is None:
            try:
                name = check_village_name(commune, name)
            except RuleError as err:
                plan.problem(line, _label(columns, "name"), err.message)
                continue
            detail = division_type or ""
            plan.rows.append(RowPlan(line, CREATE, name, detail, (name, division_type)))
        elif village.archived_at is not None:
            plan.rows.append(RowPlan(line, SAME, village.name, _("đã lưu trữ, giữ nguyên"), None, village))
        elif division_type and division_type != village.division_type:
            plan.rows.append(RowPlan(line, UPDATE, village.name, _("Loại: %(old)s → %(new)s",
                                                                    old=village.division_type or "–", new=division_type),
                                     (village.name, division_type), village))
        else:
            plan.rows.append(RowPlan(line, SAME, village.name, village.division_type or "", None, village))
    return plan


def apply_villages(actor: User, commune: Area, plan: Plan) -> dict[str, int]:
    def write(row):
        if row.action == CREATE:
            create_village(actor, commune, *row.payload)
        elif row.action == UPDATE:
            set_village_type(actor, row.target, row.payload[1])
    _each_row(plan, write)
    return _audit_import(actor, "import_villages", commune, "commune", plan)


# --- Members of a team ----------------------------------------------------------------------------

ROLE_WORDS = {"thanh vien": Role.MEMBER, "member": Role.MEMBER, "tv": Role.MEMBER,
              "to truong": Role.LEADER, "leader": Role.LEADER, "tt": Role.LEADER}


def plan_members(actor: User, team: Team, filename: str, data: bytes) -> Plan:
    """Matches rows on the phone number. Appointing a leader is the commune officer's (as on the team page).

    A blank role keeps an existing member's role (a new one is a member). A phone that already signs in
    elsewhere (another team, an officer) is a problem: moving people goes through the member page.
    """
    plan = Plan("members", filename)
    columns = MEMBER_COLUMNS
    try:
        open_team(team)
    except RuleError as err:
        plan.problem(None, None, err.message)
        return plan
    body = _table(plan, data, columns, MAX_MEMBER_ROWS)
    officer = can_run_team(actor, team)
    seen: dict[str, int] = {}
    leader_line = None
    parsed = []
    for line, cells in body:
        before = len(plan.problems)
        name = " ".join(cells["name"].split())
        phone = normalize_phone(cells["phone"])
        role_text = fold(cells.get("role", ""))
        role = ROLE_WORDS.get(role_text) if role_text else None
        if not name:
            plan.problem(line, _label(columns, "name"), _("chưa có họ tên."))
        elif len(name) > 120:
            plan.problem(line, _label(columns, "name"), _("họ tên dài tối đa 120 ký tự."))
        if not PHONE_RE.match(phone):
            plan.problem(line, _label(columns, "phone"),
                         _("số điện thoại gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678."))
        elif phone in seen:
            plan.problem(line, _label(columns, "phone"), _("số %(phone)s trùng với dòng %(other)d của tệp.",
                                                           phone=phone, other=seen[phone]))
        else:
            seen[phone] = line
        if role_text and role is None:
            plan.problem(line, _label(columns, "role"), _("ghi “thành viên” hoặc “tổ trưởng”."))
        if role == Role.LEADER:
            if leader_line is not None:
                plan.problem(line, _label(columns, "role"), _("mỗi tổ chỉ có một tổ trưởng (đã có ở dòng %(other)d).",
                                                              other=leader_line))
            else:
                leader_line = line
        if len(plan.problems) == before:
            parsed.append((line, name, phone, role))
    users = {u.phone: u for u in db.session.scalars(select(User).where(User.phone.in_([p[2] for p in parsed])))} \
        if parsed else {}
    current_leaders = list(db.session.scalars(select(User).where(
        User.team_id == team.id, User.role == Role.LEADER, User.active.is_(True))))
    new_leader_phone = next((p[2] for p in parsed if p[3] == Role.LEADER), None)
    for old in current_leaders:
        if new_leader_phone is not None and old.phone != new_leader_phone and officer:
            plan.notes.append(_("%(name)s (tổ trưởng hiện nay) sẽ trở thành thành viên của tổ.", name=old.name))
    for line, name, phone, role in parsed:
        user = users.get(phone)
        if user is None:
            wanted = role or Role.MEMBER
            if wanted == Role.LEADER and not officer:
                plan.problem(line, _label(columns, "role"), _(
                    "chỉ cán bộ xã bổ nhiệm tổ trưởng; hãy ghi “thành viên”."))
                continue
            detail = _("Tổ trưởng") if wanted == Role.LEADER else _("Thành viên")
            plan.rows.append(RowPlan(line, CREATE, f"{name} · {phone}", detail, (name, phone, wanted)))
            continue
        if user.team_id != team.id or user.role not in Role.TEAM_ROLES:
            plan.problem(line, _label(columns, "phone"), _(
                "số %(phone)s đã có tài khoản ở nơi khác; muốn chuyển người này sang tổ, hãy nhờ cán bộ xã "
                "chuyển trên trang thành viên.", phone=phone))
            continue
        if not user.active:
            plan.problem(line, _label(columns, "phone"), _(
                "%(name)s đã ngừng hoạt động; hãy kích hoạt lại trên trang thành viên trước.", name=user.name))
            continue
        wanted = role or user.role
        changes = []
        if wanted != user.role:
            if not officer:
                plan.problem(line, _label(columns, "role"), _(
                    "chỉ cán bộ xã bổ nhiệm hoặc thay tổ trưởng; hãy để trống cột này."))
                continue
            if wanted == Role.MEMBER and leader_line is None:
                plan.problem(line, _label(columns, "role"), _(
                    "%(name)s đang là tổ trưởng; muốn thay, hãy ghi “tổ trưởng” cho người mới trong tệp.",
                    name=user.name))
                continue
            changes.append(_("Vai trò: %(role)s", role=_("Tổ trưởng") if wanted == Role.LEADER else _("Thành viên")))
        if name != user.name:
            changes.append(_("Họ tên: %(old)s → %(new)s", old=user.name, new=name))
        plan.rows.append(RowPlan(line, UPDATE if changes else SAME, f"{name} · {phone}", "; ".join(changes),
                                 (name, phone, wanted), user))
    return plan


def apply_members(actor: User, team: Team, plan: Plan) -> list[User]:
    """Creates accounts with no usable password: the leader gives each a one-time sign-in QR, after
    which the member sets their own password (as for a member added on the team page, no password
    travels in a file). Returns the new members."""
    created, leaders = [], []

    def write(row):
        name, phone, role = row.payload
        if row.action == CREATE:
            user = create_account(actor, phone=phone, name=name, password=secrets.token_urlsafe(32),
                                  role=Role.MEMBER, team=team)
            created.append(user)
        else:
            user = row.target
            if row.action == UPDATE and user.name != name:
                before = {"name": user.name}
                user.name = name
                audit.record(actor, "rename", user, entity_type="user", area_path=team.village.path,
                             before=before, after={"name": name})
        if role == Role.LEADER and user.role != Role.LEADER:
            leaders.append((row.line, user))
    _each_row(plan, write)
    leader = leaders[-1] if leaders else None
    if leader is not None:
        try:
            appoint_leader(actor, team, leader[1])
        except RuleError as err:
            raise RuleError(str(Problem(leader[0], None, err.message))) from None
    db.session.flush()
    audit.record(actor, "import_members", team, area_path=team.village.path,
                 after={"file": plan.filename, **plan.totals})
    return created


def household_count(village: Area) -> int:
    return db.session.execute(select(func.count()).select_from(Household).where(
        Household.village_id == village.id, live(Household))).scalar_one()
