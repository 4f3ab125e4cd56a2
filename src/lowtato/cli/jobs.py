"""``lowtato jobs …``: look at the queue, retry or cancel one job."""

from __future__ import annotations

from typing import Any

import typer

from lowtato.cli.common import bad_id, emit, one_of, rows_text, run, settings, transaction
from lowtato.jobs import admin
from lowtato.jobs.models import Job, JobStatus
from lowtato.kit import clock

app = typer.Typer(help="Background jobs.", no_args_is_help=True)
STATUSES = tuple(s.value for s in JobStatus)
# The --limit of the commands that list rows (an OptionInfo is only read, so one serves all).
LIMIT = typer.Option(100, "--limit", min=1, max=100_000, help="at most this many, newest first")


def job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "key": job.key,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "run_at": clock.iso(job.run_at),
        "last_error": job.last_error,
        "lease_owner": job.lease_owner,
        "lease_expires_at": clock.iso(job.lease_expires_at),
        "rescued_at": clock.iso(job.rescued_at),
        "owner_id": job.owner_id,
        "created_at": clock.iso(job.created_at),
        "finished_at": clock.iso(job.finished_at),
    }


def _line(job: dict[str, Any]) -> str:
    error = f"  error: {job['last_error'][:80]}" if job["last_error"] else ""
    return (
        f"{job['id']}  {job['kind']:<24} {job['status']:<9} attempts={job['attempts']}  "
        f"run_at={job['run_at']}  {job['key']}{error}"
    )


@app.command("list")
def list_jobs(
    status: str = typer.Option("", "--status", help=f"one of {', '.join(STATUSES)}"),
    kind: str = typer.Option("", "--kind", help="e.g. posts.publish, webhooks.deliver"),
    limit: int = LIMIT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Jobs, newest first."""
    chosen = one_of(status, STATUSES, "--status")
    config = settings()

    async def go() -> list[dict[str, Any]]:
        async with transaction(config) as session:
            found = await admin.list_jobs(session, status=chosen, kind=kind or None, limit=limit)
            return [job_out(job) for job in found]

    rows = run(go)
    emit(as_json, rows, "" if as_json else rows_text(rows, _line, "no jobs"))


def _change(job_id: str, as_json: bool, action: str) -> None:
    bad_id(job_id, "job_", "JOB_ID")
    config = settings()
    change = admin.retry if action == "retry" else admin.cancel

    async def go() -> dict[str, Any]:
        async with transaction(config) as session:
            return job_out(await change(session, job_id))

    job = run(go)
    emit(as_json, job, f"{job_id}: {job['status']}")


@app.command()
def retry(job_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Run a failed, cancelled or waiting job again now, with fresh attempts. For a publish
    job this only helps a post still scheduled; a failed post is published again with
    POST /api/v1/posts/{id}/publish."""
    _change(job_id, as_json, "retry")


@app.command()
def cancel(job_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Cancel a pending job (a running one is refused: it may be mid-way through a call)."""
    _change(job_id, as_json, "cancel")
