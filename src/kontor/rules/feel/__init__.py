"""FEEL (Friendly Enough Expression Language, DMN 1.5 chapter 10): parse, compile, evaluate.

Compile once, evaluate many times::

    expression = compile_expression("Monthly Salary * 12", names=["Monthly Salary"])
    expression.evaluate({"Monthly Salary": Decimal(3000)})          # Decimal('36000')

    tests = compile_unary_tests('< 18, [65..99]')
    tests.matches(Decimal(70), {})                                   # True

Values: numbers are `Decimal` (34 digits, half-even), dates/times are `datetime` objects,
durations are `DaysTimeDuration` / `YearsMonthsDuration`, lists and contexts are `list` and
`dict`, ranges are `Range`, functions are `FeelFunction`, null is `None`. Use `to_feel` /
`to_json` at the boundaries. Data problems never raise: the result is null and a
`FeelWarning` is appended to the optional `warnings` list. Bad syntax raises
`FeelSyntaxError` with line and column.

Every evaluation runs within `EvaluationLimits` (iterations, list and string sizes, call
depth, time); going beyond one gives null plus a warning, or raises
`EvaluationBudgetExceeded` when the limits are strict.
"""

from kontor.rules.feel.api import (
    BudgetedWarnings,
    CompiledExpression,
    CompiledUnaryTests,
    compile_expression,
    compile_unary_tests,
    evaluate,
)
from kontor.rules.feel.convert import to_feel, to_json
from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.errors import FeelSyntaxError, FeelWarning
from kontor.rules.feel.java_methods import call_java
from kontor.rules.feel.limits import DEFAULT_LIMITS, EvaluationBudgetExceeded, EvaluationLimits
from kontor.rules.feel.typesystem import FeelType, TypeLike, parse_type
from kontor.rules.feel.values import FeelFunction, Range

__all__ = [
    "DEFAULT_LIMITS",
    "BudgetedWarnings",
    "CompiledExpression",
    "CompiledUnaryTests",
    "DaysTimeDuration",
    "EvaluationBudgetExceeded",
    "EvaluationLimits",
    "FeelFunction",
    "FeelSyntaxError",
    "FeelType",
    "FeelWarning",
    "Range",
    "TypeLike",
    "YearsMonthsDuration",
    "call_java",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "parse_type",
    "to_feel",
    "to_json",
]
