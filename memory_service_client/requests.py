"""The one request builder under both clients (as httpx's BaseClient): every endpoint is built
here once, as a `Call` (the request, whether it may be retried, how to read the answer);
MemoryClient and AsyncMemoryClient only send it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from memory_service_client.errors import error_for
from memory_service_client.retry import retry_after_seconds
from schemas.context import ContextResponse
from schemas.export import CustomerExport
from schemas.handoff import HandoffBrief, HandoffRequest
from schemas.health import Health, Readiness
from schemas.interactions import (
    InteractionAccepted,
    InteractionEnd,
    InteractionStatus,
    UtteranceIn,
    UtterancesAppended,
    UtterancesIn,
)
from schemas.keys import KeyInfo
from schemas.observations import ObservationCorrection, ObservationOut, ObservationPage
from schemas.profiles import Profile
from schemas.recall import RecallRequest, RecallResponse

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

Payload = BaseModel | Mapping[str, Any]


@dataclass(frozen=True)
class Call(Generic[T]):
    """A built request: `idempotent` says whether sending it twice is safe (so it may be retried),
    `read` turns a successful response into the result; `ok` lists non-2xx statuses that are
    answers, not errors (a 503 from /readyz says "not ready")."""

    request: httpx.Request
    read: Callable[[httpx.Response], T]
    idempotent: bool
    ok: frozenset[int] = frozenset()

    def result(self, response: httpx.Response) -> T:
        """The typed result, or the typed ApiError for an error status."""
        if response.status_code >= 400 and response.status_code not in self.ok:
            raise error_for(response.status_code, _detail(response), retry_after=retry_after_seconds(response))
        return self.read(response)


def _detail(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    return body.get("detail", body) if isinstance(body, dict) else body


def _model(cls: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: cls.model_validate(response.json())


def _nothing(_: httpx.Response) -> None:
    return None


def _body(payload: Payload) -> dict[str, Any]:
    """JSON for a request body: a model as it serialises; a mapping as given (the service validates)."""
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json", exclude_none=True)
    return dict(payload)


def _segment(value: str) -> str:
    """One path segment: customer refs like `phone:+1555...` and ids, URL-encoded."""
    return quote(value, safe="")


class Requests:
    """Builds every request of the service's API (CONTRACT.md), keyed to one base URL and key."""

    def __init__(self, base_url: str, api_key: str | None, *, timeout: float | httpx.Timeout = 30.0) -> None:
        self.base_url = httpx.URL(base_url.rstrip("/") + "/")
        self.headers = {"User-Agent": "memory-service-client", "Accept": "application/json"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)

    def build(
        self, method: str, path: str, read: Callable[[httpx.Response], T], *, idempotent: bool,
        json: Any = None, params: Mapping[str, Any] | None = None, ok: frozenset[int] = frozenset(),
    ) -> Call[T]:  # fmt: skip
        query = {k: v for k, v in (params or {}).items() if v is not None}
        request = httpx.Request(
            method, self.base_url.join(path.lstrip("/")), params=query or None, json=json, headers=self.headers,
            extensions={"timeout": self.timeout.as_dict()},
        )  # fmt: skip
        return Call(request, read, idempotent, ok)

    # Health (public)
    def health(self) -> Call[Health]:
        return self.build("GET", "/healthz", _model(Health), idempotent=True)

    def ready(self) -> Call[Readiness]:
        # A 503 here is the answer ("not ready yet"), not a reason to retry: callers poll it themselves.
        return self.build("GET", "/readyz", _model(Readiness), idempotent=False, ok=frozenset({503}))

    def metrics(self) -> Call[str]:
        return self.build("GET", "/metrics", lambda response: response.text, idempotent=True)

    def key_info(self) -> Call[KeyInfo]:
        return self.build("GET", "/v1/keys/me", _model(KeyInfo), idempotent=True)

    # Interactions
    def ingest(self, interaction: Payload) -> Call[InteractionAccepted]:
        body = _body(interaction)
        # The same external_id with the same content creates nothing: safe to send again.
        return self.build("POST", "/v1/interactions", _model(InteractionAccepted), json=body,
                          idempotent=bool(body.get("external_id")))  # fmt: skip

    def open_interaction(self, interaction: Payload) -> Call[InteractionAccepted]:
        body = {**_body(interaction), "status": "live"}
        return self.build("POST", "/v1/interactions", _model(InteractionAccepted), json=body,
                          idempotent=bool(body.get("external_id")))  # fmt: skip

    def append_utterances(
        self, interaction_id: str, utterances: Sequence[UtteranceIn | Mapping[str, Any]]
    ) -> Call[UtterancesAppended]:
        body = _body(UtterancesIn.model_validate({"utterances": list(utterances)}))
        # Appending is idempotent by utterance id, so only an append whose utterances all carry ids is.
        all_ids = all(u.get("id") for u in body["utterances"])
        path = f"/v1/interactions/{_segment(interaction_id)}/utterances"
        return self.build("POST", path, _model(UtterancesAppended), json=body, idempotent=all_ids)

    def end_interaction(self, interaction_id: str, *, ended_at: datetime | None = None) -> Call[InteractionAccepted]:
        body = InteractionEnd(ended_at=ended_at).model_dump(mode="json")
        path = f"/v1/interactions/{_segment(interaction_id)}/end"
        return self.build("POST", path, _model(InteractionAccepted), json=body, idempotent=False)

    def interaction(self, interaction_id: str) -> Call[InteractionStatus]:
        path = f"/v1/interactions/{_segment(interaction_id)}"
        return self.build("GET", path, _model(InteractionStatus), idempotent=True)

    def forget_interaction(self, interaction_id: str) -> Call[None]:
        return self.build("DELETE", f"/v1/interactions/{_segment(interaction_id)}", _nothing, idempotent=True)

    # A customer's memory
    def recall(self, customer_ref: str, query: str, **options: Any) -> Call[RecallResponse]:
        body = RecallRequest(query=query, **options).model_dump(mode="json", exclude_unset=True)
        path = f"/v1/customers/{_segment(customer_ref)}/recall"
        return self.build("POST", path, _model(RecallResponse), json=body, idempotent=True)  # a read

    def context(
        self, customer_ref: str, *, query: str | None = None, token_budget: int | None = None
    ) -> Call[ContextResponse]:
        path = f"/v1/customers/{_segment(customer_ref)}/context"
        params = {"query": query, "token_budget": token_budget}
        return self.build("GET", path, _model(ContextResponse), params=params, idempotent=True)

    def handoff(self, customer_ref: str, request: HandoffRequest) -> Call[HandoffBrief]:
        path = f"/v1/customers/{_segment(customer_ref)}/handoff"
        body = request.model_dump(mode="json", exclude_none=True)
        return self.build("POST", path, _model(HandoffBrief), json=body, idempotent=True)  # builds, stores nothing

    def profile(self, customer_ref: str) -> Call[Profile]:
        return self.build("GET", f"/v1/customers/{_segment(customer_ref)}/profile", _model(Profile), idempotent=True)

    def observations(
        self, customer_ref: str, *, kind: str | None = None, status: str | None = None, limit: int | None = None,
        cursor: str | None = None,
    ) -> Call[ObservationPage]:  # fmt: skip
        path = f"/v1/customers/{_segment(customer_ref)}/observations"
        params = {"kind": kind, "status": status, "limit": limit, "cursor": cursor}
        return self.build("GET", path, _model(ObservationPage), params=params, idempotent=True)

    def correct_observation(
        self, customer_ref: str, observation_id: str, correction: ObservationCorrection
    ) -> Call[ObservationOut]:
        path = f"/v1/customers/{_segment(customer_ref)}/observations/{_segment(observation_id)}"
        body = correction.model_dump(mode="json", exclude_none=True)
        # Each correction supersedes what is there now: sending it twice is not the same.
        return self.build("PATCH", path, _model(ObservationOut), json=body, idempotent=False)

    def retract_observation(self, customer_ref: str, observation_id: str, *, reason: str | None = None) -> Call[None]:
        path = f"/v1/customers/{_segment(customer_ref)}/observations/{_segment(observation_id)}"
        return self.build("DELETE", path, _nothing, params={"reason": reason}, idempotent=True)

    def forget_customer(self, customer_ref: str) -> Call[None]:
        return self.build("DELETE", f"/v1/customers/{_segment(customer_ref)}", _nothing, idempotent=True)

    def export(self, customer_ref: str) -> Call[CustomerExport]:
        path = f"/v1/customers/{_segment(customer_ref)}/export"
        return self.build("GET", path, _model(CustomerExport), idempotent=True)
