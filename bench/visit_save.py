"""Saving a visit on weak 3G: from the tap on "Lưu lượt thăm" to "Đã lưu", and to the household page.

The real app (wsgi:app, gunicorn.conf.py, 2 workers) on a fresh demo database in bench/out/, reached
through a proxy that plays nginx on a weak link: it delays every byte by half the round trip each
way, limits the link to 400 kbit/s each way, charges one round trip for each new connection's
handshake, and keeps the phone's connections open between requests as nginx does (gunicorn's sync
workers close theirs). Unlike CDP's page throttling, it also slows what the service worker fetches. The member signs in and the service worker installs at full
speed; then the link goes weak, the visit screen opens, its first sync ends, and the member taps save.

    .venv/bin/python bench/visit_save.py [--rtt 2000] [--kbps 400] [--runs 5] [--root DIR]

--root serves another checkout of the app (e.g. the code before issue 16, to compare)."""
import argparse
import asyncio
import os
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


class WeakLink:
    """127.0.0.1:port -> upstream, each direction delayed by rtt/2 and serialised at kbps."""

    def __init__(self, upstream: int):
        self.upstream, self.rtt, self.rate = upstream, 0.0, None
        self.loop = asyncio.new_event_loop()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result()

    def set(self, rtt_ms: float, kbps: float | None):
        self.rtt, self.rate = rtt_ms / 1000, (kbps * 1000 / 8 if kbps else None)

    async def _serve(self):
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _client(self, reader, writer):
        """Like nginx in front of gunicorn (docs/deploy.md): the phone's connection stays open between
        requests; each request goes to gunicorn on a connection of its own (sync workers close it)."""
        down = self._Delayed(self, writer)
        await asyncio.sleep(self.rtt)  # the TCP handshake crosses the link once per phone connection
        try:
            while True:
                head = await self._late(reader.readuntil(b"\r\n\r\n"))
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
                up_writer.write(head + body)
                await up_writer.drain()
                answer = await up_reader.read()
                up_writer.close()
                top, _sep, rest = answer.partition(b"\r\n\r\n")
                lines = [ln for ln in top.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
                sized = any(ln.lower().startswith((b"content-length:", b"transfer-encoding:")) for ln in lines)
                if not sized:
                    lines.append(b"Content-Length: " + str(len(rest)).encode())
                down.send(b"\r\n".join(lines + [b"Connection: keep-alive"]) + b"\r\n\r\n" + rest)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, asyncio.LimitOverrunError):
            pass
        await down.close()

    async def _late(self, coro):
        """What the phone sent arrives rtt/2 later, after its bytes crossed the link."""
        data = await coro
        await asyncio.sleep(self.rtt / 2 + (len(data) / self.rate if self.rate else 0))
        return data

    class _Delayed:
        def __init__(self, link, writer):
            self.link, self.writer, self.free = link, writer, 0.0
            self.queue: asyncio.Queue = asyncio.Queue()
            self.task = asyncio.ensure_future(self._run())

        def send(self, data: bytes):
            now = self.link.loop.time()
            self.free = max(self.free, now) + (len(data) / self.link.rate if self.link.rate else 0)
            self.queue.put_nowait((self.free + self.link.rtt / 2, data))

        async def _run(self):
            while True:
                at, data = await self.queue.get()
                if data is None:
                    break
                wait = at - self.link.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.writer.write(data)
                await self.writer.drain()

        async def close(self):
            self.queue.put_nowait((0, None))
            await self.task
            self.writer.close()


def serve(root: Path, db_path: Path) -> tuple[subprocess.Popen, int, dict]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "FIELDAPP_SECRET_KEY": secrets.token_hex(32),
           "PYTHONPATH": str(root)}
    for args in (("db", "upgrade"), ("seed-demo",)):
        subprocess.run([sys.executable, "-m", "flask", "--app", "fieldapp", *args], env=env, cwd=root, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
                                   "GUNICORN_ACCESSLOG": str(OUT / "visit_save-access.log")},
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, port, env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtt", type=float, default=2000)
    ap.add_argument("--kbps", type=float, default=400)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "visit_save.sqlite"
    server, port, _env = serve(args.root.resolve(), db_path)
    link = WeakLink(port)
    base = f"http://127.0.0.1:{link.port}"
    with sqlite3.connect(db_path) as conn:
        households = [r[0] for r in conn.execute(
            "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id JOIN users u ON u.team_id = t.id "
            "WHERE u.phone = '0900000003' ORDER BY h.code LIMIT ?", (args.runs,))]
    saved, back = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            context = browser.new_context(viewport={"width": 360, "height": 640}, base_url=base)
            # The page notes when its save button first says "Đã lưu" (it leaves for the household next).
            context.add_init_script("""document.addEventListener('DOMContentLoaded', () => {
              const b = document.querySelector('form.visit-form button[type=submit]'); if (!b) return;
              new MutationObserver(() => { if (b.textContent.trim().startsWith('Đã lưu') && !sessionStorage.getItem('bench-saved'))
                sessionStorage.setItem('bench-saved', String(Date.now())); }).observe(b, {childList: true, subtree: true, characterData: true});
            });""")
            page = context.new_page()
            page.goto("/login")
            page.fill("input[name=phone]", "0900000003")
            page.fill("input[name=password]", "demo1234")
            page.click("form button[type=submit]")
            page.wait_for_load_state("load")
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_timeout(2000)  # the worker precaches the shell at full speed
            page.set_default_timeout(120_000)
            for hid in households:
                link.set(0, None)
                page.goto(f"/households/{hid}/visits/new")
                page.wait_for_function("() => (document.getElementById('sync-badge') || {}).textContent"
                                       " && document.getElementById('sync-badge').textContent.includes('Gửi thành công')")
                link.set(args.rtt, args.kbps)
                page.wait_for_timeout(args.rtt)  # connections already open stay open: the link is weak from now
                page.check("input[name=outcome][value=not_home]")
                page.evaluate("() => sessionStorage.removeItem('bench-saved')")
                clicked = page.evaluate("() => Date.now()")
                t0 = time.perf_counter()
                if os.environ.get("VISIT_SAVE_DEBUG"):
                    page.on("request", lambda r: print(f"{time.perf_counter() - t0:6.2f} > {r.method} {r.url[-60:]}"))
                    page.on("response", lambda r: print(f"{time.perf_counter() - t0:6.2f} < {r.status} {r.url[-60:]}"))
                    page.on("console", lambda m: print("console", m.text))
                page.click("form.visit-form button[type=submit]", no_wait_after=True)
                page.wait_for_url(f"**/households/{hid}", timeout=120_000)
                page.wait_for_load_state("domcontentloaded")
                back.append(time.perf_counter() - t0)
                mark = page.evaluate("() => sessionStorage.getItem('bench-saved')")
                if mark:
                    saved.append((int(mark) - clicked) / 1000)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM visits WHERE id IN (SELECT id FROM visits ORDER BY received_at DESC"
                              " LIMIT ?) AND outcome = 'not_home' AND note IS NULL OR note = ''", (args.runs,)).fetchone()[0]
    print(f"# saving a visit, headless Chromium 360x640, {args.rtt:.0f} ms round trip, {args.kbps:.0f} kbit/s each way,"
          f" {len(households)} runs, app at {args.root}")
    if saved:
        print(f"tap -> 'Đã lưu' shown: median {statistics.median(saved):.2f} s (min {min(saved):.2f}, max {max(saved):.2f})")
    else:
        print("tap -> 'Đã lưu' shown: (no such state in this version)")
    print(f"tap -> household page loaded: median {statistics.median(back):.2f} s (min {min(back):.2f}, max {max(back):.2f})")
    print(f"visits stored: {stored}")


if __name__ == "__main__":
    main()
