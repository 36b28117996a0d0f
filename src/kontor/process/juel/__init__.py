"""JUEL, the expression language of Camunda 7 models (``${amount > 1000}``): a safe subset.

Expressions are parsed once (at deployment, so mistakes are found there) and evaluated against
JSON process variables; numbers stay exact (Decimal), and only whitelisted methods of text,
numbers, lists and maps are reachable, never Python attributes.
"""

from __future__ import annotations

from kontor.process.juel.errors import JuelError, JuelEvaluationError, JuelSyntaxError
from kontor.process.juel.evaluate import evaluate_template, execution_instance
from kontor.process.juel.evaluator import JuelEvaluator
from kontor.process.juel.template import JuelTemplate, compile_template, looks_like_juel

__all__ = [
    "JuelError",
    "JuelEvaluationError",
    "JuelEvaluator",
    "JuelSyntaxError",
    "JuelTemplate",
    "compile_template",
    "evaluate_template",
    "execution_instance",
    "looks_like_juel",
]
