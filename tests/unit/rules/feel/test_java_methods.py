"""External Java functions: a fixed list of java.lang static methods, nothing loaded by name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kontor.rules.feel import compile_expression


def call(class_name: str, signature: str, arguments: str) -> tuple[Any, list[Any]]:
    """Define `function(...) external {java: ...}` in a context and call it."""
    count = arguments.count(",") + 1 if arguments else 0
    parameters = ", ".join(f"p{index}" for index in range(count))
    text = (
        f"{{f: function({parameters}) external {{java: {{class: {class_name!r},"
        f" method signature: {signature!r}}}}}, r: f({arguments})}}.r"
    ).replace("'", '"')
    warnings: list[Any] = []
    return compile_expression(text).evaluate({}, warnings), warnings


@pytest.mark.parametrize(
    ("class_name", "signature", "arguments", "expected"),
    [
        ("java.lang.Math", "max(double, double)", "123.45, 456.78", Decimal("456.78")),
        ("java.lang.Math", "max(int,int)", "123, 456", Decimal(456)),
        ("java.lang.Math", "min(long,long)", "-5, 7", Decimal(-5)),
        ("java.lang.Math", "abs(double)", "-2.5", Decimal("2.5")),
        ("java.lang.Math", "sqrt(double)", "16", Decimal(4)),
        ("java.lang.Integer", "valueOf(java.lang.String)", '"123"', Decimal(123)),
        ("java.lang.Double", "valueOf(java.lang.String)", '"1234.56"', Decimal("1234.56")),
        ("java.lang.Short", "valueOf(short)", "123", Decimal(123)),
        ("java.lang.String", "valueOf(char)", '"a"', "a"),
        ("java.lang.String", "format(java.lang.String, [Ljava.lang.Object;)", '"a %s", "b"', "a b"),
    ],
)
def test_listed_methods_run(class_name: str, signature: str, arguments: str, expected: Any) -> None:
    result, warnings = call(class_name, signature, arguments)
    assert result == expected
    assert warnings == []


def test_java_varargs_take_a_feel_list() -> None:
    text = (
        '{f: function(pattern, values) external {java: {class: "java.lang.String",'
        ' method signature: "format(java.lang.String, [Ljava.lang.Object;)"}},'
        ' r: f("%s has %d items%%", ["cart", 3])}.r'
    )
    assert compile_expression(text).evaluate({}) == "cart has 3 items%"


def test_cosine_is_javas_double_result() -> None:
    result, _ = call("java.lang.Math", "cos(double)", "123")
    assert abs(result - Decimal("-0.8879689066918555")) < Decimal("1e-15")


@pytest.mark.parametrize(
    ("class_name", "signature", "arguments", "message"),
    [
        ("java.lang.Runtime", "exec(java.lang.String)", '"ls"', "is not available"),
        ("java.lang.Math", "foo(double)", "1", "is not available"),
        ("java.lang.Math", "max(java.lang.String, java.lang.String)", '"1", "2"', "not avail"),
        ("java.lang.String", "valueOf(char)", '"abc"', "string of one character"),
        ("java.lang.Byte", "valueOf(byte)", "300", "is not a Java byte"),
        ("java.lang.Math", "max(int,int)", "1.5, 2", "is not a Java int"),
        ("java.lang.Math", "abs", "1", "invalid method signature"),
        ("java.lang.Double", "valueOf(java.lang.String)", '"NaN"', "not a finite number"),
        ("java.lang.String", "format(java.lang.String, [Ljava.lang.Object;)", '"%x", 1', "only %s"),
    ],
)
def test_anything_else_is_null_with_a_warning(
    class_name: str, signature: str, arguments: str, message: str
) -> None:
    result, warnings = call(class_name, signature, arguments)
    assert result is None
    assert any(message in warning.message for warning in warnings), warnings


def test_external_without_java_is_null_with_a_warning() -> None:
    warnings: list[Any] = []
    text = '{f: function(x) external {pmml: {document: "d", model: "m"}}, r: f(1)}.r'
    assert compile_expression(text).evaluate({}, warnings) is None
    assert [warning.code for warning in warnings] == ["unsupported-external"]
