"""The citizen-code feature's errors: devices, enrolment and scanning.

NotFound (404)          DeviceNotFound      code.device_not_found (also another citizen's device)
Forbidden (403)         SceneUnknown        code.scene_unknown
Conflict (409)
├── DeviceLimit         code.device_limit (``CodeSettings.max_devices`` active credentials)
├── DeviceRevoked       code.device_revoked
└── HolderConflict      code.holder_conflict
Invalid (422)
├── DeviceKeyInvalid    code.device_key_invalid
└── ScanTimeInvalid     code.scan_time_invalid
RateLimited (429)
├── EnrolRateLimited    code.enrol_rate_limited
└── IssueRateLimited    code.issue_rate_limited (per citizen, per worker: ``backend.code.throttle``)

A revoked scanner token is ``backend.auth.errors.TokenRevoked``; an operator naming an unknown citizen
gets ``backend.citizen.errors.CitizenNotFound``.
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited


class DeviceNotFound(NotFound):
    code = "code.device_not_found"
    detail = "No such device"


class SceneUnknown(Forbidden):
    """A scanner whose token names no scene of the policy table is no gate."""

    code = "code.scene_unknown"
    detail = "This scanner's scene has no citizen-code policy"


class DeviceLimit(Conflict):
    """An enrolment past ``CodeSettings.max_devices`` phones holding a live credential at once."""

    code = "code.device_limit"
    detail = "Too many devices hold a credential; revoke one"

    def __init__(self, *, limit: int) -> None:
        super().__init__(detail=f"At most {limit} devices may hold a credential; revoke one")
        self.limit = limit


class DeviceRevoked(Conflict):
    code = "code.device_revoked"
    detail = "This device key was revoked; enrol a new key"


class HolderConflict(Conflict):
    """Three attempts to create the citizen's code id lost to concurrent requests (or, at 2^-80 odds,
    drew a taken id)."""

    code = "code.holder_conflict"
    detail = "Could not create a code id; try again"


class DeviceKeyInvalid(Invalid):
    code = "code.device_key_invalid"
    detail = "public_key is not a base64 P-256 public key"


class ScanTimeInvalid(Invalid):
    code = "code.scan_time_invalid"
    detail = "A scan's scanned_at lies in the future"


class EnrolRateLimited(RateLimited):
    """Too many enrolments by one citizen: each signs a credential and writes rows."""

    code = "code.enrol_rate_limited"
    detail = "Too many device enrolments; try again later"


class IssueRateLimited(RateLimited):
    """More codes for one citizen than an app showing them could use (``CodeSettings.issue_per_minute``)."""

    code = "code.issue_rate_limited"
    detail = "Too many codes requested; show the current one until its refresh time"
