"""How client commands and the MCP server find the service: --url/MEMORY_URL first, else the
service.json that `memory-service up` writes in the data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memory_service_client import ServiceNotFound, locate_service


def test_the_url_comes_from_the_argument_the_environment_or_service_json(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("MEMORY_URL", "MEMORY_API_KEY", "MEMORY_BOOTSTRAP_API_KEY", "MEMORY_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "service.json").write_text(json.dumps({"url": "http://127.0.0.1:8123", "pid": 1}))
    assert locate_service(data_dir=tmp_path).url == "http://127.0.0.1:8123"
    monkeypatch.setenv("MEMORY_DATA_DIR", str(tmp_path))
    assert locate_service().url == "http://127.0.0.1:8123"
    monkeypatch.setenv("MEMORY_URL", "http://memory.internal")
    monkeypatch.setenv("MEMORY_BOOTSTRAP_API_KEY", "bootstrap-key")
    assert locate_service() == locate_service("http://memory.internal", None)
    assert locate_service().api_key == "bootstrap-key"
    monkeypatch.setenv("MEMORY_API_KEY", "the-key")
    assert locate_service(api_key="given").api_key == "given" and locate_service().api_key == "the-key"


def test_no_running_service_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MEMORY_URL", raising=False)
    with pytest.raises(ServiceNotFound, match="no running `memory-service up`"):
        locate_service(data_dir=tmp_path)
