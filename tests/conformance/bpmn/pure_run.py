"""The pure runner: drives a scenario through the runtime commands, state reloaded from JSON.

Expressions in the older test models are small Python expressions evaluated by a safe AST
walker (no builtins, no calls); a script of assignments returns the assigned variables. New
models use FEEL (``"evaluator": "feel"``).
"""

import ast
import operator
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise

import pytest

from kontor.db import json_codec
from kontor.messaging import FakeClock
from kontor.process.bpmn import parse_bpmn_file
from kontor.process.runtime import (
    ActivityCompleted,
    CallActivityStarted,
    InstanceState,
    InstanceStatus,
    MessageThrown,
    RuntimeCommandError,
    SignalThrown,
    activate_ad_hoc_activity,
    broadcast_signal,
    complete_ad_hoc_sub_process,
    complete_call_activity,
    complete_job,
    complete_user_task,
    correlate_message,
    fail_job,
    fire_timer,
    set_variables,
    start,
    throw_bpmn_error,
)
from kontor.process.runtime.execution import Execution
from kontor.process.runtime.feel_evaluator import FeelEvaluator
from kontor.process.runtime.timers import parse_date, parse_duration

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class PythonLiteralEvaluator:
    """Evaluates tiny Python expressions against variables; nothing else is reachable."""

    def evaluate(self, expression, variables):
        tree = ast.parse(expression.text.strip())
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
            return self._value(tree.body[0].value, variables)
        assigned = {}
        scope = dict(variables)
        for statement in tree.body:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                raise ValueError("only assignments are allowed in scripts")
            target = statement.targets[0]
            if not isinstance(target, ast.Name):
                raise ValueError("assign to plain names only")
            scope[target.id] = assigned[target.id] = self._value(statement.value, scope)
        return assigned

    def _value(self, node, scope):
        match node:
            case ast.Constant(value=value):
                return value
            case ast.Name(id=name):
                if name not in scope:
                    raise NameError(name)
                return scope[name]
            case ast.Attribute(value=inner, attr=attr):
                return self._value(inner, scope)[attr]
            case ast.Subscript(value=inner, slice=index):
                return self._value(inner, scope)[self._value(index, scope)]
            case ast.List(elts=items) | ast.Tuple(elts=items):
                return [self._value(item, scope) for item in items]
            case ast.BinOp(left=left, op=op, right=right):
                return _BINARY[type(op)](self._value(left, scope), self._value(right, scope))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return not self._value(operand, scope)
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -self._value(operand, scope)
            case ast.BoolOp(op=ast.And(), values=values):
                return all(self._value(v, scope) for v in values)
            case ast.BoolOp(op=ast.Or(), values=values):
                return any(self._value(v, scope) for v in values)
            case ast.Compare(left=left, ops=ops, comparators=rights):
                current = self._value(left, scope)
                for op, right in zip(ops, rights, strict=True):
                    value = self._value(right, scope)
                    if not _COMPARE[type(op)](current, value):
                        return False
                    current = value
                return True
            case ast.IfExp(test=test, body=body, orelse=orelse):
                chosen = body if self._value(test, scope) else orelse
                return self._value(chosen, scope)
        raise ValueError(f"unsupported expression: {ast.dump(node)}")


def make_evaluator(scenario):
    """The evaluator a scenario asks for: FEEL or the Python-literal fake."""
    return FeelEvaluator() if scenario.get("evaluator") == "feel" else PythonLiteralEvaluator()


def roundtrip(state):
    """Store and reload the state as JSON with the stores' codec (amounts stay Decimal)."""
    return InstanceState.from_dict(json_codec.loads(json_codec.dumps(state.to_dict())))


def open_elements(state):
    """Element ids of open user tasks, jobs, timers and subscriptions of a state, sorted."""
    tables = (state.user_tasks, state.jobs, state.timers, state.subscriptions)
    return sorted(row.element_id for table in tables for row in table.values())


def first_open(state, table, element_id):
    """The first open row of ``table`` (a state attribute name) at ``element_id``."""
    rows = [row for row in getattr(state, table).values() if row.element_id == element_id]
    assert rows, f"nothing open at {element_id}; open: {open_elements(state)}"
    return rows[0]


def due_times(state):
    """Due time of every scheduled timer by element id (the first timer per element)."""
    due = {}
    for timer in state.timers.values():
        due.setdefault(timer.element_id, parse_date(timer.due).isoformat())
    return due


def job_variables(definitions, state, element_id, evaluator):
    """The variables a worker sees for the open job at ``element_id``."""
    job = first_open(state, "jobs", element_id)
    execution = Execution(definitions, state, evaluator, FakeClock().now())
    return execution.visible(state.tokens[job.token_id])


def duration(text):
    """An ISO 8601 duration without months as a timedelta."""
    parsed = parse_duration(text)
    assert parsed.months == 0
    return parsed.delta or timedelta()


class Scenario:
    """Drives one instance (and the instances its call activities start) through steps."""

    def __init__(
        self, definitions, process_id, variables, evaluator=None, *, start_event=None,
        clock=None, instance_id="instance-1",
    ):  # fmt: skip
        self.definitions = definitions
        self.clock = clock or FakeClock()
        self.evaluator = evaluator or PythonLiteralEvaluator()
        self.instance_id = instance_id
        self.effects = []
        self.called = {}
        self._children = {}
        result = start(
            definitions, process_id, variables, self.clock, evaluator=self.evaluator,
            instance_id=instance_id, start_event_id=start_event,
        )  # fmt: skip
        self._take(result)

    def _take(self, result):
        self.state = roundtrip(result.state)
        self.effects.extend(result.effects)
        for effect in result.effects:
            if isinstance(effect, CallActivityStarted):
                self._call(effect)

    def _call(self, effect):
        child = Scenario(
            self.definitions, effect.process_id, effect.variables, self.evaluator,
            clock=self.clock, instance_id=f"{self.instance_id}/{len(self._children) + 1}",
        )  # fmt: skip
        self._children[effect.token_id] = child
        self._settle_child(effect.token_id)

    def _settle_child(self, token_id):
        child = self._children[token_id]
        if child.state.status is InstanceStatus.ACTIVE:
            return
        del self._children[token_id]
        process_id = child.state.process_id
        self.called[process_id] = self.called.get(process_id, []) + child.trace
        variables = child.state.scopes[child.state.root_scope_id].variables
        self._take(
            complete_call_activity(
                self.definitions, self.state, token_id, variables, self.clock,
                evaluator=self.evaluator,
            )
        )  # fmt: skip

    @property
    def trace(self):
        """Ids of completed elements in completion order."""
        return [e.element_id for e in self.effects if isinstance(e, ActivityCompleted)]

    @property
    def thrown(self):
        """``message:<name>`` / ``signal:<name>`` for each message or signal thrown."""
        kinds = {MessageThrown: "message", SignalThrown: "signal"}
        return [f"{kinds[type(e)]}:{e.name}" for e in self.effects if type(e) in kinds]

    def open_elements(self):
        """Element ids of open user tasks, jobs, timers and subscriptions, sorted."""
        return open_elements(self.state)

    def _owner(self, table, element_id):
        """The instance (this one or a called one) with an open row at ``element_id``."""
        for token_id, child in list(self._children.items()):
            if any(r.element_id == element_id for r in getattr(child.state, table).values()):
                return child, token_id
        return self, None

    def step(self, step):
        """Apply one scenario step (see test_execution_traces.py for the step kinds)."""
        for key in ("complete_user_task", "complete_job", "decide", "fail_job", "throw_error"):
            if key in step:
                table = "user_tasks" if key == "complete_user_task" else "jobs"
                owner, token_id = self._owner(table, step[key])
                if owner is not self:
                    owner.step(step)
                    self._settle_child(token_id)
                    return
        s, d, kw = self.state, self.definitions, {"evaluator": self.evaluator}
        variables = step.get("variables", {})
        if "complete_user_task" in step:
            task = first_open(s, "user_tasks", step["complete_user_task"])
            result = complete_user_task(d, s, task.id, variables, self.clock, **kw)
        elif "complete_job" in step or "decide" in step:
            job = first_open(s, "jobs", step.get("complete_job") or step["decide"])
            result = complete_job(d, s, job.id, variables, self.clock, **kw)
        elif "fail_job" in step:
            job = first_open(s, "jobs", step["fail_job"])
            result = fail_job(d, s, job.id, step["retries"], step["message"], self.clock, **kw)
        elif "throw_error" in step:
            job = first_open(s, "jobs", step["throw_error"])
            result = throw_bpmn_error(
                d, s, job.id, step["code"], self.clock, variables=variables, **kw
            )
        elif "fire_timer" in step:
            timer = first_open(s, "timers", step["fire_timer"])
            self.clock.advance(max(timedelta(), parse_date(timer.due) - self.clock.now()))
            result = fire_timer(d, s, timer.id, self.clock, **kw)
        elif "message" in step:
            result = correlate_message(
                d, s, step["message"], step.get("key"), variables, self.clock, **kw
            )
        elif "signal" in step:
            result = broadcast_signal(d, s, step["signal"], variables, self.clock, **kw)
        elif "set_variables" in step:
            result = set_variables(d, s, step["set_variables"], self.clock, **kw)
        elif "activate_ad_hoc" in step or "complete_ad_hoc" in step:
            command = (
                activate_ad_hoc_activity
                if "activate_ad_hoc" in step
                else (complete_ad_hoc_sub_process)
            )
            element_id = step.get("activate_ad_hoc") or step["complete_ad_hoc"]
            with refusal(step, RuntimeCommandError):
                self._take(command(d, s, element_id, self.clock, **kw))
            return
        else:
            check_or_advance(self, step)
            return
        self._take(result)


@contextmanager
def refusal(step, error_type):
    """Expect the step's command refused with ``step["refused"]`` in the message, if given."""
    if "refused" not in step:
        yield
        return
    with pytest.raises(error_type) as refused:
        yield
    assert step["refused"] in str(refused.value), str(refused.value)


def check_or_advance(run, step):
    """Steps that only look or move the clock: expect_open, expect_due, advance, ..."""
    if "advance" in step:
        run.clock.advance(duration(step["advance"]))
    elif "expect_open" in step:
        assert run.open_elements() == sorted(step["expect_open"])
    elif "expect_due" in step:
        due = due_times(run.state)
        for element_id, expected in step["expect_due"].items():
            assert due.get(element_id) == expected, (element_id, due)
    elif "expect_job_variables" in step:
        for element_id, expected in step["expect_job_variables"].items():
            seen = job_variables(run.definitions, run.state, element_id, run.evaluator)
            assert {name: seen.get(name) for name in expected} == expected, element_id
    else:
        raise AssertionError(f"unknown step {step}")


def run_scenario(model, scenario):
    """Run a scenario on the pure runtime; return the finished Scenario and its trace per step.

    The second value lists, for the start and each step, the elements completed by it.
    """
    definitions = parse_bpmn_file(model)
    process_id = scenario.get("process") or next(iter(definitions.processes))
    run = Scenario(
        definitions, process_id, scenario.get("variables", {}), make_evaluator(scenario),
        start_event=scenario.get("start_event"),
    )  # fmt: skip
    marks = [len(run.trace)]
    for step in scenario.get("steps", []):
        run.step(step)
        marks.append(len(run.trace))
    return run, _per_step(run.trace, marks)


def _per_step(trace, marks):
    return [sorted(trace[a:b]) for a, b in pairwise([0, *marks])]
