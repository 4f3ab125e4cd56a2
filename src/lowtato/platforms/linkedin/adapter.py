"""The LinkedIn adapter: our post model → LinkedIn's Posts API (docs/reference/platforms.md §4).

Authors: a member posts as ``urn:li:person:{sub}`` (``sub`` from ``/v2/userinfo``); a post
aimed at a subaccount (``Credentials.target_id``) is authored by that organization
(``urn:li:organization:{id}``) with the same member token. Organizations the member
administers are the account's subaccounts.

A post is: upload media (``media.py``), ``POST /rest/posts`` (201, empty body, the new post's
URN in ``x-restli-id``), then the optional first comment. Only the ``POST /rest/posts`` call
can leave an unknown outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from lowtato.kit import clock
from lowtato.platforms.base import (
    AdapterContext,
    Credentials,
    FetchedMedia,
    Identity,
    Media,
    Metrics,
    OAuthApp,
    Published,
    PublishRequest,
    SubAccountInfo,
    TokenSet,
)
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, UnknownOutcome
from lowtato.platforms.linkedin import commentary
from lowtato.platforms.linkedin.client import (
    LinkedInClient,
    json_object,
    query,
    token,
    urn_segment,
)
from lowtato.platforms.linkedin.media import (
    Polling,
    Uploaded,
    upload_image,
    upload_video,
    wait_until_available,
)
from lowtato.platforms.names import Platform

DEFAULT_BASE_URL = "https://api.linkedin.com"
DEFAULT_AUTH_URL = "https://www.linkedin.com"

SCOPES = (
    "openid profile w_member_social "  # who am I + post as the member
    "w_organization_social r_organization_social rw_organization_admin"  # pages
)
"""Scopes asked for (docs/reference/platforms.md §4 Auth). The organization scopes need
LinkedIn's Community Management API product on the operator's app."""

ORG_ROLES = ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR")
"""Organization roles that may post as the page (docs/reference/platforms.md §4:
administrators and content administrators)."""

FIND_PAGE_SIZE = 50
FIND_MAX_PAGES = 4
"""Reconciliation reads at most 200 of the author's newest posts: the lost post is at most a few
minutes old, so it is near the top unless the account posts in bulk from elsewhere."""


def person_urn(platform_user_id: str) -> str:
    return (
        platform_user_id
        if platform_user_id.startswith("urn:li:person:")
        else f"urn:li:person:{platform_user_id}"
    )


def organization_urn(target_id: str) -> str:
    return target_id if target_id.startswith("urn:li:") else f"urn:li:organization:{target_id}"


def author_urn(creds: Credentials) -> str:
    """The post's author: the targeted organization, else the member."""
    if creds.target_id:
        return organization_urn(creds.target_id)
    if not creds.platform_user_id:
        raise Rejected(
            "The LinkedIn account has no member id; reconnect it so Lowtato can read it.",
            code="invalid_account",
        )
    return person_urn(creds.platform_user_id)


def _client(ctx: AdapterContext, creds: Credentials) -> LinkedInClient:
    # Organization posts use the member's token (LinkedIn has no page tokens), unless a
    # subaccount token was stored for the target.
    return LinkedInClient(
        ctx, (creds.target_token if creds.target_id else None) or creds.access_token
    )


def _content(kind: str, uploads: Sequence[Uploaded]) -> dict[str, Any] | None:
    """The ``content`` of a post: one ``media`` (image or video) or a ``multiImage``."""
    if not uploads:
        return None
    if len(uploads) == 1:
        item: dict[str, Any] = {"id": uploads[0].urn}
        if kind == "image" and uploads[0].alt_text:
            item["altText"] = uploads[0].alt_text
        return {"media": item}
    images = [{"id": u.urn, **({"altText": u.alt_text} if u.alt_text else {})} for u in uploads]
    return {"multiImage": {"images": images}}


def _media_shape(element: dict[str, Any]) -> int:
    """How many media items a fetched post carries (0, 1, or the multiImage count)."""
    content = element.get("content") or {}
    if "multiImage" in content:
        return len((content["multiImage"] or {}).get("images") or [])
    if "media" in content:
        return 1
    return 0


class Adapter:
    """LinkedIn's live adapter. ``app`` is the operator's OAuth app, needed to refresh tokens:
    the shared ``refresh_token(ctx, creds)`` interface does not hand it over, so the registry
    has to pass it here (see ``refresh_token``)."""

    capabilities: Capabilities = CAPABILITIES[Platform.LINKEDIN]

    def __init__(self, app: OAuthApp | None = None, polling: Polling | None = None) -> None:
        self.app = app
        self.polling = polling or Polling()

    async def _fetch_all(self, ctx: AdapterContext, media: Sequence[Media]) -> list[FetchedMedia]:
        if not media:
            return []
        if ctx.fetch is None:
            raise Rejected(
                "This server cannot download media for upload to LinkedIn (no media fetcher).",
                code="media_unavailable",
            )
        return [await ctx.fetch(m) for m in media]

    def _kind(self, files: Sequence[FetchedMedia]) -> str:
        """``image`` or ``video`` for the whole post, checking LinkedIn's media rules again
        (validation already ran at create time; the bytes are only known now)."""
        rules = self.capabilities.media
        kinds = []
        for f in files:
            if f.mime_type in rules.image_mime_types:
                kinds.append("image")
            elif f.mime_type in rules.video_mime_types:
                kinds.append("video")
            else:
                raise Rejected(
                    f"LinkedIn does not accept {f.mime_type} files; use JPEG, PNG or GIF images "
                    "or an MP4 video.",
                    code="media_unsupported",
                )
        if "video" in kinds and len(kinds) > 1:
            raise Rejected(
                "A LinkedIn post holds one video and nothing else, or up to 20 images.",
                code="invalid_content",
            )
        if len(kinds) > 20:
            raise Rejected("A LinkedIn post holds at most 20 images.", code="invalid_content")
        return kinds[0] if kinds else "none"

    async def _upload(
        self, client: LinkedInClient, author: str, req: PublishRequest, files: list[FetchedMedia]
    ) -> tuple[str, list[Uploaded]]:
        kind = self._kind(files)
        if kind == "video":
            uploads = [await upload_video(client, author, files[0])]
        elif kind == "image":
            uploads = [
                await upload_image(client, author, f, m.alt_text)
                for f, m in zip(files, req.media, strict=True)
            ]
        else:
            return kind, []
        await wait_until_available(client, kind, [u.urn for u in uploads], self.polling)
        return kind, uploads

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        """Upload the media, create the post, then add the first comment if asked.

        A failed first comment does not fail the publish (the post exists): it is reported in
        ``extra["first_comment_error"]``."""
        author = author_urn(creds)
        client = _client(ctx, creds)
        files = await self._fetch_all(ctx, req.media)
        kind, uploads = await self._upload(client, author, req, files)
        body: dict[str, Any] = {
            "author": author,
            "commentary": commentary.escape(req.text),
            "visibility": str(req.options.get("visibility") or "PUBLIC"),
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = _content(kind, uploads)
        if content is not None:
            body["content"] = content
        response = await client.api(
            "POST", "/rest/posts", json=body, action="creating the post", create=True
        )
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise UnknownOutcome(
                f"LinkedIn accepted the post (HTTP {response.status_code}) without saying its id"
            )
        extra: dict[str, Any] = {"author": author}
        first_comment = req.options.get("first_comment")
        if first_comment:
            try:
                extra["first_comment_id"] = await self._comment(
                    client, author, urn, str(first_comment)
                )
            except PlatformError as exc:  # the post exists: never fail (and re-send) it now
                extra["first_comment_error"] = f"The first comment was not posted: {exc.reason}"
        return self._published(urn, extra)

    def _published(self, urn: str, extra: dict[str, Any] | None = None) -> Published:
        return Published(
            platform_post_id=urn,
            public_url=self.capabilities.public_url.format(urn=urn),
            extra=extra or {},
        )

    async def _comment(self, client: LinkedInClient, actor: str, urn: str, text: str) -> str:
        # Comments are plain text plus attribute annotations, not little text: escaping here
        # would show the backslashes (Postiz issue #1847).
        response = await client.api(
            "POST", f"/rest/socialActions/{urn_segment(urn)}/comments",
            json={"actor": actor, "object": urn, "message": {"text": text}},
            action="adding the first comment", create=True,
        )  # fmt: skip
        comment_id = response.headers.get("x-restli-id")
        if not comment_id and response.content:
            body = json_object(response, "adding the first comment")
            comment_id = body.get("$URN") or body.get("id")
        return str(comment_id or "")

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The post ``req`` created, if LinkedIn has it.

        LinkedIn posts carry no field for our id, so the author's posts created since
        ``since`` (``GET /rest/posts?q=author``, newest first) are matched by their text — the
        commentary read back and unescaped, compared with ours (outer whitespace ignored) —
        and by the number of media items (media URNs are new on every upload, so ids cannot be
        compared). The first comment is not added here: the original attempt never reached
        that step, and adding it during reconciliation could add it twice."""
        author = author_urn(creds)
        client = _client(ctx, creds)
        want_text = req.text.strip()
        want_media = len(req.media)
        since_ms = since.astimezone(UTC).timestamp() * 1000
        for page in range(FIND_MAX_PAGES):
            body = await client.api_json(
                "GET", "/rest/posts",
                params=query(author=urn_segment(author), q="author", sortBy="CREATED",
                             count=str(FIND_PAGE_SIZE), start=str(page * FIND_PAGE_SIZE)),
                action="listing the author's recent posts",
            )  # fmt: skip
            elements = [e for e in body.get("elements") or [] if isinstance(e, dict)]
            for element in elements:
                created = element.get("createdAt") or element.get("publishedAt")
                if not isinstance(created, int | float):
                    continue
                if created < since_ms:
                    return None  # newest first: everything further is older
                text = commentary.unescape(str(element.get("commentary") or "")).strip()
                if text == want_text and _media_shape(element) == want_media and element.get("id"):
                    return self._published(
                        str(element["id"]), {"author": author, "reconciled": True}
                    )
            if len(elements) < FIND_PAGE_SIZE:
                return None
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``DELETE /rest/posts/{urn}`` (204)."""
        await _client(ctx, creds).api(
            "DELETE", f"/rest/posts/{urn_segment(platform_post_id)}", action="deleting the post"
        )

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """Likes and comments from ``GET /v2/socialActions/{urn}``; for organization posts also
        impressions and shares from ``/v2/organizationalEntityShareStatistics`` (member posts
        have no impressions without a restricted analytics permission, docs/reference/platforms.md
        §4)."""
        client = _client(ctx, creds)
        social = await client.api_json(
            "GET", f"/v2/socialActions/{urn_segment(platform_post_id)}",
            action="reading the post's likes and comments",
        )  # fmt: skip
        likes = (social.get("likesSummary") or {}).get("totalLikes")
        comments = (social.get("commentsSummary") or {}).get("totalFirstLevelComments")
        impressions = shares = None
        if creds.target_id:
            list_key = "ugcPosts" if platform_post_id.startswith("urn:li:ugcPost:") else "shares"
            try:
                stats = await client.api_json(
                    "GET", "/v2/organizationalEntityShareStatistics",
                    params=query(q="organizationalEntity",
                                 organizationalEntity=urn_segment(author_urn(creds)),
                                 **{list_key: f"List({urn_segment(platform_post_id)})"}),
                    action="reading the page post's statistics",
                )  # fmt: skip
            except Rejected:
                stats = {}  # statistics need r_organization_social; likes/comments still count
            for element in stats.get("elements") or []:
                total = element.get("totalShareStatistics") or {}
                impressions = total.get("impressionCount")
                shares = total.get("shareCount")
        return Metrics(likes=likes, comments=comments, shares=shares, impressions=impressions)

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        """``grant_type=refresh_token`` at the token endpoint (needs the OAuth app, from
        ``ctx.app`` or the constructor).

        Without an app the token cannot be refreshed: while it is still valid it is handed
        back with its remaining lifetime so the post goes out; once expired, AuthExpired asks
        for a reconnect."""
        if not creds.refresh_token:
            raise AuthExpired(
                "LinkedIn issued no refresh token for this app; reconnect the account.",
                kind="expired",
            )
        app = self.app or ctx.app
        if app is None:
            remaining = (
                int((creds.expires_at - clock.now()).total_seconds()) if creds.expires_at else 0
            )
            if creds.access_token and remaining > 0:
                return TokenSet(access_token=creds.access_token, expires_in=remaining)
            raise AuthExpired(
                "The LinkedIn token expired and this server could not refresh it (no OAuth app "
                "was given to the adapter); reconnect the account.",
                kind="expired",
            )
        return await token(
            ctx,
            {
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
            refreshing=True,
        )

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """``GET /v2/userinfo``: the member's ``sub`` (author id), name and picture. LinkedIn
        gives OpenID apps no handle, so the display name doubles as the username."""
        info = await LinkedInClient(ctx, creds.access_token).userinfo()
        sub = str(info["sub"])
        name = str(info.get("name") or "").strip()
        picture = info.get("picture")
        return Identity(
            platform_user_id=sub,
            username=name or sub,
            fullname=name,
            profile_image_url=str(picture) if picture else None,
        )

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        """Organizations the member may post as: ``GET /rest/organizationAcls?q=roleAssignee``
        for each posting role (APPROVED), then their names from ``GET /rest/organizations``.

        A 403 on the ACL read means the app or token lacks the organization scopes: the member
        has no usable pages, which is not an error."""
        client = LinkedInClient(ctx, creds.access_token)
        urns: list[str] = []
        for role in ORG_ROLES:
            try:
                body = await client.api_json(
                    "GET", "/rest/organizationAcls",
                    params=query(q="roleAssignee", role=role, state="APPROVED", count="100"),
                    action="listing the member's organizations",
                )  # fmt: skip
            except Rejected as exc:
                if exc.code == "permission_missing":
                    return []
                raise
            for element in body.get("elements") or []:
                org = element.get("organization")
                if isinstance(org, str) and org not in urns:
                    urns.append(org)
        if not urns:
            return []
        ids = [u.rsplit(":", 1)[-1] for u in urns]
        names: dict[str, str] = {}
        try:
            found = await client.api_json(
                "GET", "/rest/organizations", params=query(ids=f"List({','.join(ids)})"),
                action="reading the organizations' names",
            )  # fmt: skip
            for key, org in (found.get("results") or {}).items():
                if isinstance(org, dict):
                    names[str(key)] = str(org.get("localizedName") or org.get("vanityName") or "")
        except Rejected:
            pass  # names are cosmetic; the URNs are what posting needs
        return [
            SubAccountInfo(
                external_id=urn,
                name=names.get(org_id) or f"Organization {org_id}",
                type="linkedin_organization",
            )
            for urn, org_id in zip(urns, ids, strict=True)
        ]

    def authorize_url(
        self, ctx: AdapterContext, app: OAuthApp, *, redirect_uri: str, state: str,
        code_challenge: str,
    ) -> str:  # fmt: skip
        """LinkedIn's authorization-code URL. LinkedIn's standard 3-legged flow for web apps
        has no PKCE (it is offered only to native apps LinkedIn enables), so
        ``code_challenge`` is not sent; ``state`` still protects the callback."""
        params = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": SCOPES,
        }
        return f"{ctx.auth_url}/oauth/v2/authorization?{urlencode(params, quote_via=quote)}"

    async def exchange_code(
        self, ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:  # fmt: skip
        """``grant_type=authorization_code`` with the client secret (no PKCE verifier, see
        ``authorize_url``)."""
        return await token(
            ctx,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
            refreshing=False,
        )


__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "Adapter", "author_urn"]
