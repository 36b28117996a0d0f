"""PostgreSQL: a change to what a principal rests on notifies ``kontor_principals`` at commit.

Every process keeps the principals of recently seen sessions and tokens in memory and forgets
them when it hears this channel (``kontor.platform.principal_cache``). Statement-level triggers:
one notification per statement at most, none for a new session, token, user or group and none
for a session's or token's last-seen time. SQLite has no notifications: nothing to do there.

Revision ID: 0040_principal_changes
Revises: 0025_tenant_second_factor
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0040_principal_changes"
down_revision: str | None = "0025_tenant_second_factor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = "kontor_principals_changed"
_EVENTS = {
    "platform_users": "UPDATE OF active, tenant_id, user_id OR DELETE OR TRUNCATE",
    "tenants": "UPDATE OR DELETE OR TRUNCATE",
    "platform_groups": "UPDATE OR DELETE OR TRUNCATE",
    "platform_memberships": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "platform_grants": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "platform_second_factors": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "platform_sessions": "UPDATE OF ended_at, expires_at, secret_hash, tenant_id, user_id "
    "OR DELETE OR TRUNCATE",
    "platform_api_tokens": "UPDATE OF revoked_at, expires_at, permissions, secret_hash, tenant_id, "
    "user_id OR DELETE OR TRUNCATE",
}


def upgrade() -> None:
    """Create the notifying function and a statement trigger per table (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('kontor_principals', ''); RETURN NULL; END $$"
    )
    for table, events in _EVENTS.items():
        op.execute(
            f"CREATE TRIGGER {table}_principals_changed AFTER {events} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
        )


def downgrade() -> None:
    """Drop the triggers and the function."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _EVENTS:
        op.execute(f"DROP TRIGGER {table}_principals_changed ON {table}")
    op.execute(f"DROP FUNCTION {_FUNCTION}()")
