"""Validation of ``app.bsky.feed.post`` records the way a PDS does it (the lexicon's
essentials, docs/reference/platforms.md §8), and the XRPC error shape, for the Bluesky contract fake."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import regex
from starlette.responses import JSONResponse

POST = "app.bsky.feed.post"
MAX_IMAGE_BYTES = 1_000_000
MAX_VIDEO_BYTES = 100_000_000
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def xrpc_error(
    status: int, name: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An XRPC error response: ``{"error": <name>, "message": ...}``."""
    return JSONResponse({"error": name, "message": message}, status_code=status, headers=headers)


class XrpcError(Exception):
    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.response = xrpc_error(status, name, message)


def invalid(message: str) -> XrpcError:
    return XrpcError(400, "InvalidRequest", message)


def _bad(where: str, problem: str) -> XrpcError:
    """The PDS's lexicon-validation error for a post record."""
    return invalid(f"Invalid {POST} record: {where} {problem}")


def _check_blob(
    data: dict[str, Any], did: str, blob: object, family: str, limit: int, where: str
) -> None:
    ref = blob.get("ref") if isinstance(blob, dict) and blob.get("$type") == "blob" else None
    if not isinstance(blob, dict) or not isinstance(ref, dict):
        raise _bad(where, "should be a blob ref")
    stored = data["blobs"].get(ref.get("$link"))
    if stored is None or stored["did"] != did:
        raise invalid(f"Could not find blob: {ref.get('$link')}")
    if stored["mimeType"] != blob.get("mimeType") or not stored["mimeType"].startswith(family):
        raise _bad(where, f"has mimeType {blob.get('mimeType')!r}; {family} expected")
    if stored["size"] > limit:
        raise XrpcError(400, "BlobTooLarge", f"{where} is {stored['size']} bytes; max {limit}")


def _check_images(data: dict[str, Any], did: str, images: object) -> None:
    if not isinstance(images, list) or not 1 <= len(images) <= 4:
        raise _bad("Record/embed/images", "must have 1 to 4 elements")
    for n, image in enumerate(images):
        where = f"Record/embed/images/{n}"
        if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
            raise _bad(where, 'must have the property "alt"')
        _check_blob(data, did, image.get("image"), "image/", MAX_IMAGE_BYTES, f"{where}/image")
        ratio = image.get("aspectRatio", {"width": 1, "height": 1})
        sides = [ratio.get(k) if isinstance(ratio, dict) else None for k in ("width", "height")]
        if not all(isinstance(side, int) and side >= 1 for side in sides):
            raise _bad(f"{where}/aspectRatio", "must have integer width and height >= 1")


def _check_embed(data: dict[str, Any], did: str, embed: object) -> None:
    kind = embed.get("$type") if isinstance(embed, dict) else None
    if not isinstance(embed, dict):
        raise _bad("Record/embed", "must be an object")
    if kind == "app.bsky.embed.images":
        _check_images(data, did, embed.get("images"))
    elif kind == "app.bsky.embed.video":
        _check_blob(
            data, did, embed.get("video"), "video/mp4", MAX_VIDEO_BYTES, "Record/embed/video"
        )
        alt = embed.get("alt", "")
        if not isinstance(alt, str) or len(regex.findall(r"\X", alt)) > 1000:
            raise _bad("Record/embed/alt", "must be a string of at most 1000 graphemes")
    elif kind == "app.bsky.embed.external":
        card = embed.get("external")
        if not isinstance(card, dict) or any(
            not isinstance(card.get(k), str) for k in ("uri", "title", "description")
        ):
            raise _bad("Record/embed/external", "must have uri, title and description")
    else:
        raise _bad("Record/embed", f"has a $type this fake does not take: {kind!r}")


def _byte_boundaries(text: str) -> set[int]:
    """UTF-8 offsets between grapheme clusters: where a facet may start or end."""
    bounds, offset = {0}, 0
    for cluster in regex.findall(r"\X", text):
        offset += len(cluster.encode("utf-8", errors="surrogatepass"))
        bounds.add(offset)
    return bounds


def _valid_feature(feature: object) -> bool:
    if not isinstance(feature, dict):
        return False
    kind, tag = feature.get("$type"), feature.get("tag")
    if kind == "app.bsky.richtext.facet#mention":
        return str(feature.get("did", "")).startswith("did:")
    if kind == "app.bsky.richtext.facet#link":
        return bool(re.match(r"^[a-z][a-z0-9+.-]*:\S+$", str(feature.get("uri", ""))))
    return (
        kind == "app.bsky.richtext.facet#tag"
        and isinstance(tag, str)
        and 0 < len(regex.findall(r"\X", tag)) <= 64
        and len(tag.encode()) <= 640
        and not tag.startswith(("#", "＃"))
    )


def _check_facets(text: str, facets: object) -> None:
    if not isinstance(facets, list):
        raise _bad("Record/facets", "must be an array")
    size, bounds = len(text.encode("utf-8", errors="surrogatepass")), _byte_boundaries(text)
    for n, facet in enumerate(facets):
        index = facet.get("index") if isinstance(facet, dict) else None
        start, end = (
            (index.get("byteStart"), index.get("byteEnd"))
            if isinstance(index, dict)
            else (None, None)
        )
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= size:
            raise _bad(
                f"Record/facets/{n}/index", f"must be a byte range inside the {size}-byte text"
            )
        if start not in bounds or end not in bounds:
            raise _bad(f"Record/facets/{n}/index", f"cuts a character in half ({start}-{end})")
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(features, list) or not features or not all(map(_valid_feature, features)):
            raise _bad(f"Record/facets/{n}/features", f"are invalid: {features!r}")


def check_post(data: dict[str, Any], did: str, record: dict[str, Any]) -> None:
    text = record.get("text")
    if not isinstance(text, str):
        raise _bad("Record", 'must have the property "text"')
    if len(regex.findall(r"\X", text)) > 300:
        raise _bad("Record/text", "must not be longer than 300 graphemes")
    if len(text.encode("utf-8", errors="surrogatepass")) > 3000:
        raise _bad("Record/text", "must not be longer than 3000 characters")
    created = record.get("createdAt")
    try:
        valid = isinstance(created, str) and datetime.fromisoformat(created).tzinfo is not None
    except ValueError:
        valid = False
    if not valid:
        raise _bad("Record/createdAt", "must be a valid datetime")
    langs = record.get("langs", [])
    if (
        not isinstance(langs, list)
        or len(langs) > 3
        or not all(isinstance(x, str) and _LANG.match(x) for x in langs)
    ):
        raise _bad("Record/langs", "must be up to 3 language tags")
    if "facets" in record:
        _check_facets(text, record["facets"])
    if "embed" in record:
        _check_embed(data, did, record["embed"])
    reply = record.get("reply")
    for part in ("root", "parent") if reply is not None else ():
        ref = reply.get(part) if isinstance(reply, dict) else None
        target = find_record(data, ref.get("uri")) if isinstance(ref, dict) else None
        if target is None or not isinstance(ref, dict) or target["cid"] != ref.get("cid"):
            raise _bad(f"Record/reply/{part}", "must refer to an existing post")


def find_record(data: dict[str, Any], uri: object) -> dict[str, Any] | None:
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or parts[1] != POST:
        return None
    return data["records"].get(parts[0], {}).get(parts[2])
