"""Differential tests of cov, corrcoef, interp, apply_along_axis and apply_over_axes (NumPy is the oracle).

Over the distribution cases x dtypes x shapes (size 0, fewer elements than
ranks, uneven blocks) x every keyword, with NaN/inf data and bad arguments
(same exception class); plus: none of them falls back, and cov sends only its
small partial moments.
"""

from __future__ import annotations


import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import statistics
from numpy_dist.testing import (SHAPES_1D, SHAPES_2D, SHAPES_3D, assert_all_ranks, dist_cases,
                                distribute, rng_data)

from tests.dispatch._helpers import check, check_close, no_fallback, pick, run_subcases

COMM = MPI.COMM_WORLD
DTYPES = [np.bool_, np.int64, np.float32, np.float64, np.complex128]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]


def data(shape, dt, seed, kind="plain"):
    x = rng_data(shape, dt, seed)
    if x.size and x.dtype.kind in "fc":
        if kind == "nan":
            x.reshape(-1)[1::4] = np.nan
        elif kind == "inf":
            x.reshape(-1)[::5] = np.inf
    return x


# --------------------------------------------------------------------------
# cov, corrcoef
# --------------------------------------------------------------------------


def _observations(shape, rowvar):
    return shape[0] if len(shape) == 1 else shape[1 if rowvar else 0]


COV_KWARGS = {
    "default": {},
    "rowvar_false": {"rowvar": False},
    "bias": {"bias": True},
    "ddof3": {"ddof": 3},
    "ddof_float": {"ddof": 2.0},
    "dtype32": {"dtype": np.float32},
    "dtype_c": {"dtype": np.complex64},
    "fweights": {"fweights": "f"},
    "aweights": {"aweights": "a"},
    "both_ddof2": {"fweights": "f", "aweights": "a", "ddof": 2},
    "both_bias": {"fweights": "f", "aweights": "a", "bias": True},
    "aweights_rowvar_false": {"aweights": "a", "rowvar": False},
    "y": {"y": "y"},
    "y_rowvar_false": {"y": "y", "rowvar": False},
}


def _cov_args(name, shape, holder):
    """NumPy kwargs and the same with weights / y as DistArrays (``holder == 'dist'``)."""
    kw = dict(COV_KWARGS[name])
    n = _observations(shape, kw.get("rowvar", True))
    np_kw, d_kw = dict(kw), dict(kw)
    for key, make in [("fweights", lambda: np.arange(n) % 3), ("aweights", lambda: np.linspace(0.5, 2.0, n))]:
        if key in kw:
            w = make()
            np_kw[key] = w
            d_kw[key] = distribute(w, "cyclic") if holder == "dist" else w
    if "y" in kw:
        y = rng_data(shape, np.float64, 99)
        np_kw["y"] = y
        d_kw["y"] = distribute(y, "block") if holder == "dist" else y
    return np_kw, d_kw


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_cov(dt):
    k = DTYPES.index(dt)
    items = [(shape, case, name, holder, kind) for shape in SHAPES_1D + SHAPES_2D for case in dist_cases(len(shape))
             for name in COV_KWARGS for holder in ["numpy", "dist"] for kind in ["plain", "nan", "inf"]]

    def body(shape, case, name, holder, kind):
        x = data(shape, dt, 3, kind)
        np_kw, d_kw = _cov_args(name, shape, holder)
        single = dt == np.float32 or name.startswith("dtype")
        with no_fallback():
            check_close(lambda m, kw: np.cov(m, **kw), (x, np_kw), (distribute(x, case), d_kw),
                        rtol=1e-4 if single else 1e-9, atol=1e-3 if single else 1e-9)

    run_subcases(pick(items, k, 200), body)


COV_ERRORS = {
    "ddof_fraction": (lambda m, w: np.cov(m, ddof=1.5)),
    "3d": (lambda m, w: np.cov(m.reshape(m.shape + (1,)))),
    "fweights_fraction": (lambda m, w: np.cov(m, fweights=w * 0.5 + 0.25)),
    "fweights_negative": (lambda m, w: np.cov(m, fweights=w - 2)),
    "fweights_length": (lambda m, w: np.cov(m, fweights=w[:-1])),
    "aweights_negative": (lambda m, w: np.cov(m, aweights=w - 2.0)),
    "aweights_2d": (lambda m, w: np.cov(m, aweights=w.reshape(1, -1))),
    "zero_weights": (lambda m, w: np.cov(m, aweights=w * 0)),
    "y_mismatch": (lambda m, w: np.cov(m, m[:, :-1])),
}


@pytest.mark.parametrize("name", list(COV_ERRORS))
def test_cov_bad_arguments(name):
    x = rng_data((3, 7), np.float64, 1)
    w = np.arange(7) % 3 + 1
    items = [(case, holder) for case in dist_cases(2) for holder in ["numpy", "dist"]]

    def body(case, holder):
        dw = distribute(w, "uneven") if holder == "dist" else w
        check(COV_ERRORS[name], (x, w), (distribute(x, case), dw))

    run_subcases(items, body)


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_corrcoef(dt):
    k = DTYPES.index(dt)
    calls = {"default": lambda x: np.corrcoef(x), "rowvar_false": lambda x: np.corrcoef(x, rowvar=False),
             "y": lambda x: np.corrcoef(x, x * 2 + 1), "dtype32": lambda x: np.corrcoef(x, dtype=np.float32)}
    items = [(shape, case, name, kind) for shape in SHAPES_1D + SHAPES_2D for case in dist_cases(len(shape))
             for name in calls for kind in ["plain", "nan"]]

    def body(shape, case, name, kind):
        x = data(shape, dt, 5, kind)
        with no_fallback():
            check_close(calls[name], (x,), (distribute(x, case),), rtol=1e-4, atol=1e-5)

    run_subcases(pick(items, k, 120), body)


def test_cov_sends_only_partial_moments():
    """Observations already in row blocks: cov sends 2 + k + k*k numbers per rank, not the data."""
    x = distribute(rng_data((6000, 3), np.float64, 2), "block")
    np.cov(x, rowvar=False)
    nd.reset_comm_stats()
    np.cov(x, rowvar=False)
    sent = nd.comm_stats()["bytes_sent"]
    assert_all_ranks(sent <= (2 + 3 + 9) * 8 * COMM.Get_size() + 64, f"cov sent {sent} bytes")


# --------------------------------------------------------------------------
# interp
# --------------------------------------------------------------------------

TABLES = {"sorted": None, "complex": None, "nan_fp": None, "inf_fp": None}


def _table(name):
    rng = np.random.default_rng(7)
    xp = np.sort(rng.standard_normal(11) * 3)
    fp = rng.standard_normal(11)
    if name == "complex":
        fp = fp + 1j * rng.standard_normal(11)
    elif name == "nan_fp":
        fp[3] = np.nan
    elif name == "inf_fp":
        fp[4] = np.inf
    return xp, fp


INTERP_KWARGS = [{}, {"left": -7.0}, {"left": 1, "right": 9.5}, {"period": 4.0}, {"period": -3}, {"period": 0}]


@pytest.mark.parametrize("table_layout", ["numpy", "small_dist", "long_dist"])
def test_interp(table_layout, monkeypatch):
    if table_layout == "long_dist":
        monkeypatch.setattr(statistics, "SMALL_TABLE", 3)  # the searchsorted route
    items = [(shape, case, dt, name, i) for shape in SHAPES_1D + SHAPES_2D for case in dist_cases(len(shape))
             for dt in [np.int64, np.float32, np.float64, np.complex128] for name in TABLES
             for i in range(len(INTERP_KWARGS))]

    def body(shape, case, dt, name, i):
        xp, fp = _table(name)
        x = data(shape, dt, 4)
        if dt == np.float64 and x.size:
            flat = x.reshape(-1)
            flat[::3] = np.nan
            flat[1::7] = xp[-1]
            flat[2::7] = xp[2]
            flat[4::9] = np.inf
        t = (lambda a: a) if table_layout == "numpy" else (lambda a: distribute(a, "cyclic"))
        with no_fallback():
            check(lambda q, a, b: np.interp(q, a, b, **INTERP_KWARGS[i]), (x, xp, fp),
                  (distribute(x, case), t(xp), t(fp)))

    run_subcases(pick(items, 0, 200), body)


@pytest.mark.parametrize("table_layout", ["numpy", "long_dist"])
def test_interp_bad_arguments(table_layout, monkeypatch):
    if table_layout == "long_dist":
        monkeypatch.setattr(statistics, "SMALL_TABLE", 3)
    xp, fp = _table("sorted")
    bad = {"length": (xp, fp[:-1], {}), "empty": (xp[:0], fp[:0], {}), "2d": (np.ones((2, 5)), np.ones((2, 5)), {}),
           "period0": (xp, fp, {"period": 0}), "period_length": (xp, fp[:-2], {"period": 2.0})}
    items = [(name, case) for name in bad for case in ["block", "uneven", "replicated"]]
    x = np.linspace(-4, 4, 9)

    def body(name, case):
        a, b, kw = bad[name]
        t = (lambda v: v) if table_layout == "numpy" else (lambda v: distribute(v, "block") if v.ndim == 1 else v)
        check(lambda q, p, f: np.interp(q, p, f, **kw), (x, a, b), (distribute(x, case), t(a), t(b)))
        check(lambda q, p, f: np.interp(q, p, f, **kw), (x.astype(complex), a, b),
              (distribute(x.astype(complex), case), t(a), t(b)))

    run_subcases(items, body)


# --------------------------------------------------------------------------
# apply_along_axis, apply_over_axes
# --------------------------------------------------------------------------

FUNC1D = {
    "sum": np.sum,
    "double": lambda v: v * 2,
    "outer": lambda v: np.outer(v, v),
    "threshold": lambda v: (v > 3).astype(np.int8),
    "args": (lambda v, a, b=0: v * a + b),
}


def test_apply_along_axis():
    items = [(shape, case, name, axis) for shape in SHAPES_1D + SHAPES_2D + SHAPES_3D
             for case in dist_cases(len(shape)) for name in FUNC1D for axis in range(-1, len(shape) + 1)]

    def body(shape, case, name, axis):
        x = data(shape, np.float64, 6)
        extra = ((3.0,), {"b": 1}) if name == "args" else ((), {})
        with no_fallback():
            check(lambda a: np.apply_along_axis(FUNC1D[name], axis, a, *extra[0], **extra[1]), (x,),
                  (distribute(x, case),))

    run_subcases(pick(items, 0, 200), body)


def test_apply_over_axes():
    calls = [(np.sum, 0), (np.sum, (0, -1)), (np.mean, [1]), (np.max, (0, 1)), (np.sum, 5)]
    items = [(shape, case, i) for shape in SHAPES_2D + SHAPES_3D for case in dist_cases(len(shape))
             for i in range(len(calls))]

    def body(shape, case, i):
        func, axes = calls[i]
        x = data(shape, np.float64, 8)
        with no_fallback():
            check(lambda a: np.apply_over_axes(func, a, axes), (x,), (distribute(x, case),))

    run_subcases(pick(items, 0, 150), body)
