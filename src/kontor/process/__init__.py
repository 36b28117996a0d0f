"""Kontor process component: BPMN 2.0 import, validation and the token runtime.

The public face for other components; details live in ``kontor.process.bpmn`` and
``kontor.process.runtime``.
"""

from kontor.process.bpmn import (
    BpmnImportError,
    Definitions,
    Issue,
    Severity,
    Verdict,
    parse_bpmn,
    parse_bpmn_file,
    validate,
    verdict,
    verdicts,
)
from kontor.process.runtime import (
    Clock,
    Effect,
    ExpressionEvaluator,
    InstanceState,
    ManualClock,
    RuntimeCommandError,
    StepResult,
    broadcast_signal,
    complete_call_activity,
    complete_job,
    complete_user_task,
    correlate_message,
    fail_job,
    fire_timer,
    resolve_incident,
    set_variables,
    start,
    throw_bpmn_error,
)
from kontor.process.runtime.feel_evaluator import FeelEvaluator

__all__ = [
    "BpmnImportError",
    "Clock",
    "Definitions",
    "Effect",
    "ExpressionEvaluator",
    "FeelEvaluator",
    "InstanceState",
    "Issue",
    "ManualClock",
    "RuntimeCommandError",
    "Severity",
    "StepResult",
    "Verdict",
    "broadcast_signal",
    "complete_call_activity",
    "complete_job",
    "complete_user_task",
    "correlate_message",
    "fail_job",
    "fire_timer",
    "parse_bpmn",
    "parse_bpmn_file",
    "resolve_incident",
    "set_variables",
    "start",
    "throw_bpmn_error",
    "validate",
    "verdict",
    "verdicts",
]
