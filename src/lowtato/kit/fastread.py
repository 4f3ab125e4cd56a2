"""The hot read path: one prebuilt SELECT, run on the driver itself, without a Session.

An agent polling ``GET /api/v1/posts/{id}`` asked the ORM for one row by primary key: session,
transaction, greenlet switches, identity map and attribute instrumentation cost about 20 times
the read itself (docs/performance.md). ``FastReads`` runs a Core ``Select`` that was compiled
once per dialect straight on the DBAPI driver and applies the columns' own result processors
(``UTCDateTime``, JSON), so the rows are what the ORM would have loaded, as named tuples.

- **SQLite file** (the embedded default): one ``sqlite3`` connection made read-only
  (``query_only``) and used on the event loop's thread. A statement runs and is
  fetched in one synchronous call, so nothing interleaves and one connection serves every
  request; under WAL a reader never waits for the writer, so the loop never blocks on a lock.
- **PostgreSQL**: an asyncpg pool of its own (asyncpg prepares and caches each statement per
  connection), with the JSON codecs SQLAlchemy's asyncpg dialect installs.
- **Anything else** (in-memory SQLite in a test): the engine's Core connection.

Only plain reads: ``each`` runs a few statements from one snapshot (SQLite) or one connection
(PostgreSQL); a read that takes locks, or leads to a write, belongs in a
``Database.transaction``. Owner and mode scoping stay in the repositories, which
build the statements handed here.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from lowtato.kit.files import sqlite_path

Processor = Callable[[Any], Any] | None
# A row read here: a named tuple whose fields are the selected columns' attribute names, so
# code that only reads a mapped object's columns (``post_out``) takes either.
Row = Any


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple[str, ...]  # bound parameter names in the order the driver takes them
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    row: Callable[..., Any]


class Query:
    """A Core ``Select`` with named ``bindparam``s, compiled once per dialect on first use."""

    def __init__(self, name: str, stmt: Select[Any]) -> None:
        self.name = name
        self.stmt = stmt
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.stmt.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        bind_processors = compiled._bind_processors
        columns = list(self.stmt.selected_columns)
        return _Compiled(
            sql=str(compiled),
            params=names,
            binds=tuple(_single(bind_processors.get(n)) for n in names),
            results=tuple(c.type._cached_result_processor(dialect, None) for c in columns),
            row=namedtuple(self.name, [c.key for c in columns]),  # type: ignore[misc]
        )


def _single(processor: object) -> Processor:
    # SQLAlchemy gives a sequence of processors only for tuple-valued (IN ( … )) parameters,
    # which these queries never bind: each IN lists its own parameters.
    if processor is not None and not callable(processor):
        msg = "tuple-valued bound parameters are not supported on the fast read path"
        raise TypeError(msg)
    return processor


def _args(compiled: _Compiled, values: Mapping[str, Any]) -> list[Any]:
    return [
        bind(values[name]) if bind else values[name]
        for name, bind in zip(compiled.params, compiled.binds, strict=True)
    ]


def _row(compiled: _Compiled, raw: Sequence[Any]) -> Any:
    return compiled.row(*[p(v) if p else v for p, v in zip(compiled.results, raw, strict=True)])


class FastReads:
    """Single-statement reads for the hot endpoints (see the module docstring)."""

    def __init__(self, url: str, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._sqlite_file = sqlite_path(url)
        self._sqlite: sqlite3.Connection | None = None
        self._pg_url = url if self.dialect.name == "postgresql" else None
        self._pool: Any = None
        self._pool_lock = asyncio.Lock()

    async def all(self, query: Query, values: Mapping[str, Any]) -> list[Row]:
        (rows,) = await self.each([query], values)
        return rows

    async def each(self, queries: Sequence[Query], values: Mapping[str, Any]) -> list[list[Row]]:
        """The rows of each query, all from one snapshot on SQLite (one read transaction,
        run synchronously); on PostgreSQL one connection, statement after statement, as a
        ``READ COMMITTED`` transaction would."""
        compiled = [q.compiled(self.dialect) for q in queries]
        if self._sqlite_file is not None:
            conn = self._sqlite_connection()
            if len(queries) > 1:
                conn.execute("BEGIN")
            try:
                raws = [conn.execute(c.sql, _args(c, values)).fetchall() for c in compiled]
            finally:
                if len(queries) > 1:
                    conn.execute("COMMIT")
        elif self._pg_url is not None:
            pool = self._pool or await self._open_pool()
            async with pool.acquire() as pg:
                raws = [await pg.fetch(c.sql, *_args(c, values)) for c in compiled]
        else:  # SQLAlchemy applies the result processors itself here
            async with self.engine.connect() as core:
                return [
                    [c.row(*raw) for raw in await core.execute(q.stmt, dict(values))]
                    for q, c in zip(queries, compiled, strict=True)
                ]
        return [[_row(c, raw) for raw in rows] for c, rows in zip(compiled, raws, strict=True)]

    async def one(self, query: Query, values: Mapping[str, Any]) -> Row | None:
        rows = await self.all(query, values)
        return rows[0] if rows else None

    def _sqlite_connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            # Autocommit: each SELECT is its own read transaction, ended when it is fetched.
            path = str(self._sqlite_file)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")  # this connection can never write
            self._sqlite = conn
        return self._sqlite

    async def _open_pool(self) -> Any:
        import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415 - PostgreSQL only

        async with self._pool_lock:
            if self._pool is None:
                dsn = str(self._pg_url).replace("postgresql+asyncpg://", "postgresql://", 1)
                self._pool = await asyncpg.create_pool(
                    dsn, min_size=1, max_size=10, init=_pg_codecs, reset=_keep_session
                )
        return self._pool

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _keep_session(_conn: Any) -> None:
    """Nothing to undo when a read connection goes back to the pool: it only ever runs the
    prebuilt SELECTs (no SET, LISTEN, advisory lock or cursor). asyncpg's default reset
    (``RESET ALL``, ``UNLISTEN *``, ...) was a second round trip for every read; asyncpg
    still rolls back a transaction left open before calling this."""


async def _pg_codecs(conn: Any) -> None:
    # The codecs SQLAlchemy's asyncpg dialect installs on each of its connections
    # (binary JSON, and JSONB with its version byte): JSON arrives decoded, which is what the
    # JSON columns' result processors (None on that dialect) expect.
    await conn.set_type_codec(
        "json", schema="pg_catalog", format="binary",
        encoder=str.encode, decoder=lambda raw: json.loads(raw.decode()),
    )  # fmt: skip
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", format="binary",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda raw: json.loads(raw[1:].decode()),
    )  # fmt: skip
