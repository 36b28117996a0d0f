"""The durable runner: drives a scenario through the process service on a real database.

The model is deployed with ``DeployProcess`` and started with ``StartProcess`` (or with the
message, signal, timer or condition evaluation its start event waits for). Steps become bus commands
(``CompleteUserTask``, ``CorrelateMessage``, ``BroadcastSignal``) and job executor rounds: due
timers and async continuations run as the engine runs them, service work runs in scripted
in-process task handlers, and the fake clock jumps to the timer a step fires. The trace is the
stored history.
"""

from collections import Counter
from datetime import timedelta
from itertools import pairwise

from sqlalchemy import select

from conformance.bpmn.pure_run import (
    PythonLiteralEvaluator,
    check_or_advance,
    first_open,
    refusal,
)
from conformance.bpmn.pure_run import open_elements as open_in
from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.platform import Principal
from kontor.process import (
    ActivateAdHocActivity,
    BpmnError,
    BroadcastSignal,
    CompleteAdHocSubProcess,
    CompleteUserTask,
    CorrelateMessage,
    DeployProcess,
    EvaluateConditions,
    SetVariables,
    StartProcess,
    TaskHandlers,
)
from kontor.process.bpmn import EventDefinition, EventKind, NodeKind, parse_bpmn_file
from kontor.process.errors import InvalidProcessCommand
from kontor.process.runtime import complete_job, fail_job, throw_bpmn_error
from kontor.process.runtime.activities import ASYNC_JOB_TYPE
from kontor.process.runtime.timers import parse_date
from kontor.process.store import HistoryStore, InstanceStore
from kontor.process.store.tables import process_instances
from kontor.settings import Settings

TENANT = "conformance"


class ScriptedHandlers(TaskHandlers):
    """Task handlers handing out the outcomes a scenario queued, one per job, beside the
    engine's own registered handlers (decisions)."""

    def __init__(self):
        super().__init__()
        self._queued = {}

    def queue(self, task_type, handler):
        """Let the next job of ``task_type`` run ``handler``."""
        self._queued.setdefault(task_type, []).append(handler)

    def pending(self, task_type):
        """Whether an outcome for ``task_type`` is still waiting for its job."""
        return bool(self._queued.get(task_type))

    def discard(self, task_type):
        """Withdraw outcomes no job took."""
        self._queued.pop(task_type, None)

    def types(self):
        """Registered task types (the engine's own) and those with a queued outcome."""
        queued = {task_type for task_type, outcomes in self._queued.items() if outcomes}
        return super().types() | queued

    def find(self, task_type):
        """The next queued outcome for ``task_type``, else its registered handler."""
        queued = self._queued.get(task_type or "")
        return queued.pop(0) if queued else super().find(task_type)


class DurableScenario:
    """One scenario on a wired Kontor: bus commands, job executor rounds, stored history."""

    def __init__(self, engine, model, spec, scenario, definitions):
        self.definitions = definitions
        self.process_id = scenario.get("process") or next(iter(definitions.processes))
        self.clock = FakeClock()
        self.handlers = ScriptedHandlers()
        self.kontor = bootstrap(
            Settings(), clock=self.clock, engine=engine, task_handlers=self.handlers
        )
        self.bus = self.kontor.bus
        self.executor = self.kontor.process_jobs
        if scenario.get("evaluator") != "feel":
            self.executor.services.evaluator = PythonLiteralEvaluator()
        self.evaluator = self.executor.services.evaluator
        self.bus.handle(
            DeployProcess(tenant_id=TENANT, bpmn_xml=model.read_text(), source_name=model.name)
        )
        for decision_file in spec.get("decisions", []):
            self._deploy_decision(model.with_name(decision_file))
        self._start(
            scenario.get("start_event"), scenario.get("start_by"), scenario.get("variables", {})
        )

    def _deploy_decision(self, path):
        deployer = Principal("conformance", TENANT, permissions=frozenset({"rules:deploy"}))
        with self.bus.unit_of_work() as uow:
            self.kontor.rules.deploy(uow, deployer, path.read_bytes(), path.name)
            uow.commit()

    def _start(self, start_event, start_by, variables):
        kind = EventKind.NONE
        if start_event is not None:
            node = self.definitions.process(self.process_id).node(start_event)
            if node.kind is NodeKind.RECEIVE_TASK:  # an instantiating one: its message starts
                event = EventDefinition(EventKind.MESSAGE, node.message_ref)
                kind = event.kind
            elif node.parallel_multiple:  # each of its messages and signals must come
                *first, last = node.event_definitions
                for event in first:
                    self._trigger(event.kind, event, start_event, variables)
                    assert not self._instance_ids(self.process_id), "started before all came"
                kind, event = last.kind, last
            else:
                kind = EventKind(start_by) if start_by else node.event_kind
                event = next(e for e in node.event_definitions if e.kind is kind)
        self._trigger(kind, event if start_event is not None else None, start_event, variables)
        started = self._instance_ids(self.process_id)
        assert len(started) == 1, f"expected one instance of {self.process_id}, got {started}"
        self.instance_id = started[0]

    def _trigger(self, kind, event, start_event, variables):
        if kind is EventKind.MESSAGE:
            message = self.definitions.messages[event.message_ref]
            self.bus.handle(
                CorrelateMessage(tenant_id=TENANT, name=message.name, variables=variables)
            )
        elif kind is EventKind.SIGNAL:
            signal = self.definitions.signals[event.signal_ref]
            name = signal.name or signal.id
            self.bus.handle(BroadcastSignal(tenant_id=TENANT, name=name, variables=variables))
        elif kind is EventKind.CONDITIONAL:
            self.bus.handle(EvaluateConditions(tenant_id=TENANT, variables=variables))
        elif kind is EventKind.TIMER:
            due = self.executor.next_due_at()
            assert due is not None, f"deploying scheduled no timer for start event {start_event}"
            self.clock.advance(max(timedelta(), due - self.clock.now()))
            self.executor.run_due()
        else:
            self.bus.handle(
                StartProcess(tenant_id=TENANT, process_key=self.process_id, variables=variables)
            )

    # -- reading ----------------------------------------------------------------------------

    def _instance_ids(self, process_key=None):
        table = process_instances
        query = select(table.c.instance_id).where(table.c.tenant_id == TENANT)
        if process_key is not None:
            query = query.where(table.c.process_key == process_key)
        with self.bus.unit_of_work() as uow:
            rows = uow.connection.execute(query.order_by(table.c.started_at)).all()
        return [row.instance_id for row in rows]

    def _record(self, instance_id):
        with self.bus.unit_of_work() as uow:
            return InstanceStore(uow.connection, TENANT).get(instance_id)

    @property
    def state(self):
        """The stored state of the scenario's instance."""
        return self._record(self.instance_id).state

    def open_elements(self):
        """Element ids of open user tasks, jobs, timers and subscriptions, sorted."""
        return open_in(self.state)

    @property
    def trace(self):
        """Completed elements from the stored history (in start order)."""
        return self._history(self.instance_id)

    def _history(self, instance_id):
        with self.bus.unit_of_work() as uow:
            rows = HistoryStore(uow.connection, TENANT).activity_history(instance_id)
        return [row.element_id for row in rows if row.outcome == "completed"]

    @property
    def called(self):
        """Completed elements of the other (called) instances, by process."""
        traces = {}
        for instance_id in self._instance_ids():
            if instance_id != self.instance_id:
                process_key = self._record(instance_id).process_key
                traces[process_key] = traces.get(process_key, []) + self._history(instance_id)
        return traces

    def completed(self):
        """How often each element completed so far."""
        return Counter(self.trace)

    def _holder(self, table, element_id):
        """The stored instance (this one first, then called ones) with an open row there."""
        others = [i for i in self._instance_ids() if i != self.instance_id]
        for instance_id in [self.instance_id, *others]:
            record = self._record(instance_id)
            if any(r.element_id == element_id for r in getattr(record.state, table).values()):
                return record
        return self._record(self.instance_id)

    # -- steps ------------------------------------------------------------------------------

    def step(self, step):
        """Apply one scenario step through the service layer."""
        variables = step.get("variables", {})
        if "complete_user_task" in step:
            record = self._holder("user_tasks", step["complete_user_task"])
            task = first_open(record.state, "user_tasks", step["complete_user_task"])
            self.bus.handle(
                CompleteUserTask(
                    tenant_id=TENANT, instance_id=record.instance_id, task_id=task.id,
                    variables=variables,
                )
            )  # fmt: skip
        elif "complete_job" in step:
            self._job(step["complete_job"], _completing(variables), _complete(variables))
        elif "fail_job" in step:
            retries, message = step["retries"], step["message"]
            self._job(step["fail_job"], _failing(message), _fail(retries, message), retries)
        elif "throw_error" in step:
            code = step["code"]
            self._job(step["throw_error"], _throwing(code, variables), _throw(code, variables))
        elif "decide" in step:
            self.executor.run_due()
            still = [j for j in self.state.jobs.values() if j.element_id == step["decide"]]
            assert not still, f"no decision was evaluated for {step['decide']}"
        elif "fire_timer" in step:
            record = self._holder("timers", step["fire_timer"])
            timer = first_open(record.state, "timers", step["fire_timer"])
            self.clock.advance(max(timedelta(), parse_date(timer.due) - self.clock.now()))
            self.executor.run_due()
        elif "message" in step:
            self.bus.handle(
                CorrelateMessage(
                    tenant_id=TENANT, name=step["message"], correlation_key=step.get("key"),
                    variables=variables,
                )
            )  # fmt: skip
        elif "signal" in step:
            self.bus.handle(
                BroadcastSignal(tenant_id=TENANT, name=step["signal"], variables=variables)
            )
        elif "set_variables" in step:
            self.bus.handle(
                SetVariables(
                    tenant_id=TENANT, instance_id=self.instance_id,
                    variables=step["set_variables"],
                )
            )  # fmt: skip
        elif "activate_ad_hoc" in step:
            with refusal(step, InvalidProcessCommand):
                self.bus.handle(
                    ActivateAdHocActivity(
                        tenant_id=TENANT, instance_id=self.instance_id,
                        element_id=step["activate_ad_hoc"],
                    )
                )  # fmt: skip
        elif "complete_ad_hoc" in step:
            with refusal(step, InvalidProcessCommand):
                self.bus.handle(
                    CompleteAdHocSubProcess(
                        tenant_id=TENANT, instance_id=self.instance_id,
                        element_id=step["complete_ad_hoc"],
                    )
                )  # fmt: skip
        else:
            check_or_advance(self, step)

    def _job(self, element_id, handler, runtime_step, retries=None):
        """Run a job through the executor when it alone can take the outcome, else directly.

        The executor claims jobs by type; with two open jobs of one type (parallel
        multi-instance) it could hand the outcome to the wrong one, and it always lowers the
        retries by one, so those steps apply the runtime command to the very job instead.
        """
        record = self._holder("jobs", element_id)
        job = first_open(record.state, "jobs", element_id)
        if job.type == ASYNC_JOB_TYPE:
            self.executor.run_due()
            assert job.id not in self._record(record.instance_id).state.jobs, element_id
            return
        same_type = [
            j
            for instance_id in self._instance_ids()
            for j in self._record(instance_id).state.jobs.values()
            if j.type == job.type
        ]
        if len(same_type) == 1 and retries in (None, job.retries - 1):
            self.handlers.queue(job.type, handler)
            self.executor.run_due()
            if not self.handlers.pending(job.type):
                return
            self.handlers.discard(job.type)  # not due yet (a retry delay): apply it directly
        services = self.executor.services
        with self.bus.unit_of_work() as uow:
            stored = InstanceStore(uow.connection, TENANT).get(record.instance_id)
            services.apply(uow, stored, runtime_step(job.id, self.clock, services.evaluator), {})
            uow.commit()


def _completing(variables):
    return lambda seen, headers: variables


def _failing(message):
    def handler(seen, headers):
        raise RuntimeError(message)

    return handler


def _throwing(code, variables):
    def handler(seen, headers):
        raise BpmnError(code, "", variables)

    return handler


def _complete(variables):
    return lambda job_id, clock, evaluator: (
        lambda d, s: complete_job(d, s, job_id, variables, clock, evaluator=evaluator)
    )


def _fail(retries, message):
    return lambda job_id, clock, evaluator: (
        lambda d, s: fail_job(d, s, job_id, retries, message, clock, evaluator=evaluator)
    )


def _throw(code, variables):
    return lambda job_id, clock, evaluator: (
        lambda d, s: throw_bpmn_error(
            d, s, job_id, code, clock, evaluator=evaluator, variables=variables
        )
    )


def run_durable(engine, model, spec, scenario):
    """Run a scenario through the service layer; return it and its completions per step."""
    run = DurableScenario(engine, model, spec, scenario, parse_bpmn_file(model))
    seen = [run.completed()]
    for step in scenario.get("steps", []):
        run.step(step)
        seen.append(run.completed())
    steps = [sorted((after - before).elements()) for before, after in pairwise([Counter(), *seen])]
    return run, steps
