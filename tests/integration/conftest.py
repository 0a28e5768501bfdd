"""The running service for integration tests: the API in-process (its real lifespan, real
model, real index) and a Celery worker as its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def worker_process(settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "MEMORY_DATABASE_URL": settings.database_url,
        "MEMORY_REDIS_URL": settings.redis_url,
        "MEMORY_CELERY_QUEUE": settings.celery_queue,
        "MEMORY_DATA_DIR": str(settings.data_dir),
        "MEMORY_LOG_JSON": "false",
        "HF_HUB_OFFLINE": "1",
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "memory_service.cli", "worker"], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 180
    while b"ready." not in log_path.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("worker did not start:\n" + log_path.read_text()[-4000:])
        time.sleep(0.2)
    yield proc
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_client(settings, worker_process) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from memory_service.app.main import create_app

    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def runtime(app_client: TestClient):  # type: ignore[no-untyped-def]
    return app_client.app.state.runtime  # type: ignore[attr-defined]


def _new_tenant(runtime: Any) -> tuple[str, str]:
    from memory_service.tenants.service import create_api_key

    name = f"t-{uuid.uuid4().hex[:10]}"
    with runtime.pool.connection() as conn:
        key = create_api_key(conn, tenant_name=name)
    return name, key


class Api:
    """A tenant's view of the service over HTTP."""

    def __init__(self, client: TestClient, key: str, tenant: str, runtime: Any) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}
        self.tenant = tenant
        self.runtime = runtime
        with runtime.pool.connection() as conn:
            self.tenant_id = str(conn.execute("SELECT id FROM tenants WHERE name = %s", (tenant,)).fetchone()["id"])

    def post(self, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.post(path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)

    def wait_done(self, interaction_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(f"/v1/interactions/{interaction_id}").json()
            if body["status"] in ("done", "failed"):
                return body  # type: ignore[no-any-return]
            if time.monotonic() > deadline:
                pytest.fail(f"interaction not processed in {timeout}s: {body}")
            time.sleep(0.05)

    def ingest(self, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/v1/interactions", json=payload)
        assert response.status_code == 202, response.text
        status = self.wait_done(response.json()["interaction_id"])
        assert status["status"] == "done", status
        return status

    def wait_indexed(self, customer_id: str, count: int | None = None, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ids = self.runtime.index.customer_ids(tenant_id=self.tenant_id, customer_id=customer_id)
            if (count is None and ids) or (count is not None and len(ids) == count):
                return
            time.sleep(0.05)
        pytest.fail("index did not catch up")

    def recall(self, ref: str, query: str, **options: Any) -> Any:
        from urllib.parse import quote

        return self.post(f"/v1/customers/{quote(ref, safe='')}/recall", json={"query": query, **options})

    def count(self, sql: str, *params: Any) -> int:
        with self.runtime.pool.connection() as conn:
            return int(conn.execute(sql, params).fetchone()["n"])


@pytest.fixture
def make_api(app_client: TestClient, runtime: Any) -> Iterator[Callable[[], Api]]:
    """A fresh tenant per call; every tenant made is deleted after the test."""
    made: list[Api] = []

    def factory() -> Api:
        tenant, key = _new_tenant(runtime)
        api = Api(app_client, key, tenant, runtime)
        made.append(api)
        return api

    yield factory
    with runtime.pool.connection() as conn:
        for api in made:
            conn.execute("DELETE FROM tenants WHERE id = %s", (api.tenant_id,))


@pytest.fixture
def api(make_api: Callable[[], Api]) -> Api:
    return make_api()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def service_url(app_client: Any) -> Iterator[str]:
    """The in-process app (already started by the session's TestClient) also on a real port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app_client.app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
