"""Scenario runner for BPMN execution conformance: a model, steps, the expected trace.

Expressions in the test models are small Python expressions evaluated by a safe AST walker
(no builtins, no calls); a script of assignments returns the assigned variables.
"""

import ast
import json
import operator
from datetime import timedelta
from pathlib import Path

import pytest

from kontor.messaging import FakeClock
from kontor.process.bpmn import parse_bpmn_file
from kontor.process.runtime import (
    ActivityCompleted,
    InstanceState,
    broadcast_signal,
    complete_job,
    complete_user_task,
    correlate_message,
    fail_job,
    fire_timer,
    start,
    throw_bpmn_error,
)
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


def roundtrip(state):
    """Store and reload the state as JSON, as a persistence adapter would."""
    return InstanceState.from_dict(json.loads(json.dumps(state.to_dict())))


class Scenario:
    """Drives one instance through listed steps, collecting completed elements."""

    def __init__(self, definitions, process_id, variables, evaluator=None):
        self.definitions = definitions
        self.clock = FakeClock()
        self.evaluator = evaluator or PythonLiteralEvaluator()
        self.effects = []
        result = start(
            definitions, process_id, variables, self.clock, evaluator=self.evaluator,
            instance_id="instance-1",
        )  # fmt: skip
        self._take(result)

    def _take(self, result):
        self.state = roundtrip(result.state)
        self.effects.extend(result.effects)

    @property
    def trace(self):
        """Ids of completed elements in completion order."""
        return [e.element_id for e in self.effects if isinstance(e, ActivityCompleted)]

    def _first(self, table, element_id):
        rows = [row for row in table.values() if row.element_id == element_id]
        assert rows, f"nothing open at {element_id}; open: {self.open_elements()}"
        return rows[0]

    def open_elements(self):
        """Element ids of open user tasks, jobs, timers and subscriptions, sorted."""
        s = self.state
        tables = (s.user_tasks, s.jobs, s.timers, s.subscriptions)
        return sorted(row.element_id for table in tables for row in table.values())

    def step(self, step):
        """Apply one scenario step (see the .trace.json files)."""
        d, s, kw = self.definitions, self.state, {"evaluator": self.evaluator}
        variables = step.get("variables", {})
        if "complete_user_task" in step:
            task = self._first(s.user_tasks, step["complete_user_task"])
            result = complete_user_task(d, s, task.id, variables, self.clock, **kw)
        elif "complete_job" in step:
            job = self._first(s.jobs, step["complete_job"])
            result = complete_job(d, s, job.id, variables, self.clock, **kw)
        elif "fail_job" in step:
            job = self._first(s.jobs, step["fail_job"])
            result = fail_job(d, s, job.id, step["retries"], step["message"], self.clock, **kw)
        elif "throw_error" in step:
            job = self._first(s.jobs, step["throw_error"])
            result = throw_bpmn_error(
                d, s, job.id, step["code"], self.clock, variables=variables, **kw
            )
        elif "fire_timer" in step:
            timer = self._first(s.timers, step["fire_timer"])
            self.clock.advance(max(timedelta(), parse_date(timer.due) - self.clock.now()))
            result = fire_timer(d, s, timer.id, self.clock, **kw)
        elif "advance" in step:
            self.clock.advance(_duration(step["advance"]))
            return
        elif "message" in step:
            result = correlate_message(
                d, s, step["message"], step.get("key"), variables, self.clock, **kw
            )
        elif "signal" in step:
            result = broadcast_signal(d, s, step["signal"], variables, self.clock, **kw)
        elif "expect_open" in step:
            assert self.open_elements() == sorted(step["expect_open"])
            return
        else:
            raise AssertionError(f"unknown step {step}")
        self._take(result)


def _duration(text):
    duration = parse_duration(text)
    assert duration.months == 0
    return duration.delta or timedelta()


MODELS = Path(__file__).parent / "models"


def load_scenarios():
    """(model path, scenario name, scenario) for every .trace.json next to a model."""
    cases = []
    for trace_file in sorted(MODELS.glob("*.trace.json")):
        model = trace_file.with_name(trace_file.name.replace(".trace.json", ".bpmn"))
        spec = json.loads(trace_file.read_text())
        for name, scenario in spec["scenarios"].items():
            cases.append(pytest.param((model, scenario), id=f"{model.stem}:{name}"))
    return cases


def run_scenario(model, scenario):
    """Run a scenario from a .trace.json file and return the finished Scenario."""
    definitions = parse_bpmn_file(model)
    process_id = scenario.get("process") or next(iter(definitions.processes))
    evaluator = FeelEvaluator() if scenario.get("evaluator") == "feel" else None
    run = Scenario(definitions, process_id, scenario.get("variables", {}), evaluator)
    for step in scenario.get("steps", []):
        run.step(step)
    return run


def pytest_generate_tests(metafunc):
    """Parametrise tests asking for ``trace_case`` with every scenario of models/."""
    if "trace_case" in metafunc.fixturenames:
        metafunc.parametrize("trace_case", load_scenarios())


@pytest.fixture
def evaluator():
    """The Python-literal evaluator used by the conformance models."""
    return PythonLiteralEvaluator()


@pytest.fixture
def scenario_runner():
    """Runs a scenario dict against a model file and returns the finished ``Scenario``."""
    return run_scenario


@pytest.fixture
def scenario_class():
    """The ``Scenario`` driver, for tests that script steps themselves."""
    return Scenario
