"""What a member's phone downloads for the visit screen on first load, compressed.

Signs in with the test client on a throwaway migrated SQLite database, fetches the visit form
with Chrome's Accept-Encoding, then every asset the page references, the manifest and its
icons, the service worker and everything it precaches. Two figures per file: what the app
sends Chrome (Flask-Compress picks the encoding; static files are streamed, and it never
streams gzip) and gzip -6 of the same bytes, the conservative figure kept against the budget.
Measures, does not assert. Usage: .venv/bin/python bench/page_weight.py
"""
import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from fieldapp import create_app  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from tests.factories import PASSWORD, build_world  # noqa: E402

ASSET_RE = re.compile(r'<(?:link|script)\b[^>]*?(?:href|src)="(/[^"]+)"')
CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}
TEXT = ("text/", "application/javascript", "application/json", "application/manifest+json", "image/svg")


def measure() -> list[tuple[str, int, str, int, int, str]]:
    tmp = tempfile.mkdtemp()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                      "ARGON2_MEMORY_COST": 1024, "ARGON2_TIME_COST": 1})
    rows: list[tuple[str, int, str, int, int, str]] = []
    seen: set[str] = set()
    with app.app_context():
        upgrade()
        world = build_world()
        household_id = world.households["h1"].id
        client = app.test_client()
        client.post("/login", data={"phone": world.users["member"].phone, "password": PASSWORD})

        def get(url: str, why: str):
            if url in seen:
                return None
            seen.add(url)
            r = client.get(url, headers=CHROME)
            assert r.status_code == 200, (url, r.status_code)
            sent = len(r.get_data())
            encoding = r.headers.get("Content-Encoding", "none")
            body = client.get(url).get_data()  # identity, to know the raw size
            text = r.mimetype.startswith(TEXT)
            gz = len(gzip.compress(body, 6)) if text else len(body)
            rows.append((url, sent, encoding, len(body), gz, why))
            return body

        html = get(f"/households/{household_id}/visits/new", "the visit screen (HTML)")
        for url in ASSET_RE.findall(html.decode()):
            get(url, "referenced by the page")
        manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
        for icon in manifest["icons"]:
            get(icon["src"], "manifest icon")
        sw_text = get("/sw.js", "service worker").decode()
        shell = json.loads("[" + sw_text.split("var SHELL = [")[1].split("];")[0] + "]")
        for url in shell:
            get(url, "precached by the service worker")
        db.engine.dispose()
    return rows


def main() -> None:
    rows = measure()
    width = max(len(r[0]) for r in rows)
    print(f"| {'resource':<{width}} | {'raw':>6} | {'sent to Chrome':>16} | {'gzip -6':>7} | why |")
    print(f"|{'-' * (width + 2)}|-------:|-----------------:|--------:|-----|")
    for url, sent, encoding, raw, gz, why in rows:
        print(f"| {url:<{width}} | {raw:>6} | {f'{sent} ({encoding})':>16} | {gz:>7} | {why} |")
    raw, sent, gz = (sum(r[i] for r in rows) for i in (3, 1, 4))
    print(f"| {'TOTAL (bytes)':<{width}} | {raw:>6} | {sent:>16} | {gz:>7} | |")
    print(f"\nFirst load, gzip -6: {gz / 1024:.1f} KB (budget 60 KB); as sent to Chrome: {sent / 1024:.1f} KB.")


if __name__ == "__main__":
    main()
