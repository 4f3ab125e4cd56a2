"""The Bluesky adapter: our post → an ``app.bsky.feed.post`` record in the account's repo.

Accounts connect with an **app password** (there is no OAuth code flow here): ``creds.username``
is the handle, ``creds.access_token`` the app password, and the PDS is
``creds.meta["service_url"]`` when the account lives on its own PDS, else ``ctx.base_url``
(default ``https://bsky.social``). Every XRPC call goes to that host.

The app password is only used to open a session (createSession, rate-limited hard); later calls
reuse the session's access JWT and refresh it (refreshSession) when the PDS says
``ExpiredToken`` (``SessionCache.run``). Sessions live in a per-process cache, shared by
every ``Adapter()`` of the process because the registry builds a new adapter per call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from lowtato.kit import clock
from lowtato.platforms import upload_body
from lowtato.platforms.base import (
    AdapterContext,
    Credentials,
    Identity,
    Metrics,
    OAuthApp,
    Published,
    PublishRequest,
    SubAccountInfo,
    TokenSet,
)
from lowtato.platforms.bluesky import facets, media
from lowtato.platforms.bluesky.client import (
    POST_COLLECTION,
    Login,
    Session,
    SessionCache,
    Xrpc,
)
from lowtato.platforms.bluesky.recordkey import record_key
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, UnknownOutcome
from lowtato.platforms.names import Platform

DEFAULT_BASE_URL = "https://bsky.social"
DEFAULT_AUTH_URL = ""  # no browser OAuth: accounts connect with an app password

PUBLIC_URL = "https://bsky.app/profile/{handle}/post/{rkey}"
IMAGES = "app.bsky.embed.images"
VIDEO = "app.bsky.embed.video"
EXTERNAL = "app.bsky.embed.external"
_FIND_PAGES = 5  # pages of 100 records: far more than one account posts between send and reconcile
_CONNECT_HELP = (
    "Bluesky accounts connect with an app password, not a browser link: create one in "
    "Bluesky (Settings → Privacy and security → App passwords), then POST "
    '/api/v1/accounts/connect {"platform": "bluesky", "platform_username": "<handle>", '
    '"access_token": "<app password>", "service_url": "<PDS URL, only for a self-hosted PDS>"}.'
)

PROCESS_SESSIONS = SessionCache()
"""The sessions of this process (see ``SessionCache``)."""


def _xrpc(ctx: AdapterContext, creds: Credentials) -> Xrpc:
    """XRPC to the account's PDS. An account's own ``service_url`` was supplied by a user, so
    its calls go through ``ctx.user_http`` (every dialled address checked, https only): a PDS
    name later pointed at an internal address is refused at connect time, never dialled. The
    operator's configured base URL uses the plain platform client."""
    service = _service(ctx, creds)
    if not creds.meta.get("service_url"):
        return Xrpc(ctx.http, service)
    if ctx.user_http is None:
        msg = "this server has no guarded client for an account's own Bluesky server"
        raise Rejected(msg, code="service_url_refused")
    return Xrpc(ctx.user_http, service)


def _service(ctx: AdapterContext, creds: Credentials) -> str:
    """The account's PDS: its ``service_url`` when set, else the configured base URL."""
    raw = str(creds.meta.get("service_url") or ctx.base_url or DEFAULT_BASE_URL).strip()
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host or url.userinfo:
        msg = (
            f"the account's Bluesky server address {raw!r} is not an http(s) URL; reconnect "
            "it with service_url set to the PDS address, e.g. https://bsky.social"
        )
        raise AuthExpired(msg)
    return raw.rstrip("/")


def _login(creds: Credentials) -> Login:
    # A DID survives handle changes, so it is the better login identifier when we have one.
    did = creds.platform_user_id if creds.platform_user_id.startswith("did:") else ""
    identifier = (did or creds.username or creds.platform_user_id).strip().removeprefix("@")
    if not identifier or not creds.access_token:
        raise AuthExpired(f"no handle or app password is stored for this account. {_CONNECT_HELP}")
    return Login(identifier, creds.access_token)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _split_uri(uri: str) -> tuple[str, str, str]:
    """``at://<did>/<collection>/<rkey>`` → its three parts; Rejected when malformed."""
    parts = uri.removeprefix("at://").split("/") if uri.startswith("at://") else []
    if len(parts) != 3 or not all(parts) or parts[1] != POST_COLLECTION:
        raise Rejected(f"{uri!r} is not the at:// URI of a Bluesky post", code="not_found")
    did, collection, rkey = parts
    return did, collection, rkey


def public_url(handle: str, uri: str) -> str:
    """``https://bsky.app/profile/{handle}/post/{rkey}``; the DID stands in for a handle
    that does not verify (the PDS reports those as ``handle.invalid``)."""
    did, _, rkey = _split_uri(uri)
    profile = handle if handle and handle != "handle.invalid" else did
    return PUBLIC_URL.format(handle=profile, rkey=rkey)


def _link_card(uri: str | None) -> dict[str, Any] | None:
    # The card shows the URL itself: fetching the target page for a title and thumbnail
    # would mean requesting a user-supplied URL from the worker.
    if uri is None:
        return None
    return {"$type": EXTERNAL, "external": {"uri": uri, "title": uri, "description": ""}}


def _record(
    text: str, facet_list: list[dict[str, Any]], embed: dict[str, Any] | None, langs: list[str]
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "$type": POST_COLLECTION,
        "text": text,
        "createdAt": _timestamp(clock.now()),
    }
    if langs:
        record["langs"] = langs
    if facet_list:
        record["facets"] = facet_list
    if embed:
        record["embed"] = embed
    return record


def _same_post(value: dict[str, Any], req: PublishRequest, alt_texts: list[str]) -> bool:
    """Whether a record in the repo is the one ``req`` made: same text, not a reply, and the
    same kind and number of media (plus the first image's alt text when one was given)."""
    if value.get("text") != req.text or value.get("reply"):
        return False
    embed = value.get("embed") if isinstance(value.get("embed"), dict) else {}
    kind = embed.get("$type") if embed else None
    if not req.media:
        return kind not in (IMAGES, VIDEO)
    if kind == VIDEO:
        return len(req.media) == 1
    images = embed.get("images") if embed and kind == IMAGES else None
    if not isinstance(images, list) or len(images) != len(req.media):
        return False
    return not alt_texts or (isinstance(images[0], dict) and images[0].get("alt") == alt_texts[0])


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


class Adapter:
    """Bluesky (AT Protocol) over XRPC with app-password sessions. See the module docstring."""

    capabilities: Capabilities = CAPABILITIES[Platform.BLUESKY]

    # A miss is conclusive at once: the PDS has a record the moment it is written, and the
    # post's own record key means a create still in flight can never become a second post.
    find_settle_seconds = 0.0

    def __init__(self, sessions: SessionCache | None = None) -> None:
        self.sessions = sessions if sessions is not None else PROCESS_SESSIONS

    def _open(self, ctx: AdapterContext, creds: Credentials) -> tuple[Xrpc, Login]:
        return _xrpc(ctx, creds), _login(creds)

    async def _resolve_mentions(self, xrpc: Xrpc, spans: list[facets.Span]) -> dict[str, str]:
        """Handle → DID for each mentioned handle that resolves; the rest stay plain text."""
        dids: dict[str, str] = {}
        for handle in sorted({s.value for s in spans if s.kind == "mention"}):
            try:
                body = await xrpc.query("com.atproto.identity.resolveHandle", {"handle": handle})
            except (Rejected, AuthExpired):  # 400 "Unable to resolve handle", or not public
                continue
            did = body.get("did")
            if isinstance(did, str) and did.startswith("did:"):
                dids[handle] = did
        return dids

    async def _fetch_media(self, ctx: AdapterContext, req: PublishRequest) -> list[media.MediaFile]:
        if not req.media:
            return []
        if ctx.fetch is None:
            msg = "this server cannot fetch media for upload, so the post cannot carry media"
            raise Rejected(msg, code="media_unavailable")
        alt_texts = list(req.options.get("alt_texts") or [])
        files = []
        for index, item in enumerate(req.media):
            fetched = await ctx.fetch(item)
            alt = alt_texts[index] if index < len(alt_texts) else (item.alt_text or "")
            files.append(media.MediaFile(fetched, alt))
        media.check(files, self.capabilities.media)
        return files

    async def _upload(self, xrpc: Xrpc, login: Login, file: media.MediaFile) -> dict[str, Any]:
        async def call(session: Session) -> dict[str, Any]:
            # A fresh read of the file each time: a call repeated after a session refresh
            # sends the whole file again.
            return await xrpc.procedure(
                "com.atproto.repo.uploadBlob",
                token=session.access_jwt,
                content=upload_body.raw(file.file, file.mime_type),
            )

        blob = (await self.sessions.run(xrpc, login, call)).get("blob")
        if not isinstance(blob, dict):
            raise Rejected("Bluesky's uploadBlob answer has no blob", code="media_rejected")
        return blob

    async def _media_embed(
        self, xrpc: Xrpc, login: Login, files: list[media.MediaFile]
    ) -> dict[str, Any] | None:
        if not files:
            return None
        if files[0].mime_type.startswith("video/"):
            video: dict[str, Any] = {
                "$type": VIDEO,
                "video": await self._upload(xrpc, login, files[0]),
            }
            if files[0].alt:
                video["alt"] = files[0].alt
            return video
        images = []
        for file in files:
            image: dict[str, Any] = {
                "image": await self._upload(xrpc, login, file),
                "alt": file.alt,
            }
            size = media.image_size(await file.file.head(media.HEADER_BYTES), file.mime_type)
            if size is not None:
                image["aspectRatio"] = {"width": size[0], "height": size[1]}
            images.append(image)
        return {"$type": IMAGES, "images": images}

    async def _create(
        self, xrpc: Xrpc, login: Login, record: dict[str, Any], rkey: str
    ) -> tuple[str, str, Session]:
        """createRecord at ``rkey`` → ``(uri, cid, session used)``. A lost answer is
        UnknownOutcome. The key is derived from the post (``recordkey``): when the PDS refuses
        the create because an earlier attempt already made the record, that record is the
        post — it is never created twice."""

        async def call(session: Session) -> tuple[dict[str, Any], Session]:
            body = {
                "repo": session.did, "collection": POST_COLLECTION, "rkey": rkey, "record": record,
            }  # fmt: skip
            try:
                created = await xrpc.procedure(
                    "com.atproto.repo.createRecord", body, token=session.access_jwt, creates=True
                )
            except Rejected:
                existing = await xrpc.get_record(session.did, POST_COLLECTION, rkey)
                if existing is None:
                    raise
                return existing, session
            return created, session

        created, session = await self.sessions.run(xrpc, login, call)
        uri, cid = created.get("uri"), created.get("cid")
        if not isinstance(uri, str) or not uri.startswith("at://") or not isinstance(cid, str):
            raise UnknownOutcome("Bluesky accepted createRecord but its answer has no post URI")
        return uri, cid, session

    async def _post(
        self, xrpc: Xrpc, login: Login, text: str, options: dict[str, Any], rkey: str, *,
        embed: dict[str, Any] | None = None, reply: dict[str, Any] | None = None,
    ) -> tuple[str, str, Session]:  # fmt: skip
        spans = facets.detect(text)
        dids = await self._resolve_mentions(xrpc, spans)
        embed = embed or _link_card(facets.first_link(spans))
        record = _record(
            text, facets.to_facets(spans, dids), embed, list(options.get("langs") or [])
        )
        if reply:
            record["reply"] = reply
        return await self._create(xrpc, login, record, rkey)

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        """Upload the media (≤4 images with alt text and aspect ratio, or 1 MP4 video), then
        createRecord an ``app.bsky.feed.post`` with facets for links, resolvable mentions and
        hashtags, and a link card for the first URL when there is no media. The option
        ``first_comment`` becomes a reply; its failure never fails the published post."""
        xrpc, login = self._open(ctx, creds)
        files = await self._fetch_media(ctx, req)
        embed = await self._media_embed(xrpc, login, files)
        uri, cid, session = await self._post(
            xrpc, login, req.text, req.options, record_key(req.post_id), embed=embed
        )
        extra: dict[str, Any] = {"uri": uri, "cid": cid}
        comment = req.options.get("first_comment")
        if comment:
            ref = {"uri": uri, "cid": cid}
            try:
                reply_uri, _, _ = await self._post(
                    xrpc, login, str(comment), req.options, record_key(req.post_id, 1),
                    reply={"root": ref, "parent": ref},
                )  # fmt: skip
                extra["first_comment_uri"] = reply_uri
            except PlatformError as exc:
                extra["first_comment_error"] = exc.reason
        return Published(
            platform_post_id=uri, public_url=public_url(session.handle, uri), extra=extra
        )

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """Look for the post in the account's repo, on the PDS itself (which has a record the
        moment it is written, unlike the AppView feed, which indexes with a delay).

        First at the post's own record key (``com.atproto.repo.getRecord``): an exact answer.
        Then, for a post sent before record keys were derived from posts, among the records
        created since ``since`` (``listRecords``, newest first) by exact text, not being a
        reply, and its media shape (see ``_same_post``)."""
        xrpc = _xrpc(ctx, creds)  # getRecord and listRecords are public: no session
        repo = _login(creds).identifier
        handle = creds.username.strip().removeprefix("@")
        keyed = await xrpc.get_record(repo, POST_COLLECTION, record_key(req.post_id))
        if keyed is not None and isinstance(keyed.get("uri"), str):
            at = str(keyed["uri"])
            return Published(at, public_url(handle, at), {"uri": at, "cid": keyed.get("cid")})
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        alt_texts = list(req.options.get("alt_texts") or [])
        cursor: str | None = None
        for _ in range(_FIND_PAGES):
            params: dict[str, Any] = {"repo": repo, "collection": POST_COLLECTION, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = await xrpc.query("com.atproto.repo.listRecords", params)
            records = [r for r in page.get("records") or [] if isinstance(r, dict)]
            older = 0
            for item in records:
                raw = item.get("value")
                value: dict[str, Any] = raw if isinstance(raw, dict) else {}
                created = _parse_time(value.get("createdAt"))
                if created is None or created < since:
                    older += 1
                    continue
                uri = item.get("uri")
                if isinstance(uri, str) and _same_post(value, req, alt_texts):
                    extra = {"uri": uri, "cid": item.get("cid")}
                    return Published(uri, public_url(handle, uri), extra)
            cursor = page.get("cursor") if isinstance(page.get("cursor"), str) else None
            if not cursor or not records or older == len(records):
                return None
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``com.atproto.repo.deleteRecord`` of the post's rkey in the account's own repo."""
        did, collection, rkey = _split_uri(platform_post_id)
        xrpc, login = self._open(ctx, creds)

        async def call(session: Session) -> None:
            if session.did != did:
                msg = f"{platform_post_id} belongs to another Bluesky account ({did})"
                raise Rejected(msg, code="not_found")
            body = {"repo": session.did, "collection": collection, "rkey": rkey}
            await xrpc.procedure("com.atproto.repo.deleteRecord", body, token=session.access_jwt)

        await self.sessions.run(xrpc, login, call)

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """``app.bsky.feed.getPosts``: likes, replies (comments), reposts + quotes (shares).
        Bluesky has no impression or view counts."""
        _split_uri(platform_post_id)
        xrpc, login = self._open(ctx, creds)

        async def call(session: Session) -> dict[str, Any]:
            params = [("uris", platform_post_id)]
            return await xrpc.query("app.bsky.feed.getPosts", params, token=session.access_jwt)

        posts = (await self.sessions.run(xrpc, login, call)).get("posts") or []
        post = next(
            (p for p in posts if isinstance(p, dict) and p.get("uri") == platform_post_id), None
        )
        if post is None:
            msg = f"Bluesky has no post {platform_post_id} (it may have been deleted)"
            raise Rejected(msg, code="not_found")
        return Metrics(
            likes=_count(post.get("likeCount")),
            comments=_count(post.get("replyCount")),
            shares=_count(post.get("repostCount")) + _count(post.get("quoteCount")),
        )

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        """The app password, unchanged. It is the only long-lived credential and it does not
        expire; the short-lived session JWTs it opens are refreshed inside the adapter (see
        ``_authed``) and never stored, so there is nothing to rotate here."""
        if not creds.access_token:
            raise AuthExpired(f"no app password is stored for this account. {_CONNECT_HELP}")
        return TokenSet(access_token=creds.access_token, refresh_token=creds.refresh_token)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """Log in (``com.atproto.server.createSession``) with the handle and app password:
        proves the password works and gives the account's DID and current handle."""
        xrpc, login = self._open(ctx, creds)
        session = await self.sessions.login(xrpc, login)
        return Identity(platform_user_id=session.did, username=session.handle)

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return []

    def authorize_url(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
    ) -> str:
        raise Rejected(_CONNECT_HELP, code="oauth_not_supported")

    async def exchange_code(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        raise Rejected(_CONNECT_HELP, code="oauth_not_supported")
