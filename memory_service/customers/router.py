"""Customer endpoints: forget, export."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from memory_service.api.deps import AdminTenantDep, ConnDep, RuntimeDep, TxDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.customers import flows
from schemas.export import CustomerExport

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.delete("/{customer_ref}", status_code=status.HTTP_204_NO_CONTENT)
def forget_customer(customer_ref: str, tenant: AdminTenantDep, tx: TxDep, runtime: RuntimeDep) -> Response:
    flows.forget_customer(tx, index=runtime.index, tenant_id=tenant.id, customer_ref=customer_ref,
                          country_code=runtime.settings.default_phone_country_code)  # fmt: skip
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{customer_ref}/export", response_model=CustomerExport)
def export_customer(customer_ref: str, tenant: AdminTenantDep, conn: ConnDep, runtime: RuntimeDep) -> CustomerExport:
    """Everything stored about the customer, for an access request (needs the `admin` scope)."""
    return flows.export_customer(conn, tenant_id=tenant.id, customer_ref=customer_ref,
                                 country_code=runtime.settings.default_phone_country_code)  # fmt: skip
