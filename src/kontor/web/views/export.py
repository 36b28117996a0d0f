"""Table exports streamed from the server: CSV (German Excel dialect) and XLSX (constant memory).

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import xlsxwriter

from kontor.web.i18n import berlin, format_day, format_moment
from kontor.web.views.declarations import Column, Kind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILE_CHUNK = 64 * 1024


def escape_formula(text: str) -> str:
    """``text`` made inert for spreadsheets: a leading apostrophe before formula characters."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind is Kind.DATETIME and isinstance(value, dt.datetime):
        return format_moment(value)
    if column.kind is Kind.DATE and isinstance(value, dt.date):
        return format_day(value)
    if column.kind in (Kind.MONEY, Kind.NUMBER) and isinstance(value, int | Decimal | float):
        return str(value).replace(".", ",")
    if column.kind is Kind.BADGE:
        return escape_formula(column.labels.get(str(value), str(value)))
    return escape_formula(str(value))


def csv_chunks(columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """The CSV file in chunks: a BOM, a header line, one line per row (``;`` separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([escape_formula(c.label) for c in columns])
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_text(c, row.get(c.key)) for c in columns])
        yield buffer.getvalue().encode()


def xlsx_chunks(
    columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]], sheet: str
) -> Iterator[bytes]:
    """The XLSX file in chunks, written row by row in xlsxwriter's constant-memory mode."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_formulas": False}
        )
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
        day = workbook.add_format({"num_format": "dd.mm.yyyy"})
        money = workbook.add_format({"num_format": '#,##0.00 "€"'})
        for index, column in enumerate(columns):
            worksheet.write_string(0, index, escape_formula(column.label), bold)
        for number, row in enumerate(rows, start=1):
            for index, column in enumerate(columns):
                _write_cell(
                    worksheet, number, index, column, row.get(column.key), moment, day, money
                )
        workbook.close()
        with open(path, "rb") as written:
            while chunk := written.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _write_cell(
    sheet: Any, row: int, col: int, column: Column, value: Any, moment: Any, day: Any, money: Any
) -> None:
    if value is None:
        return
    if column.kind is Kind.DATETIME and isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, berlin(value).replace(tzinfo=None), moment)
    elif column.kind is Kind.DATE and isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), day)
    elif column.kind in (Kind.MONEY, Kind.NUMBER) and isinstance(value, int | Decimal | float):
        sheet.write_number(row, col, value, money if column.kind is Kind.MONEY else None)
    else:
        sheet.write_string(row, col, _text(column, value))
