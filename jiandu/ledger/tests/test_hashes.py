"""The optional C accelerator against the pure Python it stands in for: the same bytes."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiandu.ledger import merkle, storage
from jiandu.ledger.fast import batch_hasher


def _accelerator():
    """The built accelerator. Missing, it is skipped where it cannot be built, and fails the
    run where it could (a C compiler and OpenSSL's headers are here), so that a build broken
    by a change is not hidden behind the pure-Python fallback."""
    try:
        from jiandu.ledger import _hashes
    except ImportError:
        if shutil.which("cc") and Path("/usr/include/openssl/evp.h").exists():
            pytest.fail("jiandu/ledger/_hashes.c 未编译，但本机可以编译：请运行 make install "
                        "(the C accelerator is not built though this machine can build it)",
                        pytrace=False)
        pytest.skip("no C compiler or OpenSSL headers: the accelerator cannot be built here",
                    allow_module_level=True)
    return _hashes


_hashes = _accelerator()

ALGS = ["sha256", "sm3"]


@pytest.mark.parametrize("alg", ALGS)
@settings(max_examples=200, deadline=None)
@given(datas=st.lists(st.binary(max_size=600), max_size=40))
def test_leaves_are_the_pure_hashers(alg, datas):
    hasher = merkle.Hasher(alg)
    assert _hashes.leaves(alg, datas) == [hasher.leaf(d) for d in datas]


@pytest.mark.parametrize("alg", ALGS)
@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(st.binary(min_size=32, max_size=32),
                                st.binary(min_size=32, max_size=32)), max_size=40))
def test_nodes_are_the_pure_hashers(alg, pairs):
    hasher = merkle.Hasher(alg)
    lefts, rights = [a for a, _ in pairs], [b for _, b in pairs]
    assert _hashes.nodes(alg, lefts, rights) == [hasher.node(a, b) for a, b in pairs]


@pytest.mark.parametrize("alg", ALGS)
def test_a_batch_hasher_gives_the_pure_roots_and_proof_nodes(alg):
    datas = [f'{{"n":{i},"名称":"执法检查"}}'.encode() for i in range(1000)]
    pure, fast = merkle.Hasher(alg), batch_hasher(alg)
    assert fast.leaves is not pure.leaves
    slow_tree, fast_tree = merkle.CompactRange(pure), merkle.CompactRange(fast)
    for lo, hi in ((0, 1), (1, 17), (17, 256), (256, 1000)):
        assert (slow_tree.extend_collect(pure.leaves(datas[lo:hi]), 4)
                == fast_tree.extend_collect(fast.leaves(datas[lo:hi]), 4))
        assert slow_tree.root() == fast_tree.root() == merkle.root(pure, pure.leaves(datas[:hi]))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unsupported"):
        _hashes.leaves("md5", [b"x"])
    with pytest.raises(TypeError, match="not bytes"):
        _hashes.leaves("sha256", [b"x", "y"])
    with pytest.raises(TypeError, match="must be bytes"):
        _hashes.nodes("sm3", [b"x"], [None])
    with pytest.raises(ValueError, match="as many"):
        _hashes.nodes("sm3", [b"x"], [])
    with pytest.raises(TypeError):
        _hashes.leaves("sha256", 5)


def _reference(parts):
    for part in parts:
        if type(part) is not bytes or part[:1] != b"{" or b"\n" in part or b"\r" in part:
            return None
        try:
            part.decode()
        except UnicodeDecodeError:
            return None
    return b"\n".join(parts)


@settings(max_examples=2000, deadline=None)
@given(parts=st.lists(st.one_of(
    st.binary(max_size=40).map(lambda b: b"{" + b),
    st.text(max_size=40).map(lambda t: ("{" + t).encode("utf-8", "surrogatepass")),
    st.just(b""), st.just("{}")), max_size=6))
def test_join_lines_checks_as_the_python_decoder(parts):
    assert _hashes.join_lines(parts) == _reference(parts)


def test_join_lines_at_every_utf8_boundary():
    # Every sequence of up to three bytes drawn from the values where UTF-8's ranges turn
    # (overlong leads, surrogates, past U+10FFFF, truncation, line breaks), placed at each
    # alignment of the 8-byte ASCII step and with text after it.
    values = [0x00, 0x0A, 0x0D, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
              0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
    checked = 0
    for k in (1, 2, 3):
        for combo in itertools.product(values, repeat=k):
            for pad in (b"", b"abc", b"abcdefg"):
                for tail in (b"", b"0123456789"):
                    part = b"{" + pad + bytes(combo) + tail
                    assert _hashes.join_lines([part]) == _reference([part]), part
                    checked += 1
    for text in ("𝄞", "\U0010ffff", "执法", "\u0800", "\ud7ff", "\ue000"):
        assert _hashes.join_lines([("{" + text + "}").encode()]) is not None
    assert checked > 100_000


def test_the_accelerator_is_what_appends_use():
    # Built by `make install` (setup.py); a machine without a C compiler still appends, slower.
    assert storage._hashes is _hashes
    assert storage.hasher_for("sha256").leaves.func is _hashes.leaves


_kinds = st.one_of(st.sampled_from(["record", "alert_event", "", "k" * 33, "rec\tord"]),
                   st.integers())
_keys = st.one_of(st.text(max_size=3), st.text(min_size=99, max_size=102), st.none())
_contents = st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
                      st.just({"when": object()}), st.just(["not", "a", "dict"]))
_jsons = st.one_of(st.none(), st.just(b'{"a":1}'), st.just(b"[1]"), st.just(b""),
                   st.just("{}"), st.just(b'{"a":"\xff"}'))
_odd = st.builds(storage.LedgerItem, _kinds, _keys, _contents,
                 st.sampled_from([(), ("ab" * 32,), []]), _jsons)
_usual = st.one_of(
    st.builds(storage.LedgerItem, st.just("record"), st.text(min_size=1, max_size=100),
              st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3)),
    st.builds(storage.LedgerItem, st.just("alert_event"), st.text(min_size=1, max_size=5),
              content_json=st.just(b'{"a":1}')))
_items = st.one_of(_usual, _usual, _usual, _odd)


@settings(max_examples=500, deadline=None)
@given(items=st.lists(_items, min_size=1, max_size=4))
def test_item_data_takes_only_what_the_python_checks_take_unchanged(items):
    fast = _hashes.item_data(items, storage._canonical_json, storage._KIND_MAX, storage._KEY_MAX)
    if fast is None:
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "_hashes", None)
        datas, kinds, keys, _given = storage._item_data(items)
    assert fast == (datas, kinds, keys)


def test_item_data_leaves_every_unusual_item_to_python():
    dumps, kmax, ymax = storage._canonical_json, storage._KIND_MAX, storage._KEY_MAX
    good = storage.LedgerItem("record", "K", {"b": 1, "a": "执法"})
    assert _hashes.item_data([good], dumps, kmax, ymax) == ([b'{"a":"\xe6\x89\xa7\xe6\xb3\x95","b":1}'],
                                                            ["record"], ["K"])
    for bad in (storage.LedgerItem("", "K", {}), storage.LedgerItem("record", "K" * 101, {}),
                storage.LedgerItem("record", "K", {}, ("ab" * 32,)),
                storage.LedgerItem("record", "K", {"when": object()}),
                storage.LedgerItem("record", "K", content_json=b"[1]"),
                storage.LedgerItem("record", "K", {}, content_json=b"{}"),
                storage.LedgerItem("record", "K", ["a"])):
        assert _hashes.item_data([good, bad], dumps, kmax, ymax) is None, bad


def test_an_algorithm_the_accelerator_lacks_stays_pure(monkeypatch):
    from jiandu.ledger import fast

    class WithoutSM3:
        @staticmethod
        def leaves(alg, datas):
            if alg == "sm3":
                raise ValueError("OpenSSL has no usable sm3")
            return _hashes.leaves(alg, datas)

        nodes = staticmethod(_hashes.nodes)

    monkeypatch.setattr(fast, "_hashes", WithoutSM3)
    sm3, sha = batch_hasher("sm3"), batch_hasher("sha256")
    assert not hasattr(sm3.leaves, "func")  # its own pure-Python function, not a partial
    assert sha.leaves.func is WithoutSM3.leaves
    assert sm3.leaves([b"x"]) == [merkle.SM3.leaf(b"x")]


def test_a_deploy_without_the_accelerator_is_warned(monkeypatch):
    from jiandu.ledger import fast
    from jiandu.ledger.apps import accelerator_check

    assert accelerator_check() == []
    monkeypatch.setattr(fast, "_hashes", None)
    (warning,) = accelerator_check()
    assert warning.id == "ledger.W001" and "纯 Python" in warning.msg
