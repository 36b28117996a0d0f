"""DMN 1.5 engine: import of DMN models, evaluation with explanation, deploy-time checks."""

from kontor.rules.dmn.checks import CheckWarning, check_model
from kontor.rules.dmn.errors import (
    DmnError,
    DmnFeelSyntaxError,
    DmnMessage,
    DmnModelError,
    DmnXmlError,
)
from kontor.rules.dmn.evaluator import evaluate_decision, evaluate_many, evaluate_service
from kontor.rules.dmn.explain import DecisionResult, Explanation, MatchedRule, TableTrace
from kontor.rules.dmn.importer import load_dmn, load_dmn_files
from kontor.rules.dmn.model import Definitions

__all__ = [
    "CheckWarning",
    "DecisionResult",
    "Definitions",
    "DmnError",
    "DmnFeelSyntaxError",
    "DmnMessage",
    "DmnModelError",
    "DmnXmlError",
    "Explanation",
    "MatchedRule",
    "TableTrace",
    "check_model",
    "evaluate_decision",
    "evaluate_many",
    "evaluate_service",
    "load_dmn",
    "load_dmn_files",
]
