"""Execution conformance: each model in models/ runs its scenarios to the expected trace.

``<model>.trace.json`` holds ``{"scenarios": {name: scenario}}``; a scenario gives ``process``
(optional), ``variables``, ``evaluator`` ("feel" or the default Python-literal fake), ``steps``
(``complete_user_task``/``complete_job``/``fail_job``/``throw_error``/``fire_timer`` naming an
element id, ``message``+``key``, ``signal``, ``advance``, ``expect_open``), the expected
``trace`` of completed elements, and optionally ``status``, ``open``, ``expect_variables``,
``incident``. The state is stored and reloaded as JSON after every step.
"""


def test_scenario_trace(trace_case, scenario_runner):
    model, scenario = trace_case
    run = scenario_runner(model, scenario)
    assert run.trace == scenario["trace"]
    assert run.state.status.value == scenario.get("status", "completed")
    if "open" in scenario:
        assert run.open_elements() == sorted(scenario["open"])
    for name, value in scenario.get("expect_variables", {}).items():
        assert run.state.variables.get(name) == value, name
    if scenario.get("incident"):
        reasons = [i.reason for i in run.state.incidents.values()]
        assert any(scenario["incident"] in reason for reason in reasons), reasons
