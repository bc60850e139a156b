"""Writes about the area tree: the official provinces and communes, and villages added by communes."""
import csv
import io

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Area, AreaLevel, User
from ..rules import RuleError
from ..text import fold

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


def _check_village_name(commune: Area, name: str, seen: set[str] | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleError({"name": _("Vui lòng nhập tên thôn / tổ dân phố.")})
    if len(name) > 120:
        raise RuleError({"name": _("Tên thôn dài tối đa 120 ký tự.")})
    folded = fold(name)
    taken = db.session.scalar(select(Area.id).where(
        Area.parent_id == commune.id, Area.level == AreaLevel.VILLAGE, Area.name_folded == folded))
    if taken is not None or (seen is not None and folded in seen):
        raise RuleError({"name": _("%(name)s đã có trong %(commune)s.", name=name, commune=commune.name)})
    if seen is not None:
        seen.add(folded)
    return name


def create_village(actor: User | None, commune: Area, name: str) -> Area:
    if commune.level != AreaLevel.COMMUNE:
        raise RuleError(_("Chỉ thêm thôn vào một xã, phường hoặc đặc khu."))
    village = Area(level=AreaLevel.VILLAGE)
    village.set_name(_check_village_name(commune, name))
    _place(village, commune)
    audit.record(actor, "create", village, entity_type="village", area_path=village.path,
                 after={"name": village.name, "commune_id": commune.id})
    return village


def import_villages_csv(actor: User, commune: Area, raw: bytes) -> list[Area]:
    """CSV with a column "ten_thon" (or the first column): every row or none."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError({"file": _("Tệp phải là CSV mã hóa UTF-8.")}) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RuleError({"file": _("Tệp không có dòng nào.")})
    header = [fold(c) for c in rows[0]]
    col, start = 0, 0
    for candidate in ("ten_thon", "ten thon", "thon", "ten", "name"):
        if candidate in header:
            col, start = header.index(candidate), 1
            break
    body = [(i + 1, r) for i, r in enumerate(rows) if i >= start and any(c.strip() for c in r)]
    if len(body) > MAX_VILLAGES_PER_IMPORT:
        raise RuleError({"file": _("Tối đa %(n)d thôn mỗi lần nhập.", n=MAX_VILLAGES_PER_IMPORT)})
    problems, names, seen = [], [], set()
    for line, row in body:
        try:
            names.append(_check_village_name(commune, row[col] if col < len(row) else "", seen))
        except RuleError as err:
            problems.append(_("Dòng %(line)d: %(msg)s", line=line, msg=err.message))
    if problems:
        raise RuleError({"file": " ".join(problems[:20])})
    if not names:
        raise RuleError({"file": _("Tệp không có tên thôn nào.")})
    return [create_village(actor, commune, name) for name in names]
