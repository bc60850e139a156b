"""What an operator sees: JSON logs (request id, real client IP, no personal data, tokens masked),
Prometheus metrics added up over gunicorn workers, Sentry without personal data; and a one-time
sign-in code that a log reader cannot use."""
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from prometheus_client.parser import text_string_to_metric_families

from fieldapp.extensions import db
from fieldapp.logpaths import loggable_path
from fieldapp.auth.one_time import create_one_time_login
from fieldapp.timeutil import utcnow
from tests.factories import build_world
from tests.servers import database_url_of, gunicorn
from tests.test_sync_bulk import BATCH, helped, visit


def test_logged_paths_have_no_query_and_no_token():
    token = "Qk1c0R8n3Fh2Xy9pLm4Zt7Vb6Ws5Aa1Bb2Cc3Dd4Ee"
    assert loggable_path(f"/s/{token}") == "/s/***"
    assert loggable_path(f"/join/{token}/sent") == "/join/***/sent"
    assert loggable_path("/villages/12/households?q=Nguyễn Văn Ba") == "/villages/12/households"
    assert loggable_path(f"/imports/confirm/{token}") == "/imports/confirm/***"
    assert loggable_path("/api/v1/areas/5/tally") == "/api/v1/areas/5/tally"


def _sign_in_code(world) -> str:
    _otl, token = create_one_time_login(world.users["leader"], world.users["member"], utcnow())
    db.session.commit()
    return token


def test_logs_of_real_requests_hold_no_code_no_search_and_the_real_client(make_app, tmp_path):
    """Issue 17, item 5: `GET /s/<code>` and `?q=<resident name>` were in the access log."""
    app = make_app()
    with app.app_context():
        world = build_world()
        token = _sign_in_code(world)
        village_id = world.village1.id
        db.session.remove()
    log = tmp_path / "gunicorn.log"
    with gunicorn(database_url_of(app), tmp_path / "instance", log=log, GUNICORN_ACCESSLOG="-",
                  FIELDAPP_PROXY_FIX="1") as base:
        phone = requests.Session()
        r = phone.get(f"{base}/s/{token}?from=zalo", headers={"X-Request-ID": "req-test-0001",
                                                              "X-Forwarded-For": "203.0.113.7"})
        assert r.status_code == 200 and r.headers["X-Request-ID"] == "req-test-0001"
        r = phone.get(f"{base}/villages/{village_id}?q=Nguyễn+Văn+Ba")
        assert r.headers["X-Request-ID"]
    text = log.read_text()
    assert token not in text and "Nguy" not in text and "zalo" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [entry for entry in lines if entry["logger"] == "fieldapp.access"]
    sign_in = next(entry for entry in access if entry["request_id"] == "req-test-0001")
    assert sign_in["path"] == "/s/***" and sign_in["status"] == 200 and sign_in["client_ip"] == "203.0.113.7"
    assert sign_in["method"] == "GET" and sign_in["duration_ms"] >= 0
    assert any(entry["path"] == f"/villages/{village_id}" for entry in access)
    # gunicorn's own access line, masked the same way.
    assert '"GET /s/*** HTTP/1.1" 200' in text


def test_a_code_seen_after_the_member_opened_it_cannot_be_used(make_app):
    """Issue 17, item 5: whoever reads a link (a log line, a photo of the screen) after the member opened it."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = build_world()
        token = _sign_in_code(world)
        member, reader = app.test_client(), app.test_client()
        page = member.get(f"/s/{token}")
        assert page.status_code == 200 and "signin_holder=" in page.headers["Set-Cookie"]
        assert "HttpOnly" in page.headers["Set-Cookie"] and "SameSite=Strict" in page.headers["Set-Cookie"]
        from tests.conftest import csrf_from
        stolen = reader.get(f"/s/{token}")
        assert stolen.status_code == 410 and "đã được mở trên một điện thoại khác" in stolen.text
        reader_csrf = csrf_from(reader.get("/login").text)
        r = reader.post(f"/s/{token}", data={"csrf_token": reader_csrf})
        assert r.status_code == 410 and reader.get("/").location.startswith("/login")
        r = member.post(f"/s/{token}", data={"csrf_token": csrf_from(page.text)})
        assert r.status_code == 302 and r.location == "/account/password"


def _samples(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_count_visits_refusals_batches_and_failed_sign_ins(client, auth, world, app):
    before = _samples(client.get("/metrics").text)
    assert auth.login("0900000003", "wrong-password").status_code == 422
    auth.login("0900000003")
    h1 = world.households["h1"]
    h1.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    r = client.post(BATCH, json={"visits": [helped(h1), visit(h1, outcome="no-such-outcome")]})
    assert [x["status"] for x in r.json["results"]] == ["created", "rejected"]
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    after = _samples(r.text)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)
    assert delta("fieldapp_visits_ingested_total", channel="sync") == 1
    assert delta("fieldapp_sync_records_refused_total", kind="visit") == 1
    assert delta("fieldapp_sign_in_failures_total", reason="refused") == 1
    assert delta("fieldapp_sync_batch_seconds_count") == 1
    # Only for the host itself (and Prometheus on it): another client gets a 404.
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404


def test_metrics_add_up_every_gunicorn_worker(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        build_world()
        db.session.remove()
    # As in deploy/systemd/fieldapp.service: a folder under /run/fieldapp that does not exist yet.
    with gunicorn(database_url_of(app), tmp_path / "instance", workers=2,
                  PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "run" / "metrics")) as base:
        for _ in range(8):  # a new connection each: gunicorn spreads them over both workers
            r = requests.post(f"{base}/login", data={"phone": "0900000003", "password": "wrong"},
                              headers={"Connection": "close"})
            assert r.status_code in (400, 422)  # CSRF is on: refused either way, counted only on 422
        totals = set()
        for _ in range(4):
            samples = _samples(requests.get(f"{base}/metrics", headers={"Connection": "close"}).text)
            totals.add(samples.get(("fieldapp_http_responses_total", (("status", "4xx"),))))
    assert totals == {8.0}  # every worker answers the sum of all


SENTRY_URL = "/s/" + "Qk1c0R8n3" + "Fh2Xy9pLm4Zt7Vb6Ws5Aa1Bb/boom?q=" + "Nguyễn"
SENTRY_COOKIE = "session=" + "secret-cookie"


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            import gzip
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli
            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_errors_go_to_sentry_without_personal_data(make_app):
    import sentry_sdk
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.received = []
    try:
        app = make_app(SENTRY_DSN=f"http://public@127.0.0.1:{server.server_port}/1", PROPAGATE_EXCEPTIONS=False)

        @app.get("/s/<token>/boom")
        def boom(token):
            raise RuntimeError("something broke")

        with app.app_context():
            r = app.test_client().get(SENTRY_URL, headers={"Cookie": SENTRY_COOKIE})
        assert r.status_code == 500
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init(dsn=None)
        server.shutdown()
    sent = b"".join(_Collector.received).decode("utf-8", "replace")
    assert "something broke" in sent
    # (The URL and cookie are built apart from these lines: Sentry sends the source lines around the error.)
    assert "Qk1c0R8n3" not in sent and "Nguy" not in sent and "q=" not in sent and "secret-cookie" not in sent
    assert "/s/***/boom" in sent
