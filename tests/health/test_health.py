"""``GET /api/health``."""

from __future__ import annotations

from tests.conftest import REDIS_URL, AppFactory, client_for


async def test_healthy(app_factory: AppFactory) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["timestamp"].endswith("Z")
    assert body["checks"] == {
        "db": "ok",
        "redis": "ok" if REDIS_URL else "not_configured",
        "r2": "not_configured",
        "stripe": "not_configured",
    }
    assert response.headers["X-Request-Id"]


async def test_database_down_is_503_unhealthy(app_factory: AppFactory) -> None:
    app = await app_factory(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/stopped")
    async with client_for(app) as client:
        response = await client.get("/api/health")
        live = await client.get("/api/health?live")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["checks"]["db"] == "error"
    assert live.status_code == 200  # liveness never touches a dependency


async def test_redis_down_is_degraded(app_factory: AppFactory) -> None:
    app = await app_factory(redis_url="redis://127.0.0.1:1/0")
    async with client_for(app) as client:
        response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["redis"] == "error"
