"""Tables to files: CSV and XLSX written row by row and streamed, for any table's export.

Both writers take the columns and an iterable of rows and yield bytes; neither holds the rows
in memory (XLSX through ``xlsxwriter``'s ``constant_memory`` mode: each row goes to a temporary
file as it is written). Text that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is escaped with a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter

from kontor.errors import InvalidInput

CHUNK_BYTES = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class ExportFormat(StrEnum):
    """The file formats a table exports to."""

    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        """The content type of the file."""
        return CSV_MEDIA_TYPE if self == ExportFormat.CSV else XLSX_MEDIA_TYPE


@dataclass(frozen=True)
class Column:
    """One column of an export: the field it shows and its heading."""

    key: str
    title: str


def safe_text(text: str) -> str:
    """The text, with an apostrophe before it if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_text(value: Any) -> str:
    """A cell value as text: empty for none, ISO 8601 for times, JSON for structures."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(as_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def csv_stream(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], delimiter: str = ","
) -> Iterator[bytes]:
    """UTF-8 CSV (with a byte order mark, so spreadsheets read umlauts): heading, then rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_text(c.title) for c in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(value) for value in row])
        yield buffer.getvalue().encode()


def _csv_cell(value: Any) -> str:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)  # a negative number is a number, not a formula
    return safe_text(as_text(value))


def xlsx_stream(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str = "Export"
) -> Iterator[bytes]:
    """An XLSX workbook of one sheet: bold heading, then rows; written in constant memory."""
    with tempfile.TemporaryFile() as file:
        _write_xlsx(file, columns, rows, sheet)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def _write_xlsx(
    file: Any, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str
) -> None:
    workbook = xlsxwriter.Workbook(
        file, {"constant_memory": True, "remove_timezone": True, "strings_to_formulas": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    heading = workbook.add_format({"bold": True})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, safe_text(column.title), heading)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            _xlsx_cell(worksheet, number, index, value, moment, day)
    workbook.close()


def _xlsx_cell(worksheet: Any, row: int, col: int, value: Any, moment: Any, day: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC) if value.tzinfo else value
        worksheet.write_datetime(row, col, utc.replace(tzinfo=None), moment)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, value, day)
    else:
        worksheet.write_string(row, col, safe_text(as_text(value)))


def stream(
    file_format: ExportFormat, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str
) -> Iterator[bytes]:
    """The file of ``file_format`` for the columns and rows."""
    if file_format == ExportFormat.CSV:
        return csv_stream(columns, rows)
    return xlsx_stream(columns, rows, sheet)


class ExportTooLarge(InvalidInput):
    """A table longer than the export limit; nothing was written."""

    code = "exchange.export_too_large"

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(
            f"the list holds {rows} rows, an export at most {limit}: narrow it with filters",
            field="filter", rows=rows, limit=limit,
        )  # fmt: skip


def capped(rows: Iterable[Sequence[Any]], limit: int) -> Iterator[Sequence[Any]]:
    """At most ``limit`` of the rows (a table that grew while it was written stops there)."""
    for number, row in enumerate(rows):
        if number >= limit:
            return
        yield row
