"""Reranker port: a cross-encoder or LLM can reorder the fused candidates. Nothing is plugged
in by default (MiniLM cross-encoders cost ~10 ms a pair on this CPU budget)."""

from __future__ import annotations

from typing import Protocol


class Reranker(Protocol):
    def rerank(self, query: str, texts: list[str]) -> list[float]:
        """One relevance score per text, higher is better."""
        ...
