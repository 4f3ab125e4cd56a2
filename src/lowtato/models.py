"""Every table's model, imported in one place for migrations and test clean-up."""

from lowtato.accounts.models import SocialAccount, SubAccount
from lowtato.accounts.oauth_models import OAuthState
from lowtato.analytics.models import MetricSnapshot, MetricSync
from lowtato.auth.models import ApiKey, User
from lowtato.billing.models import BillingCustomer, CreditEntry, StripeEvent
from lowtato.brand.models import BrandKit
from lowtato.dashboard.models import DashboardPassword, DashboardSession, SignInLink
from lowtato.encryption.models import KeyCanary
from lowtato.events.models import Event
from lowtato.idempotency.models import IdempotencyRecord
from lowtato.jobs.models import Job, JobSerialLock
from lowtato.kit.db import Base
from lowtato.marketplace.models import MarketplaceItem, MarketplacePurchase
from lowtato.media.models import MediaFile
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.posts.models import Post
from lowtato.slots.models import Slot
from lowtato.sources.models import Source
from lowtato.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "ApiKey",
    "Base",
    "BillingCustomer",
    "BrandKit",
    "CreditEntry",
    "DashboardPassword",
    "DashboardSession",
    "Event",
    "IdempotencyRecord",
    "Job",
    "JobSerialLock",
    "KeyCanary",
    "MarketplaceItem",
    "MarketplacePurchase",
    "MediaFile",
    "MetricSnapshot",
    "MetricSync",
    "OAuthState",
    "Post",
    "SandboxPost",
    "SignInLink",
    "Slot",
    "SocialAccount",
    "Source",
    "StripeEvent",
    "SubAccount",
    "User",
    "Webhook",
    "WebhookDelivery",
]
