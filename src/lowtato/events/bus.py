"""In-process domain events: how one domain reacts to another's change without importing it.

A domain publishes a plain event object (``accounts.events.AccountRemoved``, the stored
``events.models.Event`` row that webhooks fan out, …) on the session's transaction; each
subscriber for that event's class runs inside the same transaction, in subscription order, so
the reaction commits or rolls back with the change. Subscriptions are made in one place, the
process's composition (``lowtato.runtime.subscribe_all``); nothing subscribes on import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")
Handler = Callable[[AsyncSession, E], Awaitable[None]]


class Bus:
    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Handler[Any]]] = {}

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> None:
        """Run ``handler`` for every published ``event_type`` (once, however often this is
        called: every process may build its services several times, tests more so)."""
        handlers = self._handlers.setdefault(event_type, [])
        if handler not in handlers:
            handlers.append(handler)

    async def publish(self, session: AsyncSession, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            await handler(session, event)

    def subscribers(self, event_type: type[Any]) -> list[Handler[Any]]:
        return list(self._handlers.get(event_type, ()))


# The process's bus. Publishing needs no reference to it beyond this module; which domains
# listen is decided by the composition alone.
BUS = Bus()
