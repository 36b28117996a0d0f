"""Errors of the JUEL subset: syntax (found at deployment) and evaluation (an incident)."""

from __future__ import annotations


class JuelError(ValueError):
    """Any problem with a JUEL expression."""


class JuelSyntaxError(JuelError):
    """The text is no JUEL of the supported subset; ``position`` is the offset in the text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


class JuelEvaluationError(JuelError):
    """Evaluation failed: an unknown variable, a value that cannot be coerced, a bad call."""
