"""Runtime control of process instances by operators: command handlers and the migration report.

Every operation runs through ``ProcessServices.apply`` (revision check, derived rows, events)
and writes a row with its actor to the operation log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import messages as msg
from kontor.process.bpmn import Definitions, Process
from kontor.process.errors import (
    CalledInstanceNotCancellable,
    ConcurrentModification,
    InstanceNotFound,
    InvalidMigrationPlan,
    InvalidProcessCommand,
)
from kontor.process.runtime import (
    InstanceState,
    InstanceStatus,
    RuntimeCommandError,
    StepResult,
    set_variables,
)
from kontor.process.runtime.control import Modification, cancel, modify, resume, suspend
from kontor.process.runtime.migration import (
    check_instance,
    check_mapping,
    migrate,
    renamed_elements,
)
from kontor.process.store import (
    DefinitionStore,
    DeployedDefinition,
    InstanceRecord,
    InstanceStore,
    log_operation,
)
from kontor.process.store.instance_control import (
    active_children,
    active_instances_of_version,
    move_to_definition,
)

if TYPE_CHECKING:  # the service module registers these handlers, so it imports this one
    from kontor.process.service import ProcessServices, Step


ControlCommand = (
    msg.SetVariables
    | msg.SuspendInstance
    | msg.ResumeInstance
    | msg.CancelInstance
    | msg.ModifyInstance
)
"""Commands that act on one instance and are logged with their actor."""


class InstanceMigration(BaseModel):
    """How one instance fared: migrated (in a dry run: would migrate), or the problems why not."""

    model_config = ConfigDict(frozen=True)

    instance_id: str
    migrated: bool
    problems: list[str] = Field(default_factory=list)


class MigrationReport(BaseModel):
    """The outcome of a migration batch, per instance and in totals."""

    model_config = ConfigDict(frozen=True)

    process_key: str
    source_version: int
    target_version: int
    dry_run: bool
    instances: list[InstanceMigration]
    total: int
    migrated: int
    failed: int


@dataclass
class InstanceControl:
    """Handlers for suspend, resume, cancel, set variables, modify and migrate."""

    services: ProcessServices

    def set_variables(self, command: msg.SetVariables, uow: UnitOfWork) -> str:
        """Set variables of an instance's scope; return the instance id."""
        evaluator = self.services.evaluator

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return set_variables(
                definitions, state, command.variables, uow.clock,
                evaluator=evaluator, scope_id=command.scope_id, remove=command.remove,
            )  # fmt: skip

        details = {"names": sorted(command.variables), "scope_id": command.scope_id}
        if command.remove:
            details["removed"] = sorted(command.remove)
        return self._operate(uow, command, command.instance_id, step, "set_variables", details)

    def suspend(self, command: msg.SuspendInstance, uow: UnitOfWork) -> str:
        """Hold an instance (jobs and timers wait); return its id."""
        self._stop_running(command.tenant_id, command.instance_id, "suspend")
        return self._operate(uow, command, command.instance_id, _stateless(suspend), "suspend", {})

    def resume(self, command: msg.ResumeInstance, uow: UnitOfWork) -> str:
        """Let a suspended instance go on, applying the results parked meanwhile; return its id."""
        evaluator = self.services.evaluator

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return resume(definitions, state, uow.clock, evaluator=evaluator)

        return self._operate(uow, command, command.instance_id, step, "resume", {})

    def cancel(self, command: msg.CancelInstance, uow: UnitOfWork) -> str:
        """End an instance and the instances its call activities started; return its id.

        A called instance is refused (as in Camunda 8): it ends with its caller, so the
        operator cancels the root of the call chain instead.
        """
        self._stop_running(command.tenant_id, command.instance_id, "cancel")
        record = InstanceStore(uow.connection, command.tenant_id).get(command.instance_id)
        caller = self._active_caller(uow, record)
        if caller is not None:
            root = self._root_of(uow, caller)
            raise CalledInstanceNotCancellable(
                f"instance {record.instance_id} was started by call activity of instance "
                f"{caller.instance_id} and ends with it; cancel the root instance "
                f"{root.instance_id} instead",
                instance_id=record.instance_id,
                parent_instance_id=caller.instance_id,
                root_instance_id=root.instance_id,
            )
        self._cancel(uow, command, command.instance_id, {"reason": command.reason})
        return command.instance_id

    def modify(self, command: msg.ModifyInstance, uow: UnitOfWork) -> str:
        """Apply modification instructions, all or none; return the instance id."""
        instructions = [
            Modification(i.kind, i.element_id, i.activity_instance_id, i.variables)
            for i in command.instructions
        ]
        evaluator = self.services.evaluator

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return modify(definitions, state, instructions, uow.clock, evaluator=evaluator)

        details = {
            "instructions": [
                {**i.model_dump(exclude={"variables"}), "variables": sorted(i.variables)}
                for i in command.instructions
            ]
        }
        return self._operate(uow, command, command.instance_id, step, "modify", details)

    def migrate(self, command: msg.MigrateInstances, uow: UnitOfWork) -> MigrationReport:
        """Migrate instances between versions, each on its own; report every instance."""
        source, target = self._plan(command, uow)
        instance_ids = command.instance_ids
        if instance_ids is None:
            instance_ids = active_instances_of_version(
                uow.connection, command.tenant_id, command.process_key, command.source_version
            )
        results = [self._migrate_one(command, uow, i, source, target) for i in instance_ids]
        migrated = sum(1 for result in results if result.migrated)
        return MigrationReport(
            process_key=command.process_key,
            source_version=command.source_version,
            target_version=command.target_version,
            dry_run=command.dry_run,
            instances=results,
            total=len(results),
            migrated=migrated,
            failed=len(results) - migrated,
        )

    # -- helpers ---------------------------------------------------------------------------

    def _stop_running(self, tenant_id: str, instance_id: str, request: str) -> None:
        # Before the unit of work's first statement: on SQLite the running step holds the write
        # lock, which it gives up once stopped at its next element.
        self.services.running.stop(tenant_id, instance_id, request)

    def _operate(
        self,
        uow: UnitOfWork,
        command: ControlCommand,
        instance_id: str,
        step: Step,
        operation: str,
        details: dict[str, Any],
    ) -> str:
        record = InstanceStore(uow.connection, command.tenant_id).get(instance_id)
        self.services.apply(uow, record, step, command.caused())
        log_operation(
            uow.connection, command.tenant_id, instance_id, operation, command.actor, details,
            uow.clock.now(),
        )  # fmt: skip
        return instance_id

    def _cancel(
        self,
        uow: UnitOfWork,
        command: msg.CancelInstance,
        instance_id: str,
        details: dict[str, Any],
    ) -> None:
        evaluator = self.services.evaluator

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return cancel(definitions, state, uow.clock, evaluator=evaluator)

        self._operate(uow, command, instance_id, step, "cancel", details)
        for child in active_children(uow.connection, command.tenant_id, instance_id):
            self._stop_running(command.tenant_id, child, "cancel")
            self._cancel(uow, command, child, {**details, "cancelled_with": instance_id})

    def _active_caller(self, uow: UnitOfWork, record: InstanceRecord) -> InstanceRecord | None:
        """The running instance whose call activity started ``record``, if any."""
        if record.parent is None:
            return None
        try:
            caller = InstanceStore(uow.connection, record.tenant_id).get(record.parent.instance_id)
        except InstanceNotFound:
            return None  # the caller is gone (history cleaned up): nothing else ends this one
        return caller if caller.status is InstanceStatus.ACTIVE else None

    def _root_of(self, uow: UnitOfWork, record: InstanceRecord) -> InstanceRecord:
        """The topmost running instance of ``record``'s call chain."""
        seen = {record.instance_id}
        caller = self._active_caller(uow, record)
        while caller is not None and caller.instance_id not in seen:
            record = caller
            seen.add(record.instance_id)
            caller = self._active_caller(uow, record)
        return record

    def _plan(
        self, command: msg.MigrateInstances, uow: UnitOfWork
    ) -> tuple[DeployedDefinition, DeployedDefinition]:
        versions = {
            d.version: d
            for d in DefinitionStore(uow.connection, command.tenant_id).versions(
                command.process_key
            )
        }
        wanted = (command.source_version, command.target_version)
        missing = [
            f"process {command.process_key!r} has no version {v}"
            for v in wanted
            if v not in versions
        ]
        if command.source_version == command.target_version:
            missing.append("source and target version are the same")
        if missing:
            raise InvalidMigrationPlan("; ".join(missing), problems=missing)
        source, target = versions[command.source_version], versions[command.target_version]
        problems = check_mapping(
            self._process(uow, source), self._process(uow, target), command.mapping
        )
        if problems:
            raise InvalidMigrationPlan(
                f"migration of {command.process_key!r} from version {source.version} to "
                f"{target.version} has an invalid mapping: " + "; ".join(problems),
                problems=problems,
            )
        return source, target

    def _process(self, uow: UnitOfWork, definition: DeployedDefinition) -> Process:
        parsed = self.services.definitions(uow, definition.tenant_id, definition.definition_id)
        return parsed.process(definition.process_key)

    def _migrate_one(
        self,
        command: msg.MigrateInstances,
        uow: UnitOfWork,
        instance_id: str,
        source: DeployedDefinition,
        target: DeployedDefinition,
    ) -> InstanceMigration:
        try:
            record = InstanceStore(uow.connection, command.tenant_id).get(instance_id)
        except InstanceNotFound as error:
            return InstanceMigration(instance_id=instance_id, migrated=False, problems=[str(error)])
        problems = self._instance_problems(command, uow, record, source, target)
        if problems:
            return InstanceMigration(instance_id=instance_id, migrated=False, problems=problems)
        target_definitions = self.services.definitions(uow, target.tenant_id, target.definition_id)
        evaluator = self.services.evaluator

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return migrate(
                definitions, target_definitions, state, command.mapping, uow.clock,
                evaluator=evaluator,
            )  # fmt: skip

        try:
            if command.dry_run:
                step(
                    self.services.definitions(uow, source.tenant_id, source.definition_id),
                    record.state,
                )
            else:
                with uow.savepoint():
                    self._apply_migration(command, uow, record, step, target)
        except (RuntimeCommandError, InvalidProcessCommand, ConcurrentModification) as error:
            return InstanceMigration(instance_id=instance_id, migrated=False, problems=[str(error)])
        return InstanceMigration(instance_id=instance_id, migrated=True)

    def _instance_problems(
        self,
        command: msg.MigrateInstances,
        uow: UnitOfWork,
        record: InstanceRecord,
        source: DeployedDefinition,
        target: DeployedDefinition,
    ) -> list[str]:
        if record.process_key != command.process_key or record.definition_version != source.version:
            return [
                f"instance {record.instance_id} runs {record.process_key!r} version "
                f"{record.definition_version}, not {command.process_key!r} version {source.version}"
            ]
        if record.status is not InstanceStatus.ACTIVE:
            return [f"instance {record.instance_id} is {record.status.value}"]
        return check_instance(
            self._process(uow, source), self._process(uow, target), command.mapping, record.state
        )

    def _apply_migration(
        self,
        command: msg.MigrateInstances,
        uow: UnitOfWork,
        record: InstanceRecord,
        step: Step,
        target: DeployedDefinition,
    ) -> None:
        saved = self.services.apply(uow, record, step, command.caused())
        move_to_definition(
            uow.connection, command.tenant_id, record.instance_id, target.definition_id,
            target.version, renamed_elements(record.state, command.mapping),
        )  # fmt: skip
        details = {
            "source_version": record.definition_version,
            "target_version": target.version,
            "mapping": dict(command.mapping),
        }
        log_operation(
            uow.connection, command.tenant_id, record.instance_id, "migrate", command.actor,
            details, uow.clock.now(),
        )  # fmt: skip
        uow.emit(_migrated(command, uow, record, saved, target))


def _migrated(
    command: msg.MigrateInstances,
    uow: UnitOfWork,
    before: InstanceRecord,
    after: InstanceRecord,
    target: DeployedDefinition,
) -> msg.InstanceMigrated:
    """The event telling others (the task system) where the instance and its tasks went."""
    tasks = [
        msg.MigratedUserTask(
            task_id=task.id,
            source_element_id=task.element_id,
            target_element_id=after.state.user_tasks[task.id].element_id,
        )
        for task in before.state.user_tasks.values()
        if task.id in after.state.user_tasks
    ]
    return msg.InstanceMigrated(
        **command.caused(), occurred_at=uow.clock.now(), instance_id=before.instance_id,
        process_key=before.process_key, case_id=before.case_id,
        source_definition_id=before.definition_id, source_version=before.definition_version,
        target_definition_id=target.definition_id, target_version=target.version,
        user_tasks=tasks,
        user_task_elements={t.source_element_id: t.target_element_id for t in tasks},
    )  # fmt: skip


def _stateless(change: Callable[[InstanceState], StepResult]) -> Step:
    """A step that needs the state only (not the definitions)."""
    return lambda _definitions, state: change(state)


def register_control(registry: HandlerRegistry, services: ProcessServices) -> InstanceControl:
    """Register the runtime-control commands on ``registry``."""
    control = InstanceControl(services)
    registry.register_command(msg.SetVariables, control.set_variables)
    registry.register_command(msg.SuspendInstance, control.suspend)
    registry.register_command(msg.ResumeInstance, control.resume)
    registry.register_command(msg.CancelInstance, control.cancel)
    registry.register_command(msg.ModifyInstance, control.modify)
    registry.register_command(msg.MigrateInstances, control.migrate)
    return control
