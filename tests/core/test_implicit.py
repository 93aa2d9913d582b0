"""Implicit whole-array conversions follow the fallback policy; iteration; print0.

``np.asarray(d)``, ``d.tolist()`` and iteration move the whole array to every
rank: by default one FallbackWarning per call site, ``"error"`` refuses on every
rank before any message, ``"allow"`` is silent.  ``nd.asnumpy``/``nd.gather``
are the explicit, silent ways.
"""

import io
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
import numpy_dist.distarray as _distarray
from numpy_dist import _implicit
from numpy_dist.testing import SHAPES_1D, SHAPES_2D, DIST_CASES, assert_all_ranks, distribute, rng_data

P = MPI.COMM_WORLD.Get_size()
CASES_2D = [(c, s) for c in DIST_CASES for s in SHAPES_2D]
CASES_1D = [(c, s) for c in DIST_CASES for s in SHAPES_1D if DIST_CASES[c](s, MPI.COMM_SELF) is not None
            or c == "replicated"]


@pytest.fixture(autouse=True)
def fresh_policy():
    """Each test starts in the default mode with no call site warned yet."""
    old = nd.set_fallback("warn")
    _implicit._warned_sites.clear()
    yield
    nd.set_fallback(old)
    _implicit._warned_sites.clear()


def _no_traffic(before: dict) -> bool:
    after = nd.comm_stats()
    return all(after[k] == before[k] for k in ("collectives", "control_collectives", "bytes_sent"))


@pytest.mark.parametrize("case, shape", CASES_2D)
def test_asarray_warns_once_per_call_site_and_gathers(case, shape):
    x = rng_data(shape)
    d = distribute(x, case)
    got = []
    with pytest.warns(nd.FallbackWarning, match=r"nd\.asnumpy\(d\)") as record:
        for _ in range(3):  # one call site: one warning
            got.append(np.asarray(d))
    assert len([w for w in record if issubclass(w.category, nd.FallbackWarning)]) == 1
    text = str(record[0].message)
    assert (f"ranks 0-{P - 1} each receive" if P > 1 else "rank 0 receives") in text
    assert f"{x.nbytes} bytes" in text or "KiB" in text
    assert record[0].filename == __file__  # the user's line, not numpy_dist's
    assert_all_ranks(all(np.array_equal(g, x) for g in got), "np.asarray(d) values differ")
    with pytest.warns(nd.FallbackWarning):
        other_site = np.array(d)  # another line: warned again
    assert_all_ranks(np.array_equal(other_site, x), "np.array(d) values differ")


@pytest.mark.parametrize("case, shape", CASES_2D)
def test_error_mode_refuses_everywhere_before_any_message(case, shape):
    x = rng_data(shape)
    d = distribute(x, case)
    nd.set_fallback("error")
    before = nd.comm_stats()
    for convert in (np.asarray, np.array, lambda a: a.tolist(), lambda a: np.asarray(a, dtype=np.float32)):
        with pytest.raises(nd.FallbackError, match=r"nd\.asnumpy"):
            convert(d)
    assert_all_ranks(_no_traffic(before), "the refusal communicated")
    # The explicit ways stay available and silent.
    assert_all_ranks(np.array_equal(nd.asnumpy(d), x), "asnumpy differs")
    g = nd.gather(d, root=0)
    assert_all_ranks(np.array_equal(g, x) if MPI.COMM_WORLD.rank == 0 else g is None, "gather differs")
    assert_all_ranks(np.array_equal(d.toarray(), x), "toarray differs")


@pytest.mark.parametrize("case, shape", CASES_2D)
def test_allow_mode_is_silent_and_counted(case, shape):
    x = rng_data(shape, dtype=np.int32)
    d = distribute(x, case)
    nd.set_fallback("allow")
    nd.reset_comm_stats()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = np.asarray(d)
        lst = d.tolist()
        f = np.asarray(d, dtype=np.float64)
    stats = nd.comm_stats()
    assert stats["implicit_gathers"] == 3 and stats["implicit_bytes"] == 3 * x.nbytes
    assert_all_ranks(np.array_equal(a, x) and a.dtype == x.dtype, "asarray differs")
    assert_all_ranks(lst == x.tolist(), "tolist differs")
    assert_all_ranks(np.array_equal(f, x) and f.dtype == np.float64, "dtype= differs")
    nd.reset_comm_stats()
    nd.asnumpy(d)
    nd.gather(d)
    assert nd.comm_stats()["implicit_gathers"] == 0 and nd.comm_stats()["implicit_bytes"] == 0


def test_copy_semantics_numpy2():
    x = rng_data((5, 3))
    d = distribute(x, "block")
    nd.set_fallback("allow")
    before = nd.comm_stats()
    # A gather always makes a new array: copy=False is impossible (NumPy 2 raises ValueError).
    with pytest.raises(ValueError, match="copy"):
        np.asarray(d, copy=False)
    with pytest.raises(ValueError, match="copy"):
        d.__array__(copy=False)
    assert_all_ranks(_no_traffic(before), "copy=False communicated")
    a = np.array(d, copy=True)
    a[...] = -1  # a copy: writing to it leaves d alone
    assert_all_ranks(np.array_equal(nd.asnumpy(d), x), "np.array(d) aliased the data")


@pytest.mark.parametrize("case, shape", CASES_1D + CASES_2D + [("block", (3, 4, 5)), ("grid_bc", (5, 2, 3))])
def test_iteration_matches_numpy(case, shape):
    x = rng_data(shape)
    d = distribute(x, case)
    nd.set_fallback("allow")
    rows = list(d)
    want = list(x)
    ok = len(rows) == len(want) and all(np.array_equal(r, w) and type(r) is type(w) for r, w in zip(rows, want))
    assert_all_ranks(ok, f"list(d) differs: {rows!r} != {want!r}")
    unpacked = [r for r in d]
    assert_all_ranks(len(unpacked) == shape[0], "for-loop length differs")


def test_iteration_of_a_0d_array_raises_like_numpy():
    z = nd.asarray(np.float64(2.5))
    with pytest.raises(TypeError, match="0-d"):
        iter(z)
    with pytest.raises(TypeError):
        iter(np.float64(2.5).reshape(()))  # NumPy's class, for the record
    with pytest.raises(TypeError):
        list(np.array(2.5))


def test_iteration_fetches_chunks_not_elements(monkeypatch):
    x = np.arange(1000.0)
    d = distribute(x, "cyclic")
    nd.set_fallback("allow")
    monkeypatch.setattr(_distarray, "_ITER_CHUNK_BYTES", 8 * 300)  # 300 elements a chunk: 4 chunks
    nd.reset_comm_stats()
    got = list(d)
    stats = nd.comm_stats()
    assert_all_ranks(np.array_equal(np.array(got), x), "chunked iteration differs")
    # A handful of collectives per chunk at most, never one per element.
    assert stats["collectives"] + stats["control_collectives"] <= (4 * 4 if P > 1 else 0), stats


def test_iteration_of_a_large_array_follows_the_policy(monkeypatch):
    d = distribute(rng_data((4, 2)), "block")
    nd.set_fallback("error")
    assert_all_ranks(len(list(d)) == 4, "small arrays (labels, a few rows) iterate without a word")
    monkeypatch.setattr(_implicit, "SMALL_ITERATION_BYTES", d.nbytes - 1)
    with pytest.raises(nd.FallbackError):
        list(d)
    nd.set_fallback("warn")
    with pytest.warns(nd.FallbackWarning, match="iterating"):
        first = next(iter(d))
    assert_all_ranks(first.shape == (2,), "first row shape")


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "replicated"])
def test_print0_prints_once_on_rank_0(case):
    x = rng_data((6, 4))
    d = distribute(x, case)
    out = io.StringIO()
    with redirect_stdout(out):
        nd.print0("d =", d, 3, sep="|", end="!\n")
    text = out.getvalue()
    if MPI.COMM_WORLD.rank == 0:
        assert_all_ranks(text == f"d =|{x}|3!\n", f"rank 0 printed {text!r}")
    else:
        assert_all_ranks(text == "", f"a rank other than 0 printed {text!r}")
    with pytest.raises(TypeError, match="unexpected"):
        nd.print0(d, colour="red")


def test_watchdog_names_the_rank_conditional_pattern():
    from numpy_dist.watchdog import _likely_cause

    for op in ("__repr__", "__str__", "asnumpy", "gather", "__array__", "print0"):
        assert "if rank == 0:" in _likely_cause(op)
    assert _likely_cause("numpy.sum") == ""
