"""``GET /api/v1/credits``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lowtato.auth.deps import AnalyticsRead
from lowtato.billing import credits
from lowtato.kit.routing import JSONRoute
from lowtato.kit.session import Session

router = APIRouter(tags=["Credits"], route_class=JSONRoute)


class CreditsOut(BaseModel):
    balance: float = Field(description="Credits left (decimal: 0.5 = half a credit).")
    topup_balance: float = Field(
        description="The part of `balance` that was bought or granted: spent after the plan's "
        "monthly credits, and kept when the balance is reset at the start of a month."
    )
    used_this_month: float
    plan_limit: float = Field(description="The plan's monthly allocation.")
    plan: str
    resets_at: str = Field(description="When the balance is reset to the allocation (UTC).")


@router.get("/api/v1/credits", summary="Check balance and usage")
async def get_credits(principal: AnalyticsRead, session: Session) -> CreditsOut:
    """The owner's credit balance (shared by live and test keys). Credits are spent by AI
    generation (see /pricing.json); publishing costs 0. At the start of each month the balance
    becomes the plan's allocation plus `topup_balance`. A webhook event `credits.low` fires
    when a debit takes the balance under 10 % of the monthly allocation."""
    found = await credits.summary(session, principal.user_id)
    return CreditsOut(**found.__dict__)
