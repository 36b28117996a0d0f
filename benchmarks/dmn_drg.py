"""Benchmark: a decision graph (5 decisions, a BKM, a boxed context, a relation), Kontor alone.

Usage: python benchmarks/dmn_drg.py [--count N] [--rounds R]

zen-engine has no business knowledge models, boxed contexts or relations to compare with, so
Kontor is reported alone: evaluations of the top decision per second, per call and in bulk
(`evaluate_many`), median of interleaved rounds over the same generated inputs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kontor.rules.dmn import Definitions, evaluate_decision, evaluate_many, load_dmn

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="offer" name="Offer"
             namespace="http://example.com/offer">
  <itemDefinition name="tApplicant">
    <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
    <itemComponent name="region"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="claims" isCollection="true"><typeRef>number</typeRef></itemComponent>
  </itemDefinition>
  <itemDefinition name="tContract">
    <itemComponent name="lineOfBusiness"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="sumInsured"><typeRef>number</typeRef></itemComponent>
  </itemDefinition>
  <inputData id="i_applicant" name="applicant">
    <variable name="applicant" typeRef="tApplicant"/></inputData>
  <inputData id="i_contract" name="contract">
    <variable name="contract" typeRef="tContract"/></inputData>

  <businessKnowledgeModel id="bkm_factor" name="age and claims factor">
    <variable name="age and claims factor"/>
    <encapsulatedLogic>
      <formalParameter name="age" typeRef="number"/>
      <formalParameter name="claims" typeRef="number"/>
      <literalExpression typeRef="number">
        <text>(if age &lt; 25 then 1.3 else if age &gt; 70 then 1.2 else 1.0) + 0.1 * claims</text>
      </literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>

  <decision id="d_tariff" name="regional tariff">
    <variable name="regional tariff"/>
    <relation>
      <column name="region"/><column name="factor"/>
      <row><literalExpression><text>"north"</text></literalExpression>
           <literalExpression><text>0.9</text></literalExpression></row>
      <row><literalExpression><text>"south"</text></literalExpression>
           <literalExpression><text>1.1</text></literalExpression></row>
      <row><literalExpression><text>"east"</text></literalExpression>
           <literalExpression><text>1.0</text></literalExpression></row>
      <row><literalExpression><text>"west"</text></literalExpression>
           <literalExpression><text>1.25</text></literalExpression></row>
    </relation>
  </decision>

  <decision id="d_regional" name="regional factor">
    <variable name="regional factor" typeRef="number"/>
    <informationRequirement><requiredDecision href="#d_tariff"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_applicant"/></informationRequirement>
    <literalExpression>
      <text>if list contains(regional tariff.region, applicant.region)
            then sum(regional tariff[region = applicant.region].factor) else 1.0</text>
    </literalExpression>
  </decision>

  <decision id="d_class" name="risk class">
    <variable name="risk class" typeRef="string"/>
    <informationRequirement><requiredInput href="#i_applicant"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_contract"/></informationRequirement>
    <decisionTable hitPolicy="FIRST">
      <input><inputExpression typeRef="number"><text>applicant.age</text></inputExpression></input>
      <input><inputExpression typeRef="number"><text>count(applicant.claims)</text>
      </inputExpression></input>
      <input><inputExpression typeRef="string"><text>contract.lineOfBusiness</text>
      </inputExpression></input>
      <input><inputExpression typeRef="number"><text>contract.sumInsured</text>
      </inputExpression></input>
      <output name="class" typeRef="string"/>
      <rule><inputEntry><text>&lt; 18</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"decline"</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><inputEntry><text>&gt;= 5</text></inputEntry>
        <inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"decline"</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><inputEntry><text>[2..4]</text></inputEntry>
        <inputEntry><text>"motor","liability"</text></inputEntry>
        <inputEntry><text>&gt; 500000</text></inputEntry>
        <outputEntry><text>"refer"</text></outputEntry></rule>
      <rule><inputEntry><text>&gt; 75</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"refer"</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"standard"</text></outputEntry></rule>
    </decisionTable>
  </decision>

  <decision id="d_premium" name="premium">
    <variable name="premium" typeRef="number"/>
    <informationRequirement><requiredDecision href="#d_regional"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_applicant"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_contract"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#bkm_factor"/></knowledgeRequirement>
    <context>
      <contextEntry><variable name="base"/>
        <literalExpression><text>contract.sumInsured * 0.002</text></literalExpression>
      </contextEntry>
      <contextEntry><variable name="factor"/>
        <invocation>
          <literalExpression><text>age and claims factor</text></literalExpression>
          <binding><parameter name="age"/>
            <literalExpression><text>applicant.age</text></literalExpression></binding>
          <binding><parameter name="claims"/>
            <literalExpression><text>count(applicant.claims)</text></literalExpression></binding>
        </invocation>
      </contextEntry>
      <contextEntry>
        <literalExpression><text>decimal(base * factor * regional factor, 2)</text>
        </literalExpression>
      </contextEntry>
    </context>
  </decision>

  <decision id="d_offer" name="offer">
    <variable name="offer"/>
    <informationRequirement><requiredDecision href="#d_class"/></informationRequirement>
    <informationRequirement><requiredDecision href="#d_premium"/></informationRequirement>
    <literalExpression>
      <text>{class: risk class, premium: if risk class = "decline" then null else premium,
             accepted: risk class = "standard"}</text>
    </literalExpression>
  </decision>
</definitions>
"""


def records(count: int) -> list[dict[str, Any]]:
    """Generated applicants and contracts (fixed seed)."""
    chance = random.Random(7)
    return [
        {
            "applicant": {
                "age": chance.randint(16, 90),
                "region": chance.choice(["north", "south", "east", "west", "abroad"]),
                "claims": [
                    chance.randint(100, 20_000) for _ in range(int(chance.expovariate(0.7)))
                ],
            },
            "contract": {
                "lineOfBusiness": chance.choice(["motor", "home", "liability", "travel"]),
                "sumInsured": chance.choice([10_000, 250_000, 600_000, 2_000_000]),
            },
        }
        for _ in range(count)
    ]


def run(count: int, rounds: int) -> dict[str, Any]:
    """Evaluate the graph's top decision for every record; return the figures."""
    started = time.perf_counter()
    model: Definitions = load_dmn(MODEL, file_name="offer.dmn")
    compile_ms = (time.perf_counter() - started) * 1000
    inputs = records(count)
    ways: dict[str, Callable[[], list[Any]]] = {
        "evaluate_decision": lambda: [
            evaluate_decision(model, "offer", record) for record in inputs
        ],
        "evaluate_many": lambda: evaluate_many(model, "offer", inputs),
    }
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    outcomes: dict[str, list[Any]] = {}
    for _ in range(rounds):
        for name, way in ways.items():
            started = time.perf_counter()
            outcomes[name] = way()
            seconds[name].append(time.perf_counter() - started)
    results = outcomes["evaluate_decision"]
    problems = sum(1 for result in results if result.messages)
    classes: dict[str, int] = {}
    for result in results:
        classes[result.value["class"]] = classes.get(result.value["class"], 0) + 1
    return {
        "evaluations": count,
        "rounds": rounds,
        "evaluations_per_s": round(count / statistics.median(seconds["evaluate_decision"])),
        "evaluate_many_per_s": round(count / statistics.median(seconds["evaluate_many"])),
        "compile_ms": round(compile_ms, 2),
        "same_results_both_ways": [r.value for r in results]
        == [r.value for r in outcomes["evaluate_many"]],
        "evaluations_with_messages": problems,
        "classes": classes,
        "example": {
            "input": inputs[0],
            "offer": {
                key: str(value) if isinstance(value, Decimal) else value
                for key, value in results[0].value.items()
            },
        },
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.count, arguments.rounds), indent=2))


if __name__ == "__main__":
    main()
