"""Personal data at rest: AES-256-GCM sealing and HMAC-SHA256 blind indexes.

``PersonalDataCipher.seal(value, column=...)`` encrypts with a fresh 96-bit nonce per value and the
column name as associated data, so a ciphertext copied into another column (or another row's column
of a different kind) fails to open. ``blind_index(value, column=...)`` is a keyed HMAC for equality
lookups and unique constraints without decrypting; each column gets its own index key derived from
``index_key`` (HKDF), so equal phone numbers and ID numbers never share an index value.

Sealed values are text: ``v1.<base64url(nonce ‖ ciphertext ‖ tag)>``; the version prefix leaves room
for a key rotation (a ``v2`` key) without a schema change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_BYTES = 12


class SealedValueCorrupt(Exception):
    """A sealed value failed authentication: wrong key, wrong column, or edited ciphertext."""


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte sub-key of ``master`` for one ``purpose`` (HKDF-SHA256, RFC 5869)."""
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(master)


class PersonalDataCipher:
    """Seals and opens personal data (ID numbers, phones, names) and builds their blind indexes."""

    def __init__(self, *, data_key: bytes, index_key: bytes) -> None:
        if len(data_key) != 32 or len(index_key) != 32:
            raise ValueError("data_key and index_key must be 32 bytes")
        if hmac.compare_digest(data_key, index_key):
            raise ValueError("data_key and index_key must differ")
        self._aead = AESGCM(data_key)
        self._index_key = index_key
        self._index_keys: dict[str, bytes] = {}

    def seal_bytes(self, value: bytes, *, column: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, value, column.encode())
        return f"{_VERSION}.{base64.urlsafe_b64encode(sealed).decode()}"

    def open_bytes(self, sealed: str, *, column: str) -> bytes:
        version, _, body = sealed.partition(".")
        if version != _VERSION:
            raise SealedValueCorrupt(f"unknown sealed-value version {version!r}")
        try:
            raw = base64.urlsafe_b64decode(body)
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode())
        except (InvalidTag, ValueError) as exc:
            raise SealedValueCorrupt(f"sealed value for {column} does not open") from exc

    def seal_blob(self, value: bytes, *, column: str) -> bytes:
        """``seal_bytes`` as raw bytes (``v1`` ‖ nonce ‖ ciphertext ‖ tag): for files, where base64
        would add a third."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _VERSION.encode() + nonce + self._aead.encrypt(nonce, value, column.encode())

    def open_blob(self, sealed: bytes, *, column: str) -> bytes:
        if not sealed.startswith(_VERSION.encode()):
            raise SealedValueCorrupt(f"unknown sealed-blob version for {column}")
        raw = sealed[len(_VERSION) :]
        try:
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode())
        except (InvalidTag, ValueError) as exc:
            raise SealedValueCorrupt(f"sealed blob for {column} does not open") from exc

    def seal(self, value: str, *, column: str) -> str:
        return self.seal_bytes(value.encode(), column=column)

    def open(self, sealed: str, *, column: str) -> str:
        return self.open_bytes(sealed, column=column).decode()

    def blind_index(self, value: str, *, column: str) -> str:
        """Hex HMAC-SHA256 of ``value`` under ``column``'s own index key."""
        key = self._index_keys.get(column)
        if key is None:
            key = self._index_keys[column] = derive_key(self._index_key, f"blind-index:{column}")
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def mac(self, message: str, *, purpose: str) -> str:
        """A keyed digest for short-lived secrets kept in the store (SMS codes, idempotency keys)."""
        return self.blind_index(message, column=f"mac:{purpose}")
