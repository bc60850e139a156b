"""First load of a member's visit screen on a throttled slow 3G link, headless Chromium.

Serves the real app (wsgi:app) with gunicorn.conf.py on loopback, on a fresh demo database in
bench/out/, signs the member in at full speed, then throttles the page with the Chrome DevTools
Protocol (`Network.emulateNetworkConditions`: 400 kbit/s down and up, 400 ms latency) and opens
/households/<id>/visits/new:
  cold  browser cache cleared, no service worker yet
  warm  the same browser after the service worker has installed its precache (navigations stay
        network-first, so the HTML still crosses the link; CSS, JS and icons do not)
"Usable" = DOMContentLoaded has finished (the deferred scripts that put the form through the
outbox have run) and the save button is visible; from the page's own Navigation Timing.

    .venv/bin/python bench/first_load.py        (needs /usr/bin/chromium and playwright)"""
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}


def measure(page, cdp, url: str) -> dict:
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_selector("form.visit-form button[type=submit]", state="visible")
    t = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return {usable: n.domContentLoadedEventEnd, load: n.loadEventEnd, html: n.responseEnd,
                bytes: performance.getEntriesByType('resource').reduce((a, r) => a + r.transferSize, n.transferSize),
                from_sw: performance.getEntriesByType('resource').filter(r => r.workerStart > 0).length}; }""")
    cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    return t


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "first_load.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "FIELDAPP_SECRET_KEY": secrets.token_hex(32)}
    for args in (("db", "upgrade"), ("seed-demo",)):
        subprocess.run([sys.executable, "-m", "flask", "--app", "fieldapp", *args], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
                                   "GUNICORN_ACCESSLOG": str(OUT / "first_load-access.log")},
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            context = browser.new_context(viewport={"width": 360, "height": 640}, base_url=base)
            page = context.new_page()
            page.goto("/login")
            page.fill("input[name=phone]", "0900000003")
            page.fill("input[name=password]", "demo1234")
            page.click("form button[type=submit]")
            page.wait_for_load_state("load")
            with sqlite3.connect(db_path) as conn:
                household = conn.execute(
                    "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id "
                    "JOIN users u ON u.team_id = t.id WHERE u.phone = ? ORDER BY h.code LIMIT 1",
                    ("0900000003",)).fetchone()[0]
            url = f"{base}/households/{household}/visits/new"
            # Cold: a fresh browser profile with the member's cookies and no service worker at all
            # (the sign-in page already registers it in the first context).
            cold_context = browser.new_context(viewport={"width": 360, "height": 640},
                                               storage_state=context.storage_state(), service_workers="block")
            cold_page = cold_context.new_page()
            cold_cdp = cold_context.new_cdp_session(cold_page)
            cold_cdp.send("Network.enable")
            cold = measure(cold_page, cold_cdp, url)
            cold_context.close()
            # Warm: the first context, whose worker has precached the shell.
            page.goto(url)
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_timeout(2000)  # let the worker finish its precache at full speed
            page.goto("about:blank")
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            warm = measure(page, cdp, url)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("# visit screen, headless Chromium 360x640, CDP slow 3G: 400 kbit/s each way, 400 ms latency")
    print("| load | usable (DOMContentLoaded, button visible) ms | load event ms | bytes over the link | responses from the service worker |")
    print("|---|---:|---:|---:|---:|")
    for name, t in (("cold", cold), ("warm service worker", warm)):
        print(f"| {name} | {t['usable']:.0f} | {t['load']:.0f} | {t['bytes']} | {t['from_sw']} |")
    # The page-level emulation does not throttle requests the service worker makes itself: its
    # network-first fetch of the HTML crosses the link unthrottled. Bound: add the cold HTML time.
    print(f"warm, with the HTML over the throttled link as in the cold load (upper bound): "
          f"{warm['usable'] + cold['html']:.0f} ms (cold HTML response end: {cold['html']:.0f} ms)")


if __name__ == "__main__":
    main()
