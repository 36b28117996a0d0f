"""SQL store of deployments, hook bindings and decision records, scoped to one tenant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from kontor.db.fast import FastStatement, Read
from kontor.rules.deployment.tables import (
    rule_decision_records,
    rule_deployments,
    rule_hook_bindings,
)
from kontor.rules.errors import DeploymentConflict, RuleNotFound

_SUMMARY_COLUMNS = [c for c in rule_deployments.c if c.name != "xml"]
_BINDING = FastStatement(  # asked at every hook point (a new task, a completion, ...)
    select(rule_hook_bindings).where(
        rule_hook_bindings.c.tenant_id == bindparam("b_tenant"),
        rule_hook_bindings.c.hook == bindparam("b_hook"),
    )
)


@dataclass(frozen=True)
class Deployment:
    """One deployed version of a decision model; ``xml`` is None in listings."""

    tenant_id: str
    model_key: str
    version: int
    content_hash: str
    file_name: str
    deployed_at: dt.datetime
    deployed_by: str
    warnings: list[dict[str, Any]]
    xml: str | None = None


@dataclass(frozen=True)
class HookBinding:
    """A hook point's decision: model key, decision and version (None: the latest)."""

    tenant_id: str
    hook: str
    model_key: str
    decision: str
    version: int | None
    bound_at: dt.datetime
    bound_by: str


@dataclass(frozen=True)
class DecisionRecord:
    """A decision taken through a hook: what went in, what came out, and why."""

    record_id: str
    tenant_id: str
    hook: str
    model_key: str
    version: int
    decision: str
    inputs: dict[str, Any]
    output: Any
    messages: list[str]
    explanation: dict[str, Any]
    decided_at: dt.datetime
    correlation_id: str


class RuleStore:
    """Reads and writes one tenant's rule rows on the connection of a unit of work."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    @property
    def tenant_id(self) -> str:
        """The tenant whose rows this store reads and writes."""
        return self._tenant_id

    # ------------------------------------------------------------ deployments

    def add_deployment(self, deployment: Deployment) -> None:
        """Store a new deployment; a clash with a concurrent one is a ``DeploymentConflict``."""
        values = {**deployment.__dict__, "tenant_id": self._tenant_id}
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(rule_deployments).values(**values))
        except IntegrityError:
            raise DeploymentConflict(
                f"model {deployment.model_key!r} was deployed concurrently; try again",
                model_key=deployment.model_key,
            ) from None

    def find_by_content(self, model_key: str, content_hash: str) -> Deployment | None:
        """The deployment of ``model_key`` with exactly this content, if any."""
        row = self._connection.execute(
            select(*_SUMMARY_COLUMNS).where(
                self._own_deployments,
                rule_deployments.c.model_key == model_key,
                rule_deployments.c.content_hash == content_hash,
            )
        ).one_or_none()
        return _deployment(row) if row else None

    def latest_version(self, model_key: str) -> int:
        """The newest version number of ``model_key`` (0 when never deployed)."""
        newest = self._connection.execute(
            select(func.max(rule_deployments.c.version)).where(
                self._own_deployments, rule_deployments.c.model_key == model_key
            )
        ).scalar_one()
        return int(newest or 0)

    def get_deployment(self, model_key: str, version: int) -> Deployment:
        """One version with its XML; raises ``RuleNotFound`` otherwise."""
        row = self._connection.execute(
            select(rule_deployments).where(
                self._own_deployments,
                rule_deployments.c.model_key == model_key,
                rule_deployments.c.version == version,
            )
        ).one_or_none()
        if row is None:
            raise RuleNotFound(
                f"model {model_key!r} has no version {version}",
                model_key=model_key,
                version=version,
            )
        return _deployment(row)

    def list_deployments(self, model_key: str | None = None) -> list[Deployment]:
        """Deployments (without XML) by model key and version."""
        query = select(*_SUMMARY_COLUMNS).where(self._own_deployments)
        if model_key is not None:
            query = query.where(rule_deployments.c.model_key == model_key)
        rows = self._connection.execute(
            query.order_by(rule_deployments.c.model_key, rule_deployments.c.version)
        )
        return [_deployment(row) for row in rows]

    @property
    def _own_deployments(self) -> Any:
        return rule_deployments.c.tenant_id == self._tenant_id

    # ------------------------------------------------------------ hook bindings

    def put_binding(self, binding: HookBinding) -> None:
        """Bind a hook point, replacing its previous binding."""
        self.delete_binding(binding.hook)
        values = {**binding.__dict__, "tenant_id": self._tenant_id}
        self._connection.execute(insert(rule_hook_bindings).values(**values))

    def delete_binding(self, hook: str) -> bool:
        """Remove a hook point's binding; tells whether there was one."""
        result = self._connection.execute(
            delete(rule_hook_bindings).where(
                rule_hook_bindings.c.tenant_id == self._tenant_id,
                rule_hook_bindings.c.hook == hook,
            )
        )
        return result.rowcount > 0

    def find_binding(self, hook: str) -> HookBinding | None:
        """The binding of ``hook``, if any."""
        row = _BINDING.first_row(self._connection, self.binding_read(hook)[1])
        return HookBinding(**row._asdict()) if row else None

    def binding_read(self, hook: str) -> Read:
        """The statement reading ``hook``'s binding, with its parameters (for reads ahead)."""
        return _BINDING, {"b_tenant": self._tenant_id, "b_hook": hook}

    def list_bindings(self) -> list[HookBinding]:
        """Every binding, by hook name."""
        rows = self._connection.execute(
            select(rule_hook_bindings)
            .where(rule_hook_bindings.c.tenant_id == self._tenant_id)
            .order_by(rule_hook_bindings.c.hook)
        )
        return [HookBinding(**row._asdict()) for row in rows]

    # ------------------------------------------------------------ decision records

    def add_record(self, record: DecisionRecord) -> None:
        """Append a decision record."""
        values = {**record.__dict__, "tenant_id": self._tenant_id}
        self._connection.execute(insert(rule_decision_records).values(**values))

    def list_records(self, hook: str | None = None, limit: int = 100) -> list[DecisionRecord]:
        """The newest decision records first, optionally of one hook point."""
        query = select(rule_decision_records).where(
            rule_decision_records.c.tenant_id == self._tenant_id
        )
        if hook is not None:
            query = query.where(rule_decision_records.c.hook == hook)
        rows = self._connection.execute(
            query.order_by(
                rule_decision_records.c.decided_at.desc(), rule_decision_records.c.record_id
            ).limit(limit)
        )
        return [DecisionRecord(**row._asdict()) for row in rows]


def _deployment(row: Row[Any]) -> Deployment:
    return Deployment(**row._asdict())
