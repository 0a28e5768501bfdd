#!/usr/bin/env bash
# The run command: set up what is needed, then run the whole service (API + worker) on
# embedded Postgres and Redis unless MEMORY_DATABASE_URL / MEMORY_REDIS_URL are set.
# Extra arguments go to `memory-service up` (e.g. --port 8080 --data-dir ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec "${MEMORY_VENV:-.venv}/bin/memory-service" up "$@"
