#!/usr/bin/env bash
# The test command: set up what is needed, lint, then run the whole suite against real
# Postgres+pgvector (embedded unless MEMORY_TEST_DATABASE_URL is set), real Redis and a
# real Celery worker process. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
VENV=${MEMORY_VENV:-.venv}
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$VENV/bin/ruff" check memory_service memory_service_client workers schemas tests scripts
"$VENV/bin/mypy"
exec "$VENV/bin/python" -m pytest "$@"
