"""AsyncMemoryClient: the asynchronous client. Every method builds its request with `Requests` and
sends it here; errors are the typed ones of `errors.py`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import anyio
import httpx

from memory_service_client.errors import InteractionFailed, WaitTimeout, transport_error
from memory_service_client.requests import Call, Payload, Requests
from memory_service_client.retry import RetryPolicy
from schemas.context import ContextResponse
from schemas.export import CustomerExport
from schemas.handoff import HandoffBrief, HandoffRequest
from schemas.health import Health, Readiness
from schemas.interactions import InteractionAccepted, InteractionStatus, UtteranceIn, UtterancesAppended
from schemas.keys import KeyInfo
from schemas.observations import ObservationCorrection, ObservationOut, ObservationPage
from schemas.profiles import Profile
from schemas.recall import RecallResponse

T = TypeVar("T")


class AsyncMemoryClient:
    """A customer-memory service over HTTP.

        async with AsyncMemoryClient("http://127.0.0.1:8080", api_key) as memory:
            accepted = await memory.ingest(interaction)
            await memory.wait(accepted.interaction_id)
            answer = await memory.recall("phone:+15551234567", "is my replacement on its way?")

    `transport=` sends through any httpx transport (tests pass the app in-process);
    `retry=` sets how idempotent calls are retried (see RetryPolicy)."""

    def __init__(
        self, base_url: str, api_key: str | None = None, *, timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        self.requests = Requests(base_url, api_key, timeout=timeout)
        self.retry = retry or RetryPolicy()
        self.http = httpx.AsyncClient(transport=transport)
        self._sleep = anyio.sleep

    async def send(self, call: Call[T]) -> T:
        """Send a built call, retrying it (if idempotent) on 429/503 and network failures."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self.http.send(call.request)
            except httpx.TransportError as exc:
                delay = self.retry.delay_after_error(attempt=attempt, idempotent=call.idempotent)
                if delay is None:
                    raise transport_error(exc, call.request) from exc
            else:
                delay = self.retry.delay_after_response(response, attempt=attempt, idempotent=call.idempotent)
                if delay is None:
                    return call.result(response)
                await response.aclose()
            await self._sleep(delay)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncMemoryClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # Health
    async def health(self) -> Health:
        """GET /healthz: the process is alive."""
        return await self.send(self.requests.health())

    async def ready(self) -> Readiness:
        """GET /readyz: database, broker, model and index (a 503 is returned as ready=False)."""
        return await self.send(self.requests.ready())

    async def metrics(self) -> str:
        """GET /metrics: Prometheus text format."""
        return await self.send(self.requests.metrics())

    async def key_info(self) -> KeyInfo:
        """GET /v1/keys/me: the calling key's tenant and scopes."""
        return await self.send(self.requests.key_info())

    # Interactions
    async def ingest(self, interaction: Payload) -> InteractionAccepted:
        """POST /v1/interactions: a finished interaction (InteractionIn or its JSON); queued for extraction."""
        return await self.send(self.requests.ingest(interaction))

    async def open_interaction(self, interaction: Payload) -> InteractionAccepted:
        """POST /v1/interactions with status "live": opens a conversation (LiveInteractionIn or its JSON)."""
        return await self.send(self.requests.open_interaction(interaction))

    async def append_utterances(
        self, interaction_id: str, utterances: Sequence[UtteranceIn | Mapping[str, Any]]
    ) -> UtterancesAppended:
        """POST /v1/interactions/{id}/utterances: appends to a live interaction (Conflict once ended)."""
        return await self.send(self.requests.append_utterances(interaction_id, utterances))

    async def end_interaction(self, interaction_id: str, *, ended_at: datetime | None = None) -> InteractionAccepted:
        """POST /v1/interactions/{id}/end: closes a live interaction and queues its extraction."""
        return await self.send(self.requests.end_interaction(interaction_id, ended_at=ended_at))

    async def interaction(self, interaction_id: str) -> InteractionStatus:
        """GET /v1/interactions/{id}: its processing status, error and counts."""
        return await self.send(self.requests.interaction(interaction_id))

    status = interaction

    async def wait(self, interaction_id: str, *, timeout: float = 60.0, poll: float = 0.2) -> InteractionStatus:
        """Poll until the interaction is `done` and return its status. Raises InteractionFailed if it
        failed, WaitTimeout if it is not done within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            state = await self.interaction(interaction_id)
            if state.status == "done":
                return state
            if state.status == "failed":
                raise InteractionFailed(state)
            if time.monotonic() >= deadline:
                raise WaitTimeout(interaction_id, timeout, state)
            await self._sleep(min(poll, max(0.0, deadline - time.monotonic())))

    async def forget_interaction(self, interaction_id: str) -> None:
        """DELETE /v1/interactions/{id}: forgets it and whatever rests only on it."""
        await self.send(self.requests.forget_interaction(interaction_id))

    # A customer's memory (customer_ref: the service's id or `type:value`, e.g. phone:+15551234567)
    async def recall(self, customer_ref: str, query: str, **options: Any) -> RecallResponse:
        """POST /v1/customers/{ref}/recall; `options` are RecallRequest's fields (top_k, kinds, token_budget, ...)."""
        return await self.send(self.requests.recall(customer_ref, query, **options))

    async def context(
        self, customer_ref: str, *, query: str | None = None, token_budget: int | None = None
    ) -> ContextResponse:
        """GET /v1/customers/{ref}/context: a prompt-ready block for a conversation's start, within the budget."""
        return await self.send(self.requests.context(customer_ref, query=query, token_budget=token_budget))

    async def handoff(
        self, customer_ref: str, *, reason: str, interaction_id: str | None = None,
        utterances: Sequence[UtteranceIn | Mapping[str, Any]] | None = None, trigger: str = "customer_request",
        token_budget: int = 800,
    ) -> HandoffBrief:  # fmt: skip
        """POST /v1/customers/{ref}/handoff: the brief a human agent needs (JSON and Markdown `text`)."""
        request = HandoffRequest.model_validate(
            {"interaction_id": interaction_id, "utterances": utterances, "reason": reason, "trigger": trigger,
             "token_budget": token_budget}
        )  # fmt: skip
        return await self.send(self.requests.handoff(customer_ref, request))

    async def profile(self, customer_ref: str) -> Profile:
        """GET /v1/customers/{ref}/profile."""
        return await self.send(self.requests.profile(customer_ref))

    async def observations(
        self, customer_ref: str, *, kind: str | None = None, status: str | None = None, limit: int | None = None,
        cursor: str | None = None,
    ) -> ObservationPage:  # fmt: skip
        """GET /v1/customers/{ref}/observations: one page, newest first; pass `next_cursor` for the next."""
        return await self.send(self.requests.observations(customer_ref, kind=kind, status=status, limit=limit,
                                                    cursor=cursor))  # fmt: skip

    async def correct_observation(
        self, customer_ref: str, observation_id: str, *, text: str | None = None, value: str | None = None,
        reason: str | None = None,
    ) -> ObservationOut:  # fmt: skip
        """PATCH .../observations/{id}: the corrected observation supersedes it (history kept)."""
        correction = ObservationCorrection(text=text, value=value, reason=reason)
        return await self.send(self.requests.correct_observation(customer_ref, observation_id, correction))

    async def retract_observation(self, customer_ref: str, observation_id: str, *, reason: str | None = None) -> None:
        """DELETE .../observations/{id}: kept in the history, never recalled again."""
        await self.send(self.requests.retract_observation(customer_ref, observation_id, reason=reason))

    async def forget_customer(self, customer_ref: str) -> None:
        """DELETE /v1/customers/{ref}: erases the customer everywhere."""
        await self.send(self.requests.forget_customer(customer_ref))

    async def export(self, customer_ref: str) -> CustomerExport:
        """GET /v1/customers/{ref}/export (admin): everything stored about the customer."""
        return await self.send(self.requests.export(customer_ref))
