"""Customer endpoints: forget."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from memory_service.api.deps import RuntimeDep, TenantDep, TxDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.customers import flows

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.delete("/{customer_ref}", status_code=status.HTTP_204_NO_CONTENT)
def forget_customer(customer_ref: str, tenant: TenantDep, tx: TxDep, runtime: RuntimeDep) -> Response:
    flows.forget_customer(tx, index=runtime.index, tenant_id=tenant.id, customer_ref=customer_ref,
                          country_code=runtime.settings.default_phone_country_code)  # fmt: skip
    return Response(status_code=status.HTTP_204_NO_CONTENT)
