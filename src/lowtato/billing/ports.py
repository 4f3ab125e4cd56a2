"""What the billing domain needs from the running process. The composition
(``lowtato.runtime.Services``) provides it; this package never imports the composition."""

from __future__ import annotations

from typing import Protocol

from lowtato.billing.stripe_api import StripeGateway
from lowtato.config import Settings
from lowtato.kit.db import Database


class BillingServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def stripe(self) -> StripeGateway | None:
        """None when ``LOWTATO_STRIPE_SECRET_KEY`` is not set (billing not configured)."""
        ...
