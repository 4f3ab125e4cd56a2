"""POST /api/v1/media/upload in both forms, the type and decode checks, the metadata and
delete routes, and the public file URL."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from fastapi import FastAPI
from tests.api import error
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.media.files import (
    FILES,
    UPLOAD,
    bomb_png,
    image,
    mp4,
    upload_json,
    upload_multipart,
    uploaded,
)

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

EXPECTED = {
    "photo.jpg": {"width": 16, "height": 12},
    "pic.png": {"width": 8, "height": 6},
    "anim.gif": {"width": 10, "height": 10},
    "pic.webp": {"width": 12, "height": 8},
    "clip.mp4": {"width": 320, "height": 240, "duration_seconds": 2.5},
    "clip.webm": {"width": 160, "height": 90, "duration_seconds": 1.5},
}


@pytest.mark.parametrize("form", ["multipart", "base64"])
@pytest.mark.parametrize("name", list(FILES))
async def test_every_type_by_both_forms(
    client: httpx.AsyncClient, owner: Owner, name: str, form: str
) -> None:
    mime, data = FILES[name]
    if form == "multipart":
        response = await upload_multipart(client, owner, name, data, mime)
    else:
        response = await upload_json(client, owner, data, mime, filename=name)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("med_")
    assert body["mime_type"] == mime and body["size"] == len(data)
    assert body["kind"] == mime.split("/")[0] and body["filename"] == name
    for field, value in EXPECTED[name].items():
        assert body[field] == value, field
    assert response.headers["X-RateLimit-Limit"]

    # The URL is served by this app, without an API key, with the right type.
    served = await client.get(body["url"])
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"] == mime
    assert served.headers["x-content-type-options"] == "nosniff"
    meta = await client.get(f"/api/v1/media/{body['id']}", headers=owner.headers)
    assert meta.status_code == 200 and meta.json() == body


async def test_type_comes_from_the_bytes(client: httpx.AsyncClient, owner: Owner) -> None:
    png = FILES["pic.png"][1]
    # A PNG renamed .mp4 (clients then send video/mp4 as the part's type).
    renamed = await upload_multipart(client, owner, "cat.mp4", png, "video/mp4")
    assert renamed.status_code == 415
    assert error(renamed)["code"] == "unsupported_media_type"
    assert error(renamed)["details"] == {"declared": "video/mp4", "detected": "image/png"}
    # Renamed, with a generic part type: the name alone contradicts the bytes.
    by_name = await upload_multipart(client, owner, "cat.mp4", png, "application/octet-stream")
    assert by_name.status_code == 415 and "cat.mp4" in error(by_name)["message"]
    # HTML declared as a PNG, both forms.
    html = b"<!doctype html><html><script>alert(1)</script></html>" * 3
    for response in (
        await upload_multipart(client, owner, "cat.png", html, "image/png"),
        await upload_json(client, owner, html, "image/png"),
    ):
        assert response.status_code == 415, response.text
        assert error(response)["details"]["detected"] is None
        assert "JPEG, PNG, GIF, WebP, MP4 or WebM" in error(response)["message"]
    # A declared type that disagrees in the JSON form, before or after the data.
    wrong = await upload_json(client, owner, png, "image/jpeg")
    assert wrong.status_code == 415
    late = await client.post(
        UPLOAD,
        headers={**owner.headers, "content-type": "application/json"},
        content=b'{"data": "' + base64.b64encode(png) + b'", "mime_type": "video/webm"}',
    )
    assert late.status_code == 415 and error(late)["details"]["declared"] == "video/webm"
    # No declaration at all: the bytes decide.
    bare = await upload_json(client, owner, png)
    assert bare.status_code == 201 and bare.json()["mime_type"] == "image/png"
    # QuickTime is a video type, but not one uploads accept.
    mov = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(64)
    assert (await upload_json(client, owner, mov)).status_code == 415
    # Not multipart, not JSON.
    raw = await client.post(
        UPLOAD, headers={**owner.headers, "content-type": "image/png"}, content=png
    )
    assert raw.status_code == 415 and "multipart/form-data" in error(raw)["message"]


async def test_images_must_decode_and_not_be_bombs(client: httpx.AsyncClient, owner: Owner) -> None:
    bomb = await upload_multipart(client, owner, "bomb.png", bomb_png(), "image/png")
    assert bomb.status_code == 400
    assert "decompression-bomb" in error(bomb)["message"] or "pixels" in error(bomb)["message"]
    big_jpeg = image("JPEG", (64, 64))
    truncated = await upload_json(client, owner, big_jpeg[: len(big_jpeg) // 2])
    assert truncated.status_code == 415
    assert "does not decode" in error(truncated)["message"]
    video = mp4()
    no_moov = video[: video.index(b"moov") - 4]  # moov comes last; cut it off
    broken = await upload_json(client, owner, no_moov)
    assert broken.status_code == 415 and "moov" in error(broken)["message"]


async def test_json_form_variants(client: httpx.AsyncClient, owner: Owner) -> None:
    png = FILES["pic.png"][1]
    encoded = base64.b64encode(png).decode()
    # A data: URL, escaped slashes (PHP's json_encode), line breaks, URL-safe alphabet, no padding.
    variants = [
        {"data": f"data:image/png;base64,{encoded}"},
        {"data": encoded.replace("/", "\\/")},
        {"data": "\\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))},
        {"data": base64.urlsafe_b64encode(png).decode().rstrip("=")},
    ]
    for body in variants:
        raw = json.dumps(body).replace("\\\\", "\\")  # keep the escapes as sent on the wire
        response = await client.post(
            UPLOAD, headers={**owner.headers, "content-type": "application/json"}, content=raw
        )
        assert response.status_code == 201, (raw[:60], response.text)
        assert response.json()["size"] == len(png)
        assert (await client.get(response.json()["url"])).content == png
    bad = {
        b'{"data": "!!!!"}': "validation_error",
        b'{"data": "' + encoded[:40].encode() + b"*" + encoded[41:].encode() + b'"}': (
            "validation_error"
        ),
        b'{"data": "QQ==QUJD"}': "validation_error",
        b'{"data": "QQ=A"}': "validation_error",
        b'{"data": "' + encoded.encode() + b'"': "invalid_json",
        b'{"mime_type": "image/png"}': "validation_error",
        b'{"data": "' + encoded.encode() + b'", "extra": 1}': "validation_error",
        b'{"data": "data:image/png,' + encoded.encode() + b'"}': "validation_error",
        b"[1, 2]": "validation_error",
    }
    for raw_body, code in bad.items():
        response = await client.post(
            UPLOAD, headers={**owner.headers, "content-type": "application/json"}, content=raw_body
        )
        assert response.status_code == 400, (raw_body[:40], response.text)
        assert error(response)["code"] == code


async def test_multipart_needs_the_file_field(client: httpx.AsyncClient, owner: Owner) -> None:
    png = FILES["pic.png"][1]
    wrong_field = await client.post(
        UPLOAD, headers=owner.headers, files={"image": ("a.png", png, "image/png")}
    )
    assert wrong_field.status_code == 400 and "'file'" in error(wrong_field)["message"]
    with_field = await client.post(
        UPLOAD,
        headers=owner.headers,
        files={"file": ("a", png)},
        data={"mime_type": "image/gif"},
    )
    assert with_field.status_code == 415
    assert error(with_field)["details"] == {"declared": "image/gif", "detected": "image/png"}


async def test_metadata_and_delete(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, make_owner: OwnerFactory
) -> None:
    media = await uploaded(client, owner)
    path = f"/api/v1/media/{media['id']}"
    stranger = await make_owner()
    live_self = await make_owner(email=owner.email, livemode=True)
    for other in (stranger, live_self):  # another owner, and the other mode of the same owner
        assert (await client.get(path, headers=other.headers)).status_code == 404
        assert (await client.delete(path, headers=other.headers)).status_code == 404
    assert (await client.get(path, headers=owner.headers)).status_code == 200
    # A URL whose token does not match is nothing.
    forged = media["url"].replace("/media/", "/media/x", 1)
    assert (await client.get(forged)).status_code == 404
    head = await client.head(media["url"])
    assert head.status_code == 200
    assert head.headers["content-length"] == str(media["size"])

    deleted = await client.delete(path, headers=owner.headers)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": True}
    assert (await client.get(path, headers=owner.headers)).status_code == 404
    assert (await client.get(media["url"])).status_code == 404
    stored = app.state.services.storage.path(media["url"].split("/media/", 1)[1])
    assert stored.exists()  # the bytes go in a job written with the delete
    worker = Worker(app.state.db, build_registry(app.state.services))
    await worker.run_once()
    assert not stored.exists()


async def test_idempotent_upload(client: httpx.AsyncClient, owner: Owner) -> None:
    mime, data = FILES["pic.png"]
    first = await upload_multipart(
        client, owner, "pic.png", data, mime, **{"Idempotency-Key": "k1"}
    )
    again = await upload_multipart(
        client, owner, "pic.png", data, mime, **{"Idempotency-Key": "k1"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await upload_multipart(
        client, owner, "pic.jpg", FILES["photo.jpg"][1], "image/jpeg", **{"Idempotency-Key": "k1"}
    )
    assert other.status_code == 422


async def test_upload_rate_limit_is_ten_a_minute(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    app = await app_factory(rate_limit_upload=10)
    await app.state.limiter.reset()
    owner = await make_owner()
    mime, data = FILES["pic.png"]
    async with client_for(app) as client:
        for n in range(10):
            response = await upload_multipart(client, owner, "pic.png", data, mime)
            assert response.status_code == 201, response.text
            assert response.headers["X-RateLimit-Limit"] == "10"
            assert response.headers["X-RateLimit-Remaining"] == str(9 - n)
        refused = await upload_json(client, owner, data, mime)
        assert refused.status_code == 429
        assert error(refused)["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        # Uploads have their own budget: reading still works.
        listed = await client.get("/api/v1/posts", headers=owner.headers)
        assert listed.status_code == 200


async def test_upload_needs_posts_write(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    reader = await make_owner(scopes=["posts:read"])
    response = await upload_json(client, reader, FILES["pic.png"][1])
    assert response.status_code == 403 and error(response)["code"] == "missing_scope"
    assert (await client.post(UPLOAD, json={"data": ""})).status_code == 401


async def test_openapi_describes_both_forms(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    op = doc["paths"]["/api/v1/media/upload"]["post"]
    assert set(op["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert op["x-required-scope"] == "posts:write"
    assert {"201", "413", "415", "429"} <= set(op["responses"])
    assert "/media/{token}/{filename}" in doc["paths"]
