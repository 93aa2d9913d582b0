"""__getitem__/__setitem__ against NumPy over every distribution case."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
X = np.arange(7 * 6 * 5, dtype=np.float64).reshape(7, 6, 5)
CASES = ["block", "cyclic", "blockcyclic2", "blockcyclic3", "uneven", "unstructured", "grid_bb", "grid_cb", "replicated"]
KEYS = [
    0, -1, (1, 2), (1, 2, 3), (-1, -2, -3), slice(1, 5), slice(None, None, -1), slice(5, 0, -2), slice(2, 2),
    (slice(None), 2), (Ellipsis, 1), (None, 2), (slice(1, None), None, slice(None, None, 2)), (1, slice(None), -1),
    (), Ellipsis, [3, 1, 1, 6], [-1, 0], (slice(None), [0, 5, 2]), (2, [1, 1]), (np.array([[1, 2], [3, 4]]),),
    (slice(None), 0, [1, 2]), (0, slice(None), [4, 1]), (X[:, 0, 0] > 10,), (X > 50,), (X[:, :, 0] > 60,), (X > 1e9,),
    (slice(1, 3), [4, 0], slice(None, None, -1)), ([],), (slice(None), np.array([True, False, True, False, True, True])),
    # several index arrays (points by owner request/response)
    ([1, 2], [3, 4]), ([1, 2], slice(None), [0, 4]), (slice(1, 4), [0, 5, 5], [1, 1, 2]), ([[0], [6]], [[1, 2]]),
    (2, [1, 3], [0, 4]), ([1, 6], 2), ([0, 0], slice(None), 3), ([1, 2], None, [3, 4]), (Ellipsis, [1, 2], [3, 4]),
    ([-1, -7], [0, -6], [4, -5]), (np.array([True, False, True, False, False, False, True]), [1, 2, 3]),
]


def _id(k):
    return repr(k)[:40]


@pytest.mark.parametrize("key", KEYS, ids=_id)
@pytest.mark.parametrize("case", CASES)
def test_getitem(case, key):
    d = distribute(X, case)
    assert_dist_equal(d[key], X[key])


@pytest.mark.parametrize("key", KEYS, ids=_id)
@pytest.mark.parametrize("case", CASES)
def test_setitem_array_and_scalar(case, key):
    want = X[key]
    value = -np.arange(np.size(want), dtype=np.float64).reshape(np.shape(want)) if np.ndim(want) else -1.0
    expected = X.copy()
    expected[key] = value
    d = distribute(X, case)
    d[key] = value
    assert_dist_equal(d, expected)
    expected = X.copy()
    expected[key] = 9.5
    d = distribute(X, case)
    d[key] = 9.5
    assert_dist_equal(d, expected)


@pytest.mark.parametrize("case", CASES)
def test_setitem_distarray_values_broadcast(case):
    d = distribute(X, case)
    expected = X.copy()
    row = np.arange(5.0) * 100
    d[2:5] = nd.asarray(row)  # (5,) broadcast into (3, 6, 5)
    expected[2:5] = row
    d[:, 1] = distribute(-X[:, 1], "cyclic")
    expected[:, 1] = -X[:, 1]
    d[X > 150] = 0.5
    expected[X > 150] = 0.5
    assert_dist_equal(d, expected)


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "blockcyclic2"])
def test_views_write_through(case):
    d = distribute(X, case)
    v = d[1:6, ::2]
    v[...] = 0
    w = d[::-1]
    w[0, 0] = 42
    expected = X.copy()
    expected[1:6, ::2] = 0
    expected[::-1][0, 0] = 42
    assert_dist_equal(d, expected)
    if case in ("block", "cyclic"):
        assert_all_ranks(v.local.size == 0 or np.shares_memory(v.local, d.local), "basic slice is not a view")


def test_repeated_fancy_indices_last_write_wins():
    for case in CASES:
        d = distribute(np.zeros(10), case)
        d[[1, 3, 1, 1]] = [10.0, 20.0, 30.0, 40.0]
        e = np.zeros(10)
        e[[1, 3, 1, 1]] = [10.0, 20.0, 30.0, 40.0]
        assert_dist_equal(d, e)


BAD = [
    (10, IndexError), (-11, IndexError), ((0, 0), IndexError), ([0, 10], IndexError), (1.5, IndexError),
    ("a", IndexError), ((Ellipsis, Ellipsis), IndexError), (np.array([True, False]), IndexError),
    (np.ones((2, 2), bool), IndexError), (([0, 1], [0, 1, 2]), IndexError),
]


@pytest.mark.parametrize("key, exc", BAD, ids=_id)
@pytest.mark.parametrize("case", ["block", "unstructured", "replicated"])
def test_bad_keys_raise_everywhere(case, key, exc):
    d = distribute(np.arange(10.0), case)
    with pytest.raises(exc):
        np.arange(10.0)[key]
    nd.reset_comm_stats()
    with pytest.raises(exc):
        d[key]
    with pytest.raises(exc):
        d[key] = 1.0
    assert nd.comm_stats()["bytes_sent"] == 0


def test_setitem_broadcast_mismatch():
    d = distribute(np.zeros((4, 3)), "block")
    with pytest.raises(ValueError):
        d[1:3] = np.ones(4)


def test_heat_diffusion_50_steps_moves_only_halos():
    n, m = 64, 48
    rng = np.random.default_rng(3)
    u0 = rng.random((n, m))

    def step(u):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                               - 4 * u[1:-1, 1:-1])

    expected = u0.copy()
    for _ in range(50):
        step(expected)
    d = nd.asarray(u0.copy())
    nd.reset_comm_stats()
    for _ in range(50):
        step(d)
    sent = nd.comm_stats()["bytes_sent"]
    assert_dist_equal(d, expected, rtol=0)  # bit for bit: the same float operations in the same order
    halo = 2 * m * 8  # two boundary rows per rank
    assert_all_ranks(sent <= 50 * 8 * halo, f"stencil sent {sent} bytes, more than a small multiple of halos")
    assert_all_ranks(sent < u0.nbytes * 50 / max(P, 1) or P == 1, "stencil moved arrays, not halos")


@pytest.mark.parametrize("key, value", [(5, 300), (1.0, 300), (5, -2.0), (1.0, -2.0), ([5], 300), (1, 300),
                                        (slice(1, 2), 300)])
def test_setitem_errors_in_numpy_order(key, value):
    """Index types, then integer bounds, then the value's conversion, then index-array bounds (as NumPy)."""
    x = np.zeros(3, np.uint8)
    with pytest.raises(Exception) as want:
        x[key] = value
    d = distribute(np.zeros(3, np.uint8), "block")
    with pytest.raises(want.type, match=str(want.value).split("(")[0][:30].replace("[", r"\[")):
        d[key] = value
