"""The application section of the settings (``SUQIAN_APPLICATION_*``)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta


class ApplicationSettings(msgspec.Struct, frozen=True, kw_only=True):
    # The secret departments sign their callbacks with (HMAC-SHA256); empty = the sandbox's.
    callback_secret: str = ""
    # Drafts holding licence data are emptied after this long untouched (the issue: 72 h).
    draft_ttl_hours: Annotated[int, Meta(ge=1, le=720)] = 72
    # 10 MiB a file (research security_integrations A.1.4 IV-2): a phone photo of a document is 2–5 MB.
    material_max_bytes: Annotated[int, Meta(ge=1024, le=100 * 1024 * 1024)] = 10 * 1024 * 1024
    # Files per material slot: a multi-page document photographed page by page.
    material_files_per_slot: Annotated[int, Meta(ge=1, le=50)] = 10
    # Where uploaded materials live: "local" = <data dir>/blobs (the embedded default), or "s3".
    blob_store: Literal["local", "s3"] = "local"
    blob_s3_bucket: str = ""
    blob_s3_endpoint: str = ""
    blob_s3_region: str = "us-east-1"
    blob_s3_prefix: str = "materials"
    blob_s3_access_key_id: str = ""
    blob_s3_secret_access_key: str = ""
