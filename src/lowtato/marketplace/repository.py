"""SQL for the marketplace. A key sees one inventory: a live key the operator's (``owner_id``
NULL, live), a test key its owner's sandbox items (that owner, test mode). The scoping is
built into ``ItemRepository`` once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.models import User
from lowtato.kit.principal import Principal
from lowtato.marketplace.models import ItemStatus, MarketplaceItem, MarketplacePurchase


def _for_sale(stale_before: datetime) -> ColumnElement[bool]:
    """Available, or reserved by a card payment that never finished."""
    return or_(
        MarketplaceItem.status == ItemStatus.available,
        and_(
            MarketplaceItem.status == ItemStatus.reserved,
            MarketplaceItem.reserved_at < stale_before,
        ),
    )


class ItemRepository:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _visible(self) -> ColumnElement[bool]:
        item = MarketplaceItem
        if self.principal.livemode:
            return and_(item.livemode.is_(True), item.owner_id.is_(None))
        return and_(item.livemode.is_(False), item.owner_id == self.principal.user_id)

    async def for_sale(self, platform: str | None, stale_before: datetime) -> list[MarketplaceItem]:
        stmt = select(MarketplaceItem).where(self._visible(), _for_sale(stale_before))
        if platform is not None:
            stmt = stmt.where(MarketplaceItem.platform == platform)
        stmt = stmt.order_by(
            MarketplaceItem.platform, MarketplaceItem.price_cents, MarketplaceItem.id
        )
        return list((await self.session.scalars(stmt)).all())

    async def get(self, item_id: str) -> MarketplaceItem | None:
        stmt = select(MarketplaceItem).where(self._visible(), MarketplaceItem.id == item_id)
        return (await self.session.scalars(stmt)).one_or_none()

    async def take(
        self, item_id: str, *, status: ItemStatus, stale_before: datetime, now: datetime,
        reserved_by: str | None = None,
    ) -> MarketplaceItem | None:  # fmt: skip
        """Move an item that is for sale to ``status`` (sold to this owner, or reserved for the
        purchase ``reserved_by``); None when it is not for sale. One conditional UPDATE, so of
        concurrent buyers exactly one gets the row."""
        values: dict[str, object] = {"status": status}
        if status == ItemStatus.sold:
            values |= {"sold_to": self.principal.user_id, "sold_at": now, "reserved_by": None,
                       "reserved_at": None}  # fmt: skip
        else:
            values |= {"reserved_by": reserved_by, "reserved_at": now}
        result = await self.session.execute(
            update(MarketplaceItem)
            .where(MarketplaceItem.id == item_id, self._visible(), _for_sale(stale_before))
            .values(**values)
            .returning(MarketplaceItem.id)
        )
        if result.first() is None:
            return None
        return await self.get(item_id)

    async def settle(self, item_id: str, purchase_id: str, now: datetime) -> MarketplaceItem | None:
        """A reservation still held by ``purchase_id`` becomes the sale."""
        result = await self.session.execute(
            update(MarketplaceItem)
            .where(MarketplaceItem.id == item_id, MarketplaceItem.reserved_by == purchase_id,
                   MarketplaceItem.status == ItemStatus.reserved)
            .values(status=ItemStatus.sold, sold_to=self.principal.user_id, sold_at=now,
                    reserved_by=None, reserved_at=None)
            .returning(MarketplaceItem.id)
        )  # fmt: skip
        return None if result.first() is None else await self.get(item_id)

    async def release(self, item_id: str, purchase_id: str) -> None:
        """Put the item back on sale, if ``purchase_id`` still holds it."""
        await self.session.execute(
            update(MarketplaceItem)
            .where(MarketplaceItem.id == item_id, MarketplaceItem.reserved_by == purchase_id,
                   MarketplaceItem.status == ItemStatus.reserved)
            .values(status=ItemStatus.available, reserved_by=None, reserved_at=None)
        )  # fmt: skip

    async def lock_owner(self) -> None:
        """Hold the owner's row, so two first visits never both seed a sandbox inventory."""
        owner = self.principal.user_id
        await self.session.execute(select(User.id).where(User.id == owner).with_for_update())

    async def sandbox_counts(self, stale_before: datetime) -> dict[str, tuple[int, int]]:
        """platform → (items ever made, items for sale) of this test owner's inventory."""
        for_sale = func.sum(case((_for_sale(stale_before), 1), else_=0))
        stmt = (
            select(MarketplaceItem.platform, func.count(), for_sale)
            .where(self._visible())
            .group_by(MarketplaceItem.platform)
        )
        rows = (await self.session.execute(stmt)).all()
        return {str(p): (int(total), int(selling or 0)) for p, total, selling in rows}

    def add(self, item: MarketplaceItem) -> None:
        self.session.add(item)


class PurchaseRepository:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def add(self, purchase: MarketplacePurchase) -> None:
        self.session.add(purchase)

    async def get(self, purchase_id: str) -> MarketplacePurchase | None:
        stmt = select(MarketplacePurchase).where(
            MarketplacePurchase.id == purchase_id,
            MarketplacePurchase.owner_id == self.principal.user_id,
            MarketplacePurchase.livemode == self.principal.livemode,
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def with_items(self) -> Sequence[tuple[MarketplacePurchase, MarketplaceItem]]:
        """The owner's purchases in this mode, newest first, each with its item."""
        stmt = (
            select(MarketplacePurchase, MarketplaceItem)
            .join(MarketplaceItem, MarketplaceItem.id == MarketplacePurchase.item_id)
            .where(
                MarketplacePurchase.owner_id == self.principal.user_id,
                MarketplacePurchase.livemode == self.principal.livemode,
            )
            .order_by(MarketplacePurchase.created_at.desc(), MarketplacePurchase.id.desc())
        )
        return [(p, i) for p, i in (await self.session.execute(stmt)).all()]


async def operator_items(session: AsyncSession) -> list[MarketplaceItem]:
    """The operator's live inventory, for ``lowtato marketplace list``."""
    stmt = (
        select(MarketplaceItem)
        .where(MarketplaceItem.owner_id.is_(None), MarketplaceItem.livemode.is_(True))
        .order_by(MarketplaceItem.platform, MarketplaceItem.price_cents, MarketplaceItem.id)
    )
    return list((await session.scalars(stmt)).all())


async def operator_handles(session: AsyncSession) -> set[tuple[str, str]]:
    """(platform, lower-cased username) of every operator item, to skip duplicates."""
    stmt = select(MarketplaceItem.platform, MarketplaceItem.username).where(
        MarketplaceItem.owner_id.is_(None), MarketplaceItem.livemode.is_(True)
    )
    return {(p, u.lower()) for p, u in (await session.execute(stmt)).all()}


def add_item(session: AsyncSession, item: MarketplaceItem) -> None:
    session.add(item)
