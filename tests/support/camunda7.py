"""A model written the Camunda 7 way and a client of the compatibility API, for its tests."""

from __future__ import annotations

import base64

INVOICE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="invoice" targetNamespace="Examples">
  <error id="NoBudget" errorCode="NO_BUDGET" name="Kein Budget"/>
  <process id="invoice" name="Rechnung" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <serviceTask id="check" name="Prüfen" camunda:type="external" camunda:topic="check-invoice"/>
    <sequenceFlow id="f2" sourceRef="check" targetRef="book"/>
    <serviceTask id="book" name="Buchen" camunda:type="external" camunda:topic="book-invoice"/>
    <sequenceFlow id="f3" sourceRef="book" targetRef="booked"/>
    <endEvent id="booked"/>
    <boundaryEvent id="noBudget" attachedToRef="check">
      <errorEventDefinition errorRef="NoBudget"/>
    </boundaryEvent>
    <sequenceFlow id="f4" sourceRef="noBudget" targetRef="rejected"/>
    <endEvent id="rejected"/>
  </process>
</definitions>"""
"""Check the invoice (external, a BPMN error ``NO_BUDGET`` ends it at ``rejected``), then book."""

INVOICE_WITH_APPROVAL = INVOICE.replace(
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
).replace(
    '<sequenceFlow id="f2" sourceRef="check" targetRef="book"/>',
    """<sequenceFlow id="f2" sourceRef="check" targetRef="approvedGw"/>
    <exclusiveGateway id="approvedGw" name="Freigegeben?" default="toManual"/>
    <sequenceFlow id="toBook" sourceRef="approvedGw" targetRef="book">
      <conditionExpression xsi:type="tFormalExpression"
        >${approved &amp;&amp; fee &lt; 1000}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toManual" sourceRef="approvedGw" targetRef="manual"/>
    <endEvent id="manual"/>""",
)
"""The invoice as Camunda 7 users write it: a JUEL condition decides whether it is booked."""


def basic(token: str, user: str = "demo") -> dict[str, str]:
    """An ``Authorization`` header as Camunda clients send it: Basic with the token as password."""
    credentials = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


PAYMENT = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="payment" targetNamespace="Examples">
  <message id="Paid" name="payment-received"/>
  <process id="payment" name="Zahlung" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="waitForPayment"/>
    <intermediateCatchEvent id="waitForPayment">
      <messageEventDefinition messageRef="Paid"/>
    </intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="waitForPayment" targetRef="paid"/>
    <endEvent id="paid"/>
  </process>
</definitions>"""
"""Wait for the message ``payment-received``, then end."""

ALARM = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="alarm"
  targetNamespace="Examples">
  <signal id="Storm" name="storm-warning"/>
  <process id="alarm" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="waitForStorm"/>
    <intermediateCatchEvent id="waitForStorm"><signalEventDefinition signalRef="Storm"/>
    </intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="waitForStorm" targetRef="warned"/>
    <endEvent id="warned"/>
  </process>
</definitions>"""
"""Wait for the signal ``storm-warning``, then end."""
