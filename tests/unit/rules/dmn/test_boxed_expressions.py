"""Each boxed expression kind, BKMs, decision services and imports."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from kontor.rules.dmn import Definitions, evaluate_decision, evaluate_service, load_dmn_files

Build = Callable[[str], Definitions]


def decision(name: str, body: str, requirements: str = "") -> str:
    return (
        f'<decision id="{name}" name="{name}"><variable name="{name}"/>'
        f"{requirements}{body}</decision>"
    )


def literal(text: str) -> str:
    return f"<literalExpression><text>{text}</text></literalExpression>"


def value(model: Definitions, name: str, inputs: dict[str, object] | None = None) -> object:
    return evaluate_decision(model, name, inputs or {}).value


def test_literal_and_requirements(build_model: Build) -> None:
    model = build_model(
        '<inputData id="a" name="a number"><variable name="a number" typeRef="number"/></inputData>'
        + decision(
            "doubled",
            literal("a number * 2"),
            '<informationRequirement><requiredInput href="#a"/></informationRequirement>',
        )
        + decision(
            "plus one",
            literal("doubled + 1"),
            '<informationRequirement><requiredDecision href="#doubled"/></informationRequirement>',
        )
    )
    assert value(model, "plus one", {"a number": 20}) == Decimal(41)


def test_context_relation_and_list(build_model: Build) -> None:
    model = build_model(
        decision(
            "ctx",
            '<context><contextEntry><variable name="a"/>'
            + literal("1")
            + '</contextEntry><contextEntry><variable name="b"/>'
            + literal("a + 1")
            + "</contextEntry></context>",
        )
        + decision(
            "result entry",
            '<context><contextEntry><variable name="a"/>'
            + literal("5")
            + "</contextEntry><contextEntry>"
            + literal("a * 2")
            + "</contextEntry></context>",
        )
        + decision(
            "rel",
            '<relation><column name="n"/><column name="s"/>'
            + "<row>"
            + literal("1")
            + literal('"one"')
            + "</row><row>"
            + literal("2")
            + literal('"two"')
            + "</row></relation>",
        )
        + decision("lst", "<list>" + literal("1") + literal('"x"') + "</list>")
    )
    assert value(model, "ctx") == {"a": Decimal(1), "b": Decimal(2)}
    assert value(model, "result entry") == Decimal(10)
    assert value(model, "rel") == [{"n": 1, "s": "one"}, {"n": 2, "s": "two"}]
    assert value(model, "lst") == [Decimal(1), "x"]


BKM = """
<businessKnowledgeModel id="bkm" name="add">
  <variable name="add"/>
  <encapsulatedLogic>
    <formalParameter name="a" typeRef="number"/><formalParameter name="b" typeRef="number"/>
    <literalExpression><text>a + b</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>"""
KNOWS_BKM = '<knowledgeRequirement><requiredKnowledge href="#bkm"/></knowledgeRequirement>'


def test_invocation_and_bkm_call_from_feel(build_model: Build) -> None:
    model = build_model(
        BKM
        + decision(
            "invoked",
            "<invocation>"
            + literal("add")
            + '<binding><parameter name="b"/>'
            + literal("2")
            + '</binding><binding><parameter name="a"/>'
            + literal("40")
            + "</binding></invocation>",
            KNOWS_BKM,
        )
        + decision("called", literal("add(1, 2)"), KNOWS_BKM)
        + decision("bad argument", literal('add("x", 2)'), KNOWS_BKM)
        + decision("too few arguments", literal("add(1)"), KNOWS_BKM)
    )
    assert value(model, "invoked") == Decimal(42)
    assert value(model, "called") == Decimal(3)
    result = evaluate_decision(model, "bad argument", {})
    assert result.value is None
    assert result.has_errors
    short = evaluate_decision(model, "too few arguments", {})
    assert short.value is None
    assert any("takes 2 arguments" in message.text for message in short.messages)


def test_function_definition_conditional_iterators_filter(build_model: Build) -> None:
    model = build_model(
        decision(
            "fn",
            '<context><contextEntry><variable name="f"/><functionDefinition>'
            '<formalParameter name="n" typeRef="number"/>'
            + literal("n * n")
            + "</functionDefinition></contextEntry><contextEntry>"
            + literal("f(7)")
            + "</contextEntry></context>",
        )
        + decision(
            "cond",
            "<conditional><if>"
            + literal("1 &gt; 2")
            + "</if><then>"
            + literal('"yes"')
            + "</then><else>"
            + literal('"no"')
            + "</else></conditional>",
        )
        + decision(
            "for",
            '<for iteratorVariable="e"><in>'
            + literal("[1,2,3]")
            + "</in><return>"
            + literal("e * 10")
            + "</return></for>",
        )
        + decision(
            "some",
            '<some iteratorVariable="e"><in>'
            + literal("[1,2,3]")
            + "</in><satisfies>"
            + literal("e &gt; 2")
            + "</satisfies></some>",
        )
        + decision(
            "every",
            '<every iteratorVariable="e"><in>'
            + literal("[1,2,3]")
            + "</in><satisfies>"
            + literal("e &gt; 2")
            + "</satisfies></every>",
        )
        + decision(
            "filter",
            "<filter><in>"
            + literal("[1,2,3,4]")
            + "</in><match>"
            + literal("item &gt;= 3")
            + "</match></filter>",
        )
    )
    assert value(model, "fn") == Decimal(49)
    assert value(model, "cond") == "no"
    assert value(model, "for") == [Decimal(10), Decimal(20), Decimal(30)]
    assert value(model, "some") is True
    assert value(model, "every") is False
    assert value(model, "filter") == [Decimal(3), Decimal(4)]


def _java_decision(class_name: str, signature: str, call: str) -> str:
    return decision(
        "java",
        '<context><contextEntry><variable name="f"/><functionDefinition kind="Java">'
        '<formalParameter name="a"/><formalParameter name="b"/><context>'
        '<contextEntry><variable name="class"/>'
        + literal(f'"{class_name}"')
        + '</contextEntry><contextEntry><variable name="method signature"/>'
        + literal(f'"{signature}"')
        + "</contextEntry></context></functionDefinition></contextEntry><contextEntry>"
        + literal(call)
        + "</contextEntry></context>",
    )


def test_java_function_runs_a_listed_java_lang_method(build_model: Build) -> None:
    model = build_model(_java_decision("java.lang.Math", "max(int, int)", "f(123, 456)"))
    result = evaluate_decision(model, "java", {})
    assert result.value == Decimal(456)


def test_java_function_of_an_unlisted_class_is_null_with_a_message(build_model: Build) -> None:
    model = build_model(
        _java_decision("java.lang.Runtime", "exec(java.lang.String, int)", 'f("ls", 1)')
    )
    result = evaluate_decision(model, "java", {})
    assert result.value is None
    assert any(
        "java.lang.Runtime.exec(java.lang.String, int) is not available" in message.text
        for message in result.messages
    )


SERVICE = """
<inputData id="n" name="n"><variable name="n" typeRef="number"/></inputData>
<decision id="half" name="half"><variable name="half"/>
  <informationRequirement><requiredInput href="#n"/></informationRequirement>
  <literalExpression><text>n / 2</text></literalExpression></decision>
<decisionService id="svc" name="halve"><variable name="halve"/>
  <outputDecision href="#half"/><inputData href="#n"/></decisionService>
<decision id="user" name="user"><variable name="user"/>
  <knowledgeRequirement><requiredKnowledge href="#svc"/></knowledgeRequirement>
  <literalExpression><text>halve(10) + halve(n: 4)</text></literalExpression></decision>
"""


def test_decision_service_direct_and_as_function(build_model: Build) -> None:
    model = build_model(SERVICE)
    assert evaluate_service(model, "halve", {"n": 8}).value == {"half": Decimal(4)}
    assert value(model, "user") == Decimal(7)


def test_imported_model_elements_are_qualified(tmp_path: Path, feel: None) -> None:
    ns = "https://www.omg.org/spec/DMN/20230324/MODEL/"
    (tmp_path / "base.dmn").write_text(
        f'<definitions xmlns="{ns}" name="base" namespace="urn:base">'
        '<itemDefinition name="tAge"><typeRef>number</typeRef></itemDefinition>'
        '<inputData id="age" name="age"><variable name="age" typeRef="tAge"/></inputData>'
        '<decision id="adult" name="is adult"><variable name="is adult"/>'
        '<informationRequirement><requiredInput href="#age"/></informationRequirement>'
        "<literalExpression><text>age &gt;= 18</text></literalExpression></decision>"
        "</definitions>"
    )
    (tmp_path / "main.dmn").write_text(
        f'<definitions xmlns="{ns}" name="main" namespace="urn:main">'
        f'<import name="base" namespace="urn:base" importType="{ns}"/>'
        '<decision id="msg" name="message"><variable name="message"/>'
        '<informationRequirement><requiredDecision href="urn:base#adult"/></informationRequirement>'
        '<literalExpression><text>if base.is adult then "welcome" else "sorry"</text>'
        "</literalExpression></decision></definitions>"
    )
    models = load_dmn_files([tmp_path / "base.dmn", tmp_path / "main.dmn"])
    main = models["urn:main"]
    assert evaluate_decision(main, "message", {"base": {"age": 30}}).value == "welcome"
    nested = evaluate_decision(main, "message", {}, imported_inputs={"urn:base": {"age": 3}})
    assert nested.value == "sorry"
