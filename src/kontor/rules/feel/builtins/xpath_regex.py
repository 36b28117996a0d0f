"""Translation of XML Schema / XPath regular expressions and flags to Python `re`."""

from __future__ import annotations

import re
from functools import lru_cache

from kontor.rules.feel.errors import FeelDataError

_FLAG_BITS = {"s": re.DOTALL, "m": re.MULTILINE, "i": re.IGNORECASE}
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


@lru_cache(maxsize=512)
def compile_xpath(pattern: str, flags: str | None = None) -> re.Pattern[str]:
    """Compile an XPath regex with XPath flags (s, m, i, x, q); raises FeelDataError."""
    bits = 0
    flags = flags or ""
    for flag in flags:
        if flag in _FLAG_BITS:
            bits |= _FLAG_BITS[flag]
        elif flag not in "xq":
            raise _invalid(f"unknown regex flag {flag!r}")
    if "q" in flags:
        return re.compile(re.escape(pattern), bits)
    if "x" in flags:
        pattern = _strip_whitespace(pattern)
    translated = _translate(pattern, "s" in flags, "m" in flags)
    try:
        return re.compile(translated, bits)
    except re.error as error:
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
