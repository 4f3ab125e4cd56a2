"""Settings, read from the environment (prefix ``LOWTATO_``) and typed once.

The embedded default needs nothing set: the data directory holds the SQLite file, local
media, and generated secret/encryption key files (mode 0600). Scale-out sets
``LOWTATO_DATABASE_URL`` (PostgreSQL) and ``LOWTATO_REDIS_URL``.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from lowtato.kit.files import FILE_MODE, private_dir


class PlatformApp(BaseModel):
    """OAuth app credentials and API base URL of one platform (empty = not configured)."""

    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    base_url: str = ""  # API host, e.g. https://api.x.com (or a local fake, or a Bluesky PDS)
    auth_url: str = ""  # browser-facing OAuth host, e.g. https://x.com


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LOWTATO_", env_nested_delimiter="__", extra="ignore"
    )

    # Holds the SQLite file, local media and the generated key files (mode 0700).
    data_dir: Path = Path(".lowtato")
    # SQLAlchemy URL; empty: SQLite in the data dir. Scale-out: postgresql+asyncpg://…
    database_url: str = ""
    # Shared rate-limit budget and wake-ups across processes; empty: in-process only.
    redis_url: str = ""
    # The address clients reach this server at (links, OAuth redirects, media URLs).
    public_url: str = "http://127.0.0.1:8000"
    # HMAC pepper of API keys; empty: generated once in the data dir. Same on every process.
    secret_key: SecretStr = SecretStr("")
    # Comma list of 32-byte url-safe base64 keys: the first encrypts, all decrypt (rotation);
    # empty: generated once in the data dir. Same on every process.
    encryption_keys: SecretStr = SecretStr("")

    # Bearer token that turns on GET /metrics (Prometheus); empty: metrics off, /metrics 404.
    metrics_token: SecretStr = SecretStr("")
    # Log lines: JSON objects, readable text, or auto (text on a terminal, JSON otherwise).
    log_format: Literal["auto", "json", "text"] = "auto"

    # Requests per owner and mode in each window: reads (GET), writes, media uploads.
    rate_limit_read: int = 60
    rate_limit_write: int = 30
    rate_limit_upload: int = 10
    rate_limit_window_seconds: int = 60

    # Lifts the SSRF address check for user-supplied URLs; for local testing only.
    allow_private_urls: bool = False
    # Seconds a key→principal lookup is cached; revocation bites within this time.
    auth_cache_seconds: float = 1.0
    # How long POST /posts/{id}/publish waits for the platform before answering.
    publish_wait_seconds: float = 10.0
    # Jobs a worker runs at once: the one embedded in `lowtato serve` (none with --no-worker)
    # and, unless --concurrency says otherwise, `lowtato worker`. Most of a publish is waiting
    # on the platform: a job waiting holds no database connection, the jobs that finish
    # together share one commit, and each account still publishes one post at a time. So
    # enough jobs to cover the platform's latency cost little: with 100 ms of latency one
    # PostgreSQL worker published 202/s at 32 and 1,038/s at 512 (docs/performance.md).
    worker_concurrency: int = Field(default=512, ge=1, le=1000)
    # PostgreSQL: connections each process keeps open. Size it to what runs at once (API
    # requests in flight, worker jobs): beyond it each transaction opens a connection and
    # closes it after, which costs a handshake and the driver's prepared statements. Worker
    # jobs hold one only inside their short transactions: 128 at once used at most 8.
    database_pool_size: int = Field(default=20, ge=1, le=1000)
    # SQLite only: how long a write waits for another writer's lock before the request is
    # answered 503 with Retry-After (PostgreSQL writers lock rows, not the database).
    sqlite_busy_timeout_seconds: float = 10.0
    # Per-request timeout of calls to platform APIs; a create that times out is reconciled.
    platform_timeout_seconds: float = 30.0
    # Largest request body accepted by every route but the media upload (413 over it).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Largest image / video accepted by POST /api/v1/media/upload and fetched from a post's
    # media URL at publish time.
    media_max_image_bytes: int = 20 * 1024 * 1024
    media_max_video_bytes: int = 512 * 1024 * 1024
    # Downloading a post's media URL at publish time: the whole download must finish within
    # the first, the server may never go quiet for longer than the second (seconds); at most
    # this many of one owner's posts download media at once in a process (the rest wait their
    # turn without using a worker or an attempt).
    media_fetch_timeout_seconds: float = Field(default=120.0, gt=0)
    media_fetch_idle_seconds: float = Field(default=15.0, gt=0)
    media_fetch_per_owner: int = Field(default=2, ge=1)
    # Memory one image decode of an upload may take (pixels times bytes per pixel; JPEGs decode
    # at 1/8 scale), and how many decodes run at once in the process: together they bound the
    # memory uploads can make the server use.
    media_max_decode_bytes: int = Field(default=128 * 1024 * 1024, ge=1024)
    media_decode_concurrency: int = Field(default=2, ge=1)
    # Uploads no post refers to are deleted by housekeeping once they are this old.
    media_orphan_hours: float = 24.0
    # Housekeeping (hourly) deletes finished rows older than these; see README "Housekeeping".
    # Idempotency keys still in flight, pending webhook deliveries and the events they carry
    # are never deleted.
    retention_idempotency_hours: float = 24.0
    retention_events_days: float = 30.0
    retention_webhook_deliveries_days: float = 30.0
    # OAuth connect states go this long after their link expired.
    retention_oauth_states_hours: float = 1.0
    retention_sandbox_posts_days: float = 30.0
    # Done and cancelled jobs (failed ones are kept for the operator).
    retention_jobs_days: float = 7.0
    # Simulated platform latency of the sandbox network, so agents (and chaos tests) see a
    # publish take real time.
    sandbox_latency_ms: int = 0
    # How long after a lost answer a sandbox "not found" still counts as "maybe not indexed
    # yet", like the live adapters' settle delay (0 for benchmarks).
    sandbox_settle_seconds: float = Field(default=30.0, ge=0)
    # First start of an empty embedded database creates a demo owner and test key.
    bootstrap_demo: bool = True
    # Dashboard: anyone may create an owner (free plan) from the sign-in page when on.
    dashboard_signup: bool = False
    # Dashboard: a signed-in session ends this long after sign-in.
    dashboard_session_hours: float = Field(default=12.0, gt=0)
    # Dashboard: sign-in attempts allowed per email and per client address in the rate-limit
    # window (rate_limit_window_seconds).
    dashboard_signin_limit: int = Field(default=5, ge=1)
    # How often published posts' metrics are read from the platforms (minutes; a post gets
    # at most one snapshot per interval).
    analytics_sync_minutes: int = Field(default=60, ge=1)

    # Where uploaded media live: "local" (<data_dir>/media, served by this app) or "s3" (any
    # S3-compatible store: AWS S3, Cloudflare R2, MinIO; endpoint empty = AWS).
    storage_backend: Literal["local", "s3"] = "local"
    storage_s3_endpoint: str = ""
    storage_s3_bucket: str = ""
    storage_s3_region: str = ""
    storage_s3_prefix: str = ""
    storage_s3_access_key_id: SecretStr = SecretStr("")
    storage_s3_secret_access_key: SecretStr = SecretStr("")
    # Lifetime of the presigned GET a media URL redirects to on the s3 backend.
    storage_s3_url_seconds: int = 900
    # Stripe billing (checkout, plan webhooks, saved-card charges): off while the secret key is
    # empty. The API base is a setting so tests (and stripe-mock) point it at a local fake.
    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base: str = "https://api.stripe.com"
    stripe_currency: str = "usd"
    stripe_timeout_seconds: float = Field(default=20.0, gt=0)
    # Retries of a failed Stripe call (POSTs carry an idempotency key, so a retry never
    # charges twice).
    stripe_max_retries: int = Field(default=2, ge=0)

    # The account marketplace (/api/v1/marketplace) is the operator's choice: off, its routes
    # answer 404. Inventory comes from `lowtato marketplace import`.
    marketplace_enabled: bool = False

    # An OpenAI-compatible API (OpenAI, Ollama, vLLM, OpenRouter, ...) for AI text, images and
    # transcription: base URL up to and including the version, e.g. https://api.openai.com/v1
    # or http://127.0.0.1:11434/v1. Empty: the built-in offline generator and card renderer.
    ai_base_url: str = ""
    ai_api_key: SecretStr = SecretStr("")
    ai_model: str = ""  # chat model, e.g. gpt-4o-mini or llama3.1
    ai_image_model: str = ""  # empty: images use the built-in card renderer
    ai_transcribe_model: str = ""  # empty: audio sources fail with a clear message
    ai_timeout_seconds: float = Field(default=60.0, gt=0)
    # A search-capable OpenAI-compatible endpoint for perplexity-query sources, e.g.
    # https://api.perplexity.ai with model sonar. Empty: those sources fail and say so (the
    # main provider is not used: its answers would not be researched).
    ai_search_base_url: str = ""
    ai_search_api_key: SecretStr = SecretStr("")
    ai_search_model: str = ""

    # Sources: where YouTube (transcripts, oEmbed) and the TikTok / X oEmbed endpoints live
    # (tests point them at loopback fakes), and the deadline of one fetch.
    sources_youtube_url: str = "https://www.youtube.com"
    sources_tiktok_oembed_url: str = "https://www.tiktok.com/oembed"
    sources_twitter_oembed_url: str = "https://publish.twitter.com/oembed"
    sources_fetch_timeout_seconds: float = Field(default=30.0, gt=0)

    # OAuth app and API host of each platform (twitter, linkedin, …); unset: not offered.
    platforms: dict[str, PlatformApp] = Field(default_factory=dict)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'lowtato.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def resolved_secret_key(self) -> bytes:
        """Server secret used as the HMAC pepper for API keys.

        Unset, it is created once in the data dir, so restarts keep every key valid.
        """
        value = self.secret_key.get_secret_value()
        if value:
            return value.encode()
        return _key_file(self.data_dir / "secret.key").encode()

    @cached_property
    def resolved_encryption_keys(self) -> list[bytes]:
        """AES-256 key ring: the first key encrypts, every key decrypts."""
        value = self.encryption_keys.get_secret_value()
        raw = value or _key_file(self.data_dir / "encryption.key")
        keys = [base64.urlsafe_b64decode(k.strip() + "==") for k in raw.split(",") if k.strip()]
        for key in keys:
            if len(key) != 32:
                msg = "each LOWTATO_ENCRYPTION_KEYS entry must be 32 bytes, url-safe base64"
                raise ValueError(msg)
        return keys


def new_key_material() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _key_file(path: Path) -> str:
    """Read a key file, creating it with mode 0600 (in a 0700 data dir) the first time."""
    if path.exists():
        return path.read_text().strip()
    private_dir(path.parent)
    material = new_key_material()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, material.encode())
    finally:
        os.close(fd)
    return material
