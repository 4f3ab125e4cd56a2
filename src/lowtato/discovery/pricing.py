"""``/pricing.json``: plans and credit costs, rendered from the one table in ``lowtato.plans``."""

from __future__ import annotations

from typing import Any

from lowtato.plans import CENTS_PER_CREDIT, COSTS, PLANS, credits_out


def pricing_document() -> dict[str, Any]:
    return {
        "currency": "USD",
        "credit_value_usd": CENTS_PER_CREDIT / 100,
        "plans": [
            {
                "name": plan.name.value,
                "price_usd_month": plan.price_usd_month,
                "max_accounts": plan.max_accounts,  # null: unlimited
                "monthly_credits": credits_out(plan.monthly_credits),
                "api_access": plan.api_access,
            }
            for plan in PLANS.values()
        ],
        "credit_costs": {cost.value: credits_out(amount) for cost, amount in COSTS.items()},
        "notes": [
            "Credits reset to the plan's monthly allocation at the start of each month (UTC); "
            "credits bought or granted are spent last and never reset.",
            "A Free-plan key gets HTTP 402 api_access_not_in_plan: API access starts at Starter.",
            "Marketplace accounts carry their own price (price_cents); paid with credits at "
            f"{CENTS_PER_CREDIT} US cents per credit, or by card when billing is configured.",
        ],
    }
