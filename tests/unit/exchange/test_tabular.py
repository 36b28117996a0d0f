"""Tables to CSV and XLSX: what a person opening the file in a spreadsheet sees."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from kontor.exchange.tabular import (
    Column,
    ExportFormat,
    csv_stream,
    spreadsheet_safe,
    stream,
    xlsx_stream,
)

COLUMNS = [Column("name", "Name"), Column("amount", "Betrag"), Column("due", "Fällig")]
DUE = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)


def read_csv(chunks: list[bytes]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))


def read_xlsx(chunks: list[bytes]) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)))
    return list(book.active.iter_rows(values_only=True))


def test_csv_has_a_heading_and_one_line_per_row_with_umlauts_and_iso_times() -> None:
    rows = [("Müller, Jörg", Decimal("1234.50"), DUE), ("Ärger", -5, None)]
    assert read_csv(list(csv_stream(COLUMNS, rows))) == [
        ["Name", "Betrag", "Fällig"],
        ["Müller, Jörg", "1234.50", "2026-03-02T08:30:00+00:00"],
        ["Ärger", "-5", ""],
    ]


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tcmd"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_escaped(text: str) -> None:
    rows = [(text, None, None)]
    assert read_csv(list(csv_stream(COLUMNS, rows)))[1][0] == "'" + text
    cell = read_xlsx(list(xlsx_stream(COLUMNS, rows)))[1][0]
    assert cell == "'" + text


def test_xlsx_keeps_numbers_times_and_text_as_their_types() -> None:
    rows = [("Müller", Decimal("1234.5"), DUE), ("Schmidt", 7, None)]
    book = read_xlsx(list(stream(ExportFormat.XLSX, COLUMNS, rows, "Aufgaben")))
    assert book == [
        ("Name", "Betrag", "Fällig"),
        ("Müller", 1234.5, dt.datetime(2026, 3, 2, 8, 30)),
        ("Schmidt", 7, None),
    ]


def test_rows_are_read_one_by_one_while_the_csv_is_written() -> None:
    consumed: list[int] = []

    def rows() -> object:
        for number in range(3):
            consumed.append(number)
            yield (f"row {number}", number, None)

    chunks = csv_stream(COLUMNS, rows())  # type: ignore[arg-type]
    next(chunks)  # the heading
    assert consumed == []
    next(chunks)
    assert consumed == [0]


def test_a_large_xlsx_is_written_without_keeping_its_rows() -> None:
    rows = ((f"Aufgabe {n}", n, DUE) for n in range(20_000))
    data = read_xlsx(list(xlsx_stream(COLUMNS, rows)))
    assert len(data) == 20_001
    assert data[-1] == ("Aufgabe 19999", 19999, dt.datetime(2026, 3, 2, 8, 30))


def test_spreadsheet_formula_starts_are_quoted() -> None:
    assert [spreadsheet_safe(v) for v in ["=1+2", "+4930", "-1", "@A1", "\tx", "\ry", "Meier"]] == [
        "'=1+2", "'+4930", "'-1", "'@A1", "'\tx", "'\ry", "Meier",
    ]  # fmt: skip
