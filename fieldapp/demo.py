"""Deterministic demo data: Xã Tuy Phước (Gia Lai), 5 villages, 25 members, ~1,200 households.

Only `flask seed-demo` (and so `make run`) loads it; the production path never does.
"""
import random
import uuid
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import insert, select

from .areas.operations import create_village, import_areas
from .badges.operations import issue_badge
from .campaigns.operations import CampaignData, create_campaign
from .counting import eligible, household_stats
from .counting import today as vietnam_today
from .extensions import db
from .households.stickers import prepare_stickers
from .joining.operations import rotate_invite
from .models import Area, AreaLevel, Assistance, Household, Role, Service, Team, User, Visit
from .notices.operations import NoticeData, post_notice
from .passwords import hash_password
from .tallies.operations import rebuild_counters
from .text import fold
from .timeutil import from_local, utcnow
from .visits.rules import OUTCOMES

DEMO_PASSWORD = "demo1234"
DEMO_SIGN_INS = [
    ("0900000000", "quản trị (admin)"),
    ("0900000001", "cán bộ xã Tuy Phước (commune officer)"),
    ("0900000002", "tổ trưởng thôn Vinh Thạnh 1 (team leader)"),
    ("0900000003", "thành viên thôn Vinh Thạnh 1 (member)"),
    ("0900000004", "thành viên thôn Vinh Thạnh 2 (member)"),
    ("0900000009", "cán bộ tỉnh Gia Lai, chỉ xem (province viewer)"),
]
VILLAGES = [("Thôn Vinh Thạnh 1", "VT1"), ("Thôn Vinh Thạnh 2", "VT2"), ("Thôn Phú Mỹ", "PM"),
            ("Thôn Quảng Tín", "QT"), ("Khu phố 2", "KP2")]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Đức", "Thanh", "Xuân", "Quốc", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Thành", "Trang", "Tuấn", "Vân", "Yến"]
DAYS = 56


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seed_demo(households_per_village: int = 240, seed: int = 2025) -> dict:
    rng = random.Random(seed)
    import_areas("Gia Lai")
    commune = db.session.scalar(select(Area).where(
        Area.level == AreaLevel.COMMUNE, Area.name_folded == fold("Xã Tuy Phước")))
    assert commune is not None
    commune.office_phone = "02563833123"
    villages = [create_village(None, commune, name) for name, _p in VILLAGES]
    teams = []
    for village in villages:
        team = Team(village=village, name=f"Tổ công nghệ số cộng đồng {village.name.replace('Thôn ', 'thôn ')}")
        db.session.add(team)
        teams.append(team)
    db.session.flush()

    pw = hash_password(DEMO_PASSWORD)  # one hash for every demo account keeps seeding fast
    users = [User(phone="0900000000", name="Quản trị hệ thống", role=Role.ADMIN, password_hash=pw),
             User(phone="0900000001", name="Trần Thị Thu Hà", role=Role.COMMUNE_OFFICER,
                  area_id=commune.id, password_hash=pw),
             User(phone="0900000009", name="Nguyễn Hoàng Sở KH&CN", role=Role.PROVINCE_VIEWER,
                  area_id=commune.parent_id, password_hash=pw)]
    fixed = {(0, 0): "0900000002", (0, 1): "0900000003", (1, 1): "0900000004"}
    serial = 10
    members_by_team: dict[int, list[User]] = {}
    for t, team in enumerate(teams):
        for m in range(5):
            phone = fixed.get((t, m))
            if phone is None:
                phone, serial = f"09000000{serial:02d}", serial + 1
            user = User(phone=phone, name=_name(rng), role=Role.LEADER if m == 0 else Role.MEMBER,
                        team_id=team.id, password_hash=pw)
            users.append(user)
            members_by_team.setdefault(team.id, []).append(user)
    db.session.add_all(users)
    db.session.flush()

    services = {s.code: s for s in db.session.scalars(select(Service))}
    today = vietnam_today()
    start_local = datetime.combine(today - timedelta(days=DAYS + 10), time(8, 0))
    household_rows: list[dict] = []
    visit_rows: list[dict] = []
    assist_rows: list[dict] = []
    for (_vname, prefix), village, team in zip(VILLAGES, villages, teams, strict=True):
        for n in range(1, households_per_village + rng.randint(-6, 6) + 1):
            total = rng.choices([1, 2, 3, 4, 5, 6, 7, 8], [6, 14, 22, 26, 16, 9, 5, 2])[0]
            r14 = max(1, round(total * rng.uniform(0.6, 0.95)))
            r14 = min(r14, total)
            r18 = min(r14, max(1, round(r14 * rng.uniform(0.85, 1.0))))
            head = _name(rng) if rng.random() < 0.5 else None
            hh = {
                "id": _uuid(rng), "village_id": village.id, "code": f"{prefix}-{n:03d}",
                "head_name": head, "head_phone": f"09{rng.randint(10000000, 99999999)}" if head and rng.random() < 0.5 else None,
                "consent_at": from_local(start_local) if head else None,
                "consent_by_id": members_by_team[team.id][0].id if head else None,
                "residents_total": total, "residents_14plus": r14, "residents_18plus": r18,
                "smartphones": rng.randint(0, r18), "created_at": from_local(start_local),
                "updated_at": from_local(start_local), "created_by_id": members_by_team[team.id][0].id,
                "last_visited_at": None, "last_outcome": None, "visit_count": 0,
            }
            hh["search_text"] = fold(f"{hh['code']} {head or ''}")
            household_rows.append(hh)
            _demo_visits(rng, hh, team, members_by_team[team.id], services, today, visit_rows, assist_rows)
    db.session.execute(insert(Household), household_rows)
    db.session.execute(insert(Visit), visit_rows)
    db.session.execute(insert(Assistance), assist_rows)
    rebuild_counters()  # bulk rows skip the visit operations; the counters are recomputed once
    _demo_qr_and_campaign(users, teams, commune, services, today)
    db.session.commit()
    return {"households": len(household_rows), "visits": len(visit_rows), "users": len(users)}


def _demo_qr_and_campaign(users, teams, commune, services, today) -> None:
    """What a visitor tries on a phone: every member's badge, each team's join poster, the door
    stickers of the first village, a campaign running this week and next, and two notices from the commune."""
    now = utcnow()
    officer = next(u for u in users if u.role == Role.COMMUNE_OFFICER)
    for user in users:
        if user.team_id is not None:
            issue_badge(None, user, now)
    for team in teams:
        leader = next(u for u in users if u.team_id == team.id and u.role == Role.LEADER)
        rotate_invite(leader, team, now)
    prepare_stickers(officer, teams[0].village, now)
    campaign = create_campaign(officer, commune, CampaignData(
        name="Tháng cao điểm VNeID và thanh toán không dùng tiền mặt", starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
        points={services[code].id: p for code, p in (("vneid", 3), ("payment", 2), ("safety", 1)) if code in services}))
    db.session.flush()
    post_notice(officer, commune, NoticeData(
        title="Họp tổ trưởng các tổ CNSCĐ chiều thứ Sáu",
        body="14 giờ tại hội trường UBND xã. Mang theo danh sách hộ chưa thăm và các phiếu giấy đã ghi trong tuần."))
    post_notice(officer, commune, NoticeData(
        title="Tuần cao điểm: ưu tiên hộ có người từ 14 tuổi chưa kích hoạt VNeID",
        body="Nhắc người dân không cung cấp mã OTP cho bất kỳ ai, kể cả người xưng là cán bộ.",
        campaign_id=campaign.id))


def _demo_visits(rng, hh, team, members, services, today, visit_rows, assist_rows) -> None:
    if rng.random() > 0.78:
        return
    done: dict[str, int] = {}
    day = rng.randint(1, DAYS)
    for _attempt in range(rng.choice([1, 1, 1, 2, 2, 3])):
        if day < 0:
            break
        when_local = datetime.combine(today - timedelta(days=day), time(rng.randint(7, 19), rng.randint(0, 59)))
        when = from_local(when_local)
        if when > utcnow():
            break
        outcome = rng.choices(OUTCOMES, [68, 17, 4, 11])[0]
        counts = {}
        if outcome == "helped":
            caps = {code: eligible(s, household_stats(SimpleNamespace(deleted_at=None, **hh)))
                    for code, s in services.items()}
            wish = {"vneid": 0.8, "ehealth": 0.5, "vssid": 0.35, "payment": 0.45, "safety": 0.7,
                    "skills5": 0.3, "dvc": 0.25, "etax": 0.1, "email": 0.2, "ecommerce": 0.1, "esign": 0.05}
            for code, p in wish.items():
                if code not in services or rng.random() > p:
                    continue
                cap = caps[code]
                left = cap - done.get(code, 0) if cap is not None else hh["residents_total"]
                if left > 0:
                    counts[code] = rng.randint(1, left)
            if not counts:
                counts["safety"] = 1 if done.get("safety", 0) < hh["residents_total"] else 0
                counts = {k: v for k, v in counts.items() if v}
                if not counts:
                    outcome = "declined"
        vid = _uuid(rng)
        visit_rows.append({"id": vid, "household_id": hh["id"], "member_id": rng.choice(members).id,
                           "team_id": team.id, "visited_at": when,
                           "received_at": min(when + timedelta(minutes=rng.randint(0, 90)), utcnow()),
                           "outcome": outcome, "note": None})
        for code, count in counts.items():
            done[code] = done.get(code, 0) + count
            assist_rows.append({"visit_id": vid, "service_id": services[code].id, "count": count})
        hh["last_visited_at"], hh["last_outcome"] = when, outcome
        hh["visit_count"] += 1
        day -= rng.randint(2, 10)

