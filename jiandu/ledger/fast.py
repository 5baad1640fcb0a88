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
    if _hashes is not None:
        hasher.leaves = partial(_hashes.leaves, hasher.name)
        hasher.nodes = partial(_hashes.nodes, hasher.name)
    return hasher
