"""Plans as data: the contract's Pricing section, in one table.

Credits are integer hundredths internally (``50`` = 0.5 credits) and decimals in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PlanName(StrEnum):
    free = "free"
    starter = "starter"
    creator = "creator"
    agency = "agency"


@dataclass(frozen=True, slots=True)
class Plan:
    name: PlanName
    price_usd_month: int
    max_accounts: int | None  # None = unlimited
    monthly_credits: int  # hundredths
    api_access: bool


PLANS: dict[PlanName, Plan] = {
    PlanName.free: Plan(PlanName.free, 0, 3, 30_00, api_access=False),
    PlanName.starter: Plan(PlanName.starter, 13, 20, 200_00, api_access=True),
    PlanName.creator: Plan(PlanName.creator, 26, 50, 500_00, api_access=True),
    PlanName.agency: Plan(PlanName.agency, 49, None, 1500_00, api_access=True),
}


class Cost(StrEnum):
    """What an action costs, in the contract's "Credit Costs" terms."""

    publish_post = "publish_post"
    ai_generate_post = "ai_generate_post"
    ai_generate_image = "ai_generate_image"
    analytics_fetch = "analytics_fetch"


# Credits in hundredths per action (the one table /pricing.json renders). Marketplace items
# carry their own price.
COSTS: dict[Cost, int] = {
    Cost.publish_post: 0,
    Cost.ai_generate_post: 50,
    Cost.ai_generate_image: 200,
    Cost.analytics_fetch: 0,
}

# What one credit is worth in money, for marketplace prices paid with credits and for credit
# top-ups bought by card: 1 credit = 10 US cents, so a $5.00 item costs 50 credits.
CENTS_PER_CREDIT = 10


def credits_for_cents(cents: int) -> int:
    """A price in US cents → credits in hundredths (500 cents → 5000 = 50 credits)."""
    return cents * 100 // CENTS_PER_CREDIT


def cents_for_credits(hundredths: int) -> int:
    """Credits in hundredths → their price in US cents (rounded up to a whole cent)."""
    return -(-hundredths * CENTS_PER_CREDIT // 100)


def credits_out(hundredths: int) -> float:
    """Hundredths → the API's decimal number (exact for two decimal places)."""
    return round(hundredths / 100, 2)
