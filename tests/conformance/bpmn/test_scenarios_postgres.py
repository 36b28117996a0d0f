"""Scenarios of the models that keep order or cross-instance state also run durably on
PostgreSQL (JSONB state).

PostgreSQL stores the instance state as JSONB, which does not keep the order of object keys;
compensation must still undo activities newest first (each handler is a step of its own in
the scenarios, so the per-step comparison checks the order); data objects, behaviour events,
multiple events, parallel multiple starts (arrivals kept in their own table), instantiating
receive tasks and multi-instance transactions run there as on SQLite.
"""

from collections import Counter

import pytest

from conformance.bpmn.conftest import load_scenarios
from conformance.bpmn.durable_run import run_durable
from conformance.bpmn.pure_run import run_scenario
from conformance.bpmn.test_execution_traces import check_outcome

MODELS = (
    "compensation",
    "compensation_scopes",
    "transaction",
    "transaction_multi_instance",
    "data",
    "multi_instance_behavior",
    "multiple_event_kinds",
    "parallel_multiple_start",
    "receive_task_instantiate",
)
CASES = [case for case in load_scenarios() if case.values[0][0].stem in MODELS]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("case", CASES)
def test_scenario_runs_durably_on_postgres(case, engine):
    model, spec, scenario = case
    _, expected_steps = run_scenario(model, scenario)
    run, steps = run_durable(engine, model, spec, scenario)
    assert steps == expected_steps
    assert Counter(run.trace) == Counter(scenario["trace"])
    check_outcome(run, scenario)
