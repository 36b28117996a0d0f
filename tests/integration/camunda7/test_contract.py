"""Contract: every supported endpoint, sent the request body of the Camunda 7 REST reference's
example, answers with the reference's status and response shape (field names and types).

The bodies are the reference's examples written down as data (ids replaced by real ones);
where an example uses a criterion Kontor does not offer, the answer is Camunda's error shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.web import create_app
from support.backends import BACKENDS
from support.camunda7 import INVOICE, PAYMENT, basic
from support.identity import api_caller
from support.kontor_app import kontor_on

REST = "/engine-rest"
S, N, INT, B, D, LIST, OBJ = str, type(None), int, bool, "date", list, dict
"""Field kinds: text, null, whole number, boolean, Camunda date text, list, object."""
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")

ERROR = {"type": S, "message": S}
XML = {"id": S, "bpmn20Xml": S}
COUNT = {"count": INT}
TYPED = {"type": S, "value": (S, INT, B, N, float), "valueInfo": OBJ}
EXTERNAL_TASK = {
    "activityId": S,
    "activityInstanceId": S,
    "errorMessage": (S, N),
    "executionId": S,
    "id": S,
    "lockExpirationTime": (D, N),
    "processDefinitionId": S,
    "processDefinitionKey": S,
    "processInstanceId": S,
    "tenantId": (S, N),
    "retries": (INT, N),
    "suspended": B,
    "workerId": (S, N),
    "topicName": S,
    "priority": INT,
    "businessKey": (S, N),
    "createTime": D,
}
LOCKED_TASK = {
    **{k: v for k, v in EXTERNAL_TASK.items() if k != "suspended"},
    "variables": OBJ,
    "errorDetails": (S, N),
    "extensionProperties": OBJ,
}
TASK = {
    "id": S,
    "name": (S, N),
    "assignee": (S, N),
    "owner": (S, N),
    "created": D,
    "lastUpdated": (D, N),
    "due": (D, N),
    "followUp": (D, N),
    "delegationState": (S, N),
    "description": (S, N),
    "executionId": (S, N),
    "parentTaskId": (S, N),
    "priority": INT,
    "processDefinitionId": (S, N),
    "processInstanceId": (S, N),
    "caseExecutionId": (S, N),
    "caseDefinitionId": (S, N),
    "caseInstanceId": (S, N),
    "taskDefinitionKey": (S, N),
    "suspended": B,
    "formKey": (S, N),
    "camundaFormRef": (OBJ, N),
    "tenantId": (S, N),
}
COMMENT = {
    "id": S,
    "userId": (S, N),
    "taskId": S,
    "time": D,
    "message": S,
    "removalTime": (D, N),
    "rootProcessInstanceId": (S, N),
    "links": LIST,
}
DEFINITION = {
    "id": S,
    "key": S,
    "category": (S, N),
    "description": (S, N),
    "name": (S, N),
    "version": INT,
    "resource": (S, N),
    "deploymentId": (S, N),
    "diagram": (S, N),
    "suspended": B,
    "tenantId": (S, N),
    "versionTag": (S, N),
    "historyTimeToLive": (INT, N),
    "startableInTasklist": B,
}
INSTANCE = {
    "id": S,
    "definitionId": S,
    "businessKey": (S, N),
    "caseInstanceId": (S, N),
    "ended": B,
    "suspended": B,
    "tenantId": (S, N),
    "links": LIST,
}
HISTORIC_INSTANCE = {
    "id": S,
    "rootProcessInstanceId": (S, N),
    "superProcessInstanceId": (S, N),
    "superCaseInstanceId": (S, N),
    "caseInstanceId": (S, N),
    "processDefinitionName": (S, N),
    "processDefinitionKey": S,
    "processDefinitionVersion": INT,
    "processDefinitionId": S,
    "businessKey": (S, N),
    "startTime": D,
    "endTime": (D, N),
    "removalTime": (D, N),
    "durationInMillis": (INT, N),
    "startUserId": (S, N),
    "startActivityId": (S, N),
    "deleteReason": (S, N),
    "tenantId": (S, N),
    "state": S,
}
HISTORIC_ACTIVITY = {
    "id": S,
    "parentActivityInstanceId": (S, N),
    "activityId": S,
    "activityName": (S, N),
    "activityType": S,
    "processDefinitionKey": S,
    "processDefinitionId": S,
    "processInstanceId": S,
    "executionId": (S, N),
    "taskId": (S, N),
    "calledProcessInstanceId": (S, N),
    "calledCaseInstanceId": (S, N),
    "assignee": (S, N),
    "startTime": D,
    "endTime": (D, N),
    "durationInMillis": (INT, N),
    "canceled": B,
    "completeScope": B,
    "tenantId": (S, N),
    "removalTime": (D, N),
    "rootProcessInstanceId": (S, N),
}
INCIDENT = {
    "id": S,
    "processDefinitionId": S,
    "processInstanceId": S,
    "executionId": (S, N),
    "incidentTimestamp": D,
    "incidentType": S,
    "activityId": S,
    "failedActivityId": (S, N),
    "causeIncidentId": (S, N),
    "rootCauseIncidentId": (S, N),
    "configuration": (S, N),
    "tenantId": (S, N),
    "incidentMessage": (S, N),
    "jobDefinitionId": (S, N),
    "annotation": (S, N),
}
JOB = {
    "id": S,
    "jobDefinitionId": (S, N),
    "processInstanceId": S,
    "processDefinitionId": S,
    "processDefinitionKey": S,
    "executionId": (S, N),
    "exceptionMessage": (S, N),
    "failedActivityId": (S, N),
    "retries": INT,
    "dueDate": (D, N),
    "suspended": B,
    "priority": INT,
    "tenantId": (S, N),
    "createTime": D,
    "batchId": (S, N),
}

# Request bodies of the reference's examples.
FETCH_EXAMPLE = {
    "workerId": "aWorkerId",
    "maxTasks": 2,
    "usePriority": True,
    "topics": [{"topicName": "check-invoice", "lockDuration": 10000, "variables": ["orderId"]}],
}
FETCH_TENANT_EXAMPLE = {
    "workerId": "aWorkerId",
    "maxTasks": 2,
    "usePriority": True,
    "topics": [
        {
            "topicName": "check-invoice",
            "lockDuration": 10000,
            "processDefinitionId": "aProcessDefinitionId",
            "tenantIdIn": ["tenantOne"],
        }
    ],
}
THREE_VARIABLES = {
    "aVariable": {"value": "aStringValue"},
    "anotherVariable": {"value": 42},
    "aThirdVariable": {"value": True},
}
EXTERNAL_COMPLETE_EXAMPLE = {
    "workerId": "aWorkerId",
    "variables": THREE_VARIABLES,
    "localVariables": {"aLocalVariable": {"value": "aStringValue"}},
}
EXTEND_LOCK_EXAMPLE = {"workerId": "anId", "newDuration": 100000}
FAILURE_EXAMPLE = {
    "workerId": "aWorkerId",
    "errorMessage": "Does not compute",
    "retries": 0,
    "retryTimeout": 60000,
}
BPMN_ERROR_EXAMPLE = {
    "workerId": "aWorkerId",
    "errorCode": "bpmn-error",
    "errorMessage": "anErrorMessage",
    "variables": {"aVariable": {"value": "aStringValue", "type": "String"}},
}
RETRIES_EXAMPLE = {"retries": 123}
START_EXAMPLE = {
    "variables": {
        "aVariable": {"value": "aStringValue", "type": "String"},
        "anotherVariable": {"value": True, "type": "Boolean"},
    },
    "businessKey": "myBusinessKey",
    "withVariablesInReturn": True,
}
PUT_VARIABLE_EXAMPLE = {"value": "someValue", "type": "String"}
MODIFY_VARIABLES_EXAMPLE = {
    "modifications": {
        "aVariable": {"value": "aValue", "type": "String"},
        "anotherVariable": {"value": 42, "type": "Integer"},
    },
    "deletions": ["aThirdVariable", "FourthVariable"],
}
SUSPEND_EXAMPLE = {"suspended": True}
MESSAGE_EXAMPLE = {
    "messageName": "payment-received",
    "businessKey": "aBusinessKey",
    "processVariables": {
        "aVariable": {"value": "aNewValue", "type": "String"},
        "anotherVariable": {"value": True, "type": "Boolean"},
    },
    "resultEnabled": True,
}
SIGNAL_EXAMPLE = {
    "name": "policy_conditions_changed",
    "variables": {"newTimePeriodInMonth": {"value": 24}, "newPremium": {"value": 123.45}},
}
TASK_QUERY_EXAMPLE = {
    "taskVariables": [
        {"name": "varName", "value": "varValue", "operator": "eq"},
        {"name": "anotherVarName", "value": 30, "operator": "neq"},
    ],
    "processInstanceBusinessKeyIn": "aBusinessKey,anotherBusinessKey",
    "assigneeIn": "anAssignee,anotherAssignee",
    "priority": 10,
    "sorting": [
        {"sortBy": "dueDate", "sortOrder": "asc"},
        {
            "sortBy": "processVariable",
            "sortOrder": "desc",
            "parameters": {"variable": "orderId", "type": "String"},
        },
    ],
}
TASK_QUERY_SUPPORTED = {
    "processDefinitionKey": "approval",
    "candidateGroup": "operator_staff",
    "sorting": [{"sortBy": "dueDate", "sortOrder": "asc"}],
}
USER_ID_EXAMPLE = {"userId": "aUserId"}
TASK_COMPLETE_EXAMPLE = {"variables": THREE_VARIABLES, "withVariablesInReturn": True}
TASK_RESOLVE_EXAMPLE = {"variables": THREE_VARIABLES}
COMMENT_EXAMPLE = {"message": "a task comment"}

APPROVAL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="approval" targetNamespace="Examples">
  <process id="approval" name="Freigabe" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <userTask id="review" name="Prüfen" camunda:candidateGroups="operator_staff"/>
    <sequenceFlow id="f2" sourceRef="review" targetRef="wait"/>
    <intermediateCatchEvent id="wait">
      <timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>
    </intermediateCatchEvent>
    <sequenceFlow id="f3" sourceRef="wait" targetRef="done"/>
    <endEvent id="done"/>
  </process>
</definitions>"""
"""A user task, then a timer (a job)."""


def conforms(value: Any, shape: Any, where: str = "") -> list[str]:
    """How ``value`` differs from ``shape`` (field kinds, nested); empty when it conforms."""
    if isinstance(shape, Mapping):
        if not isinstance(value, dict):
            return [f"{where or 'body'}: an object expected, got {value!r}"]
        problems = [f"{where}{name}: missing" for name in shape if name not in value]
        for name, kind in shape.items():
            if name in value:
                problems += conforms(value[name], kind, f"{where}{name}.")
        return problems
    kinds = shape if isinstance(shape, tuple) else (shape,)
    for kind in kinds:
        if kind == D and isinstance(value, str) and DATE.match(value):
            return []
        if (
            isinstance(kind, type)
            and isinstance(value, kind)
            and not (kind is INT and isinstance(value, bool))
        ):
            return []
    return [f"{where.rstrip('.')}: {value!r} is not {kinds}"]


def each(shape: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """A list whose every item has ``shape``."""
    return ("each", shape)


class Contract:
    """Sends requests and checks each answer's status and shape, collecting differences."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.problems: list[str] = []

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        status: int = 200,
        shape: Any = None,
        **params: Any,
    ) -> Any:
        """Call the endpoint; note a differing status or shape; the answer's JSON (or None)."""
        answer = self.client.request(method, f"{REST}{path}", json=body, params=params or None)
        name = f"{method} {path}"
        if answer.status_code != status:
            self.problems.append(f"{name}: status {answer.status_code}, {answer.text[:200]}")
            return None
        if status == 204:
            return None
        found = answer.json()
        if isinstance(shape, tuple) and shape[0] == "each":
            if not isinstance(found, list) or not found:
                self.problems.append(f"{name}: a non-empty list expected, got {found!r}")
                return found
            for item in found:
                self.problems += [f"{name}: {p}" for p in conforms(item, shape[1])]
        elif shape is not None:
            self.problems += [f"{name}: {p}" for p in conforms(found, shape)]
        return found


@pytest.fixture
def contract(engine: Engine) -> Iterator[Contract]:
    kontor: Kontor = kontor_on(engine)
    caller = api_caller(kontor)
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as client:
        for name, xml in (("invoice", INVOICE), ("payment", PAYMENT), ("approval", APPROVAL)):
            files = [(f"{name}.bpmn", (f"{name}.bpmn", xml.encode(), "application/xml"))]
            deployed = client.post(
                f"{REST}/deployment/create", data={"deployment-name": name}, files=files
            )
            assert deployed.status_code == 200, deployed.text
        yield Contract(client)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_external_task_process_and_message_endpoints_answer_the_reference_examples(
    contract: Contract,
) -> None:
    c = contract
    c.call("GET", "/process-definition", shape=each(DEFINITION), key="invoice")
    definition = c.call("GET", "/process-definition/key/invoice", shape=DEFINITION)
    assert definition is not None, c.problems
    c.call("GET", "/process-definition/count", shape=COUNT, latestVersion="true")
    c.call("GET", f"/process-definition/{definition['id']}", shape=DEFINITION)
    c.call("GET", f"/process-definition/{definition['id']}/xml", shape=XML)
    c.call("GET", "/process-definition/key/invoice/xml", shape=XML)
    started = c.call(
        "POST",
        "/process-definition/key/invoice/start",
        START_EXAMPLE,
        shape={**INSTANCE, "variables": OBJ},
    )
    assert started is not None, c.problems
    instance = f"/process-instance/{started['id']}"
    c.call("GET", "/process-instance", shape=each(INSTANCE))
    c.call("GET", "/process-instance/count", shape=COUNT)
    c.call("GET", instance, shape=INSTANCE)
    c.call("PUT", f"{instance}/variables/aVariable", PUT_VARIABLE_EXAMPLE, 204)
    c.call("POST", f"{instance}/variables", MODIFY_VARIABLES_EXAMPLE, 400, ERROR)
    c.call("GET", f"{instance}/variables/aVariable", shape=TYPED)
    for name, typed in (c.call("GET", f"{instance}/variables") or {}).items():
        c.problems += [f"variables {name}: {p}" for p in conforms(typed, TYPED)]
    [locked] = c.call(
        "POST", "/external-task/fetchAndLock", FETCH_EXAMPLE, shape=each(LOCKED_TASK)
    ) or [None]
    assert locked is not None, c.problems
    task = f"/external-task/{locked['id']}"
    c.call("POST", "/external-task/fetchAndLock", FETCH_TENANT_EXAMPLE, 400, ERROR)
    c.call("GET", task, shape=EXTERNAL_TASK)
    c.call("GET", "/external-task", shape=each(EXTERNAL_TASK), workerId="aWorkerId")
    c.call("GET", "/external-task/count", shape=COUNT, topicName="check-invoice")
    c.call("POST", f"{task}/extendLock", EXTEND_LOCK_EXAMPLE, 400, ERROR)  # not anId's lock
    c.call("POST", f"{task}/failure", FAILURE_EXAMPLE, 204)
    [incident] = c.call("GET", "/incident", shape=each(INCIDENT), processInstanceId=started["id"])
    c.call("GET", "/incident/count", shape=COUNT, incidentType=incident["incidentType"])
    c.call("PUT", f"{task}/retries", RETRIES_EXAMPLE, 204)
    c.call("POST", "/external-task/fetchAndLock", FETCH_EXAMPLE, shape=each(LOCKED_TASK))
    c.call("POST", f"{task}/complete", EXTERNAL_COMPLETE_EXAMPLE, 204)
    [book] = c.call(
        "POST",
        "/external-task/fetchAndLock",
        {**FETCH_EXAMPLE, "topics": [{"topicName": "book-invoice", "lockDuration": 10000}]},
        shape=each(LOCKED_TASK),
    ) or [None]
    assert book is not None, c.problems
    c.call("POST", f"/external-task/{book['id']}/unlock", None, 204)
    c.call(
        "POST",
        "/external-task/fetchAndLock",
        {**FETCH_EXAMPLE, "topics": [{"topicName": "book-invoice", "lockDuration": 10000}]},
        shape=each(LOCKED_TASK),
    )
    c.call("POST", f"/external-task/{book['id']}/bpmnError", BPMN_ERROR_EXAMPLE, 204)
    c.call("POST", f"/process-definition/{definition['id']}/start", {}, shape=INSTANCE)
    c.call("POST", "/process-definition/key/invoice/tenant-id/dev/start", {}, shape=INSTANCE)
    second = c.call("POST", "/process-definition/key/invoice/start", {}, shape=INSTANCE)
    c.call("PUT", f"/process-instance/{second['id']}/suspended", SUSPEND_EXAMPLE, 204)
    c.call("DELETE", f"/process-instance/{second['id']}", None, 204)
    c.call(
        "POST",
        "/process-definition/key/payment/start",
        {"businessKey": "aBusinessKey"},
        shape=INSTANCE,
    )
    c.call("POST", "/message", MESSAGE_EXAMPLE, shape=each({"resultType": S}))
    c.call("POST", "/signal", SIGNAL_EXAMPLE, 204)
    assert c.problems == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_task_history_and_job_endpoints_answer_the_reference_examples(
    contract: Contract,
) -> None:
    c = contract
    started = c.call(
        "POST", "/process-definition/key/approval/start", START_EXAMPLE, shape=INSTANCE
    )
    assert started is not None, c.problems
    [task] = c.call("GET", "/task", shape=each(TASK), processInstanceId=started["id"]) or [None]
    assert task is not None, c.problems
    path = f"/task/{task['id']}"
    c.call("POST", "/task", TASK_QUERY_EXAMPLE, 400, ERROR)
    c.call("POST", "/task", TASK_QUERY_SUPPORTED, shape=each(TASK))
    c.call("POST", "/task/count", TASK_QUERY_SUPPORTED, shape=COUNT)
    c.call("GET", "/task/count", shape=COUNT, candidateGroup="operator_staff")
    c.call("GET", path, shape=TASK)
    c.call("POST", f"{path}/claim", USER_ID_EXAMPLE, 204)
    c.call("POST", f"{path}/unclaim", None, 204)
    c.call("POST", f"{path}/assignee", USER_ID_EXAMPLE, 204)
    c.call("POST", f"{path}/delegate", USER_ID_EXAMPLE, 204)
    c.call("POST", f"{path}/resolve", TASK_RESOLVE_EXAMPLE, 204)
    variables = c.call("GET", f"{path}/form-variables")
    for name, typed in (variables or {}).items():
        c.problems += [f"form-variables {name}: {p}" for p in conforms(typed, TYPED)]
    c.call("POST", f"{path}/comment/create", COMMENT_EXAMPLE, shape=COMMENT)
    [comment] = c.call("GET", f"{path}/comment", shape=each(COMMENT)) or [{"id": "-"}]
    c.call("GET", f"{path}/comment/{comment['id']}", shape=COMMENT)
    returned = c.call("POST", f"{path}/complete", TASK_COMPLETE_EXAMPLE)
    for name, typed in (returned or {}).items():
        c.problems += [f"complete {name}: {p}" for p in conforms(typed, TYPED)]
    instance_id = started["id"]
    [job] = c.call("GET", "/job", shape=each(JOB), processInstanceId=instance_id) or [None]
    assert job is not None, c.problems
    c.call("GET", "/job/count", shape=COUNT, timers="true")
    c.call("GET", f"/job/{job['id']}", shape=JOB)
    c.call("PUT", f"/job/{job['id']}/retries", {"retries": 3}, 400, ERROR)
    c.call(
        "GET",
        "/history/process-instance",
        shape=each(HISTORIC_INSTANCE),
        processInstanceId=instance_id,
    )
    c.call("GET", "/history/process-instance/count", shape=COUNT, unfinished="true")
    c.call(
        "GET",
        "/history/activity-instance",
        shape=each(HISTORIC_ACTIVITY),
        processInstanceId=instance_id,
        sortBy="startTime",
        sortOrder="asc",
    )
    c.call("GET", "/history/activity-instance/count", shape=COUNT, activityType="userTask")
    c.call("GET", "/task/no-such-task", None, 404, ERROR)
    assert c.problems == []
