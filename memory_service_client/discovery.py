"""Finding a running service as every client command does: `--url`/MEMORY_URL, else the
service.json that `memory-service up` writes in its data directory (`--data-dir`,
MEMORY_DATA_DIR, default ~/.memory-service); the key from `--api-key`/MEMORY_API_KEY, else
MEMORY_BOOTSTRAP_API_KEY."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from memory_service_client.errors import MemoryServiceError


class ServiceNotFound(MemoryServiceError):
    """No URL was given and no running `memory-service up` was found in the data directory."""


@dataclass(frozen=True)
class ServiceLocation:
    url: str
    api_key: str | None


def default_data_dir() -> Path:
    return Path(os.environ.get("MEMORY_DATA_DIR") or Path.home() / ".memory-service")


def locate_service(
    url: str | None = None, api_key: str | None = None, data_dir: Path | None = None
) -> ServiceLocation:
    """Where the service is and which key to use; raises ServiceNotFound."""
    url = url or os.environ.get("MEMORY_URL")
    if not url:
        state = (data_dir or default_data_dir()) / "service.json"
        try:
            url = str(json.loads(state.read_text())["url"])
        except (OSError, ValueError, KeyError) as exc:
            raise ServiceNotFound(
                f"no --url given and no running `memory-service up` found ({state} unreadable)"
            ) from exc
    key = api_key or os.environ.get("MEMORY_API_KEY") or os.environ.get("MEMORY_BOOTSTRAP_API_KEY")
    return ServiceLocation(url=url, api_key=key)
