"""The files in deploy/ are the ones tested: the env template parses strictly, the systemd units pass
`systemd-analyze verify`, and the nginx site passes `nginx -t` and serves the app (forms on a port other
than 443, gzip, a masked access log). The units and the site are installed at another prefix than
/srv/fieldapp (this checkout) and nginx on free ports; nothing else in them is changed."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from fieldapp.settings import parse_env_file, settings_from
from tests.servers import database_url_of, free_port, gunicorn

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def tool(name: str, *candidates: str) -> str:
    """The tool, or a skip where it cannot exist; on CI (.ci/run installs it) a missing tool fails."""
    found = shutil.which(name) or next((c for c in candidates if os.access(c, os.X_OK)), None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing: .ci/run installs it")
    pytest.skip(f"{name} is not installed (apt-get install {name}); CI installs it")


def installed_here(text: str) -> str:
    return text.replace("/srv/fieldapp", str(ROOT))


def test_the_env_template_parses_strictly_and_names_only_known_settings():
    raw = parse_env_file(DEPLOY / "fieldapp.env.example")
    assert raw["FIELDAPP_PRODUCTION"] == "1" and raw["FIELDAPP_PROXY_FIX"] == "1" and raw["FIELDAPP_HTTPS"] == "1"
    settings = settings_from(raw)
    assert settings["PRODUCTION"] is True and settings["PROXY_FIX"] == 1 and settings["HTTPS"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://fieldapp@/fieldapp")
    for line in (DEPLOY / "fieldapp.env.example").read_text().splitlines():
        assert line.startswith("#") or "#" not in line, line  # no comment after a value


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = tool("systemd-analyze")
    units = sorted((DEPLOY / "systemd").iterdir())
    names = {u.name for u in units}
    for job in ("backup", "freeze-campaigns", "purge-personal-data", "webhooks"):
        assert {f"fieldapp-{job}.service", f"fieldapp-{job}.timer"} <= names
    for unit in units:
        (tmp_path / unit.name).write_text(installed_here(unit.read_text()))
        if unit.suffix == ".service":
            text = unit.read_text()
            assert "[Unit]" in text and "User=fieldapp" in text
            command = re.search(r"^ExecStart=(\S+)", text, re.M).group(1)
            assert command.startswith("/srv/fieldapp/.venv/bin/")
        else:
            assert "[Install]" in unit.read_text() and "WantedBy=timers.target" in unit.read_text()
    assert "[Install]" in (DEPLOY / "systemd" / "fieldapp.service").read_text()
    result = subprocess.run([analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_the_timers_run_commands_that_exist():
    commands = {re.search(r"flask --app fieldapp (\S+)", p.read_text()).group(1)
                for p in (DEPLOY / "systemd").glob("fieldapp-*.service")}
    assert commands == {"backup", "freeze-campaigns", "purge-personal-data", "deliver-webhooks"}
    from fieldapp import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert commands <= set(app.cli.list_commands(None))


def _nginx_site(tmp_path: Path, https_port: int, http_port: int, upstream: str) -> Path:
    """The shipped site with this machine's prefix, ports, upstream, a throwaway certificate and log folder."""
    openssl = tool("openssl")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = installed_here((DEPLOY / "nginx" / "fieldapp.conf").read_text())
    site = (site.replace("/etc/letsencrypt/live/fieldapp.example.vn/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/fieldapp.example.vn/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp_path}/")
            .replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl").replace("listen [::]:443 ssl http2;", "")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
            .replace("server 127.0.0.1:8000;", f"server {upstream};"))
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
daemon off;
worker_processes 1;
{"user root;" if os.getuid() == 0 else ""}
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    access_log off;
    include {tmp_path}/site.conf;
}}
""")
    return conf


def test_nginx_site_passes_nginx_t(tmp_path):
    nginx = tool("nginx", "/usr/sbin/nginx")
    conf = _nginx_site(tmp_path, free_port(), free_port(), "127.0.0.1:9")
    result = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_behind_the_nginx_site_on_another_port_forms_work_and_css_is_gzipped(make_app, tmp_path):
    """Issue 18: with `proxy_set_header Host $host` the port was dropped and every form POST failed the
    CSRF referrer check behind nginx on a port other than 443."""
    nginx = tool("nginx", "/usr/sbin/nginx")
    app = make_app()
    with app.app_context():
        from tests.factories import build_world
        build_world()
        from fieldapp.extensions import db
        db.session.remove()
    https_port, http_port = free_port(), free_port()
    with gunicorn(database_url_of(app), tmp_path / "instance", FIELDAPP_PROXY_FIX="1", FIELDAPP_HTTPS="1",
                  log=tmp_path / "gunicorn.log") as upstream:
        conf = _nginx_site(tmp_path, https_port, http_port, upstream.removeprefix("http://"))
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
        try:
            base = f"https://127.0.0.1:{https_port}"
            phone = requests.Session()
            phone.trust_env = False  # REQUESTS_CA_BUNDLE would override the throwaway certificate
            phone.verify = str(tmp_path / "cert.pem")
            for _ in range(50):
                try:
                    phone.get(base + "/healthz", timeout=2)
                    break
                except requests.ConnectionError:
                    import time
                    time.sleep(0.1)
            page = phone.get(f"{base}/login")
            assert page.status_code == 200
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
            r = phone.post(f"{base}/login", data={"phone": "0900000003", "password": "secret-pass-1",
                                                  "csrf_token": token},
                           headers={"Referer": f"{base}/login"}, allow_redirects=False)
            assert r.status_code == 302, r.text[:500]
            assert r.headers["Location"] in ("/", f"{base}/")
            assert "Secure" in r.headers["Set-Cookie"]
            css = phone.get(f"{base}/static/css/app.css", headers={"Accept-Encoding": "gzip"}, stream=True)
            assert css.status_code == 200 and css.headers.get("Content-Encoding") == "gzip"
            redirect = phone.get(f"http://127.0.0.1:{http_port}/login?next=/x", allow_redirects=False)
            assert redirect.status_code == 301
            assert redirect.headers["Location"] == "https://127.0.0.1/login?next=/x"  # to 443
            assert phone.get(f"{base}/metrics").status_code == 404  # not for the outside
            from fieldapp.models import OneTimeLogin  # noqa: F401  (a sign-in code in the log must be masked)
            code = "Qk1c0R8n3Fh2Xy9pLm4Zt7Vb6Ws5Aa1BbCcDdEeFfGg"
            phone.get(f"{base}/s/{code}?from=zalo")
            phone.get(f"{base}/villages/1?q=Nguyễn")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    log = (tmp_path / "fieldapp.access.log").read_text()
    assert code not in log and "Nguy" not in log and "zalo" not in log and "?" not in log
    assert '"GET /s/*** HTTP/1.1" 404' in log and '"POST /login HTTP/1.1" 302' in log
    # One request id from nginx to the app's log line of the same request.
    login_id = re.search(r'"POST /login HTTP/1.1" 302 \S+ \S+ ([0-9a-f]{32})$', log, re.M).group(1)
    app_lines = [line for line in (tmp_path / "gunicorn.log").read_text().splitlines() if login_id in line]
    assert len(app_lines) == 1 and '"path": "/login"' in app_lines[0] and '"status": 302' in app_lines[0]
