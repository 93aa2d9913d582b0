"""Differential tests of the signal functions (NumPy is the oracle).

convolve, correlate, sliding_window_view, gradient, trapezoid and unwrap over the
distribution cases x dtypes x shapes (size 0, fewer elements than ranks, uneven
blocks) x keywords, with NaN/inf data and bad arguments (same exception class);
plus: none of them falls back, and a small kernel moves only halo bytes.
"""

from __future__ import annotations


import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import signals
from numpy_dist.testing import (SHAPES_1D, SHAPES_2D, SHAPES_3D, assert_all_ranks, assert_dist_equal, dist_cases,
                                distribute, rng_data)

from tests.dispatch._helpers import check, no_fallback, pick, run_subcases

COMM = MPI.COMM_WORLD
swv = np.lib.stride_tricks.sliding_window_view
DTYPES = [np.bool_, np.int64, np.float32, np.float64, np.complex128]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]
SHAPES = SHAPES_1D + SHAPES_2D + SHAPES_3D


def data(shape, dt, seed, kind="plain"):
    x = rng_data(shape, dt, seed)
    if x.size and x.dtype.kind in "fc":
        if kind == "nan":
            x.reshape(-1)[1::4] = np.nan
        elif kind == "inf":
            x.reshape(-1)[::5] = np.inf
            x.reshape(-1)[2::7] = -np.inf
    return x


def rtol_for(*dts):
    return 1e-4 if any(np.dtype(d) == np.float32 for d in dts) else None


# --------------------------------------------------------------------------
# convolve / correlate
# --------------------------------------------------------------------------

CONV_LENGTHS = [(0, 3), (1, 1), (3, 4), (10, 1), (10, 4), (17, 5), (4, 12), (17, 17), (2, 9)]
MODES = ["full", "same", "valid"]
PLACEMENTS = ["dist_a", "dist_v", "dist_both"]


def _placed(a, v, case, placement):
    if placement == "dist_a":
        return distribute(a, case), v
    if placement == "dist_v":
        return a, distribute(v, case)
    return distribute(a, case), distribute(v, "block")


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("f", [np.convolve, np.correlate], ids=["convolve", "correlate"])
def test_convolve_correlate(f, dt):
    k = DTYPES.index(dt)
    items = [(n, m, case, mode, placement, kind)
             for n, m in CONV_LENGTHS for case in dist_cases(1) for mode in MODES for placement in PLACEMENTS
             for kind in ["plain", "nan"]]

    def body(n, m, case, mode, placement, kind):
        a, v = data((n,), dt, n + 7 * m, kind), data((m,), np.float64 if dt == np.bool_ else dt, m)
        with no_fallback():
            check(lambda x, y: f(x, y, mode), (a, v), _placed(a, v, case, placement), rtol=rtol_for(dt))

    run_subcases(pick(items, k, 90), body)


@pytest.mark.parametrize("f", [np.convolve, np.correlate], ids=["convolve", "correlate"])
def test_convolve_long_distributed_kernel(f, monkeypatch):
    """An integer DistArray kernel longer than SMALL_KERNEL is streamed in chunks (exact), never gathered."""
    monkeypatch.setattr(signals, "SMALL_KERNEL", 3)
    items = [(n, m, case, mode) for n, m in [(10, 4), (17, 12), (5, 17), (9, 9)] for case in dist_cases(1)
             for mode in MODES]

    def body(n, m, case, mode):
        a, v = data((n,), np.int64, n), data((m,), np.int64, m)
        with no_fallback():
            check(lambda x, y: f(x, y, mode), (a, v), (distribute(a, case), distribute(v, "cyclic")))

    run_subcases(pick(items, 0, 60), body)


@pytest.mark.parametrize("f", [np.convolve, np.correlate], ids=["convolve", "correlate"])
def test_convolve_long_operands_by_fft(f, monkeypatch):
    """Two long DistArrays of an inexact dtype are convolved by distributed FFTs: equal to NumPy's direct sums
    within FFT rounding (relative to the magnitudes), never gathered."""
    monkeypatch.setattr(signals, "SMALL_KERNEL", 3)
    items = [(n, m, case, mode, dt) for n, m in [(10, 4), (17, 12), (5, 17), (40, 31)] for case in dist_cases(1)
             for mode in MODES for dt in [np.float64, np.float32, np.complex128]]

    def body(n, m, case, mode, dt):
        a, v = data((n,), dt, n), data((m,), dt, m)
        want = f(a, v, mode)
        with no_fallback():
            got = f(distribute(a, case), distribute(v, "cyclic"), mode)
        eps = np.finfo(dt).eps
        scale = float(np.abs(a).sum() * np.abs(v).max()) * eps * 16 * np.log2(n + m)
        assert_dist_equal(got, want, rtol=0, atol=scale)
        if dt == np.complex128:
            return  # (which non-finite complex value a sum with infinities gives depends on its grouping)
        a[n // 2] = np.inf  # non-finite operands stay direct: NumPy's pattern of inf and NaN
        with no_fallback():
            check(lambda x, y: f(x, y, mode), (a, v), (distribute(a, case), distribute(v, "cyclic")))

    run_subcases(pick(items, 0, 60), body)


@pytest.mark.parametrize("f", [np.convolve, np.correlate], ids=["convolve", "correlate"])
def test_convolve_bad_arguments(f):
    cases = [(np.arange(5.0), np.arange(3.0), "middle"), (np.arange(0.0), np.arange(3.0), "full"),
             (np.arange(4.0), np.arange(0.0), "valid"), (np.ones((2, 3)), np.arange(3.0), "full"),
             (np.arange(4.0), np.ones((2, 2)), "same"), (np.arange(4.0), np.arange(2.0), 7)]
    items = [(i, case) for i in range(len(cases)) for case in ["block", "uneven", "replicated"]]

    def body(i, case):
        a, v, mode = cases[i]
        check(lambda x, y: f(x, y, mode), (a, v), (distribute(a, case), v))
        check(lambda x, y: f(x, y, mode), (a, v), (a, distribute(v, case)))

    run_subcases(items, body)


def test_convolve_moves_only_halo_bytes():
    """A kernel of m elements costs each rank m - 1 elements (plus their positions), not its block."""
    n, m = 40000, 5
    a = distribute(np.arange(n, dtype=np.float64), "block")
    kernel = np.ones(m)
    np.convolve(a, kernel)  # warm the plan caches
    nd.reset_comm_stats()
    np.convolve(a, kernel, "same")
    sent = nd.comm_stats()["bytes_sent"]
    assert_all_ranks(sent <= (m - 1) * 16 + 64, f"convolve sent {sent} bytes")
    nd.reset_comm_stats()
    swv(a, m)
    sent = nd.comm_stats()["bytes_sent"]
    assert_all_ranks(sent <= (m - 1) * 16 + 64, f"sliding_window_view sent {sent} bytes")


# --------------------------------------------------------------------------
# sliding_window_view
# --------------------------------------------------------------------------

WINDOWS = [(1, 0), (2, 0), (3, -1), ((2, 2), None), ((2, 2), (0, 0)), ((1, 2), (0, 1)), (5, 0), ((2, 3), (-1, 0)),
           (-1, 0), ((2,), (0, 1)), (2, 3), (20, 0)]


def test_sliding_window_view():
    items = [(shape, case, i) for shape in SHAPES for case in dist_cases(len(shape)) for i in range(len(WINDOWS))]

    def body(shape, case, i):
        window, axis = WINDOWS[i]
        x = data(shape, np.int64, 3)
        with no_fallback():
            check(lambda y: swv(y, window, axis), (x,), (distribute(x, case),))

    run_subcases(pick(items, 0, 250), body)


def test_sliding_window_view_flags():
    d = distribute(np.arange(10.0), "block")
    view = swv(d, 3)
    assert_all_ranks(not view.local.flags.writeable, "a read-only view by default")
    writable = swv(d, 3, writeable=True)
    assert_all_ranks(writable.local.flags.writeable or writable.local.size == 0, "writeable=True")


# --------------------------------------------------------------------------
# gradient
# --------------------------------------------------------------------------

GRADIENT_CALLS = {
    "default": lambda f: np.gradient(f),
    "edge2": lambda f: np.gradient(f, edge_order=2),
    "axis0": lambda f: np.gradient(f, axis=0),
    "axis-1_edge2": lambda f: np.gradient(f, axis=-1, edge_order=2),
    "scalar_dx": lambda f: np.gradient(f, 0.5),
    "bad_axis": lambda f: np.gradient(f, axis=7),
    "bad_edge": lambda f: np.gradient(f, edge_order=3),
    "bad_nargs": lambda f: np.gradient(f, 1.0, 2.0, 3.0, 4.0),
}


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_gradient(dt):
    k = DTYPES.index(dt)
    items = [(shape, case, name, kind) for shape in SHAPES for case in dist_cases(len(shape))
             for name in GRADIENT_CALLS for kind in ["plain", "nan", "inf"]]

    def body(shape, case, name, kind):
        x = data(shape, dt, 5, kind)
        with no_fallback():
            check(GRADIENT_CALLS[name], (x,), (distribute(x, case),), rtol=rtol_for(dt))

    run_subcases(pick(items, k, 160), body)


@pytest.mark.parametrize("coords", ["uneven", "even", "int", "short", "2d"])
def test_gradient_coordinates(coords):
    """1-d coordinate arrays (NumPy and DistArray, evenly and unevenly spaced), and their errors."""
    items = [(shape, case, dt, edge, holder) for shape in [(1,), (2,), (3,), (10,), (17,), (7, 4), (13, 6)]
             for case in dist_cases(len(shape)) for dt in [np.float64, np.bool_, np.int64] for edge in (1, 2)
             for holder in ["numpy", "dist"]]

    def body(shape, case, dt, edge, holder):
        n = shape[0]
        c = {"uneven": np.cumsum(np.arange(n) + 1.0) ** 1.1, "even": np.arange(n) * 0.25,
             "int": np.arange(n) * 3, "short": np.arange(max(n - 1, 0)) * 1.0, "2d": np.ones((n, 2))}[coords]
        x = data(shape, dt, 9)
        dc = distribute(c, "cyclic") if holder == "dist" else c
        with no_fallback():
            check(lambda f, s: np.gradient(f, s, axis=0, edge_order=edge), (x, c), (distribute(x, case), dc))

    run_subcases(pick(items, 0, 120), body)


def test_gradient_every_axis_coordinates():
    x = data((7, 5), np.float64, 1)
    c0, c1 = np.cumsum(np.arange(7) + 1.0) ** 1.2, np.linspace(0, 1, 5)
    items = [(case,) for case in dist_cases(2)]

    def body(case):
        with no_fallback():
            check(lambda f: np.gradient(f, c0, c1), (x,), (distribute(x, case),))
            check(lambda f: np.gradient(f, 2.0, c1, edge_order=2), (x,), (distribute(x, case),))

    run_subcases(items, body)


# --------------------------------------------------------------------------
# trapezoid
# --------------------------------------------------------------------------

TRAPEZOID_CALLS = {
    "default": lambda y: np.trapezoid(y),
    "axis0": lambda y: np.trapezoid(y, axis=0),
    "dx": lambda y: np.trapezoid(y, dx=0.5, axis=-1),
    "x_1d": lambda y: np.trapezoid(y, np.cumsum(np.arange(y.shape[0]) + 1.0) ** 1.1, axis=0),
    "x_dist_1d": lambda y: np.trapezoid(y, _maybe_dist(np.linspace(0, 3, y.shape[0]) ** 2, y), axis=0),
    "x_same": lambda y: np.trapezoid(y, y.astype(np.float64) ** 2, axis=0),
    "x_broadcast": lambda y: np.trapezoid(y, np.arange(2.0), axis=0),
    "dx_array": lambda y: np.trapezoid(y, dx=np.full(max(y.shape[-1] - 1, 0), 0.5)),
    "bad_axis": lambda y: np.trapezoid(y, axis=4),
}


def _maybe_dist(x, like):
    return distribute(x, "cyclic") if isinstance(like, nd.DistArray) else x


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_trapezoid(dt):
    k = DTYPES.index(dt)
    items = [(shape, case, name, kind) for shape in SHAPES for case in dist_cases(len(shape))
             for name in TRAPEZOID_CALLS for kind in ["plain", "nan", "inf"]]

    def body(shape, case, name, kind):
        y = data(shape, dt, 11, kind)
        with no_fallback():
            check(TRAPEZOID_CALLS[name], (y,), (distribute(y, case),), rtol=rtol_for(dt) or 1e-9)

    run_subcases(pick(items, k, 160), body)


# --------------------------------------------------------------------------
# unwrap
# --------------------------------------------------------------------------

UNWRAP_CALLS = {
    "default": lambda p: np.unwrap(p),
    "axis0": lambda p: np.unwrap(p, axis=0),
    "discont": lambda p: np.unwrap(p, discont=1.0),
    "period_int": lambda p: np.unwrap(p, period=6),
    "period_float": lambda p: np.unwrap(p, period=7.5, axis=-1),
    "bad_axis": lambda p: np.unwrap(p, axis=4),
}


@pytest.mark.parametrize("dt", [np.bool_, np.int64, np.float32, np.float64],
                         ids=["bool", "int64", "float32", "float64"])
def test_unwrap(dt):
    items = [(shape, case, name, kind) for shape in SHAPES for case in dist_cases(len(shape))
             for name in UNWRAP_CALLS for kind in ["plain", "nan", "inf"]]

    def body(shape, case, name, kind):
        p = data(shape, dt, 13, kind)
        with no_fallback():
            check(UNWRAP_CALLS[name], (p,), (distribute(p, case),), rtol=rtol_for(dt) or 1e-9)

    run_subcases(pick(items, 0, 160), body)


def test_unwrap_keeps_negative_zero_first():
    p = np.array([-0.0, 7.0, 0.5, 13.0])
    items = [(case,) for case in dist_cases(1)]

    def body(case):
        got = nd.asnumpy(np.unwrap(distribute(p, case)))
        assert np.signbit(got[0]) and np.allclose(got, np.unwrap(p))

    run_subcases(items, body)


def test_statistics_and_signals_are_native():
    """Issue 18's "statistics and signals" part: none of these is a fallback any more."""
    names = ["numpy.cov", "numpy.corrcoef", "numpy.gradient", "numpy.convolve", "numpy.correlate", "numpy.interp",
             "numpy.trapezoid", "numpy.unwrap", "numpy.lib.stride_tricks.sliding_window_view",
             "numpy.apply_along_axis", "numpy.apply_over_axes"]
    native = set(nd.coverage()["native"])
    missing = [n for n in names if n not in native]
    assert_all_ranks(not missing, f"still fallbacks: {missing}")
