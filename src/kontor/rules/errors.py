"""Errors of the rules component, each with a stable code the API reports."""

from __future__ import annotations

from kontor.errors import Conflict, InvalidInput, KontorError, NotFound


class RulesError(KontorError):
    """Base of every rules error."""

    code = "rules.error"


class InvalidRuleModel(RulesError, InvalidInput):
    """A DMN model that cannot be imported; ``details`` name file, line and element."""

    code = "rules.invalid_model"


class InvalidScenario(RulesError, InvalidInput):
    """A test scenario file that cannot be read; ``details`` name the scenario and field."""

    code = "rules.invalid_scenario"


class UnknownHookPoint(RulesError, InvalidInput):
    """A hook name no application declared."""

    code = "rules.unknown_hook"


class UnknownDecision(RulesError, InvalidInput):
    """A decision name that the deployed model does not contain."""

    code = "rules.unknown_decision"


class RuleNotFound(RulesError, NotFound):
    """A deployment, binding or record that does not exist for the caller's tenant."""

    code = "rules.not_found"


class HookNotBound(RulesError, NotFound):
    """A hook point without a decision bound to it in the caller's tenant."""

    code = "rules.hook_not_bound"


class DeploymentConflict(RulesError, Conflict):
    """A deployment that raced with another one for the same version number."""

    code = "rules.deployment_conflict"


class EvaluationLimitExceeded(RulesError, InvalidInput):
    """An evaluation asked over the API went beyond a budget (``limit`` names the setting)."""

    code = "rules.evaluation_limit"
