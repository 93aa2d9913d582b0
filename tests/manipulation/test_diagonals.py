"""Diagonals and triangles (np.diag, diagflat, diag_indices_from, fill_diagonal, tril/triu_indices_from,
vander) against NumPy over the distribution cases, with no fallback."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_dist_equal, dist_cases, distribute

from tests.dispatch._helpers import check, run_subcases

P = MPI.COMM_WORLD.Get_size()


pytestmark = pytest.mark.usefixtures("refuse_fallback")


VECTORS = {
    "f8": np.array([1.5, -2.0, np.nan, np.inf, 0.0, 7.0, -0.0]),
    "i4": np.arange(1, 6, dtype=np.int32),
    "c16": np.array([1 + 2j, 3 - 1j, 0j]),
    "bool": np.array([True, False, True, True]),
    "one": np.array([3.0]),  # fewer elements than ranks
    "empty": np.zeros(0, np.float32),
}
MATRICES = {
    "sq": np.arange(36.0).reshape(6, 6),
    "tall": np.arange(35, dtype=np.int64).reshape(7, 5),
    "wide": np.arange(15, dtype=np.int16).reshape(3, 5),
    "nan": np.array([[np.nan, 1.0], [np.inf, -np.inf]]),
    "tiny": np.ones((1, 2)),
    "empty": np.zeros((0, 3)),
}
KS = [0, 1, -2, 5, -9]


@pytest.mark.parametrize("name", list(VECTORS))
def test_diag_of_vector(name):
    x = VECTORS[name]
    items = [(case, k) for case in dist_cases(1) for k in KS]
    run_subcases(items, lambda case, k: (check(lambda v: np.diag(v, k), (x,), (distribute(x, case),)),
                                        check(lambda v: np.diag(v, k=k), (x,), (distribute(x, case),))))


@pytest.mark.parametrize("name", list(MATRICES))
def test_diag_of_matrix_and_diagflat(name):
    x = MATRICES[name]
    items = [(case, k) for case in dist_cases(2) for k in KS]
    run_subcases(items, lambda case, k: (check(lambda v: np.diag(v, k), (x,), (distribute(x, case),)),
                                        check(lambda v: np.diagflat(v, k), (x,), (distribute(x, case),))))


def test_diagflat_scalar_and_3d():
    cube = np.arange(8).reshape(2, 2, 2)
    run_subcases([(c,) for c in dist_cases(3)],
                 lambda c: check(lambda v: np.diagflat(v, -1), (cube,), (distribute(cube, c),)))
    check(lambda v: np.diagflat(v), (np.float32(2),), (nd.asarray(np.float32(2)),))


def test_diag_bad_arguments():
    cube = np.zeros((2, 2, 2))
    check(lambda v: np.diag(v), (cube,), (distribute(cube, "block"),))
    check(lambda v: np.diag(v), (np.float64(1),), (nd.asarray(np.float64(1)),))
    for x in (VECTORS["f8"], MATRICES["sq"]):
        check(lambda v: np.diag(v, 1.5), (x,), (distribute(x, "block"),))
        check(lambda v: np.diagflat(v, "a"), (x,), (distribute(x, "block"),))


@pytest.mark.parametrize("shape", [(5, 5), (1, 1), (0, 0), (3, 3, 3), (4,), (3, 4), (2, 2, 3)])
def test_diag_indices_from(shape):
    x = np.zeros(shape)
    run_subcases([(c,) for c in dist_cases(len(shape))],
                 lambda c: check(np.diag_indices_from, (x,), (distribute(x, c),)))


FILL_ARRAYS = {
    "sq": np.zeros((5, 5)),
    "tall": np.zeros((11, 3), np.int32),
    "wide": np.zeros((3, 7), np.float32),
    "cube": np.zeros((3, 3, 3), np.int64),
    "one": np.zeros((1, 1)),
    "empty": np.zeros((0, 0)),
    "c16": np.zeros((4, 4), complex),
}
FILL_VALUES = [7, -1.5, [1, 2], np.array([9.0, np.nan, np.inf]), [], np.int8(3), 1 + 2j, np.nan, 2 ** 70]


@pytest.mark.parametrize("name", list(FILL_ARRAYS))
def test_fill_diagonal(name):
    base = FILL_ARRAYS[name]
    items = [(c, i, wrap) for c in dist_cases(base.ndim) for i in range(len(FILL_VALUES)) for wrap in (False, True)]

    def body(case, i, wrap):
        val = FILL_VALUES[i]
        expected, d = base.copy(), distribute(base, case)
        try:
            np.fill_diagonal(expected, val, wrap)
        except Exception as exc:  # noqa: BLE001
            with pytest.raises(type(exc)):
                np.fill_diagonal(d, val, wrap)
            return
        assert np.fill_diagonal(d, val, wrap=wrap) is None
        assert_dist_equal(d, expected)

    run_subcases(items, body)


def test_fill_diagonal_distributed_values_and_errors():
    a, val = np.zeros((4, 4)), np.arange(3.0)
    d = distribute(a, "cyclic")
    np.fill_diagonal(d, distribute(val, "uneven"))
    np.fill_diagonal(a, val)
    assert_dist_equal(d, a)
    for bad in (np.zeros(3), np.zeros((2, 3, 3))):
        with pytest.raises(ValueError):
            np.fill_diagonal(bad, 1)
        with pytest.raises(ValueError):
            np.fill_diagonal(distribute(bad, "block"), 1)


@pytest.mark.parametrize("fname", ["tril_indices_from", "triu_indices_from"])
@pytest.mark.parametrize("shape", [(6, 6), (7, 3), (2, 9), (1, 1), (0, 4), (4, 0)])
def test_triangle_indices_from(fname, shape):
    f = getattr(np, fname)
    x = np.zeros(shape)
    items = [(c, k) for c in dist_cases(2) for k in (0, 1, -1, 3, -10, 10, 1.5, -0.5)]
    run_subcases(items, lambda c, k: (check(lambda v: f(v, k), (x,), (distribute(x, c),)),
                                      check(lambda v: f(v, k=k), (x,), (distribute(x, c),))))


@pytest.mark.parametrize("fname", ["tril_indices_from", "triu_indices_from"])
def test_triangle_indices_bad(fname):
    f = getattr(np, fname)
    for x in (np.zeros(4), np.zeros((2, 2, 2))):
        check(f, (x,), (distribute(x, "block"),))
    check(lambda v: f(v, "a"), (np.zeros((2, 2)),), (distribute(np.zeros((2, 2)), "block"),))


VANDER = {
    "f8": np.array([1.5, -2.0, np.nan, np.inf, 0.0, 3.0, 2.0]),
    "i8": np.arange(-3, 4),
    "u1": np.arange(5, dtype=np.uint8),
    "bool": np.array([True, False, True]),
    "c8": np.array([1 + 1j, 2j], np.complex64),
    "one": np.array([2.0]),
    "empty": np.zeros(0),
}


@pytest.mark.parametrize("name", list(VANDER))
def test_vander(name):
    x = VANDER[name]
    items = [(c, N, inc) for c in dist_cases(1) for N in (None, 0, 1, 4) for inc in (False, True)]
    run_subcases(items, lambda c, N, inc: check(lambda v: np.vander(v, N, increasing=inc), (x,),
                                                (distribute(x, c),)))


def test_vander_bad_arguments():
    x = VANDER["f8"]
    check(lambda v: np.vander(v, -1), (x,), (distribute(x, "block"),))
    check(lambda v: np.vander(v, 2.5), (x,), (distribute(x, "block"),))
    m = np.ones((2, 2))
    check(lambda v: np.vander(v), (m,), (distribute(m, "block"),))
