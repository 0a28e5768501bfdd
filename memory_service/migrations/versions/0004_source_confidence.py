"""Each source remembers the confidence it contributed, so forgetting an interaction can
recompute an observation's confidence from the sources that remain.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE observation_sources ADD COLUMN confidence real")


def downgrade() -> None:
    op.execute("ALTER TABLE observation_sources DROP COLUMN IF EXISTS confidence")
