"""Table exports streamed from the server: CSV (German Excel dialect) and XLSX (constant memory).

The files are written by ``kontor.exchange.tabular`` (which escapes text a spreadsheet would run
as a formula); this module only turns a view's columns and rows into German cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from kontor.exchange import tabular
from kontor.web.i18n import berlin, format_day, format_moment
from kontor.web.views.declarations import Column, Kind

NUMBER_FORMATS = {
    Kind.DATETIME: "dd.mm.yyyy hh:mm",
    Kind.DATE: "dd.mm.yyyy",
    Kind.MONEY: '#,##0.00 "€"',
}


def _text(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind is Kind.DATETIME and isinstance(value, dt.datetime):
        return format_moment(value)
    if column.kind is Kind.DATE and isinstance(value, dt.date):
        return format_day(value)
    if column.kind in (Kind.MONEY, Kind.NUMBER) and isinstance(value, int | Decimal | float):
        return value
    if column.kind is Kind.BADGE:
        return column.labels.get(str(value), str(value))
    return str(value)


def _typed(column: Column, value: Any) -> Any:
    if column.kind is Kind.DATETIME and isinstance(value, dt.datetime):
        return berlin(value).replace(tzinfo=None)
    if column.kind is Kind.DATE and isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if column.kind in (Kind.MONEY, Kind.NUMBER) and isinstance(value, int | Decimal | float):
        return value
    return _text(column, value)


def _exported(columns: tuple[Column, ...]) -> list[tabular.Column]:
    return [tabular.Column(c.key, c.label, NUMBER_FORMATS.get(c.kind)) for c in columns]


def csv_chunks(columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """The CSV file in chunks: a BOM, a header line, one line per row (``;`` separated)."""
    cells = ([_text(c, row.get(c.key)) for c in columns] for row in rows)
    return tabular.csv_stream(_exported(columns), cells, delimiter=";", decimal_comma=True)


def xlsx_chunks(
    columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]], sheet: str
) -> Iterator[bytes]:
    """The XLSX file in chunks, written row by row in constant memory."""
    cells = ([_typed(c, row.get(c.key)) for c in columns] for row in rows)
    return tabular.xlsx_stream(_exported(columns), cells, sheet)
