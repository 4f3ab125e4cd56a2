"""``lowtato worker`` — run background jobs (scale-out: as many processes as you like)."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from lowtato.cli.common import console, err_console, settings
from lowtato.encryption import fingerprint
from lowtato.jobs.worker import Worker
from lowtato.kit import logs
from lowtato.runtime import Services, build_registry

log = logging.getLogger(__name__)

# Seconds running jobs get to finish after SIGINT/SIGTERM before they are released.
SHUTDOWN_GRACE = 30.0


def worker(
    concurrency: int | None = typer.Option(
        None,
        "--concurrency",
        min=1,
        help="jobs run at once [default: LOWTATO_WORKER_CONCURRENCY, 512]",
    ),
    lease_seconds: float = typer.Option(
        60.0, "--lease-seconds", min=1, help="how long a silent worker keeps its jobs"
    ),
    shutdown_grace: float = typer.Option(
        SHUTDOWN_GRACE, "--shutdown-grace", min=0, help="seconds running jobs get after SIGTERM"
    ),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Run due jobs from LOWTATO_DATABASE_URL until SIGINT/SIGTERM, then stop gracefully.

    Runs the same job kinds as the API's embedded worker. Running jobs get --shutdown-grace
    seconds (30) to finish after the signal; the rest go back to the queue for another worker
    (a publish stopped after it may have reached the platform is checked there, not re-sent).
    """
    config = settings()
    concurrency = concurrency or config.worker_concurrency
    # The pool is not sized to the concurrency: a job holds a connection only inside its short
    # transactions, never across a platform call (tests/outbound_guard.py fails on one), and
    # jobs that finish together share one. 128 jobs at once used at most 8 connections.
    logs.configure(log_level, config.log_format)

    async def main() -> None:
        services = Services.build(config)
        try:
            await fingerprint.verify_when_reachable(services.db, services.keyring)
        except BaseException:
            await services.close()
            await services.db.dispose()
            raise
        runner = Worker(
            services.db,
            build_registry(services),
            concurrency=concurrency,
            lease_seconds=lease_seconds,
        )
        loop = asyncio.get_running_loop()
        stopping: list[asyncio.Task[None]] = []

        def on_signal(signum: int) -> None:
            if stopping:
                log.warning("already stopping (signal %d ignored)", signum)
                return
            log.info("signal %d: stopping, up to %.1fs for running jobs", signum, shutdown_grace)
            stopping.append(loop.create_task(runner.stop(shutdown_grace)))

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            await runner.run()
            if stopping:
                await stopping[0]
        finally:
            await services.close()
            await services.db.dispose()

    console.print(f"worker starting (concurrency {concurrency})", highlight=False)
    try:
        asyncio.run(main())
    except fingerprint.KeyRingMismatch as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
