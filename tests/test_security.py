"""Access hardening: password policy and change, sign-in throttling, sessions, CSRF, headers."""
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from fieldapp.extensions import csrf, db
from fieldapp.models import AuditLog, LoginAttempt, User
from fieldapp.passwords import check_password, common_passwords, password_problem
from tests.conftest import csrf_from

MEMBER = "0900000003"
PASSWORD = "secret-pass-1"


# --- Password policy ---------------------------------------------------------------------------

def test_password_policy(app):
    assert len(common_passwords()) >= 1000
    assert "ít nhất 8 ký tự" in password_problem("abc-123")
    for common in ("12345678", "123456789", "password", "matkhau123", "abc12345", "demo1234", "Password1",
                   "iloveyou", "anhyeuem", "11111111", "qwerty123"):
        assert "quá phổ biến" in password_problem(common), common
    assert "số điện thoại" in password_problem("0912345678", phone="0912345678")
    assert "số điện thoại" in password_problem("x912345678y", phone="0912345678")
    assert "tối đa" in password_problem("a" * 150 + "b" * 51)
    assert password_problem("ruộng lúa xanh 2026", phone="0912345678") is None
    assert password_problem("con-trau-vang") is None


def test_create_admin_refuses_a_common_password(app):
    r = app.test_cli_runner().invoke(args=["create-admin", "--phone", "0911222444", "--name", "A"],
                                     input="12345678\n12345678\n")
    assert r.exit_code != 0 and "quá phổ biến" in r.output
    assert db.session.scalar(select(User).where(User.phone == "0911222444")) is None


def test_demo_seed_does_not_go_through_the_policy():
    """demo1234 is refused for new passwords, so seeding must write hashes directly."""
    source = (Path(__file__).resolve().parent.parent / "fieldapp" / "demo.py").read_text()
    assert "password_problem" not in source and "hash_password(DEMO_PASSWORD)" in source


# --- Changing one's password ---------------------------------------------------------------------

def _change(client, current=PASSWORD, new="ruộng lúa xanh", confirm=None):
    return client.post("/account/password", data={"current": current, "new": new,
                                                  "confirm": new if confirm is None else confirm})


def test_change_password_refusals_keep_the_password(client, world, auth):
    auth.login(MEMBER)
    assert client.get("/account/password").status_code == 200
    r = _change(client, current="wrong-one-1")
    assert r.status_code == 422 and "Mật khẩu hiện tại không đúng." in r.text
    r = _change(client, new="12345678")
    assert r.status_code == 422 and "quá phổ biến" in r.text
    r = _change(client, new="short")
    assert r.status_code == 422 and "ít nhất 8 ký tự" in r.text
    r = _change(client, new="ruộng lúa xanh", confirm="ruộng lúa vàng")
    assert r.status_code == 422 and "không giống nhau" in r.text
    r = _change(client, new=PASSWORD)
    assert r.status_code == 422 and "phải khác" in r.text
    db.session.refresh(world.users["member"])
    assert check_password(world.users["member"].password_hash, PASSWORD)
    assert world.users["member"].session_version == 1


def test_change_password_signs_out_other_phones_and_keeps_this_one(app, client, world, auth):
    other_phone = app.test_client()
    other_phone.post("/login", data={"phone": MEMBER, "password": PASSWORD, "remember": "y"})
    assert other_phone.get("/visits/mine").status_code == 200
    auth.login(MEMBER)
    r = _change(client)
    assert r.status_code == 302
    assert client.get("/visits/mine").status_code == 200  # this session carries on
    assert other_phone.get("/visits/mine").status_code == 302  # the other one is signed out
    other_phone.delete_cookie("session")
    assert other_phone.get("/visits/mine").status_code == 302  # and its remember-me cookie is dead
    member = db.session.get(User, world.users["member"].id)
    db.session.refresh(member)
    assert check_password(member.password_hash, "ruộng lúa xanh") and member.session_version == 2
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "password_change")).one()
    assert entry.actor_id == member.id and entry.before is None and entry.after is None
    auth.logout()
    assert auth.login(MEMBER).status_code == 422
    assert auth.login(MEMBER, "ruộng lúa xanh").status_code == 302


def test_change_password_requires_sign_in(client):
    r = client.get("/account/password")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- Sign-in throttling (issue 17.6: slow the guesser, never lock the owner out) ------------------------

ATTACKER = {"REMOTE_ADDR": "198.51.100.66"}


def _fail(client, phone=MEMBER, **kw):
    return client.post("/login", data={"phone": phone, "password": "wrong-password"}, **kw)


def _sign_in(client, phone=MEMBER, **kw):
    return client.post("/login", data={"phone": phone, "password": PASSWORD}, **kw)


def _age_failures(minutes=0, seconds=0):
    """Move every recorded failure back in time (instead of waiting). In Python: SQLite has no
    datetime arithmetic, `at - interval` there is a number."""
    for row in db.session.scalars(select(LoginAttempt)):
        row.at -= timedelta(minutes=minutes, seconds=seconds)
    db.session.commit()


def test_ten_failures_block_that_client_for_that_account_for_fifteen_minutes(client, world, auth):
    for _ in range(10):
        assert _fail(client).status_code == 422
    r = auth.login(MEMBER)  # even the right password is refused from this client now
    assert r.status_code == 429
    assert "Đã nhập sai quá nhiều lần. Vui lòng thử lại sau" in r.text
    assert 800 <= int(r.headers["Retry-After"]) <= 900
    assert client.get("/visits/mine").status_code == 302
    assert auth.login("0900000002").status_code == 302  # another account from the same client is fine
    auth.logout()
    _age_failures(minutes=16)  # fifteen minutes later this client may try again
    assert auth.login(MEMBER).status_code == 302


def test_someone_who_knows_the_number_cannot_lock_the_owner_out(app, world):
    owner = app.test_client()
    assert _sign_in(owner).status_code == 302  # the owner's own phone: now a trusted device of the account
    owner.post("/logout")
    attacker = app.test_client()
    for _ in range(40):
        _fail(attacker, environ_base=ATTACKER)
    assert _sign_in(attacker, environ_base=ATTACKER).status_code == 429
    for n in range(6):  # and from other addresses, waiting out each delay: the account's delay grows to 60 s
        _age_failures(seconds=60)
        assert _fail(attacker, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code == 422
    # The owner's phone is not slowed at all, even from the attacker's address (the same NAT).
    assert _sign_in(owner, environ_base=ATTACKER).status_code == 302
    # A new phone of the owner waits a growing delay, never more than LOGIN_MAX_DELAY_SECONDS.
    new_phone = app.test_client()
    r = _sign_in(new_phone, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= app.config["LOGIN_MAX_DELAY_SECONDS"]
    _age_failures(seconds=app.config["LOGIN_MAX_DELAY_SECONDS"])
    assert _sign_in(new_phone, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302


def test_the_accounts_delay_doubles_with_each_failure_from_any_address(app, world):
    from fieldapp import throttle
    client = app.test_client()
    for n in range(10):
        assert _fail(client, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code == 422
    waits = []
    for n in range(10, 18):
        with app.test_request_context():  # the delay as the rule computes it (no race with the clock)
            last = db.session.scalar(select(func.max(LoginAttempt.at)))
            until = throttle.blocked_until(throttle.Attempt(MEMBER, f"192.0.2.{n}"))
        waits.append(round((until - last).total_seconds()))
        _age_failures(seconds=waits[-1])
        assert _fail(client, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code == 422
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    r = _fail(client, environ_base={"REMOTE_ADDR": "192.0.2.99"})  # within the delay: refused unread
    assert r.status_code == 429 and 50 <= int(r.headers["Retry-After"]) <= 60


def test_success_clears_that_clients_counter(client, world, auth):
    for _ in range(9):
        _fail(client)
    assert auth.login(MEMBER).status_code == 302
    auth.logout()
    for _ in range(9):
        assert _fail(client).status_code in (422, 429)  # the account's delay still grows meanwhile
        _age_failures(seconds=60)
    _age_failures(seconds=60)
    assert auth.login(MEMBER).status_code == 302


def test_thirty_failures_from_one_client_slow_it_but_block_no_one(app, client, world, auth):
    trusted = app.test_client()
    assert _sign_in(trusted).status_code == 302
    trusted.post("/logout")
    for n in range(30):
        assert _fail(client, phone=f"09110000{n // 10:02d}").status_code == 422
    for n in range(5):  # waiting out each delay: it grows to 32 s
        _age_failures(seconds=60)
        assert _fail(client, phone=f"091100009{n}").status_code == 422
    r = auth.login("0900000002")  # the next untrusted try from that address waits
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= app.config["LOGIN_MAX_DELAY_SECONDS"]
    assert _sign_in(trusted).status_code == 302  # a trusted phone behind the same address is not slowed
    other_client = app.test_client()
    assert _sign_in(other_client, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302
    _age_failures(seconds=app.config["LOGIN_MAX_DELAY_SECONDS"])
    assert auth.login("0900000002").status_code == 302


def test_a_forged_or_foreign_device_cookie_is_not_trusted(app, world):
    from fieldapp.throttle import DEVICE_COOKIE
    leader = app.test_client()
    assert _sign_in(leader, phone="0900000002").status_code == 302  # a device trusted for the leader only
    leader.post("/logout")
    for _ in range(10):
        _fail(leader, phone=MEMBER)
    assert _sign_in(leader).status_code == 429  # not the member's device: the pair limit applies
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, "eyJkIjoieCIsInUiOlszXX0.forged")
    for _ in range(10):
        _fail(forged, environ_base=ATTACKER)
    assert _sign_in(forged, environ_base=ATTACKER).status_code == 429


def test_requests_forwarded_by_an_unconfigured_proxy_are_warned_about_once(make_app, caplog):
    app = make_app(PROXY_FIX=0)
    c = app.test_client()
    with caplog.at_level("WARNING"):
        c.get("/login")
        c.get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
        c.get("/login", headers={"X-Forwarded-For": "203.0.113.8"})
    warnings = [r for r in caplog.records if "FIELDAPP_PROXY_FIX=0" in r.getMessage()]
    assert len(warnings) == 1 and "FIELDAPP_PROXY_FIX=1" in warnings[0].getMessage()
    with caplog.at_level("WARNING"):
        make_app(PROXY_FIX=1).test_client().get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
    assert len([r for r in caplog.records if "FIELDAPP_PROXY_FIX=0" in r.getMessage()]) == 1


def test_throttle_is_shared_by_workers_and_old_rows_are_purged(make_app, world, app):
    """Two app instances on one database stand for two gunicorn workers."""
    other = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    a, b = app.test_client(), other.test_client()
    for n in range(10):
        assert _fail(a if n % 2 else b).status_code == 422
    assert a.post("/login", data={"phone": MEMBER, "password": PASSWORD}).status_code == 429
    assert b.post("/login", data={"phone": MEMBER, "password": PASSWORD}).status_code == 429
    _age_failures(minutes=61)
    _fail(a, phone="0911999999")
    keys = db.session.scalars(select(LoginAttempt.key)).all()
    assert sorted(keys) == ["ip:127.0.0.1", "pair:0911999999|127.0.0.1", "phone:0911999999"]  # old rows gone


def test_wrong_current_password_counts_towards_the_lock(client, world, auth):
    auth.login(MEMBER)
    for _ in range(10):
        assert _change(client, current="wrong-one-1").status_code == 422
    assert _change(client).status_code == 429
    db.session.refresh(world.users["member"])
    assert check_password(world.users["member"].password_hash, PASSWORD)


# --- Sessions and remember-me cookies ----------------------------------------------------------------

def _remembered(app):
    """A phone that signed in with "remember me" and then lost its session cookie (browser restart)."""
    c = app.test_client()
    r = c.post("/login", data={"phone": MEMBER, "password": PASSWORD, "remember": "y"})
    assert r.status_code == 302 and c.get_cookie("remember_token") is not None
    c.delete_cookie("session")
    return c


def test_remember_me_cookie_works_until_sign_out_elsewhere(app, client, world, auth):
    phone = _remembered(app)
    assert phone.get("/visits/mine").status_code == 200
    phone.delete_cookie("session")
    auth.login(MEMBER)
    auth.logout()  # signing out anywhere ends every session of the account
    assert phone.get("/visits/mine").status_code == 302


def test_remember_me_cookie_dies_on_password_change(app, client, world, auth):
    phone = _remembered(app)
    auth.login(MEMBER)
    assert _change(client).status_code == 302
    assert phone.get("/visits/mine").status_code == 302


def test_remember_me_cookie_dies_on_deactivation(app, world):
    phone = _remembered(app)
    member = world.users["member"]
    member.active = False
    member.session_version += 1
    db.session.commit()
    assert phone.get("/visits/mine").status_code == 302
    member.active = True  # reactivated later: the old cookie stays dead
    db.session.commit()
    phone.delete_cookie("session")
    assert phone.get("/visits/mine").status_code == 302


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_cookie_flags_over_http(client, world):
    r = client.post("/login", data={"phone": MEMBER, "password": PASSWORD, "remember": "y"})
    cookies = _set_cookies(r)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]
    assert "Strict-Transport-Security" not in r.headers


def test_cookie_flags_and_hsts_over_https(make_app):
    app = make_app(HTTPS=True)
    with app.app_context():
        from tests.factories import build_world
        build_world()
    c = app.test_client()
    r = c.post("/login", data={"phone": MEMBER, "password": PASSWORD, "remember": "y"},
               base_url="https://localhost")
    cookies = _set_cookies(r)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_proxy_the_forwarded_client_and_scheme_are_used(make_app):
    app = make_app(PROXY_FIX=1)
    c = app.test_client()
    r = c.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    assert "Strict-Transport-Security" in r.headers
    with app.app_context():
        c.post("/login", data={"phone": "0911000000", "password": "wrong-password"},
               headers={"X-Forwarded-For": "203.0.113.7"})
        assert "ip:203.0.113.7" in db.session.scalars(select(LoginAttempt.key)).all()
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


# --- CSRF ----------------------------------------------------------------------------------------------

def test_no_view_is_exempt_from_csrf(app):
    assert not csrf._exempt_views and not csrf._exempt_blueprints


def test_csrf_is_enforced_on_sign_in_sign_out_and_writes(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        h1 = world.households["h1"].id
    c = app.test_client()
    assert c.post("/login", data={"phone": MEMBER, "password": PASSWORD}).status_code == 400
    token = csrf_from(c.get("/login").text)
    assert c.post("/login", data={"phone": MEMBER, "password": PASSWORD, "csrf_token": token}).status_code == 302
    for path in ("/logout", f"/households/{h1}/delete", "/account/password"):
        r = c.post(path, data={"current": PASSWORD, "new": "ruộng lúa xanh", "confirm": "ruộng lúa xanh"})
        assert r.status_code == 400 and "mã bảo vệ" in r.text, path
    assert c.get("/visits/mine").status_code == 200  # still signed in, nothing deleted
    assert c.get(f"/households/{h1}").status_code == 200
    page = c.get(f"/households/{h1}").text
    r = c.post(f"/households/{h1}/delete", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302 and c.get(f"/households/{h1}").status_code == 404


# --- Headers and templates ------------------------------------------------------------------------------

def test_security_headers_everywhere(client, world, auth):
    auth.login(MEMBER)
    for path in ("/login", "/privacy", "/visits/mine", "/no-such-page", "/healthz", "/static/css/app.css"):
        r = client.get(path)
        csp = r.headers["Content-Security-Policy"]
        for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, (path, directive)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP


def test_templates_have_no_inline_script_or_style(repo_root):
    # A JSON data block (type="application/json") is never executed, so the CSP allows it.
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    for path in (repo_root / "templates").rglob("*.html"):
        text = path.read_text()
        assert not inline_script.search(text), path
        assert " style=" not in text and "<style" not in text, path
        assert not handler.search(text), path


def test_argon2id_at_the_owasp_cost_and_rehash_on_sign_in(make_app):
    from fieldapp.config import Config
    assert (Config.ARGON2_MEMORY_COST, Config.ARGON2_TIME_COST, Config.ARGON2_PARALLELISM) == (19456, 2, 1)
    app = make_app(ARGON2_MEMORY_COST=Config.ARGON2_MEMORY_COST, ARGON2_TIME_COST=Config.ARGON2_TIME_COST)
    with app.app_context():
        from tests.factories import build_world
        build_world()  # hashes made at the tests' cheap cost
        r = app.test_client().post("/login", data={"phone": MEMBER, "password": PASSWORD})
        assert r.status_code == 302
        stored = db.session.scalar(select(User.password_hash).where(User.phone == MEMBER))
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert check_password(stored, PASSWORD)


# --- Redirects after an action go back inside the app only (issue 17.3) ---------------------------------

HOSTILE_NEXT = ["/%09/127.0.0.2/x", "/%0d%0a/evil.example", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
                "/%5Cevil.example", "https://evil.example/x", "javascript:alert(1)", "%09//evil.example",
                " //evil.example", "/%0d%0aSet-Cookie:%20x=1", "/%E2%80%8B/evil.example", "http:/evil.example",
                "///evil.example", "/%2F/evil.example"]


def _location(response) -> str:
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def test_language_switch_never_redirects_off_site(client):
    for target in HOSTILE_NEXT:
        location = _location(client.get(f"/lang/vi?next={target}"))
        assert location == "/", (target, location)
    assert _location(client.get("/lang/en?next=/households/abc%3Fx")) == "/households/abc?x"
    assert _location(client.get("/lang/vi?next=/dashboard/3?from=2026-01-01%26to=2026-01-31")) \
        == "/dashboard/3?from=2026-01-01&to=2026-01-31"


def test_sign_in_never_redirects_off_site(app, world):
    for target in HOSTILE_NEXT:
        client = app.test_client()
        location = _location(client.post(f"/login?next={target}", data={"phone": MEMBER, "password": PASSWORD}))
        assert location == "/", (target, location)
    client = app.test_client()
    assert _location(client.post("/login?next=/visits/mine", data={"phone": MEMBER, "password": PASSWORD})) \
        == "/visits/mine"


def test_safe_next_is_one_helper():
    from fieldapp.web import safe_next
    assert safe_next(None) == "/" and safe_next("/a/b?c=1") == "/a/b?c=1"
    assert safe_next("/\t/x") == safe_next("/\r\n/x") == safe_next("//x") == safe_next("/\\x") == "/"
    assert safe_next("http://x", default="/login") == "/login"
