"""Storing uploads, reading and deleting them, and resolving a post's media list."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.errors import Conflict, NotFound, UnsupportedMediaType, ValidationFailed
from lowtato.idempotency import service as idempotency
from lowtato.jobs import queue
from lowtato.kit import clock
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.media import probe, repository, sniff
from lowtato.media.decoder import Decoder
from lowtato.media.models import MediaFile
from lowtato.media.names import clean_filename
from lowtato.media.ports import MediaReferences, MediaServices
from lowtato.media.repository import MediaRepository
from lowtato.media.schemas import MediaOut
from lowtato.media.storage import Storage, parse_media_url
from lowtato.media.upload import Received
from lowtato.platforms.base import Media
from lowtato.platforms.validation import MediaRef

PURGE_KIND = "media.purge"
_MEDIA_ID = re.compile(r"^med_[0-9a-z]{26}$")
# Posts that will still need their media: deleting a file one of them uses is a conflict.


def media_out(media: MediaFile) -> MediaOut:
    return MediaOut(
        id=media.id,
        url=media.url,
        mime_type=media.mime_type,
        kind="video" if media.kind == "video" else "image",
        size=media.size,
        width=media.width,
        height=media.height,
        duration_seconds=media.duration_seconds,
        sha256=media.sha256,
        filename=media.filename,
        created_at=clock.iso(media.created_at) or "",
    )


async def _probe(decoder: Decoder, received: Received) -> probe.Probed:
    try:
        return await decoder.probe(received.path, received.mime_type)
    except probe.TooManyPixels as exc:
        raise ValidationFailed.field("file", f"{exc}; send a smaller image") from exc
    except probe.ProbeError as exc:
        raise UnsupportedMediaType(
            f"The file starts like {sniff.describe(received.mime_type)} but {exc}.",
            details={"detected": received.mime_type},
        ) from exc


@dataclass(frozen=True)
class Stored:
    """An upload's bytes in storage, not yet recorded."""

    media_id: str
    token: str
    key: str
    received: Received
    probed: probe.Probed


async def put(storage: Storage, decoder: Decoder, received: Received) -> Stored:
    """Check that the spooled upload decodes and move it into storage. No transaction may be
    open: with object storage this is a network upload."""
    probed = await _probe(decoder, received)
    media_id = new_id("med")
    token = secrets.token_urlsafe(24)  # 192 bits: the public URL's only protection
    key = f"{token}/{media_id}{sniff.EXTENSIONS[received.mime_type]}"
    # Bytes first, row second: a failure in between leaves an unreferenced object, never a
    # row whose URL serves nothing.
    await storage.put_file(key, received.path, received.mime_type)
    return Stored(media_id, token, key, received, probed)


def _spool(spool_dir: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=spool_dir, prefix="generated-", suffix=".part")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return Path(name)


async def put_bytes(
    storage: Storage, decoder: Decoder, data: bytes, *, mime_type: str, filename: str
) -> Stored:
    """``put`` for bytes made by this server (a generated image) rather than uploaded; record
    them with ``record_upload``. ``mime_type`` must be one uploads accept. No transaction may
    be open."""
    path = await asyncio.to_thread(_spool, storage.spool_dir, data)
    received = Received(path=path, mime_type=mime_type, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), filename=filename)  # fmt: skip
    try:
        return await put(storage, decoder, received)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def record_upload(
    session: AsyncSession, principal: Principal, public_url: str, stored: Stored
) -> MediaFile:
    """The row of an upload ``put`` into storage."""
    received, probed = stored.received, stored.probed
    now = clock.now()
    repo = MediaRepository(session, principal)
    return await repo.add(
        MediaFile(
            id=stored.media_id,
            **repo.owned_fields(),
            token=stored.token,
            storage_key=stored.key,
            url=f"{public_url.rstrip('/')}/media/{stored.key}",
            mime_type=received.mime_type,
            kind=sniff.kind_of(received.mime_type) or "image",
            size=received.size,
            sha256=received.sha256,
            filename=clean_filename(received.filename),
            width=probed.width,
            height=probed.height,
            duration_seconds=probed.duration_seconds,
            created_at=now,
            last_used_at=now,
        )
    )


async def upload(
    services: MediaServices,
    principal: Principal,
    received: Received,
    key: idempotency.Key | None,
) -> idempotency.Outcome:
    """Store a spooled upload and record it, at most once per Idempotency-Key. No transaction
    is held while the bytes move (storage may be a network upload, and SQLite has one writer):
    the row is written in a short transaction of its own. The spooled file is gone after."""
    fingerprint = {"sha256": received.sha256, "mime_type": received.mime_type,
                   "filename": received.filename}  # fmt: skip
    public_url = services.settings.public_url

    async def stage() -> Stored:
        return await put(services.storage, services.decoder, received)

    async def create(session: AsyncSession, stored: Stored) -> idempotency.Result:
        media = await record_upload(session, principal, public_url, stored)
        return 201, media_out(media).model_dump(exclude_none=True)

    try:
        return await idempotency.run_staged(
            services.db, key, fingerprint, stage=stage, create=create
        )
    finally:
        # Stored (moved away) already, or not wanted (a replay, a failure).
        await asyncio.to_thread(received.path.unlink, missing_ok=True)


async def get_media(session: AsyncSession, principal: Principal, media_id: str) -> MediaFile:
    return await MediaRepository(session, principal).require(media_id)


async def public_file(session: AsyncSession, token: str, filename: str) -> MediaFile:
    """The file a public URL names; its token is the credential, the name must match too."""
    media = await repository.by_token(session, token)
    if media is None or media.storage_key != f"{token}/{filename}":
        raise NotFound("No media file at this URL.")
    return media


async def delete_media(
    session: AsyncSession, principal: Principal, references: MediaReferences, media_id: str
) -> None:
    """Delete the record now (its URL stops working at once) and the bytes in a job written in
    the same transaction."""
    media = await MediaRepository(session, principal).require(media_id, for_update=True)
    users = await references.unpublished_users(session, media)
    if users:
        raise Conflict(
            f"Media {media_id} is used by {len(users)} post(s) that are not published yet "
            f"({', '.join(users[:10])}); delete those posts or change their media first.",
            details={"post_ids": users},
        )
    await MediaRepository(session, principal).remove(media)
    await enqueue_purge(session, [media.storage_key])


async def enqueue_purge(session: AsyncSession, keys: Sequence[str]) -> None:
    for key in keys:
        await queue.enqueue(
            session, kind=PURGE_KIND, key=f"{PURGE_KIND}:{key}", payload={"storage_key": key}
        )


async def resolve_for_post(
    session: AsyncSession, principal: Principal, entries: Sequence[str]
) -> list[MediaRef]:
    """A post's media list as MediaRefs, in order.

    An entry that is this server's media — its URL or its ``med_`` id — must belong to the
    caller's owner and mode (else 404, as for any other object) and carries its real kind,
    type, size and duration; it is marked used, so orphan clean-up leaves it alone. Any other
    entry is kept as given (an http(s) URL is fetched and checked at publish time).
    """
    wanted: dict[int, tuple[str, str | None]] = {}
    for index, entry in enumerate(entries):
        value = entry.strip()
        if _MEDIA_ID.match(value):
            wanted[index] = (value, None)
        elif (parsed := parse_media_url(value)) is not None:
            wanted[index] = (parsed.media_id, parsed.token)
    repo = MediaRepository(session, principal)
    found = await repo.many({media_id for media_id, _ in wanted.values()}) if wanted else {}
    refs = []
    for index, entry in enumerate(entries):
        if index not in wanted:
            refs.append(MediaRef(url=entry, kind=None))
            continue
        media_id, token = wanted[index]
        media = found.get(media_id)
        if media is None or (token is not None and token != media.token):
            raise NotFound.of("media", media_id)
        refs.append(
            MediaRef(
                url=media.url,
                kind="video" if media.kind == "video" else "image",
                mime_type=media.mime_type,
                size=media.size,
                duration_seconds=media.duration_seconds,
            )
        )
    if found and await repo.mark_used(found, clock.now()) < len(found):
        raise NotFound("A media file of this post was deleted meanwhile; upload it again.")
    return refs


def hosted(entries: Sequence[str]) -> list[str]:
    """The URLs of files uploaded here among a post's stored media (``resolve_for_post`` has
    turned each such entry into its file's URL, and refused any naming no file of ours)."""
    return [url for url in entries if parse_media_url(url) is not None]


async def for_publish(
    session: AsyncSession, owner_id: str, livemode: bool, urls: Sequence[str]
) -> list[Media]:
    """A post's media for its adapter: this server's files with what is known about them
    (adapters that must upload bytes read them from storage); other URLs as they are, to be
    fetched and checked at publish time."""
    parsed = [parse_media_url(url) for url in urls]
    rows = await repository.for_owner(
        session, owner_id, livemode, {p.media_id for p in parsed if p is not None}
    )
    media = []
    for url, own in zip(urls, parsed, strict=True):
        row = rows.get(own.media_id) if own else None
        if row is None or own is None or row.token != own.token:
            media.append(Media(url=url))
        else:
            media.append(Media(url=url, kind=row.kind, mime_type=row.mime_type, size=row.size))
    return media
