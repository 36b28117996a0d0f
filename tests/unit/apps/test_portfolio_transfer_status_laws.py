"""Laws: the app's status tables and the process engine running the same BPMN never disagree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontor.apps.portfolio_transfer import (
    ActionNotAllowed,
    StatusModel,
    case_model,
    request_model,
)
from kontor.apps.portfolio_transfer.status_model import CASE_FILE, REQUEST_FILE, model_xml
from kontor.messaging import FakeClock
from kontor.process import (
    FeelEvaluator,
    InstanceState,
    RuntimeCommandError,
    correlate_message,
    parse_bpmn,
    start,
)

MODELS = {"request": (request_model, REQUEST_FILE), "case": (case_model, CASE_FILE)}


def open_messages(state: InstanceState) -> set[str]:
    """The messages the instance waits for."""
    return {s.name for s in state.subscriptions.values() if s.event == "message"}


@pytest.mark.parametrize("which", sorted(MODELS))
@given(data=st.data())
def test_the_engine_takes_exactly_the_actions_the_status_allows(
    which: str, data: st.DataObject
) -> None:
    model_of, file_name = MODELS[which]
    model: StatusModel = model_of()
    definitions = parse_bpmn(model_xml(file_name), file_name)
    clock, evaluator = FakeClock(), FeelEvaluator()
    state = start(
        definitions, model.process_key, {"request_id": "r1"}, clock, evaluator=evaluator
    ).state
    status = model.initial
    actions = sorted(model.actions)
    for action in data.draw(st.lists(st.sampled_from(actions), max_size=25)):
        assert open_messages(state) == set(model.allowed(status))
        try:
            target = model.next_status(status, action)
        except ActionNotAllowed:
            with pytest.raises(RuntimeCommandError):
                correlate_message(definitions, state, action, "r1", {}, clock, evaluator=evaluator)
            continue
        state = correlate_message(
            definitions, state, action, "r1", {}, clock, evaluator=evaluator
        ).state
        status = target
    ended = status in model.final
    assert (state.status.value == "completed") is ended
    assert open_messages(state) == (set() if ended else set(model.allowed(status)))
