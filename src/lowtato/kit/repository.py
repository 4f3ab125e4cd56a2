"""Owner + mode scoping, built once. Every owned table has ``owner_id`` and ``livemode``;
a repository made from a Principal can only ever see that owner's rows in that mode, so no
route can forget the filter (another owner's id is simply not found)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from lowtato.errors import NotFound
from lowtato.kit.fastread import FastReads, Query, Row
from lowtato.kit.principal import Principal


class Owned(Protocol):
    id: Mapped[str]
    owner_id: Mapped[str]
    livemode: Mapped[bool]


M = TypeVar("M", bound=Any)
T = TypeVar("T")


_BY_ID: dict[tuple[type, bool], Select[Any]] = {}
_READS: dict[tuple[type, str], Query] = {}


def _prebuilt(repository: type[OwnedRepository[Any]]) -> tuple[Any, ...]:
    """The conditions of a prebuilt query over the owner's visible rows, with the owner and
    mode as bound parameters (their values: ``OwnedRepository.owner_values``)."""
    return (
        *repository.owned_by(bindparam("owner"), bindparam("mode")),
        *repository.visible(),
    )


def _by_id(repository: type[OwnedRepository[Any]], *, for_update: bool) -> Select[Any]:
    """One owned row by id, built once per repository class: the hottest read (an agent
    polling a post) then skips building the expression and its cache key on each request."""
    stmt = _BY_ID.get((repository, for_update))
    if stmt is None:
        model = repository.model
        stmt = select(model).where(*_prebuilt(repository), model.id == bindparam("id"))
        stmt = _BY_ID[repository, for_update] = stmt.with_for_update() if for_update else stmt
    return stmt


def columns_of(model: type[Any]) -> list[Any]:
    """The mapped class's columns, each labelled with its attribute name: a fast-read row
    then has the attributes the ORM object would."""
    return [attr.columns[0].label(attr.key) for attr in model.__mapper__.column_attrs]


class OwnedRepository(Generic[M]):
    model: type[M]
    noun: str  # what a 404 calls it: "No {noun} with id '…' exists for this API key."

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    @classmethod
    def owned_by(cls, owner: Any, mode: Any) -> tuple[Any, ...]:
        """The owner and mode conditions: values, or bound parameters for a prebuilt query."""
        return (cls.model.owner_id == owner, cls.model.livemode == mode)

    @classmethod
    def visible(cls) -> tuple[Any, ...]:
        """Conditions beyond owner and mode a row must meet to be seen at all."""
        return ()

    def scoped(self) -> Select[M]:
        return select(self.model).where(
            *self.owned_by(self.principal.user_id, self.principal.livemode), *self.visible()
        )

    def owned_fields(self) -> dict[str, Any]:
        return {"owner_id": self.principal.user_id, "livemode": self.principal.livemode}

    async def get(self, ident: str, *, for_update: bool = False) -> M | None:
        params = {**self.owner_values(self.principal), "id": ident}
        stmt = _by_id(type(self), for_update=for_update)
        found: M | None = (await self.session.execute(stmt, params)).scalar_one_or_none()
        return found

    @classmethod
    def read_query(cls, name: str, build: Callable[[Select[Any]], Select[Any]]) -> Query:
        """A query for the fast read path (``kit.fastread``) over the owner's visible rows
        (bound parameters ``owner`` and ``mode``, see ``owner_values``), refined by
        ``build`` and made once per repository class and ``name``."""
        query = _READS.get((cls, name))
        if query is None:
            model = cls.model
            base = select(*columns_of(model)).where(*_prebuilt(cls))
            query = _READS[cls, name] = Query(f"{model.__name__}Row", build(base))
        return query

    @staticmethod
    def owner_values(principal: Principal) -> dict[str, Any]:
        return {"owner": principal.user_id, "mode": principal.livemode}

    @classmethod
    async def read(cls, reads: FastReads, principal: Principal, ident: str) -> Row | None:
        """``get`` without a session, for endpoints that only show the row: one statement
        on the fast read path; the row's columns as attributes."""
        query = cls.read_query("by_id", lambda s: s.where(cls.model.id == bindparam("id")))
        return await reads.one(query, {**cls.owner_values(principal), "id": ident})

    @classmethod
    async def read_required(cls, reads: FastReads, principal: Principal, ident: str) -> Row:
        """``read``, or 404 ``not_found`` as ``require`` gives."""
        return cls._or_404(await cls.read(reads, principal, ident), ident)

    async def require(self, ident: str, *, for_update: bool = False) -> M:
        """The row, or 404 ``not_found`` — also for another owner's or the other mode's id."""
        return self._or_404(await self.get(ident, for_update=for_update), ident)

    @classmethod
    def _or_404(cls, found: T | None, ident: str) -> T:
        if found is None:
            raise NotFound.of(cls.noun, ident)
        return found

    async def count(self, stmt: Select[M] | None = None) -> int:
        """``SELECT count(*) FROM … WHERE …`` of the given (or the scoped) query."""
        base = stmt if stmt is not None else self.scoped()
        counted = base.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        return int(await self.session.scalar(counted) or 0)

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def remove(self, obj: M) -> None:
        """Delete a row this repository handed out (at the next flush)."""
        await self.session.delete(obj)
