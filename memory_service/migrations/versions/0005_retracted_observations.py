"""An observation a person retracts keeps its row and history with status 'retracted'.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE observations DROP CONSTRAINT IF EXISTS observations_status_check")
    op.execute(
        "ALTER TABLE observations ADD CONSTRAINT observations_status_check "
        "CHECK (status IN ('active', 'superseded', 'conflict', 'retracted'))"
    )


def downgrade() -> None:
    op.execute("DELETE FROM observations WHERE status = 'retracted'")
    op.execute("ALTER TABLE observations DROP CONSTRAINT IF EXISTS observations_status_check")
    op.execute(
        "ALTER TABLE observations ADD CONSTRAINT observations_status_check "
        "CHECK (status IN ('active', 'superseded', 'conflict'))"
    )
