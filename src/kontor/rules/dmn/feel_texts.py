"""FEEL texts of a model: compiled once with the names in scope, literal shortcuts, lenient mode."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from kontor.rules.dmn import feel_bridge
from kontor.rules.dmn.errors import DmnError, DmnFeelSyntaxError
from kontor.rules.dmn.simple_tests import compile_simple_tests
from kontor.rules.dmn.xml_reader import Element, label_of, line_of

_CONSTANT = re.compile(r'"[^"\\]*"|-?\d+(?:\.\d+)?|true|false')


class ConstantExpression:
    """A literal string, number or boolean: no FEEL compile needed (same value as FEEL's)."""

    def __init__(self, source: str, value: Any) -> None:
        self.source = source
        self.value = value

    def evaluate(self, scope: Mapping[str, Any], warnings: list[Any] | None = None) -> Any:
        """Return the literal's value."""
        return self.value


def constant_expression(text: str) -> ConstantExpression | None:
    """Recognise literal texts such as `"REJECT"`, `42` or `true`."""
    stripped = text.strip()
    if not _CONSTANT.fullmatch(stripped):
        return None
    if stripped.startswith('"'):
        return ConstantExpression(text, stripped[1:-1])
    if stripped in ("true", "false"):
        return ConstantExpression(text, stripped == "true")
    return ConstantExpression(text, Decimal(stripped))


class BrokenFeel:
    """Stands in for a FEEL text that did not compile (lenient import): null plus an error."""

    code = "syntax-error"

    def __init__(self, message: str) -> None:
        self.message = message
        self.source = ""

    def evaluate(self, scope: Mapping[str, Any], warnings: list[Any] | None = None) -> Any:
        """Report the syntax error and give null."""
        if warnings is not None:
            warnings.append(self)
        return None

    def matches(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any] | None = None
    ) -> Any:
        """Report the syntax error; a broken test never matches."""
        self.evaluate(scope, warnings)
        return None


def split_unary_values(text: str) -> list[str]:
    """Split a comma-separated list of FEEL values at top level (strings/brackets respected)."""
    parts: list[str] = []
    depth = 0
    in_string = False
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if in_string:
            current.append(char)
            if char == "\\" and index + 1 < len(text):
                current.append(text[index + 1])
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            current.append(char)
        elif char in "([{":
            depth += 1
            current.append(char)
        elif char in ")]}":
            depth -= 1
            current.append(char)
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current).strip())
    return [part for part in parts if part]


class FeelCompiler:
    """Compiles FEEL texts; syntax errors name file, line and element (or are collected)."""

    def __init__(
        self,
        file: str | None,
        extra_names: Iterable[str],
        problems: list[DmnError] | None = None,
        types: Mapping[str, Any] | None = None,
    ) -> None:
        self.file = file
        # item definitions by name, for `instance of` and typed function parameters
        self.types = types
        # names FEEL must know to tokenise paths such as `applicant.first name`
        self.extra_names = frozenset(extra_names)
        # lenient import: syntax errors are collected here and the text evaluates to null
        self.problems = problems

    def compile_feel(self, text: str, names: frozenset[str], element: Element, owner: str) -> Any:
        """Compile an expression text; empty text gives None (null)."""
        if not text.strip():
            return None
        constant = constant_expression(text)
        if constant is not None:
            return constant
        try:
            return feel_bridge.compile_expression(text, names | self.extra_names, self.types)
        except Exception as exc:
            return self._broken(self._syntax_error(exc, text, element, owner), exc)

    def compile_tests(self, text: str, names: frozenset[str], element: Element, owner: str) -> Any:
        """Compile unary tests; "-" or empty gives None (matches anything)."""
        if text.strip() in ("", "-"):
            return None
        simple = compile_simple_tests(text)
        if simple is not None:
            return simple
        try:
            return feel_bridge.compile_unary_tests(text, names | self.extra_names, self.types)
        except Exception as exc:
            return self._broken(self._syntax_error(exc, text, element, owner), exc)

    def _broken(self, error: Exception, cause: Exception) -> BrokenFeel:
        if self.problems is None or not isinstance(error, DmnError):
            raise error from cause
        self.problems.append(error)
        return BrokenFeel(str(error))

    def _syntax_error(self, exc: Exception, text: str, element: Element, owner: str) -> Exception:
        if not feel_bridge.is_feel_syntax_error(exc):
            # a FEEL engine failure: still say which text of the model triggered it
            return DmnError(
                f"FEEL compiler failed ({type(exc).__name__}: {exc}) on {text.strip()!r}",
                file=self.file,
                line=line_of(element),
                element=f"{owner}, {label_of(element)}",
            )
        feel_line = getattr(exc, "line", None)
        line = line_of(element)
        if line is not None and isinstance(feel_line, int) and feel_line > 1:
            line += feel_line - 1
        message = getattr(exc, "message", str(exc))
        column = getattr(exc, "column", None)
        at = f" at column {column} of the text" if isinstance(column, int) else ""
        return DmnFeelSyntaxError(
            f"FEEL syntax error: {message}{at} in {text.strip()!r}",
            file=self.file,
            line=line,
            element=f"{owner}, {label_of(element)}",
        )
