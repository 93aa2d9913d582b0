"""Shape manipulation and indexing functions against NumPy over the distribution cases."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

P = MPI.COMM_WORLD.Get_size()
X = np.arange(7 * 6 * 5, dtype=np.float64).reshape(7, 6, 5)
Y = np.arange(36).reshape(6, 6)
CASES = ["block", "cyclic", "blockcyclic3", "uneven", "unstructured", "grid_bb", "grid_cb", "replicated"]

FUNCS = {
    "reshape": (lambda a: np.reshape(a, (5, 42)), X),
    "reshape-1": (lambda a: np.reshape(a, (-1,)), X),
    "method-reshape": (lambda a: a.reshape(6, 7, 5), X),
    "ravel": (lambda a: np.ravel(a), X),
    "flatten": (lambda a: a.flatten(), X),
    "T": (lambda a: a.T, X),
    "mT": (lambda a: a.mT, X),
    "transpose": (lambda a: np.transpose(a, (1, 0, 2)), X),
    "permute_dims": (lambda a: np.permute_dims(a, (2, 0, 1)), X),
    "swapaxes": (lambda a: np.swapaxes(a, 0, 2), X),
    "moveaxis": (lambda a: np.moveaxis(a, 0, -1), X),
    "expand_dims": (lambda a: np.expand_dims(a, (1, 3)), X),
    "squeeze": (lambda a: np.squeeze(a[:1]), X),
    "concatenate": (lambda a: np.concatenate([a, a[:2]]), X),
    "concatenate2": (lambda a: np.concatenate([a, a], axis=2), X),
    "concatenate-None": (lambda a: np.concatenate([a, a], axis=None), X),
    "stack": (lambda a: np.stack([a, a], axis=1), X),
    "vstack": (lambda a: np.vstack([a, a]), X),
    "hstack": (lambda a: np.hstack([a, a]), X),
    "dstack": (lambda a: np.dstack([a, a]), X),
    "column_stack": (lambda a: np.column_stack([a, a]), Y),
    "flip": (lambda a: np.flip(a), X),
    "flip1": (lambda a: np.flip(a, 1), X),
    "fliplr": (lambda a: np.fliplr(a), Y),
    "flipud": (lambda a: np.flipud(a), Y),
    "roll0": (lambda a: np.roll(a, 2, axis=0), X),
    "roll-flat": (lambda a: np.roll(a, -3), X),
    "roll-multi": (lambda a: np.roll(a, (1, 2), axis=(0, 1)), X),
    "tile": (lambda a: np.tile(a, (2, 1, 1)), X),
    "tile-more-dims": (lambda a: np.tile(a, (2, 1, 1, 2)), X),
    "repeat": (lambda a: np.repeat(a, 2, axis=0), X),
    "repeat-flat": (lambda a: np.repeat(a, 2), X),
    "repeat-array": (lambda a: np.repeat(a, [1, 0, 2, 1, 1, 3], axis=1), X),
    "diff": (lambda a: np.diff(a, axis=0), X),
    "diff2": (lambda a: np.diff(a, n=2, axis=1), X),
    "diff-prepend": (lambda a: np.diff(a, axis=0, prepend=0), X),
    "pad-constant": (lambda a: np.pad(a, 1, constant_values=-1), X),
    "pad-edge": (lambda a: np.pad(a, ((1, 2), (0, 1), (2, 0)), mode="edge"), X),
    "pad-wrap": (lambda a: np.pad(a, 2, mode="wrap"), X),
    "pad-reflect": (lambda a: np.pad(a, 2, mode="reflect"), X),
    "pad-symmetric": (lambda a: np.pad(a, 2, mode="symmetric"), X),
    "tril": (lambda a: np.tril(a), Y),
    "triu": (lambda a: np.triu(a, 1), Y),
    "take0": (lambda a: np.take(a, [5, 0, 0, 3], axis=0), X),
    "take2d": (lambda a: np.take(a, [[1, 2], [3, 4]], axis=1), X),
    "take-flat": (lambda a: np.take(a, [7, 100]), X),
    "take-wrap": (lambda a: np.take(a, [-9, 10], axis=0, mode="wrap"), X),
    "take_along_axis1": (lambda a: np.take_along_axis(a, np.argsort(-Y, axis=1), axis=1), Y),
    "take_along_axis0": (lambda a: np.take_along_axis(a, np.argsort(-Y, axis=0), axis=0), Y),
    "compress": (lambda a: np.compress([True, False, True], a, axis=1), X),
    "extract": (lambda a: np.extract(Y % 3 == 0, a), Y),
    "nonzero": (lambda a: np.nonzero(a % 4 == 0)[1], Y),
    "argwhere": (lambda a: np.argwhere(a % 5 == 0), Y),
    "flatnonzero": (lambda a: np.flatnonzero(a % 7 == 0), Y),
    "array_split": (lambda a: np.array_split(a, 3)[1], X),
    "split": (lambda a: np.split(a, 2, axis=1)[1], Y),
    "broadcast_to": (lambda a: np.broadcast_to(a[0], (3, 6)), Y),
    "broadcast_arrays": (lambda a: np.broadcast_arrays(a[:, :1], a[:1])[1], Y),
    "atleast_3d": (lambda a: np.atleast_3d(a), Y),
    "atleast_2d": (lambda a: np.atleast_2d(a[0]), Y),
}


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("case", CASES)
def test_against_numpy(case, name):
    f, src = FUNCS[name]
    d = distribute(src, case)
    assert_dist_equal(f(d), f(src))


def test_put_flat_indices():
    for case in CASES:
        d = distribute(Y, case)
        e = Y.copy()
        np.put(d, [0, 35, 7, -1], [-1, -2, -3])
        np.put(e, [0, 35, 7, -1], [-1, -2, -3])
        assert_dist_equal(d, e)


def test_meshgrid_and_empty():
    x, y = np.arange(4.0), np.arange(3.0)
    gx, gy = np.meshgrid(nd.asarray(x), nd.asarray(y))
    ex, ey = np.meshgrid(x, y)
    assert_dist_equal(gx, ex)
    assert_dist_equal(gy, ey)
    z = distribute(np.zeros((0, 3)), "block")
    assert_dist_equal(np.reshape(z, (3, 0)), np.zeros((3, 0)))
    assert_dist_equal(np.concatenate([z, z]), np.zeros((0, 3)))
    assert_dist_equal(np.nonzero(z)[0], np.nonzero(np.zeros((0, 3)))[0])


@pytest.mark.parametrize("call, exc", [
    (lambda a: np.reshape(a, (4, 4)), ValueError),
    (lambda a: np.reshape(a, (-1, -1)), ValueError),
    (lambda a: np.concatenate([a, a[:, :2]], axis=0), ValueError),
    (lambda a: np.squeeze(a, axis=0), ValueError),
    (lambda a: np.transpose(a, (0, 0)), ValueError),
    (lambda a: np.take(a, [100], axis=0), IndexError),
    (lambda a: np.swapaxes(a, 0, 5), np.exceptions.AxisError),
    (lambda a: np.broadcast_to(a, (2, 2)), ValueError),
    (lambda a: np.split(a, 4), ValueError),
])
def test_bad_input_same_exception_everywhere(call, exc):
    with pytest.raises(exc):
        call(Y)
    d = distribute(Y, "block")
    nd.reset_comm_stats()
    with pytest.raises(exc):
        call(d)
    assert nd.comm_stats()["bytes_sent"] == 0


def test_reshape_memory_stays_near_local_share():
    n = 240_000
    d = nd.arange(float(n))
    r = np.reshape(d, (400, 600))
    t = r.T
    back = np.ravel(np.ascontiguousarray(t) if False else t)
    assert_dist_equal(back, np.arange(float(n)).reshape(400, 600).T.ravel())
    share = n * 8 / P
    assert_all_ranks(r.local.nbytes <= share * 1.5 + 8 * 600, "reshape block far from the local share")
