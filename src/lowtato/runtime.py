"""The composition root: the services a process shares (API and worker alike), built once from
settings; the job handlers it can run; which domain listens to which domain's events. The
domains never import this module: each declares what it needs (``<domain>/ports.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from lowtato.accounts import tokens as account_tokens
from lowtato.accounts.events import AccountRemoved
from lowtato.analytics import tasks as analytics_tasks
from lowtato.auth.events import OwnerCreated
from lowtato.billing import credits
from lowtato.billing import tasks as billing_tasks
from lowtato.billing.cards import StripeCards
from lowtato.billing.stripe_api import StripeGateway, StripeHealth
from lowtato.brand import service as brand_service
from lowtato.config import Settings
from lowtato.events.bus import BUS, Bus
from lowtato.events.models import Event
from lowtato.housekeeping import tasks as housekeeping_tasks
from lowtato.jobs.registry import Registry
from lowtato.kit import logredact, sendwindow
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.guarded_http import guarded_httpx_client
from lowtato.kit.tls import trust_store
from lowtato.llm.client import LLMConfig, OpenAICompatible
from lowtato.marketplace.ports import CardPayments
from lowtato.media import tasks as media_tasks
from lowtato.media.decoder import Decoder
from lowtato.media.fetch import GuardedMediaFetcher
from lowtato.media.ports import MediaReferences
from lowtato.media.storage import Storage, build_storage
from lowtato.media.turns import DownloadTurns
from lowtato.media.upload import Limits
from lowtato.platforms.live import LIVE_ADAPTERS
from lowtato.platforms.registry import AdapterRegistry
from lowtato.platforms.sandbox.network import SandboxNetwork
from lowtato.posts import service as post_service
from lowtato.posts import tasks as post_tasks
from lowtato.posts.repository import MEDIA_USE
from lowtato.sources import tasks as source_tasks
from lowtato.webhooks import service as webhook_service
from lowtato.webhooks import tasks as webhook_tasks


@dataclass
class Services:
    settings: Settings
    db: Database
    keyring: KeyRing
    http: httpx.AsyncClient
    sandbox: SandboxNetwork
    adapters: AdapterRegistry
    storage: Storage
    # Per-owner turns for publish-time media downloads (lowtato.media.turns).
    downloads: DownloadTurns
    decoder: Decoder
    # Which posts name an uploaded file (media cannot read posts; see media.ports).
    media_references: MediaReferences
    # Stripe (None: billing not configured) and its cached health.
    stripe: StripeGateway | None
    stripe_health: StripeHealth
    # The operator's OpenAI-compatible AI endpoint; None → the built-in generators.
    llm: OpenAICompatible | None = None
    # Charges a saved card (marketplace purchases); None when billing is not configured.
    cards: CardPayments | None = None
    # A search-capable endpoint (LOWTATO_AI_SEARCH_*) for perplexity-query sources.
    search_llm: OpenAICompatible | None = None

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Services:
        db = db or Database(
            settings.resolved_database_url,
            busy_timeout=settings.sqlite_busy_timeout_seconds,
            pool_size=settings.database_pool_size,
        )
        logredact.install_on_libraries()  # platform URLs carry tokens in their query strings
        # Platform API calls: explicit timeouts so a hung platform becomes UnknownOutcome,
        # never a worker stuck forever.
        timeout = settings.platform_timeout_seconds
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            follow_redirects=False,
            event_hooks={"request": [sendwindow.check_request]},
            verify=trust_store(),
        )
        # Hosts users supply (a Bluesky account's own PDS) get the guarded client: https only
        # and every dialled address checked, so a name later pointed inside is never reached.
        user_http = guarded_httpx_client(
            allow_private=settings.allow_private_urls, require_https=True, timeout=timeout
        )
        sandbox = SandboxNetwork(db, settings.public_url, settings.sandbox_latency_ms)
        storage = build_storage(settings)
        subscribe_all()
        stripe = StripeGateway(settings) if settings.stripe_secret_key.get_secret_value() else None
        return cls(
            settings=settings,
            db=db,
            keyring=KeyRing(settings.resolved_encryption_keys),
            http=http,
            sandbox=sandbox,
            adapters=AdapterRegistry(
                settings,
                sandbox,
                http,
                GuardedMediaFetcher(
                    storage=storage,
                    public_url=settings.public_url,
                    limits=Limits(settings.media_max_image_bytes, settings.media_max_video_bytes),
                    allow_private=settings.allow_private_urls,
                    timeout=settings.media_fetch_timeout_seconds,
                    idle_timeout=settings.media_fetch_idle_seconds,
                ),
                user_http,
                live=LIVE_ADAPTERS,
            ),
            storage=storage,
            downloads=DownloadTurns(settings.media_fetch_per_owner),
            decoder=Decoder(
                concurrency=settings.media_decode_concurrency,
                max_decode_bytes=settings.media_max_decode_bytes,
            ),
            media_references=MEDIA_USE,
            stripe=stripe,
            stripe_health=StripeHealth(stripe),
            llm=build_llm(settings),
            cards=StripeCards(db, stripe) if stripe is not None else None,
            search_llm=build_search_llm(settings),
        )

    async def close(self) -> None:
        self.decoder.close()
        await self.http.aclose()
        if self.stripe is not None:
            await self.stripe.close()
        if self.adapters.user_http is not None:
            await self.adapters.user_http.aclose()


def build_llm(settings: Settings) -> OpenAICompatible | None:
    """The configured AI provider, or None when ``LOWTATO_AI_BASE_URL``/``_MODEL`` are unset."""
    if not (settings.ai_base_url and settings.ai_model):
        return None
    return OpenAICompatible(
        LLMConfig(
            base_url=settings.ai_base_url,
            api_key=settings.ai_api_key.get_secret_value(),
            chat_model=settings.ai_model,
            image_model=settings.ai_image_model,
            transcribe_model=settings.ai_transcribe_model,
            timeout=settings.ai_timeout_seconds,
            allow_private_urls=settings.allow_private_urls,
        )
    )


def build_search_llm(settings: Settings) -> OpenAICompatible | None:
    """The search endpoint for perplexity-query, or None when ``LOWTATO_AI_SEARCH_BASE_URL``
    / ``_MODEL`` are unset."""
    if not (settings.ai_search_base_url and settings.ai_search_model):
        return None
    return OpenAICompatible(
        LLMConfig(
            base_url=settings.ai_search_base_url,
            api_key=settings.ai_search_api_key.get_secret_value(),
            chat_model=settings.ai_search_model,
            timeout=settings.ai_timeout_seconds,
            allow_private_urls=settings.allow_private_urls,
        )
    )


def build_registry(services: Services) -> Registry:
    """Every job kind this process can run, bound to these services."""
    registry = Registry()
    housekeeping_tasks.install(registry, services.settings)
    post_tasks.install(registry, services)
    media_tasks.install(registry, services)
    billing_tasks.install(registry)
    account_tokens.install(registry, services)
    webhook_tasks.install(registry, services)
    analytics_tasks.install(registry, services)
    source_tasks.install(registry, services)
    return registry


def subscribe_all(bus: Bus = BUS) -> None:
    """Which domain answers which other domain's events (``events.bus``), in one list.
    Each subscriber runs inside the publishing transaction."""
    # A new owner's credit ledger opens with the plan's monthly credits.
    bus.subscribe(OwnerCreated, credits.open_ledger)
    # … and an empty brand kit.
    bus.subscribe(OwnerCreated, brand_service.open_kit)
    # A removed account's scheduled posts fail (``post.failed`` each).
    bus.subscribe(AccountRemoved, post_service.on_account_removed)
    # Every stored event is fanned out to the owner's subscribed webhook endpoints.
    bus.subscribe(Event, webhook_service.fan_out)
