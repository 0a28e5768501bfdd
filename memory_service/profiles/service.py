"""The customer profile: typed traits with confidence and source, counts, channels, summary."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.extraction.base import SINGLE_VALUED_TRAITS
from memory_service.observations import repository as observations_repo
from memory_service.observations.service import observation_out
from schemas.profiles import Profile, TraitOut


def _traits(rows: list[dict[str, Any]]) -> dict[str, TraitOut]:
    traits: dict[str, TraitOut] = {}
    for row in sorted(rows, key=lambda r: r["observed_at"]):  # newest wins
        key = row["trait_key"]
        out = observation_out(row)
        value: Any = row["attributes"].get("value")
        if key not in SINGLE_VALUED_TRAITS:
            previous = traits[key].value if key in traits else []
            value = [*[v for v in previous if v != value], value]
        traits[key] = TraitOut(
            value=value, confidence=out.confidence, updated_at=out.observed_at, source=out.source,
            observation_id=out.id,
        )  # fmt: skip
    return traits


def get_profile(conn: Connection, *, tenant_id: str, customer_id: str) -> Profile:
    customer = customers_repo.get_customer(conn, tenant_id=tenant_id, customer_id=customer_id)
    identifiers = customers_repo.list_identifiers(conn, customer_id=customer_id)
    stats: Any = conn.execute(
        "SELECT count(*) AS n, min(started_at) AS first_seen, max(COALESCE(ended_at, started_at)) AS last_seen, "
        "COALESCE(array_agg(DISTINCT channel) FILTER (WHERE channel IS NOT NULL), '{}') AS channels "
        "FROM interactions WHERE customer_id = %s",
        (customer_id,),
    ).fetchone()
    observation_count: Any = conn.execute(
        "SELECT count(*) AS n FROM observations WHERE customer_id = %s AND status = 'active'", (customer_id,)
    ).fetchone()
    trait_rows = conn.execute(
        observations_repo.SELECT_WITH_SOURCES + " WHERE o.customer_id = %s AND o.status = 'active' "
        "AND o.kind = 'trait'",
        (customer_id,),
    ).fetchall()
    summary: Any = conn.execute(
        "SELECT summary FROM interactions WHERE customer_id = %s AND summary IS NOT NULL "
        "ORDER BY started_at DESC LIMIT 1",
        (customer_id,),
    ).fetchone()
    return Profile(
        customer_id=customer_id,
        identifiers=[{"type": r["type"], "value": r["value"]} for r in identifiers],
        name=customer["display_name"] if customer else None,
        traits=_traits(trait_rows),  # type: ignore[arg-type]
        observation_count=observation_count["n"],
        interaction_count=stats["n"],
        channels=sorted(stats["channels"]),
        first_seen=stats["first_seen"],
        last_seen=stats["last_seen"],
        summary=summary["summary"] if summary else None,
    )
