"""BPMN import: model contents, zeebe/camunda extensions and positioned errors."""

from decimal import Decimal

import pytest

from kontor.process.bpmn import (
    FEEL,
    BpmnImportError,
    DuplicateIdError,
    EventKind,
    Expression,
    MalformedXmlError,
    MultiInstance,
    NodeKind,
    NotBpmnError,
    TimerKind,
    UnknownReferenceError,
    parse_bpmn,
)


def test_simple_process_is_indexed_by_id(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:userTask id="T" name="Check"/><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "T")
        + flow("f2", "T", "E")
    )
    definitions = parse_bpmn(xml, "simple.bpmn")
    process = definitions.process("P")
    assert process.is_executable
    assert process.node("T").kind is NodeKind.USER_TASK
    assert process.node("T").name == "Check"
    assert process.node("T").incoming == ("f1",)
    assert process.node("T").outgoing == ("f2",)
    assert process.flow("f2").target == "E"
    assert process.node("T").line == 5
    assert not definitions.has_diagram


def test_incoming_and_outgoing_come_from_flows_not_child_elements(document, flow):
    # <incoming>/<outgoing> children disagree with the flows: the flows win.
    xml = document(
        '<bpmn:startEvent id="S"><bpmn:outgoing>bogus</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:endEvent id="E"/>' + flow("f1", "S", "E")
    )
    assert parse_bpmn(xml).process("P").node("S").outgoing == ("f1",)


def test_malformed_xml_names_file_line_and_column():
    with pytest.raises(MalformedXmlError) as caught:
        parse_bpmn("<definitions>\n  <process id='x'>\n</definitions>", "broken.bpmn")
    error = caught.value
    assert error.line == 3
    assert error.column is not None
    assert str(error).startswith("broken.bpmn:3:")
    assert error.code == "bpmn.malformed_xml"


def test_non_bpmn_root_is_rejected():
    with pytest.raises(NotBpmnError, match=r"expected BPMN 2\.0 definitions"):
        parse_bpmn("<html/>", "page.html")


def test_flow_to_missing_node_names_flow_and_line(document, flow):
    xml = document('<bpmn:startEvent id="S"/>\n' + flow("f1", "S", "Nowhere"))
    with pytest.raises(UnknownReferenceError) as caught:
        parse_bpmn(xml, "m.bpmn")
    assert caught.value.element_id == "f1"
    assert caught.value.line == 6
    assert "Nowhere" in str(caught.value)
    assert "m.bpmn:6" in str(caught.value)


def test_boundary_on_missing_activity_is_rejected(document):
    xml = document('<bpmn:boundaryEvent id="B" attachedToRef="Ghost"/>')
    with pytest.raises(UnknownReferenceError, match="attachedToRef 'Ghost'") as caught:
        parse_bpmn(xml)
    assert caught.value.element_id == "B"


def test_unknown_message_ref_is_rejected(document):
    xml = document(
        '<bpmn:intermediateCatchEvent id="C">'
        '<bpmn:messageEventDefinition messageRef="M404"/></bpmn:intermediateCatchEvent>'
    )
    with pytest.raises(UnknownReferenceError, match="messageRef 'M404'"):
        parse_bpmn(xml)


COLLABORATION = (
    '<bpmn:message id="M" name="Antrag"/>'
    '<bpmn:collaboration id="C"><bpmn:participant id="Pool_P" processRef="P"/>'
    '<bpmn:participant id="Pool_Outside"/>'
    '<bpmn:messageFlow id="mf" sourceRef="{source}" targetRef="Pool_Outside" messageRef="M"/>'
    "</bpmn:collaboration>"
)


def test_pools_and_message_flows_of_a_collaboration_are_read(document):
    xml = document('<bpmn:startEvent id="S"/>', COLLABORATION.format(source="S"))
    definitions = parse_bpmn(xml)
    assert dict(definitions.participants) == {"Pool_P": "P", "Pool_Outside": None}
    (message_flow,) = definitions.message_flows
    assert (message_flow.source_ref, message_flow.target_ref) == ("S", "Pool_Outside")
    assert message_flow.message_ref == "M"


def test_a_message_flow_from_nothing_of_the_file_is_rejected_naming_the_flow(document):
    xml = document('<bpmn:startEvent id="S"/>', COLLABORATION.format(source="Ghost"))
    with pytest.raises(UnknownReferenceError, match="sourceRef 'Ghost'") as caught:
        parse_bpmn(xml, "c.bpmn")
    assert caught.value.element_id == "mf"
    assert caught.value.line == 3  # the root elements are written on one line


def test_default_flow_must_leave_the_gateway(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G" default="f1"/>'
        '<bpmn:endEvent id="E"/>' + flow("f1", "S", "G") + flow("f2", "G", "E")
    )
    with pytest.raises(UnknownReferenceError, match="default flow 'f1'"):
        parse_bpmn(xml)


def test_duplicate_ids_are_rejected(document):
    with pytest.raises(DuplicateIdError, match="first defined on line"):
        parse_bpmn(document('<bpmn:task id="A"/>\n<bpmn:task id="A"/>'))


def test_import_errors_share_a_base_class():
    assert issubclass(MalformedXmlError, BpmnImportError)
    assert issubclass(UnknownReferenceError, BpmnImportError)


def test_event_definitions_and_boundary_attributes(document, flow):
    roots = (
        '<bpmn:message id="M" name="claim-received">'
        '<bpmn:extensionElements><zeebe:subscription correlationKey="=claimId"/>'
        "</bpmn:extensionElements></bpmn:message>"
        '<bpmn:error id="Err" name="Rejected" errorCode="REJ"/>'
    )
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:endEvent id="E"/>'
        '<bpmn:boundaryEvent id="Timeout" attachedToRef="T" cancelActivity="false">'
        '<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
        "P7D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:boundaryEvent id="Failed" attachedToRef="T">'
        '<bpmn:errorEventDefinition errorRef="Err"/></bpmn:boundaryEvent>'
        '<bpmn:intermediateCatchEvent id="Wait">'
        '<bpmn:messageEventDefinition messageRef="M"/></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="Every">'
        "<bpmn:timerEventDefinition><bpmn:timeCycle>=cycle</bpmn:timeCycle>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        + flow("f1", "S", "T")
        + flow("f2", "T", "E"),
        roots,
    )
    definitions = parse_bpmn(xml)
    process = definitions.process("P")
    timeout = process.node("Timeout")
    assert timeout.attached_to == "T"
    assert timeout.cancel_activity is False
    assert timeout.event.timer is not None
    assert timeout.event.timer.kind is TimerKind.DURATION
    assert timeout.event.timer.value == "P7D"
    assert process.node("Failed").event.error_ref == "Err"
    assert definitions.errors["Err"].error_code == "REJ"
    assert process.node("Wait").event_kind is EventKind.MESSAGE
    assert definitions.messages["M"].correlation_key == Expression("claimId", FEEL, 3)
    every = process.node("Every").event.timer
    assert every is not None
    assert every.value == Expression("cycle", FEEL, every.value.line)  # type: ignore[union-attr]
    assert [b.id for b in process.boundary_events("T")] == ["Timeout", "Failed"]


def test_zeebe_extensions_are_read(document):
    xml = document(
        '<bpmn:serviceTask id="Svc"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="send-mail" retries="5"/>'
        '<zeebe:ioMapping><zeebe:input source="=claim.id" target="claimId"/>'
        '<zeebe:output source="=result" target="mailResult"/></zeebe:ioMapping>'
        '<zeebe:taskHeaders><zeebe:header key="template" value="welcome"/></zeebe:taskHeaders>'
        '<zeebe:properties><zeebe:property name="owner" value="claims"/></zeebe:properties>'
        "</bpmn:extensionElements></bpmn:serviceTask>"
        '<bpmn:userTask id="U"><bpmn:extensionElements>'
        '<zeebe:assignmentDefinition assignee="=initiator" candidateGroups="clerks"/>'
        '<zeebe:taskSchedule dueDate="=now() + duration(&quot;P1D&quot;)"/>'
        '<zeebe:formDefinition formKey="forms:check"/>'
        '<zeebe:priorityDefinition priority="70"/>'
        "</bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:callActivity id="Call"><bpmn:extensionElements>'
        '<zeebe:calledElement processId="child" propagateAllChildVariables="false"/>'
        "</bpmn:extensionElements></bpmn:callActivity>"
        '<bpmn:scriptTask id="Script"><bpmn:extensionElements>'
        '<zeebe:script expression="=amount * 2" resultVariable="double"/>'
        "</bpmn:extensionElements></bpmn:scriptTask>"
        '<bpmn:businessRuleTask id="Rule"><bpmn:extensionElements>'
        '<zeebe:calledDecision decisionId="triage" resultVariable="verdict"/>'
        "</bpmn:extensionElements></bpmn:businessRuleTask>"
    )
    process = parse_bpmn(xml).process("P")
    svc = process.node("Svc").extensions
    assert svc.task_definition is not None
    assert svc.task_definition.type == "send-mail"
    assert svc.task_definition.retries == "5"
    assert svc.io_mapping is not None
    assert svc.io_mapping.inputs[0].target == "claimId"
    assert isinstance(svc.io_mapping.inputs[0].source, Expression)
    assert svc.io_mapping.inputs[0].source.text == "claim.id"
    assert svc.task_headers == (("template", "welcome"),)
    assert svc.properties == (("owner", "claims"),)
    user = process.node("U").extensions
    assert user.assignment is not None
    assert isinstance(user.assignment.assignee, Expression)
    assert user.assignment.candidate_groups == "clerks"
    assert user.schedule is not None
    assert isinstance(user.schedule.due_date, Expression)
    assert user.form_key == "forms:check"
    assert user.priority == "70"
    call = process.node("Call").extensions.called_element
    assert call is not None
    assert call.process_id == "child"
    assert call.propagate_all_child_variables is False
    script = process.node("Script").extensions.script
    assert script is not None
    assert script.body.text == "amount * 2"
    assert script.result_variable == "double"
    decision = process.node("Rule").extensions.called_decision
    assert decision is not None
    assert decision.decision_id == "triage"


def test_camunda7_attributes_are_accepted(document):
    xml = document(
        '<bpmn:userTask id="U" camunda:assignee="demo" camunda:candidateGroups="a,b"'
        ' camunda:formKey="embedded:app:form.html" camunda:asyncBefore="true"'
        ' camunda:asyncAfter="true"/>'
    )
    ext = parse_bpmn(xml).process("P").node("U").extensions
    assert ext.assignment is not None
    assert ext.assignment.assignee == "demo"
    assert ext.assignment.candidate_groups == "a,b"
    assert ext.form_key == "embedded:app:form.html"
    assert ext.async_before
    assert ext.async_after


def test_multi_instance_in_standard_and_zeebe_form(document):
    xml = document(
        '<bpmn:task id="Std"><bpmn:multiInstanceLoopCharacteristics isSequential="true">'
        "<bpmn:loopCardinality>3</bpmn:loopCardinality>"
        "<bpmn:completionCondition>=done</bpmn:completionCondition>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
        '<bpmn:task id="Zb"><bpmn:multiInstanceLoopCharacteristics>'
        '<bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items"'
        ' inputElement="item" outputCollection="results" outputElement="=item.total"/>'
        "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
    )
    process = parse_bpmn(xml).process("P")
    std = process.node("Std").loop
    assert isinstance(std, MultiInstance)
    assert std.is_sequential
    assert std.loop_cardinality is not None
    assert std.loop_cardinality.text == "3"
    assert std.completion_condition is not None
    assert std.completion_condition.text == "done"
    zb = process.node("Zb").multi_instance
    assert zb is not None
    assert not zb.is_sequential
    assert zb.input_collection is not None
    assert zb.input_collection.text == "items"
    assert zb.input_element == "item"
    assert zb.output_collection == "results"
    assert zb.output_element is not None
    assert zb.output_element.text == "item.total"


def test_conditions_keep_their_language(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G"/>'
        '<bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>'
        + flow("f0", "S", "G")
        + flow("f1", "G", "A", "=amount &gt; 10")
        + '<bpmn:sequenceFlow id="f2" sourceRef="G" targetRef="B">'
        '<bpmn:conditionExpression language="python">amount &lt;= 10'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    process = parse_bpmn(xml).process("P")
    assert process.flow("f1").condition == Expression("amount > 10", FEEL, 5)
    f2 = process.flow("f2").condition
    assert f2 is not None
    assert (f2.text, f2.language) == ("amount <= 10", "python")


def test_sub_process_children_know_their_container(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub">'
        '<bpmn:startEvent id="S2"/><bpmn:endEvent id="E2"/>'
        + flow("g1", "S2", "E2")
        + "</bpmn:subProcess>"
        '<bpmn:subProcess id="Evt" triggeredByEvent="true">'
        '<bpmn:startEvent id="ES" isInterrupting="false">'
        '<bpmn:signalEventDefinition signalRef="Sig"/></bpmn:startEvent></bpmn:subProcess>'
        '<bpmn:endEvent id="E"/>' + flow("f1", "S", "Sub") + flow("f2", "Sub", "E"),
        '<bpmn:signal id="Sig" name="alarm"/>',
    )
    process = parse_bpmn(xml).process("P")
    assert process.node("S2").container_id == "Sub"
    assert process.flow("g1").container_id == "Sub"
    assert [n.id for n in process.start_events()] == ["S"]
    assert [n.id for n in process.start_events("Sub")] == ["S2"]
    assert [n.id for n in process.event_sub_processes("P")] == ["Evt"]
    assert process.node("ES").is_interrupting is False


def test_lanes_and_diagram_flag():
    xml = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="d">'
        '<process id="P"><laneSet><lane id="L1" name="Clerk"><flowNodeRef>T</flowNodeRef>'
        '<childLaneSet><lane id="L2"><flowNodeRef>T</flowNodeRef></lane></childLaneSet>'
        '</lane></laneSet><task id="T"/></process>'
        '<bpmndi:BPMNDiagram id="D"/></definitions>'
    )
    definitions = parse_bpmn(xml)
    lanes = {lane.id: lane for lane in definitions.process("P").lanes}
    assert lanes["L1"].node_ids == ("T",)
    assert lanes["L1"].child_lane_ids == ("L2",)
    assert definitions.has_diagram
    assert definitions.process("P").is_executable is False


def test_a_data_object_keeps_its_typed_initial_value_and_a_wrong_one_is_refused(document):
    def with_value(kind: str, text: str) -> str:
        return document(
            f'<bpmn:dataObject id="DO" name="limit" itemSubjectRef="xsd:{kind}">'
            '<bpmn:extensionElements><flowable:value xmlns:flowable="http://flowable.org/bpmn">'
            f"{text}</flowable:value></bpmn:extensionElements></bpmn:dataObject>"
            '<bpmn:startEvent id="S"/>'
        )

    process = parse_bpmn(with_value("decimal", "1500.50")).process("P")
    assert process.data_objects["P"] == (("limit", Decimal("1500.50")),)
    assert parse_bpmn(with_value("int", "12")).process("P").data_objects["P"] == (("limit", 12),)
    with pytest.raises(BpmnImportError, match="initial value 'zwölf' is no int") as caught:
        parse_bpmn(with_value("int", "zwölf"), "d.bpmn")
    assert caught.value.element_id == "DO"
    assert "d.bpmn:" in str(caught.value)
