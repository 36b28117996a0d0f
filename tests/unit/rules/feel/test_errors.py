"""Syntax errors name the line and column of the problem."""

from __future__ import annotations

import pytest

from kontor.rules.feel import FeelSyntaxError, compile_expression, compile_unary_tests


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("1 +", 1, 4),
        ("(1 + 2", 1, 7),
        ("1 + 2\n * * 3", 2, 4),
        ('"unterminated', 1, 1),
        ("if x then 1", 1, 12),
        ("[1, 2", 1, 6),
        ("{a 1}", 1, 4),
        ("1 2", 1, 3),
        ("a ! b", 1, 3),
        ("for x in [1] 2", 1, 14),
        ("", 1, 1),
        ("/* open", 1, 1),
    ],
)
def test_syntax_errors_report_position(text: str, line: int, column: int) -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert error.text == text
    assert f"line {line}, column {column}" in str(error)


def test_unary_test_errors() -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_unary_tests("< ")
    assert caught.value.column == 3


def test_invalid_type_in_instance_of() -> None:
    with pytest.raises(FeelSyntaxError):
        compile_expression("1 instance of list<number")
