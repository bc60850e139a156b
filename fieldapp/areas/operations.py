"""Writes about the area tree: the official provinces and communes, and villages added by communes."""
import re

from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import audit
from ..extensions import db
from ..forms import normalize_phone
from ..history import move_teams
from ..locks import begin_write, lock_households
from ..models import Area, AreaLevel, Household, Service, Team, User
from ..rules import RuleError
from ..tallies.operations import move_village_counters
from ..text import code_key, fold
from ..timeutil import utcnow

MAX_VILLAGES_PER_IMPORT = 500


def _place(area: Area, parent: Area | None) -> Area:
    area.parent = parent
    db.session.add(area)
    db.session.flush()
    area.path = (parent.path if parent else "/") + f"{area.id}/"
    return area


def import_areas(province_query: str | None = None) -> tuple[int, int]:
    """Load provinces and their communes from the official post-2025 list (vietnam-provinces).

    Idempotent: areas are matched on their GSO code; names are refreshed. Returns (added, updated).
    """
    from vietnam_provinces import Province, Ward

    provinces = list(Province.iter_all())
    if province_query:
        wanted = fold(province_query)
        provinces = [p for p in provinces if fold(p.name) == wanted
                     or fold(p.name).endswith(" " + wanted) or str(int(p.code)) == province_query.strip()]
        if not provinces:
            raise RuleError(_("Không tìm thấy tỉnh/thành phố “%(q)s” trong danh mục chính thức.", q=province_query))
    existing = {(a.level, a.code): a for a in db.session.scalars(
        select(Area).where(Area.level.in_((AreaLevel.PROVINCE, AreaLevel.COMMUNE))))}
    added = updated = 0

    def upsert(level, code, name, division_type, parent):
        nonlocal added, updated
        area = existing.get((level, code))
        if area is None:
            area = Area(level=level, code=code, division_type=division_type)
            area.set_name(name)
            _place(area, parent)
            existing[(level, code)] = area
            added += 1
        elif area.name != name:
            area.set_name(name)
            updated += 1
        return area

    for province in provinces:
        parent = upsert(AreaLevel.PROVINCE, str(int(province.code)), province.name,
                        province.division_type.value, None)
        for ward in Ward.iter_by_province(province.code):
            upsert(AreaLevel.COMMUNE, str(int(ward.code)), ward.name, ward.division_type.value, parent)
    return added, updated


def check_village_name(commune: Area, name: str, seen: set[str] | None = None,
                        exclude_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleError({"name": _("Vui lòng nhập tên thôn / tổ dân phố.")})
    if len(name) > 120:
        raise RuleError({"name": _("Tên thôn dài tối đa 120 ký tự.")})
    folded = fold(name)
    stmt = select(Area.id).where(
        Area.parent_id == commune.id, Area.level == AreaLevel.VILLAGE, Area.name_folded == folded)
    if exclude_id is not None:
        stmt = stmt.where(Area.id != exclude_id)
    taken = db.session.scalar(stmt.limit(1))
    if taken is not None or (seen is not None and folded in seen):
        raise RuleError({"name": _("%(name)s đã có trong %(commune)s.", name=name, commune=commune.name)})
    if seen is not None:
        seen.add(folded)
    return name


MAX_DIVISION_TYPE = 40


def check_division_type(division_type: str | None) -> str | None:
    """"Thôn", "Tổ dân phố", "Ấp", "Bản"…: free text (names differ by region), blank is none."""
    division_type = " ".join((division_type or "").split()) or None
    if division_type and len(division_type) > MAX_DIVISION_TYPE:
        raise RuleError({"division_type": _("Loại đơn vị dài tối đa %(n)d ký tự.", n=MAX_DIVISION_TYPE)})
    return division_type


def create_village(actor: User | None, commune: Area, name: str, division_type: str | None = None) -> Area:
    if commune.level != AreaLevel.COMMUNE:
        raise RuleError(_("Chỉ thêm thôn vào một xã, phường hoặc đặc khu."))
    village = Area(level=AreaLevel.VILLAGE, division_type=check_division_type(division_type))
    village.set_name(check_village_name(commune, name))
    _place(village, commune)
    after = {"name": village.name, "commune_id": commune.id}
    if village.division_type:
        after["division_type"] = village.division_type
    audit.record(actor, "create", village, entity_type="village", area_path=village.path, after=after)
    return village


def set_village_type(actor: User, village: Area, division_type: str | None) -> Area:
    _require_village(village)
    division_type = check_division_type(division_type)
    if division_type != village.division_type:
        before = {"division_type": village.division_type}
        village.division_type = division_type
        audit.record(actor, "update", village, entity_type="village", area_path=village.path,
                     before=before, after={"division_type": division_type})
    return village



MAX_CODE = 40
OFFICE_PHONE_RE = re.compile(r"^0\d{9,10}$")  # mobiles have 10 digits, landlines 11 (0256 3 123 456)


def _require_village(village: Area) -> None:
    if village.level != AreaLevel.VILLAGE:
        raise RuleError(_("Chỉ thao tác này được với thôn / tổ dân phố."))


def rename_village(actor: User, village: Area, name: str) -> Area:
    _require_village(village)
    assert village.parent is not None  # a village always lies in a commune
    new_name = check_village_name(village.parent, name, exclude_id=village.id)
    before = {"name": village.name}
    if new_name != village.name:
        village.set_name(new_name)
        audit.record(actor, "rename", village, entity_type="village", area_path=village.path,
                     before=before, after={"name": village.name})
    return village


def archive_village(actor: User, village: Area) -> Area:
    """History is kept; no new households or visits. Teams must be moved or closed first."""
    _require_village(village)
    if village.archived_at is not None:
        raise RuleError(_("%(name)s đã được lưu trữ trước đó.", name=village.name))
    active_teams = db.session.scalars(select(Team.name).where(
        Team.village_id == village.id, Team.active.is_(True)).order_by(Team.name)).all()
    if active_teams:
        raise RuleError(_("Không thể lưu trữ %(name)s: thôn còn tổ đang hoạt động (%(teams)s). "
                          "Hãy chuyển tổ sang thôn khác hoặc ngừng hoạt động tổ trước.",
                          name=village.name, teams=", ".join(active_teams)))
    village.archived_at = utcnow()
    audit.record(actor, "archive", village, entity_type="village", area_path=village.path,
                 before={"archived_at": None}, after={"archived_at": village.archived_at.isoformat()})
    return village


def code_clashes(absorbed: Area, survivor: Area) -> list[str]:
    """House codes of the absorbed village already used in the survivor (once normalised: text.code_key)."""
    taken = select(Household.code_key).where(Household.village_id == survivor.id)
    return list(db.session.scalars(
        select(Household.code).where(Household.village_id == absorbed.id,
                                     Household.code_key.in_(taken))
        .order_by(Household.code)))


def merge_villages(actor: User, absorbed: Area, survivor: Area, clash_prefix: str | None = None) -> dict:
    """Move the households and teams of `absorbed` into `survivor`, then archive `absorbed`.

    Visits and assistance stay attached to their households; the absorbed village's counters and
    denominators join the survivor's in the same transaction (the commune's do not move), so every
    tally keeps its total and the village rows still add up to the commune's.
    Clashing house codes are refused unless a prefix is given to rename them ("<prefix>-<code>").
    """
    begin_write()
    _require_village(absorbed)
    _require_village(survivor)
    if absorbed.id == survivor.id:
        raise RuleError({"survivor_id": _("Hãy chọn một thôn khác để gộp vào.")})
    if absorbed.parent_id != survivor.parent_id:
        raise RuleError({"survivor_id": _("Không thể gộp %(a)s và %(b)s: hai thôn thuộc hai xã khác nhau.",
                                          a=absorbed.name, b=survivor.name)})
    for village in (absorbed, survivor):
        if village.archived_at is not None:
            raise RuleError({"survivor_id": _("%(name)s đã lưu trữ, không thể gộp.", name=village.name)})
    # The households' lock (the one visits take), in id order: a visit saved meanwhile either lands
    # before the move (and its counters move with the village's) or after it (and counts in the survivor).
    household_count = len(lock_households(db.session.scalars(
        select(Household.id).where(Household.village_id == absorbed.id))))
    clashes = code_clashes(absorbed, survivor)
    renamed: dict[str, str] = {}
    prefix = " ".join((clash_prefix or "").split())
    if clashes and not prefix:
        raise RuleError({"clash_prefix": _(
            "Có %(n)d mã hộ của %(a)s đã có trong %(b)s: %(codes)s. Hãy nhập tiền tố để đổi mã các hộ này "
            "(ví dụ tiền tố “%(hint)s” đổi “%(code)s” thành “%(hint)s-%(code)s”), hoặc sửa mã hộ trước khi gộp.",
            n=len(clashes), a=absorbed.name, b=survivor.name, codes=", ".join(clashes[:30]),
            hint="VT", code=clashes[0])})
    if clashes:
        new_codes = {c: f"{prefix}-{c}" for c in clashes}
        too_long = [n for n in new_codes.values() if len(n) > MAX_CODE]
        if too_long:
            raise RuleError({"clash_prefix": _("Mã hộ mới dài quá %(n)d ký tự: %(codes)s.",
                                               n=MAX_CODE, codes=", ".join(too_long[:10]))})
        existing = set(db.session.scalars(select(Household.code_key).where(
            Household.village_id.in_((absorbed.id, survivor.id)))))
        still = [n for n in new_codes.values() if code_key(n) in existing]
        if still:
            raise RuleError({"clash_prefix": _("Mã hộ mới vẫn bị trùng: %(codes)s. Hãy chọn tiền tố khác.",
                                               codes=", ".join(still[:30]))})
        for household in db.session.scalars(select(Household).where(
                Household.village_id == absorbed.id, Household.code.in_(clashes))):
            renamed[household.code] = new_codes[household.code]
            household.code = new_codes[household.code]
            household.refresh_search_text()
        db.session.flush()
    team_ids = list(db.session.scalars(select(Team.id).where(Team.village_id == absorbed.id)))
    db.session.execute(update(Household).where(Household.village_id == absorbed.id)
                       .values(village_id=survivor.id), execution_options={"synchronize_session": False})
    db.session.execute(update(Team).where(Team.village_id == absorbed.id)
                       .values(village_id=survivor.id), execution_options={"synchronize_session": False})
    move_teams(team_ids, survivor.id)
    move_village_counters(absorbed.id, survivor.id)
    absorbed.archived_at = utcnow()
    db.session.flush()
    db.session.expire_all()
    summary = {"absorbed_id": absorbed.id, "survivor_id": survivor.id, "households": household_count,
               "teams": team_ids, "renamed_codes": renamed}
    audit.record(actor, "merge", absorbed, entity_type="village", area_path=absorbed.path,
                 before={"name": absorbed.name, "archived_at": None}, after=summary)
    audit.record(actor, "absorb", survivor, entity_type="village", area_path=survivor.path, after=summary)
    return summary


def update_commune_settings(actor: User, commune: Area, office_phone: str | None,
                            points: dict[str, int]) -> Area:
    """Office phone for badges and the points a new campaign of the commune starts from."""
    if commune.level != AreaLevel.COMMUNE:
        raise RuleError(_("Chỉ xã, phường, đặc khu có cài đặt này."))
    errors = {}
    phone = normalize_phone(office_phone) or None
    if phone and not OFFICE_PHONE_RE.match(phone):
        errors["office_phone"] = _("Số điện thoại trụ sở không hợp lệ, ví dụ 02563123456 hoặc 0912345678.")
    services = {s.code: s for s in db.session.scalars(select(Service))}
    clean: dict[str, int] = {}
    for code, value in points.items():
        if code not in services:
            errors[f"pts_{code}"] = _("Dịch vụ không có trong danh mục: %(code)s.", code=code)
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            errors[f"pts_{code}"] = _("Điểm là số nguyên từ 0 đến 100.")
        elif value != services[code].points:
            clean[code] = value  # only what differs from the catalogue
    if errors:
        raise RuleError(errors)
    before = {"office_phone": commune.office_phone, "campaign_points": commune.campaign_points}
    commune.office_phone = phone
    commune.campaign_points = clean or None
    after = {"office_phone": commune.office_phone, "campaign_points": commune.campaign_points}
    if after != before:
        audit.record(actor, "settings", commune, entity_type="commune", area_path=commune.path,
                     before=before, after=after)
    return commune
