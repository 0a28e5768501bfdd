"""The API process, above every domain: main.py assembles the FastAPI app from the domains'
routers, lifespan.py builds what the routes use (pool, index, models, queue) once at start,
health.py answers /healthz, /readyz and /metrics."""
