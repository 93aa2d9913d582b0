"""Differential tests of np.linalg.cond, eig, eigvals, tensorinv and tensorsolve on DistArrays.

cond runs on the distributed singular values (p None, 2, -2) or on the
distributed norm and inverse; eig/eigvals are batch-parallel for stacks and
replicated for one matrix of at most ``jacobi.GRAM_LIMIT`` elements (a larger
one takes the documented fallback).  The fallback mode is "error".
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import dense, householder, jacobi
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, dist_cases, distribute, rng_data
from tests.linalg._layouts import layouts

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
ORDERS = [None, 2, -2, "fro", "nuc", np.inf, -np.inf, 1, -1]
SOME = ["block", "cyclic", "unstructured", "grid_bc", "replicated"]


@pytest.fixture
def strict():
    old = nd.set_fallback("error")
    yield
    nd.set_fallback(old)


@pytest.fixture(params=["replicated", "kernels"])
def routes(request, monkeypatch, strict):
    """Small matrices replicated (default thresholds), or every matrix through the distributed kernels."""
    if request.param == "kernels":
        for mod, name in ((jacobi, "GRAM_LIMIT"), (dense, "SMALL_N"), (householder, "SMALL_N")):
            monkeypatch.setattr(mod, name, 0)
        for mod in (jacobi, dense, householder):
            monkeypatch.setattr(mod, "LOCAL_SINGLE_RANK", False)
        monkeypatch.setattr(dense, "NB", 3)
    return request.param


def close(actual, expected, rtol=1e-9):
    assert_all_ranks(np.shape(actual) == np.shape(expected), f"shape {np.shape(actual)}")
    assert_dist_equal(actual, expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("shape", [(6, 6), (5, 5), (2, 2), (7, 4)], ids=str)
def test_cond_every_layout(routes, shape):
    x = rng_data(shape, np.float64, seed=1) + 3 * np.eye(*shape)
    for name, d in layouts(shape):
        A = nd.asarray(x, dist=d)
        for p in ORDERS if shape[0] == shape[1] else [None, 2, -2]:
            r = np.linalg.cond(A, p)
            assert_all_ranks(type(r) is type(np.linalg.cond(x, p)), f"{name} p={p}: {type(r)}")
            close(r, np.linalg.cond(x, p), rtol=1e-9 if p in (None, 2, -2) else 1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128, np.int64], ids=["float32", "complex128", "int64"])
@pytest.mark.parametrize("case", SOME)
def test_cond_dtypes(routes, case, dtype):
    x = rng_data((5, 5), dtype, seed=2)
    A = distribute(x, case)
    for p in ORDERS:
        r, e = np.linalg.cond(A, p), np.linalg.cond(x, p)
        assert_all_ranks(np.asarray(r).dtype == np.asarray(e).dtype, f"p={p}: {np.asarray(r).dtype}")
        close(r, e, rtol=1e-4 if dtype == np.float32 else 1e-9)


@pytest.mark.parametrize("case", SOME)
def test_cond_singular_and_nan(routes, case):
    sing = np.ones((5, 5))
    zero = np.zeros((4, 4))
    nan = rng_data((5, 5), seed=3)
    nan[1, 2] = np.nan
    for x in (sing, zero, nan):
        A = distribute(x, case)
        for p in ORDERS:
            try:
                with np.errstate(all="ignore"):
                    e = np.linalg.cond(x, p)
            except np.linalg.LinAlgError:  # NumPy's SVD of NaN data does not converge: ours neither
                with pytest.raises(np.linalg.LinAlgError):
                    np.linalg.cond(A, p)
                continue
            r = np.linalg.cond(A, p)
            if x is sing and p in (None, 2, -2):  # rounding: a huge (or tiny) number, NumPy's too
                assert_all_ranks(bool(np.isinf(r) == np.isinf(e) or abs(np.log10(abs(r) + 1e-300)) > 12),
                                 f"p={p}: {r} vs {e}")
                continue
            close(r, e)


def test_cond_stacks_and_errors(strict):
    st = rng_data((5, 4, 4), seed=4)
    st[1] = 1.0  # singular
    st[3, 0, 0] = np.nan
    for case in dist_cases(3):
        S = distribute(st, case)
        for p in ORDERS:
            try:
                with np.errstate(all="ignore"):
                    e = np.linalg.cond(st, p)
            except np.linalg.LinAlgError:  # an SVD of NaN data (the stack's NaN matrix)
                with pytest.raises(np.linalg.LinAlgError):
                    np.linalg.cond(S, p)
                continue
            close(np.linalg.cond(S, p), e)
            close(np.linalg.cond(S[[0, 2, 4]], p), np.linalg.cond(st[[0, 2, 4]], p))
    rect = distribute(rng_data((4, 6), seed=5), "block")
    for exc, args in ((np.linalg.LinAlgError, (distribute(rng_data((5,)), "block"),)),
                      (np.linalg.LinAlgError, (rect, 1)),
                      (np.linalg.LinAlgError, (distribute(np.zeros((0, 3)), "block"),)),
                      (ValueError, (distribute(rng_data((4, 4)), "block"), 3))):
        with pytest.raises(exc):
            np.linalg.cond(*args)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int64],
                         ids=["float64", "float32", "complex128", "int64"])
def test_eig_single(strict, dtype):
    x = rng_data((6, 6), dtype, seed=6)
    sym = (x + np.conj(x.T)) if dtype != np.int64 else x + x.T
    for m in (x, sym, np.diag(np.arange(4.0)).astype(dtype)):
        for name, d in layouts(m.shape):
            A = nd.asarray(m, dist=d)
            w, v = np.linalg.eig(A)
            e = np.linalg.eig(m)
            assert_dist_equal(w, e.eigenvalues, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-12)
            assert_dist_equal(v, e.eigenvectors, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)
            assert_dist_equal(np.linalg.eigvals(A), np.linalg.eigvals(m), rtol=1e-4 if dtype == np.float32 else 1e-10,
                              atol=1e-12)


def test_eig_stacks_real_verdict_is_global(strict):
    rng = np.random.default_rng(7)
    sym = rng.standard_normal((6, 4, 4))
    sym = sym + np.swapaxes(sym, 1, 2)
    mixed = sym.copy()
    mixed[4] = rng.standard_normal((4, 4))  # complex eigenvalues in one matrix only: all complex
    mixed[4, 0, 1], mixed[4, 1, 0] = 5.0, -5.0
    for st in (sym, mixed, sym.astype(np.float32), sym + 0j):
        for case in dist_cases(3):
            S = distribute(st, case)
            w, v = np.linalg.eig(S)
            e = np.linalg.eig(st)
            tol = {"rtol": 1e-4, "atol": 1e-5} if st.dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
            assert_dist_equal(w, e.eigenvalues, **tol)
            assert_dist_equal(v, e.eigenvectors, **tol)
            assert_dist_equal(np.linalg.eigvals(S), np.linalg.eigvals(st), **tol)


def test_eig_errors_and_large_fallback(strict, monkeypatch):
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.eig(distribute(rng_data((4, 5)), "block"))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.eigvals(distribute(rng_data((5,)), "block"))
    bad = rng_data((4, 4))
    bad[3, 1] = np.inf
    for case in ("block", "cyclic"):
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.eig(distribute(bad, case))
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.eigvals(distribute(np.stack([bad, np.zeros((4, 4))]), case))
    monkeypatch.setattr(jacobi, "GRAM_LIMIT", 0)  # a "large" single matrix: the documented fallback
    with pytest.raises(nd.FallbackError):
        np.linalg.eig(distribute(rng_data((4, 4)), "block"))


@pytest.mark.parametrize("case", SOME + ["blockcyclic3", "last"])
def test_tensorinv_tensorsolve(routes, case):
    a = rng_data((4, 6, 8, 3), seed=8)
    A = distribute(a, case)
    assert_dist_equal(np.linalg.tensorinv(A, 2), np.linalg.tensorinv(a, 2), rtol=1e-8, atol=1e-10)
    a1 = rng_data((6, 2, 3), seed=14)
    assert_dist_equal(np.linalg.tensorinv(distribute(a1, case), 1), np.linalg.tensorinv(a1, 1), rtol=1e-8, atol=1e-10)
    t = rng_data((6, 2, 3), seed=9)
    b = rng_data((6,), seed=10)
    assert_dist_equal(np.linalg.tensorsolve(distribute(t, case), distribute(b, case)), np.linalg.tensorsolve(t, b),
                      rtol=1e-8, atol=1e-10)
    t2 = rng_data((2, 3, 6), seed=11)
    assert_dist_equal(np.linalg.tensorsolve(distribute(t2, case), b, axes=(0, 1)),
                      np.linalg.tensorsolve(t2, b, axes=(0, 1)), rtol=1e-8, atol=1e-10)
    t3 = rng_data((2, 3, 2, 3), seed=12)
    b3 = rng_data((2, 3), seed=13)
    assert_dist_equal(np.linalg.tensorsolve(distribute(t3, case), distribute(b3, case)), np.linalg.tensorsolve(t3, b3),
                      rtol=1e-8, atol=1e-10)


def test_tensor_errors(strict):
    A = distribute(rng_data((4, 6, 8, 3)), "block")
    for ind in (0, -1):
        with pytest.raises(ValueError):
            np.linalg.tensorinv(A, ind)
    with pytest.raises(np.linalg.LinAlgError):  # prod(Q) != prod(b.shape): not 'square'
        np.linalg.tensorsolve(distribute(rng_data((6, 2, 4)), "block"), rng_data((6,)))
    with pytest.raises(np.linalg.LinAlgError):  # singular
        np.linalg.tensorsolve(distribute(np.ones((6, 2, 3)), "cyclic"), np.ones(6))
    with pytest.raises(np.linalg.LinAlgError):  # not square after the reshape
        np.linalg.tensorinv(distribute(rng_data((4, 6, 3)), "block"), 1)
