"""The optional C accelerator (``_hashes.c``) behind ``merkle.Hasher``'s batch functions."""

from __future__ import annotations

from functools import partial

from .merkle import Hasher

try:
    from . import _hashes
except ImportError:  # not built (no C compiler or OpenSSL headers): pure Python, slower
    _hashes = None


def batch_hasher(name: str) -> Hasher:
    """``Hasher(name)`` whose list functions (``leaves``, ``nodes``: an append's and a
    verification's inner loops) are the C accelerator's when it is built (the same OpenSSL as
    hashlib), else the pure-Python ones; the bytes are the same."""
    hasher = Hasher(name)
    if _hashes is not None and _agrees(hasher):
        hasher.leaves = partial(_hashes.leaves, hasher.name)
        hasher.nodes = partial(_hashes.nodes, hasher.name)
    return hasher


def _agrees(hasher: Hasher) -> bool:
    """Whether the accelerator hashes as ``hasher`` does: an OpenSSL built without SM3 (or
    linked differently from hashlib) leaves that algorithm to pure Python."""
    probe = [b"", b'{"jiandu":"\xe7\x9b\x91\xe7\x9d\xa3"}']
    try:
        leaves = _hashes.leaves(hasher.name, probe)
        nodes = _hashes.nodes(hasher.name, leaves[:1], leaves[1:])
    except (ValueError, RuntimeError):
        return False
    return leaves == [hasher.leaf(d) for d in probe] and nodes == [hasher.node(*leaves)]
