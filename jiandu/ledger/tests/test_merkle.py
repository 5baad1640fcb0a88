"""merkle.py against the RFC 9162 definitions written out naively, and against pymerkle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiandu.ledger import merkle
from jiandu.ledger.merkle import (
    SHA256,
    SM3,
    CompactRange,
    Hasher,
    ProofError,
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

HASHERS = [SM3, SHA256]


# The reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed as recursion over lists.
def ref_mth(h: Hasher, d: list[bytes]) -> bytes:
    if not d:
        return h.empty()
    if len(d) == 1:
        return d[0]
    k = 1
    while k * 2 < len(d):
        k *= 2
    return h.node(ref_mth(h, d[:k]), ref_mth(h, d[k:]))


def ref_path(h: Hasher, m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return ref_path(h, m, d[:k]) + [ref_mth(h, d[k:])]
    return ref_path(h, m - k, d[k:]) + [ref_mth(h, d[:k])]


def ref_subproof(h: Hasher, m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(h, d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return ref_subproof(h, m, d[:k], b) + [ref_mth(h, d[k:])]
    return ref_subproof(h, m - k, d[k:], False) + [ref_mth(h, d[:k])]


def ref_consistency(h: Hasher, m: int, d: list[bytes]) -> list[bytes]:
    return [] if m == 0 else ref_subproof(h, m, d, True)


def leaves(h: Hasher, n: int, salt: str = "") -> list[bytes]:
    return [h.leaf(f"entry {salt}{i}".encode()) for i in range(n)]


def flips(value: bytes):
    """The value with one bit flipped, at the first, a middle and the last byte."""
    for pos in {0, len(value) // 2, len(value) - 1}:
        yield value[:pos] + bytes([value[pos] ^ 0x01]) + value[pos + 1:]


def test_hashers_follow_rfc_9162_prefixes_and_known_digests():
    assert SHA256.leaf(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert SHA256.node(b"a" * 32, b"b" * 32) == hashlib.sha256(
        b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert SHA256.empty().hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    # GB/T 32905-2016 example 1: SM3("abc").
    from cryptography.hazmat.primitives import hashes

    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(b"abc")
    assert sm3.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(b"\x00abc")
    assert SM3.leaf(b"abc") == sm3.finalize()
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(b"\x01" + b"a" * 32 + b"b" * 32)
    assert SM3.node(b"a" * 32, b"b" * 32) == sm3.finalize()
    # The pre-absorbed contexts are copied, never consumed: a second call gives the same digest.
    assert SM3.leaf(b"abc") == SM3.leaf(b"abc")
    assert (SM3.name, SM3.size, SHA256.name, SHA256.size) == ("sm3", 32, "sha256", 32)
    assert Hasher() == SM3


def test_sm3_without_openssl_support_falls_back_to_cryptography_with_equal_digests(monkeypatch):
    real_new = hashlib.new

    def new(name, *args, **kwargs):
        if name == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real_new(name, *args, **kwargs)

    monkeypatch.setattr(merkle.hashlib, "new", new)
    fallback = Hasher("sm3")
    assert isinstance(merkle._sm3(), merkle._CryptographySM3)
    data = "执法检查".encode() * 40
    assert fallback.leaf(data) == SM3.leaf(data)
    assert fallback.node(b"a" * 32, b"b" * 32) == SM3.node(b"a" * 32, b"b" * 32)
    assert fallback.empty() == SM3.empty()
    # A copied context is independent of the one it was copied from.
    assert fallback.leaf(b"x") != fallback.leaf(b"y")
    assert fallback.leaf(b"x") == SM3.leaf(b"x")


def test_unknown_algorithm_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不支持的哈希算法"):
        Hasher("md5")


@pytest.mark.parametrize("h", HASHERS, ids=lambda h: h.name)
def test_small_trees_exhaustively(h):
    """Every size up to 40, every index and every old size, against the reference."""
    all_leaves = leaves(h, 40)
    for n in range(41):
        d = all_leaves[:n]
        r = merkle.root(h, d)
        assert r == ref_mth(h, d)
        cr = CompactRange(h)
        cr.extend(d)
        assert cr.root() == r
        for i in range(n):
            proof = inclusion_proof(h, d, i)
            assert proof == ref_path(h, i, d)
            verify_inclusion(h, index=i, size=n, leaf_hash=d[i], proof=proof, root=r)
        for m in range(n + 1):
            proof = consistency_proof(h, d, m)
            assert proof == ref_consistency(h, m, d)
            verify_consistency(h, old_size=m, new_size=n, old_root=ref_mth(h, d[:m]),
                               new_root=r, proof=proof)


@st.composite
def tree_and_index(draw):
    n = draw(st.integers(1, 300))
    return n, draw(st.integers(0, n - 1))


@settings(max_examples=150, deadline=None)
@given(case=tree_and_index(), h=st.sampled_from(HASHERS))
def test_inclusion_matches_reference_and_rejects_tampering(case, h):
    n, i = case
    d = leaves(h, n)
    r = ref_mth(h, d)
    proof = inclusion_proof(h, d, i)
    assert proof == ref_path(h, i, d)
    verify_inclusion(h, index=i, size=n, leaf_hash=d[i], proof=proof, root=r)
    for k, element in enumerate(proof):
        for bad in flips(element):
            with pytest.raises(ProofError, match="包含性证明不成立"):
                verify_inclusion(h, index=i, size=n, leaf_hash=d[i],
                                 proof=proof[:k] + [bad] + proof[k + 1:], root=r)
    for bad in flips(d[i]):
        with pytest.raises(ProofError):
            verify_inclusion(h, index=i, size=n, leaf_hash=bad, proof=proof, root=r)
    for bad in flips(r):
        with pytest.raises(ProofError):
            verify_inclusion(h, index=i, size=n, leaf_hash=d[i], proof=proof, root=bad)
    for other in {i - 1, i + 1, n} - {-1}:
        with pytest.raises(ProofError):
            verify_inclusion(h, index=other, size=n, leaf_hash=d[i], proof=proof, root=r)
    longer = leaves(h, 2 * n)
    for size in {n - 1, n + 1, 2 * n} - {0}:
        # Claimed against the real root of a tree of another size: the path of the first
        # leaves of a tree of 3 and of 4 has one shape, so only the root tells them apart.
        with pytest.raises(ProofError):
            verify_inclusion(h, index=i, size=size, leaf_hash=d[i], proof=proof,
                             root=ref_mth(h, longer[:size]))
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(h, index=i, size=n, leaf_hash=d[i], proof=proof[:-1], root=r)
    with pytest.raises(ProofError):
        verify_inclusion(h, index=i, size=n, leaf_hash=d[i], proof=[*proof, r], root=r)


@st.composite
def tree_and_old_size(draw):
    n = draw(st.integers(1, 300))
    return n, draw(st.integers(0, n))


@settings(max_examples=150, deadline=None)
@given(case=tree_and_old_size(), h=st.sampled_from(HASHERS))
def test_consistency_matches_reference_and_rejects_tampering(case, h):
    n, m = case
    d = leaves(h, n)
    old, new = ref_mth(h, d[:m]), ref_mth(h, d)
    proof = consistency_proof(h, d, m)
    assert proof == ref_consistency(h, m, d)
    verify_consistency(h, old_size=m, new_size=n, old_root=old, new_root=new, proof=proof)
    for k, element in enumerate(proof):
        for bad in flips(element):
            with pytest.raises(ProofError, match="一致性证明不成立"):
                verify_consistency(h, old_size=m, new_size=n, old_root=old, new_root=new,
                                   proof=proof[:k] + [bad] + proof[k + 1:])
    for bad in flips(old):
        with pytest.raises(ProofError):
            verify_consistency(h, old_size=m, new_size=n, old_root=bad, new_root=new,
                               proof=proof)
    if m:  # every tree extends the empty one, whatever its root
        for bad in flips(new):
            with pytest.raises(ProofError):
                verify_consistency(h, old_size=m, new_size=n, old_root=old, new_root=bad,
                                   proof=proof)
    longer = leaves(h, n + 1)
    for size in {m - 1, m + 1} - {-1, 0, n}:
        if size > n:
            continue
        with pytest.raises(ProofError):
            verify_consistency(h, old_size=size, new_size=n, old_root=ref_mth(h, d[:size]),
                               new_root=new, proof=proof)
    if m:
        with pytest.raises(ProofError):
            verify_consistency(h, old_size=m, new_size=n + 1, old_root=old,
                               new_root=ref_mth(h, longer), proof=proof)
    # A forked log: the same old size, one different leaf, cannot be proved consistent.
    if 0 < m:
        forked = list(d)
        forked[m - 1] = h.leaf(b"forged")
        with pytest.raises(ProofError):
            verify_consistency(h, old_size=m, new_size=n, old_root=old,
                               new_root=ref_mth(h, forked), proof=consistency_proof(h, forked, m))


def test_bad_requests_raise_proof_error():
    d = leaves(SM3, 5)
    with pytest.raises(ProofError, match="索引超出"):
        inclusion_proof(SM3, d, 5)
    with pytest.raises(ProofError, match="旧树不能大于新树"):
        consistency_proof(SM3, d, 6)
    with pytest.raises(ProofError, match="长度不对"):
        verify_inclusion(SM3, index=0, size=5, leaf_hash=b"short", proof=[], root=d[0])
    with pytest.raises(ProofError, match="证明应为空"):
        verify_consistency(SM3, old_size=5, new_size=5, old_root=d[0], new_root=d[0],
                           proof=[d[1]])
    with pytest.raises(ProofError, match="根哈希不符"):
        verify_consistency(SM3, old_size=0, new_size=5, old_root=d[0], new_root=d[0], proof=[])
    verify_consistency(SM3, old_size=0, new_size=5, old_root=SM3.empty(), new_root=d[0],
                       proof=[])


def test_compact_range_round_trips_and_reports_nodes():
    h = SHA256
    d = leaves(h, 77)
    nodes = {}
    cr = CompactRange(h)

    def keep(level, index, value):
        nodes[(level, index)] = value

    cr.extend(d[:50], on_node=keep)
    again = CompactRange.from_bytes(h, 50, cr.to_bytes())
    again.extend(d[50:], on_node=keep)
    assert again.root() == ref_mth(h, d)
    # Every perfect subtree of 77 leaves was reported once complete, with its hash.
    for level in range(7):
        for index in range(77 >> level):
            lo = index << level
            assert nodes[(level, index)] == ref_mth(h, d[lo:lo + (1 << level)])
    assert len(nodes) == sum(77 >> level for level in range(7))
    with pytest.raises(ValueError, match="紧凑区间与大小不符"):
        CompactRange(h, 3, [d[0]])


def test_range_subtrees_cut_by_bits_and_refuse_unaligned():
    assert merkle.range_subtrees(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.range_subtrees(8, 11) == [(1, 4), (0, 10)]
    with pytest.raises(ValueError, match="区间未对齐"):
        merkle.range_subtrees(3, 7)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_sha256_roots_and_paths_equal_pymerkle(backend, tmp_path):
    """pymerkle 7.0 (RFC 6962 mode: 0x00/0x01 prefixes, its default) is an independent code."""
    pymerkle = pytest.importorskip("pymerkle")
    tree = (pymerkle.InmemoryTree(algorithm="sha256") if backend == "memory"
            else pymerkle.SqliteTree(str(tmp_path / "tree.db"), algorithm="sha256"))
    assert tree.security  # 0x00 leaf / 0x01 node prefixes, as RFC 6962 and 9162
    data = [f"{{\"key\":\"R{i:06d}\",\"n\":{i}}}".encode() for i in range(130)]
    ours = [SHA256.leaf(x) for x in data]
    for n, entry in enumerate(data, start=1):
        tree.append_entry(entry)
        assert tree.get_leaf(n) == ours[n - 1]
        assert tree.get_root() == merkle.root(SHA256, ours[:n])
    for n in (1, 2, 7, 64, 100, 130):
        for i in range(0, n, 9):
            theirs = tree.prove_inclusion(i + 1, n)
            assert theirs.path[1:] == inclusion_proof(SHA256, ours[:n], i)
        assert tree.get_root(n) == merkle.root(SHA256, ours[:n])
    # Our consistency proofs verify between pymerkle's roots.
    for m, n in ((1, 130), (64, 130), (77, 100), (3, 5)):
        verify_consistency(SHA256, old_size=m, new_size=n, old_root=tree.get_root(m),
                           new_root=tree.get_root(n),
                           proof=consistency_proof(SHA256, ours[:n], m))


@pytest.mark.parametrize("h", HASHERS, ids=lambda h: h.name)
def test_extend_collect_keeps_every_step_th_level(h):
    d = leaves(h, 600)
    seen: dict[int, list[bytes]] = {}
    reference = CompactRange(h)
    reference.extend(d, on_node=lambda level, _, value: seen.setdefault(level, []).append(value))
    for split in (0, 1, 255, 256, 599):
        cr = CompactRange(h)
        first = cr.extend_collect(d[:split], 8)
        second = cr.extend_collect(d[split:], 8)
        assert cr.root() == reference.root() == merkle.root(h, d)
        for step_level in range(max(len(first), len(second))):
            got = [*(first[step_level] if step_level < len(first) else []),
                   *(second[step_level] if step_level < len(second) else [])]
            assert got == seen.get(8 * step_level, [])


@pytest.mark.parametrize("h", HASHERS, ids=lambda h: h.name)
@pytest.mark.parametrize("step", [1, 4])
def test_extend_collect_in_uneven_batches_equals_a_leaf_at_a_time(h, step):
    import random

    d = leaves(h, 1100)
    rng = random.Random(5)
    cr, reference = CompactRange(h), CompactRange(h)
    at = 0
    while at < len(d):
        n = rng.choice([0, 1, 2, 3, 15, 16, 17, 255, 256, 257])
        seen: dict[int, list[bytes]] = {}
        reference.extend(d[at:at + n],
                         on_node=lambda level, _, value, seen=seen: seen.setdefault(level, []).append(value))
        got = cr.extend_collect(d[at:at + n], step)
        at += n
        assert (cr.size, cr.hashes) == (reference.size, reference.hashes)
        assert len(got) == 1 + max((lvl // step for lvl in seen), default=0)
        for i, nodes in enumerate(got):
            assert nodes == seen.get(i * step, [])
