"""Properties of joins: whatever the branch choice and completion order, they fire once."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.messaging import FakeClock
from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import ActivityCompleted, complete_user_task, start

BRANCHES = 4


def gateway_model(document, flow, gateway: str) -> str:
    conditional = gateway == "inclusiveGateway"
    body = f'<bpmn:startEvent id="S"/><bpmn:{gateway} id="Split"'
    body += ' default="skip"/>' if conditional else "/>"
    body += f'<bpmn:{gateway} id="Join"/><bpmn:endEvent id="E"/>'
    body += flow("f0", "S", "Split") + flow("f9", "Join", "E")
    for n in range(BRANCHES):
        body += f'<bpmn:userTask id="T{n}"/>'
        body += flow(f"in{n}", "Split", f"T{n}", f"c{n}" if conditional else None)
        body += flow(f"out{n}", f"T{n}", "Join")
    if conditional:
        body += flow("skip", "Split", "Join")
    return document(body)


def run_to_end(definitions, variables, order, evaluator):
    clock = FakeClock()
    state, effects = start(definitions, "P", variables, clock, evaluator=evaluator)
    effects = list(effects)
    for pick in order:
        if not state.user_tasks:
            break
        open_tasks = sorted(state.user_tasks)
        assert state.status.value == "active"
        task_id = open_tasks[pick % len(open_tasks)]
        state, more = complete_user_task(definitions, state, task_id, {}, clock,
                                         evaluator=evaluator)  # fmt: skip
        effects.extend(more)
    return state, [e.element_id for e in effects if isinstance(e, ActivityCompleted)]


@settings(max_examples=60)
@given(
    chosen=st.lists(st.booleans(), min_size=BRANCHES, max_size=BRANCHES),
    order=st.lists(st.integers(min_value=0, max_value=10), min_size=BRANCHES, max_size=BRANCHES),
)
def test_inclusive_join_fires_once_after_the_chosen_branches(
    document, flow, lookup_evaluator, chosen, order
):
    definitions = parse_bpmn(gateway_model(document, flow, "inclusiveGateway"))
    variables = {f"c{n}": value for n, value in enumerate(chosen)}
    state, trace = run_to_end(definitions, variables, order, lookup_evaluator)
    assert state.status.value == "completed"
    assert trace.count("Join") == 1
    assert trace.count("E") == 1
    expected_tasks = {f"T{n}" for n, value in enumerate(chosen) if value}
    assert {element for element in trace if element.startswith("T")} == expected_tasks
    assert trace.index("Join") > max((trace.index(t) for t in expected_tasks), default=-1)


@settings(max_examples=30)
@given(order=st.permutations(list(range(BRANCHES))))
def test_parallel_join_waits_for_all_in_any_order(document, flow, lookup_evaluator, order):
    definitions = parse_bpmn(gateway_model(document, flow, "parallelGateway"))
    state, trace = run_to_end(definitions, {}, order, lookup_evaluator)
    assert state.status.value == "completed"
    assert trace[-2:] == ["Join", "E"]
    assert sorted(trace[2:-2]) == [f"T{n}" for n in range(BRANCHES)]
