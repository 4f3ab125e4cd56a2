"""Wake-ups: tell idle workers that a job was committed, so it starts without waiting for the
next poll. Polling every ``poll_interval`` stays the fallback; a lost wake-up only costs latency.

- PostgreSQL: ``enqueue`` runs ``pg_notify(CHANNEL, '')`` inside the caller's transaction, so
  the notification is delivered at commit and never for a rolled-back job. Each worker LISTENs
  on a dedicated asyncpg connection (``PgListener``), reconnecting after failures.
- Embedded (SQLite): ``enqueue`` flags the session; an ``after_commit`` session event then sets
  the ``asyncio.Event`` of every worker subscribed in this process (``subscribe``). The first
  ``subscribe`` installs those session events: a process without a worker has nobody to wake,
  and importing this module changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "lowtato_jobs"
_FLAG = "lowtato.jobs.wake"

_subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_subscribers_lock = threading.Lock()


@contextlib.contextmanager
def subscribe(wake: asyncio.Event) -> Iterator[None]:
    """Have ``wake`` set whenever a session in this process commits an enqueued job."""
    entry = (asyncio.get_running_loop(), wake)
    with _subscribers_lock:
        _install_session_events()
        _subscribers.add(entry)
    try:
        yield
    finally:
        with _subscribers_lock:
            _subscribers.discard(entry)


def wake_local() -> None:
    """Set every subscribed event (thread-safe: a subscriber may live on another loop)."""
    with _subscribers_lock:
        entries = list(_subscribers)
    for loop, wake in entries:
        if loop.is_closed():
            continue
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and now
            loop.call_soon_threadsafe(wake.set)


def wake_after_commit(session: AsyncSession) -> None:
    """Wake local workers once the session's current transaction commits (not on rollback)."""
    session.sync_session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        wake_local()


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


def _install_session_events() -> None:
    """Hook every ORM session of the process, once (the caller holds ``_subscribers_lock``)."""
    for name, hook in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://…``) as a DSN asyncpg understands."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener:
    """LISTEN on ``CHANNEL`` over a dedicated connection; sets ``wake`` on each notification.

    The connection lives outside the engine's pool because LISTEN state belongs to one
    session and would leak to whoever checks the connection out next. If the connection
    drops, it reconnects with backoff; meanwhile the worker's polling covers the gap.
    """

    def __init__(self, url: str, wake: asyncio.Event, *, reconnect_delay: float = 1.0) -> None:
        self._dsn = asyncpg_dsn(url)
        self._wake = wake
        self._reconnect_delay = reconnect_delay
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    async def start(self, within: float = 5.0) -> None:
        """Start listening; waits (bounded) for the first connection so early enqueues wake us."""
        self._task = asyncio.create_task(self._run(), name="lowtato-jobs-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), within)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_notify(self, *_args: Any) -> None:
        self._wake.set()

    async def _run(self) -> None:
        import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415 - PostgreSQL installs only

        delay = self._reconnect_delay
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                self.listening.set()
                delay = self._reconnect_delay
                # Something may have been committed while we were not listening.
                self._wake.set()
                await lost.wait()
                log.warning("job wake-up connection lost; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("job wake-up listener failed (%s); polling until it reconnects", exc)
            finally:
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
