"""Customer endpoints: forget."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from memory_service.api.deps import ConnDep, RuntimeDep, TenantDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.customers import service as customers

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.delete("/{customer_ref}", status_code=status.HTTP_204_NO_CONTENT)
def forget_customer(customer_ref: str, tenant: TenantDep, conn: ConnDep, runtime: RuntimeDep) -> Response:
    customer_id = customers.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    customers.forget_customer(conn, tenant_id=tenant.id, customer_id=customer_id)
    conn.commit()
    runtime.index.remove_customer(customer_id=customer_id)  # honoured at once in this process
    return Response(status_code=status.HTTP_204_NO_CONTENT)
