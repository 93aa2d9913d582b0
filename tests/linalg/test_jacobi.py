"""Differential tests of the one-sided block Jacobi SVD and eigh (numpy_dist.dispatch.jacobi).

The kernel runs only above ``jacobi.GRAM_LIMIT`` elements (and above one
rank), so the ``kernel`` fixture lowers both thresholds: the tests cover n not
divisible by 2P, n < 2P and n < P (empty column blocks), m > n (Householder QR
first) and m < n (the conjugate transpose), 2-d process grids.  Singular values
and eigenvalues are compared with NumPy's; vectors up to a sign (phase) per
column through ``A V = U S``, orthonormality and ``A V = V diag(w)``.  The
fallback mode is "error", so no test can pass by gathering.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import householder, jacobi
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute, rng_data
from tests.linalg._layouts import layouts

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
SOME = ["block", "cyclic", "blockcyclic3", "unstructured", "grid_bc"]
DTYPES = [np.float32, np.float64, np.complex128]
IDS = ["float32", "float64", "complex128"]


@pytest.fixture
def kernel(monkeypatch):
    monkeypatch.setattr(jacobi, "GRAM_LIMIT", 0)
    monkeypatch.setattr(jacobi, "LOCAL_SINGLE_RANK", False)
    monkeypatch.setattr(householder, "NB", 3)
    old = nd.set_fallback("error")
    yield monkeypatch
    nd.set_fallback(old)


def tol(x: np.ndarray, c: float = 30.0) -> dict:
    """``c * n * eps`` relative to the largest singular value (Jacobi's absolute accuracy)."""
    eps = np.finfo(x.dtype).eps
    r = c * max(x.shape) * eps
    return {"rtol": r, "atol": r * max(float(np.linalg.norm(x, 2)) if x.size else 1.0, 1.0)}


def ill(n: int, dtype, decades: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return ((u * np.logspace(0, -decades, n)) @ v.T).astype(dtype)


def check_svd(A, x, t, orthonormal_u: bool = True):
    m, n = x.shape
    k = min(m, n)
    s_np = np.linalg.svd(x, compute_uv=False)
    S = np.linalg.svd(A, compute_uv=False)
    assert_dist_equal(S, s_np, **t)
    U, S, Vh = np.linalg.svd(A, full_matrices=False)
    assert U.shape == (m, k) and Vh.shape == (k, n)
    assert_dist_equal(S, s_np, **t)
    assert_dist_equal((U * S) @ Vh, x, **t)
    assert_dist_equal(Vh @ np.conj(Vh.T), np.eye(k, dtype=x.dtype), **t)
    if orthonormal_u:
        assert_dist_equal(np.conj(U.T) @ U, np.eye(k, dtype=x.dtype), **t)
    U, S, Vh = np.linalg.svd(A)
    assert U.shape == (m, m) and Vh.shape == (n, n)
    assert_dist_equal(U[:, :k] * S @ Vh[:k], x, **t)
    if orthonormal_u:
        assert_dist_equal(np.conj(U.T) @ U, np.eye(m, dtype=x.dtype), **t)
    assert_dist_equal(np.conj(Vh.T) @ Vh, np.eye(n, dtype=x.dtype), **t)


@pytest.mark.parametrize("shape", [(7, 7), (13, 9), (9, 13), (2, 2), (1, 1)], ids=str)
def test_svd_every_layout(kernel, shape):
    x = rng_data(shape, np.float64, seed=1)
    t = tol(x)
    for name, d in layouts(shape):
        check_svd(nd.asarray(x, dist=d), x, t)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("case", SOME)
def test_svd_dtypes(kernel, case, dtype):
    for shape in ((8, 8), (11, 7)):
        x = rng_data(shape, dtype, seed=2)
        A = distribute(x, case)
        S = np.linalg.svd(A, compute_uv=False)
        assert_all_ranks(S.dtype == np.linalg.svd(x, compute_uv=False).dtype, f"dtype {S.dtype}")
        check_svd(A, x, tol(x))


@pytest.mark.parametrize("case", SOME)
def test_svd_ill_conditioned_and_rank_deficient(kernel, case):
    x = ill(12, np.float64, 10)
    check_svd(distribute(x, case), x, tol(x))
    rng = np.random.default_rng(3)
    low = rng.standard_normal((12, 3)) @ rng.standard_normal((3, 12))
    # U's columns for zero singular values are rounding noise (documented): S, U S V^H and V only
    check_svd(distribute(low, case), low, tol(low), orthonormal_u=False)
    assert_dist_equal(np.linalg.matrix_rank(distribute(low, case)), 3)
    zero = np.zeros((6, 6))
    assert_dist_equal(np.linalg.svd(distribute(zero, case), compute_uv=False), np.zeros(6))


def hermitian(n: int, dtype, seed: int = 0) -> np.ndarray:
    x = rng_data((n, n), dtype, seed=seed)
    return ((x + np.conj(x.T)) / 2).astype(dtype)


def check_eigh(A, h, t, UPLO="L"):
    w_np = np.linalg.eigvalsh(h, UPLO)
    herm = np.tril(h) + np.conj(np.tril(h, -1).T) if UPLO == "L" else np.triu(h) + np.conj(np.triu(h, 1).T)
    herm = herm - 1j * np.diag(np.diag(herm).imag) if herm.dtype.kind == "c" else herm
    W, V = np.linalg.eigh(A, UPLO)
    assert_all_ranks(W.dtype == w_np.dtype and V.dtype == np.linalg.eigh(h)[1].dtype, f"dtypes {W.dtype} {V.dtype}")
    assert_dist_equal(W, w_np, **t)
    assert_dist_equal(np.linalg.eigvalsh(A, UPLO), w_np, **t)
    w = nd.asnumpy(W)
    assert_dist_equal(np.matmul(nd.asarray(herm.astype(h.dtype)), V), V * w, **t)
    assert_dist_equal(np.conj(V.T) @ V, np.eye(h.shape[0], dtype=h.dtype), **t)


@pytest.mark.parametrize("n", [7, 2, 1])
def test_eigh_every_layout(kernel, n):
    h = hermitian(n, np.float64, seed=n)
    t = tol(h)
    for name, d in layouts(h.shape):
        check_eigh(nd.asarray(h, dist=d), h, t)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("case", SOME)
def test_eigh_dtypes_and_triangles(kernel, case, dtype):
    h = hermitian(9, dtype, seed=4)
    check_eigh(distribute(h, case), h, tol(h))
    x = rng_data((9, 9), dtype, seed=5)  # not Hermitian: LAPACK reads one triangle only
    for uplo in ("L", "U"):
        check_eigh(distribute(x, case), x, tol(x), uplo)


@pytest.mark.parametrize("case", SOME)
def test_eigh_indefinite_ill_conditioned_singular(kernel, case):
    rng = np.random.default_rng(6)
    q, _ = np.linalg.qr(rng.standard_normal((11, 11)))
    for w in (np.linspace(-5, 5, 11), np.r_[np.logspace(0, -12, 6), -np.logspace(0, -12, 5)], np.r_[np.zeros(8), 1, 2, -3]):
        h = (q * w) @ q.T
        h = (h + h.T) / 2
        check_eigh(distribute(h, case), h, tol(h))


def test_errors(kernel):
    A = distribute(rng_data((4, 5)), "block")
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.eigh(A)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.eigvalsh(distribute(rng_data((5,)), "block"))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.svd(distribute(rng_data((5,)), "block"))
    with pytest.raises(ValueError):
        np.linalg.eigh(distribute(rng_data((4, 4)), "block"), UPLO="X")
    bad = rng_data((6, 6))
    bad[2, 3] = np.nan
    for case in ("block", "cyclic"):
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.svd(distribute(bad, case))
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.svd(distribute(bad, case), compute_uv=False)
        low = bad.copy()
        low[3, 2] = np.nan  # in the triangle eigh reads: LAPACK does not converge
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.eigh(distribute(low, case))
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.eigvalsh(distribute(low, case))
        inf = rng_data((6, 6))
        inf[3, 2] = np.inf  # LAPACK returns NaN
        assert_dist_equal(np.linalg.eigvalsh(distribute(inf, case)), np.linalg.eigvalsh(inf))


def test_sweeps_reported(kernel):
    """Jacobi converges quadratically: a random 40 x 40 matrix needs few sweeps."""
    x = rng_data((40, 40), np.float64, seed=9)
    np.linalg.svd(distribute(x, "block"), compute_uv=False)
    if P > 1:
        assert_all_ranks(1 <= jacobi.last_sweeps[0] <= 15, f"{jacobi.last_sweeps[0]} sweeps")


@pytest.mark.parametrize("shape", [(9, 9), (11, 7), (7, 11), (13, 9)], ids=str)
@pytest.mark.parametrize("path", ["jacobi", "replicated"])
def test_lstsq_and_pinv_of_matrices_neither_tall_nor_wide(monkeypatch, shape, path):
    """lstsq/pinv of a matrix TSQR does not suit: the Jacobi SVD (large) or NumPy on a replicated copy (small)."""
    if path == "jacobi":
        monkeypatch.setattr(jacobi, "GRAM_LIMIT", 0)
        monkeypatch.setattr(jacobi, "LOCAL_SINGLE_RANK", False)
        monkeypatch.setattr(householder, "NB", 3)
    old = nd.set_fallback("error")
    try:
        a = rng_data(shape, np.float64, 3)
        b = rng_data((shape[0],), np.float64, 4)
        b2 = rng_data((shape[0], 2), np.float64, 5)
        for case in SOME:
            if case == "grid_bc" and P == 1:
                continue
            A = distribute(a, case)
            for rhs in (b, b2):
                x, resid, rank, s = np.linalg.lstsq(A, distribute(rhs, "block"), rcond=None)
                wx, wresid, wrank, ws = np.linalg.lstsq(a, rhs, rcond=None)
                assert_dist_equal(x, wx, **tol(a, 100))
                assert_dist_equal(s, ws, **tol(a))
                assert_dist_equal(resid, wresid, rtol=1e-6, atol=1e-9)
                assert_all_ranks(rank == wrank and type(rank) is type(wrank), f"rank {rank!r} vs {wrank!r}")
            assert_dist_equal(np.linalg.pinv(A), np.linalg.pinv(a), **tol(a, 100))
            deficient = a.copy()
            deficient[:, -1] = deficient[:, 0]
            assert_dist_equal(np.linalg.pinv(distribute(deficient, case), rcond=1e-10),
                              np.linalg.pinv(deficient, rcond=1e-10), **tol(a, 100))
            assert_all_ranks(np.linalg.matrix_rank(distribute(deficient, case)) == np.linalg.matrix_rank(deficient),
                             "matrix_rank")
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("case", SOME)
def test_hermitian_svd_and_pinv_through_eigh(kernel, case):
    if case == "grid_bc" and P == 1:
        pytest.skip("one rank")
    a = rng_data((9, 9), np.float64, 6)
    h = a + a.T  # indefinite: negative eigenvalues move their signs into Vh
    H = distribute(h, case)
    assert_dist_equal(np.linalg.svd(H, compute_uv=False, hermitian=True),
                      np.linalg.svd(h, compute_uv=False, hermitian=True), **tol(h))
    u, s, vh = np.linalg.svd(H, hermitian=True)
    assert_dist_equal(s, np.linalg.svd(h, hermitian=True)[1], **tol(h))
    recon = nd.asnumpy(np.matmul(np.multiply(u, s), vh))
    assert_all_ranks(np.allclose(recon, h, atol=1e-10), "U S Vh != A")
    assert_dist_equal(np.linalg.pinv(H, hermitian=True), np.linalg.pinv(h, hermitian=True), **tol(h, 100))
