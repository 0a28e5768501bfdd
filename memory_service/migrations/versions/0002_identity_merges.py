"""Customer merges with an audit trail; review flags for conflicting observations.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE customer_merges (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            merged_customer_id uuid NOT NULL,
            into_customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            reason text NOT NULL,
            details jsonb NOT NULL DEFAULT '{}'::jsonb,
            merged_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX customer_merges_into ON customer_merges(into_customer_id);
        ALTER TABLE observations ADD COLUMN needs_review boolean NOT NULL DEFAULT false;
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS customer_merges; ALTER TABLE observations DROP COLUMN IF EXISTS needs_review")
