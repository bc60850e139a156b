"""Password hashing with argon2id at the cost set in the configuration, and the password policy."""
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Always one argon2 verification at the configured cost, whatever the hash: no hash (an unknown
    phone) or an unusable one costs the same as a wrong password, so the time to refuse does not tell
    which phone numbers have accounts."""
    if not password_hash:
        _verify_dummy(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        _verify_dummy(password)
        return False


def dummy_hash() -> str:
    cfg = current_app.config
    return _dummy_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash of a random secret at this cost, made once per process (nothing to leak: it matches nothing)."""
    import secrets
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism).hash(
        secrets.token_urlsafe(32))


def _verify_dummy(password: str) -> None:
    try:
        _hasher().verify(dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        pass


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made at another cost than the configured one (rehash at sign-in)."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, phone: str | None = None) -> str | None:
    """Why a NEW password is refused (in Vietnamese), or None when it is acceptable.

    Only for passwords people choose; seeding and tests write hashes directly.
    """
    password = password or ""
    if len(password) < MIN_LENGTH:
        return _("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Mật khẩu dài tối đa %(n)d ký tự.", n=MAX_LENGTH)
    digits = "".join(c for c in password if c.isdigit())
    if phone and len(phone) >= 9 and (phone in digits or phone[1:] in digits):
        return _("Mật khẩu không được chứa số điện thoại của bạn.")
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) < 3:
        return _("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác, ví dụ một câu ngắn dễ nhớ.")
    return None
