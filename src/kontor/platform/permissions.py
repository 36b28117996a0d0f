"""The permission catalogue and the group profiles the operator starts every tenant with.

Permissions are plain names. Apps carry one per action (``app:<app>:<action>``); the platform
and the engine routes carry their own (``platform:users``, ``process:read``, …). A group
"installs" an app by holding its ``use`` permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kontor.errors import InvalidInput


class TenantKind(StrEnum):
    """What a tenant is: the platform operator, the insurer owning the platform, or a broker."""

    OPERATOR = "operator"
    INSURER = "insurer"
    BROKER = "broker"


APP_ACTIONS = ("use", "read", "save", "delete", "export", "history")
"""What a permission on an app allows: open it, read, save, delete, export, see history."""

APPS = ("portfolio_transfer", "settlement", "links", "portal_accesses", "inbox")
"""The business applications whose permissions groups carry (the BiPRO apps Portalzugänge and
Posteingang check ``bipro:read`` / ``bipro:write`` beyond ``use``)."""

SIGNED_IN = "platform:account"
"""Every user holds it: see and manage the own account, sessions and tokens."""
MANAGE_TENANTS = "platform:tenants"
MANAGE_GROUPS = "platform:groups"
MANAGE_USERS = "platform:users"
MANAGE_SUB_USERS = "platform:sub_users"
MANAGE_BROKER_SYSTEMS = "platform:broker_systems"

PLATFORM_PERMISSIONS = (
    SIGNED_IN,
    MANAGE_TENANTS,  # the operator: create tenants, allow sub-brokers
    MANAGE_GROUPS,  # change what a group of the own tenant may do
    MANAGE_USERS,  # widens platform:sub_users to every user of the own tenant
    MANAGE_SUB_USERS,  # create, deactivate, grant the users one created; end their sessions
    MANAGE_BROKER_SYSTEMS,  # create broker systems under the own tenant
    "tenants:read",
    "messages:read",
    "messages:manage",
)
RULES_PERMISSIONS = ("rules:read", "rules:deploy", "rules:evaluate", "rules:bind")
AUDIT_PERMISSIONS = ("audit:read", "audit:export", "usage:read")
"""Read and export the own tenant's audit log; read its usage meter."""
READ_ALL_USAGE = "usage:read_all"
"""The operator's view of every tenant's usage meter."""
PROCESS_PERMISSIONS = (
    "process:read",
    "process:deploy",
    "process:start",
    "process:operate",
    "process:work",
)
TASK_PERMISSIONS = ("tasks:read", "tasks:work", "tasks:create", "tasks:manage")
"""See work lists, work on tasks, create standalone ones, act on others' tasks."""
CASE_PERMISSIONS = ("cases:read", "cases:write", "cases:manage")
"""Read cases; open and work on them (data, status, comments, links); close and reopen them."""
PORTFOLIO_PERMISSIONS = (
    "portfolio:read",
    "portfolio:write",
    "portfolio:delete",
    "portfolio:export",
    "portfolio:import",  # upload GDV files and watch their import runs
)
"""Read the portfolio (Bestand); add and change its entries; delete them; export them."""
INTEGRATION_PERMISSIONS = (
    "webhooks:read",
    "webhooks:manage",
    "connectors:read",
    "connectors:manage",
)
"""See and manage webhook subscriptions and endpoints; REST connector connections."""
BIPRO_PERMISSIONS = ("bipro:read", "bipro:write")
"""See the BiPRO document inbox and its portal accesses; manage accesses and poll them."""
SCHEDULE_PERMISSIONS = ("schedules:read", "schedules:manage", "schedules:run")
"""See schedules and their runs; create, pause, resume and delete them; run one now."""


def app_permission(app: str, action: str) -> str:
    """The permission to perform ``action`` in ``app``."""
    return f"app:{app}:{action}"


APP_PERMISSIONS = tuple(app_permission(app, action) for app in APPS for action in APP_ACTIONS)
PERMISSIONS = frozenset(
    PLATFORM_PERMISSIONS + RULES_PERMISSIONS + PROCESS_PERMISSIONS + AUDIT_PERMISSIONS
)
PERMISSIONS = PERMISSIONS | frozenset(TASK_PERMISSIONS) | frozenset(CASE_PERMISSIONS)
PERMISSIONS = PERMISSIONS | {READ_ALL_USAGE}
PERMISSIONS = PERMISSIONS | frozenset(APP_PERMISSIONS)
PERMISSIONS = PERMISSIONS | frozenset(PORTFOLIO_PERMISSIONS)
PERMISSIONS = PERMISSIONS | frozenset(INTEGRATION_PERMISSIONS)
PERMISSIONS = PERMISSIONS | frozenset(SCHEDULE_PERMISSIONS)
PERMISSIONS = PERMISSIONS | frozenset(BIPRO_PERMISSIONS)
"""Every permission Kontor knows; groups, grants and tokens name only these."""


def installed_apps(permissions: Iterable[str]) -> list[str]:
    """The apps that ``permissions`` let a user open."""
    held = set(permissions)
    return [app for app in APPS if app_permission(app, "use") in held]


def checked_permissions(names: Iterable[str], field: str) -> frozenset[str]:
    """``names`` as a set, refusing any name that is not in the catalogue."""
    given = frozenset(names)
    unknown = sorted(given - PERMISSIONS)
    if unknown:
        raise InvalidInput(f"unknown permissions: {', '.join(unknown)}", field=field)
    return given


@dataclass(frozen=True)
class GroupProfile:
    """A template of a group: the tenant kind it belongs to and the permissions it carries."""

    group_id: str
    name: str
    kind: TenantKind
    permissions: frozenset[str]


def _all_of(app: str, *actions: str) -> frozenset[str]:
    return frozenset(app_permission(app, action) for action in actions or APP_ACTIONS)


OPERATOR_STAFF = "operator_staff"
ADMINISTRATORS = "administrators"
UNDERWRITERS = "underwriters"
BROKERS = "vermittler"

DEFAULT_PROFILES = (
    GroupProfile(
        OPERATOR_STAFF,
        "Betreiber-Support",
        TenantKind.OPERATOR,
        frozenset(
            PLATFORM_PERMISSIONS + RULES_PERMISSIONS + PROCESS_PERMISSIONS + AUDIT_PERMISSIONS
        )
        | {READ_ALL_USAGE}
        | set(TASK_PERMISSIONS)
        | set(CASE_PERMISSIONS)
        | set(INTEGRATION_PERMISSIONS)
        | set(SCHEDULE_PERMISSIONS),
    ),
    GroupProfile(
        ADMINISTRATORS,
        "Administratoren",
        TenantKind.INSURER,
        frozenset(
            {MANAGE_GROUPS, MANAGE_USERS, MANAGE_SUB_USERS, MANAGE_BROKER_SYSTEMS, "tenants:read"}
            | set(RULES_PERMISSIONS)
            | set(PROCESS_PERMISSIONS)
            | set(AUDIT_PERMISSIONS)
            | set(TASK_PERMISSIONS)
            | set(CASE_PERMISSIONS)
            | set(SCHEDULE_PERMISSIONS)
            | {"portfolio:read"}  # the copies forwarded into the own tenant
            | set(INTEGRATION_PERMISSIONS)
        ),
    ),
    GroupProfile(
        UNDERWRITERS,
        "Underwriter",
        TenantKind.INSURER,
        frozenset({"tenants:read", "process:read", "process:start", "rules:read"})
        | {"tasks:read", "tasks:work", "tasks:create"}
        | {"cases:read", "cases:write"}
        | {"portfolio:read"}
        | _all_of("portfolio_transfer", "use", "read", "save", "export", "history")
        | _all_of("settlement", "use", "read", "save", "export", "history")
        | _all_of("links", "use", "read", "save", "delete"),  # maintain the Links documents
    ),
    GroupProfile(
        BROKERS,
        "Vermittler",
        TenantKind.BROKER,
        # platform:broker_systems counts only where the operator allows sub-brokers
        frozenset({MANAGE_SUB_USERS, MANAGE_BROKER_SYSTEMS, "tenants:read", "process:read"})
        | {"tasks:read", "tasks:work", "tasks:create"}
        | {"cases:read", "cases:write"}
        | set(PORTFOLIO_PERMISSIONS)
        | set(BIPRO_PERMISSIONS)  # the document inbox (Portalzugänge, Posteingang)
        | _all_of("portal_accesses", "use")
        | _all_of("inbox", "use")
        | _all_of("portfolio_transfer")
        | _all_of("settlement", "use", "read", "export", "history")
        | _all_of("links", "use", "read"),  # read and download the insurer's documents
    ),
)
"""The profiles the operator's support staff configure; each tenant gets its kind's groups."""
