"""The S3-compatible backend against moto's S3 server on 127.0.0.1: upload, serve (307 to a
presigned GET), read back for publishing, health, delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from fastapi import FastAPI
from moto.server import ThreadedMotoServer
from tests.conftest import AppFactory, Owner, client_for
from tests.media.files import FILES, upload_json, upload_multipart

from lowtato.jobs.worker import Worker
from lowtato.platforms.base import Media
from lowtato.runtime import build_registry

BUCKET = "lowtato-media"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str) -> Any:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    client.close()


@pytest.fixture
async def s3_app(app: FastAPI, app_factory: AppFactory, s3_endpoint: str, bucket: Any) -> FastAPI:
    return await app_factory(
        storage_backend="s3",
        storage_s3_endpoint=s3_endpoint,
        storage_s3_bucket=BUCKET,
        storage_s3_region="us-east-1",
        storage_s3_prefix="media/",
        storage_s3_access_key_id=CREDENTIALS["aws_access_key_id"],
        storage_s3_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )


def _exists(bucket: Any, key: str) -> bool:
    try:
        bucket.head_object(Bucket=BUCKET, Key=key)
    except ClientError:
        return False
    return True


async def test_s3_round_trip(s3_app: FastAPI, owner: Owner, bucket: Any) -> None:
    async with client_for(s3_app) as client:
        mime, data = FILES["pic.png"]
        png = (await upload_multipart(client, owner, "pic.png", data, mime)).json()
        video = (await upload_json(client, owner, FILES["clip.mp4"][1])).json()
        assert (video["mime_type"], video["duration_seconds"]) == ("video/mp4", 2.5)
        key = "media/" + png["url"].split("/media/", 1)[1]
        stored = bucket.get_object(Bucket=BUCKET, Key=key)
        assert stored["Body"].read() == data and stored["ContentType"] == mime

        # The public URL stays on this app and redirects to a short-lived presigned GET.
        served = await client.get(png["url"])
        assert served.status_code == 307
        location = served.headers["location"]
        assert location.startswith(f"{bucket.meta.endpoint_url}/{BUCKET}/{key}?")
        assert "X-Amz-Signature=" in location and "X-Amz-Expires=900" in location
        async with httpx.AsyncClient() as outside:
            fetched = await outside.get(location)
        assert fetched.status_code == 200 and fetched.content == data
        assert fetched.headers["content-type"] == mime

        # Publishing reads the bytes from the bucket (the URL's host is not even reachable).
        got = await s3_app.state.services.adapters.fetch(Media(url=png["url"]))
        read = b"".join([part async for part in got.chunks(piece=100)])
        assert (read, got.mime_type, got.size) == (data, mime, len(data))
        # Any byte range, as a segmented upload asks for it (a ranged GET on the object).
        assert b"".join([part async for part in got.chunks(10, 50)]) == data[10:60]

        health = (await client.get("/api/health")).json()
        assert health["checks"]["r2"] == "ok" and health["status"] == "healthy"

        deleted = await client.delete(f"/api/v1/media/{png['id']}", headers=owner.headers)
        assert deleted.status_code == 200
        assert (await client.get(png["url"])).status_code == 404
        await Worker(s3_app.state.db, build_registry(s3_app.state.services)).run_once()
        assert not _exists(bucket, key)
        assert _exists(bucket, "media/" + video["url"].split("/media/", 1)[1])


async def test_unreachable_bucket_degrades_health(app: FastAPI, app_factory: AppFactory) -> None:
    broken = await app_factory(
        storage_backend="s3",
        storage_s3_endpoint="http://127.0.0.1:9",  # discard port: nothing listens
        storage_s3_bucket=BUCKET,
        storage_s3_access_key_id="x",
        storage_s3_secret_access_key="y",
    )
    async with client_for(broken) as client:
        response = await client.get("/api/health")
        body = response.json()
    assert response.status_code == 200  # only a database outage is a 503
    assert (body["checks"]["r2"], body["status"]) == ("error", "degraded")
