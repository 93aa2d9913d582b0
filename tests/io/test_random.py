"""Distributed random numbers: identical to a one-rank reference whatever the ranks and distribution."""

import itertools

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist import random as ndr
from numpy_dist.random import CHUNK, Random, default_rng
from numpy_dist.testing import DIST_CASES, assert_all_ranks, assert_dist_equal, distribute

from ._helpers import COMM, P, raises_everywhere, same_everywhere

CASES = list(DIST_CASES)
SHAPES = [(0,), (10,), (CHUNK + 7,), (7, 4), (300, 500), (3, 4, 5)]

METHODS = [
    ("random", (), {}),
    ("random", (), {"dtype": np.float32}),
    ("uniform", (-2.0, 5.0), {}),
    ("normal", (1.0, 3.0), {}),
    ("standard_normal", (), {"dtype": np.float32}),
    ("exponential", (2.5,), {}),
    ("integers", (-5, 9), {}),
    ("integers", (0, 255), {"dtype": np.uint8, "endpoint": True}),
    ("integers", (2,), {"dtype": np.bool_}),
    ("choice", (7,), {}),
    ("choice", ([1.5, 2.5, 3.5],), {"p": [0.2, 0.3, 0.5]}),
]


def _reference(seed, method, args, kwargs, shape):
    """The same call on one rank (COMM_SELF): the whole array, on every rank."""
    out = getattr(default_rng(seed, comm=MPI.COMM_SELF), method)(*args, size=shape, **kwargs)
    return out if shape is None else out.local


def _dist(case, shape):
    d = DIST_CASES[case](shape, COMM)
    if d is None:
        pytest.skip(f"{case} does not apply to {len(shape)}-d")
    return d


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_same_array_on_any_ranks_and_distribution(case, shape):
    dist = _dist(case, shape)
    for method, args, kwargs in METHODS:
        expected = _reference(123, method, args, kwargs, shape)
        got = getattr(default_rng(123), method)(*args, size=shape, dist=dist, **kwargs)
        assert got.distribution == dist
        assert_dist_equal(got, expected)


def test_dist_codes_and_grid_shape():
    expected = _reference(5, "normal", (), {}, (40, 30))
    got = default_rng(5).normal(size=(40, 30), dist=("c", "b"), grid_shape=(1, P))
    assert got.grid_shape == (1, P)
    assert_dist_equal(got, expected)
    assert_dist_equal(default_rng(5).normal(dist=nd.Distribution(COMM, (40, 30), "c")), expected)


def test_successive_calls_differ_and_seeds_matter():
    g = default_rng(1)
    a, b = g.random(100).toarray(), g.random(100).toarray()
    c = default_rng(2).random(100).toarray()
    d = default_rng(1).random(100).toarray()
    assert not np.array_equal(a, b) and not np.array_equal(a, c) and np.array_equal(a, d)


def test_scalar_draws_are_replicated():
    x = default_rng(8).normal()
    assert type(x) is type(np.random.default_rng(8).normal())  # NumPy's scalar type (a Python float)
    assert_all_ranks(same_everywhere(x), f"scalar differs: {x}")
    assert x == _reference(8, "normal", (), {}, None)


def test_seed_none_agrees_across_ranks():
    g = default_rng()
    assert_all_ranks(same_everywhere(g.random(5).toarray()), "ranks drew different OS entropy")
    assert_all_ranks(same_everywhere(default_rng(None).integers(0, 1 << 60)), "scalar differs")


def test_seed_sequence_accepted():
    ss = np.random.SeedSequence(99)
    assert np.array_equal(default_rng(ss).random(6).toarray(), default_rng(99).random(6).toarray())


def test_moments():
    n = 400_000
    g = default_rng(2024)
    u = g.random(n, dist="c").toarray()
    z = g.normal(2.0, 3.0, size=(n // 100, 100)).toarray()
    e = g.exponential(0.5, size=n).toarray()
    k = g.integers(0, 10, size=n).toarray()
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002 and u.min() >= 0 and u.max() < 1
    assert abs(z.mean() - 2.0) < 0.03 and abs(z.var() - 9.0) < 0.1
    assert abs(e.mean() - 0.5) < 0.005
    counts = np.bincount(k, minlength=10)
    assert k.min() == 0 and k.max() == 9 and np.all(np.abs(counts / n - 0.1) < 0.005)


# --------------------------------------------------------------------------
# Permutations
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 10, 3 * CHUNK + 5])
def test_permutation_of_range_matches_one_rank(n):
    expected = default_rng(77, comm=MPI.COMM_SELF).permutation(n).local
    assert np.array_equal(np.sort(expected), np.arange(n))
    for dist in (None, "c"):
        assert_dist_equal(default_rng(77).permutation(n, dist=dist), expected)


@pytest.mark.parametrize("case", CASES)
def test_permutation_of_distarray_rows(case):
    x = np.arange(26 * 3).reshape(26, 3)
    dist = _dist(case, x.shape)
    expected = default_rng(4, comm=MPI.COMM_SELF).permutation(nd.asarray(x, comm=MPI.COMM_SELF)).local
    assert sorted(map(tuple, expected)) == sorted(map(tuple, x))
    got = default_rng(4).permutation(nd.asarray(x, dist=dist))
    assert got.distribution == dist
    assert_dist_equal(got, expected)


def test_shuffle_in_place_equals_permutation():
    x = np.arange(50.0)
    expected = default_rng(12, comm=MPI.COMM_SELF).permutation(x).local
    d = nd.asarray(x, dist="c", copy=True)
    default_rng(12).shuffle(d)
    assert_dist_equal(d, expected)
    raises_everywhere(TypeError, lambda: default_rng(12).shuffle((1, 2, 3)))  # immutable, as NumPy refuses


def test_permutation_is_uniform():
    """All 3! orders of a small permutation appear with their expected frequency (seeded, so deterministic).

    Drawn on COMM_SELF: the result does not depend on the rank count (tested
    above), and 600 one-rank calls are much cheaper than 600 collective ones.
    """
    g = default_rng(31337, comm=MPI.COMM_SELF)
    draws = 600
    counts = {}
    for _ in range(draws):
        key = tuple(g.permutation(3).local.tolist())
        counts[key] = counts.get(key, 0) + 1
    assert set(counts) == set(itertools.permutations(range(3)))
    chi2 = sum((c - draws / 6) ** 2 / (draws / 6) for c in counts.values())
    assert chi2 < 20.5  # 5 degrees of freedom, p = 0.001


def test_large_permutation_mixes_buckets():
    n = 4 * CHUNK
    p = default_rng(5).permutation(n).toarray()
    assert np.array_equal(np.sort(p), np.arange(n))
    # Each quarter of the result draws about a quarter of its values from each quarter of the input.
    mix = np.histogram2d(np.arange(n) // CHUNK, p // CHUNK, bins=4)[0] / CHUNK
    assert np.all(np.abs(mix - 0.25) < 0.01)
    assert abs(np.corrcoef(np.arange(n), p)[0, 1]) < 0.01


def test_choice_without_replacement_matches_one_rank():
    expected = default_rng(6, comm=MPI.COMM_SELF).choice(20, size=(3, 4), replace=False).local
    assert np.unique(expected).size == 12
    assert_dist_equal(default_rng(6).choice(20, size=(3, 4), replace=False, dist="c"), expected)
    pool = np.array(list("abcdefghij"))
    got = default_rng(6).choice(pool, size=10, replace=False).toarray()
    assert sorted(got.tolist()) == sorted(pool.tolist())
    raises_everywhere(ValueError, lambda: default_rng(6).choice(5, size=6, replace=False))


# --------------------------------------------------------------------------
# Module functions and the seed's facade
# --------------------------------------------------------------------------


def test_module_functions():
    ndr.seed(3)
    a = ndr.rand(4, 5)
    b = ndr.randn((4, 5))
    c = ndr.randint(0, 10, size=7, dist="c")
    d = ndr.rand(nd.Distribution(COMM, (6,), "c"))
    ref = default_rng(3, comm=MPI.COMM_SELF)
    assert_dist_equal(a, ref.random((4, 5)).local)
    assert_dist_equal(b, ref.standard_normal((4, 5)).local)
    assert_dist_equal(c, ref.integers(0, 10, 7).local)
    assert_dist_equal(d, ref.random(6).local)
    assert d.dist == ("c",)
    assert_all_ranks(same_everywhere(ndr.rand()), "scalar differs")


def test_seed_facade():
    r = Random(nd.Context())
    r.seed(10)
    dist = nd.Distribution(COMM, (8, 3), "c")
    ref = default_rng(10, comm=MPI.COMM_SELF)
    assert_dist_equal(r.rand(dist), ref.random((8, 3)).local)
    assert_dist_equal(r.normal(dist, 1.0, 2.0), ref.normal(1.0, 2.0, (8, 3)).local)
    assert_dist_equal(r.randint(dist, 5), ref.integers(5, None, (8, 3)).local)
    assert_dist_equal(r.randn(dist), ref.standard_normal((8, 3)).local)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_bad_parameters_raise_everywhere():
    g = default_rng(0)
    raises_everywhere(ValueError, lambda: g.normal(0.0, -1.0, size=5))
    raises_everywhere(ValueError, lambda: g.integers(5, 3, size=5))
    raises_everywhere(ValueError, lambda: g.exponential(-2.0, size=5))
    raises_everywhere(TypeError, lambda: g.integers(np.zeros(3, int), 5, size=3))  # scalar bounds only
    raises_everywhere(ValueError, lambda: g.normal(0.0, nd.asarray(np.array([1.0, -1.0, 2.0]))))
    raises_everywhere(ValueError, lambda: g.exponential(np.array([1.0, -1.0])))
    raises_everywhere(ValueError, lambda: g.uniform(np.zeros(3), 1.0, size=(2, 4)))
    raises_everywhere(TypeError, lambda: g.random(4, dtype=np.float16))
    raises_everywhere(ValueError, lambda: g.choice(3, size=4, p=[0.5, 0.6, 0.1]))
    raises_everywhere(ValueError, lambda: g.random(size=5, dist=nd.Distribution(COMM, (6,))))
    raises_everywhere(ValueError, lambda: g.random(size=-1))
    raises_everywhere(TypeError, lambda: g.random(size=3, shape=3))
    raises_everywhere(np.exceptions.AxisError, lambda: g.permutation(np.zeros((5, 2)), axis=2))
    assert_all_ranks(g.permutation(-1).shape == (0,), "permutation(-1) is arange(-1) shuffled, as in NumPy")
    # The generator stays usable and in step on every rank after the errors.
    assert_all_ranks(same_everywhere(g.random()), "generators diverged after an error")


# --------------------------------------------------------------------------
# Array-valued parameters
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "grid_bb"])
def test_array_parameters_equal_the_scalar_draws(case):
    """Equal parameters as arrays give the scalar call's values; broadcasting and layouts as NumPy."""
    shape = (23, 6)
    loc = distribute(np.full(shape, 2.0), case)
    want = nd.asnumpy(default_rng(9).normal(2.0, 3.0, size=shape))
    got = default_rng(9).normal(loc, np.full(6, 3.0))
    assert got.shape == shape
    assert_dist_equal(got, want)
    if isinstance(loc, nd.DistArray):
        assert got.distribution == loc.distribution  # laid out like the parameter: nothing moved
    low = np.arange(6.0)
    got = default_rng(10).uniform(low, low + 1.0, size=shape)
    base = nd.asnumpy(default_rng(10).random(size=shape))
    assert_dist_equal(got, low + base)
    got = default_rng(12).uniform([0.0, 1.0], [[2.0, 3.0]], size=(3, 2))  # lists, as NumPy accepts
    assert_dist_equal(got, np.array([0.0, 1.0]) + 2.0 * nd.asnumpy(default_rng(12).random(size=(3, 2))))
    got = default_rng(11).exponential(np.full(shape, 2.0), dist=("c", "n"))
    assert_dist_equal(got, nd.asnumpy(default_rng(11).exponential(2.0, size=shape)))
    assert got.dist == ("c", "n")


# --------------------------------------------------------------------------
# Parameter validation against NumPy's Generator, on every rank (empty blocks included)
# --------------------------------------------------------------------------

BAD_OR_EDGE_CALLS = [
    ("integers", (7, 4), {}), ("integers", (3, 3), {}), ("integers", (0, 5), {}),
    ("integers", (-1, 3), {"dtype": np.uint8}), ("integers", (0, 300), {"dtype": np.uint8}),
    ("integers", (0, 3), {"dtype": np.float64}), ("integers", (0, 3), {"dtype": np.bool_}),
    ("integers", (0, 2**63 + 5), {}), ("integers", (0, 5.5), {}), ("integers", (4,), {"endpoint": True}),
    ("random", (), {"dtype": np.int64}), ("random", (), {"dtype": np.float16}), ("random", (), {"dtype": "f4"}),
    ("uniform", (1.0, 0.0), {}), ("uniform", (0.0, np.inf), {}), ("uniform", (np.nan, 0.0), {}),
    ("uniform", ([1.0, 2.0], [0.0, 3.0]), {}), ("uniform", ([0.0], [np.inf]), {}), ("uniform", ([0.0, 1.0], 2.0), {}),
    ("normal", (0.0, -1.0), {}), ("normal", (0.0, [1.0, -1.0]), {}), ("normal", (0.0, 1j), {}),
    ("normal", (0.0, [1j]), {}), ("normal", (np.nan, 1.0), {}), ("normal", ([0.0, 1.0], [1.0, 2.0]), {}),
    ("standard_normal", (), {"dtype": np.int64}), ("standard_normal", (), {"dtype": np.float16}),
    ("exponential", (-1.0,), {}), ("exponential", ([1.0, -1.0],), {}), ("exponential", (np.nan,), {}),
    ("choice", (0,), {}), ("choice", ([],), {}), ("choice", (-1,), {}), ("choice", (3.5,), {}),
    ("choice", (np.zeros(()),), {}), ("choice", (True,), {}), ("choice", (np.int64(4),), {}),
    ("choice", (3,), {"replace": False}), ("choice", (0,), {"replace": False}),
    ("choice", (3,), {"p": [0.5, 0.6, -0.1]}), ("choice", (3,), {"p": [0.5, 0.5]}),
    ("choice", (3,), {"p": [0.3, 0.3, 0.3]}), ("choice", (3,), {"p": [0.5, 0.5, np.nan]}),
    ("choice", (3,), {"p": [[0.2, 0.3, 0.5]]}), ("choice", (np.arange(6.0).reshape(3, 2),), {}),
    ("choice", (np.arange(6.0).reshape(3, 2),), {"axis": 2}), ("choice", ([1.5, 2.5],), {"replace": False}),
]
VALIDATION_SIZES = [None, (0,), (2,), (5,), (-1,), (2, 3), 3.0]


def _outcome(call):
    """("raised", class) or ("ok", shape, dtype): global metadata only, so no rank waits on another."""
    try:
        with np.errstate(all="ignore"):
            got = call()
    except Exception as exc:  # noqa: BLE001 - compared with NumPy's
        return ("raised", type(exc))
    if got is None:
        return ("ok", None, None)
    shape = got.shape if isinstance(got, nd.DistArray) else np.shape(got)
    return ("ok", tuple(shape), np.asarray(got).dtype.str if not isinstance(got, nd.DistArray) else got.dtype.str)


def _assert_like_numpy(ours, numpy, label):
    """Ours matches NumPy's outcome (an exception of NumPy's class, or the same shape and dtype) on every rank."""
    if numpy[0] == "raised":
        ok = ours[0] == "raised" and issubclass(ours[1], numpy[1])
    else:
        ok = ours == numpy
    everyone = COMM.allgather(repr(ours))
    assert_all_ranks(ok and len(set(everyone)) == 1,
                     f"{label}: ours {ours}, NumPy {numpy}, ranks saw {sorted(set(everyone))}")


def _dist_for_size(size, case):
    if case is None or size is None or not isinstance(size, tuple) or min(size) < 0:
        return {}
    return {"dist": DIST_CASES[case](size, COMM) or nd.Distribution(COMM, size, "n")}


@pytest.mark.parametrize("case", [None, "uneven", "replicated"])
@pytest.mark.parametrize("call", BAD_OR_EDGE_CALLS, ids=lambda c: f"{c[0]}{c[1:]}"[:60])
def test_parameter_checks_match_numpy_on_every_rank(call, case):
    """Bad parameters raise NumPy's class on every rank, also where this rank's block is empty (no hang)."""
    method, args, kwargs = call
    for size in VALIDATION_SIZES:
        numpy = _outcome(lambda: getattr(np.random.default_rng(0), method)(*args, size=size, **kwargs))
        ours = _outcome(lambda: getattr(default_rng(0), method)(*args, size=size, **kwargs,
                                                                 **_dist_for_size(size, case)))
        _assert_like_numpy(ours, numpy, f"{method}{args} {kwargs} size={size}")


@pytest.mark.parametrize("case", [None, "uneven", "replicated"])
def test_choice_without_replacement_with_p_checks_like_numpy(case):
    """replace=False with p: NumPy's size-dependent ValueErrors everywhere; else NumPy's shape and dtype."""
    for p in ([0.5, 0.5, 0, 0, 0], [0.2] * 5, [0.5, 0.6, -0.1, 0, 0]):
        for size in VALIDATION_SIZES + [(3,), (6,)]:
            numpy = _outcome(lambda: np.random.default_rng(0).choice(5, size=size, replace=False, p=p))
            ours = _outcome(lambda: default_rng(0).choice(5, size=size, replace=False, p=p,
                                                          **_dist_for_size(size, case)))
            _assert_like_numpy(ours, numpy, f"choice(5, p={p}, replace=False) size={size}")


PERMUTATION_CALLS = [
    ("permutation", -1, {}), ("permutation", 0, {}), ("permutation", 5, {"axis": 1}),
    ("permutation", np.int8(3), {}), ("permutation", True, {}), ("permutation", 3.0, {}),
    ("permutation", np.zeros(()), {}), ("permutation", np.arange(12.0).reshape(3, 4), {"axis": 1}),
    ("permutation", np.arange(12.0).reshape(3, 4), {"axis": -1}),
    ("permutation", np.arange(12.0).reshape(3, 4), {"axis": -3}),
    ("permutation", np.arange(12.0).reshape(3, 4), {"axis": 1.0}),
    ("permutation", np.zeros((0, 2)), {}), ("permutation", np.zeros((2, 0)), {"axis": 1}),
    ("shuffle", np.arange(12.0).reshape(3, 4), {"axis": 1}), ("shuffle", np.arange(12.0).reshape(3, 4), {"axis": 5}),
    ("shuffle", np.arange(12.0).reshape(3, 4), {"axis": -2}), ("shuffle", np.zeros(()), {}),
    ("shuffle", np.zeros((0, 3)), {}),
]


@pytest.mark.parametrize("case", ["numpy", "block", "uneven", "grid_bb", "replicated"])
@pytest.mark.parametrize("call", PERMUTATION_CALLS, ids=lambda c: f"{c[0]}-{np.shape(c[1])}-{c[2]}")
def test_permutation_and_shuffle_like_numpy(call, case):
    """Shapes, dtypes and exception classes as NumPy; shuffled data is a permutation along the axis."""
    method, x, kwargs = call
    numpy_x = np.array(x, copy=True) if isinstance(x, np.ndarray) else x
    numpy = _outcome(lambda: getattr(np.random.default_rng(0), method)(numpy_x, **kwargs))
    ours_x = x
    if isinstance(x, np.ndarray) and case != "numpy":
        ours_x = distribute(x, case)
    elif isinstance(x, np.ndarray):
        ours_x = x.copy()
    ours = _outcome(lambda: getattr(default_rng(0), method)(ours_x, **kwargs))
    _assert_like_numpy(ours, numpy, f"{method}({np.shape(x)}, {kwargs}) on {case}")
    if method == "shuffle" and ours[0] == "ok":
        axis = kwargs.get("axis", 0)
        got = nd.asnumpy(ours_x) if isinstance(ours_x, nd.DistArray) else ours_x
        assert_all_ranks(np.array_equal(np.sort(got, axis=axis), np.sort(x, axis=axis)), "shuffle lost elements")
        assert_all_ranks(same_everywhere(got), "ranks shuffled a replicated array differently")


def test_weighted_choice_without_replacement_follows_numpys_law():
    """choice(replace=False, p=): distinct picks, never a zero-probability one, pick frequencies of NumPy's law,
    and the same sample at every rank count."""
    p = np.array([0.5, 0.3, 0.1, 0.1, 0.0])
    rng = default_rng(3)
    first, second = np.zeros(5), np.zeros(5)
    trials = 600
    for _ in range(trials):
        s = rng.choice(5, size=3, replace=False, p=p).toarray()
        assert len(set(s.tolist())) == 3 and 4 not in s
        first[s[0]] += 1
        second[s[1]] += 1
    # Successive sampling: P(first = i) = p_i; P(second = i) = sum_j p_j p_i / (1 - p_j).
    want_second = np.array([sum(p[j] * p[i] / (1 - p[j]) for j in range(5) if j != i) for i in range(5)])
    np.testing.assert_allclose(first / trials, p, atol=0.06)
    np.testing.assert_allclose(second / trials, want_second, atol=0.06)
    one = default_rng(9, comm=MPI.COMM_SELF).choice(10, size=(2, 3), replace=False, p=np.arange(10) / 45).local
    assert_dist_equal(default_rng(9).choice(10, size=(2, 3), replace=False, p=np.arange(10) / 45, dist="c"), one)
    pool = np.array(list("abcde"))
    assert default_rng(9).choice(pool, replace=False, p=p) in pool[:4]


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "unstructured", "replicated"])
def test_permuted_shuffles_each_slice(case):
    """Generator.permuted: every slice along axis keeps its values (axis=None: the whole array), out= written,
    the same result at every rank count."""
    x = np.arange(42).reshape(6, 7)
    d = distribute(x, case)
    for axis in (None, 0, 1, -1):
        got = default_rng(4).permuted(d, axis=axis)
        assert got.distribution == d.distribution
        g = got.toarray()
        if axis is None:
            assert sorted(g.ravel().tolist()) == list(range(42))
        else:
            assert (np.sort(g, axis=axis) == x).all()
        one = default_rng(4, comm=MPI.COMM_SELF).permuted(np.arange(42).reshape(6, 7), axis=axis).local
        assert_all_ranks(np.array_equal(g, one), f"axis={axis}: differs from one rank")
    out = distribute(np.zeros((6, 7), np.int64), case)
    assert default_rng(4).permuted(d, axis=1, out=out) is out
    assert (np.sort(out.toarray(), axis=1) == x).all()
    raises_everywhere(np.exceptions.AxisError, lambda: default_rng(4).permuted(d, axis=2))
