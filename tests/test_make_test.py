"""`make test` on a shared machine: each run's PostgreSQL half gets a database of its own (.ci/pg-run.sh) on
a private server on a free port, stopped and removed afterwards; an explicit PGPORT keeps working."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import os, time, psycopg; url = os.environ['TEST_DATABASE_URL']; "
         "c = psycopg.connect(url); print(url, c.execute('SELECT current_database()').fetchone()[0], flush=True); "
         "time.sleep(1)")


def run(env: dict, *, background: bool = False):
    cmd = ["bash", ".ci/pg-run.sh", sys.executable, "-c", PROBE]
    if background:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def refused(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return True
    return False


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="run once, in the SQLite half")
def test_two_runs_at_once_get_their_own_server_and_database_and_leave_nothing_running():
    env = {k: v for k, v in os.environ.items() if k not in ("PGPORT", "PGDATA_DIR", "TEST_DATABASE_URL")}
    first, second = run(env, background=True), run(env, background=True)
    outs = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outs.append(out.split())
    (url1, db1), (url2, db2) = outs
    assert url1 != url2 and db1 != db2 and db1.startswith("fieldapp_test_")
    assert url1.rsplit(":", 1)[1].split("/")[0] != url2.rsplit(":", 1)[1].split("/")[0]  # two ports
    assert refused(url1) and refused(url2)  # both servers stopped (and their folders removed)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="run once, in the SQLite half")
def test_an_explicit_pgport_uses_that_server_and_drops_only_its_database():
    port = subprocess.run([sys.executable, "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                           "print(s.getsockname()[1])"], capture_output=True, text=True).stdout.strip()
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    data = Path(f"/tmp/fieldapp-pg-explicit-{port}")  # the postgres user must reach it
    env.update(PGPORT=port, PGDATA_DIR=str(data))
    try:
        result = run(env)
        assert result.returncode == 0, result.stderr
        url, name = result.stdout.split()
        assert f"127.0.0.1:{port}/" in url
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin) as conn:  # the server stays for the next focused run
            assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()[0] == 0
    finally:
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(["runuser", "-u", "postgres", "--", *stop] if os.getuid() == 0 else stop, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


# --- Lint and the lock: `make test` runs ruff and mypy; `make` installs exactly the hashed lock ----------------

def make(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def test_make_test_runs_ruff_and_mypy_beside_both_halves():
    dry = make("-n", "test")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert ".venv/bin/ruff check fieldapp" in lines and ".venv/bin/mypy fieldapp" in lines
    assert any("pytest" in line and "pg-run.sh" in line for line in lines)
    assert any("pytest" in line and "pg-run.sh" not in line for line in lines)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="run once, in the SQLite half")
def test_a_ruff_or_mypy_finding_fails_make_lint(tmp_path):
    clean = tmp_path / "clean.py"
    clean.write_text("def twice(n: int) -> int:\n    return 2 * n\n")
    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path / "mypy-cache")}  # not the cache a parallel lint uses
    assert make("lint", f"LINT_PATHS={clean}", env=env).returncode == 0
    unsorted = tmp_path / "unsorted.py"  # the project's rules, not ruff's defaults: isort and bugbear
    unsorted.write_text("import sys\nimport os\n\nprint(os.sep, sys.argv, list(zip([1], [2])))\n")
    r = make("lint", f"LINT_PATHS={unsorted}", env=env)
    assert r.returncode != 0 and "I001" in r.stdout and "B905" in r.stdout, r.stdout
    maybe_none = tmp_path / "maybe_none.py"
    maybe_none.write_text("def plus_one(n: int | None) -> int:\n    return n + 1\n")
    r = make("lint", f"LINT_PATHS={maybe_none}", env=env)
    assert r.returncode != 0 and "maybe_none.py:2: error" in r.stdout, r.stdout


def _pins(path: Path) -> dict[str, str]:
    import re
    text = path.read_text()
    return {name.lower().replace("_", "-"): version
            for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s\\;#]+)", text, re.M)}


def test_the_locks_pin_every_requirement_with_hashes_and_agree():
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")
    for source, lock in (("requirements.txt", runtime), ("requirements-dev.txt", dev)):
        for name, version in _pins(ROOT / source).items():
            assert lock.get(name) == version, f"{source} pins {name}=={version}, the lock {lock.get(name)}: make lock"
    assert {n: v for n, v in dev.items() if n in runtime} == runtime  # one version of each package
    for lock in ("requirements.lock", "requirements-dev.lock"):
        blocks = (ROOT / lock).read_text().split("\n")
        pinned = [i for i, line in enumerate(blocks) if "==" in line and not line.startswith((" ", "#"))]
        assert pinned and all("--hash=sha256:" in blocks[i + 1] or "--hash=sha256:" in blocks[i] for i in pinned)
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock" in makefile
    assert "$(VENV)/.installed: requirements.lock requirements-dev.lock" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "-r requirements.lock" in dockerfile


def test_the_pre_commit_hooks_are_local_and_run_the_venvs_tools():
    import yaml
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing fetched: works without network
    assert {h["id"] for h in hooks} == {"ruff", "mypy", "translations"}
    assert all(h["language"] == "system" and h["entry"].startswith(".venv/bin/") for h in hooks)
    check = subprocess.run([str(ROOT / ".venv/bin/pre-commit"), "validate-config", ".pre-commit-config.yaml"],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
