"""Single access point to the FEEL engine, imported lazily so the DMN package loads on its own."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from types import ModuleType
from typing import Any


@cache
def feel() -> ModuleType:
    """Return the `kontor.rules.feel` module (imported on first use)."""
    return importlib.import_module("kontor.rules.feel")


def compile_expression(
    text: str, names: Iterable[str], types: Mapping[str, Any] | None = None
) -> Any:
    """Compile a FEEL expression (``types``: item definitions by name); syntax errors unchanged."""
    return feel().compile_expression(text, names, types=types)


def compile_unary_tests(
    text: str, names: Iterable[str], types: Mapping[str, Any] | None = None
) -> Any:
    """Compile FEEL unary tests (``types``: item definitions by name); syntax errors unchanged."""
    return feel().compile_unary_tests(text, names, types=types)


def call_java(
    class_name: Any, signature: Any, arguments: Sequence[Any], warnings: list[Any]
) -> Any:
    """Call one of FEEL's listed Java static methods; null plus a warning if not listed."""
    return feel().call_java(class_name, signature, arguments, warnings)


def is_feel_syntax_error(exc: BaseException) -> bool:
    """Tell whether `exc` is the FEEL engine's syntax error."""
    error_class = getattr(feel(), "FeelSyntaxError", None)
    return error_class is not None and isinstance(exc, error_class)


def make_function(
    parameters: Sequence[str],
    impl: Callable[..., Any],
    name: str | None = None,
    *,
    strict_arity: bool = False,
) -> Any:
    """Wrap a Python callable as a FEEL function value.

    With strict_arity, a positional call must pass exactly one argument per parameter
    (DMN invocations of BKMs and decision services; FEEL would pad missing ones with null).
    """
    function_class = _strict_arity_class() if strict_arity else feel().FeelFunction
    return function_class(list(parameters), impl, name)


@cache
def _strict_arity_class() -> type:
    base: Any = feel().FeelFunction

    class StrictArityFunction(base):  # type: ignore[misc]
        """A FEEL function that rejects positional calls with too few arguments."""

        def bind(self, arguments: Sequence[Any], names: Sequence[str] | None) -> list[Any]:
            if names is None and len(arguments) != len(self.parameters):
                # FEEL's invoke turns this into null plus a warning
                raise TypeError(
                    f"{self.describe()} takes {len(self.parameters)} arguments, "
                    f"got {len(arguments)}"
                )
            bound: list[Any] = super().bind(arguments, names)
            return bound

    return StrictArityFunction


def is_budget_exceeded(exc: BaseException) -> bool:
    """Tell whether `exc` is FEEL's EvaluationBudgetExceeded (raised under strict limits)."""
    return isinstance(exc, feel().EvaluationBudgetExceeded)


def budgeted_warnings(limits: Any = None) -> list[Any]:
    """A warning list carrying a budget of `limits` (default limits if None), started on use."""
    module = feel()
    if limits is None:
        return module.BudgetedWarnings()  # type: ignore[no-any-return]
    return module.BudgetedWarnings.of(limits)  # type: ignore[no-any-return]


def is_function(value: Any) -> bool:
    """Tell whether `value` is a FEEL function value."""
    return isinstance(value, feel().FeelFunction) or callable(value)


def to_feel(value: Any, warnings: list[Any] | None = None) -> Any:
    """Convert a Python value into FEEL's value space (out-of-range numbers warn, become null)."""
    return feel().to_feel(value, warnings)


def to_json(value: Any, *, exact: bool = False) -> Any:
    """Convert a FEEL value into plain JSON-compatible data (``exact``: numbers stay Decimal)."""
    return feel().to_json(value, exact=exact)


def parse_type(text: str) -> Any:
    """Parse a FEEL type name ("number", "list<string>", ...) into a FeelType."""
    return feel().parse_type(text)
