"""Evaluation budgets: every limit stops an evaluation with null and a warning naming it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.rules.feel import (
    EvaluationBudgetExceeded,
    EvaluationLimits,
    FeelSyntaxError,
    FeelWarning,
    compile_expression,
    compile_unary_tests,
)

# The default limits without the clock: a busy machine must never hit the time limit before the
# limit a test is about (the time limit has tests of its own).
UNHURRIED = EvaluationLimits(max_seconds=3600)
RECURSION = "{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(depth)}.r"
DOUBLING = '{f: function(s, n) if n = 0 then s else f(s + s, n - 1), r: f("ab", 40)}.r'


def run(text: str, limits: EvaluationLimits | None = None, **scope: object) -> tuple[object, str]:
    """Evaluate `text`; return the value and the warning messages joined."""
    warnings: list[FeelWarning] = []
    budget = (limits or UNHURRIED).start()
    value = compile_expression(text, scope.keys()).evaluate(scope, warnings, budget)
    return value, "; ".join(warning.message for warning in warnings)


def test_a_huge_range_stops_before_it_is_built() -> None:
    value, warnings = run("count(for i in 1..n return i)", n=10**7)
    assert value is None
    assert "evaluation budget exceeded: a list of 10000000 items" in warnings
    assert "max_list_size = 100000" in warnings


def test_nested_loops_run_out_of_iterations() -> None:
    value, warnings = run("count(for i in 1..1000, j in 1..2000 return 1)")
    assert value is None
    assert "max_iterations = 1000000" in warnings


def test_filters_spend_iterations() -> None:
    limits = EvaluationLimits(max_iterations=100)
    assert run("count(for i in 1..5 return xs[item > i])", limits, xs=list(range(10)))[0] == 5
    value, warnings = run("count(for i in 1..10 return xs[item > i])", limits, xs=list(range(10)))
    assert value is None
    assert "max_iterations = 100" in warnings


def test_recursion_stops_at_the_depth_limit() -> None:
    assert run(RECURSION, depth=50)[0] == Decimal(50)
    value, warnings = run(RECURSION, depth=1000)
    assert value is None
    assert "calls nested too deeply (max_depth = 64)" in warnings


def test_doubling_strings_stop_at_the_length_limit() -> None:
    value, warnings = run(DOUBLING)
    assert value is None
    assert "max_string_length = 1000000" in warnings


def test_builtin_results_count_against_the_size_limits() -> None:
    limits = EvaluationLimits(max_list_size=5, max_string_length=5)
    assert run("concatenate([1, 2], [3])", limits)[0] == [1, 2, 3]
    assert "max_list_size = 5" in run("concatenate([1, 2, 3], [4, 5, 6])", limits)[1]
    assert "max_string_length = 5" in run('string join(["abc", "def"])', limits)[1]


def test_time_is_checked_while_iterating() -> None:
    # A deadline already passed: the clock is read within the first thousands of iterations.
    limits = EvaluationLimits(max_seconds=0)
    assert run("count(for i in 1..10 return i)", limits)[0] == Decimal(10)
    value, warnings = run("count(for i in 1..300, j in 1..300 return i)", limits)
    assert value is None
    assert "the evaluation took too long (max_seconds = 0)" in warnings


def test_an_exceeded_budget_stays_exceeded() -> None:
    budget = EvaluationLimits(max_iterations=10).start()
    loop = compile_expression("count(for i in 1..20 return i)")
    assert loop.evaluate({}, [], budget) is None
    assert compile_expression("count([1, 2][item > 0])").evaluate({}, [], budget) is None


def test_strict_limits_raise_naming_the_limit() -> None:
    strict = EvaluationLimits(strict=True)
    with pytest.raises(EvaluationBudgetExceeded) as raised:
        compile_expression("count(for i in 1..n return i)", ["n"]).evaluate(
            {"n": Decimal(10**7)}, None, strict.start()
        )
    assert raised.value.limit == "max_list_size"
    with pytest.raises(EvaluationBudgetExceeded) as deep:
        compile_expression(RECURSION, ["depth"]).evaluate({"depth": 1000}, None, strict.start())
    assert deep.value.limit == "max_depth"


def test_unary_tests_spend_from_the_budget_too() -> None:
    tests = compile_unary_tests("count(for i in 1..? return i) > 3")
    warnings: list[FeelWarning] = []
    assert tests.matches(Decimal(5), {}, warnings) is True
    assert tests.matches(Decimal(10**7), {}, warnings) is None
    assert "max_list_size" in warnings[-1].message


def test_deeply_nested_text_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FeelSyntaxError, match="nested too deeply"):
        compile_expression("+".join(["1"] * 5000))


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2000))
def test_results_within_the_limits_are_unchanged(n: int) -> None:
    value, warnings = run("count(for i in 1..n return i) + sum([1, 2][item > 0])", n=n)
    assert value == Decimal(abs(n - 1) + 1 + 3)
    assert warnings == ""


def test_a_result_of_shared_lists_is_measured_through_its_nesting() -> None:
    # Each step doubles the logical size: 2**40 items in 40 iterations, sharing one list.
    doubling = "for i in 1..40 return if i = 1 then [1] else [partial[-1], partial[-1]]"
    value, warnings = run(doubling)
    assert value is None
    assert "a result of more than 100000 items (max_list_size = 100000)" in warnings
    assert run("for i in 1..3 return [i, [i]]")[0] == [[1, [1]], [2, [2]], [3, [3]]]


def test_a_backtracking_regular_expression_stops_with_the_time_limit() -> None:
    # (a|aa)+$ against 60 a's and a "!" backtracks for longer than any machine would wait;
    # a quarter second is ample for the plain pattern even on a saturated machine.
    limits = EvaluationLimits(max_seconds=0.25)
    text = "a" * 60 + "!"
    assert run('matches(s, "^a+!$")', limits, s=text)[0] is True
    value, warnings = run('matches(s, "(a|aa)+$")', limits, s=text)
    assert value is None
    assert "a regular expression took too long (max_seconds = 0.25)" in warnings
    assert run('replace(s, "(a|aa)+$", "b")', limits, s=text)[0] is None
