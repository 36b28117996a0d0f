"""Recognition of simple unary tests and the column indexes built from them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontor.rules.dmn.simple_tests import parse_simple_tests
from kontor.rules.dmn.table_columns import (
    BooleanColumn,
    GenericColumn,
    NumberColumn,
    StringColumn,
    build_column,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('"motor"', "string"),
        ('"R05","R08"', "string"),
        ("> 3000000", "number"),
        ("[100000..400000]", "number"),
        ("]1..2[, 7", "number"),
        ("true", "boolean"),
    ],
)
def test_simple_tests_are_recognised(text: str, kind: str) -> None:
    tests = parse_simple_tests(text)
    assert tests is not None
    assert tests.kind == kind


@pytest.mark.parametrize("text", ["not(1)", '"a", 1', '< "b"', "x + 1", "", "1,"])
def test_other_tests_are_left_to_feel(text: str) -> None:
    assert parse_simple_tests(text) is None


def test_number_column_finds_rules_by_segment() -> None:
    column = build_column(
        0,
        [
            (1, "< 10", object()),
            (2, "[10..20]", object()),
            (4, "> 20", object()),
            (8, "-", None),
        ],
    )
    assert isinstance(column, NumberColumn)
    assert column.mask(Decimal(5), {}, [], 15) == 1 | 8
    assert column.mask(Decimal(10), {}, [], 15) == 2 | 8
    assert column.mask(Decimal("20.5"), {}, [], 15) == 4 | 8
    assert column.mask(None, {}, [], 15) == 8
    assert column.mask("10", {}, [], 15) == 8


def test_string_and_boolean_columns() -> None:
    strings = build_column(0, [(1, '"a","b"', object()), (2, '"b"', object())])
    assert isinstance(strings, StringColumn)
    assert strings.mask("b", {}, [], 3) == 3
    assert strings.mask(1, {}, [], 3) == 0
    booleans = build_column(0, [(1, "true", object()), (2, "false", object())])
    assert isinstance(booleans, BooleanColumn)
    assert booleans.mask(True, {}, [], 3) == 1
    assert booleans.mask(1, {}, [], 3) == 0


def test_mixed_column_falls_back_to_feel() -> None:
    class AlwaysTrue:
        def matches(self, value: object, scope: object, warnings: object) -> bool:
            return True

    column = build_column(0, [(1, "not(1)", AlwaysTrue()), (2, "not(1)", AlwaysTrue())])
    assert isinstance(column, GenericColumn)
    assert len(column.tests) == 1  # the same text is evaluated once
    assert column.mask(3, {}, [], 3) == 3
    assert column.mask(3, {}, [], 0) == 0  # no candidates left: nothing evaluated
