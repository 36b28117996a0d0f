"""Tables to files: CSV and XLSX written row by row and streamed, for any table's export.

Both writers take the columns and an iterable of rows and yield bytes; neither holds the rows
in memory (XLSX through ``xlsxwriter``'s ``constant_memory`` mode: each row goes to a temporary
file as it is written). Text that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is escaped with a leading apostrophe, by the one
rule here (``spreadsheet_safe``): every spreadsheet file Kontor writes goes through these writers.
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
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from kontor.errors import InvalidInput

CHUNK_BYTES = 64 * 1024
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
DEFAULT_MOMENT_FORMAT = "yyyy-mm-dd hh:mm:ss"
DEFAULT_DAY_FORMAT = "yyyy-mm-dd"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    """One column of an export: the field it shows, its heading and its XLSX number format."""

    key: str
    title: str
    number_format: str | None = None


def spreadsheet_safe(text: str) -> str:
    """The text, with an apostrophe before it if a spreadsheet would run it as a formula (OWASP)."""
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


def csv_lines(
    table: Iterable[Sequence[Any]], delimiter: str = ",", decimal_comma: bool = False
) -> Iterator[str]:
    """The table (heading row first) as CSV text, one line at a time, formula text escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in table:
        writer.writerow([_csv_cell(value, decimal_comma) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_stream(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
    decimal_comma: bool = False,
) -> Iterator[bytes]:
    """UTF-8 CSV (with a byte order mark, so spreadsheets read umlauts): heading, then rows."""
    lines = csv_lines(_with_heading(columns, rows), delimiter, decimal_comma)
    yield "\ufeff".encode() + next(lines).encode()
    for line in lines:
        yield line.encode()


def _with_heading(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> Iterator[Sequence[Any]]:
    yield [column.title for column in columns]
    yield from rows


def _csv_cell(value: Any, decimal_comma: bool) -> str:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        text = str(value)  # a negative number is a number, not a formula
        return text.replace(".", ",") if decimal_comma else text
    return spreadsheet_safe(as_text(value))


def xlsx_stream(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str = "Export"
) -> Iterator[bytes]:
    """An XLSX workbook of one sheet: bold heading, then rows; written in constant memory."""
    formats = [c.number_format for c in columns]
    return xlsx_chunks(_with_heading(columns, rows), sheet, formats)


def xlsx_chunks(
    table: Iterable[Sequence[Any]], sheet: str, number_formats: Sequence[str | None] = ()
) -> Iterator[bytes]:
    """The table (heading row first) as an XLSX file in chunks (see ``write_xlsx``)."""
    with tempfile.TemporaryFile() as file:
        write_xlsx(file, table, sheet, number_formats)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def write_xlsx(
    target: str | Path | IO[bytes],
    table: Iterable[Sequence[Any]],
    sheet: str,
    number_formats: Sequence[str | None] = (),
) -> None:
    """Write the table (bold heading row first) as one XLSX sheet, row by row in constant memory.

    ``number_formats`` gives a column's format for numbers and times (by position).
    """
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target,
        {"constant_memory": True, "remove_timezone": True, "strings_to_formulas": False},
    )
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        heading = workbook.add_format({"bold": True})
        moment = workbook.add_format({"num_format": DEFAULT_MOMENT_FORMAT})
        day = workbook.add_format({"num_format": DEFAULT_DAY_FORMAT})
        formats = [workbook.add_format({"num_format": f}) if f else None for f in number_formats]
        for number, row in enumerate(table):
            for index, value in enumerate(row):
                if number == 0:
                    worksheet.write_string(0, index, spreadsheet_safe(as_text(value)), heading)
                    continue
                chosen = formats[index] if index < len(formats) else None
                _xlsx_cell(worksheet, number, index, value, chosen, moment, day)
    finally:
        workbook.close()


def _xlsx_cell(
    worksheet: Any, row: int, col: int, value: Any, chosen: Any, moment: Any, day: Any
) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, value, chosen)
    elif isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC) if value.tzinfo else value
        worksheet.write_datetime(row, col, utc.replace(tzinfo=None), chosen or moment)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, value, chosen or day)
    else:
        worksheet.write_string(row, col, spreadsheet_safe(as_text(value)))


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
