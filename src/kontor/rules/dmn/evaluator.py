"""Evaluation of decisions, BKMs and decision services over the requirement graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kontor.rules.dmn import feel_bridge
from kontor.rules.dmn.boxed_eval import evaluate_expression, make_closure, resolve_type
from kontor.rules.dmn.errors import DmnMessage
from kontor.rules.dmn.explain import DecisionResult, Explanation, TableTrace
from kontor.rules.dmn.fast_decision import fast_plan
from kontor.rules.dmn.model import (
    BusinessKnowledgeModel,
    Decision,
    DecisionService,
    Definitions,
    DrgElement,
    InputData,
    Reference,
)
from kontor.rules.dmn.typerefs import ANY, FunctionType, coerce

_MISSING = object()
_NO_INPUTS: Mapping[str, Any] = {}
Key = tuple[str, str]


class Evaluation:
    """State of one evaluation: memoised values, messages, FEEL warnings, optional trace.

    All FEEL evaluated for it spends from one budget of `limits` (FEEL's EvaluationLimits),
    carried by the warning list.
    """

    def __init__(
        self,
        root: Definitions,
        inputs: Mapping[str, Any],
        imported_inputs: Mapping[str, Mapping[str, Any]] | None = None,
        explain: bool = False,
        parent: Evaluation | None = None,
        overrides: Mapping[Key, Any] | None = None,
        limits: Any = None,
    ) -> None:
        self.root = root
        self.inputs = inputs
        self.imported_inputs = imported_inputs or {}
        self.overrides = dict(overrides or {})
        self.memo: dict[Key, Any] = {}
        self.active: set[Key] = set()
        if parent is None:
            self.messages: list[DmnMessage] = []
            self.warnings: list[Any] = feel_bridge.budgeted_warnings(limits)
            self.traces: list[TableTrace] | None = [] if explain else None
            self.decision_log: dict[str, Any] | None = {} if explain else None
        else:
            self.messages = parent.messages
            self.warnings = parent.warnings
            self.traces = parent.traces
            self.decision_log = parent.decision_log

    # ------------------------------------------------------------ messages and types

    def error(self, text: str, element: str | None) -> None:
        """Record an evaluation error."""
        self.messages.append(DmnMessage("error", text, element))

    def to_feel(self, raw: Any, label: str) -> Any:
        """A caller's value in FEEL's value space; numbers beyond decimal128 warn and are null."""
        if type(raw) is str:
            return raw  # the common case, nothing to convert
        problems: list[Any] = []
        value = feel_bridge.to_feel(raw, problems)
        for problem in problems:
            self.messages.append(DmnMessage("warning", problem.message, label))
        return value

    def try_coerce(self, model: Definitions, type_ref: str, value: Any) -> tuple[Any, str | None]:
        """Coerce to a typeRef; return (value, problem)."""
        return coerce(resolve_type(model, type_ref), value)

    def coerce(self, model: Definitions, type_ref: str | None, value: Any, label: str) -> Any:
        """Coerce to a typeRef; a mismatch gives null and an error message."""
        if not type_ref or value is None:
            return value
        dmn_type = model.registry.resolve(type_ref)
        if dmn_type is ANY or isinstance(dmn_type, FunctionType) or dmn_type.conforms(value):
            return value
        result, problem = coerce(dmn_type, value)
        if problem:
            self.error(problem, label)
        return result

    # ------------------------------------------------------------ DRG values

    def coerce_result(
        self, model: Definitions, type_ref: str | None, value: Any, label: str
    ) -> Any:
        """Coerce a function's result: function item types check their output type."""
        if not type_ref or value is None:
            return value
        dmn_type = resolve_type(model, type_ref)
        if isinstance(dmn_type, FunctionType):
            if dmn_type.output is None:
                return value
            result, problem = coerce(dmn_type.output, value)
            if problem:
                self.error(problem, label)
            return result
        return self.coerce(model, type_ref, value, label)

    def resolve(self, model: Definitions, ref: Reference) -> tuple[Definitions, DrgElement] | None:
        """Find the model and element an href points to."""
        target_model = model.model_for(ref.namespace)
        if target_model is None:
            return None
        element = target_model.elements.get(ref.element_id)
        return None if element is None else (target_model, element)

    def scope_for(
        self, model: Definitions, refs: Iterable[Reference], label: str
    ) -> dict[str, Any]:
        """Values of required elements by name; imported ones grouped under the import name."""
        plan = model.plans.get(label)
        if plan is None:
            plan = self._plan(model, tuple(refs), label)
            model.plans[label] = plan
        scope: dict[str, Any] = {}
        for getter, target_model, element, alias in plan:
            value = getter(self, target_model, element)
            if alias is None:
                scope[element.name] = value
            else:
                group = scope.setdefault(alias, {})
                if isinstance(group, dict):
                    group[element.name] = value
        return scope

    def _plan(self, model: Definitions, refs: tuple[Reference, ...], label: str) -> list[Any]:
        """Resolve requirements once per model: (value getter, model, element, import alias)."""
        plan: list[Any] = []
        for ref in refs:
            found = self.resolve(model, ref)
            if found is None:
                self.error(f"requirement '{ref.namespace}#{ref.element_id}' not found", label)
                continue
            target_model, element = found
            alias = None
            if target_model is not model:
                alias = model.import_alias(target_model.namespace) or target_model.name
            plan.append((_GETTERS[type(element)], target_model, element, alias))
        return plan

    def value_of(self, model: Definitions, element: DrgElement) -> Any:
        """Value of any DRG element (functions for BKMs and decision services)."""
        if isinstance(element, Decision):
            return self.decision_value(model, element)
        if isinstance(element, InputData):
            return self.input_value(model, element)
        if isinstance(element, BusinessKnowledgeModel):
            return self.bkm_function(model, element)
        return self.service_function(model, element)

    def input_value(self, model: Definitions, element: InputData) -> Any:
        """Input data from the caller, converted to FEEL and checked against its type."""
        key = (model.namespace, element.id or element.name)
        if key in self.overrides:
            return self.overrides[key]
        if key in self.memo:
            return self.memo[key]
        raw = self._raw_input(model, element.name)
        label = f"input data '{element.name}'"
        value = None if raw is _MISSING else self.to_feel(raw, label)
        value = self.coerce(model, element.type_ref, value, label)
        self.memo[key] = value
        return value

    def _raw_input(self, model: Definitions, name: str) -> Any:
        if model.namespace == self.root.namespace:
            return self.inputs.get(name, _MISSING)
        specific = self.imported_inputs.get(model.namespace)
        if specific is not None and name in specific:
            return specific[name]
        alias = self.root.import_alias(model.namespace)
        group = self.inputs.get(alias) if alias else None
        if isinstance(group, Mapping) and name in group:
            return group[name]
        return _MISSING

    def decision_value(self, model: Definitions, decision: Decision) -> Any:
        """Evaluate a decision once per evaluation (required decisions first)."""
        key = (model.namespace, decision.id or decision.name)
        if key in self.overrides:
            return self.overrides[key]
        if key in self.memo:
            return self.memo[key]
        label = f"decision '{decision.name}'"
        if key in self.active:
            self.error("requirement cycle", label)
            return None
        self.active.add(key)
        try:
            scope = self.scope_for(
                model,
                (
                    *decision.required_decisions,
                    *decision.required_inputs,
                    *decision.required_knowledge,
                ),
                label,
            )
            if not decision.required_inputs and not decision.required_decisions:
                # As Camunda's engines do: a decision that declares no requirements reads the
                # caller's data directly (models made in Camunda Modeler seldom declare them).
                scope = {**self.inputs, **scope}
            try:
                value = evaluate_expression(decision.logic, scope, self, model)
            except Exception as exc:  # engine bug: keep the promise that evaluation never raises
                if feel_bridge.is_budget_exceeded(exc):
                    raise  # strict limits: the caller asked for the failure itself
                self.error(f"internal error: {type(exc).__name__}: {exc}", label)
                value = None
            value = self.coerce(model, decision.type_ref, value, label)
        finally:
            self.active.discard(key)
        self.memo[key] = value
        if self.decision_log is not None:
            self.decision_log[decision.name] = value
        return value

    def bkm_function(self, model: Definitions, bkm: BusinessKnowledgeModel) -> Any:
        """The BKM as a FEEL function (it sees its own knowledge requirements and itself)."""
        key = (model.namespace, bkm.id or bkm.name)
        if key in self.memo:
            return self.memo[key]
        label = f"business knowledge model '{bkm.name}'"
        if bkm.logic is None:
            function = feel_bridge.make_function([], lambda: None, bkm.name)
            self.memo[key] = function
            return function
        captured: dict[str, Any] = {}
        result_type = bkm.logic.type_ref or bkm.type_ref
        function = make_closure(
            bkm.logic,
            captured,
            self,
            model,
            label,
            result_type,
            copy_scope=False,
            strict_arity=True,
        )
        self.memo[key] = function
        captured.update(self.scope_for(model, bkm.required_knowledge, label))
        captured.setdefault(bkm.name, function)
        return function

    def service_function(self, model: Definitions, service: DecisionService) -> Any:
        """The decision service as a FEEL function of its input decisions and input data."""
        key = (model.namespace, service.id or service.name)
        if key in self.memo:
            return self.memo[key]
        # the TCK (0085, test 011) fixes the order: input data first, then input decisions
        parameters = [*service.input_data, *service.input_decisions]
        names = [self._element_name(model, ref) for ref in parameters]
        label = f"decision service '{service.name}'"

        def impl(*arguments: Any) -> Any:
            overrides = {}
            for ref, argument in zip(parameters, arguments, strict=True):
                found = self.resolve(model, ref)
                if found is None:
                    continue
                target_model, element = found
                value = self.to_feel(argument, label)
                if isinstance(element, InputData | Decision) and element.type_ref:
                    value, problem = self.try_coerce(target_model, element.type_ref, value)
                    if problem:
                        self.error(f"parameter '{element.name}': {problem}", label)
                        return None
                overrides[(target_model.namespace, ref.element_id)] = value
            outputs = run_service(self, model, service, overrides)
            return service_value(self, model, service, outputs)

        function = feel_bridge.make_function(names, impl, service.name, strict_arity=True)
        self.memo[key] = function
        return function

    def service_overrides(self, model: Definitions, service: DecisionService) -> dict[Key, Any]:
        """Parameter values of a directly invoked service, from the caller's inputs by name."""
        overrides: dict[Key, Any] = {}
        for ref in (*service.input_decisions, *service.input_data):
            found = self.resolve(model, ref)
            if found is None:
                continue
            target_model, element = found
            raw = self.inputs.get(element.name, _MISSING)
            value = None if raw is _MISSING else self.to_feel(raw, element.name)
            if isinstance(element, InputData | Decision):
                value = self.coerce(target_model, element.type_ref, value, element.name)
            overrides[(target_model.namespace, ref.element_id)] = value
        return overrides

    def _element_name(self, model: Definitions, ref: Reference) -> str:
        found = self.resolve(model, ref)
        return ref.element_id if found is None else found[1].name


def run_service(
    parent: Evaluation, model: Definitions, service: DecisionService, overrides: Mapping[Key, Any]
) -> dict[str, Any]:
    """Evaluate the output decisions of a service with the given parameter values."""
    child = Evaluation(
        parent.root, parent.inputs, parent.imported_inputs, parent=parent, overrides=overrides
    )
    outputs: dict[str, Any] = {}
    for ref in service.output_decisions:
        found = child.resolve(model, ref)
        if found is None or not isinstance(found[1], Decision):
            child.error(
                f"output decision '{ref.element_id}' not found",
                f"decision service '{service.name}'",
            )
            continue
        outputs[found[1].name] = child.decision_value(*found)  # type: ignore[arg-type]
    return outputs


def service_value(
    run: Evaluation, model: Definitions, service: DecisionService, outputs: dict[str, Any]
) -> Any:
    """A service's result: its single output's value or a context, checked against its type."""
    value = next(iter(outputs.values())) if len(outputs) == 1 else outputs
    return run.coerce_result(model, service.type_ref, value, f"decision service '{service.name}'")


def _result(run: Evaluation, value: Any) -> DecisionResult:
    messages = list(run.messages)
    for warning in run.warnings:
        severity = "error" if getattr(warning, "code", "") == "syntax-error" else "warning"
        messages.append(DmnMessage(severity, getattr(warning, "message", str(warning)), None))
    explanation = None
    if run.traces is not None and run.decision_log is not None:
        explanation = Explanation(dict(run.decision_log), list(run.traces), messages)
    return DecisionResult(value, tuple(messages), explanation)


def evaluate_decision(
    model: Definitions,
    decision: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    explain: bool = False,
    imported_inputs: Mapping[str, Mapping[str, Any]] | None = None,
    limits: Any = None,
) -> DecisionResult:
    """Evaluate the decision with this name or id; never raises for data problems.

    `limits` (FEEL's EvaluationLimits) bound the whole evaluation; strict ones make an
    exceeded budget raise EvaluationBudgetExceeded instead of giving null and a warning.
    """
    if imported_inputs is None:
        fast = fast_plan(model, decision)
        if fast is not None:
            result = fast(inputs or _NO_INPUTS, explain)
            if result is not None:
                return result
    run = Evaluation(model, inputs or {}, imported_inputs, explain, limits=limits)
    element = model.find(decision)
    if isinstance(element, DecisionService):
        outputs = run_service(run, model, element, run.service_overrides(model, element))
        return _result(run, service_value(run, model, element, outputs))
    if not isinstance(element, Decision):
        run.error(f"no decision named {decision!r}", model.name)
        return _result(run, None)
    return _result(run, run.decision_value(model, element))


def evaluate_many(
    model: Definitions,
    decision: str,
    records: Iterable[Mapping[str, Any]],
    *,
    explain: bool = False,
    limits: Any = None,
) -> list[DecisionResult]:
    """Evaluate one decision for many input records (bulk callers: imports, campaigns).

    The decision is looked up and its plan chosen once; each record is evaluated on its own
    (its own messages and budget), exactly as `evaluate_decision` would.
    """
    fast = fast_plan(model, decision)
    results: list[DecisionResult] = []
    append = results.append
    for record in records:
        result = None if fast is None else fast(record, explain)
        if result is None:
            result = evaluate_decision(model, decision, record, explain=explain, limits=limits)
        append(result)
    return results


def evaluate_service(
    model: Definitions,
    service: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    explain: bool = False,
    limits: Any = None,
) -> DecisionResult:
    """Invoke a decision service directly; the value is a context of its output decisions."""
    run = Evaluation(model, inputs or {}, None, explain, limits=limits)
    element = model.find(service)
    if not isinstance(element, DecisionService):
        run.error(f"no decision service named {service!r}", model.name)
        return _result(run, None)
    outputs = run_service(run, model, element, run.service_overrides(model, element))
    if len(outputs) == 1 and element.type_ref:
        name = next(iter(outputs))
        outputs = {name: service_value(run, model, element, outputs)}
    return _result(run, outputs)


_GETTERS: dict[type, Any] = {
    Decision: Evaluation.decision_value,
    InputData: Evaluation.input_value,
    BusinessKnowledgeModel: Evaluation.bkm_function,
    DecisionService: Evaluation.service_function,
}
