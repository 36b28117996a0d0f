"""Tables of users, groups, grants, sessions, API tokens, login throttling and second factors."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    false,
    true,
)

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

users = Table(
    "platform_users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False, index=True),
    Column("login", String(254), nullable=False, unique=True, comment="lower-case, global"),
    Column("display_name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("password_hash", String(300), comment="null until a password is set"),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(36), comment="the user who created this one, if any"),
    Column("password_changed_at", UtcDateTime),
    Column(
        "password_expires",
        Boolean,
        nullable=False,
        server_default=true(),
        comment="false: the user switched password expiry off",
    ),
    Column("password_reminded", Integer, comment="days ahead of the last expiry reminder sent"),
    Column("deactivated_at", UtcDateTime),
    comment="Users: each belongs to one tenant",
)

groups = Table(
    "platform_groups",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("group_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("permissions", JsonDocument, nullable=False, comment="sorted permission names"),
    Column("updated_at", UtcDateTime, nullable=False),
    Column(
        "second_factor_required",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="members without a confirmed second factor keep only platform:account",
    ),
    PrimaryKeyConstraint("tenant_id", "group_id", name="pk_platform_groups"),
    comment="Groups of a tenant, made from the operator's profiles",
)

memberships = Table(
    "platform_memberships",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("group_id", String(64), nullable=False),
    PrimaryKeyConstraint("tenant_id", "user_id", "group_id", name="pk_platform_memberships"),
    ForeignKeyConstraint(
        ["tenant_id", "group_id"],
        ["platform_groups.tenant_id", "platform_groups.group_id"],
        name="fk_platform_memberships_group",
    ),
    comment="Which users are in which groups",
)

grants = Table(
    "platform_grants",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("permission", String(100), nullable=False),
    Column("granted", Boolean, nullable=False, comment="true: granted; false: withdrawn"),
    PrimaryKeyConstraint("tenant_id", "user_id", "permission", name="pk_platform_grants"),
    comment="Permissions granted to or withdrawn from one user beyond the groups",
)

sessions = Table(
    "platform_sessions",
    metadata,
    Column("session_id", String(36), primary_key=True, comment="public id to list and end it"),
    Column("secret_hash", String(64), nullable=False, unique=True, comment="sha256 of the cookie"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, comment="absolute timeout"),
    Column("ended_at", UtcDateTime),
    Column("client_address", String(64)),
    Column("user_agent", String(300)),
    Index("ix_platform_sessions_user", "tenant_id", "user_id"),
    comment="Login sessions: the cookie holds a random reference, the table only its hash",
)

api_tokens = Table(
    "platform_api_tokens",
    metadata,
    Column("token_id", String(36), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True, comment="sha256 of the token"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("permissions", JsonDocument, nullable=False, comment="the scope: at most the user's"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
    Index("ix_platform_api_tokens_user", "tenant_id", "user_id"),
    comment="Personal API tokens for machines: opaque, scoped, expiring, revocable",
)

login_throttle = Table(
    "platform_login_throttle",
    metadata,
    Column("throttle_key", String(64), primary_key=True, comment="sha256 of account or address"),
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
    comment="Failed logins per account and per client address; a lockout ends by itself",
)

password_links = Table(
    "platform_password_links",
    metadata,
    Column("link_id", String(36), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True, comment="sha256 of the link"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("purpose", String(16), nullable=False, comment="invitation | reset"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_platform_password_links_user", "tenant_id", "user_id"),
    comment="Single-use, expiring links that set a password (invitation, reset)",
)

second_factors = Table(
    "platform_second_factors",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("secret_encrypted", String(200), nullable=False, comment="AES-GCM, bound to the user"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, comment="null: enrolled, not yet confirmed with a code"),
    Column("last_step", Integer, comment="time step of the last accepted code (no replays)"),
    PrimaryKeyConstraint("tenant_id", "user_id", name="pk_platform_second_factors"),
    comment="TOTP second factors: one per user, the seed encrypted under the secret key",
)

recovery_codes = Table(
    "platform_recovery_codes",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("code_prefix", String(8), nullable=False, comment="the code's public first group"),
    Column("code_hash", String(300), nullable=False, comment="Argon2id of the whole code"),
    Column("used_at", UtcDateTime),
    PrimaryKeyConstraint("tenant_id", "user_id", "code_prefix", name="pk_platform_recovery_codes"),
    comment="One-time recovery codes standing in for the second factor",
)

login_challenges = Table(
    "platform_login_challenges",
    metadata,
    Column("challenge_id", String(36), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True, comment="sha256 of the secret"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_platform_login_challenges_user", "tenant_id", "user_id"),
    comment="Logins whose password was right, waiting for the second factor's code",
)

group_profiles = Table(
    "platform_group_profiles",
    metadata,
    Column("group_id", String(64), primary_key=True, comment="a profile of DEFAULT_PROFILES"),
    Column("permissions", JsonDocument, nullable=False, comment="sorted permission names"),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(36), comment="the operator's user who changed it"),
    comment="The operator's changes to the group profiles new tenants start with",
)
