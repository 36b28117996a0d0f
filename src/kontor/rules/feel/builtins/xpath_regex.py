"""XPath regular expressions and flags as Python regexes.

The translation of the XPath/XML Schema syntax (character classes, Unicode categories and
blocks, dot and anchors, the x flag) is elementpath's, a maintained XPath implementation.

Matching uses the `regex` package rather than `re` because it can stop a match after a
timeout: a pattern that backtracks catastrophically ends with the evaluation's time budget
instead of holding the interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import regex
from elementpath.regex import RegexError, translate_pattern

from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.limits import RUNNING

_FLAG_BITS = {"s": regex.DOTALL, "m": regex.MULTILINE, "i": regex.IGNORECASE}
# The translation reads flags as Python's re module spells them. XPath's x flag is not
# re.VERBOSE (where # starts a comment): its whitespace is removed before translating.
_TRANSLATION_FLAGS = {"s": re.DOTALL, "m": re.MULTILINE, "i": re.IGNORECASE}


def _invalid(message: str) -> FeelDataError:
    return FeelDataError("invalid-regex", message)


def _strip_whitespace(pattern: str) -> str:
    """Flag x: drop whitespace outside character classes (even after a backslash)."""
    result = []
    depth = 0
    for index, char in enumerate(pattern):
        escaped = index > 0 and pattern[index - 1] == "\\"
        if char == "[" and not escaped:
            depth += 1
        elif char == "]" and depth and not escaped:
            depth -= 1
        if depth or char not in " \t\n\r":
            result.append(char)
    return "".join(result)


class TimedPattern:
    """A compiled pattern whose matching stops when the running evaluation's time is up."""

    __slots__ = ("_pattern", "groups")

    def __init__(self, pattern: regex.Pattern[str]) -> None:
        self._pattern = pattern
        self.groups = pattern.groups

    def search(self, text: str) -> regex.Match[str] | None:
        """The first match in `text`, or None."""
        return _timed(self._pattern.search, text)  # type: ignore[no-any-return]

    def sub(self, template: str, text: str) -> str:
        """`text` with every match replaced by the expanded `template`."""
        return _timed(self._pattern.sub, template, text)  # type: ignore[no-any-return]

    def split(self, text: str) -> list[str]:
        """The parts of `text` between matches."""
        return _timed(self._pattern.split, text)  # type: ignore[no-any-return]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Start and end of every match, in order."""
        return _timed(_spans, self._pattern, text)  # type: ignore[no-any-return]


def _spans(pattern: regex.Pattern[str], text: str, timeout: float | None) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text, timeout=timeout)]


def _timed(operation: Callable[..., Any], *arguments: Any) -> Any:
    """Run a matching operation with the time the running evaluation has left."""
    budget = RUNNING.get()
    timeout = None if budget is None else budget.seconds_left()
    try:
        return operation(*arguments, timeout=timeout)
    except TimeoutError:
        if budget is None:  # pragma: no cover - without a budget there is no timeout
            raise
        raise budget.exceeded("max_seconds", "a regular expression took too long") from None


@lru_cache(maxsize=512)
def compile_xpath(pattern: str, flags: str | None = None) -> TimedPattern:
    """Compile an XPath regex with XPath flags (s, m, i, x, q); raises FeelDataError."""
    bits = 0
    flags = flags or ""
    for flag in flags:
        if flag in _FLAG_BITS:
            bits |= _FLAG_BITS[flag]
        elif flag not in "xq":
            raise _invalid(f"unknown regex flag {flag!r}")
    if "q" in flags:
        return TimedPattern(regex.compile(regex.escape(pattern), bits))
    if "x" in flags:
        pattern = _strip_whitespace(pattern)
    translation_flags = 0
    for flag in flags:
        translation_flags |= _TRANSLATION_FLAGS.get(flag, 0)
    try:
        # XPath 2.0 regexes: XSD syntax plus back-references, lazy quantifiers and anchors
        translated = translate_pattern(pattern, translation_flags, "1.1")
        return TimedPattern(regex.compile(translated, bits))
    except (RegexError, regex.error) as error:
        raise _invalid(f"invalid pattern {pattern!r}: {error}") from error


def translate_replacement(replacement: str, literal: bool) -> str:
    """XPath replacement ($1, \\$, \\\\) to a Python replacement template."""
    if literal:
        return replacement.replace("\\", "\\\\")
    out: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\":
            following = replacement[index + 1 : index + 2]
            if following not in ("\\", "$"):
                raise _invalid("a backslash in the replacement must escape \\ or $")
            out.append("\\\\" if following == "\\" else "$")
            index += 2
        elif char == "$":
            match = re.match(r"\$(\d+)", replacement[index:])
            if match is None:
                raise _invalid("a $ in the replacement must be followed by a group number")
            out.append(f"\\g<{match.group(1)}>")
            index += len(match.group(0))
        else:
            out.append(char)
            index += 1
    return "".join(out)
