"""Sorting, order statistics, sets and histograms against NumPy over the distribution cases."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

P = MPI.COMM_WORLD.Get_size()
RNG = np.random.default_rng(0)
DATA = {
    "random": RNG.standard_normal(101),
    "ints": RNG.integers(0, 5, 57),
    "sorted": np.arange(40.0),
    "reversed": np.arange(40.0)[::-1].copy(),
    "all-equal": np.full(33, 7.0),
    "few-distinct": RNG.integers(0, 3, 64).astype(np.float32),
    "nan": np.where(RNG.random(50) < 0.2, np.nan, RNG.standard_normal(50)),
    "empty": np.zeros(0),
    "bool": RNG.random(23) < 0.5,
    "complex": RNG.standard_normal(20) + 1j * RNG.integers(0, 2, 20),
    "tiny": np.array([3.0, 1.0, 2.0]),
}
CASES = ["block", "cyclic", "blockcyclic2", "uneven", "unstructured", "replicated"]
METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
           "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher", "nearest", "midpoint"]


def _outcome(f, a):
    try:
        return f(a), None
    except Exception as exc:  # noqa: BLE001 - compared with NumPy's
        return None, exc


def check(f, x, d):
    """``f(d)`` matches ``f(x)``: an equal result, or NumPy's exception class, with one verdict for all ranks.

    A rank that raises while the others return fails the test on every rank (a per-rank
    ``pytest.raises`` would let the others go on to the next collective and hang).
    """
    want, numpy_error = _outcome(f, x)
    got, error = _outcome(f, d)
    if numpy_error is not None:
        assert_all_ranks(isinstance(error, type(numpy_error)),
                         f"NumPy raised {numpy_error!r}; numpy_dist {'raised ' + repr(error) if error else 'returned'}")
        return
    assert_all_ranks(error is None, f"raised {error!r}; NumPy returned")
    assert_dist_equal(got, want)


FUNCS = {
    "sort": lambda a: np.sort(a),
    "argsort-stable": lambda a: np.argsort(a, kind="stable"),
    "unique": lambda a: np.unique(a),
    "unique-counts": lambda a: np.unique(a, return_counts=True),
    "unique-index": lambda a: np.unique(a, return_index=True),
    "unique-inverse": lambda a: np.unique(a, return_inverse=True),
    "unique-all": lambda a: tuple(np.unique_all(a)),
}
NUMERIC = {
    "median": lambda a: np.median(a),
    "nanmedian": lambda a: np.nanmedian(a),
    "percentile": lambda a: np.percentile(a, [5, 50, 95]),
    "nanpercentile": lambda a: np.nanpercentile(a, 40, method="weibull"),
    "histogram": lambda a: np.histogram(a[~np.isnan(a)] if a.dtype.kind == "f" else a, bins=7),
    "searchsorted": lambda a: np.searchsorted(np.sort(a), [0.5, -1, 3]),
    "isin-list": lambda a: np.isin(a, [1, 2, 0.5]),
    "isin-dist": lambda a: np.isin(a, a[::2]),
    "partition-kth": lambda a: np.partition(a, a.size // 2)[a.size // 2],
    "digitize": lambda a: np.digitize(a, [-1.0, 0.0, 1.0]),
}


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("data", list(DATA))
@pytest.mark.parametrize("case", CASES)
def test_sort_unique(case, data, name):
    x = DATA[data]
    check(FUNCS[name], x, distribute(x, case))


@pytest.mark.parametrize("name", list(NUMERIC))
@pytest.mark.parametrize("data", [k for k, v in DATA.items() if v.dtype.kind in "fiu" and v.size])
@pytest.mark.parametrize("case", CASES)
def test_order_statistics_and_searching(case, data, name):
    x = DATA[data]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            check(NUMERIC[name], x, distribute(x, case))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured"])
def test_quantile_every_method(case, method):
    x = DATA["random"]
    d = distribute(x, case)
    assert_dist_equal(np.quantile(d, [0.0, 0.1, 0.5, 0.77, 1.0], method=method),
                      np.quantile(x, [0.0, 0.1, 0.5, 0.77, 1.0], method=method))


@pytest.mark.parametrize("case", ["block", "grid_bb", "grid_cb", "last", "replicated"])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_nd_along_axes(case, axis):
    x = RNG.standard_normal((9, 7))
    d = distribute(x, case)
    assert_dist_equal(np.sort(d, axis=axis), np.sort(x, axis=axis))
    assert_dist_equal(np.argsort(d, axis=axis), np.argsort(x, axis=axis, kind="stable"))
    assert_dist_equal(np.median(d, axis=axis), np.median(x, axis=axis))
    assert_dist_equal(np.percentile(d, [10, 90], axis=axis, method="hazen"),
                      np.percentile(x, [10, 90], axis=axis, method="hazen"))
    if axis is not None:
        assert_dist_equal(np.quantile(d, 0.3, axis=axis, keepdims=True), np.quantile(x, 0.3, axis=axis, keepdims=True))


def test_in_place_sort_lexsort_sets_bincount():
    x = RNG.integers(0, 9, 31)
    y = RNG.integers(0, 3, 31)
    for case in CASES:
        d, e = distribute(x, case), distribute(y, case)
        s = d.copy()
        s.sort()
        assert_dist_equal(s, np.sort(x))
        assert_dist_equal(np.lexsort((d, e)), np.lexsort((x, y)))
        assert_dist_equal(np.intersect1d(d, e), np.intersect1d(x, y))
        assert_dist_equal(np.union1d(d, e), np.union1d(x, y))
        assert_dist_equal(np.setdiff1d(d, e), np.setdiff1d(x, y))
        assert_dist_equal(np.setxor1d(d, e), np.setxor1d(x, y))
        assert_dist_equal(np.bincount(d), np.bincount(x))
        assert_dist_equal(np.bincount(d, weights=e * 1.5, minlength=12), np.bincount(x, weights=y * 1.5, minlength=12))
        assert_dist_equal(np.searchsorted(np.sort(d), distribute(y, case)), np.searchsorted(np.sort(x), y))


def test_histogram_variants():
    x = RNG.standard_normal(200)
    w = RNG.random(200)
    for case in ["block", "cyclic", "replicated"]:
        d, dw = distribute(x, case), distribute(w, case)
        assert_dist_equal(np.histogram(d, bins=5, range=(-1, 1)), np.histogram(x, bins=5, range=(-1, 1)))
        assert_dist_equal(np.histogram(d, bins=[-3, 0, 0.5, 3], weights=dw, density=True),
                          np.histogram(x, bins=[-3, 0, 0.5, 3], weights=w, density=True))
        assert_dist_equal(np.histogram_bin_edges(d, bins=4), np.histogram_bin_edges(x, bins=4))
        h2 = np.histogram2d(d, d * 2, bins=4)
        assert_dist_equal(h2, np.histogram2d(x, x * 2, bins=4))


def test_sort_memory_stays_near_2n_over_p():
    n = 200_000
    x = np.random.default_rng(5).integers(0, 10, n).astype(np.float64)  # heavy duplicates
    d = nd.asarray(x)
    s = np.sort(d)
    assert_all_ranks(s.local.size <= 2 * n / P + P, f"block of {s.local.size} elements after sort")
    assert_dist_equal(s, np.sort(x))


def test_bad_input_same_everywhere():
    d = distribute(np.arange(5.0), "cyclic")
    for f, exc in [(lambda a: np.quantile(a, 1.5), ValueError), (lambda a: np.percentile(a, 50, method="bogus"), ValueError),
                   (lambda a: np.partition(a, 10), ValueError), (lambda a: np.sort(a, axis=2), np.exceptions.AxisError),
                   (lambda a: np.searchsorted(a, 1, side="middle"), ValueError), (lambda a: np.bincount(a), TypeError)]:
        with pytest.raises(exc):
            f(np.arange(5.0))
        with pytest.raises(exc):
            f(d)


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven", "replicated"])
@pytest.mark.parametrize("data", ["random", "few-distinct", "nan", "sorted"])
def test_partition_contract(case, data):
    """NumPy leaves the order inside each side open: check the contract, not one arrangement."""
    x = DATA[data].astype(np.float64)
    d = distribute(x, case)
    s = np.sort(x)
    same = lambda u, v: u == v or (np.isnan(u) and np.isnan(v))  # noqa: E731
    for kth in [0, len(x) // 2, [1, len(x) - 2], -1]:
        p = nd.asnumpy(np.partition(d, kth))
        ip = nd.asnumpy(np.argpartition(d, kth))
        ok = bool(np.array_equal(np.sort(ip), np.arange(len(x))))
        for k in np.atleast_1d(kth) % len(x):
            ok &= same(p[k], s[k]) and same(x[ip][k], s[k])
            if not np.isnan(p[k]):
                ok &= bool(np.all(p[:k][~np.isnan(p[:k])] <= p[k]) and np.all((p[k + 1:] >= p[k]) | np.isnan(p[k + 1:])))
        assert_all_ranks(ok, f"partition contract broken for kth={kth}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven", "replicated"])
def test_partition_kth_among_complex_nans_follows_numpys_order(case):
    """NumPy sorts complex NaNs as R+nanj < nan+Rj < nan+nanj (each by its non-NaN part): a kth there is that one."""
    x = np.array([1 + 1j, complex(np.nan, 3), complex(2, np.nan), complex(np.nan, np.nan), complex(1, np.nan),
                  complex(np.nan, -np.inf), 5 - 2j, complex(-3, np.nan), complex(np.nan, 0.5), 0j] * 3)
    s = np.sort(x)
    d = distribute(x, case)
    for kth in range(len(x)):
        got = nd.asnumpy(np.partition(d, kth))[kth]
        assert_all_ranks(bool(np.array_equal(np.array([got]).view(np.float64), np.array([s[kth]]).view(np.float64),
                                             equal_nan=True)), f"kth={kth}: {got} != NumPy {s[kth]}")


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven"])
def test_selection_with_pivots_float64_cannot_represent(case):
    """Complex values with one real part and int64 values near 2**62: selection must progress (it used a float pivot)."""
    z = np.full(10_000, 3.0) + 1j * np.random.default_rng(0).random(10_000)
    big = np.arange(2**62, 2**62 + 12_000, dtype=np.int64)[::-1].copy()
    for x, k in ((z, 5_000), (big, 7_777)):
        got = np.partition(distribute(x, case), k)
        assert_all_ranks(nd.asnumpy(got)[k] == np.partition(x, k)[k], "wrong k-th element")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven"])
def test_partition_of_times_puts_nat_last(case):
    """NaT sorts last in NumPy, as NaN does: a kth in the NaT zone is NaT, the others the sorted values."""
    x = np.array([5, "NaT", -3, 40, "NaT", 7, 0], "M8[s]")
    s = np.sort(x)
    d = distribute(x, case)
    for kth in range(len(x)):
        got = nd.asnumpy(np.partition(d, kth))[kth]
        assert_all_ranks(bool(got == s[kth] or (np.isnat(got) and np.isnat(s[kth]))), f"kth={kth}: {got} != {s[kth]}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven", "replicated"])
def test_unique_keeps_numpys_nan(case):
    """Complex NaNs differ: values-only unique keeps the first NaN in input order, the index/inverse/counts
    paths the first in sort order (R+nanj < nan+Rj < nan+nanj), as NumPy does."""
    n = np.nan
    for x in ([complex(n, 0), 1, complex(n, n), complex(0, n)], [complex(0, n), 2j, complex(n, n), complex(n, 0)],
              [complex(3, n), 1, complex(n, 0), complex(2, n), 1, complex(n, -np.inf)]):
        x = np.array(x * 3, np.complex128)
        d = distribute(x, case)
        for kw in ({}, {"return_counts": True}, {"return_index": True}):
            want = np.unique(x, **kw)
            got = np.unique(d, **kw)
            w, g = (want[0], got[0]) if kw else (want, got)
            assert_all_ranks(bool(np.array_equal(nd.asnumpy(g).view(np.float64), w.view(np.float64), equal_nan=True)),
                             f"{kw}: {nd.asnumpy(g)} != NumPy {w}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven", "replicated"])
def test_unique_of_1d_with_an_axis_is_unique_without(case):
    # NumPy's 1-d unique only checks a given axis: NaNs collapse (equal_nan) as for axis=None, whatever is asked.
    x = np.array([np.nan, -1.0, -7.0, np.nan, -1.0, np.nan])
    d = distribute(x, case)
    for kw in ({}, {"equal_nan": False}, {"return_index": True, "return_inverse": True, "return_counts": True}):
        for axis in (0, -1):
            want, got = np.unique(x, axis=axis, **kw), np.unique(d, axis=axis, **kw)
            want, got = (want, got) if isinstance(want, tuple) else ((want,), (got,))
            same = len(want) == len(got) and all(np.array_equal(nd.asnumpy(g), w, equal_nan=True) and
                                                 nd.asnumpy(g).shape == w.shape for g, w in zip(got, want))
            assert_all_ranks(same, f"axis={axis} {kw}: {[nd.asnumpy(g) for g in got]} != NumPy {want}")
    for axis in (1, -2):
        with pytest.raises(np.exceptions.AxisError):
            np.unique(d, axis=axis)


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven", "replicated"])
def test_unique_values_moves_only_each_ranks_distinct_values(case):
    """Values-only unique dedupes each block before the sort: of 10,000 elements with 7 distinct values, at
    most 7 values per rank travel, with the splitters and run boundaries: under 5% of the array (every element
    travelled before, most of it twice); NaNs, NaTs and -0.0 keep NumPy's answer."""
    x = np.random.default_rng(3).integers(0, 7, 10_000).astype(np.float64)
    d = distribute(x, case)
    nd.reset_comm_stats()
    got = np.unique(d)
    sent = nd.comm_stats()["bytes_sent"]
    assert_dist_equal(got, np.unique(x))
    assert_all_ranks(sent <= x.nbytes // 20, f"{sent} bytes sent")
    specials = [np.array([np.nan, 0.0, -0.0, np.nan, 1.0, -0.0] * 5),
                np.array(["NaT", 3, "NaT", 1, 3], "M8[D]"), np.array(["NaT", 3, "NaT", 1, 3], "m8[D]"),
                np.array([np.nan, 1 + 1j, complex(np.nan, 1), 1 + 1j] * 3)]
    for x in specials:
        for equal_nan in (True, False):
            want = np.unique(x, equal_nan=equal_nan)
            got = nd.asnumpy(np.unique(distribute(x, case), equal_nan=equal_nan))
            ok = got.dtype == want.dtype and got.shape == want.shape and np.array_equal(
                got.view(np.int64) if x.dtype.kind in "mM" else got, want.view(np.int64) if x.dtype.kind in "mM"
                else want, equal_nan=x.dtype.kind not in "mM")
            assert_all_ranks(bool(ok), f"{x.dtype} equal_nan={equal_nan}: {got} != NumPy {want}")
