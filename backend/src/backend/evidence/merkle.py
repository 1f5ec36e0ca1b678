"""The Merkle tree hash and inclusion proofs of RFC 9162 §2.1 (Certificate Transparency v2), over
byte strings: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right), the empty tree's
hash = SHA-256(""). Pure functions; a department can check a proof with these ~60 lines or any CT
library."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _hashed_root(hashed: Sequence[bytes]) -> bytes:
    if len(hashed) == 1:
        return hashed[0]
    k = _split(len(hashed))
    return node_hash(_hashed_root(hashed[:k]), _hashed_root(hashed[k:]))


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n])."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    return _hashed_root([leaf_hash(leaf) for leaf in leaves])


def _path(index: int, hashed: Sequence[bytes]) -> list[bytes]:
    if len(hashed) == 1:
        return []
    k = _split(len(hashed))
    if index < k:
        return [*_path(index, hashed[:k]), _hashed_root(hashed[k:])]
    return [*_path(index - k, hashed[k:]), _hashed_root(hashed[:k])]


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]): the audit path of leaf ``index``."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    return _path(index, [leaf_hash(leaf) for leaf in leaves])


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root that ``path`` proves ``leaf`` at ``index`` of a tree of ``size`` under (RFC 9162
    §2.1.3.2); None when the path cannot belong to such a tree."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None
