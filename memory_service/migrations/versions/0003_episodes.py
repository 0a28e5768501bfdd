"""Episodic memory: the customer's utterances (and agents' turns, and interaction summaries)
stored as recall units with embeddings and a full-text vector. `context` holds the
neighbouring turns: embedded and searched with the unit, never returned as its text.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE episodes (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            interaction_id uuid NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
            unit_type text NOT NULL CHECK (unit_type IN ('segment', 'summary')),
            role text NOT NULL,
            position integer NOT NULL,
            text text NOT NULL,
            context text NOT NULL DEFAULT '',
            utterance_ids text[] NOT NULL,
            embedding vector(384) NOT NULL,
            tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text || ' ' || context)) STORED,
            observed_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX episodes_customer ON episodes(customer_id, observed_at);
        CREATE INDEX episodes_interaction ON episodes(interaction_id);
        CREATE INDEX episodes_tsv ON episodes USING gin (tsv);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS episodes")
