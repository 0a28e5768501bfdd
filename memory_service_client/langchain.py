"""A LangChain retriever over recall (`pip install 'memory-service-client[langchain]'`).

    from memory_service_client import MemoryClient
    from memory_service_client.langchain import MemoryRetriever

    retriever = MemoryRetriever(client=MemoryClient(url, key), customer_ref="phone:+15551234567")
    docs = retriever.invoke("is the replacement on its way?")

One retriever per customer: a conversation is with one customer, and LangChain retrievers take
only a query. Each Document is one recalled memory; its metadata carries the score and the
source (interaction and utterance ids), so an answer can cite where it came from."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from memory_service_client.aio import AsyncMemoryClient
from memory_service_client.sync import MemoryClient
from schemas.recall import RecallItem, RecallResponse


class MemoryRetriever(BaseRetriever):
    """Recall for one customer as LangChain Documents. Give `client` (sync), `async_client`, or both;
    an async call without `async_client` runs the sync client in a thread."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: MemoryClient | None = None
    async_client: AsyncMemoryClient | None = None
    customer_ref: str = Field(description="the service's customer id or type:value")
    top_k: int = 8
    token_budget: int | None = None
    kinds: list[str] | None = None

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"top_k": self.top_k, "include_profile": False}
        if self.token_budget is not None:
            options["token_budget"] = self.token_budget
        if self.kinds:
            options["kinds"] = self.kinds
        return options

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        if self.client is None:
            raise ValueError("MemoryRetriever needs `client` for synchronous calls")
        return documents(self.client.recall(self.customer_ref, query, **self._options()))

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        if self.async_client is None:
            return await super()._aget_relevant_documents(query, run_manager=run_manager)
        return documents(await self.async_client.recall(self.customer_ref, query, **self._options()))


def documents(answer: RecallResponse) -> list[Document]:
    """A recall answer as Documents, best first."""
    return [_document(answer.customer_id, item) for item in answer.items]


def _document(customer_id: str, item: RecallItem) -> Document:
    metadata = {
        "id": item.id, "type": item.type, "kind": item.kind, "score": item.score, "confidence": item.confidence,
        "observed_at": item.observed_at.isoformat() if item.observed_at else None, "customer_id": customer_id,
        "interaction_id": item.source.interaction_id, "external_id": item.source.external_id,
        "utterance_ids": list(item.source.utterance_ids),
    }  # fmt: skip
    return Document(page_content=item.text, metadata=metadata, id=item.id)
