"""Deploy-time validation: each rule fires where it should and the verdict follows."""

import pytest

from kontor.process.bpmn import Severity, UnknownReferenceError, parse_bpmn, validate, verdict


def codes(xml, roots: str = "") -> dict[str, set[str | None]]:
    """Issue codes mapped to the element ids they were reported on."""
    found: dict[str, set[str | None]] = {}
    for issue in validate(parse_bpmn(xml)):
        found.setdefault(issue.code, set()).add(issue.element_id)
    return found


def test_clean_process_has_no_issues_and_is_executable(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "T")
        + flow("f2", "T", "E")
    )
    definitions = parse_bpmn(xml)
    assert validate(definitions) == []
    assert verdict(definitions, "P").executable


def test_process_without_start_event(document):
    found = codes(document('<bpmn:userTask id="T"/>'))
    assert "no_start_event" in found
    assert "activity_without_incoming" in found


def test_unreachable_node_is_a_warning(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>'
        '<bpmn:task id="Island"/><bpmn:endEvent id="E2"/>'
        + flow("f1", "S", "E")
        + flow("f2", "Island", "E2")
    )
    issues = [i for i in validate(parse_bpmn(xml)) if i.code == "unreachable"]
    assert {i.element_id for i in issues} == {"Island", "E2"}
    assert all(i.severity is Severity.WARNING for i in issues)


def test_exclusive_gateway_needs_conditions_or_default(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G"/>'
        '<bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>'
        + flow("f0", "S", "G")
        + flow("f1", "G", "A")
        + flow("f2", "G", "B", "=x")
    )
    issues = [i for i in validate(parse_bpmn(xml)) if i.code == "missing_condition"]
    assert len(issues) == 1
    assert "'f1'" in issues[0].message
    assert issues[0].element_id == "G"
    assert issues[0].line == 5


def test_default_flow_with_condition_warns(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:inclusiveGateway id="G" default="f1"/>'
        '<bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>'
        + flow("f0", "S", "G")
        + flow("f1", "G", "A", "=y")
        + flow("f2", "G", "B", "=x")
    )
    assert "default_with_condition" in codes(xml)
    assert "missing_condition" not in codes(xml)


def test_event_based_gateway_must_lead_to_catch_events(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:eventBasedGateway id="G"/>'
        '<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        '</bpmn:intermediateCatchEvent><bpmn:userTask id="T"/>'
        '<bpmn:endEvent id="E"/>'
        + flow("f0", "S", "G")
        + flow("f1", "G", "Wait")
        + flow("f2", "G", "T")
        + flow("f3", "Wait", "E")
        + flow("f4", "T", "E")
    )
    issues = [i for i in validate(parse_bpmn(xml)) if i.code == "event_gateway_target"]
    assert len(issues) == 1
    assert "'T'" in issues[0].message


def test_boundary_without_outgoing_warns(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:endEvent id="E"/>'
        '<bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>" + flow("f1", "S", "T") + flow("f2", "T", "E")
    )
    assert codes(xml)["boundary_without_outgoing"] == {"B"}


def test_unsupported_elements_are_listed_and_block_execution(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="Esc">'
        "<bpmn:escalationEventDefinition/></bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="E"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:endEvent>"
        + flow("f0", "S", "Esc")
        + flow("f1", "Esc", "E")
    )
    definitions = parse_bpmn(xml)
    summary = [i for i in validate(definitions) if i.code == "unsupported_summary"]
    assert len(summary) == 1
    assert "Esc (escalation intermediate catch events)" in summary[0].message
    assert "E (timer end events)" in summary[0].message
    result = verdict(definitions, "P")
    assert not result.executable
    assert any("timer end events" in reason for reason in result.reasons)


def test_non_executable_flag_is_a_reason(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>' + flow("f1", "S", "E"),
        executable=False,
    )
    assert verdict(parse_bpmn(xml), "P").reasons == ("isExecutable is not true",)


def test_message_catch_needs_named_message(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="C">'
        '<bpmn:messageEventDefinition messageRef="M"/></bpmn:intermediateCatchEvent>'
        '<bpmn:receiveTask id="R"/><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "C")
        + flow("f2", "C", "R")
        + flow("f3", "R", "E"),
        '<bpmn:message id="M"/>',
    )
    found = codes(xml)
    assert found["message_unnamed"] == {"C"}
    # As in Camunda 7 a receive task without a message is a wait state: it waits for a
    # message named after its id.
    assert found["receive_task_without_message"] == {"R"}
    assert "message_missing" not in found


def test_flows_may_not_cross_sub_process_borders(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub"><bpmn:startEvent id="S2"/>'
        '<bpmn:endEvent id="E2"/></bpmn:subProcess><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "Sub")
        + flow("f2", "Sub", "E")
        + flow("f3", "S2", "E")
    )
    found = codes(xml)
    assert found["flow_crosses_scope"] == {"f3"}


def test_multi_instance_without_bound_is_an_error(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:userTask id="T">'
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false"/></bpmn:userTask>'
        '<bpmn:endEvent id="E"/>' + flow("f1", "S", "T") + flow("f2", "T", "E")
    )
    assert codes(xml)["multi_instance_unbounded"] == {"T"}


def test_event_sub_process_rules(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "E")
        + '<bpmn:subProcess id="Evt" triggeredByEvent="true"><bpmn:startEvent id="ES">'
        '<bpmn:conditionalEventDefinition/></bpmn:startEvent><bpmn:endEvent id="EE"/>'
        + flow("g1", "ES", "EE")
        + "</bpmn:subProcess>"
    )
    found = codes(xml)
    assert found["condition_missing"] == {"ES"}
    assert "unreachable" not in found


def test_non_feel_expressions_are_flagged_but_allowed_and_juel_is_supported(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:scriptTask id="Calc" scriptFormat="python">'
        "<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>"
        '<bpmn:exclusiveGateway id="G"/><bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>'
        + flow("f0", "S", "Calc")
        + flow("f1", "Calc", "G")
        + flow("f2", "G", "A", "${approved}")
        + flow("f3", "G", "B", "=not(approved)")
    )
    definitions = parse_bpmn(xml)
    condition = definitions.process("P").flow("f2").condition
    assert condition is not None
    assert condition.language == "juel"
    flagged = [i for i in validate(definitions) if i.code == "non_feel_expression"]
    assert {i.element_id for i in flagged} == {"Calc"}
    assert all(i.severity is Severity.WARNING for i in flagged)
    assert verdict(definitions, "P").executable


def test_data_association_expressions_outside_feel_are_flagged(document, flow):
    xpath = 'language="http://www.w3.org/1999/XPath"'
    xml = document(
        '<bpmn:dataObject id="DO" name="antrag"/>'
        '<bpmn:dataObjectReference id="Ref" dataObjectRef="DO"/>'
        '<bpmn:startEvent id="S"><bpmn:dataOutputAssociation id="a1"><bpmn:sourceRef>x'
        "</bpmn:sourceRef><bpmn:targetRef>Ref</bpmn:targetRef></bpmn:dataOutputAssociation>"
        '</bpmn:startEvent><bpmn:task id="T"><bpmn:dataInputAssociation id="a2">'
        "<bpmn:sourceRef>Ref</bpmn:sourceRef><bpmn:targetRef>in</bpmn:targetRef>"
        f"<bpmn:transformation {xpath}>/antrag</bpmn:transformation>"
        '</bpmn:dataInputAssociation></bpmn:task><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "T")
        + flow("f2", "T", "E")
    )
    issues = validate(parse_bpmn(xml))
    found = {(i.code, i.element_id) for i in issues if i.code.startswith(("data", "non_feel"))}
    assert found == {("non_feel_expression", "T")}
    assert all(i.severity is Severity.WARNING for i in issues if i.element_id == "T")


def looping(document, flow, task: str) -> str:
    """S → ``task`` (id A) → gateway G, back to A while ``again``, else to E."""
    return document(
        f'<bpmn:startEvent id="S"/>{task}<bpmn:exclusiveGateway id="G" default="out"/>'
        '<bpmn:endEvent id="E"/>'
        + flow("f1", "S", "A")
        + flow("f2", "A", "G")
        + flow("back", "G", "A", condition="=again")
        + flow("out", "G", "E")
    )


def test_a_loop_without_wait_state_is_a_warning_naming_its_elements(document, flow):
    definitions = parse_bpmn(looping(document, flow, '<bpmn:task id="A"/>'))
    [issue] = [i for i in validate(definitions) if i.code == "loop_without_wait_state"]
    assert issue.severity is Severity.WARNING
    assert issue.element_id == "A"
    assert issue.message.startswith("loop without wait state: A → G → A")
    assert verdict(definitions, "P").executable


def test_a_loop_through_a_wait_state_is_no_warning(document, flow):
    for waiting in (
        '<bpmn:userTask id="A"/>',
        '<bpmn:receiveTask id="A"/>',
        '<bpmn:intermediateCatchEvent id="A"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>",
        '<bpmn:task id="A" camunda:asyncBefore="true"/>',
        '<bpmn:subProcess id="A"><bpmn:startEvent id="In"/><bpmn:userTask id="Work"/>'
        '<bpmn:endEvent id="Out"/>'
        + flow("i1", "In", "Work")
        + flow("i2", "Work", "Out")
        + "</bpmn:subProcess>",
    ):
        assert "loop_without_wait_state" not in codes(looping(document, flow, waiting)), waiting


def test_a_loop_inside_a_sub_process_is_found_and_named_from_its_entry(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub"><bpmn:startEvent id="In"/>'
        '<bpmn:scriptTask id="Count"><bpmn:extensionElements>'
        '<zeebe:script expression="=n + 1" resultVariable="n"/></bpmn:extensionElements>'
        '</bpmn:scriptTask><bpmn:exclusiveGateway id="More" default="done"/>'
        '<bpmn:endEvent id="Out"/>'
        + flow("i1", "In", "Count")
        + flow("i2", "Count", "More")
        + flow("again", "More", "Count", condition="=n &lt; 3")
        + flow("done", "More", "Out")
        + '</bpmn:subProcess><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "Sub")
        + flow("f2", "Sub", "E")
    )
    [issue] = [i for i in validate(parse_bpmn(xml)) if i.code == "loop_without_wait_state"]
    assert issue.message.startswith("loop without wait state: Count → More → Count")


def test_ad_hoc_sub_process_rules_name_the_element(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>'
        '<bpmn:adHocSubProcess id="Odd" ordering="Random"><bpmn:task id="T1"/>'
        '<bpmn:startEvent id="Inner"/></bpmn:adHocSubProcess>'
        '<bpmn:adHocSubProcess id="Chained"><bpmn:task id="A"/><bpmn:task id="B"/>'
        + flow("ab", "A", "B")
        + flow("ba", "B", "A")
        + "</bpmn:adHocSubProcess>"
        + flow("f1", "S", "Odd")
        + flow("f2", "Odd", "Chained")
        + flow("f3", "Chained", "E")
    )
    found = codes(xml)
    assert found["ad_hoc_ordering"] == {"Odd"}
    assert found["ad_hoc_start_end"] == {"Inner"}
    assert found["ad_hoc_empty"] == {"Chained"}
    assert "activity_without_incoming" not in found  # T1 waits to be activated
    assert "no_start_event" not in found


def test_complex_gateway_reads_its_activation_condition(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:complexGateway id="CG">'
        '<bpmn:activationCondition xsi:type="bpmn:tFormalExpression">${_activationCount &gt;'
        "}</bpmn:activationCondition></bpmn:complexGateway>"
        '<bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>'
        + flow("f0", "S", "CG")
        + flow("f1", "CG", "A")
        + flow("f2", "CG", "B")
    )
    found = codes(xml)
    assert found["juel_unsupported"] == {"CG"}  # the broken JUEL of the activation condition
    assert found["missing_condition"] == {"CG"}  # a split needs conditions, as inclusive ones


def _bids(document, flow, characteristics: str, roots: str = "") -> str:
    return document(
        '<bpmn:startEvent id="S"/><bpmn:serviceTask id="Bid">'
        f"<bpmn:multiInstanceLoopCharacteristics {characteristics}</bpmn:serviceTask>"
        '<bpmn:endEvent id="E"/>' + flow("f1", "S", "Bid") + flow("f2", "Bid", "E"),
        roots,
    )


def test_multi_instance_behaviours_that_cannot_run_are_named(document, flow):
    odd = _bids(document, flow, 'behavior="Some"/>')
    assert codes(odd)["behavior_invalid"] == {"Bid"}
    silent = _bids(document, flow, 'behavior="One"/>')
    assert codes(silent)["behavior_without_event"] == {"Bid"}
    terminate = '<bpmn:terminateEventDefinition id="TED"/>'
    stopping = _bids(document, flow, 'behavior="None" noneBehaviorEventRef="TED"/>', terminate)
    assert codes(stopping)["behavior_event_unsupported"] == {"Bid"}
    signal = (
        '<bpmn:signal id="Sig" name="Gebot"/><bpmn:signalEventDefinition id="SED" signalRef="Sig"/>'
    )
    fine = _bids(document, flow, 'behavior="None" noneBehaviorEventRef="SED"/>', signal)
    assert not {"behavior_invalid", "behavior_without_event", "behavior_event_unsupported"} & set(
        codes(fine)
    )


def test_a_behaviour_event_reference_to_nothing_is_refused_naming_the_activity(document, flow):
    xml = _bids(document, flow, 'behavior="One" oneBehaviorEventRef="Nowhere"/>')
    with pytest.raises(UnknownReferenceError, match="oneBehaviorEventRef 'Nowhere'") as caught:
        parse_bpmn(xml)
    assert caught.value.element_id == "Bid"
