"""Where settings come from, read the same way by every entry point (gunicorn, every `flask` command, timers).

Order: `fieldapp/config.py` defaults, then `instance/config.py` (optional), then the env file, then the
process environment. The env file is `$FIELDAPP_ENV_FILE` when set (it must exist), else
`instance/fieldapp.env` when it exists. Values are parsed strictly: a boolean is 0/1/true/false/yes/no/on/off,
a number is digits, an unknown FIELDAPP_ name is refused, and a `#` after a value is refused (systemd's
EnvironmentFile keeps it as part of the value, so the same file must not mean two things).
"""
import os
import re
from pathlib import Path

from .config import Config

ENV_PREFIX = "FIELDAPP_"
# Plain names read besides FIELDAPP_*: the database URL (the usual name of every host) and error reporting.
PLAIN_NAMES = ("DATABASE_URL", "SENTRY_DSN")
# Settings without a default value in Config (strings, None when unset).
EXTRA_SETTINGS = {"SECRET_KEY", "SENTRY_DSN", "SENTRY_ENVIRONMENT"}
# Read before the app exists (where to look), not settings of the app.
BOOTSTRAP_NAMES = {"ENV_FILE", "INSTANCE_PATH"}
# Names in the env file read by gunicorn.conf.py, not by the app.
SERVER_NAMES = ("GUNICORN_", "PROMETHEUS_MULTIPROC_DIR")
_LINE_RE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(RuntimeError):
    """A setting that cannot be used; the message names the variable and, for a file, the line."""


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` starts a comment only at the start of a line; optional matching quotes."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"FIELDAPP_ENV_FILE: cannot read {path}: {exc.strerror}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE_RE.match(line)
        if not match:
            raise SettingsError(f"{path}:{number}: not a KEY=VALUE line: {raw!r}")
        key, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif re.search(r"\s#", value) or value.startswith("#"):
            raise SettingsError(f"{path}:{number}: {key}: a comment after the value is not allowed "
                                f"(systemd would keep it as part of the value); put it on its own line")
        values[key] = value
    return values


def env_file(instance_path: Path, environ: dict[str, str]) -> Path | None:
    explicit = environ.get(ENV_PREFIX + "ENV_FILE")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise SettingsError(f"FIELDAPP_ENV_FILE: {path} does not exist")
        return path
    default = instance_path / "fieldapp.env"
    return default if default.is_file() else None


def gather(instance_path: Path, environ: dict[str, str] | None = None) -> tuple[dict[str, str], Path | None]:
    """The raw values (file first, then the process environment over it) and the file they came from."""
    environ = dict(os.environ if environ is None else environ)
    path = env_file(instance_path, environ)
    raw = parse_env_file(path) if path else {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) or key in PLAIN_NAMES:
            raw[key] = value
    return raw, path


def _known(key: str) -> bool:
    from flask import Flask
    return key.isupper() and (hasattr(Config, key) or key in Flask.default_config or key in EXTRA_SETTINGS)


def convert(name: str, key: str, value: str):
    """The value typed like the default in Config; `name` is the variable, for the message."""
    from flask import Flask
    default = getattr(Config, key, Flask.default_config.get(key))
    text = value.strip()
    if isinstance(default, bool):
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise SettingsError(f"{name}={value!r}: expected 0 or 1 (or true/false, yes/no, on/off)")
    if isinstance(default, int):
        if not re.fullmatch(r"-?\d+", text):
            raise SettingsError(f"{name}={value!r}: expected a whole number")
        return int(text)
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise SettingsError(f"{name}={value!r}: expected a number") from None
    if isinstance(default, (list, tuple)):
        return type(default)(part.strip() for part in text.split(",") if part.strip())
    return value


def settings_from(raw: dict[str, str]) -> dict:
    """Config keys and typed values from the raw FIELDAPP_* (and plain) names; unknown names are refused."""
    out: dict = {}
    for name, value in raw.items():
        if name == "DATABASE_URL":
            out["SQLALCHEMY_DATABASE_URI"] = value.strip() or None
            continue
        key = name[len(ENV_PREFIX):] if name.startswith(ENV_PREFIX) else name
        if key in BOOTSTRAP_NAMES or name.startswith(SERVER_NAMES):
            continue
        if not _known(key):
            raise SettingsError(f"{name}: unknown setting (see README, Configuration)")
        out[key] = convert(name, key, value)
    return out


def describe_database(url: str) -> str:
    """The database a command works on, without its password: shown by every `flask` command."""
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database}"
    host = parsed.host or parsed.query.get("host") or "localhost"
    return f"PostgreSQL {parsed.database} ({parsed.username or ''}@{host}{':' + str(parsed.port) if parsed.port else ''})"
