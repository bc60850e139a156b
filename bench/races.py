"""Races over one household's cap, under a real gunicorn with several workers (issue 14).

Two members of one team act on the same household at the same instant (a barrier releases both
requests together), each round on a fresh household of 3 residents, all aged 14+ (VNeID cap 3):

  form+form    both post the visit form (/households/<id>/visits/new, CSRF token, fresh client id)
  form+batch   one posts the form, the other sends a sync batch (/api/v1/visits/batch)
  batch+batch  both send a sync batch
  edit+visit   one lowers the household's residents aged 14+ from 3 to 1 (the household form) while
               the other records 2 VNeID (the form and the batch in turn)
  resend       one member sends the same visit (same client id, same content) twice at once, from two
               connections: form+form, batch+batch and form+batch in turn (a double tap, an outbox
               retry after a dropped answer); it must be stored once

Visit rounds alternate between 2 + 2 VNeID (over the cap: exactly one may be saved) and 2 + 1 (within
it: both must be saved, and visit_count must reach 2). Afterwards, read from the database: households
whose counts exceed their eligible residents, and households whose visit_count differs from their
live visits (a lost update). Nothing is mocked: gunicorn (the production gunicorn.conf.py), the app,
the database.

    .venv/bin/python bench/races.py --db sqlite [--rounds 40] [--workers 3]
    .venv/bin/python bench/races.py --db pg --pg-url postgresql://postgres@127.0.0.1:55441/postgres

tests/test_races.py runs the same rounds (40 of each) on the test database of either engine.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the app's package beside bench/
from bench.common import free_port, fresh_database  # noqa: E402
from fieldapp.timeutil import UTC_OFFSET  # noqa: E402

OUT = ROOT / "bench" / "out"
SCENARIOS = ("form+form", "form+batch", "batch+batch", "edit+visit", "resend")
RESIDENTS = 3  # every resident aged 14+: the VNeID cap
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- A tiny HTTP client: one keep-alive connection and its cookies ------------------------------

class Client:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn recycled the worker (max_requests) or dropped an idle keep-alive.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, data.decode("utf-8", "replace")

    def form_post(self, path: str, fields: dict):
        body = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, phone: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        token = CSRF_RE.search(page).group(1)
        body = urllib.parse.urlencode({"phone": phone, "password": password, "csrf_token": token}).encode()
        status, _page = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"sign-in of {phone} answered {status}")
        status, session = self.request("GET", "/api/v1/session")
        self.csrf = json.loads(session)["csrf_token"]  # the session's token: forms and the API accept it

    # The three doors a race goes through. Each answers "saved" or "refused" (anything else raises).

    def form_visit(self, household_id: str, vneid: int, visit_id: str | None = None,
                   at: datetime | None = None) -> str:
        """The visit form; a resend (same client id) is answered like a first send (302), so "saved"."""
        local = ((at or datetime.now(UTC)) + UTC_OFFSET).strftime("%Y-%m-%dT%H:%M")
        status, page = self.form_post(f"/households/{household_id}/visits/new", {
            "client_id": visit_id or str(uuid.uuid4()), "outcome": "helped", "visited_at": local, "note": "",
            "svc_vneid": str(vneid)})
        return _answer(status, page, {302: "saved", 422: "refused"})

    def batch_visit(self, household_id: str, vneid: int, visit_id: str | None = None,
                    at: datetime | None = None) -> str:
        body = json.dumps({"households": [], "visits": [{
            "id": visit_id or str(uuid.uuid4()), "household_id": household_id, "outcome": "helped",
            "visited_at": (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "assists": [{"service": "vneid", "count": vneid}]}]}).encode()
        status, text = self.request("POST", "/api/v1/visits/batch", body,
                                    {"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        if status != 200:
            raise RuntimeError(f"batch answered {status}: {text[:300]}")
        result = json.loads(text)["results"][0]
        return {"created": "saved", "duplicate": "duplicate", "rejected": "refused"}[result["status"]]

    def edit_household(self, household_id: str, code: str, residents_14plus: int) -> str:
        status, page = self.form_post(f"/households/{household_id}/edit", {
            "code": code, "residents_total": str(RESIDENTS), "residents_14plus": str(residents_14plus),
            "residents_18plus": str(residents_14plus), "smartphones": "0"})
        return _answer(status, page, {302: "saved", 422: "refused"})


def _answer(status: int, page: str, meaning: dict[int, str]) -> str:
    if status not in meaning:
        raise RuntimeError(f"answered {status}: {page[:300]}")
    return meaning[status]


# --- One round: two requests released together ------------------------------------------------

@dataclass
class Tally:
    rounds: int = 0
    answers: dict[str, int] = field(default_factory=dict)  # e.g. "over: saved+refused" -> rounds
    unexpected: list[str] = field(default_factory=list)     # a round whose answers break the rules


def _together(*calls):
    """Run the calls at the same instant (one thread each, released by a barrier); their answers."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            answers[i] = call()
        except Exception as err:  # noqa: BLE001 - reported as the round's answer
            answers[i] = f"error: {err}"
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def race(scenario: str, a: Client, b: Client, households: list[tuple[str, str]], a2: Client | None = None) -> Tally:
    """Every round on its own household ((id, code) pairs, one per round). a2: a second connection
    signed in as a (for the resends)."""
    tally = Tally()
    for n, (hid, code) in enumerate(households):
        if scenario == "resend":
            vid, at = str(uuid.uuid4()), datetime.now(UTC).replace(second=0, microsecond=0)
            first, second = ((a.form_visit, a2.form_visit), (a.batch_visit, a2.batch_visit),
                             (a.form_visit, a2.batch_visit))[n % 3]
            answers = _together(lambda: first(hid, 2, vid, at), lambda: second(hid, 2, vid, at))
            key = "resend: " + "+".join(answers)
            tally.answers[key] = tally.answers.get(key, 0) + 1
            tally.rounds += 1
            if any(x not in ("saved", "duplicate") for x in answers) or answers.count("duplicate") > 1:
                tally.unexpected.append(f"round {n} on {hid}: {answers}")
            continue
        over = n % 2 == 0  # 2 + 2 > 3 (one must be refused), else 2 + 1 (both must be saved)
        second = 2 if over else 1
        if scenario == "form+form":
            calls = (lambda: a.form_visit(hid, 2), lambda: b.form_visit(hid, second))
        elif scenario == "form+batch":
            calls = (lambda: a.form_visit(hid, 2), lambda: b.batch_visit(hid, second))
        elif scenario == "batch+batch":
            calls = (lambda: a.batch_visit(hid, 2), lambda: b.batch_visit(hid, second))
        else:
            over = True  # 2 VNeID against a cap that drops to 1: the edit or the visit is refused
            visit = b.form_visit if n % 2 == 0 else b.batch_visit
            calls = (lambda: a.edit_household(hid, code, 1), lambda: visit(hid, 2))
        answers = _together(*calls)
        key = ("over" if over else "within") + ": " + "+".join(answers)
        tally.answers[key] = tally.answers.get(key, 0) + 1
        tally.rounds += 1
        ok = sorted(answers) == (["refused", "saved"] if over else ["saved", "saved"])
        if not ok:
            tally.unexpected.append(f"round {n} on {hid}: {answers}")
    return tally


# --- What the database says afterwards ---------------------------------------------------------

OVER_CAP_SQL = """
SELECT h.id FROM households h
JOIN visits v ON v.household_id = h.id AND v.deleted_at IS NULL
JOIN assistance a ON a.visit_id = v.id
JOIN services s ON s.id = a.service_id
WHERE h.id IN ({ids})
GROUP BY h.id, s.id, s.eligibility, h.residents_total, h.residents_14plus, h.residents_18plus
HAVING SUM(a.count) > CASE s.eligibility WHEN 'age14' THEN h.residents_14plus WHEN 'age18' THEN h.residents_18plus
                                         WHEN 'all' THEN h.residents_total WHEN 'household' THEN 1
                                         ELSE SUM(a.count) END
"""
SAVED_TWICE_SQL = """
SELECT v.household_id FROM visits v WHERE v.household_id IN ({ids}) GROUP BY v.household_id HAVING count(*) <> 1
"""
LOST_UPDATE_SQL = """
SELECT h.id FROM households h WHERE h.id IN ({ids}) AND h.visit_count <>
  (SELECT count(*) FROM visits v WHERE v.household_id = h.id AND v.deleted_at IS NULL)
"""


def verdict(engine, households: dict[str, list[tuple[str, str]]]) -> dict:
    """Households over a cap, households with a lost visit_count update, and resent visits not stored
    exactly once (checked in plain SQL, not with the app's own functions)."""
    from sqlalchemy import text
    ids = ", ".join(f"'{h}'" for rounds in households.values() for h, _code in rounds)
    resent = ", ".join(f"'{h}'" for h, _code in households.get("resend", [])) or "''"
    with engine.connect() as conn:
        over = sorted({r[0] for r in conn.execute(text(OVER_CAP_SQL.format(ids=ids)))})
        lost = sorted(r[0] for r in conn.execute(text(LOST_UPDATE_SQL.format(ids=ids))))
        twice = sorted(r[0] for r in conn.execute(text(SAVED_TWICE_SQL.format(ids=resent))))
    return {"over_cap": over, "lost_updates": lost, "resend_not_once": twice}


# --- The server ----------------------------------------------------------------------------------

class Gunicorn:
    """gunicorn -c gunicorn.conf.py wsgi:app on a free port, against the given database."""

    def __init__(self, url: str, workers: int, log: Path, extra_env: dict | None = None):
        self.port = free_port()
        instance = log.parent / "instance"  # its own: no env file of the developer's instance/ is read
        instance.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDAPP_", "GUNICORN_", "PROMETHEUS_"))}
        env.update({"DATABASE_URL": url, "FIELDAPP_SECRET_KEY": secrets.token_hex(32),
                    "FIELDAPP_INSTANCE_PATH": str(instance), "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESSLOG": str(log.with_suffix(".access")),
                    "PYTHONPATH": str(ROOT), **(extra_env or {})})
        env.pop("SQLALCHEMY_DATABASE_URI", None)
        self.log = log
        self._out = open(log, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                      "wsgi:app"], env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT)
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every worker answers (a request goes to whichever worker accepts first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.log.read_text()[-2000:]}")
            booted = self.log.read_text().count("Booting worker")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
            except OSError:
                ok = False
            if ok and booted >= self.workers:
                time.sleep(1.0)  # the last worker to boot imports the app after its "Booting" line
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        finally:
            self._out.close()

    def errors(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if "Traceback" in line or "ERROR" in line]


def run_races(url: str, households: dict[str, list[tuple[str, str]]], phones: tuple[str, str], password: str,
              workers: int, log: Path) -> dict[str, Tally]:
    server = Gunicorn(url, workers, log)
    try:
        server.wait_ready()
        a, a2, b = Client(server.port), Client(server.port), Client(server.port)
        a.sign_in(phones[0], password)
        a2.sign_in(phones[0], password)
        b.sign_in(phones[1], password)
        return {scenario: race(scenario, a, b, rounds, a2) for scenario, rounds in households.items()}
    finally:
        server.stop()


# --- Standalone: a fresh database, a team of two, households for every round ----------------------

def seed(url: str, per_scenario: int) -> tuple[dict[str, list[tuple[str, str]]], tuple[str, str], str]:
    """Migrate a fresh database and add one commune, village, team, two members and the households."""
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.areas.operations import _place, create_village
    from fieldapp.extensions import db
    from fieldapp.models import Area, AreaLevel, Role, Team, User
    from fieldapp.passwords import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "seed", "TESTING": True})
    password = "race-pass-1"
    with app.app_context(), app.test_request_context():
        upgrade()
        province = Area(level=AreaLevel.PROVINCE, code="52")
        province.set_name("Gia Lai")
        _place(province, None)
        commune = Area(level=AreaLevel.COMMUNE, code="21952")
        commune.set_name("Xã Tuy Phước")
        _place(commune, province)
        village = create_village(None, commune, "Thôn Vinh Thạnh 1")
        team = Team(village=village, name="Tổ CNSCĐ Thôn Vinh Thạnh 1")
        db.session.add(team)
        db.session.flush()
        pw = hash_password(password)
        users = [User(phone=p, name=n, role=r, team_id=team.id, password_hash=pw)
                 for p, n, r in (("0900000002", "Tổ trưởng", Role.LEADER), ("0900000003", "Thành viên", Role.MEMBER))]
        db.session.add_all(users)
        db.session.flush()
        households = add_households(users[0], village, per_scenario)
        db.session.commit()
        db.engine.dispose()
    return households, ("0900000002", "0900000003"), password


def add_households(actor, village, per_scenario: int) -> dict[str, list[tuple[str, str]]]:
    """per_scenario fresh households (3 residents, all 14+) for each scenario: {scenario: [(id, code)]}."""
    from fieldapp.households.operations import HouseholdData, create_household
    from fieldapp.timeutil import utcnow
    out = {}
    for scenario in SCENARIOS:
        out[scenario] = []
        for n in range(per_scenario):
            code = f"R-{scenario.replace('+', '')}-{n:03d}-{secrets.token_hex(2)}"
            h = create_household(actor, village, HouseholdData(code=code, residents_total=RESIDENTS,
                                                               residents_14plus=RESIDENTS,
                                                               residents_18plus=RESIDENTS))
            h.created_at = utcnow() - timedelta(days=30)
            out[scenario].append((h.id, code))
    return out


def report(db_name: str, url: str, tallies: dict[str, Tally], found: dict, workers: int) -> str:
    lines = [f"# races on {db_name} ({url.split('@')[-1]}), gunicorn {workers} sync workers, "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.2f}",
             "| scenario | rounds | answers | rounds breaking the rules |", "|---|---:|---|---:|"]
    for scenario, t in tallies.items():
        answers = "; ".join(f"{k} ×{v}" for k, v in sorted(t.answers.items()))
        lines.append(f"| {scenario} | {t.rounds} | {answers} | {len(t.unexpected)} |")
    lines.append(f"households over a cap: {len(found['over_cap'])}; lost visit_count updates: "
                 f"{len(found['lost_updates'])} (of {sum(t.rounds for t in tallies.values())} households); "
                 f"resent visits not stored exactly once: {len(found['resend_not_once'])}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:55441/postgres",
                        help="a PostgreSQL server's database; fieldapp_races is (re)created beside it")
    parser.add_argument("--rounds", type=int, default=40, help="rounds per scenario (one household each)")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = fresh_database(args.db, args.pg_url, "fieldapp_races", OUT / "races.sqlite")
    households, phones, password = seed(url, args.rounds)
    tallies = run_races(url, households, phones, password, args.workers, OUT / f"races-{args.db}.log")
    from sqlalchemy import create_engine
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    found = verdict(engine, households)
    engine.dispose()
    print(report(args.db, url, tallies, found, args.workers))
    for t in tallies.values():
        for line in t.unexpected[:5]:
            print("  ", line)


if __name__ == "__main__":
    main()
