"""Translation of XML Schema / XPath regular expressions and flags to Python regexes.

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

from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.limits import RUNNING

_FLAG_BITS = {"s": regex.DOTALL, "m": regex.MULTILINE, "i": regex.IGNORECASE}
# Unicode categories Python's re lacks; common ones are mapped to equivalent classes.
_CATEGORY_CLASSES = {
    "L": r"[^\W\d_]",
    "Lu": r"[A-ZÀ-ÖØ-Þ]",
    "Ll": r"[a-zß-öø-ÿ]",
    "N": r"\d",
    "Nd": r"\d",
    "P": r"[!-/:-@\[-`{-~¡-¿]",
    "IsBasicLatin": r"[\x00-\x7f]",
}


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


def _translate(pattern: str, dot_all: bool, multiline: bool) -> str:
    out: list[str] = []
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\":
            if index + 1 >= length:
                raise _invalid("pattern ends with a backslash")
            escape = pattern[index + 1]
            if escape in "pP":
                out.append(_category(pattern, index, False))
                index = pattern.index("}", index) + 1
                continue
            if escape in "iIcC":
                raise _invalid(f"\\{escape} is not supported")
            if escape == "0":
                raise _invalid("\\0 is not a valid escape")
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            translated, index = _character_class(pattern, index)
            out.append(translated)
            continue
        if char == "(" and pattern.startswith("(?", index) and not pattern.startswith("(?:", index):
            raise _invalid("(? groups are not XPath syntax")
        if char == "$":
            # Without flag m, XPath '$' matches only at the very end.
            out.append("$" if multiline else r"\Z")
        elif char == "." and not dot_all:
            out.append("[^\\n\\r]")
        elif char == "{" and not re.match(r"\{\d+(,\d*)?\}", pattern[index:]):
            raise _invalid("invalid quantifier")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _character_class(pattern: str, start: int) -> tuple[str, int]:
    """Translate `[...]` starting at `start`, including XPath subtraction `[a-z-[aeiou]]`."""
    index = start + 1
    body: list[str] = []
    if pattern.startswith("^", index):
        body.append("^")
        index += 1
    if pattern.startswith("]", index):
        raise _invalid("empty character class")
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escape = pattern[index + 1 : index + 2]
            if escape.isdigit():
                raise _invalid("back-references are not allowed in character classes")
            if escape in ("p", "P"):
                body.append(_category(pattern, index, True))
                index = pattern.index("}", index) + 1
                continue
            body.append(pattern[index : index + 2])
            index += 2
        elif char == "-" and pattern.startswith("[", index + 1):
            subtracted, index = _character_class(pattern, index + 1)
            if not pattern.startswith("]", index):
                raise _invalid("character class subtraction must end the class")
            return f"(?:(?!{subtracted})[{''.join(body)}])", index + 1
        elif char == "[":
            body.append("\\[")
            index += 1
        elif char == "]":
            return "[" + "".join(body) + "]", index + 1
        else:
            body.append(char)
            index += 1
    raise _invalid("unterminated character class")


def _category(pattern: str, index: int, in_class: bool) -> str:
    close = pattern.find("}", index)
    if not pattern.startswith("{", index + 2) or close < 0:
        raise _invalid("malformed \\p escape")
    name = pattern[index + 3 : close]
    translated = _CATEGORY_CLASSES.get(name)
    if translated is None:
        raise _invalid(f"unicode category {name} is not supported")
    if in_class and translated.startswith("["):
        if pattern[index + 1] == "P" or translated.startswith("[^"):
            raise _invalid(f"\\P{{{name}}} inside a character class is not supported")
        return translated[1:-1]
    if pattern[index + 1] == "P":
        if translated.startswith("[^"):
            return "[" + translated[2:]
        if translated.startswith("["):
            return "[^" + translated[1:]
        return translated.upper()
    return translated


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
    translated = _translate(pattern, "s" in flags, "m" in flags)
    try:
        return TimedPattern(regex.compile(translated, bits))
    except regex.error as error:
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
