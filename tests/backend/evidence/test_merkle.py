"""RFC 9162 §2.1 Merkle trees: every leaf of every small tree proves its way to the root, and
nothing else does."""

from __future__ import annotations

import hashlib

import pytest

from backend.evidence import merkle


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_small_trees_hash_as_the_rfc_defines_them() -> None:
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = (_h(b"\x00" + x) for x in (a, b, c))
    assert merkle.root([]) == _h(b"")
    assert merkle.root([a]) == la
    assert merkle.root([a, b]) == _h(b"\x01" + la + lb)
    # Three leaves split 2 + 1 (the largest power of two below n goes left).
    assert merkle.root([a, b, c]) == _h(b"\x01" + _h(b"\x01" + la + lb) + lc)
    assert merkle.inclusion_path([a, b, c], 2) == [_h(b"\x01" + la + lb)]
    assert merkle.inclusion_path([a, b, c], 0) == [lb, lc]


@pytest.mark.parametrize("size", [*range(1, 18), 31, 32, 33, 100])
def test_every_leaf_proves_the_root_and_a_changed_anything_does_not(size: int) -> None:
    leaves = [f"entry {i}".encode() for i in range(size)]
    root = merkle.root(leaves)
    for index, leaf in enumerate(leaves):
        path = merkle.inclusion_path(leaves, index)
        assert merkle.root_from_path(leaf, index, size, path) == root
        assert merkle.root_from_path(leaf + b"!", index, size, path) != root
        if size > 1:
            assert merkle.root_from_path(leaf, (index + 1) % size, size, path) != root
            assert merkle.root_from_path(leaf, index, size, [*path[:-1], _h(b"x")]) != root
            assert merkle.root_from_path(leaf, index, size, [*path, _h(b"x")]) != root
    assert merkle.root_from_path(leaves[0], size, size, []) is None
    with pytest.raises(IndexError):
        merkle.inclusion_path(leaves, size)
