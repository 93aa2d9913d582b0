"""Differential tests of the polynomial functions (NumPy is the oracle).

polyval and numpy.polynomial.polynomial's polyval2d/polygrid2d over the
distribution cases x dtypes x shapes (empty, fewer points than ranks, uneven
blocks, inf/NaN points); polyfit with 1-d and 2-d y, weights, full, cov and
rank deficiency; the coefficient arithmetic (poly, polyadd ... roots) with
DistArray operands; bad arguments (same exception class).  Everything runs
with the fallback refused, so a remaining fallback fails.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from mpi4py import MPI
from numpy.polynomial import polynomial as P

import numpy_dist as nd
from numpy_dist.testing import (SHAPES_1D, SHAPES_2D, assert_all_ranks, assert_dist_equal, dist_cases, distribute,
                                rng_data)

from tests.dispatch._helpers import check, check_close, no_fallback, pick, run_subcases

COMM = MPI.COMM_WORLD
DTYPES = [np.bool_, np.int8, np.int64, np.float32, np.float64, np.complex128]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]


def points(shape, dt, seed, kind="plain"):
    x = rng_data(shape, dt, seed)
    if x.dtype.kind in "fc":
        x = x / 4  # keep powers moderate
        if x.size and kind == "nan":
            x.reshape(-1)[1::4] = np.nan
        elif x.size and kind == "inf":
            x.reshape(-1)[::5] = -np.inf
    return x


# --------------------------------------------------------------------------
# polyval
# --------------------------------------------------------------------------

COEFFS = {
    "list_int": [3, -1, 2],
    "int8": np.array([1, 2, -3, 4], np.int8),
    "float": np.array([0.5, -1.25, 2.0, 0.0, 3.0]),
    "float32": np.array([0.5, -1.5, 2.0], np.float32),
    "complex": np.array([1 + 2j, -0.5j, 3.0]),
    "empty": np.array([], np.float64),
    "one": np.array([7]),
    "poly1d": np.poly1d([2.0, -1.0, 0.5]),
}


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_polyval(dt):
    k = DTYPES.index(dt)
    items = [(shape, case, name, holder, kind) for shape in SHAPES_1D + SHAPES_2D + [()]
             for case in (dist_cases(len(shape)) if shape else ["replicated"]) for name in COEFFS
             for holder in ["numpy", "dist"] for kind in ["plain", "nan", "inf"]]

    def body(shape, case, name, holder, kind):
        x = points(shape, dt, 3, kind)
        p = COEFFS[name]
        dp = distribute(np.asarray(p), "cyclic") if holder == "dist" and name != "poly1d" else p
        with no_fallback():
            check(np.polyval, (p, x), (dp, distribute(x, case)))

    run_subcases(pick(items, k, 250), body)


def test_polyval_many_polynomials():
    """A 2-d p evaluates one polynomial per column, broadcast against the points' last axis."""
    x = points((13, 1), np.float64, 4)
    p = rng_data((4, 3), np.float64, 5)
    x3 = points((5, 3), np.float64, 6)
    items = [(case, holder) for case in dist_cases(2) for holder in ["numpy", "dist"]]

    def body(case, holder):
        dp = distribute(p, "block") if holder == "dist" else p
        with no_fallback():
            check(np.polyval, (p, x), (dp, distribute(x, case)))
            check(np.polyval, (p, x3), (dp, distribute(x3, case)))
            check(np.polyval, (p, x[:4, 0]), (dp, distribute(x[:4, 0], case if case in dist_cases(1) else "block")))

    run_subcases(items, body)


def test_polyval_errors_and_poly1d_points():
    x = points((7,), np.float64, 1)
    items = [(case,) for case in dist_cases(1)]

    def body(case):
        dx = distribute(x, case)
        with no_fallback():
            check(np.polyval, (np.float64(2.0), x), (np.float64(2.0), dx))  # a 0-d p is not iterable
            check(np.polyval, (np.ones((3, 4)), x), (distribute(np.ones((3, 4)), "block"), dx))  # no broadcast
            q = np.poly1d([1.0, 2.0])
            actual = np.polyval(distribute(np.array([1.0, 0.0, 3.0]), case), q)
            assert_all_ranks(isinstance(actual, np.poly1d) and actual == np.polyval([1.0, 0.0, 3.0], q))
            check(np.polyval, (x, [1.5, 2]), (dx, [1.5, 2]))  # points held whole: a replicated result

    run_subcases(items, body)


def test_polyval_sends_nothing():
    x = distribute(points((4000,), np.float64, 2), "block")
    np.polyval([1.0, 2.0, 3.0], x)
    nd.reset_comm_stats()
    np.polyval([1.0, 2.0, 3.0], x)
    sent = nd.comm_stats()["bytes_sent"]
    assert_all_ranks(sent == 0, f"polyval sent {sent} bytes")


# --------------------------------------------------------------------------
# polyfit
# --------------------------------------------------------------------------

FIT_KWARGS = {
    "plain": {},
    "full": {"full": True},
    "cov": {"cov": True},
    "unscaled": {"cov": "unscaled"},
    "w": {"w": "w"},
    "w_full": {"w": "w", "full": True},
    "w_cov": {"w": "w", "cov": True},
    "rcond": {"rcond": 1e-3, "full": True},
}


def _fit_data(m, k, dt, seed):
    x = np.linspace(-1.5, 2.0, m) if dt not in (np.int8, np.int64) else np.arange(m) - m // 3
    x = np.asarray(x).astype(dt)
    if np.dtype(dt).kind == "c":
        x = x + 0.25j * np.cos(np.arange(m))
    base = 1.0 - 2.0 * x + 0.5 * x ** 2 + 0.1 * np.sin(3 * np.arange(m))
    y = base if k is None else np.stack([base * (j + 1) + j for j in range(k)], axis=1)
    w = 0.5 + (np.arange(m) % 4) / 3
    return x, np.asarray(y), w


def _fit_holders(x, y, w, case, holder, ycase=None):
    """DistArray operands of polyfit: all of them, or only x, y or w (the others NumPy)."""
    ycase = ycase or (case if case in dist_cases(np.ndim(y)) else "block")
    dx = distribute(x, case) if holder in ("all", "x") else x
    dy = distribute(y, ycase) if holder in ("all", "y") else y
    dw = distribute(w, "cyclic" if holder == "all" else case) if holder in ("all", "w") else w
    return dx, dy, dw


@pytest.mark.parametrize("dt", [np.int64, np.float32, np.float64, np.complex128], ids=["int64", "float32", "float64",
                                                                                      "complex128"])
def test_polyfit(dt):
    k = [np.int64, np.float32, np.float64, np.complex128].index(dt)
    items = [(m, ncols, deg, case, holder, name) for m in [1, 3, 9, 40] for ncols in [None, 1, 3]
             for deg in [0, 1, 3] for case in dist_cases(1) for holder in ["all", "x", "y"] for name in FIT_KWARGS]
    rtol = 2e-4 if dt == np.float32 else 1e-8

    def body(m, ncols, deg, case, holder, name):
        if name == "unscaled" and m <= deg + 1:
            return  # the inverse of a singular Gram matrix: rounding noise of size 1e14 in NumPy too
        x, y, w = _fit_data(m, ncols, dt, 1)
        dx, dy, dw = _fit_holders(x, y, w, case, holder)
        kw = dict(FIT_KWARGS[name])
        np_kw, d_kw = dict(kw), dict(kw)
        if "w" in kw:
            np_kw["w"], d_kw["w"] = w, dw
        with no_fallback():
            check_close(lambda a, b, kw: np.polyfit(a, b, deg, **kw), (x, y, np_kw), (dx, dy, d_kw), rtol, rtol * 1e-2)

    run_subcases(pick(items, k, 220), body)


def test_polyfit_layouts():
    """x, y and w in different layouts (2-d y on process grids, weights alone distributed): the rows move."""
    x, y, w = _fit_data(23, 4, np.float64, 5)
    items = [(case, ycase, holder) for case in dist_cases(1) for ycase in dist_cases(2)
             for holder in ["all", "y", "w"]]

    def body(case, ycase, holder):
        dx, dy, dw = _fit_holders(x, y, w, case, holder, ycase)
        with no_fallback():
            check_close(lambda a, b, c: np.polyfit(a, b, 2, w=c, cov=True), (x, y, w), (dx, dy, dw), 1e-8, 1e-10)
            check_close(lambda a, b, c: np.polyfit(a, b, 3, w=c, full=True), (x, y[:, 1], w), (dx, dy[:, 1], dw),
                        1e-8, 1e-10)

    run_subcases(pick(items, 0, 60), body)


def test_polyfit_nonfinite_data():
    x, y, _ = _fit_data(11, None, np.float64, 2)
    items = [(case, where, bad) for case in dist_cases(1) for where in ["x", "y"] for bad in [np.nan, np.inf]]

    def body(case, where, bad):
        xs, ys = x.copy(), y.copy()
        (xs if where == "x" else ys)[4] = bad
        with no_fallback(), warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.RankWarning)
            check(lambda a, b: np.polyfit(a, b, 2), (xs, ys), (distribute(xs, case), distribute(ys, case)))

    run_subcases(items, body)


def test_polyfit_rank_warning():
    """Rank-deficient fits warn on every rank alike (and not with full=True)."""
    x = np.repeat([1.0, 2.0], 6)
    y = np.arange(12.0)
    items = [(case,) for case in dist_cases(1)]

    def body(case):
        dx, dy = distribute(x, case), distribute(y, case)
        with no_fallback():
            with pytest.warns(np.exceptions.RankWarning):
                expected = np.polyfit(x, y, 3)
            with pytest.warns(np.exceptions.RankWarning):
                actual = np.polyfit(dx, dy, 3)
            assert_dist_equal(actual, expected, rtol=1e-8, atol=1e-10)
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.RankWarning)
                got, expect = np.polyfit(dx, dy, 3, full=True), np.polyfit(x, y, 3, full=True)
            assert_all_ranks(got[2] == expect[2], f"rank {got[2]} != {expect[2]}")

    run_subcases(items, body)


FIT_ERRORS = {
    "negative_deg": lambda x, y, w: np.polyfit(x, y, -1),
    "x_2d": lambda x, y, w: np.polyfit(x.reshape(-1, 1), y, 1),
    "x_empty": lambda x, y, w: np.polyfit(x[:0], y[:0], 1),
    "y_3d": lambda x, y, w: np.polyfit(x, y.reshape(-1, 1, 1), 1),
    "length": lambda x, y, w: np.polyfit(x[:-1], y, 1),
    "w_2d": lambda x, y, w: np.polyfit(x, y, 1, w=w.reshape(-1, 1)),
    "w_length": lambda x, y, w: np.polyfit(x, y, 1, w=w[:-1]),
    "w_complex": lambda x, y, w: np.polyfit(x, y, 1, w=w * 1j),
    "cov_too_few": lambda x, y, w: np.polyfit(x[:3], y[:3], 3, cov=True),
    "deg_string": lambda x, y, w: np.polyfit(x, y, "a"),
}


@pytest.mark.parametrize("name", list(FIT_ERRORS))
def test_polyfit_bad_arguments(name):
    x, y, w = _fit_data(8, None, np.float64, 3)
    items = [(case, holder) for case in dist_cases(1) for holder in ["all", "x", "y"]]

    def body(case, holder):
        with no_fallback(), warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.RankWarning)
            check(FIT_ERRORS[name], (x, y, w), _fit_holders(x, y, w, case, holder))

    run_subcases(items, body)


# --------------------------------------------------------------------------
# Coefficient arithmetic
# --------------------------------------------------------------------------

SMALL = {
    "int": np.array([1, -2, 3]),
    "float": np.array([0.5, 2.0, -1.0, 4.0]),
    "complex": np.array([1j, 2.0, -1.0 + 1j]),
    "lead_zero": np.array([0.0, 0.0, 1.0, -3.0]),
    "one": np.array([2.5]),
}

BINARY = {"polyadd": np.polyadd, "polysub": np.polysub, "polymul": np.polymul, "polydiv": np.polydiv}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_coefficient_arithmetic(name):
    f = BINARY[name]
    items = [(a, b, case, holders) for a in SMALL for b in SMALL for case in dist_cases(1)
             for holders in ["both", "first", "second", "poly1d"]]

    def body(a, b, case, holders):
        u, v = SMALL[a], SMALL[b]
        du = distribute(u, case) if holders in ("both", "first", "poly1d") else u
        dv = distribute(v, case) if holders in ("both", "second") else (np.poly1d(v) if holders == "poly1d" else v)
        nv = np.poly1d(v) if holders == "poly1d" else v
        with no_fallback():
            if holders == "poly1d":
                actual, expected = f(du, dv), f(u, nv)
                pairs = zip(actual, expected) if isinstance(expected, tuple) else [(actual, expected)]
                assert_all_ranks(all(isinstance(g, np.poly1d) and np.allclose(g.coeffs, e.coeffs) for g, e in pairs))
            else:
                check(f, (u, v), (du, dv))

    run_subcases(pick(items, 0, 200), body)


def test_polyder_polyint():
    items = [(name, case, m) for name in SMALL for case in dist_cases(1) for m in [-1, 0, 1, 2, 5]]

    def body(name, case, m):
        p = SMALL[name]
        dp = distribute(p, case)
        with no_fallback():
            check(lambda q: np.polyder(q, m), (p,), (dp,))
            check(lambda q: np.polyint(q, m), (p,), (dp,))
            check(lambda q: np.polyint(q, m, k=[1.5, -2.0, 3.0]), (p,), (dp,))
            check(lambda q: np.polyint(q, m, k=[1.0] * max(m - 1, 0) if m > 2 else [4.0]), (p,), (dp,))

    run_subcases(items, body)


def test_roots_and_poly():
    """NumPy's roots and poly dispatch on the items of their argument: lists of DistArrays reach them."""
    rng = np.random.default_rng(8)
    matrix = rng.standard_normal((4, 4))
    symmetric = matrix + matrix.T
    items = [(case,) for case in dist_cases(1)]

    def body(case):
        with no_fallback():
            for coeffs in ([1.0, -3.0, 2.0], [0.0, 2.0, 0.0, -8.0, 0.0, 0.0], [1, 0, 1], [5.0], [0.0, 0.0],
                           [1 + 1j, 2.0, -1j]):
                check(np.roots, ([np.asarray(c) for c in coeffs],),
                      ([distribute(np.asarray(c), "replicated") for c in coeffs],), rtol=1e-9)
            check(np.roots, ([np.ones(2)],), ([distribute(np.ones(2), case)],))  # not rank-1: ValueError
            for a in (matrix, symmetric, np.eye(3)):
                check(np.poly, (list(a),), ([distribute(row, case) for row in a],), rtol=1e-9)
            check(np.poly, ([np.array([1.0, 2.0])],), ([distribute(np.array([1.0, 2.0]), case)],))

    run_subcases(items, body)


def test_poly_of_nonfinite_matrix():
    a = np.eye(3)
    a[1, 1] = np.nan
    with no_fallback():
        check(np.poly, (list(a),), ([distribute(row, "block") for row in a],))  # LinAlgError on every rank


# --------------------------------------------------------------------------
# polyval2d, polygrid2d
# --------------------------------------------------------------------------

C2 = {
    "2d": np.arange(6.0).reshape(2, 3) - 2,
    "int": np.array([[1, 2], [3, -4]]),
    "3d": np.arange(24.0).reshape(3, 4, 2) / 7,
    "complex": np.array([[1j, 2.0], [0.5, -1.0]]),
}


@pytest.mark.parametrize("dt", [np.int64, np.float64, np.complex128], ids=["int64", "float64", "complex128"])
def test_polyval2d(dt):
    items = [(shape, case, cname, holder, kind) for shape in SHAPES_1D + SHAPES_2D for case in dist_cases(len(shape))
             for cname in C2 for holder in ["both", "x", "y", "c", "mixed"] for kind in ["plain", "inf"]]

    def body(shape, case, cname, holder, kind):
        x, y = points(shape, dt, 1, kind), points(shape, dt, 2)
        c = C2[cname]
        dx = distribute(x, case) if holder in ("both", "x", "c", "mixed") else x
        dy = distribute(y, case) if holder in ("both", "y", "c") else y
        if holder == "mixed":  # y laid out otherwise: moved to x's layout
            dy = distribute(y, "block" if case != "block" else "replicated")
        dc = distribute(c, "block") if holder == "c" else c
        with no_fallback():
            check(P.polyval2d, (x, y, c), (dx, dy, dc))

    run_subcases(pick(items, [np.int64, np.float64, np.complex128].index(dt), 200), body)


@pytest.mark.parametrize("dt", [np.int64, np.float64, np.complex128], ids=["int64", "float64", "complex128"])
def test_polygrid2d(dt):
    yshapes = [(0,), (4,), (2, 3)]
    items = [(shape, yshape, case, cname, holder) for shape in SHAPES_1D + SHAPES_2D for yshape in yshapes
             for case in dist_cases(len(shape)) for cname in C2 for holder in ["both", "x", "y"]]

    def body(shape, yshape, case, cname, holder):
        x, y = points(shape, dt, 1), points(yshape, dt, 2, "inf")
        c = C2[cname]
        ycase = case if case in dist_cases(len(yshape)) else "block"
        dx = distribute(x, case) if holder in ("both", "x") else x
        dy = distribute(y, ycase) if holder in ("both", "y") else y
        with no_fallback():
            check(P.polygrid2d, (x, y, c), (dx, dy, c))
            check(P.polygrid2d, (x, y, c), (dx, dy, distribute(c, "cyclic")))

    run_subcases(pick(items, [np.int64, np.float64, np.complex128].index(dt), 200), body)


def test_polyval2d_errors_and_small_coefficients():
    x, y = points((9,), np.float64, 1), points((9,), np.float64, 2)
    items = [(case,) for case in dist_cases(1)]

    def body(case):
        dx, dy = distribute(x, case), distribute(y, case)
        with no_fallback():
            check(P.polyval2d, (x, y[:-1], C2["2d"]), (dx, dy[:-1], C2["2d"]))  # x, y are incompatible
            check(P.polyval2d, (1.5, 2.0, C2["3d"]), (1.5, 2.0, distribute(C2["3d"], case)))
            check(P.polygrid2d, (1.5, y, C2["2d"]), (1.5, dy, C2["2d"]))
            with pytest.raises(nd.FallbackError):  # a 1-d c mixes the points: the announced fallback
                P.polyval2d(dx, dy, [1.0, 2.0])
        old = nd.set_fallback("allow")
        try:
            check(P.polyval2d, (x, y, [1.0, 2.0]), (dx, dy, [1.0, 2.0]))
            check(P.polygrid2d, (x, y, [1.0, 2.0]), (dx, dy, [1.0, 2.0]))
        finally:
            nd.set_fallback(old)

    run_subcases(items, body)


def test_coverage_native():
    native = set(nd.coverage()["native"])
    names = ["numpy.poly", "numpy.polyadd", "numpy.polyder", "numpy.polydiv", "numpy.polyfit", "numpy.polyint",
             "numpy.polymul", "numpy.polysub", "numpy.polyval", "numpy.roots",
             "numpy.polynomial.polynomial.polyval2d", "numpy.polynomial.polynomial.polygrid2d"]
    assert not [n for n in names if n not in native]
