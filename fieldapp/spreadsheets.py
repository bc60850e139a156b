"""Spreadsheets in and out: CSV (UTF-8 with BOM, so Excel shows the diacritics) and XLSX (openpyxl).

Writers take plain rows; numbers stay numbers in XLSX. Text that a spreadsheet would run as a formula
(it begins with = + - @, a tab or a carriage return: OWASP "CSV injection") is written as text in every
file: a leading ' in CSV, a text cell with Excel's quote prefix in XLSX. The reader turns an uploaded CSV
or XLSX into rows with their line numbers, for imports that check every row before writing anything; it
stops early (and says why) on a file with too many rows, columns or cells.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
# openpyxl (~5 MB once imported) is imported where a spreadsheet is made or read, not at start-up:
# every gunicorn worker would carry it, and most never serve an XLSX.

BOM = "\ufeff"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
MAX_UPLOAD_ROWS = 20_000


class SpreadsheetError(ValueError):
    """An upload that cannot be read at all (the message is for the user, in Vietnamese)."""


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


# --- Writing -------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value) -> bool:
    """Text that Excel, LibreOffice or Google Sheets would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _csv_cell(value):
    if value is None:
        return ""
    return "'" + value if starts_formula(value) else value


def csv_bytes(headers: list[str], rows) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]\*\?/\\:]", " ", title).strip()[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """One worksheet per Sheet: bold header row, frozen under it, numbers and dates as cell values.

    openpyxl's write-only mode: rows go straight to the file (tens of thousands of rows for an
    export stay fast and small in memory); column widths come from the header and the first rows.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, used))
        ws.freeze_panes = "A2"
        widths = [len(str(h)) for h in sheet.headers]
        for row in sheet.rows[:200]:
            for i, value in enumerate(row[:len(widths)]):
                widths[i] = max(widths[i], len(str(value)) if value is not None else 0)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
        header = []
        for h in sheet.headers:
            cell = _text_cell(ws, h) if starts_formula(h) else WriteOnlyCell(ws, value=h)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            if any(isinstance(v, date) or starts_formula(v) for v in row):  # datetime is a date too
                row = [_date_cell(ws, v) if isinstance(v, date) else _text_cell(ws, v) if starts_formula(v) else v
                       for v in row]
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _date_cell(ws, value: date):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "dd/mm/yyyy hh:mm" if isinstance(value, datetime) else "dd/mm/yyyy"
    return cell


def _text_cell(ws, value: str):
    """A string cell, never a formula; the quote prefix keeps it text when someone edits it in Excel."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=None)
    cell.value, cell.data_type = value, "s"  # set after: openpyxl makes a formula of any "=..." value
    cell.quotePrefix = True
    return cell


def ascii_filename(name: str) -> str:
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in folded if unicodedata.category(c) != "Mn")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip("-") or "file"


def download(data: bytes, filename: str, mimetype: str) -> Response:
    """An attachment with a Vietnamese file name (RFC 6266: ASCII fallback plus filename*)."""
    disposition = f"attachment; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


# --- Reading -------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def _csv_value(cell: str) -> str:
    """What was typed, for a cell this app escaped (a file exported, edited and imported again)."""
    return cell[1:] if cell.startswith("'") and starts_formula(cell[1:]) else cell


def read_rows(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """(line number, cells as text) for every non-empty row, the header row included (line 1).

    CSV: UTF-8 with or without BOM, comma or semicolon. XLSX: the first worksheet.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise SpreadsheetError(_("Không đọc được tệp Excel. Hãy lưu lại dưới dạng .xlsx rồi thử lại."))
        rows = []
        for n, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((n, cells))
            if len(rows) > MAX_UPLOAD_ROWS:
                break
        book.close()
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpreadsheetError(_("Tệp CSV phải dùng bảng mã UTF-8 (trong Excel: Lưu thành › CSV UTF-8)."))
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        rows = [(n, [unicodedata.normalize("NFC", _csv_value(c)).strip() for c in cells])
                for n, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
                if any(c.strip() for c in cells)]
    else:
        raise SpreadsheetError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
    if not rows:
        raise SpreadsheetError(_("Tệp không có dòng nào."))
    if len(rows) > MAX_UPLOAD_ROWS:
        raise SpreadsheetError(_("Tệp có quá nhiều dòng (tối đa %(n)s).", n=MAX_UPLOAD_ROWS))
    return rows
