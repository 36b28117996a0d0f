"""Benchmark: a parallel multi-instance activity over many items, on the pure runtime.

Usage: python benchmarks/multi_instance.py [--items N ...]

The model has one manual task as a parallel multi-instance over an input collection: every
inner instance completes at once, so one command starts and ends all N of them. The time per
item must stay flat as N grows (the engine's bookkeeping is proportional to the scope, not to
all tokens of the instance). Prints JSON: seconds and microseconds per item for each N.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from kontor.messaging import FakeClock
from kontor.process import FeelEvaluator, parse_bpmn
from kontor.process.runtime import InstanceStatus, StepBudget, StepLimits, start
from kontor.process.runtime.budget import budgeted

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="Fanout" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:manualTask id="Each">
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/>
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:manualTask>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Each"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Each" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>
"""


def run(items: int) -> dict[str, float]:
    """Start one instance over ``items`` items; it completes within the start command."""
    definitions = parse_bpmn(MODEL)
    # The step budget is lifted: the measurement is the engine's own cost per item.
    limits = StepLimits(max_elements=10 * items + 100, max_seconds=3600)
    began = time.perf_counter()
    with budgeted(StepBudget(limits)):
        result = start(
            definitions, "Fanout", {"items": list(range(items))}, FakeClock(),
            evaluator=FeelEvaluator(),
        )  # fmt: skip
    seconds = time.perf_counter() - began
    if result.state.status is not InstanceStatus.COMPLETED:
        raise SystemExit(f"the instance over {items} items did not complete")
    return {
        "items": items,
        "seconds": round(seconds, 3),
        "us_per_item": round(seconds / items * 1e6, 1),
    }


def main() -> None:
    """Run the sizes asked for and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[1_000, 10_000])
    sizes = parser.parse_args().items
    run(100)  # warm-up: imports and compiled expressions are not part of the figures
    print(json.dumps({"benchmark": "parallel multi-instance", "load_average": os.getloadavg()[0],
                      "runs": [run(n) for n in sizes]}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
