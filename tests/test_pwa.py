"""The installable app's files: worker, manifest, shell; none of them carries a user's data."""
import json


def test_service_worker_is_served_from_the_root_uncached(client, repo_root):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.mimetype == "application/javascript"
    assert "__VERSION__" not in r.text and "__SHELL__" not in r.text
    for url in ("/app", "/offline", "/static/js/outbox.js", "/static/icons/icon-512.png"):
        assert f'"{url}"' in r.text


def test_cache_version_follows_the_shell_files(app, client, repo_root, monkeypatch):
    first = client.get("/sw.js").text
    js = repo_root / "static" / "js" / "shell.js"
    original = js.read_bytes()
    try:
        js.write_bytes(original + b"\n// changed\n")
        second = client.get("/sw.js").text
    finally:
        js.write_bytes(original)
    version = lambda text: text.split('var CACHE = "')[1].split('"')[0]  # noqa: E731
    assert version(first) != version(second)


def test_manifest(client, repo_root):
    r = client.get("/manifest.webmanifest")
    assert r.status_code == 200 and r.mimetype == "application/manifest+json"
    data = json.loads(r.data)
    assert data["name"] == "Tổ công nghệ số cộng đồng" and data["lang"] == "vi"
    assert data["start_url"] == "/app" and data["theme_color"].startswith("#")
    sizes = {icon["sizes"]: icon["src"] for icon in data["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, src in sizes.items():
        png = client.get(src)
        assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(png.data[16:20], "big")
        assert f"{width}x{width}" == size


def test_shell_holds_no_user_data_or_token(client, world, auth):
    auth.login("0900000003")
    r = client.get("/app")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"
    assert "csrf" not in r.text.lower()
    assert "Nguyễn Văn Ba" not in r.text and "VT1-001" not in r.text
    strings = json.loads(r.text.split('id="pwa-strings">')[1].split("</script>")[0])
    assert strings["pending"] == "%(n)s lượt thăm chờ gửi"  # translated on the server
    assert client.get("/offline").status_code == 200


def test_pages_link_the_manifest_and_the_outbox(client, world, auth):
    auth.login("0900000003")
    page = client.get(f"/households/{world.households['h1'].id}/visits/new")
    assert 'rel="manifest"' in page.text
    assert "/static/js/outbox.js" in page.text and "/static/js/pwa.js" in page.text
    assert "<script>" not in page.text  # CSP: no inline scripts
