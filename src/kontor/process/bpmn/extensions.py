"""Camunda 8 (``zeebe:``) and trivial Camunda 7 (``camunda:``) extension data on flow nodes."""

from __future__ import annotations

from dataclasses import dataclass

from kontor.process.bpmn.expressions import Expression, StaticOrExpression


@dataclass(frozen=True)
class TaskDefinition:
    """Job type and retry count a service-like task hands to workers."""

    type: StaticOrExpression
    retries: StaticOrExpression = "3"


@dataclass(frozen=True)
class VariableMapping:
    """One ``zeebe:input``/``zeebe:output``: evaluate ``source``, write it to ``target``."""

    source: StaticOrExpression
    target: str


@dataclass(frozen=True)
class IoMapping:
    """Input mappings applied on activation, output mappings on completion."""

    inputs: tuple[VariableMapping, ...] = ()
    outputs: tuple[VariableMapping, ...] = ()


@dataclass(frozen=True)
class Assignment:
    """Who a user task is for."""

    assignee: StaticOrExpression | None = None
    candidate_groups: StaticOrExpression | None = None
    candidate_users: StaticOrExpression | None = None


@dataclass(frozen=True)
class TaskSchedule:
    """Due and follow-up dates of a user task (ISO 8601 or expression)."""

    due_date: StaticOrExpression | None = None
    follow_up_date: StaticOrExpression | None = None


@dataclass(frozen=True)
class CalledElement:
    """The process a call activity starts, which version of it, and how variables travel.

    ``binding_type`` is ``latest`` (default), ``deployment`` (the version deployed with the
    calling process) or ``versionTag`` (the newest version tagged ``version_tag``).
    """

    process_id: StaticOrExpression
    propagate_all_child_variables: bool = True
    propagate_all_parent_variables: bool = True
    binding_type: str = "latest"
    version_tag: str | None = None


@dataclass(frozen=True)
class ScriptDefinition:
    """A script task's FEEL expression (zeebe) or script body (standard) and result variable."""

    body: Expression
    result_variable: str | None = None


@dataclass(frozen=True)
class CalledDecision:
    """The decision a business-rule task evaluates and where the result goes."""

    decision_id: StaticOrExpression
    result_variable: str | None = None


@dataclass(frozen=True)
class TaskExtensions:
    """Everything engine-specific attached to an activity; all parts optional."""

    task_definition: TaskDefinition | None = None
    io_mapping: IoMapping | None = None
    task_headers: tuple[tuple[str, str], ...] = ()
    assignment: Assignment | None = None
    schedule: TaskSchedule | None = None
    form_key: str | None = None
    priority: StaticOrExpression | None = None
    task_priority: StaticOrExpression | None = None  # an external task's (Camunda 7)
    called_element: CalledElement | None = None
    script: ScriptDefinition | None = None
    called_decision: CalledDecision | None = None
    properties: tuple[tuple[str, str], ...] = ()
    async_before: bool = False
    async_after: bool = False
    camunda7_problems: tuple[str, ...] = ()
    """What Camunda 7 would refuse in the element's ``camunda:`` data (validation errors)."""

    @property
    def is_empty(self) -> bool:
        """Whether no extension data was given."""
        return self == TaskExtensions()
