"""The token engine: moves tokens until every path rests in a wait state.

One ``Execution`` lives for one command. It mutates a private copy of the instance state and
collects effects; behaviour per element kind lives in ``activities``, ``gateways`` and
``events``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from kontor.process.bpmn.expressions import JUEL, Expression, StaticOrExpression
from kontor.process.bpmn.model import Definitions, EventKind, FlowNode, NodeKind, Process
from kontor.process.juel import execution_instance
from kontor.process.runtime import (
    activities,
    ad_hoc,
    compensation,
    conditions,
    events,
    gateways,
    multiple_events,
    token_quantities,
)
from kontor.process.runtime.budget import current_budget
from kontor.process.runtime.effects import (
    ActivityCompleted,
    ActivityStarted,
    ActivityTerminated,
    CallActivityCancelled,
    Effect,
    IncidentRaised,
    InstanceCompleted,
    JobCancelled,
    SubscriptionClosed,
    TimerCancelled,
    UserTaskCancelled,
)
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.ports import ExpressionEvaluator
from kontor.process.runtime.state import (
    Incident,
    InstanceState,
    InstanceStatus,
    Scope,
    ScopeKind,
    Token,
    Wait,
)
from kontor.process.runtime.token_table import TokenTable


class Execution:
    """Runs tokens of one instance for one command and records effects."""

    def __init__(
        self,
        definitions: Definitions,
        state: InstanceState,
        evaluator: ExpressionEvaluator,
        now: datetime,
    ) -> None:
        self.definitions = definitions
        self.process: Process = definitions.process(state.process_id)
        if not isinstance(state.tokens, TokenTable):
            state.tokens = TokenTable(state.tokens)
        self.state = state
        self.evaluator = evaluator
        self.now = now
        self._stamp = now.isoformat()
        self.effects: list[Effect] = []
        self._agenda: deque[str] = deque()
        self.budget = current_budget()
        self._watching = self.process.has_conditional_events
        self._fresh_conditions: list[str] = []
        self._variable_changes: list[conditions.VariableChange] = []

    # -- time, variables, expressions ------------------------------------------------------

    def stamp(self) -> str:
        """Current time as stored in state and effects."""
        return self._stamp

    def scope_chain(self, scope_id: str) -> list[Scope]:
        """The scope and its ancestors, innermost first."""
        chain: list[Scope] = []
        current: str | None = scope_id
        while current is not None:
            scope = self.state.scopes[current]
            chain.append(scope)
            current = scope.parent_id
        return chain

    def visible(self, token: Token, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Variables a token sees: outer scopes, overridden by inner ones, then locals."""
        merged: dict[str, Any] = {}
        for scope in reversed(self.scope_chain(token.scope_id)):
            merged.update(scope.variables)
        merged.update(token.locals)
        if extra:
            merged.update(extra)
        return merged

    def set_variable(self, scope_id: str, name: str, value: Any) -> None:
        """Set where the variable already exists, else on the process scope (propagation)."""
        chain = self.scope_chain(scope_id)
        target = next((scope for scope in chain if name in scope.variables), None)
        if self._watching:
            kind = conditions.CREATE if target is None else conditions.UPDATE
            where = (target or chain[-1]).id
            self._variable_changes.append(conditions.VariableChange(where, name, kind))
        (target or chain[-1]).variables[name] = value

    def set_local_variables(self, scope_id: str, variables: Mapping[str, Any]) -> None:
        """Set variables on the scope itself (no propagation), e.g. through the API."""
        scope = self.state.scopes[scope_id]
        for name, value in variables.items():
            if self._watching:
                kind = conditions.UPDATE if name in scope.variables else conditions.CREATE
                self._variable_changes.append(conditions.VariableChange(scope_id, name, kind))
            scope.variables[name] = value

    def remove_local_variables(self, scope_id: str, names: Collection[str]) -> None:
        """Delete variables of the scope itself; names it does not hold are ignored."""
        scope = self.state.scopes[scope_id]
        for name in names:
            if name in scope.variables:
                del scope.variables[name]
                if self._watching:
                    change = conditions.VariableChange(scope_id, name, conditions.DELETE)
                    self._variable_changes.append(change)

    def merge_into(self, token: Token, variables: Mapping[str, Any]) -> None:
        """Apply result variables of a token's activity (locals first, then propagation)."""
        for name, value in variables.items():
            if name in token.locals:
                token.locals[name] = value
                if self._watching:
                    change = conditions.VariableChange(
                        token.scope_id, name, conditions.UPDATE, token.id
                    )
                    self._variable_changes.append(change)
            else:
                self.set_variable(token.scope_id, name, value)

    def check_condition(self, subscription_id: str) -> None:
        """Evaluate a condition subscription's condition before the next step."""
        self._fresh_conditions.append(subscription_id)

    def _settle_conditions(self) -> bool:
        """Evaluate the conditions that opened or whose variables changed; whether any were."""
        if not (self._fresh_conditions or self._variable_changes):
            return False
        fresh, self._fresh_conditions = self._fresh_conditions, []
        changes, self._variable_changes = self._variable_changes, []
        if not self.state.suspended:  # a suspended instance does not react until resumed
            conditions.settle(self, fresh, changes)
        return True

    def evaluate(
        self, token: Token, value: StaticOrExpression, extra: Mapping[str, Any] | None = None
    ) -> Any:
        """Evaluate an expression for ``token``; static text is returned as is."""
        if not isinstance(value, Expression):
            return value
        try:
            if value.language != JUEL:
                return self.evaluator.evaluate(value, self.visible(token, extra))
            with execution_instance(self.state.instance_id):  # execution.getProcessInstanceId()
                return self.evaluator.evaluate(value, self.visible(token, extra))
        except Stuck:
            raise
        except Exception as exc:
            # Any evaluator failure stops this token only; the instance stays consistent.
            raise Stuck(f"expression '{value.text}' failed: {exc}") from exc

    # -- tokens ------------------------------------------------------------------------------

    def new_token(self, scope_id: str, element_id: str, **fields: Any) -> Token:
        """Create a token (not yet scheduled)."""
        token = Token(id=self.state.new_id("token"), scope_id=scope_id, element_id=element_id)
        for name, value in fields.items():
            setattr(token, name, value)
        self.state.tokens[token.id] = token
        return token

    def schedule(self, token: Token) -> None:
        """Let ``token`` enter its current element on the next step."""
        self._agenda.append(token.id)

    def node_of(self, token: Token) -> FlowNode:
        """The flow node a token is at."""
        return self.process.node(token.element_id)

    def run(self) -> None:
        """Process the agenda until every token waits or is gone.

        Raises ``StepInterrupted`` when the step's budget runs out or the step is stopped.
        """
        enter = self._enter if self.budget.parking_reason is None else self._park
        while True:
            while self._agenda:
                if self._watching and self._settle_conditions():
                    continue  # a condition may have moved or removed the next token
                token = self.state.tokens.get(self._agenda.popleft())
                if token is not None:
                    enter(token)
            if self._watching and self._settle_conditions():
                continue
            if not gateways.activate_ready_joins(self):
                return

    def _enter(self, token: Token) -> None:
        node = self.node_of(token)
        budget = self.budget
        budget.entered += 1
        if budget.entered >= budget.next_check:
            budget.check(token.id, node.id, self.process)
        self.effects.append(ActivityStarted(node.id, node.kind.value, token.id, self.stamp()))
        try:
            if node.kind.is_gateway:
                gateways.enter(self, token, node)
            elif node.kind.is_event:
                events.enter(self, token, node)
            elif node.start_quantity == 1 or token_quantities.gathered(self, token, node):
                activities.enter(self, token, node)
        except Stuck as stuck:
            self.raise_incident(token, stuck.reason, stuck.job_id, stuck.error_code)

    def _park(self, token: Token) -> None:
        # A step that ran out of budget runs again up to here: the token stays before the
        # element it would have entered, in an incident a person can act on.
        reason = self.budget.parking_reason
        assert reason is not None
        self.raise_incident(token, reason)

    def take_flows(self, token: Token, flow_ids: list[str] | tuple[str, ...]) -> None:
        """Move ``token`` along the first flow and fresh tokens along the others."""
        if not flow_ids:
            self.consume(token)
            return
        leaving = self.process.node(token.element_id)
        if leaving.completion_quantity > 1:
            flow_ids = token_quantities.repeated(leaving, flow_ids)
        for index, flow_id in enumerate(flow_ids):
            target = self.process.flow(flow_id).target
            moving = token if index == 0 else self.new_token(token.scope_id, target)
            moving.element_id = target
            moving.arrived_via = flow_id
            moving.wait = None
            moving.locals = {}
            moving.loop_counter = None
            self.schedule(moving)

    def complete_node(self, token: Token, node: FlowNode) -> None:
        """Record completion of a node and follow all its outgoing flows."""
        self.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, self.stamp()))
        self.take_flows(token, self._selected_flows(token, node))

    def _selected_flows(self, token: Token, node: FlowNode) -> tuple[str, ...]:
        # Conditional flows out of an activity (Camunda 7): every flow whose condition holds
        # and every unconditional one; the default flow only when no other was selected.
        if not node.kind.is_activity:
            return node.outgoing
        flows = [self.process.flow(flow_id) for flow_id in node.outgoing]
        if all(flow.condition is None for flow in flows) and node.default_flow is None:
            return node.outgoing
        selected = tuple(
            flow.id
            for flow in flows
            if flow.id != node.default_flow
            and (flow.condition is None or self.evaluate(token, flow.condition) is True)
        )
        if selected or node.default_flow is None:
            if not selected:
                raise Stuck(f"no outgoing flow of '{node.id}' has a condition that holds")
            return selected
        return (node.default_flow,)

    def tokens_in_scope(self, scope_id: str) -> list[Token]:
        """The tokens directly in a scope (proportional to the scope, not the instance)."""
        return self._token_table().in_scope(scope_id)

    def count_tokens_in(self, scope_id: str) -> int:
        """How many tokens are directly in a scope."""
        return self._token_table().count_in(scope_id)

    def _token_table(self) -> TokenTable:
        tokens = self.state.tokens
        if not isinstance(tokens, TokenTable):  # replaced wholesale by a command
            tokens = self.state.tokens = TokenTable(tokens)
        return tokens

    def consume(self, token: Token) -> None:
        """Remove a token that reached its end; completes its scope if it was the last."""
        if self.state.compensation_runs and compensation.handler_done(self, token):
            return
        self.state.tokens.pop(token.id, None)
        self.check_scope_done(token.scope_id)

    def raise_incident(
        self, token: Token, reason: str, job_id: str | None = None, error_code: str | None = None
    ) -> None:
        """Park ``token`` in an incident (``error_code``: an uncaught BPMN error caused it)."""
        incident = Incident(
            id=self.state.new_id("incident"),
            token_id=token.id,
            element_id=token.element_id,
            reason=reason,
            job_id=job_id,
        )
        self.state.incidents[incident.id] = incident
        token.wait = Wait.INCIDENT
        self.effects.append(IncidentRaised(incident.id, token.element_id, reason, error_code))

    # -- cancellation ------------------------------------------------------------------------

    def cancel_waits(self, token_id: str) -> None:
        """Withdraw user tasks, jobs, timers and subscriptions held by a token."""
        state = self.state
        token = state.tokens.get(token_id)
        if token is not None and token.wait is Wait.CALL_ACTIVITY:
            token.wait = None
            self.effects.append(CallActivityCancelled(token.id, token.element_id))
        for task in [t for t in state.user_tasks.values() if t.token_id == token_id]:
            del state.user_tasks[task.id]
            self.effects.append(UserTaskCancelled(task.id, task.element_id))
        for job in [j for j in state.jobs.values() if j.token_id == token_id]:
            del state.jobs[job.id]
            self.effects.append(JobCancelled(job.id, job.element_id))
        for timer in [t for t in state.timers.values() if t.token_id == token_id]:
            del state.timers[timer.id]
            self.effects.append(TimerCancelled(timer.id, timer.element_id))
        for sub in [s for s in state.subscriptions.values() if s.token_id == token_id]:
            del state.subscriptions[sub.id]
            self.effects.append(SubscriptionClosed(sub.id, sub.element_id))
        for incident in [i for i in state.incidents.values() if i.token_id == token_id]:
            del state.incidents[incident.id]
        if state.event_arrivals:
            multiple_events.forget_arrivals(self, token_id=token_id)

    def cancel_scope_waits(self, scope_id: str) -> None:
        """Withdraw timers and subscriptions owned by a scope (event sub-process triggers)."""
        state = self.state
        for timer in [t for t in state.timers.values() if t.scope_id == scope_id]:
            del state.timers[timer.id]
            self.effects.append(TimerCancelled(timer.id, timer.element_id))
        for sub in [s for s in state.subscriptions.values() if s.scope_id == scope_id]:
            del state.subscriptions[sub.id]
            self.effects.append(SubscriptionClosed(sub.id, sub.element_id))
            for incident in [i for i in state.incidents.values() if i.subscription_id == sub.id]:
                del state.incidents[incident.id]  # a failed condition of a closed trigger
        if state.event_arrivals:
            multiple_events.forget_arrivals(self, scope_id=scope_id)

    def terminate_token(self, token: Token) -> None:
        """Cancel a token and everything below it, without completing its scope."""
        if token.child_scope_id is not None:
            self.terminate_scope(token.child_scope_id)
        self.cancel_waits(token.id)
        node = self.node_of(token)
        self.effects.append(ActivityTerminated(node.id, node.kind.value, token.id, self.stamp()))
        self.state.tokens.pop(token.id, None)

    def terminate_scope_content(self, scope_id: str) -> None:
        """Cancel all tokens and nested scopes of a scope but keep the scope itself."""
        if self.state.compensation_runs:
            compensation.drop_runs(self, scope_id)  # handlers are cancelled with the rest
        for token in self.tokens_in_scope(scope_id):
            if token.id in self.state.tokens:
                self.terminate_token(token)
        for child in [s for s in self.state.scopes.values() if s.parent_id == scope_id]:
            if child.id in self.state.scopes:
                self.terminate_scope(child.id)

    def terminate_scope(self, scope_id: str) -> None:
        """Cancel a scope with all its tokens, nested scopes and triggers."""
        self.terminate_scope_content(scope_id)
        self.cancel_scope_waits(scope_id)
        if self.state.compensables or self.state.compensation_runs:
            compensation.discard_scope(self, scope_id)  # cancelled work is not compensated
        scope = self.state.scopes.pop(scope_id, None)
        if scope is not None and scope.kind is ScopeKind.EVENT_SUB_PROCESS:
            node = self.process.node(scope.element_id)
            self.effects.append(ActivityTerminated(node.id, node.kind.value, "", self.stamp()))

    # -- scope completion ----------------------------------------------------------------------

    def check_scope_done(self, scope_id: str, terminated: bool = False) -> None:
        """Complete a scope that has nothing left to do."""
        scope = self.state.scopes.get(scope_id)
        if scope is None or scope.kind is ScopeKind.MULTI_INSTANCE_BODY:
            return
        if self.count_tokens_in(scope_id):
            return
        if ad_hoc.keeps_open(self, scope):
            return  # waits for activations or its completion
        if self.state.compensation_runs and compensation.scope_done(self, scope):
            return
        if any(s.parent_id == scope_id for s in self.state.scopes.values()):
            # Only event sub-processes still run: the scope's own flow is over, so no new
            # event sub-process may start; the scope completes when the running ones end.
            self.cancel_scope_waits(scope_id)
            return
        self.cancel_scope_waits(scope_id)
        del self.state.scopes[scope_id]
        if scope.kind is ScopeKind.PROCESS:
            # The root scope's variables stay readable after the end (history, call results).
            self.state.scopes[scope_id] = scope
            self.state.compensables.clear()  # nothing is compensated after the end
            self.state.status = (
                InstanceStatus.TERMINATED if terminated else InstanceStatus.COMPLETED
            )
            self.effects.append(
                InstanceCompleted(self.process.id, dict(scope.variables), terminated)
            )
        elif scope.kind is ScopeKind.SUB_PROCESS and scope.parent_token_id is not None:
            parent = self.state.tokens[scope.parent_token_id]
            parent.child_scope_id = None
            parent.wait = None
            activities.complete_activity(self, parent, {}, context=scope.variables, inner=scope)
        elif scope.kind is ScopeKind.EVENT_SUB_PROCESS:
            if self.state.compensables:
                compensation.discard_scope(self, scope_id)
            node = self.process.node(scope.element_id)
            self.effects.append(ActivityCompleted(node.id, node.kind.value, "", self.stamp()))
            if scope.parent_id is not None:
                self.check_scope_done(scope.parent_id)

    def open_scope(
        self,
        kind: ScopeKind,
        element_id: str,
        parent: Token | None,
        variables: dict[str, Any],
        parent_scope_id: str | None = None,
    ) -> Scope:
        """Create a scope below ``parent``'s scope (or below ``parent_scope_id``)."""
        for name, initial in self.process.data_objects.get(element_id, ()):
            variables.setdefault(name, initial)  # a declared data object lives with its scope
        scope = Scope(
            id=self.state.new_id("scope"),
            kind=kind,
            element_id=element_id,
            parent_id=parent.scope_id if parent is not None else parent_scope_id,
            parent_token_id=parent.id if parent is not None else None,
            variables=variables,
        )
        self.state.scopes[scope.id] = scope
        if parent is not None:
            parent.child_scope_id = scope.id
            parent.wait = Wait.SCOPE
        if kind in (ScopeKind.PROCESS, ScopeKind.SUB_PROCESS, ScopeKind.EVENT_SUB_PROCESS):
            events.open_event_sub_process_triggers(self, scope)
        return scope

    def start_in_scope(self, scope: Scope, container_id: str) -> None:
        """Put a token on the none start event of ``container_id`` inside ``scope``."""
        starts = [
            n for n in self.process.start_events(container_id) if n.event_kind is EventKind.NONE
        ]
        if not starts:
            raise Stuck(f"'{container_id}' has no start event")
        self.schedule(self.new_token(scope.id, starts[0].id))

    def is_inner_instance(self, token: Token) -> bool:
        """Whether the token is one instance inside a multi-instance body."""
        node = self.node_of(token)
        return node.multi_instance is not None and token.loop_counter is not None

    def kind_of(self, element_id: str) -> NodeKind:
        """Kind of a flow node by id."""
        return self.process.node(element_id).kind
