"""The official document (Nghị định 30/2020/NĐ-CP layout) as one structure, rendered to the A4 print page
(templates/reports/document.html) and to .docx (reports/docx.py): the same words in both.

Top left the issuing body (a commune's People's Committee, by its own type; a province's body from its
settings) and "Số: …/BC-UBND"; top right the national name and motto, and the place and date ("Hà Nha,
ngày 05 tháng 01 năm 2027": days below 10 and months 1 and 2 take a leading zero); the title, the subject,
"Kính gửi", the opening that names the request, numbered sections, "Nơi nhận" and the signature block.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from ..counting import share, today
from ..extensions import db
from ..models import AreaLevel, IssuerSetting
from ..text import format_percent, number
from .tables import (
    INDICATOR_NAMES,
    activity_lines,
    approval_text,
    indicator_lines,
    late_text,
    outreach_lines,
    payment_basis,
    unit_name,
)

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TYPE_PREFIXES = ("Thành phố ", "Tỉnh ", "Đặc khu ", "Phường ", "Xã ")
DEFAULT_PROVINCE_BODY = ("Sở Khoa học và Công nghệ", "SKHCN", "GIÁM ĐỐC")


def place_name(area) -> str:
    """The place of the date line: the name without its type ("Xã Hà Nha" -> "Hà Nha")."""
    for prefix in TYPE_PREFIXES:
        if area.name.startswith(prefix):
            return area.name[len(prefix):]
    return area.name


def place_date(area, day: date) -> str:
    """"Hà Nha, ngày 05 tháng 01 năm 2027": the day always in two digits, months 1 and 2 with a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _("%(place)s, ngày %(d)s tháng %(m)s năm %(y)d", place=place_name(area), d=f"{day.day:02d}", m=month,
             y=day.year)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass
class Issuer:
    parent: str | None        # the superior body, not bold ("UBND TỈNH GIA LAI"); None for a commune
    body: str                 # the issuing body, bold ("ỦY BAN NHÂN DÂN\nXÃ HÀ NHA" is two lines)
    abbreviation: str         # "UBND", "SKHCN"
    in_sentence: str          # "Ủy ban nhân dân xã Hà Nha", "Sở Khoa học và Công nghệ"
    collective: str | None    # "TM. ỦY BAN NHÂN DÂN" (a committee signs on behalf of its members)
    head: str                 # "CHỦ TỊCH", "GIÁM ĐỐC"
    deputy: str               # "PHÓ CHỦ TỊCH", "PHÓ GIÁM ĐỐC"


def issuer_for(area) -> Issuer:
    """Never the team: a commune's People's Committee, or the province's body chosen in its settings."""
    if area.level == AreaLevel.PROVINCE:
        setting = db.session.get(IssuerSetting, area.id)
        body, abbreviation, head = ((setting.body, setting.abbreviation, setting.head_title) if setting
                                    else DEFAULT_PROVINCE_BODY)
        parent = (setting.parent if setting and setting.parent else f"UBND {area.name.upper()}")
        return Issuer(parent=parent, body=body.upper(), abbreviation=abbreviation, in_sentence=body,
                      collective=None, head=head.upper(), deputy=f"PHÓ {head.upper()}")
    return Issuer(parent=None, body=f"ỦY BAN NHÂN DÂN\n{area.name.upper()}", abbreviation="UBND",
                  in_sentence=f"Ủy ban nhân dân {_lower_first(area.name)}", collective="TM. ỦY BAN NHÂN DÂN",
                  head="CHỦ TỊCH", deputy="PHÓ CHỦ TỊCH")


@dataclass
class Block:
    """A piece of the body: a heading (level 1: "I. …", 2: "1. …"), a paragraph, a bullet, or a table."""
    kind: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    italic: bool = False
    widths: list[float] = field(default_factory=list)  # table columns, cm (the .docx; the page lays them out)
    small: bool = False                                 # a wide table: a smaller type


@dataclass
class Document:
    issuer: Issuer
    number: str               # "Số: 12/BC-UBND"
    place_date: str
    title: str                # "BÁO CÁO", "TỜ TRÌNH"
    subject: str
    recipients: list[str]
    blocks: list[Block]
    copies: list[str]         # Nơi nhận
    sign: list[str]           # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    signer: str
    file_stem: str = "van-ban"

    def text(self) -> str:
        """Every word of the document, in reading order (tests, search)."""
        parts = [self.issuer.parent or "", self.issuer.body, self.number, NATION, MOTTO, self.place_date,
                 self.title, self.subject, self.recipients_line()]
        for b in self.blocks:
            parts.append(b.text)
            parts += [" | ".join(b.header)] + [" | ".join(r) for r in b.rows]
        parts += [_("Nơi nhận:"), *self.copies, *self.sign, self.signer]
        return "\n".join(p for p in parts if p)

    def recipients_line(self) -> str:
        if len(self.recipients) <= 1:
            return _("Kính gửi: %(r)s", r=self.recipients[0] if self.recipients else "…")
        return _("Kính gửi:") + " " + "; ".join(f"- {r}" for r in self.recipients)


def signature(issuer: Issuer, role: str) -> list[str]:
    """ND 30: TM. (on behalf of the committee), KT. (for the head, signed by a deputy)."""
    lines = [issuer.collective] if issuer.collective else []
    if role == "deputy":
        lines += [f"KT. {issuer.head}", issuer.deputy]
    else:
        lines += [issuer.head]
    return lines


def lines_of(text: str | None) -> list[str]:
    return [line.strip().lstrip("-").strip() for line in (text or "").splitlines() if line.strip().strip("-").strip()]


def _paragraphs(text: str | None, empty: str = "…") -> list[Block]:
    parts = [p.strip() for p in (text or "").split("\n") if p.strip()]
    return [Block("para", p) for p in parts] or [Block("para", empty, italic=True)]


def frame(area, kind_code: str, fields: dict, title: str, subject: str, blocks: list[Block],
          file_stem: str) -> Document:
    """The parts every document shares, from the officer's draft (fields)."""
    issuer = issuer_for(area)
    try:
        day = date.fromisoformat(fields.get("doc_date") or "")
    except ValueError:
        day = today()
    number_ = (fields.get("number") or "").strip() or "…"
    copies = [_("Như trên;")] + [c if c.endswith((";", ".")) else c + ";" for c in lines_of(fields.get("copies"))]
    copies.append(_("Lưu: VT."))
    return Document(issuer=issuer, number=_("Số: %(n)s/%(k)s-%(a)s", n=number_, k=kind_code, a=issuer.abbreviation),
                    place_date=place_date(area, day), title=title, subject=subject,
                    recipients=lines_of(fields.get("recipients")), blocks=blocks, copies=copies,
                    sign=signature(issuer, fields.get("signer_role") or "deputy"),
                    signer=(fields.get("signer_name") or "").strip(), file_stem=file_stem)


# --- The report ----------------------------------------------------------------------------------

def report_document(report, fields: dict) -> Document:
    area, period, t = report.area, report.period, report.total
    issuer = issuer_for(area)
    province = area.level == AreaLevel.PROVINCE
    as_of = period.as_of.strftime("%d/%m/%Y")
    blocks: list[Block] = []
    # The request the report answers; until the officer names it, a blank to fill in Word.
    reference = (fields.get("reference") or "").strip().rstrip(";.") or _("Công văn số … ngày … của …")
    opening = _("%(who)s báo cáo kết quả hoạt động của Tổ công nghệ số cộng đồng %(period)s như sau:",
                who=issuer.in_sentence, period=period.name())
    blocks.append(Block("para", _("Thực hiện %(ref)s; %(rest)s", ref=reference, rest=opening)))
    if not period.closed:
        blocks.append(Block("para", _("(Kỳ báo cáo chưa kết thúc: số liệu tính đến ngày %(d)s.)", d=as_of),
                            italic=True))
    blocks.append(Block("h1", _("I. KẾT QUẢ THỰC HIỆN")))
    blocks.append(Block("h2", _("1. Tình hình tổ chức, hoạt động của Tổ công nghệ số cộng đồng")))
    where = (_("%(a)s/%(b)s xã, phường, đặc khu; ", a=number(t.communes_with_team), b=number(t.communes))
             if province else "")
    blocks.append(Block("para", _(
        "Đến ngày %(d)s, trên địa bàn có %(teams)s Tổ công nghệ số cộng đồng tại %(where)s%(vt)s/%(v)s thôn, tổ dân "
        "phố, với %(members)s thành viên. Trong kỳ có %(ta)s/%(teams)s tổ hoạt động (có lượt thăm hộ hoặc buổi tuyên "
        "truyền) và %(ma)s/%(members)s thành viên trực tiếp đến hộ hướng dẫn người dân.",
        d=as_of, teams=number(t.teams), where=where, vt=number(t.villages_with_team), v=number(t.villages),
        members=number(t.members), ta=number(t.teams_active), ma=number(t.members_active))))
    blocks.append(Block("h2", _("2. Công tác tuyên truyền, tập huấn")))
    outreach = outreach_lines(report)
    for line in outreach:
        blocks.append(Block("bullet", _("%(kind)s: %(n)s buổi, %(a)s lượt người tham dự%(topics)s.", kind=line.label,
                                        n=number(line.value), a=number(line.attendees or 0),
                                        topics=f" ({line.note})" if line.note else "")))
    done = [line for line in activity_lines(report) if line.value]
    for line in done:
        extra = _(", %(a)s lượt thành viên tham dự", a=number(line.attendees)) if line.attendees is not None else ""
        blocks.append(Block("bullet", f"{line.label}: {number(line.value)} {line.unit}{extra}."))
    if not outreach and not done:
        blocks.append(Block("para", _("Trong kỳ chưa ghi nhận buổi tuyên truyền, tập huấn nào."), italic=True))
    blocks.append(Block("h2", _("3. Kết quả hướng dẫn, hỗ trợ người dân")))
    blocks.append(Block("para", _(
        "Các tổ đã thực hiện %(v)s lượt thăm hộ (đi từng ngõ, gõ từng nhà), %(r)s hộ được thăm lần đầu; lũy kế đến "
        "ngày %(d)s đã thăm %(vis)s/%(hh)s hộ (đạt %(p)s).", v=number(t.visits), r=number(t.reached), d=as_of,
        vis=number(t.visited), hh=number(t.households), p=format_percent(share(t.visited, t.households)))))
    prev = report.period.previous()
    rows = []
    worked = [s for s in report.services if t.people(s) or report.previous.people(s) or t.people_ever(s)]
    for i, s in enumerate(worked, 1):
        rows.append([str(i), s.name, unit_name(s), number(t.people(s)), number(report.previous.people(s)),
                     number(t.people_ever(s))])
    if rows:
        blocks.append(Block("table", header=[_("STT"), _("Nội dung hỗ trợ"), _("Đơn vị"), _("Trong kỳ"),
                                             _("Kỳ trước (%(p)s)", p=prev.label()), _("Lũy kế đến %(d)s", d=as_of)],
                            rows=rows, widths=[1.3, 6.2, 1.6, 2.0, 2.7, 2.7]))
    else:
        blocks.append(Block("para", _("Chưa có người dân nào được hỗ trợ."), italic=True))
    blocks.append(Block("h2", _("4. Kết quả thực hiện các mục tiêu, chỉ tiêu")))
    rows = []
    headline = {str(INDICATOR_NAMES[c]) for c in INDICATOR_NAMES}
    shown = [line for line in indicator_lines(report) if line.value or line.label in headline]  # the zeros stay in XLSX
    for i, line in enumerate(shown, 1):
        result = (_("%(a)s/%(b)s", a=number(line.ever), b=number(line.of)) if line.of is not None
                  else f"{number(line.value)} {line.unit}")
        rows.append([str(i), f"{line.label} ({line.note})" if line.note else line.label, result,
                     format_percent(line.rate) if line.of is not None else "–"])
    blocks.append(Block("table", header=[_("STT"), _("Chỉ tiêu"), _("Kết quả"), _("Tỉ lệ")], rows=rows,
                        widths=[1.3, 10.2, 2.8, 2.2]))
    s = t.stats
    blocks.append(Block("para", _(
        "Số liệu dân cư tính đến ngày %(d)s (theo danh sách hộ của các tổ): %(h)s hộ, %(r)s nhân khẩu, %(r14)s người từ "
        "14 tuổi trở lên, %(r18)s người từ 18 tuổi trở lên, %(sp)s điện thoại thông minh.", d=as_of,
        h=number(s.get("households")), r=number(s.get("residents_total")), r14=number(s.get("residents_14plus")),
        r18=number(s.get("residents_18plus")), sp=number(s.get("smartphones")))))
    for text in (payment_basis(report), approval_text(report), late_text(report)):
        if text:
            blocks.append(Block("para", text, italic=True))
    blocks.append(Block("h2", _("5. Kết quả theo xã, phường") if province else _("5. Kết quả theo thôn, tổ dân phố")))
    head = [_("Xã, phường") if province else _("Thôn, tổ dân phố"), _("Tổ / thành viên"), _("Hộ đã thăm / tổng số hộ"),
            _("Lượt thăm trong kỳ")] + [h.short_name for h in report.headline_services]
    rows = []
    for r in report.rows + [t]:
        rows.append([r.area.name if r is not t else _("Tổng cộng"), f"{number(r.teams)} / {number(r.members)}",
                     f"{number(r.visited)}/{number(r.households)}", number(r.visits)]
                    + [f"{number(r.people_ever(h))}/{number(r.eligible(h))} ({format_percent(r.rate(h))})"
                       for h in report.headline_services])
    rest = (16.5 - 9.5) / max(len(report.headline_services), 1)
    blocks.append(Block("table", header=head, rows=rows, widths=[3.5, 2.2, 2.3, 1.5] + [rest] * len(report.headline_services),
                        small=True))
    blocks.append(Block("h2", _("6. Kết quả nổi bật, cách làm hay")))
    blocks += _paragraphs(fields.get("highlights"))
    blocks.append(Block("h1", _("II. ĐÁNH GIÁ")))
    for title, key in ((_("1. Ưu điểm"), "strengths"), (_("2. Tồn tại, hạn chế"), "weaknesses"),
                       (_("3. Nguyên nhân"), "causes")):
        blocks.append(Block("h2", title))
        blocks += _paragraphs(fields.get(key))
    blocks.append(Block("h1", _("III. ĐỀ XUẤT, KIẾN NGHỊ")))
    blocks += _paragraphs(fields.get("proposals"))
    short = (lines_of(fields.get("recipients")) or [""])[0]
    blocks.append(Block("para", _("Trên đây là báo cáo kết quả hoạt động của Tổ công nghệ số cộng đồng %(period)s của "
                                  "%(who)s%(to)s./.", period=period.name(), who=issuer.in_sentence,
                                  to=_(" gửi %(r)s", r=short) if short else "")))
    subject = (_("Tổng kết hoạt động của Tổ công nghệ số cộng đồng %(p)s nhân Ngày Chuyển đổi số quốc gia 10/10",
                 p=period.name()) if period.kind == "review" else
               _("Kết quả hoạt động của Tổ công nghệ số cộng đồng %(p)s", p=period.name()))
    return frame(area, "BC", fields, _("BÁO CÁO"), subject, blocks,
                 file_stem=f"Bao-cao {area.name} {period.short()}")


# --- The commendation proposal -------------------------------------------------------------------

def commendation_document(proposal, fields: dict) -> Document:
    area, period = proposal.area, proposal.period
    issuer = issuer_for(area)
    blocks: list[Block] = []
    for basis in lines_of(fields.get("bases")):
        blocks.append(Block("para", basis if basis.endswith((";", ".")) else basis + ";"))
    blocks.append(Block("para", _("Căn cứ kết quả hoạt động của Tổ công nghệ số cộng đồng %(p)s (số liệu tính đến ngày "
                                  "%(d)s);", p=period.name(), d=period.as_of.strftime("%d/%m/%Y"))))
    short = (lines_of(fields.get("recipients")) or [_("cấp có thẩm quyền")])[0]
    blocks.append(Block("para", _(
        "%(who)s kính đề nghị %(to)s xem xét, khen thưởng %(t)s tập thể và %(m)s cá nhân có thành tích xuất sắc trong "
        "hoạt động của Tổ công nghệ số cộng đồng, cụ thể như sau:", who=issuer.in_sentence, to=short,
        t=number(len(proposal.teams)), m=number(len(proposal.members)))))
    blocks.append(Block("h2", _("1. Tập thể")))
    if proposal.teams:
        blocks.append(Block("table", header=[_("STT"), _("Tên tập thể"), _("Đạt chỉ tiêu"), _("Điểm"), _("Lượt thăm"),
                                             _("Thành tích chính")],
                            rows=[[str(i), f"{r.name} ({r.place})", format_percent(r.score), number(r.points),
                                   number(r.visits), proposal.achievements(r)] for i, r in enumerate(proposal.teams, 1)],
                            widths=[1.3, 4.0, 2.0, 1.4, 1.6, 6.2]))
    else:
        blocks.append(Block("para", _("Không có tổ nào có kết quả trong kỳ để đề nghị."), italic=True))
    blocks.append(Block("h2", _("2. Cá nhân")))
    if proposal.members:
        blocks.append(Block("table", header=[_("STT"), _("Họ và tên"), _("Đơn vị"), _("Điểm"), _("Lượt thăm"),
                                             _("Thành tích chính")],
                            rows=[[str(i), r.name, r.place, number(r.points), number(r.visits), proposal.achievements(r)]
                                  for i, r in enumerate(proposal.members, 1)],
                            widths=[1.3, 3.6, 3.4, 1.4, 1.6, 5.2]))
    else:
        blocks.append(Block("para", _("Không có thành viên nào có kết quả trong kỳ để đề nghị."), italic=True))
    blocks.append(Block("para", _("Điểm thi đua: %(rule)s. Đạt chỉ tiêu: tỉ lệ số người được hỗ trợ trong kỳ trên số "
                                  "người đủ điều kiện của thôn (theo điểm từng dịch vụ), vượt chỉ tiêu ghi đúng tỉ lệ.",
                                  rule=proposal.points_rule()), italic=True))
    blocks.append(Block("para", _("%(who)s kính trình %(to)s xem xét, quyết định./.", who=issuer.in_sentence,
                                  to=short)))
    subject = _("Về việc đề nghị khen thưởng tập thể, cá nhân có thành tích xuất sắc trong hoạt động của Tổ công nghệ "
                "số cộng đồng %(p)s", p=period.name())
    return frame(area, "TTr", fields, _("TỜ TRÌNH"), subject, blocks,
                 file_stem=f"To-trinh khen thuong {area.name} {period.short()}")
