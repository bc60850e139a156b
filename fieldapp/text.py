"""Text helpers: diacritics-insensitive search keys and Vietnamese number formatting."""
import unicodedata
from functools import lru_cache

from flask_babel import format_decimal


def fold(text: str | None) -> str:
    """Lower-case ASCII-ish search key: "Nguyễn Văn Đức" -> "nguyen van duc"."""
    if not text:
        return ""
    if len(text) <= 80:  # names and short search boxes: a board of 5,000 teams folds the same names each time
        return _fold_short(text)
    return _fold(text)


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


_fold_short = lru_cache(maxsize=30_000)(_fold)  # a province: 5,000 teams and the names a board shows


CODE_KEY_LENGTH = 60


def code_key(code: str | None) -> str:
    """The form of a house code that is unique in its village: "H 001", "h001" and "H０01" (a full-width
    zero) are one code. NFKC (full-width and compatibility forms), no spaces or invisible format
    characters, case folded. Cut to the column's length (NFKC may lengthen a pathological code)."""
    text = unicodedata.normalize("NFKC", code or "")
    text = "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")
    return text.casefold()[:CODE_KEY_LENGTH]


def search_terms(query: str | None) -> list[str]:
    """Split a search box into folded words; every word must match."""
    return [t for t in fold(query).split(" ") if t][:8]


def number(value) -> str:
    """1328 -> "1.328" in Vietnamese, "1,328" in English."""
    return format_decimal(value or 0)


def format_percent(ratio: float | None) -> str:
    """0.6884 shown as "68,84%" (1.217 as "121,7%"); no ratio (nothing to measure against) gives "–"."""
    if ratio is None:
        return "–"
    return format_decimal(round(100 * ratio, 2), format="#,##0.##") + "%"
