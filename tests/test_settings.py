"""Settings: one env file read by every entry point, parsed strictly; production never falls back to SQLite."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp import create_app
from fieldapp.settings import SettingsError, parse_env_file

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "fieldapp"]


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FIELDAPP_") and k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(extra)
    return env


def flask(args, env, cwd=ROOT):
    return subprocess.run([*FLASK, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_an_inline_comment_is_refused_with_the_variable_named(tmp_path):
    env_file = tmp_path / "fieldapp.env"
    env_file.write_text("DATABASE_URL=sqlite:////tmp/x.sqlite\nFIELDAPP_PROXY_FIX=1   # one proxy\n")
    with pytest.raises(SettingsError, match=r"fieldapp.env:2: FIELDAPP_PROXY_FIX: a comment after the value"):
        parse_env_file(env_file)
    env_file.write_text("# the whole line is a comment\nFIELDAPP_HTTPS=0\nFIELDAPP_SECRET_KEY='a#b'\n")
    assert parse_env_file(env_file) == {"FIELDAPP_HTTPS": "0", "FIELDAPP_SECRET_KEY": "a#b"}


@pytest.mark.parametrize("name, value, message", [
    ("FIELDAPP_HTTPS", "0 # off", "FIELDAPP_HTTPS='0 # off': expected 0 or 1"),
    ("FIELDAPP_PROXY_FIX", "1   # one proxy", "FIELDAPP_PROXY_FIX='1   # one proxy': expected a whole number"),
    ("FIELDAPP_HTTP", "1", "FIELDAPP_HTTP: unknown setting"),
])
def test_bad_values_in_the_environment_stop_the_start_naming_the_variable(monkeypatch, tmp_path, name, value, message):
    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        create_app()
    assert message in str(err.value)


def test_settings_are_typed(monkeypatch, tmp_path):
    (tmp_path / "fieldapp.env").write_text("FIELDAPP_HTTPS=0\nFIELDAPP_PROXY_FIX=1\nFIELDAPP_SECRET_KEY=k\n")
    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FIELDAPP_VISIT_EDIT_WINDOW_HOURS", "48")
    app = create_app()
    assert app.config["HTTPS"] is False and app.config["PROXY_FIX"] == 1
    assert app.config["VISIT_EDIT_WINDOW_HOURS"] == 48 and app.config["SECRET_KEY"] == "k"


def test_production_refuses_to_fall_back_to_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "fieldapp.env").write_text("FIELDAPP_PRODUCTION=1\nFIELDAPP_SECRET_KEY=k\n")
    with pytest.raises(SettingsError, match="DATABASE_URL is not set"):
        create_app()
    assert not (tmp_path / "fieldapp.sqlite").exists()
    (tmp_path / "fieldapp.env").write_text("FIELDAPP_PRODUCTION=1\nDATABASE_URL=sqlite:////tmp/p.sqlite\n")
    with pytest.raises(SettingsError, match="FIELDAPP_SECRET_KEY is not set"):
        create_app()


def test_every_command_reads_the_env_file_and_says_which_database(tmp_path):
    """The nightly backup of issue 18: run without the settings, it backed up an empty SQLite file."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = tmp_path / "province.sqlite"
    settings = tmp_path / "etc-fieldapp.env"
    settings.write_text(f"# the province\nDATABASE_URL=sqlite:///{database}\nFIELDAPP_SECRET_KEY=abc\n"
                        "FIELDAPP_PRODUCTION=1\n")
    env = clean_env(FIELDAPP_INSTANCE_PATH=str(instance), FIELDAPP_ENV_FILE=str(settings))
    r = flask(["db", "upgrade"], env)
    assert r.returncode == 0, r.stderr
    assert f"fieldapp: database SQLite {database} (settings: {settings})" in r.stderr
    r = flask(["backup", "--output", str(tmp_path / "b.sqlite")], env)
    assert r.returncode == 0, r.stderr
    assert f"database SQLite {database}" in r.stderr and "Đã sao lưu" in r.stdout

    # The instance's own env file is found without any variable (cron, a shell on the host).
    (instance / "fieldapp.env").write_text(settings.read_text())
    env = clean_env(FIELDAPP_INSTANCE_PATH=str(instance))
    r = flask(["freeze-campaigns"], env)
    assert r.returncode == 0, r.stderr
    assert f"database SQLite {database} (settings: {instance / 'fieldapp.env'})" in r.stderr
    assert not (instance / "fieldapp.sqlite").exists()


def test_a_missing_env_file_or_a_bad_value_stops_every_command(tmp_path):
    env = clean_env(FIELDAPP_INSTANCE_PATH=str(tmp_path), FIELDAPP_ENV_FILE=str(tmp_path / "nope.env"))
    r = flask(["backup"], env)
    assert r.returncode != 0 and "FIELDAPP_ENV_FILE" in r.stderr and "does not exist" in r.stderr
    (tmp_path / "fieldapp.env").write_text("FIELDAPP_HTTPS=0 # off\n")
    r = flask(["backup"], clean_env(FIELDAPP_INSTANCE_PATH=str(tmp_path)))
    assert r.returncode != 0 and "FIELDAPP_HTTPS: a comment after the value" in r.stderr
    assert not list(tmp_path.glob("backups/*"))


def test_backup_refuses_an_empty_database(tmp_path):
    env = clean_env(FIELDAPP_INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    r = flask(["backup", "--output", str(tmp_path / "b.sqlite")], env)
    assert r.returncode != 0 and "không có bảng nào" in r.stderr
    assert not (tmp_path / "b.sqlite").exists()
