"""``/api/v1/media`` (API key) and ``/media/{token}/{file}`` (the public file URLs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lowtato.auth.deps import MediaUpload, PostsRead, PostsWrite
from lowtato.idempotency import http as idempotency
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Deleted
from lowtato.kit.session import Session
from lowtato.media import service, sniff
from lowtato.media.ports import MediaServices
from lowtato.media.schemas import Base64Upload, MediaOut
from lowtato.media.upload import Limits, receive

router = APIRouter(prefix="/api/v1/media", tags=["Media"], route_class=JSONRoute)
files_router = APIRouter(tags=["Media"], route_class=JSONRoute)
# Exempt from the request body limit: the upload streams its body under its own limits.
UPLOAD_PATH = "/api/v1/media/upload"

_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "mime_type": {"type": "string", "description": "Optional; must match."},
                },
            }
        },
        "application/json": {"schema": Base64Upload.model_json_schema()},
    },
}


def _services(request: Request) -> MediaServices:
    services: MediaServices = request.app.state.services
    return services


@router.post(
    UPLOAD_PATH.removeprefix(router.prefix),
    summary="Upload an image or video",
    status_code=201,
    response_model=MediaOut,
    response_model_exclude_none=True,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    dependencies=[idempotency.IDEMPOTENT],
    responses={
        200: {"description": "Idempotent replay of an earlier upload."},
        413: {"description": "Over the size limit for its type (`payload_too_large`)."},
        415: {"description": "Not JPEG/PNG/GIF/WebP/MP4/WebM, or not what was declared."},
    },
)
async def upload(request: Request, principal: MediaUpload) -> JSONResponse:
    """Upload a file as `multipart/form-data` (field `file`) or as JSON
    `{"data": "<base64>", "mime_type": "image/png"}` (`filename` optional; a `data:` URL works
    as `data`). Answers `{id, url, mime_type, kind, size, width?, height?, duration_seconds?,
    sha256, filename?, created_at}`; put the `url` (or the `id`) in a post's
    `mediaUrls`/`media_urls`.

    Accepted: JPEG, PNG, GIF, WebP, MP4, WebM, decided from the file's bytes. Something else,
    or bytes that contradict the declared type (part Content-Type, file name extension,
    `mime_type`), is 415 `unsupported_media_type`; an image that does not decode is 415, one
    over the decompression-bomb guard (about 89 megapixels) is 400. Images over
    `LOWTATO_MEDIA_MAX_IMAGE_BYTES` (20 MiB) or videos over `LOWTATO_MEDIA_MAX_VIDEO_BYTES`
    (512 MiB) are 413 `payload_too_large`, refused as soon as the limit is passed (or at once
    from `Content-Length`). Rate limit: 10 uploads a minute. The `url` is public (no API key),
    protected by its random token, so platforms can fetch it. An `Idempotency-Key` makes a
    retried upload return the first one (200, `Idempotent-Replayed: true`).
    """
    services = _services(request)
    # Before the body: a bad header is refused without reading a file of up to 512 MiB.
    key = idempotency.key_from(request, principal)
    limits = Limits(
        services.settings.media_max_image_bytes, services.settings.media_max_video_bytes
    )
    received = await receive(request, limits, services.storage.spool_dir)
    return idempotency.respond(await service.upload(services, principal, received, key))


@router.get(
    "/{media_id}", summary="Get an uploaded file's details", response_model_exclude_none=True
)
async def get_media(media_id: str, principal: PostsRead, session: Session) -> MediaOut:
    """The same object the upload returned. Another owner's (or the other mode's) id is 404."""
    return service.media_out(await service.get_media(session, principal, media_id))


@router.delete("/{media_id}", summary="Delete an uploaded file")
async def delete_media(
    media_id: str, principal: PostsWrite, session: Session, request: Request
) -> Deleted:
    """Its URL stops working at once; the bytes are removed from storage shortly after. A file
    used by a draft, scheduled or publishing post is 409 `conflict` (the post ids are in
    `details`). Uploads no post uses are deleted automatically after
    `LOWTATO_MEDIA_ORPHAN_HOURS` (24 h)."""
    references = _services(request).media_references
    await service.delete_media(session, principal, references, media_id)
    return Deleted()


_FILE = {"schema": {"type": "string", "format": "binary"}}


@files_router.get(
    "/media/{token}/{filename}",
    summary="An uploaded file (public)",
    response_class=Response,
    responses={
        200: {
            "description": "The file's bytes, with its own type.",
            "content": dict.fromkeys(sniff.SUPPORTED, _FILE),
        },
        206: {
            "description": "The part a `Range` header asked for.",
            "content": dict.fromkeys(sniff.SUPPORTED, _FILE),
        },
        307: {"description": "S3 storage: a short-lived presigned URL of the object."},
        416: {
            "description": "A `Range` outside the file (no body; `Content-Range: bytes */size`).",
            "x-not-an-error": True,
        },
    },
)
@files_router.head("/media/{token}/{filename}", include_in_schema=False)
async def media_file(token: str, filename: str, request: Request, session: Session) -> Response:
    """The file itself, with its type, for anyone holding the URL (platforms fetch it without
    an API key; the random token in the path is what protects it). Range requests work. With
    S3 storage this is a 307 to a short-lived presigned URL of the object. 404 once deleted.
    HEAD works too."""
    media = await service.public_file(session, token, filename)
    return await _services(request).storage.serve(media.storage_key, media.mime_type)
