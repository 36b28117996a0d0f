"""XPath regular expressions translated to Python `re` (matches, replace, split)."""

from __future__ import annotations

from typing import Any

import pytest

from kontor.rules.feel import FeelWarning, compile_expression


def ev(text: str) -> Any:
    return compile_expression(text).evaluate({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('matches("abracadabra", "bra")', True),
        ('matches("abracadabra", "^a.*a$")', True),
        ('matches("Mary\\u000DJones", "Mary.Jones")', False),
        ('matches("Mary\\u000DJones", "Mary.Jones", "s")', True),
        ('matches("a\\nb", "a$")', False),
        ('matches("a\\nb", "a$", "m")', True),
        ('matches("hello world", "hello\\ sworld", "x")', True),
        ('matches("x", "[A-Z-[OI]]", "i")', True),
        ('matches("O", "[A-Z-[OI]]", "i")', False),
        ('matches("a.b", "a.b", "q")', True),
        ('matches("axb", "a.b", "q")', False),
        ('matches("aA", "(a)\\1", "i")', True),
        ('matches("Ä", "\\p{L}")', True),
        ('matches("abc", "(?i)ABC")', None),
        ('matches("abc", "[a")', None),
        ('matches("h", "(.)\\3")', None),
        ('matches("abcd", "(asd)[\\1]")', None),
        ('matches("abc", "b", "z")', None),
        ('replace("abc", "b", "$0$0")', "abbc"),
        ('replace("abc", "b", "\\$")', "a$c"),
        ('replace("abc", "b", "$")', None),
        ('replace("abc", "x*", "-")', None),
        ('replace("AAA", "a", "b", "i")', "bbb"),
        ('split("a1b22c", "\\d+")', ["a", "b", "c"]),
        ('split("a-b", "(-)")', ["a", "b"]),
    ],
)
def test_regex_functions(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_invalid_regex_warns() -> None:
    warnings: list[FeelWarning] = []
    assert compile_expression('matches("a", "[")').evaluate({}, warnings) is None
    assert warnings[0].code == "invalid-regex"
