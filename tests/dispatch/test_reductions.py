"""Differential tests of reductions, statistics, arg-reductions and scans (NumPy is the oracle).

Every function runs over distribution cases x dtypes x shapes (1-d to 3-d,
size 0, smaller than the rank count, uneven) x every axis spelling, with
NaN/inf data, ties, empty arrays/blocks and integer overflow.  By default a
deterministic rotation samples the combinations; ``NUMPY_DIST_EXHAUSTIVE=1``
runs the full product.
"""

from __future__ import annotations

import itertools
import warnings
import zlib

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import (SHAPES_1D, SHAPES_2D, SHAPES_3D, assert_all_ranks, assert_dist_equal, dist_cases,
                                distribute, rng_data)

from tests.dispatch._helpers import pick, public_exc, run_subcases, compare, check  # noqa: E402

COMM = MPI.COMM_WORLD
DTYPES = [np.bool_, np.int8, np.int64, np.uint32, np.float32, np.float64, np.complex128]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]


# --------------------------------------------------------------------------
# Helpers (collective: every rank runs them alike)
# --------------------------------------------------------------------------


def data(shape, dt, seed: int, kind: str = "plain") -> np.ndarray:
    """Seeded data; ``nan``: NaNs (several, in several blocks); ``inf``: +-inf; ``ties``: few distinct values."""
    x = rng_data(shape, dt, seed)
    if x.size == 0:
        return x
    flat = x.reshape(-1)
    if kind == "ties" and x.dtype.kind != "b":
        flat[:] = (np.abs(flat.real) % 3).astype(x.dtype)
    elif kind == "nan" and x.dtype.kind in "fc":
        flat[1::4] = np.nan
    elif kind == "allnan" and x.dtype.kind in "fc":
        flat[:] = np.nan
    elif kind == "inf" and x.dtype.kind in "fc":
        flat[::5] = np.inf
        flat[2::7] = -np.inf
    return x


def all_axes(ndim: int) -> list:
    """None, every int (positive and negative) and every tuple of axes (including the empty one)."""
    axes: list = [None]
    axes += list(range(ndim)) + [a - ndim for a in range(ndim)]
    for r in range(0, ndim + 1):
        axes += [tuple(c) for c in itertools.combinations(range(ndim), r)]
    if ndim >= 2:
        axes.append((-1, 0))
    return axes


SHAPES = SHAPES_1D + SHAPES_2D + SHAPES_3D
SHAPE_CASES = [(s, c) for s in SHAPES for c in dist_cases(len(s))]

# name -> f(a, axis, keepdims); called with NumPy arrays and with DistArrays alike.
REDUCTIONS = {
    "sum": lambda a, ax, kd: np.sum(a, axis=ax, keepdims=kd),
    "prod": lambda a, ax, kd: np.prod(a, axis=ax, keepdims=kd),
    "mean": lambda a, ax, kd: np.mean(a, axis=ax, keepdims=kd),
    "var": lambda a, ax, kd: np.var(a, axis=ax, keepdims=kd),
    "var_ddof1": lambda a, ax, kd: np.var(a, axis=ax, keepdims=kd, ddof=1),
    "std": lambda a, ax, kd: np.std(a, axis=ax, keepdims=kd),
    "std_ddof2": lambda a, ax, kd: np.std(a, axis=ax, keepdims=kd, ddof=2),
    "min": lambda a, ax, kd: np.min(a, axis=ax, keepdims=kd),
    "max": lambda a, ax, kd: np.max(a, axis=ax, keepdims=kd),
    "amin": lambda a, ax, kd: np.amin(a, axis=ax, keepdims=kd),
    "amax": lambda a, ax, kd: np.amax(a, axis=ax, keepdims=kd),
    "ptp": lambda a, ax, kd: np.ptp(a, axis=ax, keepdims=kd),
    "argmin": lambda a, ax, kd: np.argmin(a, axis=ax, keepdims=kd),
    "argmax": lambda a, ax, kd: np.argmax(a, axis=ax, keepdims=kd),
    "any": lambda a, ax, kd: np.any(a, axis=ax, keepdims=kd),
    "all": lambda a, ax, kd: np.all(a, axis=ax, keepdims=kd),
    "count_nonzero": lambda a, ax, kd: np.count_nonzero(a, axis=ax, keepdims=kd),
    "average": lambda a, ax, kd: np.average(a, axis=ax, keepdims=kd),
    "nansum": lambda a, ax, kd: np.nansum(a, axis=ax, keepdims=kd),
    "nanprod": lambda a, ax, kd: np.nanprod(a, axis=ax, keepdims=kd),
    "nanmean": lambda a, ax, kd: np.nanmean(a, axis=ax, keepdims=kd),
    "nanvar": lambda a, ax, kd: np.nanvar(a, axis=ax, keepdims=kd),
    "nanstd_ddof1": lambda a, ax, kd: np.nanstd(a, axis=ax, keepdims=kd, ddof=1),
    "nanmin": lambda a, ax, kd: np.nanmin(a, axis=ax, keepdims=kd),
    "nanmax": lambda a, ax, kd: np.nanmax(a, axis=ax, keepdims=kd),
    "nanargmin": lambda a, ax, kd: np.nanargmin(a, axis=ax, keepdims=kd),
    "nanargmax": lambda a, ax, kd: np.nanargmax(a, axis=ax, keepdims=kd),
}
SCANS = {
    "cumsum": lambda a, ax: np.cumsum(a, axis=ax),
    "cumprod": lambda a, ax: np.cumprod(a, axis=ax),
    "nancumsum": lambda a, ax: np.nancumsum(a, axis=ax),
    "nancumprod": lambda a, ax: np.nancumprod(a, axis=ax),
    "cumsum_int8": lambda a, ax: np.cumsum(a, axis=ax, dtype=np.int8),
}
KINDS = ["plain", "nan", "ties", "inf"]


def _small_for_prod(name: str, x: np.ndarray) -> np.ndarray:
    if "prod" in name and x.dtype.kind in "fc":
        return (x / 8).astype(x.dtype)
    return x


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction(name, dt):
    f = REDUCTIONS[name]
    k = list(REDUCTIONS).index(name) * 7 + DTYPES.index(dt)

    def body(shape, case, axis, keepdims, kind):
        x = _small_for_prod(name, data(shape, dt, k, kind))
        check(lambda a: f(a, axis, keepdims), [x], [distribute(x, case)])

    items = []
    for i, (shape, case) in enumerate(pick(SHAPE_CASES, k, 3)):
        for j, axis in enumerate(pick(all_axes(len(shape)), k + i, 2)):
            items.append((shape, case, axis, (i + j) % 2 == 1, KINDS[(k + i + j) % len(KINDS)]))
    run_subcases(items, body)


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", list(SCANS))
def test_scan(name, dt):
    f = SCANS[name]
    k = list(SCANS).index(name) * 7 + DTYPES.index(dt)

    def body(shape, case, axis, kind):
        x = _small_for_prod(name, data(shape, dt, k, kind))
        check(lambda a: f(a, axis), [x], [distribute(x, case)])

    items = []
    for i, (shape, case) in enumerate(pick(SHAPE_CASES, k, 3)):
        axes = [None] + list(range(-len(shape), len(shape))) + [len(shape)]
        for j, axis in enumerate(pick(axes, k + i, 2)):
            items.append((shape, case, axis, KINDS[(k + i + j) % len(KINDS)]))
    run_subcases(items, body)


# --------------------------------------------------------------------------
# Arg-reductions: ties, NaN, global indices
# --------------------------------------------------------------------------

ARG = ["argmin", "argmax", "nanargmin", "nanargmax"]


@pytest.mark.parametrize("name", ARG)
def test_arg_first_occurrence_and_nan(name):
    """Ties resolve to the first global index; NaN wins for argmin/argmax; nanarg* skip NaN."""
    f = REDUCTIONS[name]

    def body(shape, case, pattern, axis, keepdims):
        x = np.zeros(shape)
        flat = x.reshape(-1)
        n = flat.size
        if pattern == "ties_everywhere":
            flat[:] = 1.0
        elif pattern == "extreme_tie_late":  # the extreme value twice, in different blocks
            flat[n // 3] = flat[n - 1] = 5.0 if "max" in name else -5.0
        elif pattern == "nan_late":
            flat[n - 2] = np.nan
            flat[n - 1] = np.nan
        elif pattern == "nan_and_extreme":
            flat[n // 2] = np.nan
            flat[1] = 9.0 if "max" in name else -9.0
        elif pattern == "allnan":
            flat[:] = np.nan
        elif pattern == "inf":
            flat[n - 1] = np.inf if "max" in name else -np.inf
            flat[0] = np.inf if "max" in name else -np.inf
        check(lambda a: f(a, axis, keepdims), [x], [distribute(x, case)])

    patterns = ["ties_everywhere", "extreme_tie_late", "nan_late", "nan_and_extreme", "allnan", "inf"]
    items = []
    for i, (shape, case) in enumerate(pick([(s, c) for s in [(17,), (10,), (7, 4), (13, 6), (3, 4, 5)]
                                           for c in dist_cases(len(s))], ARG.index(name), 4)):
        for j, p in enumerate(patterns):
            axis = [None, 0, -1][(i + j) % 3]
            items.append((shape, case, p, axis, (i + j) % 4 == 0))
    run_subcases(items, body)


def test_arg_integer_ties_global_index():
    def body(case, dt):
        x = np.zeros(17, dt)
        x[[3, 9, 16]] = 1
        check(np.argmax, [x], [distribute(x, case)])
        check(np.argmin, [x[::-1].copy()], [distribute(x[::-1].copy(), case)])

    run_subcases([(c, dt) for c in dist_cases(1) for dt in (np.bool_, np.int8, np.uint32)], body)


# --------------------------------------------------------------------------
# Empty arrays and empty blocks
# --------------------------------------------------------------------------

EMPTY_SHAPES = [(0,), (0, 3), (3, 0), (0, 2, 2)]


@pytest.mark.parametrize("name", list(REDUCTIONS) + list(SCANS))
def test_empty_arrays(name):
    """NumPy's results, warnings aside, or its exception (max of empty: ValueError) on every rank."""
    def body(shape, case, axis):
        x = np.zeros(shape)
        if name in SCANS:
            if axis is not None and not isinstance(axis, int):
                return
            check(lambda a: SCANS[name](a, axis), [x], [distribute(x, case)])
        else:
            check(lambda a: REDUCTIONS[name](a, axis, False), [x], [distribute(x, case)])

    k = (list(REDUCTIONS) + list(SCANS)).index(name)
    items = []
    for i, s in enumerate(EMPTY_SHAPES):
        for case in pick(dist_cases(len(s)), k + i, 2):
            for axis in pick([None, 0, -1, tuple(range(len(s)))], k, 2):
                items.append((s, case, axis))
    run_subcases(items, body)


@pytest.mark.parametrize("name", ["max", "min", "argmax", "nanargmin", "ptp", "amax"])
def test_empty_raises_value_error_everywhere(name):
    f = REDUCTIONS[name]
    x = np.zeros((0, 3))
    with pytest.raises(ValueError):
        f(x, None, False)
    for case in dist_cases(2):
        with pytest.raises(ValueError):
            f(distribute(x, case), None, False)
        with pytest.raises(ValueError):
            f(distribute(x, case), 0, False)


@pytest.mark.parametrize("name", ["sum", "max", "argmax", "mean", "var", "nanmin", "cumsum", "any"])
def test_empty_blocks(name):
    """Shapes smaller than the rank count: some ranks hold nothing."""
    def body(shape, case, axis):
        x = rng_data(shape, np.float64, 4)
        if name in SCANS:
            check(lambda a: SCANS[name](a, axis), [x], [distribute(x, case)])
        else:
            check(lambda a: REDUCTIONS[name](a, axis, False), [x], [distribute(x, case)])

    items = [(s, c, ax) for s in [(1,), (2,), (3,), (1, 5), (2, 3), (5, 1)] for c in dist_cases(len(s))
             for ax in ([0] if len(s) == 1 else [0, 1])]
    run_subcases(pick(items, 0, 12), body)


# --------------------------------------------------------------------------
# Warnings agreed on every rank
# --------------------------------------------------------------------------

WARN_CASES = [
    ("mean_empty", lambda a: np.mean(a), np.zeros(0)),
    ("mean_empty_axis", lambda a: np.mean(a, axis=0), np.zeros((0, 3))),
    ("var_ddof_too_big", lambda a: np.var(a, ddof=17), np.arange(17.0)),
    ("nanmean_allnan_slice", lambda a: np.nanmean(a, axis=0), np.where(np.arange(21).reshape(7, 3) % 3 == 0,
                                                                          np.nan, 1.0)),
    ("nanmin_allnan", lambda a: np.nanmin(a), np.full(17, np.nan)),
    ("nanmax_allnan_slice", lambda a: np.nanmax(a, axis=0), np.where(np.arange(21).reshape(7, 3) % 3 == 0,
                                                                        np.nan, 1.0)),
    ("nanvar_dof", lambda a: np.nanvar(a, ddof=1), np.array([np.nan] * 16 + [1.0])),
]


@pytest.mark.parametrize("name,f,x", WARN_CASES, ids=[w[0] for w in WARN_CASES])
def test_runtime_warnings_on_every_rank(name, f, x):
    with pytest.warns(RuntimeWarning):
        expected = f(x)
    for case in pick(dist_cases(x.ndim), 0, 4):
        with pytest.warns(RuntimeWarning):
            got = f(distribute(x, case))
        assert_dist_equal(got, expected)


def test_nanargmin_all_nan_raises_everywhere():
    x = np.full((7, 3), 1.0)
    x[:, 1] = np.nan
    for case in dist_cases(2):
        for f in (np.nanargmin, np.nanargmax):
            with pytest.raises(ValueError):
                f(x, axis=0)
            with pytest.raises(ValueError):
                f(distribute(x, case), axis=0)
            with pytest.raises(ValueError):
                f(distribute(np.full(17, np.nan), "block"))


# --------------------------------------------------------------------------
# Integer overflow and dtype= / out= / where= / initial=
# --------------------------------------------------------------------------

OVERFLOW = [
    ("sum_int8_dtype", lambda a: np.sum(a, dtype=np.int8), np.full(40, 100, np.int8)),
    ("sum_int8_default_upcasts", lambda a: np.sum(a), np.full(40, 100, np.int8)),
    ("sum_uint32", lambda a: np.sum(a, dtype=np.uint32), np.full(40, 2**31, np.uint32)),
    ("prod_int64_wraps", lambda a: np.prod(a), np.full(40, 7, np.int64)),
    ("prod_int8_dtype", lambda a: np.prod(a, dtype=np.int8, axis=0), np.full((40, 3), 3, np.int8)),
    ("cumsum_int8_dtype", lambda a: np.cumsum(a, dtype=np.int8), np.full(40, 100, np.int8)),
    ("cumprod_int64", lambda a: np.cumprod(a), np.full(40, 9, np.int64)),
    ("mean_int64_big", lambda a: np.mean(a), np.full(40, 2**62, np.int64)),
    ("sum_bool", lambda a: np.sum(a, axis=0), np.ones((40, 2), bool)),
    ("add_reduce_int8", lambda a: np.add.reduce(a), np.full(40, 100, np.int8)),
    ("sum_float32_dtype64", lambda a: np.sum(a, dtype=np.float64), np.full(40, 1e30, np.float32)),
    ("sum_float32_overflow", lambda a: np.sum(a), np.full(40, 1e38, np.float32)),
]


@pytest.mark.parametrize("name,f,x", OVERFLOW, ids=[o[0] for o in OVERFLOW])
def test_integer_overflow_semantics(name, f, x):
    def body(case):
        check(f, [x], [distribute(x, case)])

    run_subcases([(c,) for c in dist_cases(x.ndim)], body)


KWARG_CASES = [
    ("sum_dtype_f32", lambda a, m, o: np.sum(a, axis=0, dtype=np.float32)),
    ("sum_initial", lambda a, m, o: np.sum(a, axis=1, initial=10)),
    ("sum_where", lambda a, m, o: np.sum(a, axis=0, where=m)),
    ("sum_where_none", lambda a, m, o: np.sum(a, where=m)),
    ("prod_where_initial", lambda a, m, o: np.prod(a / 8, axis=0, where=m, initial=2.0)),
    ("max_where_initial", lambda a, m, o: np.max(a, axis=0, where=m, initial=-100)),
    ("max_where_no_initial", lambda a, m, o: np.max(a, axis=0, where=m)),
    ("min_initial_none", lambda a, m, o: np.min(a, initial=-1e9)),
    ("mean_where", lambda a, m, o: np.mean(a, axis=0, where=m)),
    ("mean_dtype_f32", lambda a, m, o: np.mean(a, axis=1, dtype=np.float32)),
    ("var_where", lambda a, m, o: np.var(a, axis=0, where=m)),
    ("std_correction", lambda a, m, o: np.std(a, axis=0, correction=1)),
    ("var_ddof_and_correction", lambda a, m, o: np.var(a, ddof=1, correction=1)),
    ("any_where", lambda a, m, o: np.any(a > 5, axis=0, where=m)),
    ("all_where", lambda a, m, o: np.all(a > -25, axis=1, where=m)),
    ("sum_out", lambda a, m, o: np.sum(a, axis=0, out=o)),
    ("max_out", lambda a, m, o: np.max(a, axis=0, out=o)),
    ("mean_out", lambda a, m, o: np.mean(a, axis=0, out=o)),
    ("argmax_out", lambda a, m, o: np.argmax(a, axis=0, out=o.astype(np.intp) if isinstance(o, np.ndarray)
                                             else o.astype(np.intp))),
    ("std_out", lambda a, m, o: np.std(a, axis=0, out=o)),
    ("average_weights_1d", lambda a, m, o: np.average(a, axis=0, weights=np.arange(1.0, 14.0))),
    ("average_weights_full", lambda a, m, o: np.average(a, axis=1, weights=a * 0 + 2.0)),
    ("average_weights_none_axis", lambda a, m, o: np.average(a, weights=np.abs(a) + 1)),
    ("average_returned", lambda a, m, o: np.average(a, axis=0, weights=np.arange(1.0, 14.0), returned=True)),
    ("average_returned_noweights", lambda a, m, o: np.average(a, axis=0, returned=True)),
    ("average_zero_weights", lambda a, m, o: np.average(a, axis=0, weights=np.zeros(13))),
    ("average_bad_weights_shape", lambda a, m, o: np.average(a, axis=0, weights=np.ones(5))),
    ("average_weights_need_axis", lambda a, m, o: np.average(a, weights=np.ones(6))),
    ("count_nonzero_axis_tuple", lambda a, m, o: np.count_nonzero(a > 0, axis=(0, 1))),
    ("count_nonzero_none", lambda a, m, o: np.count_nonzero(a > 0)),
    ("nansum_dtype", lambda a, m, o: np.nansum(np.where(m, a, np.nan), axis=0, dtype=np.float32)),
    ("nanmean_where", lambda a, m, o: np.nanmean(np.where(a > 0, a, np.nan), axis=1, where=m)),
    ("cumsum_out", lambda a, m, o: np.cumsum(a[:, :1].reshape(-1) if False else a, axis=0, out=np.zeros_like(a)
                                             if isinstance(a, np.ndarray) else nd.zeros_like(a))),
    ("axis_out_of_range", lambda a, m, o: np.sum(a, axis=2)),
    ("axis_repeated", lambda a, m, o: np.mean(a, axis=(0, 0))),
    ("axis_float", lambda a, m, o: np.max(a, axis=1.0)),
    ("argmax_axis_tuple", lambda a, m, o: np.argmax(a, axis=(0, 1))),
]


@pytest.mark.parametrize("name,f", KWARG_CASES, ids=[c[0] for c in KWARG_CASES])
def test_reduction_kwargs(name, f):
    cases = dist_cases(2)
    k = [c[0] for c in KWARG_CASES].index(name)

    def body(case, dt):
        x = data((13, 6), dt, k)
        m = rng_data((13, 6), np.bool_, k + 1)
        o = np.zeros(6, np.float64)
        od = distribute(o, "block")
        # float32 data reduced into a float64 out: the values carry float32 precision only.
        rtol = 2e-5 if dt == np.float32 else None
        check(lambda a, mm, oo: f(a, mm, oo), [x, m, o], [distribute(x, case), distribute(m, case), od], rtol=rtol)

    dts = [np.float64, np.int64, np.float32, np.complex128]
    run_subcases([(c, dts[(k + i) % 4]) for i, c in enumerate(pick(cases, k, 4))], body)


# --------------------------------------------------------------------------
# Array-method spellings (d.sum() ...)
# --------------------------------------------------------------------------

METHODS = [("sum", {}), ("sum", {"axis": 0}), ("prod", {"axis": -1}), ("mean", {"axis": 0}), ("var", {"ddof": 1}),
           ("std", {"axis": 1}), ("min", {}), ("max", {"axis": 0, "keepdims": True}), ("argmin", {}),
           ("argmax", {"axis": 1}), ("any", {}), ("all", {"axis": 0}), ("cumsum", {"axis": 0}),
           ("cumprod", {}), ("ptp", {})]


@pytest.mark.parametrize("name,kw", METHODS, ids=[f"{m}-{kw}" for m, kw in METHODS])
def test_array_method_spellings(name, kw):
    if not hasattr(nd.DistArray, name):
        pytest.xfail(f"DistArray.{name} does not exist yet")

    def body(case):
        x = data((7, 4), np.float64, 2)
        if name == "ptp":  # ndarray.ptp was removed in NumPy 2: compare with np.ptp
            check(lambda a: np.ptp(a, **kw) if isinstance(a, np.ndarray) else a.ptp(**kw), [x], [distribute(x, case)])
        else:
            check(lambda a: getattr(a, name)(**kw), [x], [distribute(x, case)])

    run_subcases([(c,) for c in pick(dist_cases(2), METHODS.index((name, kw)), 4)], body)


# --------------------------------------------------------------------------
# Communication: reductions over non-distributed axes send nothing
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", dist_cases(2))
def test_reductions_over_local_axes_send_nothing(case):
    x = rng_data((13, 6), np.float64, 3)
    d = distribute(x, case)
    dist = d.distribution
    axes = tuple(a for a in range(2) if dist.axis_grid[a] is None or dist.maps[a].grid_size == 1)
    moved = []
    for ax in [axes] + [(a,) for a in axes] if axes else []:
        for name in ("sum", "max", "mean", "var", "argmax", "any", "nanmin"):
            if name == "argmax" and len(ax) != 1:
                continue
            nd.reset_comm_stats()
            REDUCTIONS[name](d, ax[0] if name == "argmax" else ax, False)
            n = nd.comm_stats()["bytes_sent"]
            if n:
                moved.append((name, ax, n))
        nd.reset_comm_stats()
        np.cumsum(d, axis=ax[0])
        if nd.comm_stats()["bytes_sent"]:
            moved.append(("cumsum", ax[0], nd.comm_stats()["bytes_sent"]))
    everyone = COMM.allgather(moved)
    assert not any(everyone), f"undistributed axes {axes}: bytes sent {everyone}"


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "grid_bb"])
@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_var_std_of_large_blocks_match_numpy(case, dt):
    """Whole-array moments of blocks larger than one deviation chunk (an offset tests the two passes)."""
    shape = (100_003,) if case != "grid_bb" else (317, 331)
    x = (np.random.default_rng(5).random(shape) * 3 + 1e4).astype(dt)
    d = distribute(x, case)
    rtol = 1e-12 if dt == np.float64 else 1e-5
    for f, kw in ((np.var, {}), (np.std, {"ddof": 1}), (np.var, {"dtype": np.float64}), (np.std, {"keepdims": True})):
        got, want = f(d, **kw), f(x, **kw)
        if isinstance(got, nd.DistArray):
            assert_dist_equal(got, want, rtol=rtol)
        else:  # a scalar, the same on every rank
            assert type(got) is type(want) and np.isclose(got, want, rtol=rtol, atol=0), (f, kw, got, want)


# --------------------------------------------------------------------------
# The nan* family on every layout, with NaN-bearing data (not sampled away)
# --------------------------------------------------------------------------

NAN_FUNCS = {
    "nansum": lambda a, ax, kd: np.nansum(a, axis=ax, keepdims=kd),
    "nanprod": lambda a, ax, kd: np.nanprod(a, axis=ax, keepdims=kd),
    "nanmean": lambda a, ax, kd: np.nanmean(a, axis=ax, keepdims=kd),
    "nanvar": lambda a, ax, kd: np.nanvar(a, axis=ax, keepdims=kd),
    "nanstd": lambda a, ax, kd: np.nanstd(a, axis=ax, keepdims=kd, ddof=1),
    "nanmin": lambda a, ax, kd: np.nanmin(a, axis=ax, keepdims=kd),
    "nanmax": lambda a, ax, kd: np.nanmax(a, axis=ax, keepdims=kd),
    "nanargmin": lambda a, ax, kd: np.nanargmin(a, axis=ax, keepdims=kd),
    "nanargmax": lambda a, ax, kd: np.nanargmax(a, axis=ax, keepdims=kd),
    "nancumsum": lambda a, ax, kd: np.nancumsum(a, axis=ax),
    "nancumprod": lambda a, ax, kd: np.nancumprod(a, axis=ax),
    "nanmedian": lambda a, ax, kd: np.nanmedian(a, axis=ax, keepdims=kd),
    "nanpercentile": lambda a, ax, kd: np.nanpercentile(a, 30, axis=ax, keepdims=kd),
    "nanquantile": lambda a, ax, kd: np.nanquantile(a, [0.25, 0.9], axis=ax, keepdims=kd),
}
NAN_DTYPES = [np.float16, np.float32, np.float64, np.complex128]
# Every kind holds NaN: scattered NaN with an infinite column (the mean of a column holding +inf and
# NaN is +inf), an all-NaN slice, and signed zeros.
NAN_KINDS = ["nan_inf", "allnan_slice", "negzero"]
NAN_SHAPES = [(10,), (1,), (7, 4), (8, 8), (3, 4, 5)]


def nan_data(shape, dt, seed: int, kind: str, name: str) -> np.ndarray:
    x = rng_data(shape, dt, seed)
    if "prod" in name:  # values near 1: products neither overflow nor vanish
        x = (1 + x / 40).astype(dt)
    flat = x.reshape(-1)
    flat[1::3] = np.nan
    if kind == "nan_inf" and not ("prod" in name and x.dtype.kind == "c"):
        # (Not for complex products: with an infinite factor the NaN/inf pattern of each part
        # depends on the order of the multiplications, which no parallel order reproduces.)
        col = x[..., 0] if x.ndim > 1 else x[:1]
        col[...] = np.inf
        col.reshape(-1)[-1:] = np.nan
    elif kind == "allnan_slice":
        (x[0] if x.ndim > 1 else x)[...] = np.nan
    elif kind == "negzero":
        flat[::3] = -0.0
    return x


def nan_rtol(dt, n: int) -> float:
    """Rounding of a sum of ``n`` terms in another order (or a wider type) than NumPy's: a few eps per term."""
    return float(4 * n * np.finfo(dt).eps)


def nan_layouts(shape) -> list:
    """Every distribution case of this shape plus explicit process grids (2x2 at 4 ranks, 1xP and Px1)."""
    layouts = [(c, None) for c in dist_cases(len(shape))]
    if len(shape) == 2:
        P = COMM.Get_size()
        grids = {(p, P // p) for p in range(1, P + 1) if P % p == 0}
        layouts += [(codes, g) for g in sorted(grids) for codes in (("b", "b"), ("c", "b"), ("b", "c"))]
    return layouts


def lay_out(x: np.ndarray, layout) -> nd.DistArray:
    case, grid = layout
    if grid is None:
        return distribute(x, case)
    from numpy_dist.distribution import Distribution

    codes = tuple(case) + ("n",) * (x.ndim - 2)
    return nd.asarray(x, dist=Distribution(COMM, x.shape, codes, grid_shape=tuple(grid) + (1,) * (x.ndim - 2)))


@pytest.mark.parametrize("dt", NAN_DTYPES, ids=[np.dtype(d).name for d in NAN_DTYPES])
@pytest.mark.parametrize("name", list(NAN_FUNCS))
def test_nan_functions_every_layout(name, dt):
    """Each nan-function, each layout (2-d grids and empty blocks too), NaN/inf/-0.0 data, each axis."""
    if dt in (np.complex64, np.complex128) and name in ("nanmin", "nanmax", "nanargmin", "nanargmax", "nanmedian",
                                                          "nanpercentile", "nanquantile"):
        pytest.skip("NumPy orders complex numbers lexicographically here; covered for real dtypes")
    f = NAN_FUNCS[name]
    k = list(NAN_FUNCS).index(name)

    def g(a, axis, keepdims):
        r = f(a, axis, keepdims)
        # Complex parts compared apart: assert_allclose wants exact equality beside an infinite part.
        return (np.real(r), np.imag(r)) if np.iscomplexobj(r) else r

    def body(shape, layout, axis, keepdims, kind):
        x = nan_data(shape, dt, k, kind, name)
        got = check(lambda a: g(a, axis, keepdims), [x], [lay_out(x, layout)], rtol=nan_rtol(dt, x.size))
        if kind == "negzero" and name in ("nansum", "nanmin", "nanmax", "nanmedian") and got is not None \
                and not isinstance(got, tuple):
            # -0.0 and 0.0 compare equal: the sign of zero is checked separately.
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                want = np.signbit(np.real(f(x, axis, keepdims)))
            compare(np.signbit(np.real(got)), want)

    items = []
    for i, shape in enumerate(NAN_SHAPES):
        axes = [None, 0, -1] + ([(0, 1)] if len(shape) > 1 and "cum" not in name else [])
        for j, layout in enumerate(nan_layouts(shape)):  # every layout; axes and kinds rotate
            for a in range(2):
                axis = axes[(j + 2 * a + k) % len(axes)]
                items.append((shape, layout, axis, (i + j + a) % 2 == 1, NAN_KINDS[(i + j + a + k) % 3]))
    run_subcases(items, body)


# --------------------------------------------------------------------------
# datetime64 / timedelta64 with NaT (the combine step keeps units)
# --------------------------------------------------------------------------

TIME_FUNCS = {
    "sum": np.sum, "min": np.min, "max": np.max, "argmin": np.argmin, "argmax": np.argmax, "mean": np.mean,
    "cumsum": np.cumsum, "nanmin": np.nanmin, "nanmax": np.nanmax, "ptp": np.ptp,
}


@pytest.mark.parametrize("name", list(TIME_FUNCS))
@pytest.mark.parametrize("dt", ["m8[s]", "M8[D]"])
def test_datetime_reductions_with_nat(name, dt):
    f = TIME_FUNCS[name]

    def body(shape, case, axis, nat):
        x = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape) * 37 % 11
        x = x.astype(dt)
        if nat:
            x.reshape(-1)[nat::4] = np.datetime64("NaT") if dt[0] == "M" else np.timedelta64("NaT")
        def g(a):
            r = f(a) if axis == "none" else f(a, axis=axis)
            if r.dtype.kind not in "mM":
                return r
            # NaT != NaT: compared as the integers underneath, the dtype (unit) as a string.
            return r.astype(np.int64), np.array(r.dtype.str)

        check(g, [x], [distribute(x, case)])

    items = [(s, c, ax, nat) for s in [(10,), (2,), (7, 4)] for c in dist_cases(len(s))
             for ax, nat in (("none", 0), (0, 2), (-1, 0))]
    run_subcases(items, body)


# --------------------------------------------------------------------------
# dtype= / out= of statistics: NumPy's checks and arithmetic in the requested dtype
# --------------------------------------------------------------------------

STAT_FUNCS = {
    "mean": np.mean, "var": np.var, "std": np.std, "sum": np.sum, "prod": np.prod, "cumsum": np.cumsum,
    "nanmean": np.nanmean, "nanvar": np.nanvar, "nanstd": np.nanstd, "nansum": np.nansum,
}
STAT_DTYPES = [np.uint32, np.int8, np.bool_, np.float16, np.complex64]


@pytest.mark.parametrize("name", list(STAT_FUNCS))
def test_statistics_dtype_and_out(name):
    """``dtype=`` (integer: NumPy's integer arithmetic; nan*: TypeError) and ``out=`` of every dtype."""
    f = STAT_FUNCS[name]

    def body(case, src, dtype, axis, use_out):
        x = (rng_data((7, 4), src, 3) / (4 if np.dtype(src).kind in "fc" else 1)).astype(src)
        if use_out:
            want_shape = np.shape(f(x, axis=axis)) if name != "cumsum" else x.shape
            o = np.zeros(want_shape, dtype)
            od = distribute(o, "block") if o.ndim else nd.asarray(o)
            check(lambda a, oo: f(a, axis=axis, out=oo), [x, o], [distribute(x, case), od], rtol=1e-2)
        else:
            check(lambda a: f(a, axis=axis, dtype=dtype), [x], [distribute(x, case)], rtol=1e-2)

    items = []
    k = list(STAT_FUNCS).index(name)
    for i, (src, dtype) in enumerate(itertools.product([np.int64, np.uint8, np.float16, np.float64, np.complex128],
                                                       STAT_DTYPES)):
        case = dist_cases(2)[(k + i) % len(dist_cases(2))]
        items.append((case, src, dtype, [None, 0, 1][(k + i) % 3], (k + i) % 4 == 0))
    run_subcases(items, body)


# (input, out, kwargs): NumPy 2.4's accumulate accepts an ``out`` that is not the result's shape unless the
# accumulation is 1-d with one dtype throughout (then exactly the shape); see _accumulated_into.
SCAN_OUTS = [
    (np.array([[5, 6, 7]], complex), np.zeros((3, 0), np.int16), {}),  # an empty out: nothing written
    (np.array([[5]], np.uint32), np.zeros((13, 2), np.uint16), {}), (np.array([[5]], np.int16), np.zeros((1, 1), complex), {}),
    (np.array([[5]], np.int16), np.zeros(1, complex), {}), (np.array([[5]], np.int16), np.zeros((), complex), {}),
    (np.array([[5]], np.int16), np.zeros(2, complex), {}), (np.array([5], np.int16), np.zeros((2, 3)), {}),
    (np.array(5, np.int16), np.zeros((2, 3)), {}), (np.array([5, 6], np.int16), np.zeros((2, 3)), {}),
    (np.array([5, 6], np.int16), np.zeros(3), {}), (np.array([[5]], np.int16), np.zeros(3), {"axis": 0}),
    (np.array([[5]], np.int16), np.zeros((3, 1)), {"axis": 0}), (np.array([[1], [2]]), np.zeros((2, 3), int), {"axis": 0}),
    (np.array([[1], [2]]), np.zeros((2, 3, 2), int), {"axis": 0}), (np.array([[1], [2]]), np.zeros((2, 3, 2)), {"axis": 1}),
    (np.array([[1], [2]]), np.zeros((1, 3), int), {"axis": 0}), (np.array([[5]]), np.zeros((13, 2)), {}),
    (np.array([[5]]), np.zeros((1, 1)), {}), (np.array([[5]]), np.zeros((1, 1), np.float32), {}),
    (np.array([[5]]), np.zeros((13, 2), np.int16), {}), (np.array([[5]], np.int64), np.zeros((13, 2), np.int64), {}),
    (np.array([[5]], np.int64), np.zeros((13, 2), np.int64), {"dtype": np.int32}),
    (np.array([[5, np.nan]]), np.zeros((2, 2), np.float32), {}), (np.zeros((0, 1), np.int16), np.zeros(3), {}),
    (np.zeros((1, 1), np.int16), np.zeros(0), {}), (np.arange(6.0).reshape(2, 3), np.zeros((2, 3)), {"axis": 1}),
    (np.zeros(0), np.zeros(1), {}), (np.array([5.0]), np.zeros(0), {}), (np.array([5.0]), np.zeros(2), {}),
]


def _scan_outcome(f, x, out, kw):
    """What ``f(x, out=out, **kw)`` does: exception class, or whether it returned ``out`` and what ``out`` holds."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            r = f(x, out=out, **kw)
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return ("raises", public_exc(type(exc)).__name__)
    held = nd.asnumpy(out) if isinstance(out, nd.DistArray) else out
    return ("ok", r is out, held.dtype.str, repr(held.tolist()))  # repr: NaN equals NaN


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
def test_scan_into_out_of_another_shape_like_numpy(name):
    """Fuzz: NumPy's accumulate writes into an ``out`` of another shape unless the accumulation is 1-d with
    one dtype throughout: a length-1 axis writes only out's first position along it, length-1 other axes
    broadcast, out's extra trailing axes stay at index 0, everything else in ``out`` is untouched
    (cumsum((1, 1) uint32, out=(13, 2) uint16) writes out[0, 0]); the same for DistArray and NumPy ``out``."""
    f = getattr(np, name)

    def body(i, out_kind):
        x, out, kw = SCAN_OUTS[i]
        case = dist_cases(max(out.ndim, 1))[i % len(dist_cases(max(out.ndim, 1)))]
        want = _scan_outcome(f, x.copy(), out.copy(), kw)
        o = out.copy() if out_kind == "numpy" else distribute(out, case) if out.ndim else nd.asarray(out)
        got = _scan_outcome(f, distribute(x, "block") if x.ndim else nd.asarray(x), o, kw)
        assert got == want, f"NumPy {want}, DistArray {got}"

    run_subcases([(i, kind) for i in range(len(SCAN_OUTS)) for kind in ("dist", "numpy")], body)


# (input dtype, out dtype, values): NumPy resolves an accumulation's loop from out's dtype and the input's.
SCAN_LOOPS = [("f2", "f4", [60000, 60000, 3]), ("u1", "u4", [13, 2, 4, 17]), ("i1", "i2", [100, 100, 100]),
              ("f4", "f2", [1e5, -1e5 + 1, 3]), ("f8", "i1", [1.7, 1.7, 1.7]), ("i1", "?", [1, 1, 0]),
              ("u1", "i1", [200, 100, 100]), ("c8", "f4", [1 + 1j, 1, 2]), ("i8", "f2", [70000, -70000, 2]),
              ("i1", "i1", [100, 100, 1]), ("?", "?", [1, 1, 0]), ("f2", "f8", [60000, 60000, 1])]


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod", "cumulative_sum",
                                  "cumulative_prod"])
def test_scan_loop_follows_out_dtype(name):
    """Fuzz: with ``out=``, NumPy's accumulate computes in the loop resolved from out's dtype and the
    input's (cumsum of float16 into float32 does not overflow at 65504), then casts into ``out``."""
    f = getattr(np, name)

    def body(i, case):
        src, dst, values = SCAN_LOOPS[i]
        x = np.array(values, src)
        want = _scan_outcome(f, x, np.zeros(x.shape, dst), {})
        got = _scan_outcome(f, distribute(x, case), distribute(np.zeros(x.shape, dst), "cyclic"), {})
        assert got == want, f"NumPy {want}, DistArray {got}"

    run_subcases([(i, ["block", "cyclic", "replicated"][i % 3]) for i in range(len(SCAN_LOOPS))], body)


# --------------------------------------------------------------------------
# 0-d input and every axis spelling
# --------------------------------------------------------------------------

ZERO_D = ["sum", "prod", "mean", "var", "std", "min", "max", "ptp", "argmin", "argmax", "any", "all",
          "count_nonzero", "nansum", "nanprod", "nanmean", "nanvar", "nanmin", "nanmax", "nanargmin",
          "nanargmax", "median", "nanmedian", "percentile", "nanpercentile", "quantile", "nanquantile",
          "cumsum", "cumprod", "nancumsum", "nancumprod", "nanstd"]


@pytest.mark.parametrize("name", ZERO_D)
def test_zero_d_input_axis_spellings(name):
    """NumPy's answer or exception class for 0-d input with axis 0, -1, (), (0,), 1 and None."""
    f = getattr(np, name)
    q = {"percentile": (30,), "nanpercentile": (30,), "quantile": (0.3,), "nanquantile": (0.3,)}.get(name, ())

    def body(value, axis):
        x = np.array(value)
        check(lambda a: f(a, *q, axis=axis), [x], [nd.asarray(x)])

    run_subcases([(v, ax) for v in (3.5, np.nan) for ax in (0, -1, (), (0,), 1, None)], body)


WHERE_LAYOUTS = [("mean", np.complex64), ("mean", np.float64), ("var", np.float32)]


@pytest.mark.parametrize("name,dt", WHERE_LAYOUTS, ids=[f"{n}-{np.dtype(d).name}" for n, d in WHERE_LAYOUTS])
def test_moments_with_smaller_dist_where(name, dt):
    """A DistArray ``where`` of fewer dimensions, laid out otherwise, broadcasts against the array."""
    x = data((3, 4, 4), dt, 5)
    w = rng_data((4,), np.bool_, 6)
    f = getattr(np, name)

    def body(case_a, case_w):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            check(lambda a, m: f(a, axis=1, where=m), [x, w], [distribute(x, case_a), distribute(w, case_w)])

    pairs = list(itertools.product(dist_cases(3), dist_cases(1)))
    run_subcases(pick(pairs, WHERE_LAYOUTS.index((name, dt)), 6), body)


def test_arg_reductions_into_out():
    """argmax/nanargmin of NumPy or DistArray input into a DistArray out (0-d included): written and returned."""
    x = data((7, 4), np.float64, 7)

    def body(case, func, axis, dist_in):
        shape = () if axis is None else (4,)
        t = np.asarray(np.full(shape, -8, np.intp))
        d_out = distribute(t, case) if shape else nd.asarray(t)
        expected = func(x, axis=axis, out=t)
        got = func(distribute(x, "block") if dist_in else x, axis=axis, out=d_out)
        assert got is d_out
        assert_dist_equal(d_out, expected)

    items = [(c, f, ax, di) for c in pick(dist_cases(1), 0, 2) for f in (np.argmax, np.nanargmin)
             for ax in (None, 0) for di in (True, False)]
    run_subcases(items, body)


@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile", "nanpercentile"])
def test_quantiles_of_no_data_check_like_numpy(name):
    """With no data the nan* quantiles return before validating ``method``; NumPy decides, on every rank."""
    x = np.zeros((0, 1), np.int32)
    f = getattr(np, name)
    q = 0.0

    def body(case):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            check(lambda a: f(a, q, axis=1, keepdims=True, method="bogus"), [x], [distribute(x, case)])
            check(lambda a: f(a, 250.0, axis=0), [x], [distribute(x, case)])

    run_subcases([(c,) for c in pick(dist_cases(2), len(name), 3)], body)


# --------------------------------------------------------------------------
# Which NaN: complex NaNs differ (nan+1j, 1+nanj), and NumPy's choice is positional
# --------------------------------------------------------------------------


def _complex_nans(shape, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex128)
    m = rng.random(shape) < 0.3
    k = int(m.sum())
    x[m] = np.where(rng.random(k) < 0.5, np.nan + 1j * rng.integers(0, 5, k), rng.integers(0, 5, k) + 1j * np.nan)
    return x


def _bits(r):
    """Complex results as their (real, imag) bit patterns: NaN payloads and signs compared exactly."""
    r = nd.asnumpy(r) if isinstance(r, nd.DistArray) else np.asarray(r)
    return np.atleast_1d(r).view(np.float64).view(np.int64)


@pytest.mark.parametrize("fname", ["max", "min", "ptp"])
def test_complex_max_min_return_numpys_nan(fname):
    """The first NaN in C order over the reduced axes, whatever the layout (cyclic, grids, unstructured)."""
    f = getattr(np, fname)

    def body(shape, case, axis, initial):
        x = _complex_nans(shape, zlib.crc32(repr((shape, case)).encode()) % 1000)  # (hash() differs by rank)
        opts = {} if initial is None or fname == "ptp" else {"initial": initial}
        with np.errstate(invalid="ignore"):
            want = f(x, axis=axis, **opts)
            got = f(distribute(x, case), axis=axis, **opts)
        compare(_bits(got), _bits(want))

    items = [(s, c, ax, ini) for s in [(11,), (6, 5), (4, 3, 5)] for c in dist_cases(len(s))
             for ax in [None, 0, -1] + ([(0, 1)] if len(s) > 1 else []) for ini in (None, 3, np.nan)]
    run_subcases(items, body)


def test_nanmedian_all_nan_returns_numpys_element():
    """All NaN, flattened or 1-d: NumPy returns the last element itself (nan+infj stays nan+infj)."""

    def body(shape, case, axis):
        x = np.full(shape, complex(np.nan, 0))
        x.reshape(-1)[-1] = complex(np.nan, np.inf)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.nanmedian(x, axis=axis)
            got = np.nanmedian(distribute(x, case), axis=axis)
        compare(_bits(got), _bits(want))

    run_subcases([(s, c, ax) for s in [(1,), (7,), (1, 1), (3, 4)] for c in dist_cases(len(s))
                  for ax in [None] + ([0] if len(s) == 1 else [])], body)


def test_complex_nanvar_divides_as_numpy():
    """NumPy divides the complex sum of squares: a NaN variance with dtype=complex is nan+nanj."""
    x = np.array([[np.nan, 1], [6.5, 2 - 1j], [complex(-np.inf, 0.8), 3], [np.nan, np.nan]])

    def body(case, dt):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.nanvar(x, axis=0, dtype=dt)
            got = nd.asnumpy(np.nanvar(distribute(x, case), axis=0, dtype=dt))
        compare(np.isnan(got.real), np.isnan(want.real))
        compare(np.isnan(np.imag(got)), np.isnan(np.imag(want)))
        compare(got, want)

    run_subcases([(c, dt) for c in dist_cases(2) for dt in (None, np.complex128)], body)


def test_lcm_scans_keep_numpys_order_under_overflow():
    """lcm wraps on overflow, so its grouping shows: reduce and accumulate follow NumPy's order."""
    x = (np.arange(1, 21, dtype=np.int8) * 3) % 17 + 1

    def body(case, dt):
        d = distribute(x, case)
        compare(nd.asnumpy(np.lcm.accumulate(d, dtype=dt)), np.lcm.accumulate(x, dtype=dt))
        compare(np.lcm.reduce(d, dtype=dt), np.lcm.reduce(x, dtype=dt))

    run_subcases([(c, dt) for c in dist_cases(1) for dt in (None, np.uint8, np.int64)], body)


@pytest.mark.parametrize("ufunc", [np.subtract, np.divide, np.fmod, np.copysign])
def test_ordered_reduce_and_scan_of_one_axis_run_natively(ufunc):
    """Non-associative reduce/accumulate of a 1-d array: relayed in global order, never gathered."""
    x = (np.arange(1, 24, dtype=np.float64) % 5 + 1) / 3
    x[[3, 11]] = [np.inf, -0.0]

    def body(case, initial):
        d = distribute(x, case)
        opts = {} if initial is None else {"initial": initial}
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("error", nd.FallbackWarning)
            compare(nd.asnumpy(ufunc.accumulate(d)), ufunc.accumulate(x))
            compare(ufunc.reduce(d, **opts), ufunc.reduce(x, **opts))

    run_subcases([(c, i) for c in dist_cases(1) for i in (None, 2.5)], body)


def test_nanarg_treat_nan_as_the_losing_infinity():
    """NumPy's nanargmax/nanargmin replace NaN by -inf/+inf: [nan, -inf] has its nanargmax at 0."""
    x = np.array([[np.nan, -np.inf, 1], [np.inf, np.nan, np.inf], [np.nan, 2, np.nan], [-np.inf, np.nan, -np.inf],
                  [np.nan, -np.inf, np.nan]])

    def body(case, fname, axis):
        f = getattr(np, fname)
        check(lambda a: f(a, axis=axis), [x], [distribute(x, case)])

    run_subcases([(c, f, ax) for c in dist_cases(2) for f in ("nanargmax", "nanargmin") for ax in (None, 0, 1)],
                 body)


def test_nanvar_fractional_ddof_divides_by_the_fraction():
    """ddof=1.5 with two valid values leaves dof = 0.5: NumPy divides by it (no clamp to 1)."""
    x = np.array([[1.0, np.nan, 4.0, np.nan], [np.nan, 2.5, np.nan, 3.0], [7.0, np.nan, np.nan, np.nan]], np.float32)

    def body(case, axis, ddof):
        check(lambda a: np.nanvar(a, axis=axis, ddof=ddof), [x], [distribute(x, case)])
        check(lambda a: np.nanstd(a, axis=axis, ddof=ddof, keepdims=True), [x], [distribute(x, case)])

    run_subcases([(c, ax, dd) for c in dist_cases(2) for ax in (None, 0, 1) for dd in (0.5, 1.5, 2.75)], body)


def test_median_of_times_with_nat_is_nat():
    """NaT is the NaN of times: a median over it is NaT, as in NumPy."""
    x = np.array([-121, 421, "NaT", -671, -568, 90, 3], "m8[ms]")

    def body(case, data):
        got, want = np.median(distribute(data, case)), np.median(data)
        assert_all_ranks(bool(np.isnat(got) and np.isnat(want)) or got == want, f"{got!r} != NumPy {want!r}")

    run_subcases([(c, d) for c in dist_cases(1) for d in (x, x[~np.isnat(x)])], body)


def test_median_of_complex_nans_is_numpys_last_in_sort_order():
    """Median over complex NaNs: the greatest NaN in NumPy's sort order (R+nanj < nan+Rj < nan+nanj)."""
    x = np.array([1 + 2j, complex(np.nan, 3), complex(2, np.nan), complex(np.nan, -np.inf), complex(5, np.nan), 4,
                  complex(np.nan, -1)])

    def body(case, data):
        compare(_bits(np.median(distribute(data, case))), _bits(np.median(data)))

    run_subcases([(c, d) for c in dist_cases(1) for d in (x, x[[2, 4, 0]], x[[3]], x[[1, 3, 6]])], body)


@pytest.mark.parametrize("ufunc", [np.fmax, np.fmin])
def test_complex_fmax_fmin_all_nan_slices_give_the_first_nan(ufunc):
    """fmax/fmin skip NaNs; over an all-NaN slice NumPy returns its first NaN in C order."""

    def body(shape, case, axis):
        x = _complex_nans(shape, 7)
        x[..., 1] = [complex(np.nan, -np.inf), complex(2, np.nan), complex(np.nan, 1)][: shape[0]] * (shape[0] // 3) \
            if shape[0] % 3 == 0 else complex(np.nan, -np.inf)
        with np.errstate(invalid="ignore"):
            want = ufunc.reduce(x, axis=axis)
            got = ufunc.reduce(distribute(x, case), axis=axis)
        compare(_bits(got), _bits(want))

    run_subcases([(s, c, ax) for s in [(6, 3), (4, 3, 2)] for c in dist_cases(len(s)) for ax in [0, (0, 1)]], body)


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated"])
def test_accumulation_into_0d_out_is_refused(case):
    """NumPy 2.4 writes a 1-d accumulation past a 0-d out of its own dtype (the process crashes); every other
    0-d out it refuses with ValueError.  numpy_dist refuses all of them, on every rank, before any work."""
    for x in (np.ones((4, 4), np.int8), np.ones(5), np.zeros(0), np.ones(1, np.int8)):
        d = distribute(x, case)
        for f in (np.cumsum, np.cumprod, np.nancumsum, np.nancumprod, np.add.accumulate, np.multiply.accumulate):
            for odt in (x.dtype, np.float32):
                out = nd.asarray(np.zeros((), odt))
                with pytest.raises(ValueError):
                    f(d if f not in (np.add.accumulate, np.multiply.accumulate) else np.ravel(d), out=out)
