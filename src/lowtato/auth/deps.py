"""``Annotated`` aliases that authenticate, check plan and scope, and rate-limit a request.

Order matters: 401 (who are you) → 402 (plan) → 403 (scope) → 429. Requests refused before
the rate-limit step do not spend the owner's budget, so nobody can drain another's quota.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from lowtato.auth.scopes import Scope
from lowtato.errors import ApiAccessNotInPlan, MissingScope, RateLimited
from lowtato.kit.openapi import SCOPE_ATTR
from lowtato.kit.principal import Principal
from lowtato.kit.ratelimit import Policy, RateLimiter
from lowtato.plans import PLANS, PlanName


def presented_key(request: Request) -> str | None:
    """The key from ``x-api-key`` or ``Authorization: Bearer``; never from the query string."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def require(
    scope: Scope, policy: Policy | None = None, *, free_plan: bool = False
) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        state = request.app.state
        principal: Principal = await state.authenticator.authenticate(presented_key(request))
        if not free_plan and not PLANS[PlanName(principal.plan)].api_access:
            raise ApiAccessNotInPlan
        if not principal.allows(scope):
            raise MissingScope(scope)
        chosen = policy or (Policy.read if request.method in {"GET", "HEAD"} else Policy.write)
        limiter: RateLimiter = state.limiter
        decision = await limiter.hit(chosen, principal.user_id, principal.mode)
        headers = {**decision.headers(), "RateLimit-Policy": limiter.policy_header(chosen)}
        request.state.response_headers = headers
        if not decision.allowed:
            raise RateLimited(decision.reset_after, headers)
        request.state.principal = principal
        return principal

    setattr(dependency, SCOPE_ATTR, scope.value)
    return dependency


PostsRead = Annotated[Principal, Depends(require(Scope.posts_read))]
PostsWrite = Annotated[Principal, Depends(require(Scope.posts_write))]
MediaUpload = Annotated[Principal, Depends(require(Scope.posts_write, Policy.upload))]
AccountsRead = Annotated[Principal, Depends(require(Scope.accounts_read))]
AccountsWrite = Annotated[Principal, Depends(require(Scope.accounts_write))]
AnalyticsRead = Annotated[Principal, Depends(require(Scope.analytics_read))]
AiGenerate = Annotated[Principal, Depends(require(Scope.ai_generate))]
WebhooksWrite = Annotated[Principal, Depends(require(Scope.webhooks_write))]
# Billing admits the free plan: it is how a free owner upgrades.
BillingRead = Annotated[Principal, Depends(require(Scope.analytics_read, free_plan=True))]
BillingWrite = Annotated[Principal, Depends(require(Scope.accounts_write, free_plan=True))]
