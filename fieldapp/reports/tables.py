"""The report as plain lines and rows (numbers stay numbers), shared by the print page, the .docx, XLSX and CSV:
every renderer shows the same figures with the same labels and units."""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..counting import share
from ..models import ActivityKind, AreaLevel, Eligibility, Service
from ..outreach.forms import KIND_NAMES
from ..spreadsheets import Sheet
from ..text import format_percent, number
from .figures import activities_of, sessions_of
from .queries import Figures, Report

UNIT_NAMES = {"people": _l("người"), "dossiers": _l("hồ sơ"), "households": _l("hộ")}
DENOMINATOR_NAMES = {
    Eligibility.AGE14: _l("người từ 14 tuổi trở lên"), Eligibility.AGE18: _l("người từ 18 tuổi trở lên"),
    Eligibility.ALL: _l("nhân khẩu"), Eligibility.HOUSEHOLD: _l("hộ gia đình"),
    Eligibility.SMARTPHONE: _l("người có điện thoại thông minh"),
}
# The seeds' wording of the headline indicators (Tuần Châu, 2023); other services use their catalogue name.
INDICATOR_NAMES = {
    "vneid": _l("Người dân từ 14 tuổi trở lên được kích hoạt tài khoản định danh điện tử mức 2"),
    "payment": _l("Người dân từ 18 tuổi trở lên có tài khoản thanh toán (ngân hàng, Mobile Money, ví điện tử)"),
    "skills5": _l("Hộ gia đình có người thành thạo 5 kỹ năng số cơ bản"),
}
ACTIVITY_NAMES = {
    ActivityKind.MEMBER_TRAINING: _l("Tập huấn cho thành viên tổ"),
    ActivityKind.LEAFLETS: _l("Tờ rơi, tài liệu tuyên truyền đã phát"),
    ActivityKind.NEWS: _l("Tin, bài đăng trên trang thông tin, mạng xã hội"),
    ActivityKind.BROADCAST: _l("Chương trình phát thanh, loa truyền thanh"),
}
ACTIVITY_UNITS = {ActivityKind.MEMBER_TRAINING: _l("lớp"), ActivityKind.LEAFLETS: _l("tờ"),
                  ActivityKind.NEWS: _l("tin, bài"), ActivityKind.BROADCAST: _l("chương trình")}


def unit_name(service: Service) -> str:
    return str(UNIT_NAMES.get(service.unit, UNIT_NAMES["people"]))


def pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 2)


@dataclass
class Line:
    label: str
    value: int | None
    unit: str = ""
    of: int | None = None          # "value out of" (households, teams, eligible residents)
    previous: int | None = None    # the same figure over the previous period
    ever: int | None = None        # services: cumulative to the period's last day
    rate: float | None = None      # value (or ever) against `of`, 0..1 (over-achievement as it is)
    note: str = ""
    attendees: int | None = None   # sessions and trainings: the people who came

    @property
    def delta(self) -> int | None:
        return None if self.previous is None or self.value is None else self.value - self.previous

    def text(self) -> str:
        """"1.328/1.929 người (đạt 68,84%)" — how a document writes it."""
        if self.value is None:
            return "–"
        shown = number(self.ever if self.ever is not None and self.of is not None else self.value)
        if self.of is None:
            return f"{shown} {self.unit}".strip()
        return _("%(a)s/%(b)s %(unit)s (đạt %(p)s)", a=shown, b=number(self.of), unit=self.unit,
                 p=format_percent(self.rate)).replace("  ", " ")


def organisation_lines(report: Report) -> list[Line]:
    t, p = report.total, report.previous
    lines = []
    if report.area.level == AreaLevel.PROVINCE:
        lines.append(Line(_("Xã, phường, đặc khu có Tổ công nghệ số cộng đồng"), t.communes_with_team, _("xã"),
                          of=t.communes, rate=share(t.communes_with_team, t.communes)))
    lines += [
        Line(_("Thôn, tổ dân phố có Tổ công nghệ số cộng đồng"), t.villages_with_team, _("thôn"), of=t.villages,
             rate=share(t.villages_with_team, t.villages)),
        Line(_("Số Tổ công nghệ số cộng đồng"), t.teams, _("tổ"), previous=p.teams),
        Line(_("Tổ có hoạt động trong kỳ (lượt thăm hoặc buổi tuyên truyền)"), t.teams_active, _("tổ"), of=t.teams,
             previous=p.teams_active, rate=share(t.teams_active, t.teams)),
        Line(_("Thành viên tổ"), t.members, _("người"), previous=p.members),
        Line(_("Thành viên có lượt thăm hộ trong kỳ"), t.members_active, _("người"), of=t.members,
             previous=p.members_active, rate=share(t.members_active, t.members)),
    ]
    return lines


def population_lines(report: Report) -> list[Line]:
    t, p = report.total, report.previous
    s = t.stats
    return [
        Line(_("Hộ gia đình trong danh sách"), t.households, _("hộ"), previous=p.households),
        Line(_("Nhân khẩu"), s.get("residents_total", 0), _("người"), previous=p.stats.get("residents_total", 0)),
        Line(_("Người từ 14 tuổi trở lên"), s.get("residents_14plus", 0), _("người"),
             previous=p.stats.get("residents_14plus", 0)),
        Line(_("Người từ 18 tuổi trở lên"), s.get("residents_18plus", 0), _("người"),
             previous=p.stats.get("residents_18plus", 0)),
        Line(_("Điện thoại thông minh (theo khai báo của hộ)"), s.get("smartphones", 0), _("máy"),
             of=s.get("residents_total", 0), previous=p.stats.get("smartphones", 0),
             rate=share(s.get("smartphones", 0), s.get("residents_total", 0)),
             note=_("trên tổng số nhân khẩu")),
    ]


def visit_lines(report: Report) -> list[Line]:
    t, p = report.total, report.previous
    return [
        Line(_("Lượt thăm hộ trong kỳ"), t.visits, _("lượt"), previous=p.visits),
        Line(_("Hộ được thăm lần đầu trong kỳ"), t.reached, _("hộ"), of=t.households, previous=p.reached,
             rate=share(t.reached, t.households)),
        Line(_("Hộ đã được thăm (lũy kế đến cuối kỳ)"), t.visited, _("hộ"), of=t.households, previous=p.visited,
             rate=share(t.visited, t.households)),
    ]


def service_lines(report: Report) -> list[Line]:
    """People (or dossiers, or households) helped per service: in the period, the one before, cumulative."""
    t, p = report.total, report.previous
    out = []
    for s in report.services:
        of = t.eligible(s)
        out.append(Line(s.name, t.people(s), unit_name(s), of=of, previous=p.people(s), ever=t.people_ever(s),
                        rate=t.rate(s)))
    return out


def indicator_lines(report: Report) -> list[Line]:
    """The Tuần Châu table: each indicator with its denominator as of the last day."""
    t = report.total
    out = []
    for s in report.coverage_services:
        label = str(INDICATOR_NAMES.get(s.code) or s.name)
        of = t.eligible(s)
        note = _("trên tổng số %(d)s", d=DENOMINATOR_NAMES[s.eligibility])
        out.append(Line(label, t.people_ever(s), unit_name(s), of=of, ever=t.people_ever(s), rate=t.rate(s),
                        note=note))
    smart = t.stats.get("smartphones", 0)
    out.append(Line(_("Người dân có điện thoại thông minh (theo số máy các hộ khai)"), smart, _("người"),
                    of=t.stats.get("residents_total", 0), ever=smart,
                    rate=share(smart, t.stats.get("residents_total", 0)), note=_("trên tổng số nhân khẩu")))
    for s in report.dossier_services:
        out.append(Line(_("%(name)s (lũy kế)", name=s.name), t.people_ever(s), unit_name(s),
                        note=_("hồ sơ, không phải số người: không tính tỉ lệ")))
    return out


def payment_basis(report: Report) -> str | None:
    """QĐ 411 counts payment accounts over residents aged 15+; households declare 14+ and 18+ only, so the
    share over 15+ can be bounded, not given."""
    service = next((s for s in report.services if s.code == "payment"), None)
    if service is None:
        return None
    t = report.total
    done, r14, r18 = t.people_ever(service), t.stats.get("residents_14plus", 0), t.stats.get("residents_18plus", 0)
    if not r18:
        return _("Chỉ tiêu của QĐ 411/QĐ-TTg tính trên người từ 15 tuổi trở lên; hộ gia đình chỉ khai số người từ 14 "
                 "và từ 18 tuổi nên báo cáo tính trên người từ 18 tuổi (chưa có số liệu).")
    return _("Chỉ tiêu của QĐ 411/QĐ-TTg tính trên người từ 15 tuổi trở lên; hộ gia đình chỉ khai số người từ 14 và "
             "từ 18 tuổi, nên không có mẫu số từ 15 tuổi. Tỉ lệ trên người từ 15 tuổi nằm trong khoảng %(lo)s "
             "(tính trên %(r14)s người từ 14 tuổi) đến %(hi)s (tính trên %(r18)s người từ 18 tuổi).",
             lo=format_percent(share(done, r14)), hi=format_percent(share(done, r18)), r14=number(r14),
             r18=number(r18))


def outreach_lines(report: Report) -> list[Line]:
    """Sessions by kind, each with its topics (the services it covered): "26 buổi tập huấn: 13 TMĐT, …"."""
    by_id = {s.id: s for s in report.services}
    out = []
    for kind, (n, attendees) in report.sessions_by_kind.items():
        if not n:
            continue
        topics = report.sessions_by_topic.get(kind, {})
        parts = [f"{number(c)} {by_id[sid].short_name}" for sid, c in sorted(topics.items(), key=lambda kv: -kv[1])
                 if sid in by_id and c]
        if topics.get(0):
            parts.append(_("%(n)s chủ đề khác", n=number(topics[0])))
        note = _("theo chuyên đề: %(parts)s", parts=", ".join(parts)) if parts else ""
        out.append(Line(str(KIND_NAMES.get(kind, kind)), n, _("buổi"), note=note, attendees=attendees))
    return out


def activity_lines(report: Report) -> list[Line]:
    out = []
    for kind in ActivityKind.ALL:
        records, quantity, attendees = report.activities.get(kind, [0, 0, 0])
        trained = attendees if kind == ActivityKind.MEMBER_TRAINING else None
        out.append(Line(str(ACTIVITY_NAMES[kind]), quantity, str(ACTIVITY_UNITS[kind]), attendees=trained))
    return out


def late_text(report: Report) -> str | None:
    late = report.late
    if not late.total:
        return None
    parts = []
    if late.visits:
        parts.append(_("%(n)s lượt thăm được sửa sau ngày chốt", n=number(late.visits)))
    if late.sessions:
        parts.append(_("%(n)s buổi tuyên truyền được ghi hoặc sửa sau ngày chốt", n=number(late.sessions)))
    if late.activities:
        parts.append(_("%(n)s hoạt động của xã được ghi hoặc sửa sau ngày chốt", n=number(late.activities)))
    return _("%(parts)s (ngày chốt: %(d)s); số liệu trên đã tính các thay đổi này.",
             parts="; ".join(parts), d=report.period.end.strftime("%d/%m/%Y"))


def approval_text(report: Report) -> str | None:
    t = report.total
    if report.period.signoff_key is None or not t.to_approve:
        return None
    if report.area.level == AreaLevel.PROVINCE:
        done = sum(1 for r in report.rows if r.to_approve and r.approved == r.to_approve)
        with_team = sum(1 for r in report.rows if r.to_approve)
        return _("Số liệu đã được xã duyệt đủ: %(a)s/%(b)s xã (%(v)s/%(w)s thôn).", a=number(done),
                 b=number(with_team), v=number(t.approved), w=number(t.to_approve))
    return _("Số liệu đã được duyệt: %(a)s/%(b)s thôn.", a=number(t.approved), b=number(t.to_approve))


# --- Rows for XLSX and CSV ------------------------------------------------------------------------

def summary_headers() -> list[str]:
    return [_("Chỉ tiêu"), _("Đơn vị"), _("Kỳ này"), _("Kỳ trước"), _("Tăng/giảm"), _("Lũy kế đến cuối kỳ"),
            _("Trên tổng số"), _("Tỉ lệ (%)"), _("Người tham dự"), _("Ghi chú")]


def _row(line: Line) -> list:
    return [line.label, line.unit, line.value, line.previous, line.delta, line.ever, line.of, pct(line.rate),
            line.attendees, line.note]


def summary_rows(report: Report) -> list[list]:
    groups = [organisation_lines(report), population_lines(report), visit_lines(report), service_lines(report),
              indicator_lines(report), outreach_lines(report), activity_lines(report)]
    rows = [_row(line) for group in groups for line in group]
    for text in (payment_basis(report), late_text(report), approval_text(report)):
        if text:
            rows.append([text])
    return rows


def period_rows(report: Report) -> list[list]:
    prev = report.period.previous()
    return [[_("Địa bàn"), report.area.name], [_("Kỳ báo cáo"), report.period.name()],
            [_("Từ ngày"), report.period.start], [_("Đến ngày"), report.period.end],
            [_("Số liệu tính đến ngày"), report.period.as_of],
            [_("Kỳ trước: từ ngày"), prev.start], [_("Kỳ trước: đến ngày"), prev.end]]


def level_headers(report: Report) -> list[str]:
    province = report.area.level == AreaLevel.PROVINCE
    heads = [_("Xã, phường") if province else _("Thôn, tổ dân phố")]
    if province:
        heads += [_("Thôn có tổ"), _("Tổng số thôn")]
    heads += [_("Số tổ"), _("Tổ có hoạt động"), _("Thành viên"), _("Thành viên có lượt thăm"),
              _("Tổng số hộ"), _("Hộ đã được thăm (lũy kế)"), _("Lượt thăm trong kỳ"), _("Buổi tuyên truyền"),
              _("Lượt người tham dự")]
    heads += [_("%(s)s: trong kỳ (%(u)s)", s=s.short_name, u=unit_name(s)) for s in report.services]
    for s in report.coverage_services:
        heads += [_("%(s)s: lũy kế", s=s.short_name), _("%(s)s: trên tổng số", s=s.short_name),
                  _("%(s)s: tỉ lệ (%%)", s=s.short_name)]
    heads += [_("Lượt thăm sửa sau ngày chốt")]
    if report.period.signoff_key:
        heads += [_("Đã duyệt")]
    return heads


def level_row(report: Report, row: Figures, name: str) -> list:
    cells: list = [name]
    if report.area.level == AreaLevel.PROVINCE:
        cells += [row.villages_with_team, row.villages]
    cells += [row.teams, row.teams_active, row.members, row.members_active, row.households, row.visited,
              row.visits, row.sessions, row.attendees]
    cells += [row.people(s) for s in report.services]
    for s in report.coverage_services:
        cells += [row.people_ever(s), row.eligible(s), pct(row.rate(s))]
    cells += [row.late_visits]
    if report.period.signoff_key:
        cells += [f"{row.approved}/{row.to_approve}" if row.to_approve else "–"]
    return cells


def level_rows(report: Report) -> list[list]:
    rows = [level_row(report, r, r.area.name) for r in report.rows]
    rows.append(level_row(report, report.total, _("Tổng cộng")))
    return rows


def session_headers() -> list[str]:
    return [_("Ngày"), _("Thôn"), _("Tổ"), _("Hình thức"), _("Chủ đề"), _("Dịch vụ"), _("Số người tham dự"),
            _("Địa điểm")]


def session_rows(report: Report) -> list[list]:
    """Every outreach session of the period (the export the officer hands on)."""
    rows = []
    for s, _path in sorted(sessions_of(report.area, report.start, report.end), key=lambda r: (r[0].held_on, r[0].id)):
        rows.append([s.held_on, s.village.name, s.team.name, str(KIND_NAMES.get(s.kind, s.kind)), s.topic,
                     ", ".join(x.short_name for x in s.services), s.attendees, s.place or ""])
    return rows


def activity_headers() -> list[str]:
    return [_("Ngày"), _("Xã, phường"), _("Loại hoạt động"), _("Nội dung"), _("Số lượng"), _("Đơn vị"),
            _("Số người tham dự")]


def activity_rows(report: Report) -> list[list]:
    return [[a.held_on, a.commune.name, str(ACTIVITY_NAMES[a.kind]), a.title, a.quantity, str(ACTIVITY_UNITS[a.kind]),
             a.attendees] for a in activities_of(report.area, report.start, report.end)]


def sheets(report: Report) -> list[Sheet]:
    level = _("Các xã, phường") if report.area.level == AreaLevel.PROVINCE else _("Các thôn")
    return [Sheet(_("Tổng hợp"), summary_headers(), summary_rows(report) + [[]] + period_rows(report)),
            Sheet(level, level_headers(report), level_rows(report)),
            Sheet(_("Buổi tuyên truyền"), session_headers(), session_rows(report)),
            Sheet(_("Hoạt động của xã"), activity_headers(), activity_rows(report))]


def csv_rows(report: Report) -> tuple[list[str], list[list]]:
    """One CSV: the summary, the period, then the per-village (or per-commune) table with its header."""
    rows = (summary_rows(report) + [[]] + period_rows(report) + [[]] + [level_headers(report)]
            + level_rows(report))
    return summary_headers(), rows
