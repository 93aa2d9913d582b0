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
    assert isinstance(x, np.floating)
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
    raises_everywhere(TypeError, lambda: default_rng(12).shuffle(np.arange(3)))


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
    raises_everywhere(NotImplementedError, lambda: g.permutation(5, axis=1))
    raises_everywhere(ValueError, lambda: g.permutation(-1))
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
