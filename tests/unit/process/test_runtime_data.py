"""Data associations carry values into what an instance sends (BPMN 2.0 §10.4.1)."""

from pathlib import Path

from kontor.messaging import FakeClock
from kontor.process import FeelEvaluator
from kontor.process.bpmn import parse_bpmn_file
from kontor.process.runtime import MessageThrown, correlate_message, start

DATA_MODEL = Path(__file__).parents[2] / "conformance" / "bpmn" / "models" / "data.bpmn"


def test_a_thrown_message_carries_the_data_inputs_of_its_throw_event():
    definitions = parse_bpmn_file(DATA_MODEL)
    evaluator, clock = FeelEvaluator(), FakeClock()
    first = start(definitions, "EventData", {"fall": "F-7"}, clock, evaluator=evaluator)
    payload = {"unterlagen": {"seiten": 2}}
    second = correlate_message(
        definitions, first.state, "unterlagen-eingegangen", "F-7", payload, clock,
        evaluator=evaluator,
    )  # fmt: skip
    (thrown,) = [effect for effect in second.effects if isinstance(effect, MessageThrown)]
    assert thrown.name == "quittung"
    assert thrown.variables["quittung"] == {"seiten": 2, "vollständig": False}
    assert second.state.variables["akte"] == {"seiten": 2, "vollständig": False}
