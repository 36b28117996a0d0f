"""Timer cycles on boundary and intermediate catch events fire the stated number of times."""

import pytest

from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import InstanceState, fire_timer, start
from kontor.process.runtime.timers import TimerFormatError, parse_cycle, parse_date


def _cycle_boundary(document, flow, cycle, attributes=""):
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:endEvent id="E"/>'
            f'<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false"{attributes}>'
            "<bpmn:timerEventDefinition>"
            f"<bpmn:timeCycle>{cycle}</bpmn:timeCycle>"
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="Noted"/>'
            + flow("f1", "S", "T")
            + flow("f2", "T", "E")
            + flow("f3", "B", "Noted")
        )
    )


def _fire_rounds(definitions, clock, evaluator, rounds):
    """Fire the boundary timer up to ``rounds`` times; how often it fired."""
    state = start(definitions, "P", {}, clock, evaluator=evaluator).state
    fired = 0
    for _ in range(rounds):
        timers = list(state.timers.values())
        if not timers:
            break
        clock.advance(parse_date(timers[0].due) - clock.now())
        state = fire_timer(definitions, state, timers[0].id, clock, evaluator=evaluator).state
        state = InstanceState.from_dict(state.to_dict())
        fired += 1
    return fired, state


@pytest.mark.parametrize("attributes", ["", ' parallelMultiple="true"'])
def test_a_bounded_cycle_on_a_non_interrupting_boundary_fires_its_rounds_then_stops(
    document, flow, clock, lookup_evaluator, attributes
):
    # parallelMultiple means nothing on an event with one definition
    definitions = _cycle_boundary(document, flow, "R3/PT10M", attributes)
    fired, state = _fire_rounds(definitions, clock, lookup_evaluator, 10)
    assert fired == 3
    assert not state.timers
    assert [t.element_id for t in state.tokens.values()] == ["T"]


@pytest.mark.parametrize("cycle", ["R/PT10M", "0 0 9 * * *"])
def test_an_unbounded_cycle_keeps_firing(document, flow, clock, lookup_evaluator, cycle):
    definitions = _cycle_boundary(document, flow, cycle)
    fired, state = _fire_rounds(definitions, clock, lookup_evaluator, 6)
    assert fired == 6
    assert len(state.timers) == 1


def test_a_cycle_on_an_intermediate_catch_event_fires_once(document, flow, clock, lookup_evaluator):
    # As in Camunda 7: the catch event waits for the cycle's first round, then moves on.
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="Wait">'
            "<bpmn:timerEventDefinition><bpmn:timeCycle>R5/PT1H</bpmn:timeCycle>"
            '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:userTask id="T"/>'
            + flow("f1", "S", "Wait")
            + flow("f2", "Wait", "T")
        )
    )
    state = start(definitions, "P", {}, clock, evaluator=lookup_evaluator).state
    timer = next(iter(state.timers.values()))
    clock.advance(parse_date(timer.due) - clock.now())
    state = fire_timer(definitions, state, timer.id, clock, evaluator=lookup_evaluator).state
    assert not state.timers
    assert [t.element_id for t in state.tokens.values()] == ["T"]


@pytest.mark.parametrize("text", ["R0/PT1H", "R-1/PT1H", "Rx/PT1H"])
def test_a_cycle_repeats_at_least_once(text):
    with pytest.raises(TimerFormatError):
        parse_cycle(text)
