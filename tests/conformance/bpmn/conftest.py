"""Scenario runners for BPMN execution conformance: a model, steps, the expected trace.

Every scenario of ``models/*.trace.json`` runs twice: on the pure runtime (state reloaded
from JSON after each step) and through the durable service on SQLite.
"""

import json
from pathlib import Path

import pytest

from conformance.bpmn.pure_run import PythonLiteralEvaluator, Scenario, run_scenario

MODELS = Path(__file__).parent / "models"


def load_scenarios(durable=False):
    """(model, file spec, scenario) params for every scenario of models/, marked as asked.

    A scenario with ``durable_xfail`` is expected to fail in the durable runner, for the
    reason given there.
    """
    cases = []
    for trace_file in sorted(MODELS.glob("*.trace.json")):
        model = trace_file.with_name(trace_file.name.replace(".trace.json", ".bpmn"))
        spec = json.loads(trace_file.read_text())
        defaults = {"evaluator": spec["evaluator"]} if "evaluator" in spec else {}
        for name, named in spec["scenarios"].items():
            scenario = {**defaults, **named}
            marks = []
            if durable and "durable_xfail" in scenario:
                marks.append(pytest.mark.xfail(reason=scenario["durable_xfail"], strict=True))
            cases.append(
                pytest.param((model, spec, scenario), id=f"{model.stem}:{name}", marks=marks)
            )
    return cases


def pytest_generate_tests(metafunc):
    """Parametrise ``trace_case`` (pure) and ``durable_case`` with every scenario of models/."""
    if "trace_case" in metafunc.fixturenames:
        metafunc.parametrize("trace_case", load_scenarios())
    if "durable_case" in metafunc.fixturenames:
        metafunc.parametrize("durable_case", load_scenarios(durable=True))


@pytest.fixture
def evaluator():
    """The Python-literal evaluator used by the older conformance models."""
    return PythonLiteralEvaluator()


@pytest.fixture
def scenario_runner():
    """Runs a scenario dict against a model file on the pure runtime; returns the Scenario."""
    return lambda model, scenario: run_scenario(model, scenario)[0]


@pytest.fixture
def scenario_class():
    """The pure ``Scenario`` driver, for tests that script steps themselves."""
    return Scenario
