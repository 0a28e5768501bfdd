"""An httpx transport that sends through the app's TestClient, so MemoryClient (httpx) runs
against the real app in process. Starlette's TestClient is built on httpx2, whose transports
httpx cannot use directly; this adapter copies the request and the response across."""

from __future__ import annotations

from typing import Any

import httpx


class AppTransport(httpx.BaseTransport):
    def __init__(self, test_client: Any) -> None:
        self.test_client = test_client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.test_client.request(
            request.method, str(request.url), content=request.read(), headers=dict(request.headers)
        )
        return httpx.Response(answer.status_code, headers=list(answer.headers.multi_items()),
                              content=answer.content, request=request)  # fmt: skip
