"""Uploaded files kept between the preview and the confirmation (no database table needed).

The preview saves the uploaded bytes as instance/imports/<token>.bin with <token>.json beside it:
the user id, the kind of import ("households", "villages", "members"), the id of the village,
commune or team, the file name, the consent box, and the time. The token is random (192 bits) and
is carried by the confirm form; `load` only answers for the same user, kind and target, and only
within STASH_SECONDS (an hour, as long as a form's CSRF token). Confirming deletes the files; old
files are swept on every new upload. The confirmation reads the file again and checks every row
again, so nothing written between the preview and the confirmation slips through unchecked.
"""
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

STASH_SECONDS = 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class Stashed:
    token: str
    user_id: int
    kind: str
    target_id: int
    filename: str
    consent: bool
    data: bytes


def _folder() -> Path:
    folder = Path(current_app.config.get("IMPORT_STASH_DIR") or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sweep(now: float | None = None) -> None:
    """Delete the stashed uploads older than STASH_SECONDS (abandoned previews)."""
    now = now or time.time()
    for path in _folder().glob("*.*"):
        try:
            if now - path.stat().st_mtime > STASH_SECONDS:
                path.unlink()
        except OSError:
            pass  # another worker swept it first


def save(*, user_id: int, kind: str, target_id: int, filename: str, consent: bool, data: bytes) -> str:
    sweep()
    token = secrets.token_urlsafe(24)
    folder = _folder()
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"user_id": user_id, "kind": kind, "target_id": target_id, "filename": filename,
            "consent": bool(consent), "created": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(token: str | None, *, user_id: int, kind: str, target_id: int) -> Stashed | None:
    """The stashed upload, or None when the token is unknown, expired or someone else's."""
    if not token or not TOKEN_RE.match(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if (meta.get("user_id"), meta.get("kind"), meta.get("target_id")) != (user_id, kind, target_id):
        return None
    if time.time() - float(meta.get("created", 0)) > STASH_SECONDS:
        discard(token)
        return None
    return Stashed(token=token, user_id=user_id, kind=kind, target_id=target_id,
                   filename=str(meta.get("filename") or ""), consent=bool(meta.get("consent")), data=data)


def discard(token: str) -> None:
    if not TOKEN_RE.match(token or ""):
        return
    for suffix in (".bin", ".json"):
        try:
            os.unlink(_folder() / f"{token}{suffix}")
        except OSError:
            pass
