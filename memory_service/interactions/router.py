"""/v1/interactions: ingest a finished interaction or open a live one, append to it, end it;
its status; forget it."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from memory_service.api.deps import (
    AdminTenantDep,
    ConnDep,
    IngestOrReadTenantDep,
    IngestTenantDep,
    RedactionDep,
    RuntimeDep,
    TxDep,
)
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import (
    ACCEPTED_EXAMPLES,
    APPEND_EXAMPLE,
    APPENDED_EXAMPLE,
    END_EXAMPLE,
    INTERACTION_BODY_OPENAPI,
    STATUS_EXAMPLE,
    example,
)
from memory_service.handoff import reader
from memory_service.interactions import flows, service
from schemas.interactions import (
    InteractionAccepted,
    InteractionEnd,
    InteractionIn,
    InteractionStatus,
    LiveInteractionIn,
    UtterancesAppended,
    UtterancesIn,
)

router = APIRouter(prefix="/v1/interactions", tags=["interactions"], responses=ERROR_RESPONSES)


async def interaction_body(request: Request) -> InteractionIn | LiveInteractionIn:
    """The body read as a finished interaction, or as a live one when it says `"status": "live"`.
    Read by hand so that a refusal names the field as for any body (`["body", "channel"]`),
    without the union member's name a pydantic union would put in `loc`."""
    try:
        raw: Any = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestValidationError([{"type": "json_invalid", "msg": "JSON decode error", "loc": ("body",)}]) from None
    model = LiveInteractionIn if isinstance(raw, dict) and raw.get("status") == "live" else InteractionIn
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [{"type": e["type"], "msg": e["msg"], "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InteractionAccepted,
    responses={
        202: {"content": {"application/json": {"examples": ACCEPTED_EXAMPLES}}},
        200: {"model": InteractionAccepted, "description": "Already posted with the same content: the same body"},
    },
    openapi_extra=INTERACTION_BODY_OPENAPI,
)
def ingest_interaction(
    payload: Annotated[InteractionIn | LiveInteractionIn, Depends(interaction_body)], response: Response,
    tenant: IngestTenantDep, tx: TxDep, runtime: RuntimeDep, redaction: RedactionDep,
) -> InteractionAccepted:  # fmt: skip
    """A finished interaction (queued for extraction), or with `"status": "live"` a conversation that
    is still going on (`utterances` and `ended_at` optional): append to it, then end it."""
    accepted, created = flows.accept_interaction(
        tx, tenant_id=tenant.id, payload=payload, enqueue=runtime.enqueue_safely,
        country_code=runtime.settings.default_phone_country_code, redaction=redaction,
        on_live=lambda: reader.warm_up(runtime.settings),  # a handoff may follow: load its extractor now
    )  # fmt: skip
    if created:
        return accepted
    response.status_code = status.HTTP_200_OK
    response.headers["X-Interaction-Status"] = accepted.status
    first = "live" if isinstance(payload, LiveInteractionIn) else "queued"
    return accepted.model_copy(update={"status": first})  # the same body as the first answer


@router.post(
    "/{interaction_id}/utterances",
    response_model=UtterancesAppended,
    responses={200: example(APPENDED_EXAMPLE), 409: {"description": "The interaction has ended (or an id is reused)"}},
    openapi_extra={"requestBody": {"content": {"application/json": {"example": APPEND_EXAMPLE}}}},
)
def append_utterances(
    interaction_id: str, body: UtterancesIn, tenant: IngestTenantDep, conn: ConnDep, redaction: RedactionDep
) -> UtterancesAppended:
    """Append to a live interaction; idempotent by utterance id (ids absent: numbered by position)."""
    return flows.append_utterances(conn, tenant_id=tenant.id, interaction_id=interaction_id,
                                   utterances=body.utterances, redaction=redaction)  # fmt: skip


@router.post(
    "/{interaction_id}/end",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InteractionAccepted,
    responses={
        202: example({"interaction_id": "5f0c…", "customer_id": "9d2e…", "status": "queued"}),
        200: {"model": InteractionAccepted, "description": "Already ended: its current status"},
    },
    openapi_extra={"requestBody": {"content": {"application/json": {"example": END_EXAMPLE}}}},
)
def end_interaction(
    interaction_id: str, body: InteractionEnd, response: Response, tenant: IngestTenantDep, tx: TxDep,
    runtime: RuntimeDep,
) -> InteractionAccepted:  # fmt: skip
    """Close a live interaction and queue its extraction, as a finished interaction is."""
    answer, ended = flows.end_interaction(tx, tenant_id=tenant.id, interaction_id=interaction_id,
                                          ended_at=body.ended_at, enqueue=runtime.enqueue_safely)  # fmt: skip
    if not ended:
        response.status_code = status.HTTP_200_OK
    return answer


@router.get("/{interaction_id}", response_model=InteractionStatus, responses={200: example(STATUS_EXAMPLE)})
def get_interaction(interaction_id: str, tenant: IngestOrReadTenantDep, conn: ConnDep) -> InteractionStatus:
    return service.get_interaction_status(conn, tenant_id=tenant.id, interaction_id=interaction_id)


@router.delete("/{interaction_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_interaction(interaction_id: str, tenant: AdminTenantDep, tx: TxDep, runtime: RuntimeDep) -> Response:
    flows.forget_interaction(tx, pool=runtime.pool, index=runtime.index, tenant_id=tenant.id,
                             interaction_id=interaction_id)  # fmt: skip
    return Response(status_code=status.HTTP_204_NO_CONTENT)
