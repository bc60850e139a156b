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
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _

from .text import number

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


def read_rows(filename: str, data: bytes, max_rows: int = MAX_UPLOAD_ROWS) -> list[tuple[int, list[str]]]:
    """(line number, cells as text) for every non-empty row, the header row included (line 1).

    CSV: UTF-8 with or without BOM, comma or semicolon. XLSX: the first worksheet. A file with more rows
    (than max_rows below the header), columns or cells than an import can use is refused as soon as that
    is seen, not read to the end.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data, max_rows)
    elif name.endswith(".csv"):
        rows = _csv_rows(data, max_rows)
    else:
        raise SpreadsheetError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
    if not rows:
        raise SpreadsheetError(_("Tệp không có dòng nào."))
    return rows


# Limits of an upload, checked while reading. An import template has about 10 columns and imports take
# at most a few thousand rows; a worksheet is never read further than these.
MAX_UPLOAD_COLUMNS = 60          # columns with a value
MAX_UPLOAD_CELLS = 200_000       # <c> elements of the worksheet, empty ones included
MAX_XML_ELEMENTS = 1_000_000     # elements of all the XML parts of an .xlsx together
MAX_UPLOAD_ROW_NUMBER = 50_000   # the last line with a value
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024   # an .xlsx is a zip: what it unpacks to, all parts together
MAX_CSV_FIELDS = 1_000           # separators on one CSV line (trailing empty ones included)


def _too_many_rows(max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(_("Tệp có quá nhiều dòng: mỗi lần nhập tối đa %(n)s dòng dữ liệu (dưới dòng tiêu đề). "
                              "Hãy chia thành nhiều tệp.", n=number(max_rows)))


def _too_many_columns(line: int) -> SpreadsheetError:
    return SpreadsheetError(_("Dòng %(line)s có dữ liệu ở quá nhiều cột (tối đa %(n)d cột). Hãy xoá các cột "
                              "thừa rồi lưu lại.", line=number(line), n=MAX_UPLOAD_COLUMNS))


def _csv_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(_("Tệp CSV phải dùng bảng mã UTF-8 (trong Excel: Lưu thành › CSV UTF-8).")) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for n, cells in enumerate(reader, start=1):
            if len(cells) > MAX_CSV_FIELDS:
                raise _too_many_columns(n)
            last = len(cells)
            while last and not cells[last - 1].strip():  # trailing separators (Excel writes them)
                last -= 1
            if not last:
                continue
            if last > MAX_UPLOAD_COLUMNS:
                raise _too_many_columns(n)
            rows.append((n, [unicodedata.normalize("NFC", _csv_value(c)).strip() for c in cells]))
            if len(rows) > max_rows + 1:
                raise _too_many_rows(max_rows)
    except csv.Error:  # e.g. one cell longer than the csv module's 128 KB field limit
        raise SpreadsheetError(_("Không đọc được dòng %(line)s của tệp CSV (ô quá dài hoặc sai định dạng).",
                                 line=number(reader.line_num))) from None
    return rows


def _xlsx_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive)
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise SpreadsheetError(_unreadable()) from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise SpreadsheetError(_unreadable()) from None
    try:
        if not book.worksheets:
            raise SpreadsheetError(_unreadable())
        ws = book.worksheets[0]
        with ws._get_source() as source:  # the worksheet's XML inside the zip (openpyxl read-only)
            size = _measure_sheet(source, max_rows)
        if size.last_row == 0:
            return []
        rows = []
        # The measured size, not the <dimension> the file claims: a lie there would pad every row.
        ws.reset_dimensions()
        for n, values in enumerate(ws.iter_rows(max_row=size.last_row, max_col=size.last_column,
                                                values_only=True), start=1):
            if any(v is not None for v in values):
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    rows.append((n, cells))
        return rows
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(_unreadable()) from None
    finally:
        book.close()


def _unreadable() -> str:
    return _("Không đọc được tệp Excel. Hãy lưu lại dưới dạng .xlsx rồi thử lại.")


def _too_many_cells() -> SpreadsheetError:
    return SpreadsheetError(_("Tệp Excel có quá nhiều ô (tối đa %(n)s ô). Hãy chỉ giữ trang tính danh sách, xoá các "
                              "trang, dòng và cột thừa rồi lưu lại.", n=number(MAX_UPLOAD_CELLS)))


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Before openpyxl reads anything: what the zip unpacks to, and the XML elements of all its parts.

    openpyxl parses the shared strings and every worksheet when it opens a workbook (a worksheet without a
    <dimension> is parsed to its end), so a budget on the whole archive bounds the work of opening it.
    """
    import xml.parsers.expat

    parts = archive.infolist()
    if sum(info.file_size for info in parts) > MAX_UNZIPPED_BYTES:  # zipfile enforces the declared sizes
        raise SpreadsheetError(_("Tệp Excel này giải nén ra quá lớn (trên %(n)d MB). Hãy chỉ giữ trang tính danh "
                                 "sách, xoá các trang, dòng và cột thừa rồi lưu lại.", n=MAX_UNZIPPED_BYTES // 2**20))
    budget = [MAX_XML_ELEMENTS]

    def count(_tag, _attrs):
        budget[0] -= 1
        if budget[0] < 0:
            raise _StopReading

    for info in parts:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = count
        try:
            with archive.open(info) as source:
                while chunk := source.read(64 * 1024):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _StopReading:
            raise _too_many_cells() from None
        except xml.parsers.expat.ExpatError:
            raise SpreadsheetError(_unreadable()) from None


@dataclass
class _SheetSize:
    last_row: int = 0      # the last line with a value
    last_column: int = 0   # the last column with a value, on any line
    valued_rows: int = 0


class _StopReading(Exception):
    pass


def _measure_sheet(source, max_rows: int) -> _SheetSize:
    """One streaming pass over the worksheet XML (expat, a few MB a second of work at most), that stops at
    the first cell past a limit. openpyxl builds every cell of a row before it returns the row, so a row
    of two million cells would otherwise tie a worker up for half a minute."""
    import xml.parsers.expat

    size = _SheetSize()
    state = {"row": 0, "col": 0, "cells": 0, "pending": False, "row_valued": False}
    problem: list[SpreadsheetError] = []

    def start(tag, attrs):
        local = tag.rpartition(":")[2]
        if local == "row":
            state["row"] = _int_attr(attrs.get("r"), state["row"] + 1)
            state["col"], state["row_valued"] = 0, False
        elif local == "c":
            state["cells"] += 1
            if state["cells"] > MAX_UPLOAD_CELLS:
                problem.append(_too_many_cells())
                raise _StopReading
            state["col"] = _column_of(attrs.get("r"), state["col"] + 1)
            state["pending"] = True
        elif local in ("v", "is") and state["pending"]:
            state["pending"] = False
            row, col = state["row"] or 1, state["col"]
            if col > MAX_UPLOAD_COLUMNS:
                problem.append(_too_many_columns(row))
                raise _StopReading
            if row > MAX_UPLOAD_ROW_NUMBER:
                problem.append(SpreadsheetError(_(
                    "Tệp có dữ liệu ở dòng %(line)s; chỉ đọc đến dòng %(n)s. Hãy xoá các dòng trống ở giữa rồi lưu lại.",
                    line=number(row), n=number(MAX_UPLOAD_ROW_NUMBER))))
                raise _StopReading
            if not state["row_valued"]:
                state["row_valued"] = True
                size.valued_rows += 1
                if size.valued_rows > max_rows + 1:
                    problem.append(_too_many_rows(max_rows))
                    raise _StopReading
            size.last_row = max(size.last_row, row)
            size.last_column = max(size.last_column, col)

    def end(tag):
        if tag.rpartition(":")[2] == "c":
            state["pending"] = False

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        while chunk := source.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _StopReading:
        raise problem[0] from None
    except xml.parsers.expat.ExpatError:
        raise SpreadsheetError(_unreadable()) from None
    return size


def _int_attr(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


def _column_of(ref: str | None, default: int) -> int:
    """"AB12" -> 28; no reference: the next column."""
    if not ref:
        return default
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            break
    return n or default
