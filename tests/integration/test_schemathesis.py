"""Schemathesis over the OpenAPI spec, against the real app (its lifespan, model, database and
index, as the session's app_client runs it), with a key that has every scope: no operation
answers a 5xx for any generated request. The examples per operation are bounded
(SCHEMATHESIS_EXAMPLES per operation and mode, default 10) so the run stays within about two minutes on two cores;
the figures are printed at the end of the module (pytest -s) and written to
$SCHEMATHESIS_REPORT when set."""

from __future__ import annotations

import collections
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
CALLS: collections.Counter[str] = collections.Counter()
STATUSES: collections.Counter[int] = collections.Counter()
BY_OPERATION: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if not CALLS:
        return
    figures = {"operations": len(CALLS), "examples": sum(CALLS.values()),
               "statuses": {str(k): v for k, v in sorted(STATUSES.items())}}  # fmt: skip
    print(f"\nschemathesis: {json.dumps(figures)}")
    if os.environ.get("SCHEMATHESIS_REPORT"):
        with open(os.environ["SCHEMATHESIS_REPORT"], "w") as out:
            json.dump({**figures, "per_operation": dict(CALLS), "statuses_per_operation": dict(BY_OPERATION)}, out,
                      indent=1)  # fmt: skip


def test_no_operation_answers_a_server_error(app_client: Any, api: Any) -> None:
    """Every operation, valid (positive) and invalid (negative) generated requests."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan(app_client.app))
    errors = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, mode, dict(api.headers))
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                continue
            except Exception as exc:  # noqa: BLE001  (collected: every operation is tried)
                errors.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert not errors, "\n\n".join(errors)


def _without_lifespan(app: Any) -> Any:
    """The app without its lifespan: schemathesis's ASGI client would start and stop it around
    its calls, closing the pool and index the session's app_client runs for every other test."""

    async def wrapper(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapper


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        CALLS[operation.label] += 1
        STATUSES[response.status_code] += 1
        BY_OPERATION[f"{operation.label} {response.status_code}"] += 1
        case.validate_response(response, checks=[not_a_server_error], headers=headers)

    run()
