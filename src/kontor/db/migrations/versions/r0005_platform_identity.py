"""Platform identity: tenant kinds, users, groups, grants, sessions, tokens, throttling, links.

Revision ID: 0005_platform_identity
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0005_platform_identity"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("platform",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add tenant kinds and create the identity tables."""
    with op.batch_alter_table("tenants") as tenants:
        tenants.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="broker")
        )
        tenants.add_column(
            sa.Column("parent_tenant_id", sa.String(64), comment="who created this broker system")
        )
        tenants.add_column(
            sa.Column(
                "allows_sub_brokers",
                sa.Boolean,
                nullable=False,
                server_default=sa.false(),
                comment="the operator lets this broker system hold broker systems of its own",
            )
        )
    op.create_table(
        "platform_users",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("login", sa.String(254), nullable=False, comment="lower-case, global"),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(300), comment="null until a password is set"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.String(36), comment="the user who created this one, if any"),
        sa.Column("password_changed_at", UtcDateTime),
        sa.Column(
            "password_expires",
            sa.Boolean,
            nullable=False,
            server_default=sa.true(),
            comment="false: the user switched password expiry off",
        ),
        sa.Column(
            "password_reminded",
            sa.Integer,
            comment="days ahead of the last expiry reminder sent",
        ),
        sa.Column("deactivated_at", UtcDateTime),
        sa.PrimaryKeyConstraint("user_id", name="pk_platform_users"),
        sa.UniqueConstraint("login", name="uq_platform_users_login"),
        comment="Users: each belongs to one tenant",
    )
    op.create_index("ix_platform_users_tenant_id", "platform_users", ["tenant_id"])
    op.create_table(
        "platform_groups",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("permissions", JsonDocument, nullable=False, comment="sorted permission names"),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "group_id", name="pk_platform_groups"),
        comment="Groups of a tenant, made from the operator's profiles",
    )
    op.create_table(
        "platform_memberships",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "group_id", name="pk_platform_memberships"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["platform_groups.tenant_id", "platform_groups.group_id"],
            name="fk_platform_memberships_group",
        ),
        comment="Which users are in which groups",
    )
    op.create_table(
        "platform_grants",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("permission", sa.String(100), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False, comment="true: granted; false: withdrawn"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "permission", name="pk_platform_grants"),
        comment="Permissions granted to or withdrawn from one user beyond the groups",
    )
    op.create_table(
        "platform_sessions",
        sa.Column(
            "session_id", sa.String(36), nullable=False, comment="public id to list and end it"
        ),
        sa.Column("secret_hash", sa.String(64), nullable=False, comment="sha256 of the cookie"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False, comment="absolute timeout"),
        sa.Column("ended_at", UtcDateTime),
        sa.Column("client_address", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
        sa.PrimaryKeyConstraint("session_id", name="pk_platform_sessions"),
        sa.UniqueConstraint("secret_hash", name="uq_platform_sessions_secret_hash"),
        comment="Login sessions: the cookie holds a random reference, the table only its hash",
    )
    op.create_index("ix_platform_sessions_user", "platform_sessions", ["tenant_id", "user_id"])
    op.create_table(
        "platform_api_tokens",
        sa.Column("token_id", sa.String(36), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, comment="sha256 of the token"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "permissions", JsonDocument, nullable=False, comment="the scope: at most the user's"
        ),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.Column("last_used_at", UtcDateTime),
        sa.PrimaryKeyConstraint("token_id", name="pk_platform_api_tokens"),
        sa.UniqueConstraint("secret_hash", name="uq_platform_api_tokens_secret_hash"),
        comment="Personal API tokens for machines: opaque, scoped, expiring, revocable",
    )
    op.create_index("ix_platform_api_tokens_user", "platform_api_tokens", ["tenant_id", "user_id"])
    op.create_table(
        "platform_login_throttle",
        sa.Column(
            "throttle_key", sa.String(64), nullable=False, comment="sha256 of account or address"
        ),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failure_at", UtcDateTime, nullable=False),
        sa.Column("locked_until", UtcDateTime),
        sa.PrimaryKeyConstraint("throttle_key", name="pk_platform_login_throttle"),
        comment="Failed logins per account and per client address; a lockout ends by itself",
    )

    op.create_table(
        "platform_password_links",
        sa.Column("link_id", sa.String(36), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, comment="sha256 of the link"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False, comment="invitation | reset"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.PrimaryKeyConstraint("link_id", name="pk_platform_password_links"),
        sa.UniqueConstraint("secret_hash", name="uq_platform_password_links_secret_hash"),
        comment="Single-use, expiring links that set a password (invitation, reset)",
    )
    op.create_index(
        "ix_platform_password_links_user", "platform_password_links", ["tenant_id", "user_id"]
    )


def downgrade() -> None:
    """Drop the identity tables and the tenant kinds."""
    for table in (
        "platform_password_links",
        "platform_login_throttle",
        "platform_api_tokens",
        "platform_sessions",
        "platform_grants",
        "platform_memberships",
        "platform_groups",
        "platform_users",
    ):
        op.drop_table(table)
    with op.batch_alter_table("tenants") as tenants:
        tenants.drop_column("allows_sub_brokers")
        tenants.drop_column("parent_tenant_id")
        tenants.drop_column("kind")
