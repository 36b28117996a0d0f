"""Casework tasks and their comments as Camunda shows them (TaskDto, CommentDto)."""

from __future__ import annotations

from typing import Any

from kontor.camunda7.user_task_rows import UserTaskRow
from kontor.camunda7.variables import camunda_date
from kontor.casework.tasks import TaskState


def task_dto(row: UserTaskRow) -> dict[str, Any]:
    """Camunda's TaskDto of ``row``."""
    task = row.task
    return {
        "id": task.id,
        "name": task.name,
        "assignee": task.assignee,
        "owner": task.owner,
        "created": camunda_date(task.created_at),
        "lastUpdated": camunda_date(row.updated_at),
        "due": camunda_date(task.due_at) if task.due_at else None,
        "followUp": camunda_date(task.follow_up_at) if task.follow_up_at else None,
        "delegationState": task.delegation.upper() if task.delegation else None,
        "description": task.description,
        "executionId": task.process_task_id,
        "parentTaskId": None,
        "priority": task.priority,
        "processDefinitionId": row.definition_id,
        "processInstanceId": task.process_instance_id,
        "caseExecutionId": None,
        "caseDefinitionId": None,
        "caseInstanceId": None,
        "taskDefinitionKey": row.element_id,
        "suspended": task.state is TaskState.SUSPENDED,
        "formKey": task.form_key,
        "camundaFormRef": None,
        "tenantId": task.tenant_id,
    }


def comment_dto(
    entry_id: str, task_id: str, actor: str | None, at: Any, message: str,
    process_instance_id: str | None,
) -> dict[str, Any]:  # fmt: skip
    """Camunda's CommentDto of a comment in a task's history."""
    return {
        "id": entry_id,
        "userId": actor,
        "time": camunda_date(at),
        "taskId": task_id,
        "processInstanceId": process_instance_id,
        "message": message,
        "removalTime": None,
        "rootProcessInstanceId": process_instance_id,
        "links": [],
    }
