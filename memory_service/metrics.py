"""Prometheus metrics of the API process."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("memory_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "memory_http_request_seconds", "HTTP request latency", ["route"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5),
)  # fmt: skip
INTERACTIONS_INGESTED = Counter("memory_interactions_ingested_total", "Interactions accepted", ["outcome"])
ENQUEUE_FAILURES = Counter("memory_enqueue_failures_total", "Enqueue attempts that failed (the reaper retries)")
REQUEUED = Counter("memory_interactions_requeued_total", "Stale interactions re-enqueued by the reaper")
RECALL_ITEMS = Histogram("memory_recall_items", "Items returned per recall", buckets=(0, 1, 2, 5, 10, 20, 50))
INDEX_VECTORS = Gauge("memory_index_vectors", "Vectors held by the in-process index")
INDEX_CUSTOMERS = Gauge("memory_index_customers", "Customers held by the in-process index")
QUERY_CACHE_HITS = Gauge("memory_query_cache_hits", "Query embedding cache hits")
QUERY_CACHE_MISSES = Gauge("memory_query_cache_misses", "Query embeddings computed (cache misses)")
QUERY_EMBED_BATCHES = Gauge("memory_query_embed_batches", "Model calls made for query embeddings (micro-batches)")
BACKLOG = Gauge("memory_interactions_backlog", "Interactions waiting for or inside a worker", ["status"])
OLDEST_PENDING = Gauge(
    "memory_interactions_oldest_pending_seconds", "Age of the oldest queued or processing interaction (0: none)"
)
SECRETS_REDACTED = Counter(
    "memory_secrets_redacted_total", "Secrets replaced in transcripts before they were stored", ["kind"]
)
RETENTION_ERASED = Counter(
    "memory_retention_erased_total", "Interactions erased because they outlived their tenant's retention period"
)
WORKER_LAST_SEEN = Gauge(
    "memory_worker_last_seen_seconds", "Seconds since a worker last beat (-1: none seen); alert when it grows"
)
COMPONENT_EXITS = Counter(
    "memory_component_exits_total", "Components started by `up` (worker, redis, postgres) seen dead", ["component"]
)
COMPONENT_RESTARTS = Counter(
    "memory_component_restarts_total", "Components started by `up` restarted by its supervisor", ["component"]
)
