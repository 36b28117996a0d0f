"""Execution conformance: each model in models/ runs its scenarios to the expected trace.

``<model>.trace.json`` holds ``{"scenarios": {name: scenario}}`` (and optionally
``"decisions": [dmn files]`` the durable runner deploys). A scenario gives ``process``
(optional), ``start_event`` (optional; a message, signal or timer start event), ``start_by``
(optional; which definition of a multiple start event the durable runner triggers),
``variables``, ``evaluator`` ("feel" or the default Python-literal fake; also file-wide) and
``steps``:

- ``complete_user_task``, ``complete_job``, ``fail_job`` (+``retries``, ``message``),
  ``throw_error`` (+``code``), ``decide`` (a business-rule task; ``variables`` is the
  decision result), ``fire_timer`` — each naming an element id, with ``variables``;
- ``message`` (+``key``), ``signal``, ``advance`` (an ISO duration), ``set_variables``
  (variables set on the process scope through the API);
- ``activate_ad_hoc`` (an inner activity of an ad-hoc sub-process), ``complete_ad_hoc`` (the
  ad-hoc sub-process), each with an optional ``refused`` (part of the refusal's message);
- checks: ``expect_open`` (open element ids), ``expect_due`` (timer due times),
  ``expect_job_variables`` (what a worker sees).

Expected: ``trace`` (completed elements in completion order), and optionally ``status``
(default "completed"), ``open``, ``expect_variables`` (null: not set), ``incident`` (part of
an incident reason), ``thrown`` (messages/signals thrown), ``called`` (traces of called
processes). The pure runner reloads the state from JSON after every step; the durable runner
drives the same steps through the service on SQLite and must complete the same elements in
every step; ``durable_xfail`` names why a scenario cannot run durably yet.
"""

from collections import Counter

from conformance.bpmn.durable_run import run_durable
from conformance.bpmn.pure_run import run_scenario


def check_outcome(run, scenario):
    """Status, open elements, variables and incidents as the scenario expects."""
    assert run.state.status.value == scenario.get("status", "completed")
    if "open" in scenario:
        assert run.open_elements() == sorted(scenario["open"])
    for name, value in scenario.get("expect_variables", {}).items():
        assert run.state.variables.get(name) == value, name
    if scenario.get("incident"):
        reasons = [i.reason for i in run.state.incidents.values()]
        assert any(scenario["incident"] in reason for reason in reasons), reasons


def test_scenario_trace(trace_case):
    model, _, scenario = trace_case
    run, _ = run_scenario(model, scenario)
    assert run.trace == scenario["trace"]
    check_outcome(run, scenario)
    if "thrown" in scenario:
        assert run.thrown == scenario["thrown"]
    if "called" in scenario:
        assert run.called == scenario["called"]


def test_scenario_trace_durable(durable_case, engine):
    model, spec, scenario = durable_case
    _, expected_steps = run_scenario(model, scenario)
    run, steps = run_durable(engine, model, spec, scenario)
    assert Counter(run.trace) == Counter(scenario["trace"])
    for index, (seen, expected) in enumerate(zip(steps, expected_steps, strict=True)):
        assert seen == expected, f"step {index} (0 = start) completed other elements"
    check_outcome(run, scenario)
    if "called" in scenario:
        called = {key: Counter(trace) for key, trace in run.called.items()}
        assert called == {key: Counter(trace) for key, trace in scenario["called"].items()}
