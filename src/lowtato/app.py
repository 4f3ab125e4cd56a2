"""The application factory: settings in, a FastAPI app out.

``create_app`` wires the shared pieces (database, authenticator, rate limiter, storage, clock)
onto ``app.state`` at start-up and includes one router per domain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import Route

from lowtato.accounts.endpoints import router as accounts_router
from lowtato.accounts.oauth_endpoints import router as oauth_router
from lowtato.ai.endpoints import router as ai_router
from lowtato.analytics.endpoints import router as analytics_router
from lowtato.auth.service import Authenticator
from lowtato.billing.endpoints import billing_router
from lowtato.billing.endpoints import pages_router as billing_pages_router
from lowtato.billing.endpoints import router as credits_router
from lowtato.brand.endpoints import router as brand_router
from lowtato.config import Settings
from lowtato.dashboard.routes import UPLOAD_PATH as DASHBOARD_UPLOAD_PATH
from lowtato.dashboard.routes import router as dashboard_router
from lowtato.discovery.endpoints import router as discovery_router
from lowtato.discovery.platforms import router as platforms_router
from lowtato.encryption import fingerprint
from lowtato.errors import LowtatoError
from lowtato.health.endpoints import router as health_router
from lowtato.health.metrics import router as metrics_router
from lowtato.images.endpoints import router as images_router
from lowtato.jobs.worker import Worker
from lowtato.kit import errors_http, pages
from lowtato.kit.bodylimit import BodyLimitMiddleware
from lowtato.kit.hotpath import HotPathMiddleware
from lowtato.kit.middleware import RequestContextMiddleware
from lowtato.kit.openapi import install_openapi, operation_id
from lowtato.kit.ratelimit import Policy, RateLimiter
from lowtato.marketplace.endpoints import router as marketplace_router
from lowtato.mcp.http import McpEndpoint
from lowtato.media.endpoints import UPLOAD_PATH
from lowtato.media.endpoints import files_router as media_files_router
from lowtato.media.endpoints import router as media_router
from lowtato.media.storage import StorageHealth
from lowtato.platforms.sandbox.endpoints import router as sandbox_router
from lowtato.posts.endpoints import router as posts_router
from lowtato.posts.schedule_endpoints import router as schedules_router
from lowtato.profile.endpoints import onboarding_router
from lowtato.profile.endpoints import router as profile_router
from lowtato.runtime import Services, build_registry
from lowtato.slots.endpoints import router as slots_router
from lowtato.sources.endpoints import router as sources_router
from lowtato.webhooks.endpoints import router as webhooks_router

log = logging.getLogger(__name__)

ROUTERS = [
    health_router,
    discovery_router,
    platforms_router,
    profile_router,
    brand_router,
    images_router,
    onboarding_router,
    accounts_router,
    oauth_router,
    posts_router,
    schedules_router,
    slots_router,
    sandbox_router,
    media_router,
    media_files_router,
    webhooks_router,
    sources_router,
    credits_router,
    analytics_router,
    marketplace_router,
    billing_router,
    billing_pages_router,
    ai_router,
    metrics_router,
    dashboard_router,
]


# No path of theirs is also a path of a router listed before them in ROUTERS, so matching
# them first changes no answer (tests/hardening/test_routing.py checks it).
HOT_ROUTERS = (posts_router, schedules_router, accounts_router)


def _redis_client(url: str) -> Any:
    if not url:
        return None
    import redis.asyncio as aioredis  # noqa: PLC0415 - only scale-out installs talk to Redis

    return aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


async def _verify_keys(services: Services) -> bool:
    """Refuse to start with a key ring that cannot read the stored secrets.

    True once checked. An unreachable database does not stop the API (its health check
    reports it); the embedded worker then checks before it runs any job.
    """
    try:
        await fingerprint.verify(services.db, services.keyring)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("could not check the encryption key fingerprint: %s", exc)
        return False
    return True


async def _run_embedded(embedded: Worker, services: Services, verified: bool) -> None:
    if not verified:
        try:
            await fingerprint.verify_when_reachable(services.db, services.keyring)
        except fingerprint.KeyRingMismatch as exc:
            log.error("embedded worker not started: %s", exc)
            return
    await embedded.run()


async def _mcp_key_refused(app: FastAPI, key: str) -> str | None:
    """Why /mcp refuses ``key`` (None when it is a working key), before any tool runs."""
    try:
        await app.state.authenticator.authenticate(key)
    except LowtatoError as exc:
        return exc.message
    return None


def create_app(settings: Settings | None = None, *, worker: bool = False) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        state.settings = settings
        services = Services.build(settings)
        try:
            verified = await _verify_keys(services)
        except BaseException:
            await services.close()
            await services.db.dispose()
            raise
        state.services = services
        state.db = services.db
        state.keyring = services.keyring
        state.redis = _redis_client(settings.redis_url)
        # DNS for user-supplied URLs checked at registration; None is the system resolver
        # (tests assign an async `(host) -> [addresses]` to play DNS answers).
        state.url_resolver = None
        state.authenticator = Authenticator(
            services.db, settings.resolved_secret_key, settings.auth_cache_seconds
        )
        state.limiter = RateLimiter(
            {
                Policy.read: settings.rate_limit_read,
                Policy.write: settings.rate_limit_write,
                Policy.upload: settings.rate_limit_upload,
            },
            settings.rate_limit_window_seconds,
            settings.redis_url,
        )
        # The health check reads the storage backend's last known state (refreshed in the
        # background), so a slow bucket never stalls it.
        state.storage_check = StorageHealth(services.storage)
        await state.storage_check.refresh()
        embedded = None
        if worker:
            embedded = Worker(
                services.db, build_registry(services), concurrency=settings.worker_concurrency
            )
            state.worker_task = asyncio.create_task(
                _run_embedded(embedded, services, verified), name="embedded-worker"
            )
        try:
            yield
        finally:
            if embedded is not None:
                await embedded.stop(grace=10.0)
                if not embedded.ready.is_set():  # still waiting to check the keys
                    state.worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await state.worker_task
            if state.redis is not None:
                await state.redis.aclose()
            await services.close()
            await state.db.dispose()

    app = FastAPI(
        title="Lowtato API",
        version="0.1.0",
        summary="Social media automation API for AI agents (self-hosted).",
        lifespan=lifespan,
        # Both served by pages.install_docs from this origin, with their own policies.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
        # FastAPI's own OpenTelemetry hooks ask the global providers (environment lookups) on
        # every request; Lowtato reports through its logs and metrics instead.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # Innermost: the request context and the body limit wrap the hot path too.
    app.add_middleware(HotPathMiddleware)
    # Added before the request context, so it runs inside it: a 413 carries the request id.
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        exempt=[UPLOAD_PATH, DASHBOARD_UPLOAD_PATH],
    )
    app.add_middleware(
        RequestContextMiddleware, metrics=bool(settings.metrics_token.get_secret_value())
    )
    errors_http.install(app)
    # Routes are matched in order, one by one: the endpoints agents poll come first.
    for router in sorted(ROUTERS, key=lambda r: r not in HOT_ROUTERS):
        app.include_router(router)
    # MCP over streamable HTTP; its tools call this app in-process with the caller's key.
    mcp_endpoint = McpEndpoint(app, settings.public_url, lambda key: _mcp_key_refused(app, key))
    app.router.routes.append(Route("/mcp", mcp_endpoint, include_in_schema=False))
    install_openapi(app, settings.public_url)
    pages.install_docs(app)
    return app
