"""The agent page (GET /ui/customers/{ref}: server-rendered HTML, read-only) and the short-lived
links that open it in a browser (POST /v1/customers/{ref}/page-link)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from memory_service.api.deps import ConnDep, PageTenantDep, ReadTenantDep, RuntimeDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import example
from memory_service.pages import flows
from schemas.pages import PageLink, PageLinkRequest

router = APIRouter(tags=["agent page"], responses=ERROR_RESPONSES)


@router.post(
    "/v1/customers/{customer_ref}/page-link",
    response_model=PageLink,
    responses={200: example({"url": "/ui/customers/9d2e41b0-…?interaction_id=7a11…&token=msk_AbCd.1764590000.x1y2…",
                             "expires_at": "2026-12-01T10:15:00Z"})},
)  # fmt: skip
def create_page_link(
    customer_ref: str, body: PageLinkRequest, tenant: ReadTenantDep, conn: ConnDep, runtime: RuntimeDep
) -> PageLink:
    """A link to the agent page that a browser opens without the API key (signed, 15 minutes)."""
    return flows.page_link(conn, tenant=tenant, customer_ref=customer_ref, request=body,
                           country_code=runtime.settings.default_phone_country_code)  # fmt: skip


@router.get("/ui/customers/{customer_ref}", response_class=HTMLResponse)
def agent_page(
    customer_ref: str, tenant: PageTenantDep, conn: ConnDep, runtime: RuntimeDep,
    interaction_id: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    trigger: Annotated[str | None, Query(max_length=64)] = None,
    token: Annotated[str | None, Query(description="a signed link's token (from page-link), instead of a bearer key")]
    = None,
) -> HTMLResponse:  # fmt: skip
    """The customer for a person: profile, open items, timeline with summaries, and the handoff
    brief (for `interaction_id`, else the customer's live conversation). A bearer key with the
    `read` scope, or the `token` of a link from page-link."""
    link = PageLinkRequest(interaction_id=interaction_id, reason=reason, trigger=trigger)
    html = flows.agent_page_html(
        conn, tenant=tenant, customer_ref=customer_ref, link=link, settings=runtime.settings, index=runtime.index,
        embed_query=runtime.embedder.embed_query, policy=runtime.recall_policy,
    )  # fmt: skip
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
