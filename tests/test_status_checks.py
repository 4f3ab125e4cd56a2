"""Status-like columns hold only values the code knows: each has a CHECK constraint
(``kit.db.enum_check``) in its model and in the migrations, and the database refuses anything
else. The migration chain also runs down and up again without losing rows."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import CheckConstraint, Connection, bindparam, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from tests.conftest import PG_URL, Owner

from lowtato.accounts.models import SocialAccount
from lowtato.billing.models import BillingCustomer
from lowtato.idempotency.models import IdempotencyRecord
from lowtato.jobs.models import Job
from lowtato.kit.db import Database, UTCDateTime
from lowtato.kit.migrate import alembic_config, upgrade
from lowtato.marketplace.models import MarketplaceItem, MarketplacePurchase
from lowtato.media.models import MediaFile
from lowtato.models import Base
from lowtato.posts.models import Post
from lowtato.sources.models import Source
from lowtato.webhooks.models import Webhook, WebhookDelivery

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOW_PARAM = bindparam("now", NOW, type_=UTCDateTime())

# Every enum-checked column; a new enum_check must be added here (and to a migration).
CHECKED = {
    ("users", "plan"),
    ("users", "user_type"),
    ("posts", "status"),
    ("posts", "publish_state"),
    ("posts", "origin"),
    ("webhook_deliveries", "status"),
    ("webhook_deliveries", "trigger"),
    ("idempotency_keys", "state"),
    ("media_files", "kind"),
    ("jobs", "status"),
    ("marketplace_items", "status"),
    ("marketplace_purchases", "paid_with"),
    ("billing_customers", "subscription_status"),
    ("sources", "source_type"),
    ("sources", "status"),
}


def _checks() -> dict[str, CheckConstraint]:
    """The models' CHECK constraints by name."""
    return {
        str(c.name): c
        for table in Base.metadata.sorted_tables
        for c in table.constraints
        if isinstance(c, CheckConstraint)
    }


def _values(sql: str) -> set[str]:
    return set(re.findall(r"'([^']*)'", sql))


def test_every_status_column_is_checked_by_name() -> None:
    assert set(_checks()) == {f"ck_{table}_{column}" for table, column in CHECKED}


def _reflected_checks(conn: Connection) -> dict[str, str]:
    inspector = inspect(conn)
    return {
        str(check["name"]): str(check["sqltext"])
        for table in inspector.get_table_names()
        for check in inspector.get_check_constraints(table)
    }


async def test_migrations_create_the_models_checks(app: FastAPI) -> None:
    db: Database = app.state.db
    async with db.engine.connect() as conn:
        reflected = await conn.run_sync(_reflected_checks)
    for name, check in _checks().items():
        assert name in reflected, f"no migration creates {name}"
        assert _values(reflected[name]) == _values(str(check.sqltext)), name


async def _rows(db: Database, owner_id: str) -> dict[str, str]:
    """One valid row in each checked table; the id of each by table."""
    ids = {
        "users": owner_id,
        "posts": "post_check",
        "webhook_deliveries": "whd_check",
        "idempotency_keys": "idem_check",
        "media_files": "med_check",
        "jobs": "job_check",
        "marketplace_items": "mkt_check",
        "marketplace_purchases": "pur_check",
        "billing_customers": owner_id,
        "sources": "src_check",
    }
    owned: dict[str, Any] = {"owner_id": owner_id, "livemode": False}
    async with db.transaction() as session:
        session.add_all(
            [
                SocialAccount(id="acc_check", **owned, platform="bluesky", platform_user_id="did",
                              created_at=NOW, updated_at=NOW),
                Webhook(id="wh_check", **owned, url="https://example.com/hook", secret_enc="x",
                        created_at=NOW, updated_at=NOW),
                IdempotencyRecord(id=ids["idempotency_keys"], **owned, method="POST",
                                  path="/api/v1/posts", key="k", fingerprint="0" * 64,
                                  state="done", created_at=NOW, expires_at=NOW),
                MediaFile(id=ids["media_files"], **owned, token="t", storage_key="t/m.png",
                          url="https://example.com/m.png", mime_type="image/png", kind="image",
                          size=1, sha256="0" * 64, created_at=NOW, last_used_at=NOW),
                Job(id=ids["jobs"], kind="test", key="test:check", run_at=NOW, created_at=NOW,
                    updated_at=NOW),
                MarketplaceItem(id=ids["marketplace_items"], **owned, platform="bluesky",
                                username="u", price_cents=300, credentials_enc="x",
                                status="sold", created_at=NOW),
                BillingCustomer(owner_id=owner_id, stripe_customer_id="cus_check",
                                updated_at=NOW),
                Source(id=ids["sources"], **owned, source_type="text", text="t", status="queued",
                       notes=[], created_at=NOW, updated_at=NOW),
            ]
        )  # fmt: skip
        await session.flush()
        session.add_all(
            [
                Post(id=ids["posts"], **owned, account_id="acc_check", platform="bluesky",
                     status="draft", created_at=NOW, updated_at=NOW),
                WebhookDelivery(id=ids["webhook_deliveries"], webhook_id="wh_check", **owned,
                                event_id="evt", event_type="post.published", body="{}",
                                created_at=NOW, updated_at=NOW),
                MarketplacePurchase(id=ids["marketplace_purchases"], **owned,
                                    item_id="mkt_check", paid_with="credits", amount_cents=300,
                                    created_at=NOW),
            ]
        )  # fmt: skip
    return ids


# Tables whose primary key is not ``id``.
KEYS = {"billing_customers": "owner_id"}


@pytest.fixture
async def rows(app: FastAPI, owner: Owner) -> dict[str, str]:
    return await _rows(app.state.db, owner.user_id)


@pytest.mark.parametrize(("table", "column"), sorted(CHECKED))
async def test_the_database_refuses_an_unknown_value(
    app: FastAPI, rows: dict[str, str], table: str, column: str
) -> None:
    db: Database = app.state.db
    key = KEYS.get(table, "id")
    change = text(f'UPDATE "{table}" SET "{column}" = :bogus WHERE "{key}" = :id')  # noqa: S608 - names from CHECKED
    with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"):
        async with db.transaction() as session:
            await session.execute(change, {"bogus": "bogus", "id": rows[table]})


def _compare(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_describe_one_schema(app: FastAPI) -> None:
    """Alembic's autogenerate finds nothing to do: every index, column and table declared in
    the models exists as the migrations made it (CHECKs are compared above)."""
    db: Database = app.state.db
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_compare) == []


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the test run's engine, for running the migrations on."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'chain.db'}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_chain"
    asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"'))


async def _admin(url: str, *statements: str) -> None:
    db = Database(url)
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            await autocommit.execute(text(statement))
    await db.dispose()


def _count(url: str, table: str) -> int:
    async def count() -> int:
        db = Database(url)
        try:
            async with db.engine.connect() as conn:
                query = text(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a table name
                return int((await conn.execute(query)).scalar_one())
        finally:
            await db.dispose()

    return asyncio.run(count())


def test_the_migration_chain_runs_down_and_up_keeping_rows(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    upgrade(scratch_url, "0011")
    asyncio.run(_seed(scratch_url))
    upgrade(scratch_url)  # 0012 rebuilds users on SQLite: its children must survive that
    for table in ("users", "social_accounts", "subaccounts", "posts", "brand_kits"):
        assert _count(scratch_url, table) == 1, table
    command.downgrade(config, "0011")
    assert _count(scratch_url, "posts") == 1
    command.downgrade(config, "base")
    upgrade(scratch_url)
    assert _count(scratch_url, "users") == 0
    if scratch_url.startswith("sqlite"):
        path = make_url(scratch_url).database or ""
        with sqlite3.connect(path) as conn:
            schema = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'posts'").fetchone()
        assert "ck_posts_status" in schema[0]


async def _seed(url: str) -> None:
    """A user with an account, a subaccount and a post, written the way revision 0011 has
    them (plain SQL: the models describe the head)."""
    db = Database(url)
    async with db.engine.begin() as conn:
        for statement in (
            "INSERT INTO users (id, email, display_name, plan, credits_balance, timezone, "
            "language, notification_preferences, onboarding_completed, created_at, updated_at) "
            "VALUES ('usr_1', 'a@example.com', '', 'free', 0, 'UTC', 'en', '{}', false, :now, "
            ":now)",
            "INSERT INTO social_accounts (id, owner_id, livemode, platform, platform_user_id, "
            "username, fullname, is_active, sandbox, meta, refresh_failures, created_at, "
            "updated_at) VALUES ('acc_1', 'usr_1', false, 'bluesky', 'did', 'u', '', true, true, "
            "'{}', 0, :now, :now)",
            "INSERT INTO subaccounts (id, owner_id, livemode, account_id, external_id, name, "
            "type, created_at) VALUES ('sub_1', 'usr_1', false, 'acc_1', 'e', '', 'page', :now)",
            "INSERT INTO posts (id, owner_id, livemode, account_id, platform, status, "
            "content_text, media_urls, options, origin, result, publish_attempts, recoveries, "
            "created_at, updated_at) VALUES ('post_1', 'usr_1', false, 'acc_1', 'bluesky', "
            "'draft', '', '[]', '{}', 'api', '{}', 0, 0, :now, :now)",
        ):
            await conn.execute(text(statement).bindparams(NOW_PARAM))
    await db.dispose()
