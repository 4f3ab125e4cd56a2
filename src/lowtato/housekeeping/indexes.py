"""The indexes the prune queries need, declared beside them.

Each prune batch selects the oldest rows of a table by time; without an index on that time
every batch would scan the whole table. Imported by ``lowtato.models`` so migrations and the
test schema see them.
"""

from __future__ import annotations

from sqlalchemy import Index

from lowtato.accounts.oauth_models import OAuthState
from lowtato.events.models import Event
from lowtato.idempotency.models import IdempotencyRecord
from lowtato.jobs.models import Job
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.webhooks.models import WebhookDelivery

INDEXES = (
    Index("ix_events_created_at", Event.created_at),
    Index("ix_webhook_deliveries_created_at", WebhookDelivery.created_at),
    # "Does a pending delivery still need this event?"
    Index("ix_webhook_deliveries_event", WebhookDelivery.event_id, WebhookDelivery.status),
    Index("ix_idempotency_keys_created_at", IdempotencyRecord.created_at),
    Index("ix_oauth_states_expires_at", OAuthState.expires_at),
    Index("ix_sandbox_posts_created_at", SandboxPost.created_at),
    Index("ix_jobs_status_finished", Job.status, Job.finished_at),
)
