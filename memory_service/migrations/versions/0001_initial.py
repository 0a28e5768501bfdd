"""Initial schema: tenants, keys, customers, identifiers, interactions, observations.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(
        """
        CREATE TABLE tenants (
            id uuid PRIMARY KEY,
            name text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE api_keys (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            key_hash text NOT NULL UNIQUE,
            prefix text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        );
        CREATE TABLE customers (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            display_name text,
            merged_into uuid REFERENCES customers(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX customers_tenant ON customers(tenant_id);
        CREATE TABLE customer_identifiers (
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            type text NOT NULL,
            value text NOT NULL,
            customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, type, value)
        );
        CREATE INDEX customer_identifiers_customer ON customer_identifiers(customer_id);
        CREATE TABLE interactions (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            external_id text NOT NULL,
            content_hash text NOT NULL,
            channel text NOT NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz,
            payload jsonb NOT NULL,
            status text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'processing', 'done', 'failed')),
            error text,
            attempts integer NOT NULL DEFAULT 0,
            enqueued_at timestamptz,
            processing_started_at timestamptz,
            finished_at timestamptz,
            observations_created integer NOT NULL DEFAULT 0,
            observations_updated integer NOT NULL DEFAULT 0,
            summary text,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, external_id)
        );
        CREATE INDEX interactions_customer ON interactions(customer_id, started_at);
        CREATE INDEX interactions_pending ON interactions(status, enqueued_at)
            WHERE status IN ('queued', 'processing');
        CREATE TABLE observations (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            kind text NOT NULL,
            text text NOT NULL,
            attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
            trait_key text,
            content_key text NOT NULL,
            embedding vector(384) NOT NULL,
            confidence real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
            support_count integer NOT NULL DEFAULT 1,
            status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'superseded', 'conflict')),
            observed_at timestamptz NOT NULL,
            valid_from timestamptz NOT NULL,
            valid_to timestamptz,
            superseded_by uuid REFERENCES observations(id) ON DELETE SET NULL,
            last_seen_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX observations_customer ON observations(customer_id, status);
        CREATE INDEX observations_content ON observations(customer_id, content_key);
        CREATE TABLE observation_sources (
            observation_id uuid NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
            interaction_id uuid NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
            utterance_ids text[] NOT NULL,
            observed_at timestamptz NOT NULL,
            PRIMARY KEY (observation_id, interaction_id)
        );
        CREATE INDEX observation_sources_interaction ON observation_sources(interaction_id);
        -- Change feed for in-process indexes: one row per customer whose memory changed.
        CREATE TABLE memory_changes (
            id bigserial PRIMARY KEY,
            tenant_id uuid NOT NULL,
            customer_id uuid NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX memory_changes_at ON memory_changes(changed_at);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS memory_changes, observation_sources, observations, interactions, "
        "customer_identifiers, customers, api_keys, tenants CASCADE"
    )
