"""Builds a small, known world through the real operations: two communes, three villages."""
from dataclasses import dataclass, field

from fieldapp.areas.operations import _place, create_village
from fieldapp.extensions import db
from fieldapp.history import backfill
from fieldapp.households.operations import HouseholdData, create_household
from fieldapp.models import Area, AreaLevel, Household, Role, Team, User
from fieldapp.passwords import hash_password

PASSWORD = "secret-pass-1"


@dataclass
class World:
    province: Area
    commune: Area
    other_commune: Area
    village1: Area
    village2: Area
    village3: Area  # in the other commune
    team1: Team
    team2: Team
    team3: Team
    users: dict[str, User] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)


def area(level, name, parent=None, code=None) -> Area:
    a = Area(level=level, code=code)
    a.set_name(name)
    return _place(a, parent)


def user(phone, role, name, team=None, area_=None) -> User:
    u = User(phone=phone, name=name, role=role, team_id=team.id if team else None,
             area_id=area_.id if area_ else None, password_hash=hash_password(PASSWORD))
    db.session.add(u)
    db.session.flush()
    return u


def household(actor, village, code, total=4, a14=3, a18=2, **kw) -> Household:
    return create_household(actor, village, HouseholdData(
        code=code, residents_total=total, residents_14plus=a14, residents_18plus=a18, **kw))


def build_world() -> World:
    province = area(AreaLevel.PROVINCE, "Gia Lai", code="52")
    commune = area(AreaLevel.COMMUNE, "Xã Tuy Phước", province, code="21952")
    other = area(AreaLevel.COMMUNE, "Xã Tuy Phước Đông", province, code="21970")
    v1 = create_village(None, commune, "Thôn Vinh Thạnh 1")
    v2 = create_village(None, commune, "Thôn 2")
    v3 = create_village(None, other, "Thôn Phú Mỹ")
    teams = []
    for v in (v1, v2, v3):
        t = Team(village=v, name=f"Tổ CNSCĐ {v.name}")
        db.session.add(t)
        teams.append(t)
    db.session.flush()
    w = World(province, commune, other, v1, v2, v3, *teams)
    w.users = {
        "admin": user("0900000000", Role.ADMIN, "Quản trị"),
        "officer": user("0900000001", Role.COMMUNE_OFFICER, "Cán bộ xã", area_=commune),
        "other_officer": user("0900000011", Role.COMMUNE_OFFICER, "Cán bộ xã khác", area_=other),
        "province": user("0900000012", Role.PROVINCE_VIEWER, "Cán bộ tỉnh", area_=province),
        "leader": user("0900000002", Role.LEADER, "Tổ trưởng Một", team=teams[0]),
        "member": user("0900000003", Role.MEMBER, "Nguyễn Văn Ba", team=teams[0]),
        "member2": user("0900000004", Role.MEMBER, "Lê Thị Bốn", team=teams[1]),
        "member3": user("0900000005", Role.MEMBER, "Phạm Văn Năm", team=teams[2]),
    }
    m = w.users["member"]
    w.households = {
        "h1": household(m, v1, "VT1-001", head_name="Nguyễn Văn An", consent=True),
        "h2": household(m, v1, "VT1-002", total=2, a14=2, a18=2, head_name="Trần Thị Bình", consent=True),
        "h3": household(w.users["member2"], v2, "T2-001"),
        "h4": household(w.users["member3"], v3, "PM-001"),
    }
    backfill(db.session)  # the teams and members above were made without the operations: their history
    db.session.commit()
    return w
