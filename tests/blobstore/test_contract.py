"""One contract, two blob stores: a folder, and an S3 bucket on moto's S3 server (a faithful twin of
the S3 protocol over real HTTP on loopback)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto.server import ThreadedMotoServer

from blobstore import (
    BlobCorrupt,
    BlobNotFound,
    BlobStore,
    DigestInvalid,
    LocalBlobStore,
    S3BlobStore,
    StoreUnavailable,
)

BUCKET = "suqian-materials"
KEY_ID, SECRET = "testing", "testing"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        yield S3BlobStore(
            bucket=BUCKET,
            endpoint=endpoint,
            region="us-east-1",
            access_key_id=KEY_ID,
            secret_access_key=SECRET,
            prefix=secrets.token_hex(4),
        )


async def test_a_blob_is_read_back_under_the_sha256_of_its_bytes(store: BlobStore) -> None:
    data = secrets.token_bytes(100_000)
    digest = await store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert await store.exists(digest)
    assert await store.get(digest) == data


async def test_the_same_bytes_twice_are_one_blob(store: BlobStore) -> None:
    data = b"%PDF-1.7 the same file"
    first, second = await store.put(data), await store.put(data)
    assert first == second
    assert await store.get(first) == data


async def test_concurrent_puts_of_the_same_bytes_leave_one_whole_blob(store: BlobStore) -> None:
    data = secrets.token_bytes(300_000)
    digests = await asyncio.gather(*(store.put(data) for _ in range(8)))
    assert len(set(digests)) == 1
    assert await store.get(digests[0]) == data


async def test_an_unknown_digest_is_not_found_and_deleting_it_is_harmless(store: BlobStore) -> None:
    digest = hashlib.sha256(secrets.token_bytes(8)).hexdigest()
    assert not await store.exists(digest)
    with pytest.raises(BlobNotFound):
        await store.get(digest)
    await store.delete(digest)


async def test_a_deleted_blob_is_gone(store: BlobStore) -> None:
    digest = await store.put(secrets.token_bytes(64))
    await store.delete(digest)
    assert not await store.exists(digest)
    with pytest.raises(BlobNotFound):
        await store.get(digest)


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "A" * 64, "ab" * 31, "ab" * 33, "", "../" + "a" * 61, "a" * 63 + "/"],
)
async def test_a_key_that_is_not_a_digest_never_reaches_a_path(store: BlobStore, key: str) -> None:
    for call in (store.get, store.exists, store.delete):
        with pytest.raises(DigestInvalid):
            await call(key)


async def test_local_bytes_changed_on_disk_fail_the_read(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    digest = await store.put(b"original")
    _tamper(tmp_path, digest)
    with pytest.raises(BlobCorrupt):
        await store.get(digest)


async def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    await asyncio.gather(*(store.put(secrets.token_bytes(1000)) for _ in range(5)))
    assert _listed(tmp_path / "tmp") == []


def _tamper(root: Path, digest: str) -> None:
    [path] = list(root.rglob(digest))
    path.write_bytes(b"tampered")


def _listed(folder: Path) -> list[Path]:
    return list(folder.iterdir())


async def test_s3_without_its_bucket_is_unavailable_not_not_found(s3_endpoint: str) -> None:
    store = S3BlobStore(
        bucket="no-such-bucket",
        endpoint=s3_endpoint,
        region="us-east-1",
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        prefix="x",
    )
    with pytest.raises(StoreUnavailable):
        await store.put(b"anything")
