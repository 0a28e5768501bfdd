"""Erasing a customer rewrites the index snapshot at once: their unit ids and vectors leave the
files under <data-dir>/index-snapshot within seconds, not at the next scheduled snapshot."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import Api
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def _snapshot_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.glob("*")) if p.is_file())


def test_erasing_a_customer_rewrites_the_snapshot(api: Api, settings: Any) -> None:
    phone = f"+1555{uuid.uuid4().int % 10**7:07d}"
    status = api.ingest(example_interaction(customer={"identifiers": [{"type": "phone", "value": phone}]}))
    customer_id = status["customer_id"]
    api.wait_indexed(customer_id)
    syncer = api.runtime.syncer
    syncer.save_snapshot()  # as the scheduled snapshot would
    snapshot = settings.data_dir / "index-snapshot"
    unit_ids = api.runtime.index.customer_ids(tenant_id=api.tenant_id, customer_id=customer_id)
    assert unit_ids and uuid.UUID(next(iter(unit_ids))).bytes in _snapshot_bytes(snapshot)

    assert api.delete(f"/v1/customers/{quote('phone:' + phone, safe='')}").status_code == 204
    deadline = time.monotonic() + 10
    while any(uuid.UUID(u).bytes in _snapshot_bytes(snapshot) for u in unit_ids):
        assert time.monotonic() < deadline, "the snapshot still holds the erased customer's units"
        time.sleep(0.2)
    assert uuid.UUID(customer_id).bytes not in _snapshot_bytes(snapshot)
