"""np.einsum on DistArrays: ellipses, repeated letters, implicit mode and the operand-list form (NumPy is the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, assert_dist_equal, distribute, rng_data

COMM = MPI.COMM_WORLD
CASES = ["block", "cyclic", "blockcyclic2", "uneven", "unstructured", "last", "grid_bb", "grid_bc", "replicated"]

ELLIPSES = [("...i,...i->...", [(4, 5), (4, 5)]), ("...i,...i", [(3, 4, 5), (4, 5)]), ("i...->...", [(5, 3)]),
            ("...ij,...jk->...ik", [(3, 4, 5), (3, 5, 2)]), ("ij...,jk...->ik...", [(4, 5, 3), (5, 2, 3)]),
            ("...,...", [(2, 1, 3), (4, 1)]), ("...i,i...", [(2, 3), (3, 2)]), ("i...i", [(3, 2, 3)]),
            ("...->...", [(3, 4)]), ("...ii->...i", [(2, 3, 3)])]
REPEATED = [("ii->i", [(5, 5)]), ("ii", [(5, 5)]), ("iij->j", [(4, 4, 3)]), ("ijj->ij", [(3, 4, 4)]),
            ("iij", [(4, 4, 6)]), ("ijji->i", [(3, 2, 2, 3)]), ("iii->i", [(3, 3, 3)]), ("ii,ij->j", [(4, 4), (4, 3)]),
            ("ij,jj->i", [(3, 4), (4, 4)]), ("jii->ij", [(6, 3, 3)])]
IMPLICIT = [("Ba,aC", [(2, 3), (3, 4)]), ("bA", [(2, 3)]), ("ba", [(2, 3)]), ("ij,jk,kl", [(3, 4), (4, 5), (5, 2)]),
            ("i,i", [(6,), (6,)]), ("i,", [(4,), ()]), ("ij,k->k", [(3, 4), (5,)]), ("ij,ij->ij", [(3, 1), (3, 4)]),
            ("ij,jk", [(3, 1), (4, 5)]), ("zyx,xw", [(2, 3, 4), (4, 2)])]
# A size-1 axis broadcasts against an empty one too (it used to be kept, and the reshape to size 0 failed).
EMPTY_BROADCAST = [("ij,j->i", [(0, 0), (1,)]), ("ij,j->i", [(3, 0), (1,)]), ("...,...->...", [(1,), (4, 2, 0)]),
                   ("...,...", [(2, 1, 3), (0, 1)]), ("ij,jk->ik", [(2, 1), (0, 3)]), ("i,ij->j", [(1,), (0, 4)])]


def tol() -> dict:
    return {"rtol": 1e-12, "atol": 1e-12}


def dist(x: np.ndarray, case: str) -> nd.DistArray:
    if x.ndim and DIST_CASES[case](x.shape, COMM) is not None:
        return distribute(x, case)
    return distribute(x, "block" if x.ndim else "replicated")


def run(table, case):
    old = nd.set_fallback("error")  # every form here is native: a fallback would raise
    try:
        for spec, shapes in table:
            xs = [rng_data(s, seed=i + 1) for i, s in enumerate(shapes)]
            assert_dist_equal(np.einsum(spec, *[dist(x, case) for x in xs]), np.einsum(spec, *xs), **tol())
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("case", CASES)
def test_ellipsis(case):
    run(ELLIPSES, case)


@pytest.mark.parametrize("case", CASES)
def test_repeated_letters(case):
    run(REPEATED, case)


@pytest.mark.parametrize("case", CASES)
def test_implicit_mode_and_broadcasting(case):
    run(IMPLICIT, case)


@pytest.mark.parametrize("case", CASES)
def test_broadcast_against_empty_axes(case):
    run(EMPTY_BROADCAST, case)


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "uneven"])
def test_operand_list_form(case):
    a, b = rng_data((3, 4), seed=1), rng_data((4, 5), seed=2)
    c = rng_data((2, 3, 3), seed=3)
    A, B, C = dist(a, case), dist(b, case), dist(c, case)
    forms = [((A, [0, 1], B, [1, 2], [0, 2]), (a, [0, 1], b, [1, 2], [0, 2])),
             ((A, [0, 1], B, [1, 2]), (a, [0, 1], b, [1, 2])),
             ((A, [Ellipsis, 1], A.T, [1, Ellipsis]), (a, [Ellipsis, 1], a.T, [1, Ellipsis])),
             ((C, [Ellipsis, 30, 30], [Ellipsis]), (c, [Ellipsis, 30, 30], [Ellipsis])),
             ((A, [51, 0]), (a, [51, 0]))]
    old = nd.set_fallback("error")
    try:
        for got, want in forms:
            assert_dist_equal(np.einsum(*got), np.einsum(*want), **tol())
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.float32, np.complex128, np.bool_],
                         ids=["int8", "int64", "float32", "complex128", "bool"])
def test_dtypes(dtype):
    x = rng_data((3, 4), dtype, seed=4)
    y = rng_data((4, 4), np.int32, seed=5)
    for case in ("block", "grid_bb"):
        X, Y = dist(x, case), dist(y, case)
        for spec, ops, ref in [("ij,ij", (X, X), (x, x)), ("ij,kj->ik", (X, X), (x, x)), ("ij->", (X,), (x,)),
                               ("...j,...j->...", (X, X), (x, x)), ("ij,jj->i", (X, Y), (x, y)),
                               ("ii", (Y,), (y,))]:
            t = {} if np.einsum(spec, *ref).dtype.kind not in "fc" else {"rtol": 1e-5, "atol": 1e-4}
            assert_dist_equal(np.einsum(spec, *ops), np.einsum(spec, *ref), **t)
        assert_dist_equal(np.einsum("ij,kj->ik", X, X, dtype=np.complex128),
                          np.einsum("ij,kj->ik", x, x, dtype=np.complex128), **tol())


def test_errors_match_numpy():
    a = rng_data((3, 4))
    A = distribute(a, "block")
    bad = [("ij,jk", (A, A), (a, a)), ("ij->ii", (A,), (a,)), ("i.j", (A,), (a,)), ("...i->i", (A,), (a,)),
           ("ii", (A,), (a,)), ("ijk", (A,), (a,)), ("ij->k", (A,), (a,)), ("ij,ij", (A,), (a,))]
    for spec, ops, ref in bad:
        with pytest.raises(ValueError) as mine:
            np.einsum(spec, *ops)
        with pytest.raises(ValueError) as theirs:
            np.einsum(spec, *ref)
        assert str(mine.value) == str(theirs.value)
    with pytest.raises(TypeError):
        np.einsum("ij->", A, dtype=np.int8)
    with pytest.raises(ValueError):
        np.einsum(A, [0, 52])
    # one operand viewed (permuted / diagonal): NumPy ignores dtype, so do we
    assert np.einsum("ji", A, dtype=np.int8).dtype == np.einsum("ji", a, dtype=np.int8).dtype


def test_out_and_never_gathers():
    a = rng_data((6, 6), seed=6)
    A = distribute(a, "block")
    out = nd.zeros((6,))
    r = np.einsum("ii->i", A, out=out)
    assert r is out
    assert_dist_equal(out, np.einsum("ii->i", a))
    # only the diagonal travels: far less than the matrix
    nd.reset_comm_stats()
    np.einsum("ii->i", A)
    assert nd.comm_stats()["bytes_sent"] <= 6 * 8
