"""Posts and media of the X fake (`tests.fakes.x` mounts these routes and documents them)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.fakes.state import FakeState
from tests.fakes.x import (
    DUPLICATE,
    MAGIC,
    MAX_CHUNKED,
    MAX_SIMPLE,
    POST_SCOPES,
    PROBLEMS,
    Media,
    Store,
    Tweet,
    endpoint,
    invalid,
    not_found,
    problem,
    read_json,
    schema_errors,
    store,
)

from lowtato.kit import clock
from lowtato.platforms.text import twitter_weighted_length
from lowtato.platforms.x_text import x_url_spans

MAX_WEIGHTED = 280
EXPIRES = 86400
TOO_LONG = (
    "Your Tweet text is too long. For more information on how X determines text length see "
    "https://github.com/twitter/twitter-text."
)
BAD_MEDIA = "Your media IDs are invalid."


def _tco(seed: str) -> str:
    return "https://t.co/" + base64.b32encode(seed.encode()).decode().rstrip("=").lower()[-10:]


def render(tweet: Tweet, s: Store, fields: set[str]) -> dict[str, Any]:
    """A post the way X returns it: links as t.co (one appended per attachment), & < > escaped."""
    pieces, urls, cursor, out = [], [], 0, ""
    for start, end in x_url_spans(tweet.text):
        pieces += [html.escape(tweet.text[cursor:start], quote=False)]
        original = tweet.text[start:end]
        short = _tco(f"{tweet.id}:{start}")
        expanded = original if "://" in original else f"http://{original}"
        urls.append({"start": len("".join(pieces)), "end": len("".join(pieces)) + len(short),
                     "url": short, "expanded_url": expanded, "display_url": original})  # fmt: skip
        pieces.append(short)
        cursor = end
    out = "".join([*pieces, html.escape(tweet.text[cursor:], quote=False)])
    keys = [s.media[m].key for m in tweet.media_ids if m in s.media]
    if keys:
        short = _tco(f"{tweet.id}:media")
        out = f"{out} {short}" if out else short
        urls += [{"start": len(out) - len(short), "end": len(out), "url": short, "media_key": key,
                  "expanded_url": f"https://x.com/i/status/{tweet.id}/photo/1"} for key in keys]  # fmt: skip
    data: dict[str, Any] = {"id": tweet.id, "text": out, "edit_history_tweet_ids": [tweet.id]}
    extra = {
        "created_at": tweet.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "author_id": tweet.author_id,
        "attachments": {"media_keys": keys} if keys else None,
        "entities": {"urls": urls} if urls else None,
        "public_metrics": tweet.metrics,
        "reply_settings": tweet.reply_settings or "everyone",
        "referenced_tweets": [{"type": "replied_to", "id": tweet.reply_to}]
        if tweet.reply_to
        else None,
    }
    data.update({k: v for k, v in extra.items() if k in fields and v is not None})
    return data


def _fields(request: Request) -> set[str]:
    q = request.query_params
    return {f for f in q.get("post.fields", "").split(",") if f}


async def _media_fields(request: Request) -> dict[str, Any] | None:
    """A media request's fields: multipart (file parts as bytes, digits as integers) or JSON."""
    if request.headers.get("content-type", "").startswith(("multipart/", "application/x-www-form")):
        form = await request.form()
        fields: dict[str, Any] = {}
        for name, value in form.items():
            if isinstance(value, UploadFile):
                fields[name] = await value.read()
            else:
                fields[name] = int(value) if value.isdigit() and name == "segment_index" else value
        return fields
    body = await read_json(request)
    return body if isinstance(body, dict) else None


def _decode(fields: dict[str, Any]) -> bytes | None:
    media = fields.get("media")
    if isinstance(media, bytes):
        return media
    try:
        return base64.b64decode(str(media), validate=True)
    except ValueError:
        return None


def _looks_like(data: bytes, media_type: str) -> bool:
    if media_type in MAGIC:
        return data.startswith(MAGIC[media_type])
    if media_type in ("video/mp4", "video/quicktime"):
        return data[4:8] == b"ftyp"
    if media_type == "video/webm":
        return data.startswith(b"\x1a\x45\xdf\xa3")
    return media_type.startswith("image/")


def _sniff_image(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for mime, magic in MAGIC.items() if data.startswith(magic)), None)


def _media_out(m: Media) -> dict[str, Any]:
    out: dict[str, Any] = {"id": m.id, "media_key": m.key, "size": m.total_bytes,
                           "expires_after_secs": EXPIRES}  # fmt: skip
    if m.state == "ready" and m.media_type.startswith("image/"):
        out["image"] = {"image_type": m.media_type}
    return out


def _owned(s: Store, media_id: str, user_id: str) -> Media | None:
    m = s.media.get(media_id)
    return m if m is not None and m.owner == user_id else None


def content_routes(state: FakeState) -> list[Route]:
    # One return per check, in the order X applies them.
    async def create(request: Request, user_id: str, _mode: str | None) -> Response:  # noqa: PLR0911
        s = store(state)
        body = await read_json(request)
        if not isinstance(body, dict):
            return invalid("Request body is not valid JSON.")
        if errors := schema_errors("CreatePostsRequest", body):
            return invalid(*errors)
        text: str = body.get("text", "")
        media_ids: list[str] = (body.get("media") or {}).get("media_ids", [])
        if (
            not text.strip()
            and not media_ids
            and not body.get("quote_tweet_id")
            and not body.get("poll")
        ):
            return invalid(
                "$.text: text is required unless media, a poll or a quoted post is attached"
            )
        if twitter_weighted_length(text) > MAX_WEIGHTED:
            return invalid(TOO_LONG)
        media = [_owned(s, m, user_id) for m in media_ids]
        if any(m is None or m.state not in ("succeeded", "ready") for m in media):
            return invalid(BAD_MEDIA)
        if len(media) > 1 and any(m is not None and m.category != "tweet_image" for m in media):
            return invalid("$.media.media_ids: a post carries up to 4 images, or 1 GIF, or 1 video")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        for target, verb in ((reply_to, "reply to"), (body.get("quote_tweet_id"), "quote")):
            if target and (target not in s.tweets or s.tweets[target].deleted):
                return problem(
                    403,
                    "Forbidden",
                    f"You attempted to {verb} a Tweet that is deleted or not visible to you.",
                )
        if text and any(
            t.author_id == user_id and t.text == text and not t.deleted for t in s.tweets.values()
        ):
            return problem(403, "Forbidden", DUPLICATE)
        metrics = dict.fromkeys(("repost_count", "reply_count", "like_count", "quote_count",
                                 "bookmark_count", "impression_count"), 0)  # fmt: skip
        tweet = Tweet(s.new_id(), user_id, text, clock.now(), media_ids, reply_to,
                      body.get("quote_tweet_id"), body.get("reply_settings"), metrics=metrics)  # fmt: skip
        s.tweets[tweet.id] = tweet
        return JSONResponse(
            {"data": {"id": tweet.id, "text": text, "edit_history_tweet_ids": [tweet.id]}}, 201
        )

    async def get_tweet(request: Request, _user_id: str, _mode: str | None) -> Response:
        s = store(state)
        tweet = s.tweets.get(request.path_params["id"])
        if tweet is None or tweet.deleted:
            return not_found("tweet", request.path_params["id"], status=200)
        return JSONResponse({"data": render(tweet, s, _fields(request))})

    async def delete_tweet(request: Request, user_id: str, _mode: str | None) -> Response:
        tweet = store(state).tweets.get(request.path_params["id"])
        if tweet is None or tweet.deleted:
            return not_found("tweet", request.path_params["id"])
        if tweet.author_id != user_id:
            return problem(
                403, "Forbidden", "You are not allowed to delete a Tweet that is not your own."
            )
        tweet.deleted = True
        return JSONResponse({"data": {"deleted": True}})

    async def user_tweets(request: Request, _user_id: str, _mode: str | None) -> Response:
        s, q = store(state), request.query_params
        size = q.get("max_results", "10")
        if not size.isdigit() or not 5 <= int(size) <= 100:
            return invalid(
                f"The `max_results` query parameter value [{size}] is not between 5 and 100"
            )
        exclude = set(filter(None, q.get("exclude", "").split(",")))
        if exclude - {"replies", "retweets"}:
            return invalid(
                "$.exclude: does not have a value in the enumeration [replies, retweets]"
            )
        since = datetime.min.replace(tzinfo=UTC)
        if "start_time" in q:
            try:
                since = datetime.fromisoformat(q["start_time"].replace("Z", "+00:00"))
            except ValueError:
                return invalid(
                    f"Invalid 'start_time':'{q['start_time']}'. 'start_time' must be a valid RFC3339 date."
                )
        found = [
            t for t in reversed(s.tweets.values())
            if t.author_id == request.path_params["id"] and not t.deleted and t.created_at >= since
            and not ("replies" in exclude and t.reply_to)
        ]  # fmt: skip
        offset = int(q.get("pagination_token", "p0")[1:] or 0)
        page = found[offset : offset + int(size)]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
        if offset + int(size) < len(found):
            meta["next_token"] = f"p{offset + int(size)}"
        fields = _fields(request)
        data = [render(t, s, fields) for t in page]
        return JSONResponse({"data": data, "meta": meta} if data else {"meta": meta})

    async def simple_upload(request: Request, user_id: str, _mode: str | None) -> Response:  # noqa: PLR0911
        s = store(state)
        fields = await _media_fields(request)
        if fields is None:
            return invalid("Request body is not valid JSON.")
        if errors := schema_errors("MediaUploadRequest", fields):
            return invalid(*errors)
        category, data = fields["media_category"], _decode(fields)
        if category not in MAX_SIMPLE:
            return invalid(
                f"$.media_category: {category} needs the chunked upload (/2/media/upload/initialize)"
            )
        if data is None:
            return invalid("$.media: is not valid base64")
        mime = _sniff_image(data)
        if mime is None or (category == "tweet_gif") != (mime == "image/gif"):
            return invalid("media type unrecognized.")
        if len(data) > MAX_SIMPLE[category]:
            return invalid(f"File size exceeds {MAX_SIMPLE[category]} bytes.")
        ready = "ready" if category == "tweet_image" else "pending"
        m = Media(s.new_id(), user_id, category, mime, len(data), state=ready)
        m.take(data)
        s.media[m.id] = m
        out = _media_out(m)
        if ready == "pending":
            out["processing_info"] = {"state": "pending", "check_after_secs": s.check_after_secs}
        return JSONResponse({"data": out})

    async def initialize(request: Request, user_id: str, _mode: str | None) -> Response:
        s, body = store(state), await read_json(request)
        if not isinstance(body, dict):
            return invalid("Request body is not valid JSON.")
        if errors := schema_errors("InitializeMediaUploadRequest", body) + [
            f"$.{name}: is missing but it is required"
            for name in ("media_type", "total_bytes")
            if name not in body
        ]:
            return invalid(*errors)
        category, mime, total = (
            body.get("media_category", "tweet_image"),
            body["media_type"],
            body["total_bytes"],
        )
        fits = {"tweet_video": mime.startswith("video/"), "tweet_gif": mime == "image/gif",
                "tweet_image": mime.startswith("image/")}.get(category, False)  # fmt: skip
        if not fits:
            return invalid(f"$.media_type: {mime} cannot be uploaded as {category}")
        if total > MAX_CHUNKED[category]:
            return invalid(f"File size exceeds {MAX_CHUNKED[category]} bytes.")
        m = Media(s.new_id(), user_id, category, mime, total)
        s.media[m.id] = m
        return JSONResponse(
            {"data": {"id": m.id, "media_key": m.key, "expires_after_secs": EXPIRES}}
        )

    async def append(request: Request, user_id: str, _mode: str | None) -> Response:
        m = _owned(store(state), request.path_params["id"], user_id)
        fields = await _media_fields(request)
        if m is None or m.state != "uploading":
            return not_found("media", request.path_params["id"])
        if fields is None:
            return invalid("Request body is not valid JSON.")
        if errors := schema_errors("AppendMediaUploadRequest", fields):
            return invalid(*errors)
        if fields["segment_index"] != m.segments:
            return invalid(f"$.segment_index: segments must be contiguous; expected {m.segments}")
        chunk = _decode(fields)
        if chunk is None or m.received + len(chunk) > m.total_bytes:
            return invalid("Segments exceed the total_bytes given at initialize.")
        m.take(chunk)
        m.segments += 1
        return JSONResponse({"data": {"expires_at": int(clock.now().timestamp()) + EXPIRES}})

    async def finalize(request: Request, user_id: str, _mode: str | None) -> Response:
        s = store(state)
        m = _owned(s, request.path_params["id"], user_id)
        if m is None or m.state != "uploading":
            return not_found("media", request.path_params["id"])
        if m.received != m.total_bytes:
            return invalid("Segments do not add up to provided total file size.")
        if not _looks_like(bytes(m.data), m.media_type):
            return invalid(f"InvalidMedia: the file is not {m.media_type}.")
        out = _media_out(m)
        if m.category == "tweet_image":
            m.state = "ready"
            out = _media_out(m)
        else:
            m.state = "pending"
            out["processing_info"] = {"state": "pending", "check_after_secs": s.check_after_secs}
        return JSONResponse({"data": out})

    async def status(request: Request, user_id: str, mode: str | None) -> Response:
        q, s = request.query_params, store(state)
        if q.get("command", "STATUS") != "STATUS":
            return invalid("$.command: does not have a value in the enumeration [STATUS]")
        m = _owned(s, q.get("media_id", ""), user_id)
        if m is None:
            return not_found("media", q.get("media_id", ""))
        if mode == "processing_failed" and m.state in ("pending", "in_progress"):
            m.state = "failed"
        elif mode != "slow_processing":  # a slow poll leaves the state where it was
            m.state = {"pending": "in_progress", "in_progress": "succeeded"}.get(m.state, m.state)
        out, answer = _media_out(m), {}
        if m.state != "ready":
            info: dict[str, Any] = {
                "state": m.state,
                "progress_percent": {"pending": 0, "in_progress": 50}.get(m.state, 100),
            }
            if m.state in ("pending", "in_progress"):
                info["check_after_secs"] = s.check_after_secs
            out["processing_info"] = info
        if m.state == "failed":
            answer["errors"] = [{"type": PROBLEMS + "invalid-request", "title": "Invalid Request",
                                 "detail": "InvalidMedia: Invalid or Unsupported media, Reason: UnsupportedMedia."}]  # fmt: skip
        return JSONResponse({"data": out, **answer})

    async def metadata(request: Request, user_id: str, _mode: str | None) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            return invalid("Request body is not valid JSON.")
        if errors := schema_errors("CreateMediaMetadataRequest", body):
            return invalid(*errors)
        m = _owned(store(state), body["id"], user_id)
        if m is None:
            return not_found("media", body["id"])
        m.alt_text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        return JSONResponse({"data": {"id": m.id, "associated_metadata": body.get("metadata", {})}})

    media_scopes = ("media.write",)
    reads = ("tweet.read", "users.read")

    def route(path: str, name: str, scopes: tuple[str, ...], handler: Any, method: str) -> Route:
        return Route(path, endpoint(state, name, scopes, handler, method, path), methods=[method])

    return [
        route("/2/tweets", "tweets", POST_SCOPES, create, "POST"),
        route("/2/tweets/{id}", "tweet_get", reads, get_tweet, "GET"),
        route("/2/tweets/{id}", "tweet_delete", POST_SCOPES, delete_tweet, "DELETE"),
        route("/2/users/{id}/tweets", "user_tweets", reads, user_tweets, "GET"),
        route("/2/media/upload", "media_upload", media_scopes, simple_upload, "POST"),
        route("/2/media/upload", "media_status", media_scopes, status, "GET"),
        route("/2/media/upload/initialize", "media_initialize", media_scopes, initialize, "POST"),
        route("/2/media/upload/{id}/append", "media_append", media_scopes, append, "POST"),
        route("/2/media/upload/{id}/finalize", "media_finalize", media_scopes, finalize, "POST"),
        route("/2/media/metadata", "media_metadata", media_scopes, metadata, "POST"),
    ]
