"""The API's query model (run without sentence-transformers) against the worker's."""

from __future__ import annotations

import numpy as np
import pytest

from memory_service.embeddings import SentenceTransformerEmbedder, bundled_model_path
from memory_service.embeddings.mean_pooling import MeanPoolingEmbedder, supported


def test_the_bundled_model_is_run_without_sentence_transformers_and_gives_the_same_vectors() -> None:
    path = bundled_model_path()
    assert supported(path)
    texts = ["what happened with the order?", "The parcel arrived damaged; refund by Friday.", "ok", "word " * 400]
    lean = MeanPoolingEmbedder(path, batch_size=3).embed(texts)  # two batches, the long text truncated
    reference = SentenceTransformerEmbedder(path).embed(texts)
    assert lean.shape == reference.shape == (4, 384) and lean.dtype == np.float32
    assert np.abs(lean - reference).max() < 1e-5
    assert MeanPoolingEmbedder(path).embed([]).shape == (0, 384)


@pytest.mark.parametrize("broken", ["modules.json", "pooling"])
def test_other_model_forms_fall_back_to_sentence_transformers(tmp_path, broken: str) -> None:  # type: ignore[no-untyped-def]
    import shutil

    model = tmp_path / "model"
    shutil.copytree(bundled_model_path(), model)
    if broken == "modules.json":
        (model / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", "type": "x.Transformer"}]')
    else:
        (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert not supported(str(model))
    assert not supported(str(tmp_path / "missing"))


def test_a_lone_query_does_not_wait_for_the_batching_window() -> None:
    import time

    from memory_service.embeddings.batching import MicroBatchingEmbedder
    from tests.fakes import HashingEmbedder

    batched = MicroBatchingEmbedder(HashingEmbedder(dim=16), window_s=2.0)
    for text in ("first query", "second query"):  # one at a time: each its own batch, no window
        started = time.perf_counter()
        assert batched.embed([text]).shape == (1, 16)
        assert time.perf_counter() - started < 1.0
    assert batched.batches == 2


def test_the_query_model_may_differ_from_the_documents_but_document_vectors_never_do() -> None:
    from memory_service.config import Settings
    from memory_service.embeddings.preload import DocumentModel, query_settings

    same = Settings(embedding_backend="torch")
    assert query_settings(same) is same
    default = Settings(embedding_backend="onnx")  # queries default to int8 over fp32 ONNX documents
    assert query_settings(default).embedding_backend == "onnx-int8" and default.embedding_backend == "onnx"
    named = Settings(embedding_backend="onnx", query_embedding_backend="onnx")
    assert query_settings(named).embedding_backend == "onnx"
    split = Settings(embedding_backend="onnx", query_embedding_backend="onnx-int8")
    assert query_settings(split).embedding_backend == "onnx-int8" and split.embedding_backend == "onnx"

    class Fake:
        dim = 2

        def __init__(self, value: float) -> None:
            self.value = value

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.full((len(texts), 2), self.value, dtype=np.float32)

    query_model = Fake(1.0)
    assert DocumentModel(same, query_model).embed_one("x")[0] == 1.0  # one model serves both
    documents = DocumentModel(split, query_model)
    documents._model = Fake(2.0)  # what build_embedder(split) would load on first use
    assert documents.embed_one("x")[0] == 2.0
