"""Errors raised while importing DMN models and messages produced while evaluating them."""

from __future__ import annotations

from dataclasses import dataclass


class DmnError(Exception):
    """Base class of all DMN errors; the message names file, position and element."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        element: str | None = None,
    ) -> None:
        self.reason = message
        self.file = file
        self.line = line
        self.column = column
        self.element = element
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<dmn>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.reason}"
        if self.element:
            text += f" (in {self.element})"
        return text


class DmnXmlError(DmnError):
    """The document is not well-formed XML or not a DMN definitions document."""


class DmnModelError(DmnError):
    """The DMN model is structurally invalid (unknown element, dangling reference, ...)."""


class DmnFeelSyntaxError(DmnError):
    """A FEEL text in the model does not parse."""


@dataclass(frozen=True)
class DmnMessage:
    """A problem found during evaluation; evaluation continues with null."""

    severity: str  # "error" | "warning"
    text: str
    element: str | None = None

    def __str__(self) -> str:
        where = f"[{self.element}] " if self.element else ""
        return f"{self.severity}: {where}{self.text}"
