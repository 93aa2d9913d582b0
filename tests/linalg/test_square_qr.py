"""Differential tests of the blocked Householder QR (numpy_dist.dispatch.householder): square and near-square qr.

The kernel runs only above ``householder.SMALL_N`` (and above one rank), so the
``kernel`` fixture lowers both thresholds and sets a panel width of 3 (it
divides none of the sizes): the tests cover uneven panels, n < P (ranks
without rows) and 2-d process grids.  The reflectors are LAPACK's own, so Q
and R are compared with NumPy's directly (signs included).  The fallback mode
is "error", so no test can pass by gathering.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import householder
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute, rng_data
from tests.linalg._layouts import layouts

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
SHAPES = [(7, 7), (13, 9), (9, 13), (2, 2), (3, 3), (8, 5)]
SOME = ["block", "cyclic", "blockcyclic2", "unstructured", "grid_bc"]


@pytest.fixture
def kernel(monkeypatch):
    monkeypatch.setattr(householder, "SMALL_N", 0)
    monkeypatch.setattr(householder, "LOCAL_SINGLE_RANK", False)
    monkeypatch.setattr(householder, "NB", 3)
    old = nd.set_fallback("error")
    yield monkeypatch
    nd.set_fallback(old)


def tol(x: np.ndarray, c: float = 30.0) -> dict:
    eps = np.finfo(x.dtype).eps
    cond = float(np.linalg.cond(x)) if x.size else 1.0
    cond = cond if np.isfinite(cond) else 1.0 / eps
    r = c * max(x.shape) * eps * max(cond, 1.0)
    return {"rtol": r, "atol": r * max(float(np.abs(x).max(initial=0)), 1.0)}


def data(shape, dtype, seed=0):
    return rng_data(shape, dtype, seed=seed)


def householder_path(shape) -> bool:
    """Whether qr takes the Householder kernel (tall-skinny matrices take TSQR, whose signs are its own)."""
    return shape[0] < shape[1] * P


def check_factors(A, x, t, direct: bool):
    m, n = x.shape
    direct = direct and householder_path(x.shape)
    K = min(m, n)
    Q, R = np.linalg.qr(A)
    assert Q.shape == (m, K) and R.shape == (K, n)
    assert_dist_equal(Q @ R, x, **t)
    assert_dist_equal(np.conj(Q.T) @ Q, np.eye(K, dtype=x.dtype), **t)
    assert_dist_equal(np.triu(R), R, **t)
    r_np = np.linalg.qr(x, mode="r")
    assert_dist_equal(np.abs(np.diagonal(R)), np.abs(np.diagonal(r_np)), **t)
    Qc, Rc = np.linalg.qr(A, mode="complete")
    assert Qc.shape == (m, m) and Rc.shape == (m, n)
    assert_dist_equal(Qc @ Rc, x, **t)
    assert_dist_equal(np.conj(Qc.T) @ Qc, np.eye(m, dtype=x.dtype), **t)
    Rr = np.linalg.qr(A, mode="r")
    assert_dist_equal(np.abs(Rr), np.abs(r_np), **t)
    if direct:  # LAPACK's reflectors: NumPy's own factors, signs included
        q_np, _ = np.linalg.qr(x)
        assert_dist_equal(Q, q_np, **t)
        assert_dist_equal(R, r_np, **t)
        assert_dist_equal(Rr, r_np, **t)
        qc_np, rc_np = np.linalg.qr(x, mode="complete")
        assert_dist_equal(Qc, qc_np, **t)
        assert_dist_equal(Rc, rc_np, **t)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_qr_every_layout(kernel, shape):
    x = data(shape, np.float64)
    t = tol(x)
    for name, d in layouts(shape):
        check_factors(nd.asarray(x, dist=d), x, t, direct=True)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128, np.int64], ids=["float32", "complex128", "int64"])
@pytest.mark.parametrize("case", SOME)
def test_qr_dtypes(kernel, case, dtype):
    for shape in ((7, 7), (9, 13), (13, 9)):
        x = data(shape, dtype, seed=3)
        xf = x.astype(np.float64) if x.dtype.kind in "iu" else x
        A = distribute(x, case)
        Q, R = np.linalg.qr(A)
        assert_all_ranks(Q.dtype == np.linalg.qr(x)[0].dtype and R.dtype == np.linalg.qr(x)[1].dtype,
                         f"dtypes {Q.dtype} {R.dtype}")
        check_factors(A, xf, tol(xf), direct=True)


@pytest.mark.parametrize("case", SOME)
def test_qr_ill_conditioned_and_rank_deficient(kernel, case):
    rng = np.random.default_rng(5)
    n = 11
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    ill = (u * np.logspace(0, -10, n)) @ v.T
    low = rng.standard_normal((n, 3)) @ rng.standard_normal((3, n))
    for x in (ill, low):
        t = {"rtol": 1e-12, "atol": 1e-12 * np.abs(x).max()}
        A = distribute(x, case)
        Q, R = np.linalg.qr(A)
        assert_dist_equal(Q @ R, x, **t)
        assert_dist_equal(np.conj(Q.T) @ Q, np.eye(n), **t)
        assert_dist_equal(np.triu(R), R, **t)
        assert_dist_equal(np.abs(np.diagonal(R)), np.abs(np.diagonal(np.linalg.qr(x, mode="r"))),
                          rtol=1e-8, atol=1e-10 * np.abs(x).max())


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
def test_qr_default_thresholds(case):
    """Above SMALL_N with the default panel width the matrix takes the kernel (one rank: NumPy)."""
    old = nd.set_fallback("error")
    try:
        x = data((householder.SMALL_N + 9, householder.SMALL_N + 5), np.float64, seed=7)
        check_factors(distribute(x, case), x, tol(x), direct=True)
    finally:
        nd.set_fallback(old)


def test_qr_errors_and_raw(kernel):
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.qr(distribute(data((5,), np.float64), "block"))
    with pytest.raises(ValueError):
        np.linalg.qr(distribute(data((4, 4), np.float64), "block"), mode="bogus")
    with pytest.raises(nd.FallbackError):  # 'raw' stays NumPy's (LAPACK's packed form, documented)
        np.linalg.qr(distribute(data((4, 4), np.float64), "block"), mode="raw")


def test_qr_nan(kernel):
    x = data((7, 7), np.float64)
    x[3, 2] = np.nan
    Q, R = np.linalg.qr(distribute(x, "cyclic"))
    q, r = np.linalg.qr(x)
    assert_all_ranks(bool(np.isnan(nd.asnumpy(R)).any()) == bool(np.isnan(r).any()), "NaN propagates as NumPy's")
