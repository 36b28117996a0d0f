"""Rules at run time: deployed decision models, hook points and the decisions taken there."""

from kontor.rules.deployment.events import DecisionTaken, HookBound, HookUnbound, RulesDeployed
from kontor.rules.deployment.hooks import HookPoint, HookRegistry
from kontor.rules.deployment.models import ModelCache
from kontor.rules.deployment.service import (
    Decided,
    DeployOutcome,
    HookOverview,
    RulesService,
    hook_is_bound,
    read_binding_ahead,
)
from kontor.rules.deployment.store import DecisionRecord, Deployment, HookBinding, RuleStore

__all__ = [
    "Decided",
    "DecisionRecord",
    "DecisionTaken",
    "DeployOutcome",
    "Deployment",
    "HookBinding",
    "HookBound",
    "HookOverview",
    "HookPoint",
    "HookRegistry",
    "HookUnbound",
    "ModelCache",
    "RuleStore",
    "RulesDeployed",
    "RulesService",
    "hook_is_bound",
    "read_binding_ahead",
]
