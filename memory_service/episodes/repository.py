"""SQL for episodic recall units (segments and summaries); reads over every unit live in units/."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg import Connection

INSERT_UNIT = (
    "INSERT INTO episodes (id, tenant_id, customer_id, interaction_id, unit_type, role, position, text, context, "
    "utterance_ids, embedding, observed_at, flags) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (id) DO NOTHING"
)


def insert_units(conn: Connection, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows in INSERT_UNIT order; ids are deterministic so a re-delivered task inserts nothing new."""
    with conn.cursor() as cur:
        cur.executemany(INSERT_UNIT, rows)


def unit_id(interaction_id: str, unit_type: str, position: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"episode:{interaction_id}:{unit_type}:{position}")
