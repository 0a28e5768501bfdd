"""Celery app and thin tasks that call the services in memory_service."""
