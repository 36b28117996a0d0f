"""The JUEL evaluator of process models: templates compiled once per text, then evaluated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kontor.process.juel.evaluate import evaluate_template
from kontor.process.juel.template import JuelTemplate, compile_template
from kontor.rules.feel import to_json

_CACHE_LIMIT = 10_000


class JuelEvaluator:
    """Evaluates JUEL text against JSON variables; the result is JSON again."""

    def __init__(self) -> None:
        self._compiled: dict[str, JuelTemplate] = {}

    def evaluate(self, text: str, variables: Mapping[str, Any]) -> Any:
        """The value of ``text``; JuelError for syntax and evaluation problems."""
        template = self._compiled.get(text)
        if template is None:
            template = compile_template(text)
            if len(self._compiled) >= _CACHE_LIMIT:
                self._compiled.clear()
            self._compiled[text] = template
        return to_json(evaluate_template(template, variables))
