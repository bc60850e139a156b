"""Report periods as an officer writes them: calendar months, quarters and years, the yearly review of
National Digital Transformation Day (10 October of last year to 9 October of this year), and any range
(a multi-year review: "sơ kết 2022 – 2024"). "Kỳ trước" is the calendar period of the same kind before;
for a range, the same number of days just before it."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from ..counting import period_end, period_start, today
from ..timeutil import BadDate, parse_day

KINDS = ("month", "quarter", "year", "review", "custom")
REVIEW_MONTH, REVIEW_DAY = 10, 10   # Ngày Chuyển đổi số quốc gia
MAX_DAYS = 3660                     # a custom range: up to ten years (a multi-year review)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def review_year(year: int) -> tuple[date, date]:
    """The review of `year`: 10/10 of the year before to 09/10 of that year."""
    return date(year - 1, REVIEW_MONTH, REVIEW_DAY), date(year, REVIEW_MONTH, REVIEW_DAY) - timedelta(days=1)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = date(year, month, 1)
        return cls("month", first, period_end("m", first))

    @classmethod
    def quarter(cls, year: int, q: int) -> "Period":
        first = date(year, 3 * (q - 1) + 1, 1)
        return cls("quarter", first, period_end("q", first))

    @classmethod
    def year_of(cls, year: int) -> "Period":
        return cls("year", date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def review(cls, year: int) -> "Period":
        return cls("review", *review_year(year))

    @classmethod
    def previous_quarter(cls, on: date | None = None) -> "Period":
        """The quarter reports are written about: the one that ended last."""
        last = period_start("q", on or today()) - timedelta(days=1)
        return cls.quarter(last.year, quarter_of(last))

    @property
    def as_of(self) -> date:
        """The day the figures are read on: the last day, or today while the period runs."""
        return min(self.end, today())

    @property
    def closed(self) -> bool:
        return self.end < today()

    @property
    def signoff_key(self) -> str | None:
        """The sign-off period of a month or a quarter ("m", "q"); other kinds have none."""
        return {"month": "m", "quarter": "q"}.get(self.kind)

    def previous(self) -> "Period":
        if self.kind == "month":
            last = self.start - timedelta(days=1)
            return Period.month(last.year, last.month)
        if self.kind == "quarter":
            last = self.start - timedelta(days=1)
            return Period.quarter(last.year, quarter_of(last))
        if self.kind == "year":
            return Period.year_of(self.start.year - 1)
        if self.kind == "review":
            return Period.review(self.end.year - 1)
        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        return Period("custom", end - timedelta(days=days - 1), end)

    def args(self) -> dict:
        """The query string that names this period (for links and exports)."""
        if self.kind == "month":
            return {"period": "month", "year": self.start.year, "month": self.start.month}
        if self.kind == "quarter":
            return {"period": "quarter", "year": self.start.year, "q": quarter_of(self.start)}
        if self.kind == "year":
            return {"period": "year", "year": self.start.year}
        if self.kind == "review":
            return {"period": "review", "year": self.end.year}
        return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}

    def dates(self) -> str:
        return _("từ ngày %(a)s đến ngày %(b)s", a=self.start.strftime("%d/%m/%Y"), b=self.end.strftime("%d/%m/%Y"))

    def name(self) -> str:
        """How a document names the period: "quý IV năm 2026", "năm 2026 (từ ngày 10/10/2025 …)"."""
        if self.kind == "month":
            return _("tháng %(m)d năm %(y)d", m=self.start.month, y=self.start.year)
        if self.kind == "quarter":
            return _("quý %(q)s năm %(y)d", q=ROMAN[quarter_of(self.start)], y=self.start.year)
        if self.kind == "year":
            return _("năm %(y)d", y=self.start.year)
        if self.kind == "review":
            return _("năm %(y)d (%(dates)s)", y=self.end.year, dates=self.dates())
        if (self.start.month, self.start.day) == (1, 1) and (self.end.month, self.end.day) == (12, 31):
            if self.start.year == self.end.year:
                return _("năm %(y)d", y=self.start.year)
            return _("giai đoạn %(a)d – %(b)d", a=self.start.year, b=self.end.year)
        return self.dates()

    def label(self) -> str:
        """A short label in a table head: "quý II/2026", "tháng 11/2026", "năm 2025"."""
        if self.kind == "month":
            return _("tháng %(m)d/%(y)d", m=self.start.month, y=self.start.year)
        if self.kind == "quarter":
            return _("quý %(q)s/%(y)d", q=ROMAN[quarter_of(self.start)], y=self.start.year)
        if self.kind == "year":
            return _("năm %(y)d", y=self.start.year)
        if self.kind == "review":
            return _("năm %(y)d (10/10)", y=self.end.year)
        return f"{self.start.strftime('%d/%m/%Y')} – {self.end.strftime('%d/%m/%Y')}"

    def short(self) -> str:
        """A label for a chip or a file name."""
        if self.kind == "month":
            return f"{self.start.month:02d}-{self.start.year}"
        if self.kind == "quarter":
            return f"Q{quarter_of(self.start)}-{self.start.year}"
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "review":
            return f"10-10-{self.end.year}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


class PeriodError(ValueError):
    """A period that cannot be read from a request; the message is for the user."""


def _int(args, name: str, low: int, high: int) -> int:
    raw = args.get(name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise PeriodError(_("Tham số “%(name)s” phải là số từ %(a)d đến %(b)d.", name=name, a=low, b=high)) from None
    if not low <= value <= high:
        raise PeriodError(_("Tham số “%(name)s” phải là số từ %(a)d đến %(b)d.", name=name, a=low, b=high))
    return value


def _day(args, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw)
    except BadDate as err:
        raise PeriodError(str(err)) from None


def parse_period(args, default: Period | None = None) -> Period:
    """A period from query arguments: period=month&year=&month=, quarter&year=&q=, year&year=,
    review&year=, custom&from=&to=. Without any: the previous quarter. Bad input raises PeriodError."""
    kind = args.get("period") or ("custom" if args.get("from") or args.get("to") else None)
    now = today()
    if kind is None:
        return default or Period.previous_quarter(now)
    if kind not in KINDS:
        raise PeriodError(_("Kỳ báo cáo không hợp lệ."))
    if kind == "custom":
        start, end = _day(args, "from"), _day(args, "to")
        if start is None or end is None:
            raise PeriodError(_("Hãy nhập cả ngày bắt đầu và ngày kết thúc."))
        if start > end:
            raise PeriodError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        if end > now:
            raise PeriodError(_("Ngày kết thúc không được ở tương lai."))
        if (end - start).days >= MAX_DAYS:
            raise PeriodError(_("Một báo cáo dài tối đa %(n)d ngày.", n=MAX_DAYS))
        return Period("custom", start, end)
    year = _int(args, "year", 2020, now.year + 1) if args.get("year") else None
    if kind == "month":
        p = Period.month(year or now.year, _int(args, "month", 1, 12) if args.get("month") else now.month)
    elif kind == "quarter":
        p = Period.quarter(year or now.year, _int(args, "q", 1, 4) if args.get("q") else quarter_of(now))
    elif kind == "year":
        p = Period.year_of(year or now.year)
    else:
        p = Period.review(year or now.year)
    if p.start > now:
        raise PeriodError(_("Kỳ báo cáo chưa bắt đầu."))
    return p


def quick_picks(on: date | None = None) -> list[tuple[str, Period]]:
    """The periods an officer asks for most, the first being the default."""
    d = on or today()
    this_quarter = Period.quarter(d.year, quarter_of(d))
    picks = [(_("Quý trước"), Period.previous_quarter(d)), (_("Quý này"), this_quarter),
             (_("Năm nay"), Period.year_of(d.year)), (_("Năm trước"), Period.year_of(d.year - 1)),
             (_("Tổng kết 10/10"), Period.review(d.year))]
    return picks
