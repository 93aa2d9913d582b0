"""Differential tests of the dense square kernels (numpy_dist.dispatch.dense): solve, inv, det, slogdet, cholesky.

The kernels run only above ``dense.SMALL_N`` rows (and above one rank), so
the ``kernels`` fixture lowers both thresholds and sets a small block size
``nb``: the tests cover nb not dividing n, n < P (ranks without rows), n = 0
and n = 1.  The fallback mode is "error", so no test can pass by gathering.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import dense
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, dist_cases, distribute, rng_data

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
CASES = dist_cases(2)
# float64 over every distribution case; the other dtypes over a spread of layouts (keeps the file fast)
SOME = ["block", "cyclic", "unstructured", "grid_bc"]
PAIRS = [(c, np.float64) for c in CASES] + [(c, d) for d in (np.float32, np.complex128, np.int64) for c in SOME]
PAIR_IDS = [f"{c}-{np.dtype(d).name}" for c, d in PAIRS]


@pytest.fixture
def kernels(monkeypatch):
    """Route every 2-d matrix to the distributed kernels, with a small block size (3: it divides nothing below)."""
    monkeypatch.setattr(dense, "SMALL_N", 0)
    monkeypatch.setattr(dense, "LOCAL_SINGLE_RANK", False)
    monkeypatch.setattr(dense, "NB", 3)
    old = nd.set_fallback("error")
    yield monkeypatch
    nd.set_fallback(old)


def well_conditioned(n: int, dtype, seed: int = 0) -> np.ndarray:
    """Random, diagonally weighted (so pivoting still happens but cond stays small)."""
    x = rng_data((n, n), dtype, seed=seed)
    if np.dtype(dtype).kind in "iu":
        return x + np.diag(np.where(np.arange(n) % 2, 60, -60)).astype(dtype)
    return x + (2 * n * np.eye(n)).astype(dtype)


def hpd(n: int, dtype, seed: int = 0) -> np.ndarray:
    g = rng_data((n, n), dtype, seed=seed)
    return (g @ np.conj(g.T) + n * np.eye(n)).astype(dtype)


def tol(x: np.ndarray) -> dict:
    """rtol ~ cond * eps * n (x's precision; integers compute in float64)."""
    dt = x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
    eps = np.finfo(dt).eps
    n = max(x.shape[0], 1)
    cond = np.linalg.cond(x.astype(dt)) if x.size else 1.0
    r = 10 * eps * n * max(cond, 1.0)
    return {"rtol": r, "atol": r}


def check_lu_family(x: np.ndarray, case: str) -> None:
    A = distribute(x, case)
    t = tol(x)
    n = x.shape[0]
    b1 = rng_data((n,), np.float64, seed=7)
    b2 = rng_data((n, 3), x.dtype if x.dtype.kind in "fc" else np.float64, seed=8)
    # 1-d b as NumPy data: laid out like a's rows
    X = np.linalg.solve(A, b1)
    assert_dist_equal(X, np.linalg.solve(x, b1), **t)
    # 2-d b as a DistArray: laid out like b
    B2 = distribute(b2, case)
    X2 = np.linalg.solve(A, B2)
    assert_dist_equal(X2, np.linalg.solve(x, b2), **t)
    assert_all_ranks(X2.distribution == B2.distribution, "solve's result is not laid out like b")
    Ai = np.linalg.inv(A)
    assert_dist_equal(Ai, np.linalg.inv(x), **t)
    assert_all_ranks(Ai.distribution == A.distribution, "inv's result is not laid out like a")
    e = np.linalg.det(x)
    assert_dist_equal(np.linalg.det(A), e, rtol=t["rtol"], atol=t["atol"] * max(abs(e), 1e-300))
    s, lg = np.linalg.slogdet(A)
    se, le = np.linalg.slogdet(x)
    assert_dist_equal(s, se, **t)
    assert_dist_equal(lg, le, **t)


@pytest.mark.parametrize(("case", "dtype"), PAIRS, ids=PAIR_IDS)
def test_lu_family(kernels, case, dtype):
    check_lu_family(well_conditioned(13, dtype, seed=1), case)


@pytest.mark.parametrize("nb", [1, 5])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_sizes_and_block_sizes(kernels, n, nb):
    kernels.setattr(dense, "NB", nb)
    for case in ("block", "grid_bc"):
        check_lu_family(well_conditioned(n, np.float64, seed=n), case)
        h = hpd(n, np.complex128, seed=n)
        assert_dist_equal(np.linalg.cholesky(distribute(h, case)), np.linalg.cholesky(h), **tol(h))


@pytest.mark.parametrize(("case", "dtype"), [p for p in PAIRS if p[1] != np.int64],
                         ids=[i for p, i in zip(PAIRS, PAIR_IDS) if p[1] != np.int64])
def test_cholesky(kernels, case, dtype):
    h = hpd(14, dtype, seed=2)
    H = distribute(h, case)
    t = tol(h)
    L = np.linalg.cholesky(H)
    assert_dist_equal(L, np.linalg.cholesky(h), **t)
    assert_all_ranks(L.distribution == H.distribution, "cholesky's result is not laid out like a")
    assert_dist_equal(np.linalg.cholesky(H, upper=True), np.linalg.cholesky(h, upper=True), **t)
    # only the lower (upper) triangle is read, as NumPy does
    junk = h + np.triu(np.full_like(h, 5), 1)
    assert_dist_equal(np.linalg.cholesky(distribute(junk, case)), np.linalg.cholesky(junk), **t)


@pytest.mark.parametrize("case", ["cyclic", "grid_bb", "last"])
def test_solve_right_hand_sides(kernels, case):
    """b 1-d as a DistArray in another layout than a, b 2-d as NumPy data (result laid out like a's rows)."""
    x = well_conditioned(10, np.float64, seed=3)
    A = distribute(x, case)
    b1 = rng_data((10,), np.float32, seed=4)
    B1 = distribute(b1, "uneven")
    X1 = np.linalg.solve(A, B1)
    assert_dist_equal(X1, np.linalg.solve(x, b1), **tol(x))
    assert_all_ranks(X1.distribution == B1.distribution, "solve's result is not laid out like b")
    b2 = rng_data((10, 4), np.complex128, seed=5)
    X2 = np.linalg.solve(A, b2)
    assert_dist_equal(X2, np.linalg.solve(x, b2), **tol(x))
    d = A.distribution
    assert_all_ranks(X2.distribution.maps[0] == d.maps[0] and X2.distribution.axis_grid[0] == d.axis_grid[0],
                     "solve's result is not laid out like a's rows")


def test_integer_input(kernels):
    x = well_conditioned(9, np.int32, seed=4)
    check_lu_family(x, "cyclic")
    hb = np.eye(9, dtype=bool)
    assert_dist_equal(np.linalg.cholesky(distribute(hb, "block")), np.linalg.cholesky(hb))
    assert_dist_equal(np.linalg.inv(distribute(hb, "block")), np.linalg.inv(hb))


@pytest.mark.parametrize("pivoting", ["partial", "tournament"])
@pytest.mark.parametrize("case", ["block", "grid_bb", "unstructured"])
def test_ill_conditioned(kernels, case, pivoting):
    """cond ~ 1e9: tolerances from the condition number, residuals small relative to ||A|| ||x||."""
    kernels.setattr(dense, "PIVOTING", pivoting)
    n = 16
    rng = np.random.default_rng(5)
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    x = (q1 * np.logspace(0, -9, n)) @ q2.T
    b = rng.standard_normal(n)
    A = distribute(x, case)
    t = tol(x)
    X = np.linalg.solve(A, b)
    assert_dist_equal(X, np.linalg.solve(x, b), **t)
    xs = nd.asnumpy(X)
    resid = np.linalg.norm(x @ xs - b) / (np.linalg.norm(x, 2) * np.linalg.norm(xs))
    assert_all_ranks(resid < 100 * n * np.finfo(float).eps, f"backward error {resid}")
    assert_dist_equal(np.linalg.inv(A), np.linalg.inv(x), **t)
    assert_dist_equal(np.linalg.slogdet(A)[1], np.linalg.slogdet(x)[1], rtol=1e-6)


def singular_matrices(n: int = 11) -> dict[str, np.ndarray]:
    x = rng_data((n, n), seed=3)
    zrow, zcol = x.copy(), x.copy()
    zrow[n - 2] = 0  # on the last rank(s) in most layouts
    zcol[:, 4] = 0
    u = 2.0 ** np.arange(-5, n - 5)  # exact rank 1: elimination is exact in any order
    rank1 = np.outer(u, rng_data((n,), np.int64, seed=4).astype(float) + 0.5)
    return {"zero_row": zrow, "zero_col": zcol, "rank1": rank1}


@pytest.mark.parametrize("case", ["cyclic", "uneven", "grid_cb"])
def test_singular(kernels, case):
    for name, s in singular_matrices().items():
        S = distribute(s, case)
        with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
            np.linalg.solve(S, np.ones(s.shape[0]))
        with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
            np.linalg.inv(S)
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.cholesky(S @ np.conj(S.T))
        assert_dist_equal(np.linalg.det(S), np.linalg.det(s))
        assert_dist_equal(np.linalg.slogdet(S), tuple(np.linalg.slogdet(s)))
    # numerically rank deficient (duplicate rows): |det| tiny against Hadamard's bound, as NumPy's
    x = rng_data((11, 11), seed=3)
    x[9] = x[2]
    d = np.linalg.det(distribute(x, case))
    bound = np.prod(np.linalg.norm(x, axis=1))
    assert_all_ranks(abs(d) < 1e-8 * bound and abs(np.linalg.det(x)) < 1e-8 * bound, f"det {d}")


@pytest.mark.parametrize("case", ["uneven", "grid_bc"])
def test_tournament_pivoting(kernels, case):
    """The opt-in CALU panel (one Allgather per panel): NumPy's results to tolerance, same errors."""
    kernels.setattr(dense, "PIVOTING", "tournament")
    for dt in (np.float32, np.complex128):
        check_lu_family(well_conditioned(13, dt, seed=1), case)
    for n, nb in ((0, 3), (1, 3), (3, 2), (8, 5)):
        kernels.setattr(dense, "NB", nb)
        check_lu_family(well_conditioned(n, np.float64, seed=n), case)
    kernels.setattr(dense, "NB", 3)
    for s in singular_matrices().values():
        S = distribute(s, case)
        with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
            np.linalg.solve(S, np.ones(s.shape[0]))
        assert_dist_equal(np.linalg.slogdet(S), tuple(np.linalg.slogdet(s)))


@pytest.mark.parametrize("case", ["cyclic", "replicated", "grid_bb"])
def test_not_positive_definite(kernels, case):
    h = hpd(12, np.float64, seed=6)
    for i in (0, 5, 11):  # the failing block lives on different ranks
        bad = h.copy()
        bad[i, i] = -1.0
        with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
            np.linalg.cholesky(distribute(bad, case))
        with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
            np.linalg.cholesky(distribute(bad, case), upper=True)


def _same_error(f_nd, f_np) -> None:
    """``f_nd`` raises NumPy's exception (type and message) on every rank, before any communication."""
    try:
        f_np()
        expected = None
    except Exception as e:  # noqa: BLE001
        expected = e
    assert expected is not None
    nd.reset_comm_stats()
    with pytest.raises(type(expected)) as info:
        f_nd()
    stats = nd.comm_stats()
    assert_all_ranks(str(info.value) == str(expected), f"{info.value!s} != {expected!s}")
    assert_all_ranks(stats["collectives"] + stats["control_collectives"] == 0, f"communicated first: {stats}")


@pytest.mark.parametrize("case", ["block", "grid_bb"])
def test_bad_arguments(kernels, case):
    x = rng_data((6, 6), seed=1)
    rect, v, h, b52 = rng_data((6, 4), seed=1), rng_data((6,), seed=1), x.astype(np.float16), np.ones((5, 2))
    X, R, V, H, B52 = (distribute(y, case) for y in (x, rect, v, h, b52))
    for f in (np.linalg.inv, np.linalg.det, np.linalg.slogdet, np.linalg.cholesky):
        _same_error(lambda: f(R), lambda: f(rect))
        _same_error(lambda: f(V), lambda: f(v))
        _same_error(lambda: f(H), lambda: f(h))
    _same_error(lambda: np.linalg.solve(R, v), lambda: np.linalg.solve(rect, v))
    for b in (np.ones(5), np.ones((7, 2)), np.float64(1.0), np.ones((2, 5, 1))):
        _same_error(lambda: np.linalg.solve(X, b), lambda: np.linalg.solve(x, b))
    _same_error(lambda: np.linalg.solve(X, B52), lambda: np.linalg.solve(x, b52))


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
def test_default_thresholds(case):
    """Without the fixture: small matrices are replicated (or local on one rank), still no fallback."""
    old = nd.set_fallback("error")
    try:
        check_lu_family(well_conditioned(10, np.float64, seed=9), case)
        h = hpd(10, np.float64)
        assert_dist_equal(np.linalg.cholesky(distribute(h, case)), np.linalg.cholesky(h), **tol(h))
    finally:
        nd.set_fallback(old)


def test_local_share_only(kernels):
    """Each rank holds only its block-cyclic share of the factors, and they satisfy P A = L U on its rows."""
    n = 20
    x = well_conditioned(n, np.float64, seed=2)
    f = dense.lu_factor(distribute(x, "block"), np.dtype(np.float64), nb=3)
    expect = dense.rows_layout(COMM, (n, n), 3).local_shape
    assert_all_ranks(f.local.shape == expect, f"local factor {f.local.shape} != {expect}")
    L_rows = f.local * (np.arange(n)[None, :] < f.rows[:, None])
    L_rows[np.arange(f.rows.size), f.rows] = 1
    ok = np.allclose(L_rows @ _allrows_u(f, n), x[f.perm][f.rows], rtol=1e-10, atol=1e-10)
    assert_all_ranks(ok, "P A != L U on this rank's rows")


def _allrows_u(f, n: int) -> np.ndarray:
    """U assembled on every rank (test helper only: the test matrix is tiny)."""
    from numpy_dist import comm as _comm

    u_mine = f.local * (np.arange(n)[None, :] >= f.rows[:, None])
    pieces = _comm.allgather_array(COMM, u_mine)
    rows = _comm.allgather_array(COMM, f.rows)
    U = np.zeros((n, n))
    for r, p in zip(rows, pieces):
        U[r] = p
    return U
