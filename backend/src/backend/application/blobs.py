"""Where uploaded files live: a folder under the data directory (the embedded default) or an
S3-compatible bucket (``SUQIAN_APPLICATION_BLOB_STORE=s3``). Materials keep theirs here; other
features with uploads (the hotline's photos) share the same store, their blobs sealed per owner."""

from __future__ import annotations

from backend.application.settings import ApplicationSettings
from backend.wiring import Wiring
from blobstore import BlobStore, LocalBlobStore, S3BlobStore


def blob_store(w: Wiring) -> BlobStore:
    section = w.section(ApplicationSettings)
    if section.blob_store == "s3":
        return S3BlobStore(
            bucket=section.blob_s3_bucket,
            endpoint=section.blob_s3_endpoint,
            region=section.blob_s3_region,
            access_key_id=section.blob_s3_access_key_id,
            secret_access_key=section.blob_s3_secret_access_key,
            prefix=section.blob_s3_prefix,
        )
    return LocalBlobStore(w.infra.settings.data_dir / "blobs")
