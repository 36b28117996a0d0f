"""Errors and warnings raised or collected while compiling and evaluating FEEL."""

from __future__ import annotations

from dataclasses import dataclass


class FeelSyntaxError(Exception):
    """A FEEL text that does not follow the grammar; carries a 1-based line and column."""

    def __init__(self, message: str, text: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.text = text
        self.line = line
        self.column = column

    @classmethod
    def at_offset(cls, message: str, text: str, offset: int) -> FeelSyntaxError:
        """Build the error for a 0-based character offset into `text`."""
        offset = max(0, min(offset, len(text)))
        line = text.count("\n", 0, offset) + 1
        line_start = text.rfind("\n", 0, offset) + 1
        return cls(message, text, line, offset - line_start + 1)


@dataclass(frozen=True)
class FeelWarning:
    """A data problem met during evaluation; the affected value became null."""

    code: str
    message: str


class FeelDataError(Exception):
    """Internal signal for a data problem; evaluation turns it into null plus a warning."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
