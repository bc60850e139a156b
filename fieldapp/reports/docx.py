"""A Document (reports/document.py) as an editable Word file: A4, the margins and the Times New Roman of
Nghị định 30/2020 (top and bottom 2 cm, left 3 cm, right 1.5 cm; 13-14 pt), the two-column header without
borders, the tables with borders, the signature block on the right."""
import io

from docx import Document as Word
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from .document import MOTTO, NATION, Document

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"


def _run(paragraph, text: str, *, bold=False, italic=False, size=13, underline=False):
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return run


def _para(container, text: str = "", *, align=None, bold=False, italic=False, size=13, space_after=6,
          indent=False, underline=False):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Cm(1)
    if text:
        _run(p, text, bold=bold, italic=italic, size=size, underline=underline)
    return p


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _widths(table, cm: list[float]) -> None:
    """Fixed column widths (Word and LibreOffice read the grid, Word also each cell's width)."""
    table.autofit = False
    for i, width in enumerate(cm):
        table.columns[i].width = Cm(width)
        for cell in table.columns[i].cells:
            cell.width = Cm(width)


def _cell(cell, lines: list[tuple[str, dict]]) -> None:
    cell.paragraphs[0].text = ""
    first = True
    for text, style in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        _run(p, text, **style)


def docx_bytes(doc: Document) -> bytes:
    word = Word()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)

    head = word.add_table(rows=1, cols=2)
    _no_borders(head)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(head, [6.3, 10.2])
    left, right = head.rows[0].cells
    issuer = []
    if doc.issuer.parent:
        issuer.append((doc.issuer.parent, {"size": 12}))
    body = doc.issuer.body.split("\n")
    issuer += [(line, {"size": 12, "bold": i == len(body) - 1 or doc.issuer.parent is not None})
               for i, line in enumerate(body)]
    issuer += [("―――――", {"size": 8}), (doc.number, {"size": 13})]
    _cell(left, issuer)
    _cell(right, [(NATION, {"bold": True, "size": 12}), (MOTTO, {"bold": True, "size": 13, "underline": True}),
                  ("", {}), (doc.place_date, {"italic": True, "size": 13})])

    _para(word, "", space_after=6)
    _para(word, doc.title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14, space_after=0)
    _para(word, doc.subject, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14, space_after=12)
    _para(word, doc.recipients_line(), align=WD_ALIGN_PARAGRAPH.CENTER, size=14, space_after=12)

    for block in doc.blocks:
        if block.kind == "h1":
            _para(word, block.text, bold=True, size=13, space_after=6)
        elif block.kind == "h2":
            _para(word, block.text, bold=True, size=13, space_after=4, indent=True)
        elif block.kind == "bullet":
            _para(word, f"- {block.text}", size=13, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        elif block.kind == "table":
            table = word.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = "Table Grid"
            if block.widths:
                _widths(table, block.widths)
            size = 10 if block.small else 11
            for i, text in enumerate(block.header):
                cell = table.rows[0].cells[i]
                cell.paragraphs[0].text = ""
                _run(cell.paragraphs[0], text, bold=True, size=size)
            for r, row in enumerate(block.rows, 1):
                for i, text in enumerate(row):
                    cell = table.rows[r].cells[i]
                    cell.paragraphs[0].text = ""
                    _run(cell.paragraphs[0], text, size=size)
            _para(word, "", space_after=4)
        else:
            _para(word, block.text, italic=block.italic, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    foot = word.add_table(rows=1, cols=2)
    _no_borders(foot)
    _widths(foot, [7.5, 9.0])
    left, right = foot.rows[0].cells
    left.paragraphs[0].text = ""
    _run(left.paragraphs[0], _("Nơi nhận:"), bold=True, italic=True, size=12)
    for line in doc.copies:
        p = left.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        _run(p, f"- {line}", size=11)
    _cell(right, [(line, {"bold": True, "size": 13}) for line in doc.sign]
          + [("", {}), ("", {}), ("", {}), (doc.signer, {"bold": True, "size": 13})])
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
