"""Sorting, searching, sets and histograms against NumPy on edge cases: value, dtype, exception class.

Every call runs on NumPy data and on the same data distributed (or mixed
with NumPy operands); the outcome must match NumPy's (an exception of
NumPy's class, or an equal result of equal shape and dtype) and be the
same on every rank (a rank that raises alone would hang a real program).
"""

import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, distribute

COMM = MPI.COMM_WORLD
RNG = np.random.default_rng(3)
LAYOUTS = ["block", "cyclic", "uneven", "unstructured", "replicated"]
DTYPES = [np.bool_, np.uint8, np.uint32, np.int64, np.float16, np.float32, np.complex128]


def _data(dtype, n):
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return RNG.random(n) < 0.5
    if dt.kind in "iu":
        return RNG.integers(0 if dt.kind == "u" else -3, 9, n).astype(dt)
    half = 0.5 + (0.5j if dt.kind == "c" else 0)
    return (RNG.integers(-4, 6, n) + half).astype(dt)


def _run(f, args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return "ok", f(*args)
    except Exception as exc:  # noqa: BLE001 - compared with NumPy's
        return "raised", exc


def _as_numpy(x):
    if isinstance(x, (tuple, list)):
        return tuple(_as_numpy(v) for v in x)
    return nd.asnumpy(x) if isinstance(x, nd.DistArray) else x


def _difference(got, want) -> str:
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"structure {type(got).__name__} vs {type(want).__name__}"
        return next((d for d in map(_difference, got, want) if d), "")
    g, w = np.asarray(got), np.asarray(want)
    if g.shape != w.shape or g.dtype != w.dtype:
        return f"shape/dtype {g.shape} {g.dtype} vs NumPy {w.shape} {w.dtype}"
    if w.dtype.kind in "fc":
        tol = 64 * np.finfo(w.dtype).eps
        same = np.allclose(g, w, rtol=tol, atol=tol, equal_nan=True)
    else:
        same = np.array_equal(g, w)
    return "" if same else f"values {g!r} vs NumPy {w!r}"[:300]


def like_numpy(f, numpy_args, our_args, label=""):
    """Assert (collectively) that ``f(*our_args)`` behaves as ``f(*numpy_args)``, identically on every rank."""
    want_kind, want = _run(f, numpy_args)
    got_kind, got = _run(f, our_args)
    seen = COMM.allgather(got_kind if got_kind == "ok" else type(got).__name__)
    assert_all_ranks(len(set(seen)) == 1, f"{label}: ranks disagree: {seen} ({got!r:.200})")
    if got_kind == "raised":
        ok = want_kind == "raised" and isinstance(got, type(want))
        assert_all_ranks(ok, f"{label}: raised {type(got).__name__}: {got}; NumPy: {want!r:.200}")
        return
    assert_all_ranks(want_kind == "ok", f"{label}: returned; NumPy raised {want!r:.200}")
    why = _difference(_as_numpy(got), want)
    assert_all_ranks(not why, f"{label}: {why}")


# --------------------------------------------------------------------------
# searchsorted
# --------------------------------------------------------------------------

HAYSTACK = np.sort(_data(np.float64, 11))
NEEDLES = [1.5, np.float64(1.5), np.array(1.5), 2, True, np.array([0.5, 3, -9]),
           np.array([[1.0, 2.0], [7.0, -1.0]]), np.zeros(0)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("side", ["left", "right", "middle", None, b"left"])
def test_searchsorted_needles_and_sides(layout, side):
    """A scalar or 0-d needle gives a 0-d answer; NumPy, 0-d and distributed needles of any ndim."""
    d = distribute(HAYSTACK, layout)
    for v in NEEDLES:
        like_numpy(lambda a, v: np.searchsorted(a, v, side=side), (HAYSTACK, v), (d, v), f"needle {v!r}")
        dv = distribute(np.asarray(v), layout) if np.ndim(v) else nd.asarray(np.asarray(v))
        like_numpy(lambda a, v: np.searchsorted(a, v, side=side), (HAYSTACK, np.asarray(v)), (d, dv),
                   f"distributed needle {v!r}")
        like_numpy(lambda a, v: np.searchsorted(a, v, side=side), (HAYSTACK, np.asarray(v)), (HAYSTACK, dv),
                   f"NumPy haystack, distributed needle {v!r}")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_searchsorted_sorter_dtypes_nan_empty(layout):
    hay = HAYSTACK[::-1].copy()
    s = np.argsort(hay)
    d = distribute(hay, layout)
    search = lambda a, v, sorter: np.searchsorted(a, v, sorter=sorter)  # noqa: E731
    like_numpy(search, (hay, 1.5, s), (d, 1.5, s), "NumPy sorter")
    like_numpy(search, (hay, [1.5, 3], s), (d, [1.5, 3], distribute(s, layout)), "distributed sorter")
    like_numpy(search, (hay, 1.5, s + 20), (d, 1.5, distribute(s + 20, layout)), "sorter out of range")
    like_numpy(search, (hay, 1.5, s * 1.0), (d, 1.5, s * 1.0), "float sorter")
    like_numpy(search, (hay, 1.5, s[:3]), (d, 1.5, s[:3]), "short sorter")
    for dt in DTYPES:
        h = np.sort(_data(dt, 9))
        like_numpy(lambda a: np.searchsorted(a, [1, 2.5]), (h,), (distribute(h, layout),), f"{np.dtype(dt)} haystack")
        like_numpy(lambda a: np.searchsorted(a, 2), (h,), (distribute(h, layout),), f"{np.dtype(dt)} scalar needle")
    nan_hay, nan_needles = np.array([1.0, 2, np.nan, np.nan]), np.array([np.nan, 1.5, np.inf])
    like_numpy(np.searchsorted, (nan_hay, nan_needles), (distribute(nan_hay, layout), distribute(nan_needles, layout)),
               "NaN")
    for hay in (np.zeros(0), np.zeros((2, 3))):
        like_numpy(lambda a: np.searchsorted(a, 1.0), (hay,), (distribute(hay, layout),), f"haystack {hay.shape}")


# --------------------------------------------------------------------------
# histograms and bincount
# --------------------------------------------------------------------------

HIST_KWARGS = [dict(bins=7), dict(bins=7, density=True), dict(bins=[0, 1, 2.5, 9]), dict(bins=3, range=(0, 4)),
               dict(bins=4, weights=np.arange(17.0)), dict(bins=0), dict(bins=2.5), dict(bins=3, range=(4, 0)),
               dict(bins=[3, 1])]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
def test_histograms_over_dtypes(dtype, layout):
    x, y = _data(dtype, 17), _data(dtype, 17)
    d = distribute(x, layout)
    for kw in HIST_KWARGS:
        like_numpy(lambda a: np.histogram(a, **kw), (x,), (d,), f"histogram {kw}")
        edges_kw = {k: v for k, v in kw.items() if k != "density"}
        like_numpy(lambda a: np.histogram_bin_edges(a, **edges_kw), (x,), (d,), f"histogram_bin_edges {kw}")
    like_numpy(lambda a: np.digitize(a, [0, 1, 3.5]), (x,), (d,), "digitize")
    like_numpy(lambda a: np.digitize(a, [3.5, 1, 0], right=True), (x,), (d,), "digitize right")
    like_numpy(np.bincount, (x,), (d,), "bincount")
    like_numpy(lambda a: np.bincount(a, weights=np.ones(17, np.float32)), (x,), (d,), "bincount weights")
    like_numpy(lambda a: np.bincount(a, minlength=-1), (x,), (d,), "bincount minlength=-1")
    like_numpy(lambda a, b: np.histogram2d(a, b, bins=3), (x, y), (d, distribute(y, layout)), "histogram2d")
    like_numpy(lambda a, b: np.histogram2d(a, b, bins=3, density=True), (x, y), (d, y), "histogram2d, NumPy y")
    xy = np.stack([x, y], 1)
    like_numpy(lambda a: np.histogramdd(a, bins=3), (xy,), (distribute(xy, layout),), "histogramdd")


@pytest.mark.parametrize("rule", ["auto", "fd", "sqrt"])
def test_histogram_rule_checks_weights_shape_first(rule):
    """Fuzz case 30600260: weights of another shape are NumPy's ValueError before a rule refuses weights."""
    for n in (0, 5):
        x = _data(np.uint8, n)
        for layout in LAYOUTS:
            d = distribute(x, layout)
            for w in (np.arange(3), np.arange(n + 1.0)):
                like_numpy(lambda a: np.histogram(a, bins=rule, weights=w), (x,), (d,), f"{rule} {n}")
                like_numpy(lambda a: np.histogram_bin_edges(a, bins=rule, weights=w), (x,), (d,), f"edges {rule}")


SPECIAL = [np.zeros(0), np.array([1.0, np.nan, 2]), np.array([1.0, np.inf]), np.array([3.0, 3.0, 3.0]),
           np.zeros(0, np.int64), np.array([-1, 2]), np.array([2**62, 1])]


@pytest.mark.parametrize("rule", ["auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt"])
def test_histogram_rules_of_booleans(rule):
    """Fuzz: NumPy histograms booleans as uint8, the bin rules too (they subtract)."""
    x = np.array([True] * 6 + [False])
    for layout in LAYOUTS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "Converting input from bool"
            like_numpy(lambda a: np.histogram(a, bins=rule, density=True), (x,), (distribute(x, layout),), rule)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("x", SPECIAL, ids=repr)
def test_histogram_and_bincount_special_inputs(x, layout):
    """Empty, NaN, inf, constant, negative and huge inputs: NumPy's result or NumPy's error, on every rank."""
    d = distribute(x, layout)
    like_numpy(np.histogram, (x,), (d,), "histogram")
    like_numpy(lambda a: np.histogram(a, bins=3, density=True), (x,), (d,), "histogram density")
    like_numpy(lambda a: np.histogram(a, bins=3, range=(0, 2)), (x,), (d,), "histogram range")
    ones = np.ones(x.size)
    like_numpy(np.bincount, (x,), (d,), "bincount")
    like_numpy(lambda a, w: np.bincount(a, weights=w), (x, ones), (d, distribute(ones, layout)), "bincount weights")
    like_numpy(lambda a, w: np.bincount(a, weights=w), (x, x * 1.0), (d, d * 1.0), "bincount own weights")
    like_numpy(lambda a: np.bincount(a, minlength=5), (x,), (d,), "bincount minlength")
    like_numpy(lambda a: np.bincount(a, minlength=None), (x,), (d,), "bincount minlength=None")
    like_numpy(lambda a: np.bincount(a, weights=[1.0]), (x,), (d,), "bincount short weights")
    like_numpy(lambda a: np.bincount(a, weights=np.ones(a.shape, complex)), (x,), (d,), "bincount complex weights")


# --------------------------------------------------------------------------
# sets
# --------------------------------------------------------------------------

SET_FUNCS = {
    "unique": lambda a, b: np.unique(a),
    "unique_all": lambda a, b: tuple(np.unique(a, True, True, True)),
    "isin": lambda a, b: np.isin(a, b),
    "isin_invert": lambda a, b: np.isin(a, b, invert=True),
    "intersect1d": np.intersect1d,
    "union1d": np.union1d,
    "setdiff1d": np.setdiff1d,
    "setxor1d": np.setxor1d,
}
DTYPE_PAIRS = [(np.uint32, np.complex128), (np.uint8, np.int64), (np.bool_, np.float16), (np.float32, np.float64),
               (np.int64, np.uint32), (np.complex128, np.float32)]


@pytest.mark.parametrize("layout", ["block", "uneven", "unstructured", "replicated"])
@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids=lambda p: f"{np.dtype(p[0]).name}-{np.dtype(p[1]).name}")
def test_set_functions_mixed_dtypes_and_operands(dtypes, layout):
    a, b = _data(dtypes[0], 11), _data(dtypes[1], 7)
    for name, f in SET_FUNCS.items():
        like_numpy(f, (a, b), (distribute(a, layout), b), f"{name} DistArray/NumPy")
        like_numpy(f, (a, b), (a, distribute(b, layout)), f"{name} NumPy/DistArray")
        like_numpy(f, (a, b), (distribute(a, layout), distribute(b, layout)), f"{name} DistArray/DistArray")


@pytest.mark.parametrize("layout", ["block", "uneven", "replicated"])
def test_set_functions_empty_nan_nd(layout):
    pairs = [(np.zeros(0), np.zeros(0)), (np.zeros(0), np.array([1.0])),
             (np.array([np.nan, 1, np.nan, np.inf]), np.array([np.nan, np.inf])), (np.zeros((2, 3)), np.zeros(2))]
    for a, b in pairs:
        for name, f in SET_FUNCS.items():
            like_numpy(f, (a, b), (distribute(a, layout), distribute(b, layout)), f"{name} {a!r}/{b!r}")
            like_numpy(f, (a, b), (distribute(a, layout), b), f"{name} {a!r}/NumPy {b!r}")


@pytest.mark.parametrize("layout", ["block", "cyclic", "uneven", "replicated"])
def test_isin_kind_checked_like_numpy(layout):
    """A bad ``kind``, or 'table' on non-integer data, raises NumPy's ValueError on every rank (empty blocks too)."""
    pairs = [(np.zeros(1, np.float32), _data(np.complex64, 5)), (np.zeros(0, np.complex64), np.zeros((0, 4), np.int8)),
             (_data(np.int64, 6), _data(np.float64, 3)), (_data(np.uint8, 6), _data(np.bool_, 4))]
    for a, b in pairs:
        for kind in ["bogus", "table", "sort", None, 3]:
            f = lambda x, y: np.isin(x, y, kind=kind)  # noqa: E731
            like_numpy(f, (a, b), (distribute(a, layout), distribute(b, layout)), f"isin kind={kind} {a.dtype}/{b.dtype}")
            like_numpy(f, (a, b), (distribute(a, layout), b), f"isin kind={kind} {a.dtype}/NumPy {b.dtype}")
            like_numpy(f, (a, b), (a, distribute(b, layout)), f"isin kind={kind} NumPy {a.dtype}/{b.dtype}")


@pytest.mark.parametrize("layout", ["block", "uneven", "unstructured", "replicated"])
def test_isin_table_range_overflow_like_numpy(layout):
    """kind='table' refuses tests whose max - min overflows their dtype (RuntimeError) or intp's maximum (NumPy's
    ValueError shaping the table), decided on global extremes."""
    info = np.iinfo(np.int64)
    # (A range that fits but is huge makes NumPy allocate the table and fail on memory: not a case to copy.)
    # An unsigned range past intp's maximum fits its dtype, but NumPy's table of that length cannot be shaped.
    tests = [np.array([info.min, 0, info.max]), np.array([info.min, 1]), np.array([-1, info.max]),
             np.array([[-3, 5], [7, 2]]), np.zeros(0, np.int64), np.array([True, False]),
             np.array([0, 2**64 - 1], np.uint64), np.array([1, 2**63], np.uint64)]
    for b in tests:
        for a in [np.array(True), np.arange(4)]:
            f = lambda x, y: np.isin(x, y, kind="table")  # noqa: E731
            like_numpy(f, (a, b), (a, distribute(b, layout)), f"isin table {a.dtype} in {b}")


@pytest.mark.parametrize("layout", ["block", "uneven", "replicated"])
def test_union1d_python_scalar_is_weak(layout):
    """NumPy concatenates the operands: a Python scalar takes the array's dtype (a NumPy 0-d array does not)."""
    for a in [np.float16([-0.0, 2]), np.arange(3, dtype=np.uint8), np.array(np.float16(-0.0))]:
        d = distribute(a, layout) if a.ndim else nd.asarray(a)
        for b in [float("nan"), 3, True, np.float64(1.5), np.array(2.0)]:
            like_numpy(np.union1d, (a, b), (d, b), f"union1d {a.dtype}/{b!r}")
            like_numpy(np.union1d, (b, a), (b, d), f"union1d {b!r}/{a.dtype}")


@pytest.mark.parametrize("layout", ["block", "cyclic", "uneven", "unstructured", "replicated", "grid_bb"])
def test_stable_sort_keeps_signed_zero_order(layout):
    """``stable=True`` / ``kind='stable'`` keep -0.0 and 0.0 in their input order, like NumPy; both at once raise."""
    x = RNG.choice(np.array([0.0, -0.0, 1.5, np.nan, -np.inf], np.float32), size=(6, 7))
    d = distribute(x, layout)
    for axis in [None, 0, -1]:
        for kw in [{"stable": True}, {"kind": "stable"}, {"kind": "mergesort"}, {"kind": "quicksort", "stable": True}]:
            like_numpy(lambda a: np.sort(a, axis=axis, **kw), (x,), (d,), f"sort axis={axis} {kw} (values)")
            # Values compare -0.0 == 0.0; the sign bits tell the zeros apart.
            like_numpy(lambda a: np.signbit(np.sort(a, axis=axis, **kw)), (x,), (d,), f"sort axis={axis} {kw} (signs)")


# --------------------------------------------------------------------------
# sort, argsort, partition, argpartition
# --------------------------------------------------------------------------

SORT_INPUTS = [np.zeros((4, 0)), np.zeros((0, 3)), np.array(3.0), np.zeros(0), np.array([3.0, np.nan, 1, -np.inf]),
               np.array([1 + 2j, 1 - 1j, np.nan, 0j]), np.arange(12.0).reshape(3, 4)[::-1].copy(),
               np.array([True, False, True])]


def _sorted_partition(a, kth, axis):
    """NumPy leaves the order inside each side open: compare the partitioned values sorted."""
    return np.sort(np.partition(a, kth, axis=axis), axis=axis)


def _sorted_in_place(a, axis):
    a = a.copy()
    a.sort(axis=axis)
    return a


@pytest.mark.parametrize("layout", ["block", "cyclic", "uneven", "replicated"])
def test_in_place_write_back_checks_shape_collectively(layout):
    """The in-place methods' write-back refuses a result of another shape on every rank (it used to hang)."""
    target = distribute(np.arange(5.0), layout)
    for other in [np.arange(4.0), np.arange(6.0), np.zeros((5, 1)), np.zeros((1, 5))]:
        outcome = _run(target._assign_from, (distribute(other, layout),))
        seen = COMM.allgather(type(outcome[1]).__name__ if outcome[0] == "raised" else "ok")
        assert_all_ranks(seen == ["ValueError"] * COMM.Get_size(), f"write-back of {other.shape}: {seen}")
    right = distribute(np.arange(5.0)[::-1].copy(), "cyclic")
    target._assign_from(right)  # same shape, another layout: redistributed into place
    assert_all_ranks(np.array_equal(nd.asnumpy(target), np.arange(5.0)[::-1]), "write-back across layouts")


@pytest.mark.parametrize("layout", ["block", "cyclic", "uneven", "replicated", "grid_bb"])
@pytest.mark.parametrize("x", SORT_INPUTS, ids=lambda x: f"{x.dtype.name}{x.shape}")
def test_sort_and_partition_edge_cases(x, layout):
    """0-d, empty, NaN and complex inputs; kth and axis out of range; the in-place method's axis=None."""
    d = distribute(x, layout) if x.ndim else nd.asarray(x)
    for axis in [None, 0, -1, 1, 2, -3, 1.0]:
        like_numpy(lambda a: np.sort(a, axis=axis), (x,), (d,), f"sort axis={axis}")
        like_numpy(lambda a: np.argsort(a, axis=axis, kind="stable"), (x,), (d,), f"argsort axis={axis}")
    for kth in [0, [0], -1, 3, 100, -100, 1.0, [], [0, 1]]:
        for axis in [-1, 0, None, 2]:
            like_numpy(lambda a: _sorted_partition(a, kth, axis), (x,), (d,), f"partition kth={kth} axis={axis}")
            like_numpy(lambda a: np.argpartition(a, kth, axis=axis).shape, (x,), (d,),
                       f"argpartition kth={kth} axis={axis}")
    for axis in [None, 0, -1, 5]:
        like_numpy(lambda a: _sorted_in_place(a, axis), (x,), (d,), f"a.sort(axis={axis})")
        like_numpy(lambda a: a.argsort(axis=axis, kind="stable"), (x,), (d,), f"a.argsort(axis={axis})")
    like_numpy(lambda a: np.sort(a, kind="bogus"), (x,), (d,), "sort kind='bogus'")
