"""Paths as they may be logged (the app's JSON log, gunicorn's access log, Sentry): no query, tokens masked.

Kept apart from observability.py so that gunicorn's master can load it without prometheus_client.
"""
import re

# Path segments after these prefixes are secrets or capabilities (QR sign-in, join links, badges, stickers).
_TOKEN_PATH = re.compile(r"^/(s|join|v|h)/[^/]+")
# Any other long random-looking segment (an import token, a future link) is masked too.
_LONG_SEGMENT = re.compile(r"(?<=/)(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}")
MASK = "***"


def loggable_path(path: str) -> str:
    """The path as it may be logged: no query string, tokens replaced by "***"."""
    path = path.split("?", 1)[0]
    path = _TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/{MASK}", path)
    return _LONG_SEGMENT.sub(MASK, path)
