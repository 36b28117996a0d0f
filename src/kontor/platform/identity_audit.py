"""Identity changes for the audit log: who did what to which user, group, session or token.

They are recorded through the unit of work, like the bus's commands, so each is written in the
transaction of the change. Only references and non-personal facts go in (user, group, session,
token and tenant ids, permission names, reasons): never login names, e-mail addresses, names,
client addresses, passwords or secrets.
"""

from __future__ import annotations

from typing import Any

from kontor.messaging import Change, UnitOfWork

CREATE_USER = "platform.create_user"
DEACTIVATE_USER = "platform.deactivate_user"
REACTIVATE_USER = "platform.reactivate_user"
SET_GRANT = "platform.set_grant"
SET_GROUP_PERMISSIONS = "platform.set_group_permissions"
SET_PASSWORD = "platform.set_password"  # noqa: S105 - an action name
LOGIN = "platform.login"
LOGIN_FAILED = "platform.login_failed"
END_SESSION = "platform.end_session"
CREATE_TOKEN = "platform.create_token"  # noqa: S105 - an action name
REVOKE_TOKEN = "platform.revoke_token"  # noqa: S105 - an action name
CREATE_BROKER_SYSTEM = "platform.create_broker_system"
CREATE_TENANT = "platform.create_tenant"
ALLOW_SUB_BROKERS = "platform.allow_sub_brokers"
ENROL_SECOND_FACTOR = "platform.enrol_second_factor"
CONFIRM_SECOND_FACTOR = "platform.confirm_second_factor"
DISABLE_SECOND_FACTOR = "platform.disable_second_factor"
RESET_SECOND_FACTOR = "platform.reset_second_factor"
NEW_RECOVERY_CODES = "platform.new_recovery_codes"
SECOND_FACTOR_FAILED = "platform.second_factor_failed"
REQUIRE_SECOND_FACTOR = "platform.require_second_factor"
SET_PROFILE_PERMISSIONS = "platform.set_profile_permissions"


def record_identity_change(
    uow: UnitOfWork,
    action: str,
    entity: tuple[str, str],
    tenant_id: str,
    actor: str | None,
    before: dict[str, Any] | None = None,
    **after: Any,
) -> None:
    """Record ``action`` on ``entity`` (type, id) in ``tenant_id``'s audit log by ``actor``."""
    entity_type, entity_id = entity
    change = Change(action, entity_type, entity_id, before=before, after=after or None)
    uow.record(change, tenant_id, actor)
