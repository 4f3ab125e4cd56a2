"""Contract fake of LinkedIn (docs/reference/platforms.md §4 and §12 "LinkedIn fake"), served under ``/linkedin``.

Browser/OAuth host: ``GET /oauth/v2/authorization`` (auto-approves as the last seeded member;
302 to ``redirect_uri`` with ``code`` and ``state``), ``POST /oauth/v2/accessToken``
(form-encoded ``authorization_code`` / ``refresh_token`` grants, client id + secret checked;
the refresh token is returned unchanged, its lifetime not reset).
API host: ``GET /v2/userinfo``; ``/rest/*`` (``LinkedIn-Version`` in SUPPORTED_VERSIONS else
400/426, ``X-Restli-Protocol-Version: 2.0.0``): ``organizationAcls`` (roleAssignee finder),
``organizations`` (batch get ``ids=List(…)``), ``images`` / ``videos`` (initializeUpload,
finalizeUpload, status), ``posts`` (create, author finder, delete), ``socialActions/{urn}/
comments``; ``/v2/socialActions/{urn}`` and ``/v2/organizationalEntityShareStatistics``.
Upload sinks: ``PUT /upload/img/{n}`` (bearer token, whole file) and
``PUT /upload/video/{n}/{part}`` (pre-signed; exact byte range; answers an ``ETag``).

It validates like LinkedIn: tokens it issued (expired → 401 EXPIRED_ACCESS_TOKEN, revoked →
401 REVOKED_ACCESS_TOKEN), URNs percent-encoded in paths and finder values, the author's URN
and that the member may act as it (itself, or an organization where it holds a posting role),
little-text commentary (an unescaped reserved character cuts the stored text, as LinkedIn
silently does), 3,000 visible characters, media that exist, belong to the author and are
AVAILABLE, multiImage 2-20, repeated text → 422 DUPLICATE_POST, upload sizes and ETag order.
Answers: 201 + ``x-restli-id`` for a new post; errors in LinkedIn's shape (see linkedin_store).

Failure injection: ``state.take("linkedin", endpoint)`` with endpoints ``authorize``, ``token``,
``userinfo``, ``acls``, ``organizations``, ``images.init``, ``images.upload``, ``images.get``,
``videos.init``, ``videos.upload``, ``videos.finalize``, ``videos.get``, ``posts.create``,
``posts.list``, ``posts.delete``, ``comments.create``, ``socialActions``, ``shareStatistics``.
Each media status read consumes one ``slow_processing`` use (one more PROCESSING answer);
``processing_failed`` makes the media PROCESSING_FAILED; ``timeout_after_commit`` on a
``*.create`` creates, then hangs ``state.hang_seconds`` and answers 504 (elsewhere it only hangs).
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.fakes import linkedin_store as li
from tests.fakes.bodies import Received
from tests.fakes.state import FakeState

PREFIX = "/linkedin"
SUPPORTED_VERSIONS = li.SUPPORTED_VERSIONS
CLIENT_ID, CLIENT_SECRET = "linkedin-client-id", "linkedin-client-secret"
PART_SIZE = 4 * 1024 * 1024  # video upload parts (docs/reference/platforms.md §4 and §12)
MAX_VIDEO = 500 * 1024 * 1024
MAX_COMMENTARY = 3000
POSTING_ROLES = frozenset({"ADMINISTRATOR", "CONTENT_ADMINISTRATOR"})
READING_ROLES = POSTING_ROLES | {"ANALYST"}
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


@dataclass
class Call:
    request: Request
    body: Any
    sub: str  # the token's member ("" on unauthenticated endpoints)
    mode: str | None  # injected failure mode of this call
    scopes: frozenset[str] = frozenset()

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise li.error(
                403,
                "ACCESS_DENIED",
                f"Not enough permissions to access: scope {scope} not granted",
                100,
            )


Handler = Callable[[Call], Awaitable[Response]]


def build(state: FakeState) -> Starlette:
    def db() -> li.LinkedInData:  # state.reset() replaces the data between tests
        return li.data(state)

    def may_act_as(sub: str, urn: str, roles: frozenset[str] = POSTING_ROLES) -> bool:
        match = li.AUTHOR.fullmatch(urn)
        if match is None:
            return False
        if match.group(1) == "person":
            return match.group(2) == sub
        return db().roles.get((sub, match.group(2))) in roles

    def endpoint(name: str, kind: str, fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            call_name = name
            if name == "videos.init" and request.query_params.get("action") == "finalizeUpload":
                call_name = "videos.finalize"
            try:
                body = await li.read_body(request, kind)
                headers = {k: v for k, v in request.headers.items()
                           if k in ("linkedin-version", "x-restli-protocol-version", "content-type")}  # fmt: skip
                state.record(li.PLATFORM, request.method, request.url.path, headers, body)
                if kind in ("rest", "v2"):
                    li.check_request(request, kind)
                authed = kind in ("rest", "v2", "userinfo", "image-upload")
                token = li.authenticate(db(), request) if authed else None
                mode = state.take(li.PLATFORM, call_name)
                injected = {
                    "rate_limit": li.RATE_LIMITED,
                    "server_error": li.SERVER,
                    "policy": li.POLICY,
                }
                if kind != "oauth":  # the token endpoint answers refused grants in OAuth's shape
                    injected |= {"auth_expired": li.EXPIRED, "auth_revoked": li.REVOKED}
                if mode in injected:
                    raise li.error(*injected[mode])
                if mode == "timeout_after_commit" and not call_name.endswith(".create"):
                    await asyncio.sleep(state.hang_seconds)
                    raise li.error(*li.GATEWAY_TIMEOUT)
                if token is None:
                    return await fn(Call(request, body, "", mode))
                return await fn(Call(request, body, token.sub, mode, token.scopes))
            except li.Problem as problem:
                return problem.response

        return handle

    async def answer_created(call: Call, response: Response) -> Response:
        """The create already happened; with ``timeout_after_commit`` its answer is lost."""
        if call.mode == "timeout_after_commit":
            await asyncio.sleep(state.hang_seconds)
            raise li.error(*li.GATEWAY_TIMEOUT)
        return response

    async def authorize(call: Call) -> Response:
        q = call.request.query_params
        if q.get("client_id") != CLIENT_ID:
            raise li.oauth_error(400, "invalid_request", "The passed in client_id is invalid")
        redirect_uri = q.get("redirect_uri", "")
        if (
            q.get("response_type") != "code"
            or not redirect_uri.startswith(("http://", "https://"))
            or not q.get("scope")
        ):
            raise li.oauth_error(
                400, "invalid_request", "response_type=code, redirect_uri and scope are required"
            )
        if db().last_member is None:
            li.seed_account(state, "fakeMember1", "Fake Member")
        code = "li-code-" + secrets.token_urlsafe(8)
        db().codes[code] = {
            "sub": db().last_member,
            "redirect_uri": redirect_uri,
            "scope": q["scope"],
        }
        query = urlencode({"code": code, **({"state": q["state"]} if "state" in q else {})})
        return RedirectResponse(
            f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}", status_code=302
        )

    async def access_token(call: Call) -> Response:
        form = call.body or {}
        if call.mode in ("auth_revoked", "auth_expired"):
            raise li.oauth_error(400, "invalid_request", li.BAD_GRANT)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            raise li.oauth_error(401, "invalid_client", "Client authentication failed")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            found = db().codes.pop(form.get("code", ""), None)
            if found is None or found["redirect_uri"] != form.get("redirect_uri"):
                raise li.oauth_error(400, "invalid_request", li.BAD_CODE)
            access, refresh = li.issue(db(), found["sub"], scopes=frozenset(found["scope"].split()))
            out: dict[str, Any] = {"access_token": access, "expires_in": li.TOKEN_TTL,
                                   "scope": found["scope"].replace(" ", ",")}  # fmt: skip
            if refresh:
                out |= {"refresh_token": refresh, "refresh_token_expires_in": li.REFRESH_TTL}
            return JSONResponse(out)
        if grant != "refresh_token":
            raise li.oauth_error(
                400, "unsupported_grant_type", f"grant_type {grant!r} is not supported"
            )
        old = db().refresh_tokens.get(form.get("refresh_token", ""))
        if old is None or old.revoked or old.expires_at < li.now():
            raise li.oauth_error(400, "invalid_request", li.BAD_GRANT)
        access, _ = li.issue(db(), old.sub, scopes=old.scopes)
        return JSONResponse({"access_token": access, "expires_in": li.TOKEN_TTL,
                             "refresh_token": form["refresh_token"],
                             "refresh_token_expires_in": int(old.expires_at - li.now())})  # fmt: skip

    async def userinfo(call: Call) -> Response:
        call.require("openid")
        member = db().members[call.sub]
        return JSONResponse({"sub": call.sub, "name": member["name"], "picture": member["picture"],
                             "email_verified": True, "locale": {"country": "US", "language": "en"}})  # fmt: skip

    async def acls(call: Call) -> Response:
        q = call.request.query_params
        call.require("rw_organization_admin")
        if q.get("q") != "roleAssignee":
            raise li.bad("finder q=roleAssignee is required")
        elements = [
            {"roleAssignee": f"urn:li:person:{sub}", "role": role, "state": "APPROVED",
             "organization": f"urn:li:organization:{org}"}
            for (sub, org), role in db().roles.items()
            if sub == call.sub and q.get("role", role) == role and q.get("state", "APPROVED") == "APPROVED"
        ]  # fmt: skip
        return JSONResponse(
            {
                "elements": elements,
                "paging": {"start": 0, "count": 100, "total": len(elements), "links": []},
            }
        )

    async def organizations(call: Call) -> Response:
        ids = re.fullmatch(r"List\(([0-9,]*)\)", call.request.query_params.get("ids", ""))
        if ids is None:
            raise li.bad("ids=List(...) is required")
        wanted = [i for i in ids.group(1).split(",") if i]
        results = {i: {"id": int(i), **db().orgs[i]} for i in wanted if i in db().orgs}
        errors = {i: {"status": 404, "message": "Not Found"} for i in wanted if i not in db().orgs}
        return JSONResponse(
            {"results": results, "statuses": dict.fromkeys(results, 200), "errors": errors}
        )

    def upload_owner(call: Call) -> tuple[dict[str, Any], str]:
        req = call.body.get("initializeUploadRequest") if isinstance(call.body, dict) else None
        if not isinstance(req, dict) or not isinstance(req.get("owner"), str):
            raise li.bad("/initializeUploadRequest/owner is required")
        if li.AUTHOR.fullmatch(req["owner"]) is None:
            raise li.bad(
                f"/initializeUploadRequest/owner {req['owner']!r} is not a person or organization URN"
            )
        if not may_act_as(call.sub, req["owner"]):
            raise li.error(*li.FORBIDDEN)
        return req, req["owner"]

    def upload_base(call: Call, kind: str, n: int) -> str:
        return f"{call.request.base_url}{PREFIX.strip('/')}/upload/{kind}/{n}"

    async def images_action(call: Call) -> Response:
        if call.request.query_params.get("action") != "initializeUpload":
            raise li.bad("unknown action")
        _, owner = upload_owner(call)
        n = next(db().ids)
        urn = f"urn:li:image:D4E10AQ{n:08d}"
        db().media[urn] = li.Media(urn, owner)
        return JSONResponse({"value": {"uploadUrlExpiresAt": int(li.now() * 1000) + 86_400_000,
                                       "uploadUrl": upload_base(call, "img", n), "image": urn}})  # fmt: skip

    async def image_upload(call: Call) -> Response:
        image = db().media.get(f"urn:li:image:D4E10AQ{call.request.path_params['n']:08d}")
        if image is None or image.status != "WAITING_UPLOAD":
            raise li.bad("upload URL unknown or already used")
        if not may_act_as(call.sub, image.owner):
            raise li.error(*li.FORBIDDEN)
        got: Received = call.request.state.received
        if not got.size:
            raise li.bad("empty upload")
        image.size, image.status = got.size, "PROCESSING"
        if not got.head.startswith(IMAGE_MAGIC):
            image.failure = "Unsupported image format"
        elif db().members_cannot_read_images and image.owner.startswith("urn:li:person:"):
            image.status = "AVAILABLE"  # processing nobody can observe: done by the time it's used
        return Response(status_code=201)

    async def media_status(call: Call) -> Response:
        urn = call.request.path_params["urn"]
        kind = call.request.url.path.split("/")[-2].removesuffix("s")  # images → image
        item: li.Media | None = db().media.get(urn)
        if item is None or not urn.startswith(f"urn:li:{kind}:"):
            raise li.error(*li.NOT_FOUND)
        if (
            kind == "image"
            and db().members_cannot_read_images
            and item.owner.startswith("urn:li:person:")
        ):
            raise li.error(*li.FORBIDDEN)
        if not may_act_as(call.sub, item.owner, READING_ROLES):
            raise li.error(*li.FORBIDDEN)
        if call.mode == "processing_failed" and item.status == "PROCESSING":
            item.status, item.failure = "PROCESSING_FAILED", "Media processing failed"
        elif item.status == "PROCESSING" and call.mode != "slow_processing":
            if item.polls_left > 0:
                item.polls_left -= 1
            else:
                item.status = "PROCESSING_FAILED" if item.failure else "AVAILABLE"
        out: dict[str, Any] = {"id": urn, "owner": item.owner, "status": item.status}
        if item.status == "PROCESSING_FAILED":
            out["processingFailureReason"] = item.failure
        return JSONResponse(out)

    async def videos_action(call: Call) -> Response:
        action = call.request.query_params.get("action")
        if action == "finalizeUpload":
            return finalize_video(call)
        if action != "initializeUpload":
            raise li.bad("unknown action")
        req, owner = upload_owner(call)
        size = req.get("fileSizeBytes")
        if not isinstance(size, int) or not 0 < size <= MAX_VIDEO:
            raise li.bad("/initializeUploadRequest/fileSizeBytes must be between 1 byte and 500 MB")
        n = next(db().ids)
        urn = f"urn:li:video:C5F10AQ{n:08d}"
        parts = [(a, min(a + PART_SIZE, size) - 1) for a in range(0, size, PART_SIZE)]
        token = secrets.token_hex(8) if len(parts) > 1 else ""  # single-part uploads get ""
        db().media[urn] = li.Media(urn, owner, size=size, parts=parts, upload_token=token)
        base = upload_base(call, "video", n)
        return JSONResponse({"value": {
            "uploadUrlsExpireAt": int(li.now() * 1000) + 86_400_000, "video": urn, "uploadToken": token,
            "uploadInstructions": [{"uploadUrl": f"{base}/{i}", "firstByte": a, "lastByte": b}
                                   for i, (a, b) in enumerate(parts)],
        }})  # fmt: skip

    def finalize_video(call: Call) -> Response:
        req = (call.body or {}).get("finalizeUploadRequest") or {}
        video: li.Media | None = db().media.get(str(req.get("video")))
        if video is None or video.status != "WAITING_UPLOAD":
            raise li.bad("/finalizeUploadRequest/video is unknown or already finalized")
        if not may_act_as(call.sub, video.owner):
            raise li.error(*li.FORBIDDEN)
        if req.get("uploadToken", "") != video.upload_token:
            raise li.bad("/finalizeUploadRequest/uploadToken does not match")
        if req.get("uploadedPartIds") != [video.etags.get(i) for i in range(len(video.parts))]:
            raise li.bad(
                "/finalizeUploadRequest/uploadedPartIds must be every part's ETag, in order"
            )
        video.status = "PROCESSING"
        return Response(status_code=200)

    async def video_upload(call: Call) -> Response:
        n, part = call.request.path_params["n"], call.request.path_params["part"]
        video: li.Media | None = db().media.get(f"urn:li:video:C5F10AQ{n:08d}")
        if video is None or part >= len(video.parts) or video.status != "WAITING_UPLOAD":
            raise li.bad("upload URL unknown or expired")
        got: Received = call.request.state.received
        first, last = video.parts[part]
        if got.size != last - first + 1:
            raise li.bad(
                f"part {part} must be bytes {first}-{last} ({last - first + 1} bytes), got {got.size}"
            )
        if part == 0 and got.head[4:8] != b"ftyp":
            video.failure = "Unsupported video format"
        video.etags[part] = f"/ammbra/{got.sha256.hexdigest()[:20]}"
        return Response(status_code=200, headers={"ETag": video.etags[part]})

    async def create_post(call: Call) -> Response:
        body = call.body if isinstance(call.body, dict) else {}
        author = body.get("author")
        if not isinstance(author, str) or li.AUTHOR.fullmatch(author) is None:
            raise li.bad(f"/author :: {author!r} is not a person or organization URN", 422)
        call.require(
            "w_member_social" if author.startswith("urn:li:person:") else "w_organization_social"
        )
        if not may_act_as(call.sub, author):
            raise li.error(*li.FORBIDDEN)
        if body.get("lifecycleState") not in ("PUBLISHED", "DRAFT") or body.get(
            "visibility"
        ) not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN"):
            raise li.bad("/lifecycleState and /visibility are required", 422)
        if (body.get("distribution") or {}).get("feedDistribution") not in ("MAIN_FEED", "NONE"):
            raise li.bad("/distribution/feedDistribution is required", 422)
        stored, text = li.render(str(body.get("commentary") or ""))
        if len(text) > MAX_COMMENTARY:
            raise li.bad(f"/commentary :: length {len(text)} exceeds {MAX_COMMENTARY}", 422)
        if not text and not body.get("content"):
            raise li.bad("A post needs commentary or content", 422)
        li.check_content(db(), author, body.get("content"))
        earlier = next(
            (p for p in li.live_posts(state) if p.author == author and text and p.text == text),
            None,
        )
        if call.mode == "duplicate" or earlier is not None:
            dup = earlier.urn if earlier else "urn:li:share:6999999999999999999"
            raise li.error(422, "DUPLICATE_POST", f"Content is a duplicate of {dup}")
        urn = f"urn:li:share:{7_300_000_000_000_000_000 + next(db().ids)}"
        db().posts[urn] = li.Post(urn, author, stored, text, body, int(li.now() * 1000))
        return await answer_created(call, Response(status_code=201, headers={"x-restli-id": urn}))

    async def list_posts(call: Call) -> Response:
        q = call.request.query_params
        author, count, start = (
            q.get("author", ""),
            int(q.get("count", "10")),
            int(q.get("start", "0")),
        )
        if q.get("q") != "author" or li.AUTHOR.fullmatch(author) is None or not 1 <= count <= 100:
            raise li.bad("q=author, an author URN and count 1-100 are required")
        if not may_act_as(call.sub, author, READING_ROLES):
            raise li.error(*li.FORBIDDEN)
        # sortBy CREATED and LAST_MODIFIED agree here: the fake's posts are never edited.
        posts = sorted(
            (p for p in li.live_posts(state) if p.author == author),
            key=lambda p: p.created_ms,
            reverse=True,
        )
        elements = [{
            **{k: v for k, v in p.body.items() if k != "commentary"}, "id": p.urn, "commentary": p.commentary,
            "createdAt": p.created_ms, "publishedAt": p.created_ms, "lastModifiedAt": p.created_ms,
        } for p in posts[start : start + count]]  # fmt: skip
        return JSONResponse(
            {"elements": elements, "paging": {"start": start, "count": count, "links": []}}
        )

    def post_of(call: Call, roles: frozenset[str] = POSTING_ROLES) -> li.Post:
        post: li.Post | None = db().posts.get(call.request.path_params["urn"])
        if post is None or post.deleted:
            raise li.error(*li.NOT_FOUND)
        if not may_act_as(call.sub, post.author, roles):
            raise li.error(*li.FORBIDDEN)
        return post

    async def delete_post(call: Call) -> Response:
        post_of(call).deleted = True
        return Response(status_code=204)

    async def create_comment(call: Call) -> Response:
        post = post_of(call, READING_ROLES)
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("object") != post.urn:
            raise li.bad("/object must be the post in the path", 422)
        if not may_act_as(call.sub, str(body.get("actor"))):
            raise li.error(*li.FORBIDDEN)
        text = str((body.get("message") or {}).get("text") or "")  # plain text, not little text
        if not text:
            raise li.bad("/message/text is required", 422)
        post.comments += 1
        post.comment_texts.append(text)
        cid = next(db().ids)
        urn = f"urn:li:comment:(urn:li:activity:{post.urn.rsplit(':', 1)[-1]},{cid})"
        created = JSONResponse({"id": str(cid), "$URN": urn, "actor": body["actor"], "object": post.urn,
                                "message": {"text": text}}, status_code=201, headers={"x-restli-id": urn})  # fmt: skip
        return await answer_created(call, created)

    async def social_actions(call: Call) -> Response:
        post = post_of(call, READING_ROLES)
        return JSONResponse({
            "target": post.urn,
            "likesSummary": {"totalLikes": post.likes, "aggregatedTotalLikes": post.likes, "likedByCurrentUser": False},
            "commentsSummary": {"totalFirstLevelComments": post.comments, "aggregatedTotalComments": post.comments},
        })  # fmt: skip

    async def share_statistics(call: Call) -> Response:
        q = call.request.query_params
        org = q.get("organizationalEntity", "")
        if q.get("q") != "organizationalEntity" or not org.startswith("urn:li:organization:"):
            raise li.bad("q=organizationalEntity and an organizationalEntity URN are required")
        if not may_act_as(call.sub, org, READING_ROLES):
            raise li.error(*li.FORBIDDEN)
        listed = re.fullmatch(r"List\((.*)\)", q.get("shares") or q.get("ugcPosts") or "")
        posts = [
            p
            for u in (listed.group(1).split(",") if listed else [])
            if (p := db().posts.get(u)) and p.author == org
        ]
        elements = [{
            "organizationalEntity": org, "share": p.urn,
            "totalShareStatistics": {"impressionCount": p.impressions, "uniqueImpressionsCount": p.impressions,
                                     "clickCount": 0, "likeCount": p.likes, "commentCount": p.comments,
                                     "shareCount": p.shares, "engagement": 0.0},
        } for p in posts]  # fmt: skip
        return JSONResponse(
            {"elements": elements, "paging": {"start": 0, "count": 10, "links": []}}
        )

    def route(path: str, method: str, name: str, kind: str, fn: Handler) -> Route:
        return Route(path, endpoint(name, kind, fn), methods=[method])

    return Starlette(routes=[
        route("/oauth/v2/authorization", "GET", "authorize", "oauth", authorize),
        route("/oauth/v2/accessToken", "POST", "token", "oauth", access_token),
        route("/v2/userinfo", "GET", "userinfo", "userinfo", userinfo),
        route("/rest/organizationAcls", "GET", "acls", "rest", acls),
        route("/rest/organizations", "GET", "organizations", "rest", organizations),
        route("/rest/images", "POST", "images.init", "rest", images_action),
        route("/rest/images/{urn}", "GET", "images.get", "rest", media_status),
        route("/upload/img/{n:int}", "PUT", "images.upload", "image-upload", image_upload),
        route("/rest/videos", "POST", "videos.init", "rest", videos_action),
        route("/rest/videos/{urn}", "GET", "videos.get", "rest", media_status),
        route("/upload/video/{n:int}/{part:int}", "PUT", "videos.upload", "video-upload", video_upload),
        route("/rest/posts", "POST", "posts.create", "rest", create_post),
        route("/rest/posts", "GET", "posts.list", "rest", list_posts),
        route("/rest/posts/{urn}", "DELETE", "posts.delete", "rest", delete_post),
        route("/rest/socialActions/{urn}/comments", "POST", "comments.create", "rest", create_comment),
        route("/v2/socialActions/{urn}", "GET", "socialActions", "v2", social_actions),
        route("/v2/organizationalEntityShareStatistics", "GET", "shareStatistics", "v2", share_statistics),
    ])  # fmt: skip
