"""Micro-batching of single-text embeddings across concurrent requests.

One thread owns the model. Requests queue their text; whenever the model is free the thread
takes everything queued (up to max_batch) and embeds it in one call, so under load N
concurrent queries cost about one batch instead of N sequential forward passes (all-MiniLM on
one core: a batch of 8 short queries ~4x the time of one, not 8x). An optional window lets a
few more requests join, but only while the previous batch had company, so a lone request
never waits for it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import numpy as np

from memory_service.embeddings.base import Embedder


class MicroBatchingEmbedder:
    def __init__(self, embedder: Embedder, *, max_batch: int = 32, window_s: float = 0.0) -> None:
        self.embedder = embedder
        self.dim = embedder.dim
        self.max_batch = max_batch
        self.window_s = window_s
        self._queue: list[tuple[str, Future[np.ndarray]]] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="query-embedder", daemon=True)
        self._thread.start()
        self.batches = 0
        self.texts = 0
        self._last_batch = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:
            return self.embedder.embed(texts)
        future: Future[np.ndarray] = Future()
        with self._cond:
            self._queue.append((texts[0], future))
            self._cond.notify()
        return future.result().reshape(1, self.dim)

    def _take(self) -> list[tuple[str, Future[np.ndarray]]]:
        with self._cond:
            while not self._queue:
                self._cond.wait()
        if self.window_s and self._last_batch > 1:  # concurrent load: let a few more join
            time.sleep(self.window_s)
        with self._cond:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
        self._last_batch = len(batch)
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            try:
                vectors = self.embedder.embed([text for text, _ in batch])
            except Exception as exc:  # every waiter sees the failure
                for _, future in batch:
                    future.set_exception(exc)
                continue
            self.batches += 1
            self.texts += len(batch)
            for row, (_, future) in enumerate(batch):
                future.set_result(vectors[row])
