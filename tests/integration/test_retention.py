"""A tenant's retention period: the API's reaper erases interactions older than it, as
DELETE /v1/interactions/{id} does, and keeps the rest."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.integration.conftest import Api
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration
REF = quote("phone:+15551234567", safe="")


def _at(days_ago: int) -> dict[str, str]:
    start = datetime.now(UTC) - timedelta(days=days_ago)
    return {"started_at": start.isoformat(), "ended_at": (start + timedelta(minutes=5)).isoformat()}


def test_interactions_older_than_retention_are_erased(api: Api) -> None:
    from memory_service.tenants.service import set_tenant_policy

    old = api.ingest(example_interaction(**_at(60), utterances=[
        {"id": "o1", "role": "customer", "text": "My order 55555 arrived with a cracked screen."}]))
    recent = api.ingest(example_interaction(**_at(2), utterances=[
        {"id": "r1", "role": "customer", "text": "I prefer to be contacted by email, not phone."}]))  # fmt: skip
    assert api.get(f"/v1/interactions/{old['interaction_id']}").status_code == 200
    with api.runtime.pool.connection() as conn:
        set_tenant_policy(conn, name=api.tenant, retention_days=30)
    deadline = time.monotonic() + 20
    while api.get(f"/v1/interactions/{old['interaction_id']}").status_code != 404:
        assert time.monotonic() < deadline, "the reaper did not erase the expired interaction"
        time.sleep(0.2)
    assert api.get(f"/v1/interactions/{recent['interaction_id']}").json()["status"] == "done"
    texts = [o["text"] for o in api.get(f"/v1/customers/{REF}/observations?status=all").json()["items"]]
    assert not any("cracked" in t for t in texts) and any("email" in t for t in texts)
    assert api.count("SELECT count(*) AS n FROM episodes WHERE interaction_id = %s", old["interaction_id"]) == 0


def test_policy_refuses_bad_values(api: Api) -> None:
    from memory_service.errors import InvalidInputError, NotFoundError
    from memory_service.tenants.service import set_tenant_policy

    with api.runtime.pool.connection() as conn:
        with pytest.raises(InvalidInputError):
            set_tenant_policy(conn, name=api.tenant, redaction_policy="shred")
        with pytest.raises(InvalidInputError):
            set_tenant_policy(conn, name=api.tenant, retention_days=0)
        with pytest.raises(NotFoundError):
            set_tenant_policy(conn, name="no-such-tenant-" + api.tenant, retention_days=5)
