"""String built-ins (DMN 1.5 §10.3.4.3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kontor.rules.feel.builtins.base import (
    BuiltinFunction,
    Signature,
    builtin,
    fail,
    need_list,
    need_number,
    need_string,
)
from kontor.rules.feel.builtins.xpath_regex import (
    TimedPattern,
    compile_xpath,
    translate_replacement,
)


def _round_position(value: Any, parameter: str) -> int:
    return int(need_number(value, parameter).to_integral_value(rounding=ROUND_HALF_UP))


def _substring(text: Any, start: Any, length: Any = None) -> str:
    source = need_string(text, "string")
    position = _round_position(start, "start position")
    if position < 0:
        position = max(len(source) + position, 0) + 1
    elif position == 0:
        raise fail("start position must not be 0")
    first = position - 1
    if length is None:
        return source[first:]
    count = int(need_number(length, "length"))
    if count < 0:
        raise fail("length must not be negative")
    return source[first : first + count]


def _string_length(text: Any) -> Decimal:
    return Decimal(len(need_string(text, "string")))


def _upper_case(text: Any) -> str:
    return need_string(text, "string").upper()


def _lower_case(text: Any) -> str:
    return need_string(text, "string").lower()


def _substring_before(text: Any, match: Any) -> str:
    source, needle = need_string(text, "string"), need_string(match, "match")
    index = source.find(needle)
    return "" if index < 0 else source[:index]


def _substring_after(text: Any, match: Any) -> str:
    source, needle = need_string(text, "string"), need_string(match, "match")
    index = source.find(needle)
    return "" if index < 0 else source[index + len(needle) :]


def _replace(text: Any, pattern: Any, replacement: Any, flags: Any = None) -> str:
    source = need_string(text, "input")
    flag_text = None if flags is None else need_string(flags, "flags")
    regex = compile_xpath(need_string(pattern, "pattern"), flag_text)
    if regex.search(""):
        raise fail("the pattern must not match an empty string", "invalid-regex")
    template = translate_replacement(
        need_string(replacement, "replacement"), "q" in (flag_text or "")
    )
    return regex.sub(template, source)


def _contains(text: Any, match: Any) -> bool:
    return need_string(match, "match") in need_string(text, "string")


def _starts_with(text: Any, match: Any) -> bool:
    return need_string(text, "string").startswith(need_string(match, "match"))


def _ends_with(text: Any, match: Any) -> bool:
    return need_string(text, "string").endswith(need_string(match, "match"))


def _matches(text: Any, pattern: Any, flags: Any = None) -> bool:
    source = need_string(text, "input")
    flag_text = None if flags is None else need_string(flags, "flags")
    return compile_xpath(need_string(pattern, "pattern"), flag_text).search(source) is not None


def _split(text: Any, delimiter: Any) -> list[str]:
    source = need_string(text, "string")
    regex = compile_xpath(need_string(delimiter, "delimiter"))
    if regex.search(""):
        raise fail("the delimiter must not match an empty string", "invalid-regex")
    return regex.split(source) if regex.groups == 0 else _split_keeping_groups(regex, source)


def _split_keeping_groups(regex: TimedPattern, source: str) -> list[str]:
    # split would also return captured groups; XPath tokenize does not.
    parts: list[str] = []
    last = 0
    for start, end in regex.spans(source):
        parts.append(source[last:start])
        last = end
    parts.append(source[last:])
    return parts


def _string_join(items: Any, delimiter: Any = None) -> str:
    values = need_list(items, "list")
    separator = "" if delimiter is None else need_string(delimiter, "delimiter")
    texts = []
    for value in values:
        if value is None:
            continue
        texts.append(need_string(value, "list item"))
    return separator.join(texts)


FUNCTIONS = [
    BuiltinFunction(
        "substring",
        Signature(("string", "start position"), _substring),
        Signature(("string", "start position", "length"), _substring),
    ),
    builtin("string length", ("string",), _string_length),
    builtin("upper case", ("string",), _upper_case),
    builtin("lower case", ("string",), _lower_case),
    builtin("substring before", ("string", "match"), _substring_before),
    builtin("substring after", ("string", "match"), _substring_after),
    BuiltinFunction(
        "replace",
        Signature(("input", "pattern", "replacement"), _replace),
        Signature(("input", "pattern", "replacement", "flags"), _replace),
    ),
    builtin("contains", ("string", "match"), _contains),
    builtin("starts with", ("string", "match"), _starts_with),
    builtin("ends with", ("string", "match"), _ends_with),
    BuiltinFunction(
        "matches",
        Signature(("input", "pattern"), _matches),
        Signature(("input", "pattern", "flags"), _matches),
    ),
    builtin("split", ("string", "delimiter"), _split),
    BuiltinFunction(
        "string join",
        Signature(("list",), _string_join),
        Signature(("list", "delimiter"), _string_join),
    ),
]
