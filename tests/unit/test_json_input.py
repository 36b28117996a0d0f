"""JSON a caller sent outside a request body: nesting is bounded, never a RecursionError."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kontor.json_input import MAX_DEPTH, loads_bounded


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_ordinary_json_reads_with_the_options_given() -> None:
    assert loads_bounded('{"a": [1.5, {"b": null}]}', parse_float=Decimal) == {
        "a": [Decimal("1.5"), {"b": None}]
    }


def test_nesting_up_to_the_limit_reads() -> None:
    assert json.dumps(loads_bounded(nested(MAX_DEPTH))) == nested(MAX_DEPTH)
    assert loads_bounded(nested(3), max_depth=3) == [[[]]]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 100_000])
def test_deeper_nesting_is_a_value_error_naming_the_limit(depth: int) -> None:
    with pytest.raises(ValueError, match=f"nests deeper than {MAX_DEPTH} levels"):
        loads_bounded(nested(depth))


def test_objects_count_as_levels_too() -> None:
    with pytest.raises(ValueError, match="deeper than 2 levels"):
        loads_bounded('{"a": {"b": {}}}', max_depth=2)


def test_invalid_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Expecting property name"):
        loads_bounded("{not json")
