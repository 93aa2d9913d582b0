"""unique along an axis, intersect1d with indices, lexsort of N-d keys, reshape/ravel in Fortran order and
tril/triu of a 1-d array: native on every layout (the fallback is refused), equal to NumPy."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, assert_all_ranks, assert_dist_equal, distribute
from tests.dispatch._helpers import check

COMM = MPI.COMM_WORLD


pytestmark = pytest.mark.usefixtures("refuse_fallback")


def _cases(shape):
    return [c for c in DIST_CASES if DIST_CASES[c](shape, COMM) is not None]


def _data(shape, seed, kind="float"):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, shape)
    if kind == "float":
        x = x.astype(float)
        if x.size:
            x.reshape(-1)[0] = np.nan  # NaN rows never merge (NumPy compares records)
            x.reshape(-1)[-1] = -0.0
    return x


UNIQUE_SHAPES = [((9, 2), 0), ((9, 2), 1), ((2, 3, 4), 2), ((7, 3, 2), 0), ((7, 3, 2), -2), ((3, 0), 0),
                 ((3, 0), 1), ((0, 3), 0), ((13, 2), -2), ((1, 5), 1)]


@pytest.mark.parametrize("shape,axis", UNIQUE_SHAPES, ids=str)
def test_unique_along_an_axis(shape, axis):
    for kind in ("float", "int"):
        x = _data(shape, len(shape) + axis, kind)
        expected = np.unique(x, axis=axis, return_index=True, return_inverse=True, return_counts=True)
        for case in _cases(shape):
            d = distribute(x, case)
            for got, want in zip(np.unique(d, axis=axis, return_index=True, return_inverse=True,
                                           return_counts=True), expected):
                assert_dist_equal(got, want)
            assert_dist_equal(np.unique(d, axis=axis), expected[0])


def test_unique_axis_errors():
    d = distribute(_data((4, 3), 0), "cyclic")
    for axis, exc in [(2, np.exceptions.AxisError), (-3, np.exceptions.AxisError), (1.0, TypeError)]:
        got = None
        try:
            np.unique(d, axis=axis)
        except Exception as e:  # noqa: BLE001
            got = type(e)
        assert_all_ranks(got is not None and issubclass(got, exc), f"axis={axis}: {got}")


@pytest.mark.parametrize("case", _cases((17,)))
def test_intersect1d_return_indices(case):
    rng = np.random.default_rng(4)
    v, w = rng.integers(0, 6, 17), rng.integers(3, 9, 11)
    for second in (distribute(w, "cyclic"), w, distribute(w.astype(float), "uneven")):
        wn = nd.asnumpy(second) if isinstance(second, nd.DistArray) else second
        for got, want in zip(np.intersect1d(distribute(v, case), second, return_indices=True),
                             np.intersect1d(v, wn, return_indices=True)):
            assert_dist_equal(got, want)
    u = np.arange(10)[::-1].copy()  # unique inputs: assume_unique gives the same
    for got, want in zip(np.intersect1d(distribute(u, case), u[2:7], assume_unique=True, return_indices=True),
                         np.intersect1d(u, u[2:7], assume_unique=True, return_indices=True)):
        assert_dist_equal(got, want)


@pytest.mark.parametrize("shape", [(5, 4), (3, 7), (2, 3, 4), (0, 3), (4, 1)], ids=str)
def test_lexsort_of_nd_keys(shape):
    rng = np.random.default_rng(len(shape))
    a, b = rng.integers(0, 3, shape), np.round(rng.normal(size=shape))
    for case in _cases(shape):
        for axis in range(-1, len(shape)):
            assert_dist_equal(np.lexsort((distribute(a, case), distribute(b, "block")), axis=axis),
                              np.lexsort((a, b), axis=axis))
            assert_dist_equal(np.lexsort((distribute(a, case), b), axis=axis), np.lexsort((a, b), axis=axis))
            stacked = np.stack([a, b])
            assert_dist_equal(np.lexsort(distribute(stacked, "block"), axis=axis), np.lexsort(stacked, axis=axis))


def test_lexsort_of_zero_dimensional_keys():
    """Fuzz: a sequence of 0-d keys is one element (NumPy: 0 for axis -1 or 0, its errors otherwise)."""
    for axis in (-1, 0, None, 1):
        keys = [np.array(True), np.array(False)]
        check(lambda *k: np.lexsort(k, axis=axis), keys, [nd.asarray(k) for k in keys])


def test_lexsort_of_one_dimensional_keys_array():
    r = np.lexsort(nd.asarray(np.array([3, 1, 2])))  # NumPy: three 0-d keys, one element
    assert_all_ranks(type(r) is type(np.lexsort(np.array([3, 1, 2]))) and r == 0, f"{r!r}")
    got = None
    try:
        np.lexsort(nd.asarray(np.array([], int)))
    except TypeError:
        got = TypeError
    assert_all_ranks(got is TypeError, "no TypeError for empty keys")


@pytest.mark.parametrize("shape,new", [((13, 6), (6, 13)), ((13, 6), (-1,)), ((4, 3, 2), (2, 12)),
                                       ((4, 3, 2), (3, 2, 4)), ((0, 3), (3, 0)), ((7,), (7, 1))], ids=str)
def test_reshape_and_ravel_in_fortran_order(shape, new):
    x = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
    for case in _cases(shape):
        d = distribute(x, case)
        assert_dist_equal(np.reshape(d, new, order="F"), np.reshape(x, new, order="F"))
        assert_dist_equal(np.ravel(d, order="F"), np.ravel(x, order="F"))
        assert_dist_equal(d.reshape(new, order="F"), x.reshape(new, order="F"))


@pytest.mark.parametrize("n", [0, 1, 5, 17])
def test_tril_triu_of_a_vector(n):
    v = np.arange(1, n + 1)
    for case in _cases((max(n, 1),)) if n else ["block"]:
        d = distribute(v, case)
        for k in (-2, 0, 1, 40):
            assert_dist_equal(np.tril(d, k), np.tril(v, k))
            assert_dist_equal(np.triu(d, k), np.triu(v, k))


RULES = ["auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt"]


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "unstructured", "grid_bc", "replicated"])
def test_histogram_bin_rules(case):
    x = np.random.default_rng(0).normal(size=(40, 5))
    x[0, 0] = 7.0
    d = distribute(x, case)
    for rule in RULES:
        for rng in (None, (-1, 2)):
            hist, edges = np.histogram(d, rule, rng)
            want_hist, want_edges = np.histogram(x, rule, rng)
            assert_all_ranks(np.array_equal(hist, want_hist) and edges.shape == want_edges.shape
                             and np.allclose(edges, want_edges), f"{rule} {rng}")
            assert_all_ranks(np.allclose(np.histogram_bin_edges(d, rule, rng), np.histogram_bin_edges(x, rule, rng)),
                             f"edges {rule} {rng}")
    ints = distribute(np.arange(30) % 7, case)  # integer data: a width below 1 becomes 1, as in NumPy
    assert_all_ranks(np.array_equal(np.histogram(ints, "fd")[0], np.histogram(np.arange(30) % 7, "fd")[0]), "ints")
    for call in (lambda a: np.histogram(a, "bogus"), lambda a: np.histogram(a, "auto", weights=np.ones(a.shape))):
        try:
            call(x)
        except Exception as exc:  # noqa: BLE001
            expected = type(exc)
        got = None
        try:
            call(d)
        except Exception as exc:  # noqa: BLE001
            got = type(exc)
        assert_all_ranks(got is expected, f"{got} vs {expected}")


@pytest.mark.parametrize("shape,axis", [((17,), None), ((17,), 0), ((6, 5), None), ((6, 5), 0), ((6, 5), 1),
                                        ((6, 5), (0, 1)), ((4, 3, 2), 1), ((1,), None)], ids=str)
def test_weighted_quantiles(shape, axis):
    rng = np.random.default_rng(len(shape) * 7 + (axis if isinstance(axis, int) else 5))
    x = np.round(rng.normal(size=shape), 1)  # ties
    w = rng.integers(0, 4, shape).astype(float)  # zero weights, leading ones included
    if x.size > 3:
        x.reshape(-1)[2] = np.nan
    one_axis = w.reshape(-1)[: shape[axis]] if isinstance(axis, int) and len(shape) > 1 else None
    for case in _cases(shape):
        d = distribute(x, case)
        for fn, q in [(np.quantile, [0.0, 0.3, 0.5, 1.0]), (np.nanquantile, 0.5), (np.percentile, [0, 30, 100]),
                      (np.nanpercentile, [25, 75])]:
            for weights in [w, distribute(w, "cyclic"), one_axis]:
                if weights is None or (weights is one_axis and fn.__name__.startswith("nan")):
                    continue  # (NumPy 2.4's nanquantile indexes 1-d weights per slice: IndexError)
                plain = nd.asnumpy(weights) if isinstance(weights, nd.DistArray) else weights
                with np.errstate(all="ignore"):
                    want = fn(x, q, axis=axis, method="inverted_cdf", weights=plain)
                    got = fn(d, q, axis=axis, method="inverted_cdf", weights=weights)
                assert_dist_equal(got, want)


def test_weighted_quantile_errors():
    d = distribute(np.arange(9.0), "uneven")  # the offending weight sits on one rank
    for weights, method, exc in [(np.r_[np.ones(8), -1.0], "inverted_cdf", ValueError),
                                 (np.zeros(9), "inverted_cdf", ValueError),
                                 (np.ones(9), "linear", ValueError), (np.ones(4), "inverted_cdf", ValueError)]:
        got = None
        try:
            np.quantile(d, 0.5, method=method, weights=distribute(weights, "cyclic") if weights.size == 9 else weights)
        except Exception as e:  # noqa: BLE001
            got = type(e)
        try:
            np.quantile(np.arange(9.0), 0.5, method=method, weights=weights)
        except Exception as e:  # noqa: BLE001
            expected = type(e)
        assert_all_ranks(got is not None and issubclass(got, expected), f"{weights} {method}: {got} vs {expected}")
