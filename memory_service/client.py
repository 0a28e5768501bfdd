"""Thin clients for the orchestrator, AI agents and handoff tooling.

MemoryClient (sync) and AsyncMemoryClient share one base; pass `transport=` to run against
the app in-process in tests. Every failure raises MemoryClientError (or a subclass).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx


class MemoryClientError(Exception):
    def __init__(self, status_code: int, detail: Any) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class NotFound(MemoryClientError):
    pass


class _Base:
    def __init__(self, base_url: str, api_key: str | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    @staticmethod
    def ref(customer_ref: str) -> str:
        return quote(customer_ref, safe="")

    @staticmethod
    def check(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text
            cls = NotFound if response.status_code == 404 else MemoryClientError
            raise cls(response.status_code, detail)
        return None if response.status_code == 204 else response.json()


class MemoryClient(_Base):
    def __init__(
        self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:  # fmt: skip
        super().__init__(base_url, api_key, timeout)
        self.http = httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout, transport=transport)

    def ingest(self, interaction: dict[str, Any]) -> dict[str, Any]:
        return self.check(self.http.post("/v1/interactions", json=interaction))  # type: ignore[no-any-return]

    def status(self, interaction_id: str) -> dict[str, Any]:
        return self.check(self.http.get(f"/v1/interactions/{interaction_id}"))  # type: ignore[no-any-return]

    def wait(self, interaction_id: str, *, timeout: float = 60.0, poll: float = 0.1) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            state = self.status(interaction_id)
            if state["status"] in ("done", "failed") or time.monotonic() > deadline:
                return state
            time.sleep(poll)

    def recall(self, customer_ref: str, query: str, **options: Any) -> dict[str, Any]:
        body = {"query": query, **options}
        return self.check(self.http.post(f"/v1/customers/{self.ref(customer_ref)}/recall", json=body))  # type: ignore[no-any-return]

    def profile(self, customer_ref: str) -> dict[str, Any]:
        return self.check(self.http.get(f"/v1/customers/{self.ref(customer_ref)}/profile"))  # type: ignore[no-any-return]

    def observations(self, customer_ref: str, **params: Any) -> dict[str, Any]:
        url = f"/v1/customers/{self.ref(customer_ref)}/observations"
        return self.check(self.http.get(url, params=params))  # type: ignore[no-any-return]

    def forget_customer(self, customer_ref: str) -> None:
        self.check(self.http.delete(f"/v1/customers/{self.ref(customer_ref)}"))

    def retract_observation(self, customer_ref: str, observation_id: str, *, reason: str | None = None) -> None:
        url = f"/v1/customers/{self.ref(customer_ref)}/observations/{quote(observation_id, safe='')}"
        self.check(self.http.delete(url, params={"reason": reason} if reason else None))

    def correct_observation(
        self, customer_ref: str, observation_id: str, *, text: str | None = None, value: str | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        url = f"/v1/customers/{self.ref(customer_ref)}/observations/{quote(observation_id, safe='')}"
        body = {k: v for k, v in {"text": text, "value": value, "reason": reason}.items() if v is not None}
        return self.check(self.http.patch(url, json=body))  # type: ignore[no-any-return]

    def forget_interaction(self, interaction_id: str) -> None:
        self.check(self.http.delete(f"/v1/interactions/{interaction_id}"))

    def close(self) -> None:
        self.http.close()


class AsyncMemoryClient(_Base):
    def __init__(
        self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        super().__init__(base_url, api_key, timeout)
        self.http = httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, timeout=timeout, transport=transport
        )

    async def ingest(self, interaction: dict[str, Any]) -> dict[str, Any]:
        return self.check(await self.http.post("/v1/interactions", json=interaction))  # type: ignore[no-any-return]

    async def recall(self, customer_ref: str, query: str, **options: Any) -> dict[str, Any]:
        body = {"query": query, **options}
        url = f"/v1/customers/{self.ref(customer_ref)}/recall"
        return self.check(await self.http.post(url, json=body))  # type: ignore[no-any-return]

    async def profile(self, customer_ref: str) -> dict[str, Any]:
        return self.check(await self.http.get(f"/v1/customers/{self.ref(customer_ref)}/profile"))  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self.http.aclose()
