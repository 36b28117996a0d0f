"""What each process command changed, in the terms the audit log records."""

from __future__ import annotations

from typing import Any

from kontor.messaging import Change, Command, HandlerRegistry
from kontor.process import messages as msg
from kontor.process.control import MigrationReport
from kontor.process.store import DeployedDefinition

INSTANCE = "process_instance"
DEFINITION = "process_definition"


def _instance_subject(instance_id: str, case_id: str | None = None) -> str:
    # Variables hold the case's personal values: erasing the case (or instance) finds them.
    return f"case:{case_id}" if case_id else f"{INSTANCE}:{instance_id}"


def _on_instance(
    command: Command, instance_id: str, after: dict[str, Any] | None = None, **before: Any
) -> Change:
    return Change(
        command.type_name,
        INSTANCE,
        instance_id,
        before=before or None,
        after=after,
        subject=_instance_subject(instance_id),
    )


def deployed(command: msg.DeployProcess, result: list[DeployedDefinition]) -> Change:
    """A BPMN document's processes were deployed: their keys, versions and content hashes."""
    definitions = [
        {"process_key": d.process_key, "version": d.version, "content_sha256": d.content_sha256}
        for d in result
    ]
    entity_id = ",".join(d.definition_id for d in result)
    return Change(
        command.type_name,
        DEFINITION,
        entity_id,
        after={"source_name": command.source_name, "definitions": definitions},
    )


def started(command: msg.StartProcess, instance_id: str) -> Change:
    """An instance was started with its variables and business keys."""
    after = {
        "process_key": command.process_key,
        "business_key": command.business_key,
        "case_id": command.case_id,
        "variables": command.variables,
    }
    subject = _instance_subject(instance_id, command.case_id)
    return Change(command.type_name, INSTANCE, instance_id, after=after, subject=subject)


def task_completed(command: msg.CompleteUserTask, _result: None) -> Change:
    """A user task was completed with result variables."""
    after = {"task_id": command.task_id, "variables": command.variables}
    return _on_instance(command, command.instance_id, after)


def message_correlated(command: msg.CorrelateMessage, instance_id: str | None) -> Change:
    """A message reached (or started) an instance, or waits at a parallel multiple start event
    for the others it needs."""
    after = {"message": command.name, "variables": command.variables}
    if instance_id is None:
        return Change(command.type_name, "process_message", command.name, after=after)
    return _on_instance(command, instance_id, after)


def signal_broadcast(command: msg.BroadcastSignal, reached: int) -> Change:
    """A signal went to every waiting instance of the tenant."""
    after = {"instances": reached, "variables": command.variables}
    return Change(command.type_name, "process_signal", command.name, after=after)


def variables_set(command: msg.SetVariables, _result: str) -> Change:
    """Variables of an instance were set by hand."""
    after = {"scope_id": command.scope_id, "variables": command.variables}
    return _on_instance(command, command.instance_id, after)


def suspended(command: msg.SuspendInstance, _result: str) -> Change:
    """An instance was put on hold."""
    return _on_instance(command, command.instance_id, {"suspended": True}, suspended=False)


def resumed(command: msg.ResumeInstance, _result: str) -> Change:
    """A suspended instance goes on."""
    return _on_instance(command, command.instance_id, {"suspended": False}, suspended=True)


def cancelled(command: msg.CancelInstance, _result: str) -> Change:
    """An instance was ended without completing it."""
    after = {"status": "cancelled", "reason": command.reason}
    return _on_instance(command, command.instance_id, after, status="active")


def modified(command: msg.ModifyInstance, _result: str) -> Change:
    """Tokens of an instance were moved by hand."""
    after = {"instructions": [i.model_dump(mode="json") for i in command.instructions]}
    return _on_instance(command, command.instance_id, after)


def incident_resolved(command: msg.ResolveIncident, _result: Any) -> Change:
    """An incident's job was given retries again."""
    after = {"incident_id": command.incident_id, "retries": command.retries}
    return _on_instance(command, command.instance_id, after)


def ad_hoc_activated(command: msg.ActivateAdHocActivity, _result: str) -> Change:
    """An inner activity of an ad-hoc sub-process was started."""
    after = {"element_id": command.element_id, "scope_id": command.scope_id}
    return _on_instance(command, command.instance_id, after)


def ad_hoc_completed(command: msg.CompleteAdHocSubProcess, _result: str) -> Change:
    """An ad-hoc sub-process was completed by hand."""
    after = {"element_id": command.element_id, "scope_id": command.scope_id}
    return _on_instance(command, command.instance_id, after)


def migrated(command: msg.MigrateInstances, report: MigrationReport) -> Change:
    """Instances moved from one version of a process to another (dry runs change nothing)."""
    moved = [result.instance_id for result in report.instances if result.migrated]
    return Change(
        command.type_name,
        DEFINITION,
        command.process_key,
        before={"version": command.source_version},
        after={
            "version": command.target_version,
            "mapping": command.mapping,
            "dry_run": command.dry_run,
            "migrated_instances": moved,
        },
    )


def register_audit(registry: HandlerRegistry) -> None:
    """Describe the process commands' changes for the audit log."""
    registry.describe_changes(msg.DeployProcess, deployed)
    registry.describe_changes(msg.StartProcess, started)
    registry.describe_changes(msg.CompleteUserTask, task_completed)
    registry.describe_changes(msg.CorrelateMessage, message_correlated)
    registry.describe_changes(msg.BroadcastSignal, signal_broadcast)
    registry.describe_changes(msg.SetVariables, variables_set)
    registry.describe_changes(msg.SuspendInstance, suspended)
    registry.describe_changes(msg.ResumeInstance, resumed)
    registry.describe_changes(msg.CancelInstance, cancelled)
    registry.describe_changes(msg.ModifyInstance, modified)
    registry.describe_changes(msg.ResolveIncident, incident_resolved)
    registry.describe_changes(msg.MigrateInstances, migrated)
    registry.describe_changes(msg.ActivateAdHocActivity, ad_hoc_activated)
    registry.describe_changes(msg.CompleteAdHocSubProcess, ad_hoc_completed)
