"""Live conversations, scoped keys, tenant policies, flags and stored observation full text.

- interactions may be `live` (opened, appended to, then ended and queued);
- api_keys carry scopes (keys made before scopes existed keep every scope) and an optional
  per-key rate limit;
- tenants carry a redaction policy (`redact`, `mask`, `off`; none: the service's setting,
  `redact` by default) and an optional retention period in days;
- episodes carry `flags` (e.g. `possible_injection`; an observation keeps its flags in
  `attributes.flags`);
- observations get a stored full-text vector with a GIN index, so lexical recall no longer
  rebuilds `to_tsvector` for every active observation of the customer on each query.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE interactions DROP CONSTRAINT IF EXISTS interactions_status_check;
        ALTER TABLE interactions ADD CONSTRAINT interactions_status_check
            CHECK (status IN ('live', 'queued', 'processing', 'done', 'failed'));

        ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{ingest,read,admin}';
        ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute integer
            CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0);

        ALTER TABLE tenants ADD COLUMN redaction_policy text
            CHECK (redaction_policy IN ('redact', 'mask', 'off'));
        ALTER TABLE tenants ADD COLUMN retention_days integer CHECK (retention_days IS NULL OR retention_days > 0);

        ALTER TABLE episodes ADD COLUMN flags text[] NOT NULL DEFAULT '{}';

        ALTER TABLE observations ADD COLUMN tsv tsvector
            GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
        CREATE INDEX observations_tsv ON observations USING gin (tsv);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX IF EXISTS observations_tsv;
        ALTER TABLE observations DROP COLUMN IF EXISTS tsv;
        ALTER TABLE episodes DROP COLUMN IF EXISTS flags;
        ALTER TABLE tenants DROP COLUMN IF EXISTS retention_days;
        ALTER TABLE tenants DROP COLUMN IF EXISTS redaction_policy;
        ALTER TABLE api_keys DROP COLUMN IF EXISTS rate_limit_per_minute;
        ALTER TABLE api_keys DROP COLUMN IF EXISTS scopes;
        DELETE FROM interactions WHERE status = 'live';
        ALTER TABLE interactions DROP CONSTRAINT IF EXISTS interactions_status_check;
        ALTER TABLE interactions ADD CONSTRAINT interactions_status_check
            CHECK (status IN ('queued', 'processing', 'done', 'failed'));
        """
    )
