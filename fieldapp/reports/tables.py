"""The report as plain rows (numbers stay numbers), shared by the print page, XLSX and CSV."""
from dataclasses import dataclass

from flask_babel import gettext as _

from ..models import AreaLevel
from ..spreadsheets import Sheet
from .queries import Report, Row


@dataclass
class Line:
    label: str
    value: int
    of: int | None = None          # "value out of": teams, members, villages, households
    previous: int | None = None    # the same figure over the previous period
    ever: int | None = None        # services: helped since the start (capped for coverage)
    eligible: int | None = None    # services: the denominator of the coverage
    rate: float | None = None      # services: coverage, 0..1

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.value - self.previous


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 2)


def summary_lines(report: Report) -> list[Line]:
    t, p = report.total, report.previous
    lines = [
        Line(_("Tổ có hoạt động (có lượt thăm hoặc buổi tuyên truyền)"), t.teams_active, t.teams_total, p.teams_active),
        Line(_("Thành viên có lượt thăm"), t.members_active, t.members_total, p.members_active),
        Line(_("Thôn có lượt thăm"), t.villages_covered, t.villages_total, p.villages_covered),
        Line(_("Hộ được thăm trong kỳ"), t.households_visited, t.households, p.households_visited),
        Line(_("Hộ được thăm lần đầu"), t.tally.reached, t.households, p.tally.reached),
        Line(_("Hộ đã được thăm (lũy kế)"), t.tally.visited, t.households),
        Line(_("Lượt thăm hộ"), t.tally.visits, None, p.tally.visits),
        Line(_("Buổi tuyên truyền, tập huấn, phát thanh"), t.sessions.sessions, None, p.sessions.sessions),
        Line(_("Lượt người tham dự"), t.sessions.attendees, None, p.sessions.attendees),
    ]
    return lines


def service_lines(report: Report) -> list[Line]:
    t, p = report.total, report.previous
    out = []
    for s in report.services:
        cov = t.coverage(s)
        out.append(Line(s.short_name, t.people(s), None, p.people(s), ever=t.people_ever(s),
                        eligible=cov.eligible, rate=cov.rate))
    return out




def summary_headers() -> list[str]:
    return [_("Chỉ tiêu"), _("Kỳ này"), _("Trên tổng số"), _("Kỳ trước"), _("Tăng/giảm"), _("Lũy kế từ đầu"),
            _("Đủ điều kiện"), _("Tỉ lệ bao phủ (%)")]


def summary_rows(report: Report) -> list[list]:
    return [[line.label, line.value, line.of, line.previous, line.delta, line.ever, line.eligible, _pct(line.rate)]
            for line in summary_lines(report) + service_lines(report)]


def period_rows(report: Report) -> list[list]:
    """Which area and which dates the figures are about (dates stay dates in XLSX)."""
    return [[_("Địa bàn"), report.area.name], [_("Từ ngày"), report.start], [_("Đến ngày"), report.end],
            [_("Kỳ trước: từ ngày"), report.prev_start], [_("Kỳ trước: đến ngày"), report.prev_end]]


def level_headers(report: Report) -> list[str]:
    province = report.area.level == AreaLevel.PROVINCE
    heads = [_("Xã, phường") if province else _("Thôn, tổ dân phố"),
             _("Tổ có hoạt động"), _("Tổng số tổ"), _("Thành viên có lượt thăm"), _("Tổng số thành viên")]
    if province:
        heads += [_("Thôn có lượt thăm"), _("Tổng số thôn")]
    heads += [_("Hộ được thăm trong kỳ"), _("Tổng số hộ"), _("Hộ đã được thăm (lũy kế)"), _("Lượt thăm"),
              _("Buổi tuyên truyền"), _("Lượt người tham dự")]
    heads += [_("%(s)s: người được hỗ trợ trong kỳ", s=s.short_name) for s in report.services]
    for s in report.coverage_services:
        heads += [_("%(s)s: lũy kế", s=s.short_name), _("%(s)s: đủ điều kiện", s=s.short_name),
                  _("%(s)s: tỉ lệ (%%)", s=s.short_name)]
    return heads


def _level_row(report: Report, row: Row, name: str) -> list:
    cells = [name, row.teams_active, row.teams_total, row.members_active, row.members_total]
    if report.area.level == AreaLevel.PROVINCE:
        cells += [row.villages_covered, row.villages_total]
    cells += [row.households_visited, row.households, row.tally.visited, row.tally.visits,
              row.sessions.sessions, row.sessions.attendees]
    cells += [row.people(s) for s in report.services]
    for s in report.coverage_services:
        cov = row.coverage(s)
        cells += [cov.helped_ever, cov.eligible, _pct(cov.rate)]
    return cells


def level_rows(report: Report) -> list[list]:
    rows = [_level_row(report, r, r.area.name) for r in report.rows]
    rows.append(_level_row(report, report.total, _("Tổng cộng")))
    return rows


def sheets(report: Report) -> list[Sheet]:
    level = _("Các xã, phường") if report.area.level == AreaLevel.PROVINCE else _("Các thôn")
    return [Sheet(_("Tổng hợp"), summary_headers(), summary_rows(report) + [[]] + period_rows(report)),
            Sheet(level, level_headers(report), level_rows(report))]


def csv_rows(report: Report) -> tuple[list[str], list[list]]:
    """One CSV: the summary, an empty line, then the per-village (or per-commune) table with its header."""
    rows = (summary_rows(report) + [[]] + period_rows(report) + [[]] + [level_headers(report)]
            + level_rows(report))
    return summary_headers(), rows
