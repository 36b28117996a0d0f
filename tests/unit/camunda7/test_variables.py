"""Camunda typed variables to Kontor values and back: exact numbers, dates, JSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kontor.camunda7.errors import InvalidRequest
from kontor.camunda7.variables import camunda_date, from_camunda, parse_camunda_date, to_camunda


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"value": "Bea", "type": "String"}, "Bea"),
        ({"value": 42, "type": "Integer"}, 42),
        ({"value": 2**40, "type": "Long"}, 2**40),
        ({"value": 7, "type": "Short"}, 7),
        ({"value": Decimal("19.99"), "type": "Double"}, Decimal("19.99")),
        ({"value": "0.1", "type": "Double"}, Decimal("0.1")),
        ({"value": True, "type": "Boolean"}, True),
        ({"value": "false", "type": "boolean"}, False),
        ({"value": None, "type": "Null"}, None),
        ({"value": "2026-06-30T21:44:30.000+0200", "type": "Date"},
         "2026-06-30T21:44:30.000+02:00"),
        ({"value": '{"a": [1, 2.50]}', "type": "Json"}, {"a": [1, Decimal("2.50")]}),
        ({"value": '{"a": 1}', "type": "Object",
          "valueInfo": {"objectTypeName": "java.util.HashMap",
                        "serializationDataFormat": "application/json"}}, {"a": 1}),
        ({"value": Decimal("5")}, 5),
        ({"value": {"nested": True}}, {"nested": True}),
    ],
)  # fmt: skip
def test_typed_values_become_plain_values(sent: dict[str, Any], stored: Any) -> None:
    assert from_camunda({"v": sent}) == {"v": stored}


@pytest.mark.parametrize(
    ("value", "kind", "sent"),
    [
        ("Bea", "String", "Bea"),
        (42, "Integer", 42),
        (2**31, "Long", 2**31),
        (Decimal("1234567890.123456789"), "Double", Decimal("1234567890.123456789")),
        (True, "Boolean", True),
        (None, "Null", None),
        ("2026-06-30T21:44:30.000+02:00", "Date", "2026-06-30T21:44:30.000+0200"),
        ({"a": 1}, "Json", '{"a": 1}'),
        ([1, 2], "Json", "[1, 2]"),
    ],
)
def test_plain_values_are_typed_as_camunda_types_them(value: Any, kind: str, sent: Any) -> None:
    assert to_camunda({"v": value}) == {"v": {"type": kind, "value": sent, "valueInfo": {}}}


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        ({"value": "zwölf", "type": "Integer"}, "not a number"),
        ({"value": 2**31, "type": "Integer"}, "out of range"),
        ({"value": "1.5", "type": "Long"}, "not a whole number"),
        ({"value": "1e999999", "type": "Double"}, "beyond 1e100"),
        ({"value": "ja", "type": "Boolean"}, "true or false"),
        ({"value": "30.06.2026", "type": "Date"}, "yyyy-MM-dd"),
        ({"value": "{", "type": "Json"}, "not JSON"),
        ({"value": "rO0AB", "type": "Object",
          "valueInfo": {"serializationDataFormat": "application/x-java-serialized-object"}},
         "application/json"),
        ({"value": "AAEC", "type": "Bytes"}, "Kontor stores"),
    ],
)  # fmt: skip
def test_values_that_do_not_fit_their_type_are_refused_naming_the_variable(
    sent: dict[str, Any], why: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        from_camunda({"premium": sent})
    assert "'premium'" in refused.value.message
    assert why in refused.value.message


def test_dates_round_trip_in_camundas_format() -> None:
    moment = dt.datetime(2026, 6, 30, 21, 44, 30, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert camunda_date(moment) == "2026-06-30T21:44:30.123+0200"
    assert parse_camunda_date("2026-06-30T21:44:30.123+0200") == moment
    assert parse_camunda_date("2026-06-30T19:44:30.123Z") == moment
