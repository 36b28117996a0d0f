"""What a hook point may be bound to: each deployed decision, at its newest or a pinned version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from kontor.json_input import loads_bounded
from kontor.rules.deployment import Deployment
from kontor.rules.deployment.models import parse_model
from kontor.rules.dmn.model import Decision, Definitions


@dataclass(frozen=True)
class Choice:
    """One decision to bind: of model ``model_key``, pinned to ``version`` (None: the newest)."""

    model_key: str
    decision: str
    version: int | None

    @property
    def value(self) -> str:
        """The choice as a form value."""
        return json.dumps([self.model_key, self.decision, self.version])


def decisions_of(model: Definitions) -> list[Decision]:
    """The decisions of a model, in the order of their names."""
    found = [element for element in model.elements.values() if isinstance(element, Decision)]
    return sorted(found, key=lambda decision: decision.name or decision.id or "")


def binding_choices(deployments: Sequence[Deployment]) -> list[Choice]:
    """For each model: its newest version's decisions unpinned, then every version pinned."""
    newest: dict[str, int] = {}
    for deployment in deployments:
        newest[deployment.model_key] = max(newest.get(deployment.model_key, 0), deployment.version)
    choices: list[Choice] = []
    for deployment in sorted(deployments, key=lambda d: (d.model_key, -d.version)):
        names = [d.name or d.id or "" for d in decisions_of(_model(deployment))]
        if deployment.version == newest[deployment.model_key]:
            choices += [Choice(deployment.model_key, name, None) for name in names]
        choices += [Choice(deployment.model_key, name, deployment.version) for name in names]
    return choices


def chosen(value: str) -> Choice | None:
    """The choice a form sent, or None when it is not one."""
    try:
        key, decision, version = loads_bounded(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(key, str) or not isinstance(decision, str):
        return None
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return None
    return Choice(key, decision, version)


def _model(deployment: Deployment) -> Definitions:
    return parse_model((deployment.xml or "").encode("utf-8"), deployment.file_name)
