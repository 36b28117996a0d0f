"""Pure parts of the browser UI: formula escaping, table state and tokens, form checks, formats."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import literal, select

from kontor.errors import InvalidInput
from kontor.exchange.tabular import FORMULA_STARTS, spreadsheet_safe
from kontor.web.forms import coerce, parse_german_number, validation_errors
from kontor.web.i18n import format_moment, format_money
from kontor.web.pages.tasks import REVIEW_FORM
from kontor.web.views import Column, Kind, TableView, ViewContext
from kontor.web.views.export import csv_chunks, xlsx_chunks
from kontor.web.views.state import (
    TableState,
    read_selection_token,
    read_state,
    selection_token,
)


def rows(context: ViewContext, filters: Any) -> Any:
    return select(literal("1").label("id"))


VIEW = TableView(
    name="demo", path="/demo", title="Demo", permission="tasks:read",
    columns=(Column("name", "Name"), Column("due", "Fällig", Kind.DATETIME, sortable=True)),
    rows=rows, default_sort="due",
)  # fmt: skip


@given(st.text(max_size=30))
def test_no_exported_text_starts_like_a_formula(text: str) -> None:
    assert not spreadsheet_safe(text).startswith(FORMULA_STARTS)
    assert spreadsheet_safe(text) in (text, "'" + text)


def test_the_csv_is_semicolon_separated_with_german_dates() -> None:
    moment = dt.datetime(2026, 12, 2, 8, 41, tzinfo=dt.UTC)
    written = b"".join(csv_chunks(VIEW.columns, [{"name": "@SUM(1)", "due": moment}]))
    assert written.decode("utf-8-sig").splitlines() == ["Name;Fällig", "'@SUM(1);02.12.2026, 09:41"]


def test_the_url_state_refuses_what_it_cannot_do() -> None:
    assert read_state(VIEW, {"sort": "-due", "page": "2"}, None) == TableState("", {}, "-due", 2)
    assert read_state(VIEW, {}, "kept").search == "kept"
    assert read_state(VIEW, {"q": ""}, "kept").search == ""
    for bad in ({"sort": "name"}, {"page": "x"}, {"page": "0"}, {"q": "x" * 201}):
        with pytest.raises(InvalidInput):
            read_state(VIEW, bad, None)


def test_a_selection_token_is_bound_to_its_view_user_and_filter() -> None:
    state = TableState("Rückfrage", {"list": "mine"})
    token = selection_token("secret", VIEW, "u-1", state)
    assert read_selection_token("secret", VIEW, "u-1", token) == state
    for secret, user, forged in (("other", "u-1", token), ("secret", "u-2", token),
                                 ("secret", "u-1", token.replace(".", ".x"))):  # fmt: skip
        with pytest.raises(InvalidInput):
            read_selection_token(secret, VIEW, user, forged)


def test_form_input_is_typed_and_checked_with_german_messages() -> None:
    data, errors = coerce(REVIEW_FORM, {"amount": "1.234,50", "comment": " ok ", "decision": ""})
    assert data == {"amount": Decimal("1234.50"), "comment": "ok"}
    assert errors == {}
    assert validation_errors(REVIEW_FORM, data) == {"decision": "Pflichtfeld: bitte ausfüllen."}
    _, errors = coerce(REVIEW_FORM, {"amount": "viel"})
    assert errors == {"amount": "Bitte eine Zahl eingeben."}
    assert validation_errors(REVIEW_FORM, {"decision": "x", "amount": Decimal(-1)}) == {
        "decision": "Bitte einen der angebotenen Werte wählen.",
        "amount": "Der Wert muss mindestens 0 sein.",
    }
    for bad in ("NaN", "Infinity", "1,2,3", ""):
        with pytest.raises(ValueError, match="not a number"):
            parse_german_number(bad)


def test_money_and_times_are_shown_the_german_way() -> None:
    assert format_money(Decimal("1234.5")) == "1.234,50\xa0€"
    assert format_moment(dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)) == "02.07.2026, 00:30"


def test_the_xlsx_keeps_berlin_times_and_euro_amounts_as_typed_cells() -> None:
    columns = (*VIEW.columns, Column("amount", "Betrag", Kind.MONEY))
    moment = dt.datetime(2026, 12, 2, 8, 41, tzinfo=dt.UTC)
    row = {"name": "=1+2", "due": moment, "amount": Decimal("-12.50")}
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx_chunks(columns, [row], "Demo")))).active
    name, due, amount = sheet[2]
    assert name.value == "'=1+2"
    assert (due.value, due.number_format) == (dt.datetime(2026, 12, 2, 9, 41), "dd.mm.yyyy hh:mm")
    assert (amount.value, amount.number_format) == (-12.5, '#,##0.00 "€"')
    written = b"".join(csv_chunks(columns, [row])).decode("utf-8-sig").splitlines()
    assert written[1] == "'=1+2;02.12.2026, 09:41;-12,50"
