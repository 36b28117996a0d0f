"""Scanner for FEEL text: numbers, strings, operators and (possibly multi-word) names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import InvalidOperation

from kontor.rules.feel.errors import FeelSyntaxError
from kontor.rules.feel.numbers import NUMBER_CONTEXT

# Words with grammatical meaning; an unknown multi-word name never swallows them.
KEYWORDS = frozenset(
    {
        "and", "or", "between", "in", "instance", "of", "if", "then", "else", "for",
        "return", "some", "every", "satisfies", "function", "external", "true", "false",
        "null",
    }
)  # fmt: skip

_OPERATORS = (
    "..", "**", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/",
    "(", ")", "[", "]", "{", "}", ",", ":", ".",
)  # fmt: skip
_KEY_SYMBOLS = frozenset(" \t./-'+*")
_PROPERTY_NAMES = ("time offset", "start included", "end included")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "b": "\b",
                   "f": "\f", "/": "/"}  # fmt: skip


class Token:
    """One lexical unit; `kind` is NUMBER, STRING, TEMPORAL, NAME, OP or EOF."""

    __slots__ = ("end", "kind", "start", "value")

    def __init__(self, kind: str, value: object, start: int, end: int) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end

    def is_op(self, symbol: str) -> bool:
        """True for the operator token `symbol`."""
        return self.kind == "OP" and self.value == symbol

    def is_word(self, word: str) -> bool:
        """True for the name token spelled exactly `word` (keywords are names too)."""
        return self.kind == "NAME" and self.value == word

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.start})"


def is_name_start(char: str) -> bool:
    """Characters that may begin a FEEL name (letters, _, ?, and other non-ASCII symbols)."""
    return char.isalpha() or char == "_" or char == "?" or (char > "\x7f" and _is_symbol(char))


def _is_symbol(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char)[0] in "LMNSO"


def is_name_part(char: str) -> bool:
    """Characters that may continue a FEEL name."""
    return char.isalnum() or char == "_" or char == "?" or (char > "\x7f" and _is_symbol(char))


class KnownNames:
    """Names in scope, used to recognise names with spaces or operator characters."""

    def __init__(self, names: Iterable[str] = (), base: KnownNames | None = None) -> None:
        # Copying a prepared base (the built-in names) is much cheaper than adding them again.
        self._by_first_char: dict[str, list[str]] = (
            {char: list(bucket) for char, bucket in base._by_first_char.items()} if base else {}
        )
        self._counts: dict[str, int] = dict(base._counts) if base else {}
        touched: set[str] = set()
        for name in names:
            if name and self._counts.get(name, 0) == 0:
                self._by_first_char.setdefault(name[0], []).append(name)
                touched.add(name[0])
            if name:
                self._counts[name] = self._counts.get(name, 0) + 1
        for char in touched:
            self._by_first_char[char].sort(key=len, reverse=True)

    def add(self, name: str) -> None:
        """Make `name` recognisable (nested declarations are counted)."""
        if not name:
            return
        count = self._counts.get(name, 0)
        self._counts[name] = count + 1
        if count == 0:
            bucket = self._by_first_char.setdefault(name[0], [])
            bucket.append(name)
            bucket.sort(key=len, reverse=True)

    def remove(self, name: str) -> None:
        """Undo one `add` of `name`."""
        count = self._counts.get(name, 0)
        if count <= 1:
            self._counts.pop(name, None)
            bucket = self._by_first_char.get(name[:1], [])
            if name in bucket:
                bucket.remove(name)
        else:
            self._counts[name] = count - 1

    def longest_at(self, text: str, offset: int) -> tuple[str, int] | None:
        """The longest known name at `offset` ending at a word boundary, and its end offset."""
        for name in self._by_first_char.get(text[offset], ()):
            end = _match_end(name, text, offset)
            if end >= 0 and (
                end >= len(text) or not (is_name_part(name[-1]) and is_name_part(text[end]))
            ):
                return name, end
        return None


_SPACED_NAMES: dict[str, re.Pattern[str]] = {}


def _match_end(name: str, text: str, offset: int) -> int:
    """End of `name` at `offset`; inner spaces match any whitespace run. -1 if no match."""
    if " " not in name:
        return offset + len(name) if text.startswith(name, offset) else -1
    if not text.startswith(name.split(" ", 1)[0], offset):
        return -1
    if text.startswith(name, offset):
        return offset + len(name)
    pattern = _SPACED_NAMES.get(name)
    if pattern is None:
        pattern = re.compile(r"\s+".join(re.escape(part) for part in name.split()))
        _SPACED_NAMES[name] = pattern
    match = pattern.match(text, offset)
    return -1 if match is None else match.end()


class Scanner:
    """Produces tokens on demand so that the parser can change the known names as it goes."""

    def __init__(self, text: str, known: KnownNames) -> None:
        self.text = text
        self.known = known

    def error(self, message: str, offset: int) -> FeelSyntaxError:
        """A syntax error at `offset`."""
        return FeelSyntaxError.at_offset(message, self.text, offset)

    def skip_space(self, offset: int) -> int:
        """Skip whitespace and comments."""
        text = self.text
        length = len(text)
        while offset < length:
            char = text[offset]
            if char.isspace():
                offset += 1
            elif text.startswith("//", offset):
                newline = text.find("\n", offset)
                offset = length if newline < 0 else newline + 1
            elif text.startswith("/*", offset):
                close = text.find("*/", offset + 2)
                if close < 0:
                    raise self.error("unterminated comment", offset)
                offset = close + 2
            else:
                break
        return offset

    def scan(self, offset: int) -> Token:
        """The token starting at (or after whitespace following) `offset`."""
        text = self.text
        offset = self.skip_space(offset)
        if offset >= len(text):
            return Token("EOF", None, offset, offset)
        char = text[offset]
        if char.isdigit() or (char == "." and text[offset + 1 : offset + 2].isdigit()):
            return self._number(offset)
        if char == '"':
            value, end = self._string(offset)
            return Token("STRING", value, offset, end)
        if char == "@" and text.startswith('"', offset + 1):
            value, end = self._string(offset + 1)
            return Token("TEMPORAL", value, offset, end)
        known = self.known.longest_at(text, offset)
        if known is not None:
            return Token("NAME", known[0], offset, known[1])
        if is_name_start(char):
            return self._name(offset)
        for operator in _OPERATORS:
            if text.startswith(operator, offset):
                return Token("OP", operator, offset, offset + len(operator))
        raise self.error(f"unexpected character {char!r}", offset)

    def scan_key(self, offset: int) -> Token | None:
        """A context key or parameter name directly followed by ':' (may contain + - / etc.)."""
        text = self.text
        start = self.skip_space(offset)
        if start >= len(text) or not is_name_start(text[start]):
            return None
        end = start + 1
        while end < len(text) and (is_name_part(text[end]) or text[end] in _KEY_SYMBOLS):
            end += 1
        name = text[start:end].rstrip()
        after = self.skip_space(start + len(name))
        if not text.startswith(":", after):
            return None
        return Token("NAME", name, start, start + len(name))

    def scan_member(self, offset: int) -> Token:
        """The name after '.': the longest of a property, a known name or a plain name."""
        token = self.scan(offset)
        if token.kind != "NAME":
            return token
        start = token.start
        candidates = [token, self._name(start)]
        for name in _PROPERTY_NAMES:
            end = _match_end(name, self.text, start)
            if end >= 0:
                candidates.append(Token("NAME", name, start, end))
        return max(candidates, key=lambda candidate: candidate.end)

    def _number(self, offset: int) -> Token:
        text = self.text
        end = offset
        length = len(text)
        while end < length and text[end].isdigit():
            end += 1
        if end < length - 1 and text[end] == "." and text[end + 1].isdigit():
            end += 1
            while end < length and text[end].isdigit():
                end += 1
        if end < length and text[end] in "eE":
            exponent_end = end + 1
            if exponent_end < length and text[exponent_end] in "+-":
                exponent_end += 1
            if exponent_end < length and text[exponent_end].isdigit():
                end = exponent_end
                while end < length and text[end].isdigit():
                    end += 1
        try:
            # decimal128, as for every FEEL number: 34 digits, bounded exponent
            value = NUMBER_CONTEXT.create_decimal(text[offset:end])
        except InvalidOperation as error:  # pragma: no cover - the scan guarantees digits
            raise self.error("invalid number", offset) from error
        except ArithmeticError as error:
            raise self.error("number beyond the range of decimal128", offset) from error
        return Token("NUMBER", value, offset, end)

    def _string(self, offset: int) -> tuple[str, int]:
        text = self.text
        parts: list[str] = []
        index = offset + 1
        length = len(text)
        while index < length:
            char = text[index]
            if char == '"':
                return _join_surrogates("".join(parts)), index + 1
            if char == "\\":
                escape = text[index + 1 : index + 2]
                if escape in _SIMPLE_ESCAPES:
                    parts.append(_SIMPLE_ESCAPES[escape])
                    index += 2
                elif escape in ("u", "U"):
                    digits = 4 if escape == "u" else 6
                    code = text[index + 2 : index + 2 + digits]
                    if len(code) != digits or not all(c in "0123456789abcdefABCDEF" for c in code):
                        raise self.error("invalid unicode escape", index)
                    parts.append(chr(int(code, 16)))
                    index += 2 + digits
                else:
                    # Unknown escapes stay as written, so regex patterns like "\s" work.
                    parts.append(text[index : index + 2])
                    index += 2
            else:
                parts.append(char)
                index += 1
        raise self.error("unterminated string", offset)

    def _name(self, offset: int) -> Token:
        text = self.text
        end = self._word_end(offset)
        # Unknown names may still consist of several words ("Monthly Salary").
        while True:
            next_start = end
            while next_start < len(text) and text[next_start] in " \t":
                next_start += 1
            if next_start == end or next_start >= len(text) or not is_name_start(text[next_start]):
                break
            next_end = self._word_end(next_start)
            if text[next_start:next_end] in KEYWORDS or text[offset:end] in KEYWORDS:
                break
            end = next_end
        return Token("NAME", text[offset:end], offset, end)

    def _word_end(self, offset: int) -> int:
        text = self.text
        end = offset + 1
        while end < len(text) and is_name_part(text[end]):
            end += 1
        return end


def _join_surrogates(text: str) -> str:
    """Combine UTF-16 surrogate pairs written as two \\u escapes into one character."""
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
