"""CSV and XLSX helpers shared by reports, imports and exports."""
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
