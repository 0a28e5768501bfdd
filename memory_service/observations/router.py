"""GET /v1/customers/{ref}/observations: the history, paged; DELETE and PATCH one of them:
a person retracts or corrects what the service understood (observations/flows.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import status as http_status

from memory_service.api.deps import AdminTenantDep, ConnDep, ReadTenantDep, RuntimeDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import CORRECTION, OBSERVATION, OBSERVATION_PAGE, example
from memory_service.identity import service as identity
from memory_service.observations import flows
from memory_service.observations.service import list_observations
from schemas.observations import ObservationCorrection, ObservationOut, ObservationPage

router = APIRouter(prefix="/v1/customers", tags=["observations"], responses=ERROR_RESPONSES)


@router.get("/{customer_ref}/observations", response_model=ObservationPage, responses={200: example(OBSERVATION_PAGE)})
def read_observations(
    customer_ref: str,
    tenant: ReadTenantDep,
    conn: ConnDep,
    runtime: RuntimeDep,
    kind: str | None = None,
    status: Literal["active", "superseded", "retracted", "all"] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> ObservationPage:
    customer_id = identity.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    return list_observations(
        conn, tenant_id=tenant.id, customer_id=customer_id, kind=kind, status=status, limit=limit, cursor=cursor
    )


@router.delete("/{customer_ref}/observations/{observation_id}", status_code=http_status.HTTP_204_NO_CONTENT)
def retract_observation(
    customer_ref: str,
    observation_id: str,
    tenant: AdminTenantDep,
    conn: ConnDep,
    runtime: RuntimeDep,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    country_code = runtime.settings.default_phone_country_code
    customer_id = identity.resolve_customer_ref(conn, tenant_id=tenant.id, ref=customer_ref, country_code=country_code)
    flows.retract_observation(
        conn, tenant_id=tenant.id, customer_id=customer_id, observation_id=observation_id, reason=reason,
        country_code=country_code,
    )  # fmt: skip
    return Response(status_code=http_status.HTTP_204_NO_CONTENT)


@router.patch(
    "/{customer_ref}/observations/{observation_id}",
    response_model=ObservationOut,
    responses={200: example(OBSERVATION)},
    openapi_extra={"requestBody": {"content": {"application/json": {"example": CORRECTION}}}},
)
def correct_observation(
    customer_ref: str,
    observation_id: str,
    correction: ObservationCorrection,
    tenant: AdminTenantDep,
    conn: ConnDep,
    runtime: RuntimeDep,
) -> ObservationOut:
    country_code = runtime.settings.default_phone_country_code
    customer_id = identity.resolve_customer_ref(conn, tenant_id=tenant.id, ref=customer_ref, country_code=country_code)
    corrected = flows.correct_observation(
        conn, tenant_id=tenant.id, customer_id=customer_id, observation_id=observation_id, correction=correction,
        embed=runtime.documents.embed_one, country_code=country_code,
    )  # fmt: skip
    return corrected
