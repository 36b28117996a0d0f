"""Second factor: TOTP seeds, recovery codes, pending logins, and groups that require one;
the operator's changes to the group profiles.

Revision ID: 0020_second_factor
Revises: 0005_platform_identity
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0020_second_factor"
down_revision: str | None = "0005_platform_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the second-factor and profile tables and the groups' requirement flag."""
    with op.batch_alter_table("platform_groups") as batch:
        batch.add_column(
            sa.Column(
                "second_factor_required",
                sa.Boolean,
                nullable=False,
                server_default=sa.false(),
                comment="members without a confirmed second factor keep only platform:account",
            )
        )
    op.create_table(
        "platform_second_factors",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column(
            "secret_encrypted", sa.String(200), nullable=False, comment="AES-GCM, bound to the user"
        ),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column(
            "confirmed_at", UtcDateTime, comment="null: enrolled, not yet confirmed with a code"
        ),
        sa.Column(
            "last_step", sa.Integer, comment="time step of the last accepted code (no replays)"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_platform_second_factors"),
        comment="TOTP second factors: one per user, the seed encrypted under the secret key",
    )
    op.create_table(
        "platform_recovery_codes",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column(
            "code_prefix", sa.String(8), nullable=False, comment="the code's public first group"
        ),
        sa.Column(
            "code_hash", sa.String(300), nullable=False, comment="Argon2id of the whole code"
        ),
        sa.Column("used_at", UtcDateTime),
        sa.PrimaryKeyConstraint(
            "tenant_id", "user_id", "code_prefix", name="pk_platform_recovery_codes"
        ),
        comment="One-time recovery codes standing in for the second factor",
    )
    op.create_table(
        "platform_login_challenges",
        sa.Column("challenge_id", sa.String(36), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, comment="sha256 of the secret"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.PrimaryKeyConstraint("challenge_id", name="pk_platform_login_challenges"),
        sa.UniqueConstraint("secret_hash", name="uq_platform_login_challenges_secret_hash"),
        comment="Logins whose password was right, waiting for the second factor's code",
    )
    op.create_index(
        "ix_platform_login_challenges_user", "platform_login_challenges", ["tenant_id", "user_id"]
    )
    op.create_table(
        "platform_group_profiles",
        sa.Column(
            "group_id", sa.String(64), nullable=False, comment="a profile of DEFAULT_PROFILES"
        ),
        sa.Column("permissions", JsonDocument, nullable=False, comment="sorted permission names"),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(36), comment="the operator's user who changed it"),
        sa.PrimaryKeyConstraint("group_id", name="pk_platform_group_profiles"),
        comment="The operator's changes to the group profiles new tenants start with",
    )


def downgrade() -> None:
    """Drop the second-factor and profile tables and the groups' flag."""
    op.drop_table("platform_group_profiles")
    op.drop_index("ix_platform_login_challenges_user", "platform_login_challenges")
    op.drop_table("platform_login_challenges")
    op.drop_table("platform_recovery_codes")
    op.drop_table("platform_second_factors")
    with op.batch_alter_table("platform_groups") as batch:
        batch.drop_column("second_factor_required")
