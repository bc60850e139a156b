"""An export file: the rows of queries.py written as CSV (one table) or XLSX (both tables)."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from ..models import Area
from ..spreadsheets import CSV_MIME, XLSX_MIME, Sheet, csv_bytes, xlsx_bytes
from .queries import assistance_headers, assistance_rows, visit_headers, visit_rows


@dataclass
class ExportFile:
    data: bytes
    filename: str
    mimetype: str
    tables: list[str]
    visits: int     # visit rows written (the rows that may carry personal data)


def build_export(area: Area, start: date, end: date, fmt: str, table: str, personal: bool,
                 on_rows=None) -> ExportFile:
    """on_rows(): called once the rows are read, before the file is written (a job's progress)."""
    label = f"{area.name} {start.isoformat()} - {end.isoformat()}"
    on_rows = on_rows or (lambda: None)
    if fmt == "csv" and table == "assistance":
        rows = assistance_rows(area, start, end)
        on_rows()
        return ExportFile(csv_bytes(assistance_headers(), rows), f"{_('Hỗ trợ theo dịch vụ')} {label}.csv",
                          CSV_MIME, ["assistance"], 0)
    visits = visit_rows(area, start, end, personal)
    if fmt == "csv":
        on_rows()
        return ExportFile(csv_bytes(visit_headers(personal), visits), f"{_('Lượt thăm')} {label}.csv",
                          CSV_MIME, ["visits"], len(visits))
    assists = assistance_rows(area, start, end)
    on_rows()
    data = xlsx_bytes([Sheet(_("Lượt thăm"), visit_headers(personal), visits),
                       Sheet(_("Hỗ trợ theo dịch vụ"), assistance_headers(), assists)])
    return ExportFile(data, f"{_('Xuất dữ liệu')} {label}.xlsx", XLSX_MIME, ["visits", "assistance"], len(visits))
