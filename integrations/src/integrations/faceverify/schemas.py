"""Wire schemas of the face verification service (人脸核身).

The shape every such service shares (Tencent Cloud FaceID ``DetectAuth``/``GetDetectInfo``, Alipay
``alipay.user.certify.open.initialize``/``query``, the public-security identity service's
portrait + identity mode): the server opens a verification for a name and ID number and gets an
id; the citizen's app hands that id to the platform SDK, which runs the liveness check and compares
the face with the identity's portrait; the server then asks for the result. The result is read
server-side only: what the SDK tells the app is never evidence.

Statuses: ``pending`` (no scan yet), ``passed``, ``failed`` (``failure`` says why: ``liveness_failed``,
``face_mismatch``), ``expired`` (no scan within the verification's lifetime).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

__all__ = ["FaceQuery", "FaceResult", "FaceSession", "FaceStartRequest", "FaceStatus"]

FaceStatus = Literal["pending", "passed", "failed", "expired"]
# Our own reference for a verification (the idempotency key of its creation): 8-64 URL-safe characters.
OuterId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class FaceStartRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    id_number: str
    outer_id: OuterId


class FaceSession(msgspec.Struct, frozen=True, kw_only=True):
    """An open verification: hand ``verification_id`` to the platform SDK before ``expires_at``."""

    verification_id: str
    outer_id: str
    expires_at: dt.datetime


class FaceQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    verification_id: str


class FaceResult(msgspec.Struct, frozen=True, kw_only=True):
    """What the platform found; ``name`` and ``id_number`` are the identity it verified against."""

    verification_id: str
    outer_id: str
    status: FaceStatus
    name: str
    id_number: str
    liveness_score: float | None = None
    similarity: float | None = None
    failure: Literal["liveness_failed", "face_mismatch"] | None = None
    completed_at: dt.datetime | None = None

    def __repr__(self) -> str:
        # Never the identity in a log line.
        return f"FaceResult(verification_id={self.verification_id!r}, status={self.status!r})"
