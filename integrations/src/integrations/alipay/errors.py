"""Alipay-specific leaves of the library's error tree (the tree lives in ``integrations.errors``).

::

    IntegrationError
    ├── UpstreamError
    │   ├── UpstreamUnavailable            code 20000 / isp.*, timeouts, 5xx — retry later
    │   └── UpstreamRejected(code=...)     a refusal's sub_code, e.g. "isv.code-invalid"
    │       └── UpstreamMalformed          response node absent/repeated, or its RSA2 sign bad
    ├── SignatureRejected(reason)          notification / phone payload: "bad_signature"
    │   └── SignTypeUnsupported            declared sign/encrypt type is not the pinned one
    └── PhoneNumberUndecryptable           signed, but the AES payload would not decrypt
"""

from __future__ import annotations

from integrations.errors import IntegrationError, SignatureRejected

__all__ = ["PhoneNumberUndecryptable", "SignTypeUnsupported"]


class SignTypeUnsupported(SignatureRejected):
    """The message declares a type other than RSA2 / AES; we never let the sender choose."""

    def __init__(self, *, declared: str | None) -> None:
        super().__init__("unsupported_sign_type")
        self.declared = declared


class PhoneNumberUndecryptable(IntegrationError):
    """The signed phone-number ciphertext did not decrypt with our AES key (one answer for all)."""

    def __init__(self) -> None:
        super().__init__("Alipay phone number payload could not be decrypted")
