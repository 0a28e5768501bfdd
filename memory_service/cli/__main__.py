"""`python -m memory_service.cli`: the same as the `memory-service` console script."""

from memory_service.cli import app

app()
