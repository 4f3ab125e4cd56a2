"""The API's resources as attributes of ``Lowtato`` (``client.posts.create(...)``).

Generated from ``_async_resources.py`` by ``python -m lowtato.client._codegen``; do not
edit. Each method is one API operation (its ``operationId`` in quotes).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from lowtato.client import _models as m
from lowtato.client._errors import PublishFailedError
from lowtato.client._shared import MediaInput, drop_none, iso, media_payload

M = TypeVar("M", bound=BaseModel)


class Caller(Protocol):
    def call(
        self,
        model: type[M],
        operation: str,
        *,
        path: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
    ) -> M: ...


class Resource:
    def __init__(self, client: Caller) -> None:
        self._client = client


class Accounts(Resource):
    def list(self) -> m.AccountList:
        """Connected accounts ("listAccounts")."""
        return self._client.call(m.AccountList, "listAccounts")

    def subaccounts(self, account_id: str) -> m.SubaccountList:
        """Facebook Pages, LinkedIn organizations, ... of an account ("listSubaccounts")."""
        path = {"account_id": account_id}
        return self._client.call(m.SubaccountList, "listSubaccounts", path=path)

    def connect(
        self,
        platform: str,
        access_token: str,
        *,
        platform_user_id: str | None = None,
        platform_username: str | None = None,
        refresh_token: str | None = None,
        expires_in: int | None = None,
        service_url: str | None = None,
    ) -> m.ConnectedAccount:
        """Store an account's OAuth tokens ("connect"); a live key checks them first."""
        body = drop_none(
            {
                "platform": platform,
                "access_token": access_token,
                "platform_user_id": platform_user_id,
                "platform_username": platform_username,
                "refresh_token": refresh_token,
                "expires_in": expires_in,
                "service_url": service_url,
            }
        )
        return self._client.call(m.ConnectedAccount, "connect", json=body)

    def connect_link(self, platform: str, *, redirect_uri: str | None = None) -> m.ConnectLink:
        """A one-time OAuth link to open in a browser ("connectLink")."""
        body = drop_none({"platform": platform, "redirect_uri": redirect_uri})
        return self._client.call(m.ConnectLink, "connectLink", json=body)

    def delete(self, account_id: str) -> m.Deleted:
        """Disconnect an account; its scheduled posts fail ("disconnect")."""
        path = {"account_id": account_id}
        return self._client.call(m.Deleted, "disconnect", path=path)


class Posts(Resource):
    def create(
        self,
        account_id: str,
        text: str,
        *,
        media_urls: Sequence[str] | None = None,
        subaccount_id: str | None = None,
        target_type: str | None = None,
        options: Mapping[str, Any] | None = None,
        scheduled_time: datetime | str | None = None,
        use_next_free_slot: bool | None = None,
        idempotency_key: str | None = None,
    ) -> m.CreatedPost:
        """Create a post in the nested shape ("createPost"): no time → ``draft``; a time
        (with a timezone) → ``scheduled``; ``use_next_free_slot=True`` → the next free slot.
        A retried call reuses its ``Idempotency-Key``, so it never makes two posts."""
        post: dict[str, Any] = {"accountId": account_id, "content": {"text": text}}
        if media_urls is not None:
            post["content"]["mediaUrls"] = list(media_urls)
        if subaccount_id is not None:
            post["subaccountId"] = subaccount_id
        if target_type is not None:
            post["target"] = {"targetType": target_type}
        if options is not None:
            post["options"] = dict(options)
        body = drop_none(
            {
                "post": post,
                "scheduledTime": iso(scheduled_time),
                "useNextFreeSlot": use_next_free_slot,
            }
        )
        return self.create_raw(body, idempotency_key=idempotency_key)

    def create_flat(
        self,
        account_id: str,
        content: str,
        *,
        platform: str | None = None,
        media_urls: Sequence[str] | None = None,
        subaccount_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        scheduled_at: datetime | str | None = None,
        use_next_free_slot: bool | None = None,
        idempotency_key: str | None = None,
    ) -> m.CreatedPost:
        """Create a post in the flat snake_case shape ("createPost")."""
        body = drop_none(
            {
                "account_id": account_id,
                "content": content,
                "platform": platform,
                "media_urls": None if media_urls is None else list(media_urls),
                "subaccount_id": subaccount_id,
                "options": None if options is None else dict(options),
                "scheduled_at": iso(scheduled_at),
                "use_next_free_slot": use_next_free_slot,
            }
        )
        return self.create_raw(body, idempotency_key=idempotency_key)

    def create_raw(
        self, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.CreatedPost:
        """Send a create body as it is, in either shape ("createPost")."""
        return self._client.call(
            m.CreatedPost, "createPost", json=dict(body), idempotency_key=idempotency_key
        )

    def bulk(
        self, posts: Sequence[Mapping[str, Any]], *, idempotency_key: str | None = None
    ) -> m.BulkResult:
        """Up to 50 posts ``{content, platforms, account_id?, scheduled_at?, media_urls?,
        options?}`` in one call; failures are listed per index ("createBulk")."""
        body = {"posts": [dict(p) for p in posts]}
        return self._client.call(
            m.BulkResult, "createBulk", json=body, idempotency_key=idempotency_key
        )

    def get(self, post_id: str) -> m.Post:
        """A post; poll it until ``status`` is ``published`` or ``failed`` ("getPost")."""
        return self._client.call(m.Post, "getPost", path={"post_id": post_id})

    def list(
        self,
        *,
        status: str | None = None,
        account_id: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> m.PostPage:
        """One page of posts, newest first ("listPosts"); ``iterate`` walks every page."""
        params = {
            "status": status,
            "account_id": account_id,
            "from": iso(from_),
            "to": iso(to),
            "limit": limit,
            "offset": offset,
        }
        return self._client.call(m.PostPage, "listPosts", params=params)

    def iterate(
        self,
        *,
        status: str | None = None,
        account_id: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        page_size: int = 100,
    ) -> Iterator[m.Post]:
        """Every post matching the filters, page after page (``limit``/``offset``)."""
        offset = 0
        while True:
            page = self.list(
                status=status,
                account_id=account_id,
                from_=from_,
                to=to,
                limit=page_size,
                offset=offset,
            )
            yield from page.posts
            if not page.meta.has_more or not page.posts:
                return
            offset += len(page.posts)

    def publish(self, post_id: str, *, raise_on_failure: bool = False) -> m.PublishedPost:
        """Publish a post now and wait briefly for the platform ("publishNow").

        A refused post comes back as a normal answer with ``status == "failed"`` and an
        ``error_code`` (the server answers 200); ``raise_on_failure=True`` raises
        ``PublishFailedError`` instead. ``publishing`` means it is still on its way: poll
        ``get``."""
        answer = self._client.call(m.PublishedPost, "publishNow", path={"post_id": post_id})
        if raise_on_failure and answer.status == "failed":
            raise PublishFailedError(answer)
        return answer

    def delete(self, post_id: str) -> m.Deleted:
        """Delete a draft, scheduled or failed post ("deletePost")."""
        return self._client.call(m.Deleted, "deletePost", path={"post_id": post_id})


class Schedules(Resource):
    def list(self, *, limit: int | None = None, offset: int | None = None) -> m.SchedulePage:
        """One page of scheduled posts ("listSchedules")."""
        params = {"limit": limit, "offset": offset}
        return self._client.call(m.SchedulePage, "listSchedules", params=params)

    def iterate(self, *, page_size: int = 100) -> Iterator[m.ScheduledPost]:
        """Every scheduled post, page after page."""
        offset = 0
        while True:
            page = self.list(limit=page_size, offset=offset)
            yield from page.scheduled_posts
            if not page.meta.has_more or not page.scheduled_posts:
                return
            offset += len(page.scheduled_posts)

    def get(self, schedule_id: str) -> m.Post:
        """A scheduled post ("getSchedule")."""
        path = {"schedule_id": schedule_id}
        return self._client.call(m.Post, "getSchedule", path=path)

    def update(
        self,
        schedule_id: str,
        *,
        content_text: str | None = None,
        scheduled_time: datetime | str | None = None,
        media_urls: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> m.Post:
        """Change a scheduled post's text, time, media or options ("updateSchedule")."""
        body = drop_none(
            {
                "content_text": content_text,
                "scheduled_time": iso(scheduled_time),
                "media_urls": None if media_urls is None else list(media_urls),
                "options": None if options is None else dict(options),
            }
        )
        path = {"schedule_id": schedule_id}
        return self._client.call(m.Post, "updateSchedule", path=path, json=body)

    def delete(self, schedule_id: str) -> m.Deleted:
        """Delete a scheduled post ("deleteSchedule")."""
        path = {"schedule_id": schedule_id}
        return self._client.call(m.Deleted, "deleteSchedule", path=path)


class Slots(Resource):
    def list(self) -> m.SlotList:
        """Recurring posting times ("listSlots")."""
        return self._client.call(m.SlotList, "listSlots")

    def create(self, slots: Sequence[Mapping[str, Any]]) -> m.SlotsCreated:
        """Add slots ``{day, hour, minute?, selectedTargets?}`` ("createSlots")."""
        body = {"slots": [dict(s) for s in slots]}
        return self._client.call(m.SlotsCreated, "createSlots", json=body)

    def delete(self, slot_id: str) -> m.Deleted:
        """Delete a slot ("deleteSlot")."""
        return self._client.call(m.Deleted, "deleteSlot", path={"slot_id": slot_id})

    def auto_configure(
        self,
        platforms: Sequence[str],
        *,
        posts_per_day: int | None = None,
        timezone: str | None = None,
        include_weekends: bool | None = None,
    ) -> m.AutoConfigured:
        """Replace the schedule with the platforms' best times ("autoConfigure")."""
        body = drop_none(
            {
                "platforms": list(platforms),
                "posts_per_day": posts_per_day,
                "timezone": timezone,
                "include_weekends": include_weekends,
            }
        )
        return self._client.call(m.AutoConfigured, "autoConfigure", json=body)


class Media(Resource):
    def upload(
        self,
        file: MediaInput | None = None,
        *,
        base64_data: str | None = None,
        mime_type: str | None = None,
        filename: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Media:
        """Upload an image or video from a path, bytes or a binary file object (multipart),
        or from ``base64_data`` (JSON; a ``data:`` URL works too) ("upload"). Put the answer's
        ``url`` or ``id`` in a post's media."""
        files, body = media_payload(
            file, base64_data=base64_data, mime_type=mime_type, filename=filename
        )
        return self._client.call(
            m.Media, "upload", files=files, json=body, idempotency_key=idempotency_key
        )

    def get(self, media_id: str) -> m.Media:
        """An uploaded file's details ("getMedia")."""
        return self._client.call(m.Media, "getMedia", path={"media_id": media_id})

    def delete(self, media_id: str) -> m.Deleted:
        """Delete an uploaded file no post still uses ("deleteMedia")."""
        return self._client.call(m.Deleted, "deleteMedia", path={"media_id": media_id})


class Webhooks(Resource):
    def create(
        self, url: str, events: Sequence[str], *, idempotency_key: str | None = None
    ) -> m.CreatedWebhook:
        """Register an endpoint; the answer's ``secret`` is shown once ("createWebhook")."""
        body = {"url": url, "events": list(events)}
        return self._client.call(
            m.CreatedWebhook, "createWebhook", json=body, idempotency_key=idempotency_key
        )

    def list(self) -> m.WebhookList:
        """Registered endpoints ("listWebhooks")."""
        return self._client.call(m.WebhookList, "listWebhooks")

    def get(self, webhook_id: str) -> m.Webhook:
        """One endpoint ("getWebhook")."""
        path = {"webhook_id": webhook_id}
        return self._client.call(m.Webhook, "getWebhook", path=path)

    def update(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        is_active: bool | None = None,
    ) -> m.Webhook:
        """Change an endpoint's URL, events, or switch it on/off ("updateWebhook")."""
        body = drop_none(
            {"url": url, "events": None if events is None else list(events), "is_active": is_active}
        )
        path = {"webhook_id": webhook_id}
        return self._client.call(m.Webhook, "updateWebhook", path=path, json=body)

    def delete(self, webhook_id: str) -> m.Deleted:
        """Delete an endpoint ("deleteWebhook")."""
        path = {"webhook_id": webhook_id}
        return self._client.call(m.Deleted, "deleteWebhook", path=path)

    def rotate_secret(self, webhook_id: str) -> m.RotatedSecret:
        """A new signing secret; the old one keeps working for a while ("rotateSecret")."""
        path = {"webhook_id": webhook_id}
        return self._client.call(m.RotatedSecret, "rotateSecret", path=path)

    def deliveries(
        self,
        webhook_id: str,
        *,
        status: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> m.DeliveryPage:
        """An endpoint's delivery log ("listDeliveries")."""
        path = {"webhook_id": webhook_id}
        params = {"status": status, "limit": limit, "offset": offset}
        return self._client.call(m.DeliveryPage, "listDeliveries", path=path, params=params)

    def redeliver(self, webhook_id: str, delivery_id: str) -> m.Delivery:
        """Send a delivery again ("redeliver")."""
        path = {"webhook_id": webhook_id, "delivery_id": delivery_id}
        return self._client.call(m.Delivery, "redeliver", path=path)

    def send_test(self, webhook_id: str) -> m.Delivery:
        """Send a test event ("sendTest")."""
        path = {"webhook_id": webhook_id}
        return self._client.call(m.Delivery, "sendTest", path=path)


class Profile(Resource):
    def get(self) -> m.Profile:
        """The key owner's profile ("getProfile")."""
        return self._client.call(m.Profile, "getProfile")

    def update(
        self,
        *,
        display_name: str | None = None,
        timezone: str | None = None,
        notification_preferences: Mapping[str, bool] | None = None,
    ) -> m.Updated:
        """Change the name, IANA timezone or notification preferences ("updateProfile")."""
        body = drop_none(
            {
                "display_name": display_name,
                "timezone": timezone,
                "notification_preferences": None
                if notification_preferences is None
                else dict(notification_preferences),
            }
        )
        return self._client.call(m.Updated, "updateProfile", json=body)


class BrandKit(Resource):
    def get(self) -> m.BrandKit:
        """The brand kit the AI writer uses ("getBrandKit")."""
        return self._client.call(m.BrandKit, "getBrandKit")

    def update(self, **fields: Any) -> m.Updated:
        """Set brand fields: ``brand_name``, ``brand_color``, ``tone``, ``topics``,
        ``logo_url``, ``website``, ``what_do_you_do``, ``who_do_you_help``, ``language``
        ("putBrandKit")."""
        return self._client.call(m.Updated, "putBrandKit", json=fields)


class Onboarding(Resource):
    def complete(self, brand_name: str, platforms: Sequence[str], **fields: Any) -> m.Onboarding:
        """Brand, platforms and a schedule in one call; optional ``timezone``,
        ``posting_frequency``, ``topics``, ``what_do_you_do``, ``who_do_you_help``,
        ``user_type`` ("completeOnboarding")."""
        body = {"brand_name": brand_name, "platforms": list(platforms), **fields}
        return self._client.call(m.Onboarding, "completeOnboarding", json=body)


class Credits(Resource):
    def get(self) -> m.Credits:
        """Balance and usage this month ("getCredits")."""
        return self._client.call(m.Credits, "getCredits")


class Analytics(Resource):
    def summary(
        self, *, period: str | None = None, account_id: str | None = None
    ) -> m.AnalyticsSummary:
        """Totals, trend and best times ("getSummary")."""
        params = {"period": period, "account_id": account_id}
        return self._client.call(m.AnalyticsSummary, "getSummary", params=params)

    def post(self, post_id: str) -> m.PostAnalytics:
        """A published post's latest metrics and their history ("getPostAnalytics")."""
        path = {"post_id": post_id}
        return self._client.call(m.PostAnalytics, "getPostAnalytics", path=path)


class Marketplace(Resource):
    def list(self, *, platform: str | None = None) -> m.Marketplace:
        """Accounts for sale ("listMarketplace")."""
        params = {"platform": platform}
        return self._client.call(m.Marketplace, "listMarketplace", params=params)

    def purchase(
        self, account_id: str, *, auto_connect: bool | None = None, pay_with: str | None = None
    ) -> m.Purchase:
        """Buy an account ("purchase"); the answer carries its credentials once."""
        body = drop_none(
            {"account_id": account_id, "auto_connect": auto_connect, "pay_with": pay_with}
        )
        return self._client.call(m.Purchase, "purchase", json=body)

    def purchases(self) -> m.PurchaseList:
        """Accounts bought so far ("listPurchases")."""
        return self._client.call(m.PurchaseList, "listPurchases")


class Billing(Resource):
    def get(self) -> m.Billing:
        """Plan, subscription and saved card ("getBilling")."""
        return self._client.call(m.Billing, "getBilling")

    def checkout(
        self,
        *,
        plan: str | None = None,
        credits: int | None = None,
        success_url: str | None = None,
        cancel_url: str | None = None,
    ) -> m.Checkout:
        """A Stripe Checkout link for a plan or credits ("postCheckout")."""
        body = drop_none(
            {"plan": plan, "credits": credits, "success_url": success_url, "cancel_url": cancel_url}
        )
        return self._client.call(m.Checkout, "postCheckout", json=body)

    def cancel(self) -> m.Cancelled:
        """Cancel the plan at the end of the period ("postCancel")."""
        return self._client.call(m.Cancelled, "postCancel")


class Ai(Resource):
    def generate(
        self,
        topic: str,
        platform: str,
        *,
        tone: str | None = None,
        include_hashtags: bool | None = None,
        custom_instructions: str | None = None,
        source_id: str | None = None,
    ) -> m.Generated:
        """Write a post for ``platform`` in the brand's voice; 0.5 credits ("generate")."""
        body = drop_none(
            {
                "topic": topic,
                "platform": platform,
                "tone": tone,
                "include_hashtags": include_hashtags,
                "custom_instructions": custom_instructions,
                "source_id": source_id,
            }
        )
        return self._client.call(m.Generated, "generate", json=body)

    def images(
        self,
        prompt: str,
        *,
        platform: str | None = None,
        size: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Image:
        """An image stored as media, usable in a post; 2.0 credits ("createImage")."""
        body = drop_none({"prompt": prompt, "platform": platform, "size": size})
        return self._client.call(m.Image, "createImage", json=body, idempotency_key=idempotency_key)


class Sources(Resource):
    def create(
        self,
        source_type: str,
        *,
        url: str | None = None,
        text: str | None = None,
        custom_instructions: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Source:
        """Queue the extraction of an article, PDF, video, text, ... ("createSource");
        ``wait`` polls it until it is ``ready`` or ``failed``."""
        body = drop_none(
            {
                "sourceType": source_type,
                "url": url,
                "text": text,
                "customInstructions": custom_instructions,
            }
        )
        return self._client.call(
            m.Source, "createSource", json=body, idempotency_key=idempotency_key
        )

    def get(self, source_id: str) -> m.Source:
        """A source and, once ``ready``, its extracted text ("getSource")."""
        return self._client.call(m.Source, "getSource", path={"source_id": source_id})

    def wait(
        self,
        source_id: str,
        *,
        timeout: float = 60.0,
        interval: float = 1.0,
    ) -> m.Source:
        """Poll ``get`` until the source is ``ready`` or ``failed``; ``TimeoutError`` after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            source = self.get(source_id)
            if source.status in {"ready", "failed"}:
                return source
            if time.monotonic() >= deadline:
                msg = f"source {source_id} still {source.status} after {timeout} s"
                raise TimeoutError(msg)
            time.sleep(interval)


class Platforms(Resource):
    def list(self) -> m.Platforms:
        """Every platform's limits, media rules and options schema ("platforms")."""
        return self._client.call(m.Platforms, "platforms")
