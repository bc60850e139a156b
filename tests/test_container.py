"""The container image and the compose file with PostgreSQL are the ones tested: built from a Debian base
made without an image registry (debootstrap + docker import, deploy/container/make-base.sh), started with
docker-compose, migrated, serving sign-in through a real form with CSRF, with its background-jobs worker running."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
BASE = "fieldapp-base:bookworm"
pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="run once, in the SQLite half")


def docker_ready() -> bool:
    if not (shutil.which("docker") and shutil.which("docker-compose")):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode == 0


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    if not docker_ready():
        if os.environ.get("CI"):
            pytest.fail("docker is not running: .ci/run installs docker.io and starts dockerd")
        pytest.skip("no docker daemon here (apt-get install docker.io docker-compose debootstrap; dockerd)")
    if subprocess.run(["docker", "image", "inspect", BASE], capture_output=True).returncode != 0:
        subprocess.run(["sh", str(ROOT / "deploy/container/make-base.sh"), BASE], check=True, timeout=1200)
    # The build context: the files git knows (as in a clone), plus wheels made here (no PyPI in the build).
    ctx = tmp_path_factory.mktemp("context")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (ctx / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, ctx / name)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes", "-r",
                    str(ROOT / "requirements.lock"), "-d", str(ctx / "deploy/container/wheels")], check=True, timeout=900)
    return ctx


def test_the_image_builds_on_a_base_given_as_argument(context):
    r = subprocess.run(["docker", "build", "-q", "--network", "host", "--build-arg", f"BASE={BASE}",
                        "--build-arg", "PIP_NO_INDEX=1", "-t", "fieldapp:test", str(context)],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    config = subprocess.run(["docker", "image", "inspect", "--format", "{{.Config.User}} {{json .Config.Cmd}}",
                             "fieldapp:test"], capture_output=True, text=True, check=True).stdout
    assert config.startswith("fieldapp ") and "gunicorn" in config  # not root


def test_compose_with_postgresql_migrates_and_serves(context):
    port = free_port()
    project = f"fieldapptest{os.getpid()}"
    env = {**os.environ, "BASE_IMAGE": BASE, "PIP_NO_INDEX": "1", "POSTGRES_PASSWORD": "compose-test-pw",
           "FIELDAPP_SECRET_KEY": "a" * 64, "FIELDAPP_PORT": str(port), "FIELDAPP_HTTPS": "0"}
    compose = ["docker-compose", "-p", project, "-f", str(context / "deploy/compose.yaml")]
    try:
        r = subprocess.run([*compose, "up", "-d", "--build"], env=env, capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stderr[-3000:]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a loaded CI machine: the app may take a while to come up
        while True:
            try:
                health = requests.get(base + "/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        assert health.status_code == 200 and health.json()["migrations"] == "up to date", health.text
        r = subprocess.run([*compose, "exec", "-T", "app", "flask", "--app", "fieldapp", "create-admin",
                            "--phone", "0912000333", "--name", "Quản trị", "--password", "mat-khau-container-1"],
                           env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and "Đã tạo tài khoản quản trị" in r.stdout, r.stderr
        assert "database PostgreSQL fieldapp (fieldapp@db)" in r.stderr
        phone = requests.Session()
        page = phone.get(base + "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        r = phone.post(base + "/login", data={"phone": "0912000333", "password": "mat-khau-container-1",
                                              "csrf_token": token}, allow_redirects=False)
        assert r.status_code == 302, r.text[:300]
        # The background-jobs worker runs beside the app (a crashed one would be restarting, not running).
        worker = subprocess.run([*compose, "ps", "-q", "worker"], env=env, capture_output=True, text=True).stdout.strip()
        state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}} {{.RestartCount}}", worker],
                               capture_output=True, text=True).stdout.split()
        assert state == ["true", "0"], (state, subprocess.run([*compose, "logs", "worker"], env=env,
                                                              capture_output=True, text=True).stdout[-2000:])
    finally:
        subprocess.run([*compose, "down", "-v", "--rmi", "local"], env=env, capture_output=True, timeout=600)
