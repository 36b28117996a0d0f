"""Platform services: tenants, users, groups, permissions, login sessions and API tokens."""

from kontor.platform.absences import Absence, AbsenceNotFound, Absences, Substitution
from kontor.platform.administration import Administration, deactivate_user, provision_tenant
from kontor.platform.authentication import (
    Authenticator,
    LoggedIn,
    SecondFactorPending,
    SessionPolicy,
    principal_of,
)
from kontor.platform.credentials import TOKEN_PREFIX, ApiToken, Session, SessionStore, TokenStore
from kontor.platform.deletion import (
    DELETE_BROKER_SYSTEM,
    BrokerSystemEnding,
    DeletedBrokerSystem,
    broker_system,
    delete_broker_system,
    recording_tenant,
)
from kontor.platform.demo import DemoLogin, seed_demo
from kontor.platform.directory import Directory, Grant, Group, User, find_user
from kontor.platform.encryption import SecretBox, UndecryptableSecret
from kontor.platform.errors import LoginFailed, LoginLocked, PasswordExpired, SecondFactorFailed
from kontor.platform.expiry import ExpiryPolicy, PasswordReminders, expires_at
from kontor.platform.identity import Principal
from kontor.platform.identity_audit import (
    ALLOW_SUB_BROKERS,
    CREATE_TENANT,
    CREATE_USER,
    record_identity_change,
)
from kontor.platform.mail import Mail, MaildirSink, Mailer, MailUnavailable, NoMailer, SmtpMailer
from kontor.platform.passwords import PasswordHasher, check_password_policy
from kontor.platform.permissions import (
    ADMINISTRATORS,
    APP_ACTIONS,
    APPS,
    BROKERS,
    DEFAULT_PROFILES,
    OPERATOR_STAFF,
    PERMISSIONS,
    SIGNED_IN,
    UNDERWRITERS,
    GroupProfile,
    TenantKind,
    app_permission,
    installed_apps,
)
from kontor.platform.profiles import ProfileStore
from kontor.platform.recovery import Recovery, RecoveryPolicy
from kontor.platform.second_factor import (
    Enrolled,
    SecondFactorPolicy,
    SecondFactors,
    SecondFactorStatus,
)
from kontor.platform.tenants import Tenant, TenantStore, tenants
from kontor.platform.throttle import ThrottlePolicy

__all__ = [
    "ADMINISTRATORS",
    "ALLOW_SUB_BROKERS",
    "APPS",
    "APP_ACTIONS",
    "BROKERS",
    "CREATE_TENANT",
    "CREATE_USER",
    "DEFAULT_PROFILES",
    "DELETE_BROKER_SYSTEM",
    "OPERATOR_STAFF",
    "PERMISSIONS",
    "SIGNED_IN",
    "TOKEN_PREFIX",
    "UNDERWRITERS",
    "Absence",
    "AbsenceNotFound",
    "Absences",
    "Administration",
    "ApiToken",
    "Authenticator",
    "BrokerSystemEnding",
    "DeletedBrokerSystem",
    "DemoLogin",
    "Directory",
    "Enrolled",
    "ExpiryPolicy",
    "Grant",
    "Group",
    "GroupProfile",
    "LoggedIn",
    "LoginFailed",
    "LoginLocked",
    "Mail",
    "MailUnavailable",
    "MaildirSink",
    "Mailer",
    "NoMailer",
    "PasswordExpired",
    "PasswordHasher",
    "PasswordReminders",
    "Principal",
    "ProfileStore",
    "Recovery",
    "RecoveryPolicy",
    "SecondFactorFailed",
    "SecondFactorPending",
    "SecondFactorPolicy",
    "SecondFactorStatus",
    "SecondFactors",
    "SecretBox",
    "Session",
    "SessionPolicy",
    "SessionStore",
    "SmtpMailer",
    "Substitution",
    "Tenant",
    "TenantKind",
    "TenantStore",
    "ThrottlePolicy",
    "TokenStore",
    "UndecryptableSecret",
    "User",
    "app_permission",
    "broker_system",
    "check_password_policy",
    "deactivate_user",
    "delete_broker_system",
    "expires_at",
    "find_user",
    "installed_apps",
    "principal_of",
    "provision_tenant",
    "record_identity_change",
    "recording_tenant",
    "seed_demo",
    "tenants",
]
