"""Small NumPy functions: metadata queries never gather; elementwise helpers and views equal NumPy."""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_dist_equal, distribute

X = np.arange(24, dtype=np.float64).reshape(4, 6) - 7.5
Z = (X + 1j * X[::-1]).astype(np.complex128)
CASES = ["block", "cyclic", "unstructured", "grid_bb", "replicated"]

FUNCS = {
    "cumulative_sum": (lambda a: np.cumulative_sum(a, axis=1, include_initial=True), X),
    "cumulative_prod": (lambda a: np.cumulative_prod(a / 10, axis=0), X),
    "isposinf": (lambda a: np.isposinf(a / 0.0), X),
    "isneginf": (lambda a: np.isneginf(a / 0.0), X),
    "fix": (lambda a: np.fix(a / 3), X),
    "sinc": (lambda a: np.sinc(a / 7), X),
    "angle": (lambda a: np.angle(a, deg=True), Z),
    "real_if_close": (lambda a: np.real_if_close(a * 0 + 1 + 1e-20j), Z),
    "rot90": (lambda a: np.rot90(a), X),
    "rot90-3": (lambda a: np.rot90(a, 3), X),
    "hsplit": (lambda a: np.hsplit(a, 3)[1], X),
    "vsplit": (lambda a: np.vsplit(a, 2)[0], X),
    "ediff1d": (lambda a: np.ediff1d(a, to_begin=[-1.0], to_end=[9.0]), X),
    "rollaxis": (lambda a: np.rollaxis(a, 1), X),
    "unstack": (lambda a: np.unstack(a, axis=1)[2], X),
    "astype": (lambda a: np.astype(a, np.int16), X),
}


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("case", CASES)
def test_against_numpy(case, name):
    f, src = FUNCS[name]
    with np.errstate(all="ignore"):
        assert_dist_equal(f(distribute(src, case)), f(src))


def test_metadata_queries_move_nothing():
    d = distribute(X.astype(np.float32), "cyclic")
    nd.reset_comm_stats()
    assert np.result_type(d, 1.0) == np.result_type(X.astype(np.float32), 1.0)
    assert np.can_cast(d, np.float64) and not np.can_cast(d, np.int8)
    assert np.common_type(d) == np.common_type(X.astype(np.float32))
    assert np.min_scalar_type(d) == np.float32
    assert nd.comm_stats()["bytes_sent"] == 0
    v = d[1:]
    assert np.shares_memory(d, v) and not np.shares_memory(d, d.copy())


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
def test_cumulative_into_out_like_numpy(name):
    """Fuzz (as cumsum): cumulative_sum/prod write into ``out`` by NumPy's accumulate rule (an ``out`` of
    another shape accepted unless the accumulation is 1-d with one dtype throughout; an empty side skips
    the check), with include_initial into ``out[1:]`` then ``out[0]`` along the axis; DistArray and
    NumPy ``out`` alike; exception classes as NumPy's."""
    from mpi4py import MPI

    from numpy_dist.testing import assert_all_ranks

    f = getattr(np, name)
    items = [(np.array([5], np.uint32), np.zeros((13, 2), np.uint16), {}), (np.array([5], np.int16), np.zeros((2, 3)), {}),
             (np.array([5, 6], np.int16), np.zeros((3, 3)), {}), (np.array([5, 6], np.int16), np.zeros(3), {}),
             (np.array([5, 6]), np.zeros(3, int), {}), (np.array([[5]], np.int16), np.zeros((3, 1)), {"axis": 0}),
             (np.array([[1], [2]]), np.zeros((3, 3), int), {"axis": 0}), (np.array([[1], [2]]), np.zeros((3, 3, 2)), {"axis": 0}),
             (np.array([5.0]), np.zeros((13, 2)), {}), (np.array([5.0]), np.zeros(1), {}), (np.zeros(0), np.zeros(1), {}),
             (np.zeros(0, np.int8), np.zeros((1, 3)), {}), (np.arange(8.0).reshape(4, 2), np.zeros((5, 2)), {"axis": 0})]

    def outcome(x, out, kw):
        try:
            r = f(x, out=out, **kw)
        except Exception as exc:  # noqa: BLE001 - the class is what is compared
            return ("raises", type(exc).__name__)
        held = nd.asnumpy(out) if isinstance(out, nd.DistArray) else out
        return ("ok", r is out, held.dtype.str, repr(held.tolist()))

    for i, (x, out, kw) in enumerate(items):
        for initial in (False, True):
            for kind in ("dist", "numpy"):
                kw2 = dict(kw, include_initial=initial)
                want = outcome(x.copy(), out.copy(), kw2)
                o = distribute(out, CASES[i % len(CASES)]) if kind == "dist" else out.copy()
                got = outcome(distribute(x, "block"), o, kw2)
                everyone = MPI.COMM_WORLD.allgather(got)
                assert_all_ranks(all(g == everyone[0] for g in everyone), f"{i} {kw2} {kind}: ranks disagree")
                assert_all_ranks(got == want, f"{x.shape} {x.dtype} out={out.shape} {out.dtype} {kw2} {kind}: "
                                              f"NumPy {want}, DistArray {got}")


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated"])
def test_ediff1d_checks_like_numpy(case):
    """Fuzz: ediff1d subtracts (a bool array is NumPy's TypeError, even empty) and its ends must cast to
    the array's dtype under 'same_kind' (a float end for an integer array is a TypeError), as NumPy."""
    from mpi4py import MPI

    from numpy_dist.testing import assert_all_ranks

    def outcome(x, to_begin, to_end):
        try:
            r = np.ediff1d(x, to_end=to_end, to_begin=to_begin)
        except Exception as exc:  # noqa: BLE001 - the class is what is compared
            return ("raises", type(exc).__name__)
        r = nd.asnumpy(r) if isinstance(r, nd.DistArray) else r
        return ("ok", r.dtype.str, r.tolist())

    for x in [np.array([True, False, True]), np.zeros(0, bool), np.arange(5, dtype=np.uint8),
              np.arange(6.0).reshape(2, 3), np.arange(4, dtype=np.int16)]:
        for to_begin in [None, 1, 1.5, [1, 2], np.array([3], np.int64), True, -1]:
            for to_end in [None, 2.5, [7]]:
                want = outcome(x, to_begin, to_end)
                got = outcome(distribute(x, case), to_begin, to_end)
                everyone = MPI.COMM_WORLD.allgather(got)
                label = f"ediff1d({x.dtype} {x.shape}, to_begin={to_begin!r}, to_end={to_end!r})"
                assert_all_ranks(all(g == everyone[0] for g in everyone), f"{label}: ranks disagree")
                assert_all_ranks(got == want, f"{label}: NumPy {want}, DistArray {got}")


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated"])
def test_concatenate_axis_none_keeps_python_scalars_weak(case):
    """concatenate(axis=None) with Python scalars: NumPy keeps them weak (complex64 stays complex64, 300 wraps
    into int8)."""
    for x, s in [(np.zeros((), np.complex64), 1), (np.zeros(3, np.int8), 300), (np.zeros(2, np.float32), 1.5),
                 (np.zeros(2, np.float32), [1.5])]:
        d = distribute(x, case)
        want = np.concatenate((x, s), axis=None)
        got = np.concatenate((d, s), axis=None)
        assert_dist_equal(got, want)
