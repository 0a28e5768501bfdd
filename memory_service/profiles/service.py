"""The customer profile: typed traits with confidence and source, counts, channels, open
issues, pending commitments, a sentiment trend and per-interaction summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.extraction.base import SINGLE_VALUED_TRAITS
from memory_service.observations import repository as observations_repo
from memory_service.observations.service import observation_out
from schemas.profiles import InteractionSummary, Profile, ProfileItem, SentimentPoint, TraitOut

RECENT = 10


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
            observation_id=out.id, needs_review=bool(row.get("needs_review")),
        )  # fmt: skip
    return traits


def _item(row: dict[str, Any], *, today: date | None = None) -> ProfileItem:
    out = observation_out(row)
    due = _due_date(out.attributes.get("due_date"))
    return ProfileItem(id=out.id, kind=out.kind, text=out.text, observed_at=out.observed_at,
                       attributes=out.attributes, source=out.source, due_date=due,
                       overdue=due is not None and today is not None and due < today)  # fmt: skip


def _due_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _sentiment(rows: list[dict[str, Any]]) -> tuple[list[SentimentPoint], str | None]:
    points = [
        SentimentPoint(
            interaction_id=observation_out(r).source.interaction_id, at=r["observed_at"],
            label=r["attributes"].get("label"), score=r["attributes"].get("score"),
        )
        for r in sorted(rows, key=lambda r: r["observed_at"])
    ][-RECENT:]  # fmt: skip
    scores = [p.score for p in points if isinstance(p.score, int | float)]
    if len(scores) < 2:
        return points, None
    half = max(1, len(scores) // 2)
    delta = sum(scores[-half:]) / half - sum(scores[:half]) / half
    return points, "improving" if delta > 0.15 else "worsening" if delta < -0.15 else "stable"


def _active_rows(conn: Connection, customer_id: str) -> list[dict[str, Any]]:
    return conn.execute(  # type: ignore[return-value]
        observations_repo.SELECT_WITH_SOURCES + " WHERE o.customer_id = %s AND o.status = 'active' "
        "AND o.kind IN ('trait', 'issue', 'commitment', 'sentiment') ORDER BY o.observed_at",
        (customer_id,),
    ).fetchall()


def get_profile(conn: Connection, *, tenant_id: str, customer_id: str) -> Profile:
    customer = customers_repo.get_customer(conn, tenant_id=tenant_id, customer_id=customer_id)
    stats: Any = conn.execute(
        "SELECT count(*) AS n, min(started_at) AS first_seen, max(COALESCE(ended_at, started_at)) AS last_seen, "
        "COALESCE(array_agg(DISTINCT channel) FILTER (WHERE channel IS NOT NULL), '{}') AS channels "
        "FROM interactions WHERE customer_id = %s",
        (customer_id,),
    ).fetchone()
    counts: Any = conn.execute(
        "SELECT count(*) AS n, count(*) FILTER (WHERE needs_review) AS review FROM observations "
        "WHERE customer_id = %s AND status = 'active'",
        (customer_id,),
    ).fetchone()
    recent: list[Any] = conn.execute(
        "SELECT id, external_id, channel, started_at, status, summary FROM interactions WHERE customer_id = %s "
        "ORDER BY started_at DESC LIMIT %s",
        (customer_id, RECENT),
    ).fetchall()
    rows = _active_rows(conn, customer_id)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    trend, direction = _sentiment(by_kind.get("sentiment", []))
    return Profile(
        customer_id=customer_id,
        identifiers=[
            {"type": r["type"], "value": r["value"]}
            for r in customers_repo.list_identifiers(conn, customer_id=customer_id)
        ],
        name=customer["display_name"] if customer else None,
        traits=_traits(by_kind.get("trait", [])),
        observation_count=counts["n"],
        interaction_count=stats["n"],
        channels=sorted(stats["channels"]),
        first_seen=stats["first_seen"],
        last_seen=stats["last_seen"],
        summary=next((r["summary"] for r in recent if r["summary"]), None),
        open_issues=[_item(r) for r in by_kind.get("issue", []) if not r["attributes"].get("resolved")],
        pending_commitments=[
            _item(r, today=datetime.now(UTC).date())
            for r in by_kind.get("commitment", [])
            if r["attributes"].get("status", "pending") == "pending"
        ],
        sentiment_trend=trend,
        sentiment_direction=direction,
        recent_interactions=[
            InteractionSummary(
                interaction_id=str(r["id"]),
                external_id=r["external_id"],
                channel=r["channel"],
                started_at=r["started_at"],
                status=r["status"],
                summary=r["summary"],
            )
            for r in recent
        ],  # fmt: skip
        needs_review=counts["review"],
        merged_from=[str(m["merged_customer_id"]) for m in customers_repo.list_merges(conn, customer_id=customer_id)],
    )
