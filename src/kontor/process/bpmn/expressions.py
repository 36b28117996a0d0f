"""Expressions as they appear in BPMN files: kept as text plus language, never evaluated here."""

from __future__ import annotations

from dataclasses import dataclass

FEEL = "feel"
"""Language marker for FEEL; the default for Kontor and the meaning of zeebe's leading '='."""

JUEL = "juel"
"""Language marker for ``${...}`` expressions of Camunda 7 / Activiti models."""

_FEEL_LANGUAGE_ALIASES = frozenset(
    {
        "feel",
        "http://www.omg.org/spec/feel/20140401",
        "https://www.omg.org/spec/dmn/20191111/feel/",
        "http://www.omg.org/spec/dmn/20180521/feel/",
        "http://www.omg.org/spec/feel/20200101",
    }
)


@dataclass(frozen=True)
class Expression:
    """Expression text in a named language (``feel`` unless the model says otherwise)."""

    text: str
    language: str = FEEL
    line: int | None = None

    @property
    def is_feel(self) -> bool:
        """Whether the expression is FEEL."""
        return self.language == FEEL


StaticOrExpression = str | Expression
"""A zeebe attribute value: plain text is a static value, ``=...`` is a FEEL expression."""


def normalise_language(language: str | None) -> str:
    """Map a declared expression language (URI or name) to Kontor's short form."""
    if language is None or not language.strip():
        return FEEL
    lowered = language.strip().lower()
    if lowered in _FEEL_LANGUAGE_ALIASES or lowered.endswith("/feel") or lowered.endswith("/feel/"):
        return FEEL
    if lowered == "juel":
        return JUEL
    return language.strip()


def _has_juel(text: str) -> bool:
    return "${" in text or "#{" in text


def camunda7_value(raw: str | None, line: int | None = None) -> StaticOrExpression | None:
    """Read a Camunda 7 attribute: text with ``${...}`` is JUEL, anything else stays static."""
    if raw is None:
        return None
    if _has_juel(raw):
        return Expression(raw.strip(), JUEL, line)
    return raw


def zeebe_value(raw: str | None, line: int | None = None) -> StaticOrExpression | None:
    """Read a zeebe attribute: ``=expr`` becomes a FEEL expression, anything else stays static."""
    if raw is None:
        return None
    stripped = raw.strip()
    if stripped.startswith("="):
        return Expression(stripped[1:].strip(), FEEL, line)
    return raw


def formal_expression(
    text: str | None, language: str | None, line: int | None = None
) -> Expression | None:
    """Read the body of a tFormalExpression; a leading '=' marks FEEL as in zeebe."""
    if text is None or not text.strip():
        return None
    body = text.strip()
    if body.startswith("="):
        return Expression(body[1:].strip(), FEEL, line)
    if language is None and _has_juel(body):
        # Camunda 7 / Activiti models carry JUEL without declaring it.
        return Expression(body, JUEL, line)
    return Expression(body, normalise_language(language), line)
