"""The agent page's content: the profile, open items, the timeline of interactions with their
summaries, and the handoff brief (for the interaction the link names, else the customer's live one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import numpy as np
from psycopg import Connection

from memory_service.config import Settings
from memory_service.handoff.flows import handoff_brief
from memory_service.identity.service import resolve_customer_ref
from memory_service.index.base import VectorIndex
from memory_service.interactions import repository as interactions_repo
from memory_service.pages import service as pages
from memory_service.pages.render import PageData, render_page
from memory_service.profiles.service import get_profile
from memory_service.recall.service import RecallPolicy
from memory_service.tenants.service import Tenant
from schemas.handoff import HandoffRequest
from schemas.pages import PageLink, PageLinkRequest

DEFAULT_REASON = "opened from the agent page"


def page_link(conn: Connection, *, tenant: Tenant, customer_ref: str, request: PageLinkRequest,
              country_code: str = "1") -> PageLink:  # fmt: skip
    customer_id = resolve_customer_ref(conn, tenant_id=tenant.id, ref=customer_ref, country_code=country_code)
    params = {k: v for k, v in request.model_dump().items() if v}
    params["token"] = pages.sign(tenant, customer_id)
    expires = datetime.now(UTC) + timedelta(seconds=pages.LINK_SECONDS)
    return PageLink(url=f"/ui/customers/{quote(customer_id, safe='')}?{urlencode(params)}", expires_at=expires)


def agent_page_html(
    conn: Connection, *, tenant: Tenant, customer_ref: str, link: PageLinkRequest, settings: Settings,
    index: VectorIndex, embed_query: Callable[[str], np.ndarray], policy: RecallPolicy,
) -> str:  # fmt: skip
    """The page, rendered: read-only, everything escaped."""
    return render_page(page_data(conn, tenant=tenant, customer_ref=customer_ref, link=link, settings=settings,
                                 index=index, embed_query=embed_query, policy=policy))  # fmt: skip


def page_data(
    conn: Connection, *, tenant: Tenant, customer_ref: str, link: PageLinkRequest, settings: Settings,
    index: VectorIndex, embed_query: Callable[[str], np.ndarray], policy: RecallPolicy,
) -> PageData:  # fmt: skip
    country = settings.default_phone_country_code
    customer_id = resolve_customer_ref(conn, tenant_id=tenant.id, ref=customer_ref, country_code=country)
    timeline = [dict(r) for r in interactions_repo.list_for_customer(conn, tenant_id=tenant.id,
                                                                      customer_id=customer_id)]  # fmt: skip
    timeline.reverse()  # newest first
    interaction_id = link.interaction_id or next((str(r["id"]) for r in timeline if r["status"] == "live"), None)
    brief = None
    if interaction_id:
        request = HandoffRequest(interaction_id=interaction_id, reason=link.reason or DEFAULT_REASON,
                                 trigger=link.trigger or "customer_request")  # fmt: skip
        brief = handoff_brief(conn, tenant=tenant, customer_ref=customer_id, request=request, settings=settings,
                              index=index, embed_query=embed_query, policy=policy)  # fmt: skip
    for row in timeline:
        row["utterance_count"] = len((row.pop("payload") or {}).get("utterances", []))
    return PageData(profile=get_profile(conn, tenant_id=tenant.id, customer_id=customer_id), timeline=timeline,
                    brief=brief)  # fmt: skip
