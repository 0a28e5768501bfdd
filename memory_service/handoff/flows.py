"""POST /v1/customers/{ref}/handoff end to end: the conversation (a live interaction, utterances
inline, or both), what the offline extractor makes of it, the customer's profile and history,
recall for the conversation's issue, and the brief as JSON and Markdown within the budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import numpy as np
from psycopg import Connection

from memory_service.config import Settings
from memory_service.errors import NotFoundError
from memory_service.handoff import reader
from memory_service.handoff.facts import already_provided, detected_issue, sentiment_now_and_trend
from memory_service.handoff.render import render
from memory_service.identity.service import resolve_customer_ref
from memory_service.index.base import VectorIndex
from memory_service.interactions import repository as interactions_repo
from memory_service.interactions.flows import live_utterances
from memory_service.interactions.service import prepare_utterances
from memory_service.pages import service as pages
from memory_service.profiles.service import get_profile
from memory_service.recall.flows import recall_for_customer
from memory_service.recall.rerank import Reranker
from memory_service.recall.service import RecallPolicy
from memory_service.redaction import Redaction
from memory_service.tenants.service import Tenant
from schemas.handoff import HandoffBrief, HandoffIdentity, HandoffRequest, RecentInteraction
from schemas.interactions import UtteranceIn, number_utterances
from schemas.observations import Source
from schemas.recall import RecallItem, RecallRequest

RECENT = 3
RELEVANT = 5


def handoff_brief(
    conn: Connection, *, tenant: Tenant, customer_ref: str, request: HandoffRequest, settings: Settings,
    index: VectorIndex, embed_query: Callable[[str], np.ndarray], policy: RecallPolicy,
    reranker: Reranker | None = None, redaction: Redaction = Redaction(),
) -> HandoffBrief:  # fmt: skip
    country = settings.default_phone_country_code
    customer_id = resolve_customer_ref(conn, tenant_id=tenant.id, ref=customer_ref, country_code=country)
    row, utterances = _conversation(conn, tenant=tenant, customer_id=customer_id, request=request,
                                    redaction=redaction)  # fmt: skip
    channel = row["channel"] if row else "other"
    source = Source(interaction_id=str(row["id"]) if row else "", external_id=row["payload"].get("external_id")
                    if row else None)  # fmt: skip
    reading = reader.read_conversation(settings, utterances, channel=channel,
                                       started_at=row["started_at"] if row else None)  # fmt: skip
    profile = get_profile(conn, tenant_id=tenant.id, customer_id=customer_id)
    issue = detected_issue(reading.extraction)
    given = interactions_repo.where_given(conn, customer_id=customer_id)
    brief = HandoffBrief(
        customer_id=customer_id, reason=request.reason, trigger=request.trigger,
        detected_issue=issue.text if issue else None, text="", token_count=0,
        identity=HandoffIdentity(name=profile.name, identifiers=list(profile.identifiers),
                                 channels=sorted({*profile.channels, channel}), first_seen=profile.first_seen),
        already_provided=already_provided(conn, tenant_id=tenant.id, customer_id=customer_id, given=given,
                                          extraction=reading.extraction, source=source, channel=channel),
        open_issues=profile.open_issues, commitments=profile.pending_commitments,
        relevant=_relevant(conn, tenant.id, customer_id, _query(issue.text if issue else None, utterances, request),
                           index, embed_query, policy, reranker, country),
        sentiment=sentiment_now_and_trend(reading, profile.sentiment_trend),
        conversation_summary=reading.summary,
        recent_interactions=[
            RecentInteraction(interaction_id=r.interaction_id, channel=r.channel, started_at=r.started_at,
                              summary=r.summary)
            for r in profile.recent_interactions if r.interaction_id != source.interaction_id and r.summary
        ][:RECENT],
        links=_links(customer_id, tenant, [r.interaction_id for r in profile.recent_interactions[:RECENT]]),
    )  # fmt: skip
    brief.text, brief.token_count = render(brief, request.token_budget)
    return brief


def _conversation(
    conn: Connection, *, tenant: Tenant, customer_id: str, request: HandoffRequest, redaction: Redaction
) -> tuple[dict[str, Any] | None, list[UtteranceIn]]:
    """The interaction's utterances so far, then inline ones it does not hold yet (each passed
    through prepare_utterances, as anything a caller sends is)."""
    row: dict[str, Any] | None = None
    held: list[UtteranceIn] = []
    if request.interaction_id is not None:
        row, held = live_utterances(conn, tenant_id=tenant.id, interaction_id=request.interaction_id)
        if str(row["customer_id"]) != customer_id:
            raise NotFoundError(f"interaction {request.interaction_id!r} is not this customer's",
                                loc=("body", "interaction_id"))  # fmt: skip
    inline = prepare_utterances(list(request.utterances or []), redaction=redaction)
    known = {u.id for u in held}
    extra = [u for u in inline if u.id is None or u.id not in known]
    if extra:
        for offset, u in enumerate(extra):  # absent ids numbered by absolute position, as appends are
            if u.id is None:
                extra[offset] = u.model_copy(update={"id": str(len(held) + offset)})
        number_utterances([*held, *extra])  # refuses an id used twice
    return row, [*held, *extra]


def _query(issue: str | None, utterances: list[UtteranceIn], request: HandoffRequest) -> str:
    """What to recall for: the detected issue, else the customer's last words, else the reason."""
    if issue:
        return issue
    said = [u.text for u in utterances if u.role == "customer" and u.text.strip()]
    return " ".join(said[-3:])[:4000] if said else request.reason


def _relevant(
    conn: Connection, tenant_id: str, customer_id: str, query: str, index: VectorIndex,
    embed_query: Callable[[str], np.ndarray], policy: RecallPolicy, reranker: Reranker | None, country: str,
) -> list[RecallItem]:  # fmt: skip
    answer = recall_for_customer(
        conn, tenant_id=tenant_id, customer_ref=customer_id, index=index, embed_query=embed_query, policy=policy,
        reranker=reranker, country_code=country,
        request=RecallRequest(query=query, top_k=RELEVANT, include_profile=False, types=["observation", "segment"]),
    )  # fmt: skip
    return answer.items


def _links(customer_id: str, tenant: Tenant, interaction_ids: list[str]) -> dict[str, str]:
    ref = quote(customer_id, safe="")
    links = {
        "profile": f"/v1/customers/{ref}/profile",
        "observations": f"/v1/customers/{ref}/observations?status=all",
        "context": f"/v1/customers/{ref}/context",
        "page": f"/ui/customers/{ref}?token={pages.sign(tenant, customer_id)}",
    }
    links.update({f"interaction {i[:8]}": f"/v1/interactions/{i}" for i in interaction_ids})
    return links
