"""Dynamic signed QR citizen code (市民码): wire format, keys, issue, verify, render.

Two code forms share the ``SQ1:`` prefix: a short-lived online code signed by the issuer,
and an offline frame signed by a device key that an issuer-signed holder credential
certifies. Both verify offline against a signed trust list. See README.md for the wire
format and the threat model.
"""

from citizen_code._base45 import b45decode, b45encode
from citizen_code._claims import CodeClaims, Mode, Status, generate_code_id
from citizen_code._issue import issue_code, issue_holder_credential, sign_frame
from citizen_code._keyring import KeyRing, RingEntry
from citizen_code._keys import DeviceKey, IssuerKey, load_public_key
from citizen_code._reason import Reason
from citizen_code._render import render_png, render_svg
from citizen_code._replay import MemoryReplayCache, ReplayCache
from citizen_code._revocation import RevocationList
from citizen_code._trust import TrustedKey, TrustList, load_trust_list, sign_trust_list
from citizen_code._verdict import Decision, ParsedCode, Verdict
from citizen_code._verify import FrameWindow, Verifier

__all__ = [
    "CodeClaims",
    "Decision",
    "DeviceKey",
    "FrameWindow",
    "IssuerKey",
    "KeyRing",
    "MemoryReplayCache",
    "Mode",
    "ParsedCode",
    "Reason",
    "ReplayCache",
    "RevocationList",
    "RingEntry",
    "Status",
    "TrustList",
    "TrustedKey",
    "Verdict",
    "Verifier",
    "b45decode",
    "b45encode",
    "generate_code_id",
    "issue_code",
    "issue_holder_credential",
    "load_public_key",
    "load_trust_list",
    "render_png",
    "render_svg",
    "sign_frame",
    "sign_trust_list",
]
