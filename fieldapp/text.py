"""Text helpers: diacritics-insensitive search keys and Vietnamese number formatting."""
import unicodedata
from functools import lru_cache

from babel.numbers import format_decimal as babel_decimal
from babel.numbers import get_group_symbol
from flask_babel import format_decimal, get_locale


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
    """1328 -> "1.328" in Vietnamese, "1,328" in English. A whole number is grouped by Python with the locale's
    separator (a board shows a thousand numbers; Babel takes ~25 µs each) where that gives what Babel gives."""
    if type(value) is int:
        group = _int_group(str(get_locale()))
        if group is not None:
            return f"{value:,}".replace(",", group)
    return format_decimal(value or 0)


@lru_cache(maxsize=16)
def _int_group(locale: str) -> str | None:
    """The locale's group separator when Python's grouping by threes, with it, equals Babel's for whole numbers
    (checked on a few numbers once per locale: some locales leave 4 digits ungrouped, or use other digits)."""
    group = get_group_symbol(locale)
    samples = (0, 7, 999, 1000, 1328, 65536, 1234567, -1328, -1234567890)
    return group if all(babel_decimal(n, locale=locale) == f"{n:,}".replace(",", group) for n in samples) else None


def format_percent(ratio: float | None) -> str:
    """0.6884 shown as "68,84%" (1.217 as "121,7%"); no ratio (nothing to measure against) gives "–"."""
    if ratio is None:
        return "–"
    return format_decimal(round(100 * ratio, 2), format="#,##0.##") + "%"
