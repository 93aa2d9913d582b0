"""Differential tests of np.linalg on DistArrays: TSQR-based qr/svd/lstsq/pinv, norms, batched and fallback paths."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, dist_cases, distribute, rng_data
from tests.linalg._layouts import layouts, linalg_tol, on_layouts

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
DTYPES = [np.float32, np.float64, np.complex128]
IDS = ["float32", "float64", "complex128"]
CASES = dist_cases(2)


def tol(x: np.ndarray) -> dict:
    """Tolerances from the condition number of the test matrix and its precision."""
    eps = np.finfo(x.dtype).eps
    cond = np.linalg.cond(x.reshape(-1, *x.shape[-2:])[0]) if x.size else 1.0
    r = 100 * eps * max(cond, 1.0)
    return {"rtol": r, "atol": r * max(np.abs(x).max(initial=0), 1.0)}


def tall(dtype, m=None, n=4, seed=1):
    return rng_data((m or 10 * n * P, n), dtype, seed=seed)


@pytest.fixture
def allow_fallback():
    old = nd.set_fallback("allow")
    yield
    nd.set_fallback(old)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("case", CASES)
def test_qr_tall_skinny(case, dtype):
    x = tall(dtype)
    A = distribute(x, case)
    t = tol(x)
    Q, R = np.linalg.qr(A)
    assert_dist_equal(Q @ R, x, **t)
    assert_dist_equal(np.abs(np.diagonal(R)), np.abs(np.diagonal(np.linalg.qr(x)[1])), **t)
    assert_dist_equal(np.conj(Q.T) @ Q, np.eye(x.shape[1], dtype=dtype), **t)
    Qc, Rc = np.linalg.qr(A, mode="complete")
    assert_dist_equal(Qc @ Rc, x, **t)
    assert_dist_equal(np.conj(Qc.T) @ Qc, np.eye(x.shape[0], dtype=dtype), **t)
    assert_dist_equal(np.abs(np.linalg.qr(A, mode="r")), np.abs(np.linalg.qr(x, mode="r")), **t)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("case", CASES)
def test_svd_tall_and_wide(case, dtype):
    for x in (tall(dtype), tall(dtype).T.copy()):
        A = distribute(x, case)
        t = tol(x)
        assert_dist_equal(np.linalg.svdvals(A), np.linalg.svdvals(x), **t)
        U, S, Vh = np.linalg.svd(A, full_matrices=False)
        assert_dist_equal((U * S) @ Vh, x, **t)
        assert_dist_equal(S, np.linalg.svd(x, compute_uv=False), **t)
        U, S, Vh = np.linalg.svd(A)
        assert U.shape == (x.shape[0], x.shape[0]) and Vh.shape == (x.shape[1], x.shape[1])
        k = min(x.shape)
        assert_dist_equal(U[:, :k] * S @ Vh[:k], x, **t)
        assert_dist_equal(np.abs(np.conj(U.T) @ U), np.eye(x.shape[0]), check_dtype=False, **t)
        assert_dist_equal(np.linalg.pinv(A), np.linalg.pinv(x), **t)
        assert_dist_equal(np.linalg.matrix_rank(A), np.linalg.matrix_rank(x))


@pytest.mark.parametrize("case", CASES)
def test_norms(case):
    for x in (tall(np.float64), tall(np.complex128).T.copy()):
        A = distribute(x, case)
        t = tol(x)
        for o in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
            assert_dist_equal(np.linalg.norm(A, o), np.linalg.norm(x, o), **t)
            if o is not None:
                assert_dist_equal(np.linalg.matrix_norm(A, ord=o), np.linalg.matrix_norm(x, ord=o), **t)
        for o in (None, 0, 1, 2, 3.5, np.inf, -np.inf):
            assert_dist_equal(np.linalg.norm(A, o, axis=0), np.linalg.norm(x, o, axis=0), **t)
            assert_dist_equal(np.linalg.norm(A, o, axis=1, keepdims=True), np.linalg.norm(x, o, axis=1, keepdims=True), **t)
        assert_dist_equal(np.linalg.vector_norm(A), np.linalg.vector_norm(x), **t)
        assert_dist_equal(np.linalg.vector_norm(A, ord=1, axis=(0, 1)), np.linalg.vector_norm(x, ord=1, axis=(0, 1)), **t)
    y = rng_data((6, 5, 4), seed=9)
    Y = distribute(y, case)
    for o in ("fro", 2, "nuc", 1):
        assert_dist_equal(np.linalg.matrix_norm(Y, ord=o), np.linalg.matrix_norm(y, ord=o), **tol(y))


def _outcome(func, *args, **kwargs):
    """("ok", value) or the exception class, so NumPy and numpy_dist outcomes compare directly."""
    try:
        return "ok", func(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e), None


@pytest.mark.parametrize("case", dist_cases(1))
def test_matrix_norm_of_1d_raises_axis_error(case):
    # NumPy normalises axis=(-2, -1) before anything else: AxisError, not LinAlgError
    x = rng_data((5,), seed=2)
    for o in ("fro", 2, np.inf, 1):
        with pytest.raises(np.exceptions.AxisError):
            np.linalg.matrix_norm(x, ord=o)
        with pytest.raises(np.exceptions.AxisError):
            np.linalg.matrix_norm(distribute(x, case), ord=o)


@pytest.mark.parametrize("case", CASES)
def test_norms_of_empty_matrices(case):
    for shape in ((0, 0), (0, 3), (3, 0)):
        x = np.zeros(shape)
        A = distribute(x, case)
        for o in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
            (k_e, e), (k_r, r) = _outcome(np.linalg.matrix_norm, x, ord=o), _outcome(np.linalg.matrix_norm, A, ord=o)
            assert_all_ranks(k_e == k_r, f"{shape} ord={o}: NumPy {k_e}, numpy_dist {k_r}")
            if k_e == "ok":
                assert_dist_equal(r, e)


@pytest.mark.parametrize("case", CASES)
def test_lstsq(case):
    x = tall(np.float64, n=5, seed=3)
    for b in (rng_data((x.shape[0],), seed=4), rng_data((x.shape[0], 3), seed=5)):
        r = np.linalg.lstsq(distribute(x, case), distribute(b, case))
        e = np.linalg.lstsq(x, b)
        for i in (0, 1, 3):
            assert_dist_equal(r[i], e[i], **tol(x))
        assert_dist_equal(r[2], e[2])
    # rank deficient: a repeated column
    xd = x.copy()
    xd[:, 1] = xd[:, 0]
    r = np.linalg.lstsq(distribute(xd, case), distribute(b, case))
    e = np.linalg.lstsq(xd, b)
    assert_dist_equal(r[2], e[2])
    assert_dist_equal(r[1], e[1])
    assert_dist_equal(distribute(xd, case) @ r[0], xd @ e[0], rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_lstsq_rcond_outside_zero_one_is_lapacks_unit_roundoff(case):
    """Fuzz case 30500173 (seed 305, --only linalg): rcond <= 0 or >= 1 cuts at the unit roundoff, as
    LAPACK's gelsd does for NumPy (a negative rcond kept every singular value: 1/0 and 1e20 entries)."""
    x = np.zeros((6 * P + 4, 4))
    x[0, 0], x[1, 1], x[2, 2], x[3, 3] = 1.0, 0.5, 1e-20, 1.5e-16  # exact singular values (one kept, one cut)
    x[:, 3] = 0 if case == "block" else x[:, 3]  # an exact zero singular value too
    b = rng_data((x.shape[0], 2), seed=8)
    for rcond in (-1, 0, 1, 2, 0.5, 1e-300, None):
        r = np.linalg.lstsq(distribute(x, case), distribute(b, case), rcond=rcond)
        e = np.linalg.lstsq(x, b, rcond=rcond)
        assert_all_ranks(r[2] == e[2], f"rcond={rcond}: rank {r[2]} vs NumPy {e[2]}")
        for i in (0, 1, 3):
            assert_dist_equal(r[i], e[i], rtol=1e-12, atol=1e-12 * max(np.abs(e[i]).max(initial=0), 1.0))


@pytest.mark.parametrize("case", CASES)
def test_lstsq_single_precision_in_double(case):
    """float32/complex64 systems are solved in double precision as NumPy's LAPACK call is (results cast
    back), with the double-precision default rcond: a column 1e-6 from dependent keeps its full rank."""
    for dtype in (np.float32, np.complex64):
        x = tall(dtype, n=4, seed=6)
        x[:, 3] = x[:, 2] * (1 + 1e-6) + x[:, 1] * 1e-6
        b = rng_data((x.shape[0], 2), dtype, seed=7)
        r = np.linalg.lstsq(distribute(x, case), distribute(b, case))
        e = np.linalg.lstsq(x, b)
        assert_dist_equal(r[2], e[2])
        for i in (0, 1, 3):
            assert_dist_equal(r[i], e[i], rtol=1e-4, atol=1e-6 * max(np.abs(e[i]).max(initial=0), 1.0))


def spd_stack(dtype, n=4, k=6):
    g = rng_data((k, n, n), dtype, seed=3)
    return g @ np.conj(np.swapaxes(g, -1, -2)) + n * 10 * np.eye(n, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated", "grid_bb", "last"])
def test_batched_square(case, dtype):
    g = spd_stack(dtype)
    G = distribute(g, case)
    t = tol(g)
    assert_dist_equal(np.linalg.cholesky(G), np.linalg.cholesky(g), **t)
    assert_dist_equal(np.linalg.inv(G), np.linalg.inv(g), **t)
    assert_dist_equal(np.linalg.det(G), np.linalg.det(g), **t)
    s, l = np.linalg.slogdet(G)
    se, le = np.linalg.slogdet(g)
    assert_dist_equal(s, se, **t)
    assert_dist_equal(l, le, **t)
    assert_dist_equal(np.linalg.solve(G, G), np.linalg.solve(g, g), **t)
    assert_dist_equal(np.linalg.eigvalsh(G), np.linalg.eigvalsh(g), **t)
    w, v = np.linalg.eigh(G)
    assert_dist_equal(w, np.linalg.eigh(g)[0], **t)
    assert_dist_equal(np.abs(np.linalg.det(v)), np.ones(g.shape[0]), check_dtype=False, **t)
    assert_dist_equal(G @ v, nd.asnumpy(v * w[..., None, :]), rtol=t["rtol"], atol=t["atol"] * np.abs(g).max())  # A v = v w
    Q, R = np.linalg.qr(G)
    assert_dist_equal(Q @ R, g, **t)
    assert_dist_equal(np.linalg.svd(G, compute_uv=False), np.linalg.svd(g, compute_uv=False), **t)
    assert_dist_equal(np.linalg.matrix_power(G, 3), np.linalg.matrix_power(g, 3), **t)
    assert_dist_equal(np.linalg.pinv(G), np.linalg.pinv(g), **t)
    assert_dist_equal(np.linalg.eigvalsh(G[0]), np.linalg.eigvalsh(g[0]), **t)  # Gram-sized single matrix


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated", "grid_bb"])
def test_errors_agreed_on_every_rank(case):
    g = spd_stack(np.float64)
    bad = g.copy()
    bad[-1] = -bad[-1]  # lives on the last rank(s) only
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(distribute(bad, case))
    sing = g.copy()
    sing[-1] = 0
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.inv(distribute(sing, case))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.qr(distribute(rng_data((5,)), case))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(distribute(rng_data((4, 5)), case))


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
def test_square_single_small_matrix(case, allow_fallback):
    """One small square matrix (below dense.SMALL_N: replicated, NumPy's own routine) gives NumPy's answers."""
    g = spd_stack(np.float64, n=8, k=1)[0]
    G = distribute(g, case)
    t = tol(g)
    assert_dist_equal(np.linalg.solve(G, G @ np.ones(8)), np.ones(8), **t)
    assert_dist_equal(np.linalg.inv(G), np.linalg.inv(g), **t)
    assert_dist_equal(np.linalg.det(G), np.linalg.det(g), **t)
    assert_dist_equal(np.linalg.cholesky(G), np.linalg.cholesky(g), **t)
    Q, R = np.linalg.qr(G)
    assert_dist_equal(Q @ R, g, **t)
    sing = np.ones((8, 8))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.inv(distribute(sing, case))
    assert_dist_equal(np.linalg.svdvals(G), np.linalg.svdvals(g), **t)


@pytest.mark.parametrize("case", ["block", "cyclic", "last", "replicated"])
def test_matrix_power_multi_dot(case):
    x = rng_data((6, 6), seed=1) / 10
    X = distribute(x, case)
    for k in (0, 1, 2, 5):
        assert_dist_equal(np.linalg.matrix_power(X, k), np.linalg.matrix_power(x, k), rtol=1e-10, atol=1e-12)
    stack = np.stack([x, 2 * x]).astype(np.int64)  # the 0th power of a stack: identities in its layout
    old = nd.set_fallback("error")
    try:
        assert_dist_equal(np.linalg.matrix_power(distribute(stack, case), 0), np.linalg.matrix_power(stack, 0))
    finally:
        nd.set_fallback(old)
    a, b, c, v = rng_data((20, 3), seed=2), rng_data((3, 15), seed=3), rng_data((15, 4), seed=4), rng_data((4,), seed=5)
    ds = [distribute(y, case) for y in (a, b, c, v)]
    assert_dist_equal(np.linalg.multi_dot(ds), np.linalg.multi_dot([a, b, c, v]), rtol=1e-10, atol=1e-10)
    assert_dist_equal(np.linalg.multi_dot(ds[:3]), np.linalg.multi_dot([a, b, c]), rtol=1e-10, atol=1e-10)


def test_qr_does_not_gather():
    """TSQR moves only the small R factors: bytes sent stay O(P n^2), far below the matrix."""
    x = tall(np.float64, m=200 * P, n=4)
    A = distribute(x, "block")
    nd.reset_comm_stats()
    Q, R = np.linalg.qr(A)
    sent = nd.comm_stats()["bytes_sent"]
    assert sent <= 2 * P * P * 4 * 4 * 8 + 1024
    assert Q.local.shape[0] == A.local.shape[0]


# --------------------------------------------------------------------------
# Every layout (DIST_CASES and explicit 1 x P, P x 1, 2 x 2 grids), tiny and degenerate shapes
# --------------------------------------------------------------------------

ALL_DTYPES = [np.float32, np.float64, np.complex64, np.complex128, np.int64, np.bool_]
ALL_IDS = ["float32", "float64", "complex64", "complex128", "int64", "bool"]
SHAPES = [(3, 5), (1, 2), (4, 2), (3, 4), (2, 2), (8, 8), (1, 1), (5, 1), (1, 5), (0, 3), (3, 0), (12, 3), (3, 12)]


def rank_deficient(shape, dtype, seed=7):
    x = rng_data(shape, dtype, seed=seed)
    if min(shape) >= 3:
        x[:, -1] = x[:, 0]  # a repeated column: the rank is below min(m, n)
    return x


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=ALL_IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_matrix_rank_every_layout(shape, dtype, allow_fallback):
    """Issue 15: a 3x5 on ('n','b') gave 1, a 1x2 on ('b','b') gave 1 on rank 0 and 0 elsewhere (the
    singular values of a fallback SVD are block-distributed; each rank counted its own block)."""
    x = rank_deficient(shape, dtype)
    for name, A in on_layouts(x):
        assert_dist_equal(np.linalg.matrix_rank(A), np.linalg.matrix_rank(x))
        assert_dist_equal(np.linalg.matrix_rank(A, rtol=0.3), np.linalg.matrix_rank(x, rtol=0.3))
        assert_dist_equal(np.linalg.matrix_rank(A, tol=2.0), np.linalg.matrix_rank(x, tol=2.0))
    for codes in (("n", "b"), ("b", "b"), ("b", "n"), ("c", "n"), ("c", "c")):
        assert_dist_equal(np.linalg.matrix_rank(nd.asarray(x, dist=codes)), np.linalg.matrix_rank(x))


def test_matrix_rank_arguments(allow_fallback):
    x = np.array([[0.0, 1.0], [0.0, 0.0]])  # not Hermitian: eigvalsh of the lower triangle says rank 0
    for name, A in on_layouts(x):
        assert_dist_equal(np.linalg.matrix_rank(A, hermitian=True), np.linalg.matrix_rank(x, hermitian=True))
        with pytest.raises(ValueError):
            np.linalg.matrix_rank(A, tol=1.0, rtol=1.0)
    y = rng_data((12, 3), seed=2)  # tall: TSQR at every rank count; hermitian needs a square matrix
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.matrix_rank(distribute(y, "block"), hermitian=True)


#: Each shape with two dtypes in rotation (every dtype meets several shapes; the run stays short at 4 ranks).
SHAPE_DTYPES = [(s, ALL_DTYPES[(i + j) % len(ALL_DTYPES)]) for i, s in enumerate(SHAPES) for j in (0, 3)]


@pytest.mark.parametrize("shape, dtype", SHAPE_DTYPES, ids=[f"{s}-{np.dtype(d).name}" for s, d in SHAPE_DTYPES])
def test_svd_family_every_layout(shape, dtype, allow_fallback):
    """svdvals, svd, qr, pinv and the matrix norms on every layout, tiny and degenerate shapes included."""
    x = rank_deficient(shape, dtype)
    xf = x.astype(np.result_type(x.dtype, np.float64)) if x.dtype.kind not in "fc" else x
    t = linalg_tol(x)
    k = min(shape)
    for name, A in on_layouts(x):
        assert_dist_equal(np.linalg.svdvals(A), np.linalg.svdvals(x), **t)
        U, S, Vh = np.linalg.svd(A, full_matrices=False)
        assert_dist_equal((U * S) @ Vh, xf, **t)
        Q, R = np.linalg.qr(A)
        assert_dist_equal(Q @ R, xf, **t)
        assert_dist_equal(np.abs(np.diagonal(R)), np.abs(np.diagonal(np.linalg.qr(x)[1])), **t)
        assert_dist_equal(np.conj(Q.T) @ Q, np.eye(k, dtype=xf.dtype), **t)
        assert_dist_equal(np.linalg.pinv(A), np.linalg.pinv(x), **{k_: v * 10 for k_, v in t.items()})
        for o in (None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"):
            try:
                expected = np.linalg.norm(x, o)
            except ValueError:  # NumPy: a minimum over nothing (empty matrices)
                with pytest.raises(ValueError):
                    np.linalg.norm(A, o)
                continue
            assert_dist_equal(np.linalg.norm(A, o), expected, **t)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=ALL_IDS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 8])
def test_square_every_layout(n, dtype, allow_fallback):
    """det, slogdet, solve, inv, cholesky, eigh (checked by A v = v w) and eigvalsh on every layout."""
    x = rng_data((n, n), dtype, seed=4)
    if dtype == np.bool_:
        g = np.eye(n, dtype=bool)[::-1].copy()  # the reversal permutation: symmetric, det +-1
    else:
        g = (x @ np.conj(x.T) + n * np.eye(n)).astype(dtype)  # Hermitian positive definite
    gf = g.astype(np.float64) if g.dtype.kind not in "fc" else g
    t = linalg_tol(g)
    b = np.arange(n, dtype=np.float64)
    for name, G in on_layouts(g):
        assert_dist_equal(np.linalg.det(G), np.linalg.det(g), **t)
        assert_dist_equal(tuple(np.linalg.slogdet(G)), tuple(np.linalg.slogdet(g)), **t)
        assert_dist_equal(np.linalg.solve(G, b), np.linalg.solve(g, b), **t)
        assert_dist_equal(np.linalg.inv(G), np.linalg.inv(g), **t)
        if dtype != np.bool_:
            assert_dist_equal(np.linalg.cholesky(G), np.linalg.cholesky(g), **t)
        assert_dist_equal(np.linalg.eigvalsh(G), np.linalg.eigvalsh(g), **t)
        w, v = np.linalg.eigh(G)
        we, ve = np.linalg.eigh(g)
        assert_dist_equal(w, we, **t)
        assert_all_ranks(v.dtype == ve.dtype and v.shape == ve.shape, f"eigh vectors {v.dtype}{v.shape}")
        scale = max(float(np.abs(we).max(initial=0)), 1.0)
        assert_dist_equal(G.astype(ve.dtype) @ v, v * w, rtol=t["rtol"], atol=t["rtol"] * scale)  # A v = v w
        assert_dist_equal(np.conj(v.T) @ v, np.eye(n, dtype=ve.dtype), rtol=t["rtol"], atol=t["rtol"])


@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (0, 0)], ids=str)
@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float32], ids=["int64", "bool", "float32"])
def test_pinv_empty_keeps_dtype(shape, dtype):
    x = np.zeros(shape, dtype)
    for name, A in on_layouts(x):
        assert_dist_equal(np.linalg.pinv(A), np.linalg.pinv(x))


HERMITIAN_CALLS = [
    ("pinv", lambda a: np.linalg.pinv(a, hermitian=True)),
    ("pinv_rtol", lambda a: np.linalg.pinv(a, hermitian=True, rtol=None)),
    ("matrix_rank", lambda a: np.linalg.matrix_rank(a, hermitian=True)),
    ("svd", lambda a: tuple(np.linalg.svd(a, hermitian=True))),
    ("svdvals_h", lambda a: np.linalg.svd(a, compute_uv=False, hermitian=True)),
    ("eigvalsh", lambda a: np.linalg.eigvalsh(a)),
    ("eigvalsh_U", lambda a: np.linalg.eigvalsh(a, UPLO="u")),
    ("eigvalsh_bad_uplo", lambda a: np.linalg.eigvalsh(a, UPLO="X")),
    ("eigh_bad_uplo", lambda a: np.linalg.eigh(a, UPLO="X")),
    ("eigh_int_uplo", lambda a: np.linalg.eigh(a, UPLO=1)),
]


@pytest.mark.parametrize("shape", [(1, 7), (8, 2), (5, 1), (3, 3), (2, 3, 4), (2, 3, 3), (0, 3), (3,), (0,)], ids=str)
@pytest.mark.parametrize("call", HERMITIAN_CALLS, ids=[c[0] for c in HERMITIAN_CALLS])
def test_hermitian_paths_check_like_numpy(shape, call, allow_fallback):
    """hermitian=True (pinv, matrix_rank, svd) and eigh/eigvalsh: NumPy's checks in NumPy's order -- UPLO
    first, then a square matrix (pinv: after its empty shortcut) -- on every layout, every rank agreeing.
    (pinv(hermitian=True) of a wide or tall matrix used to return the TSQR pseudo-inverse.)"""
    name, func = call
    x = rng_data(shape, np.complex128 if len(shape) == 2 else np.float32, seed=5)
    x = x + np.conj(np.swapaxes(x, -1, -2)) if len(shape) >= 2 and shape[-1] == shape[-2] else x
    e = _outcome(func, x)
    for lname, A in on_layouts(x) if x.ndim else [("0-d", nd.asarray(x))]:
        r = _outcome(func, A)
        assert_all_ranks(r[0] == e[0], f"{name}{shape} {lname}: NumPy {e[0]}, numpy_dist {r[0]}")
        if e[0] == "ok" and name not in ("svd",):  # (svd's vectors: only up to signs)
            first = x.reshape(-1, *x.shape[-2:])[0] if x.ndim >= 2 and x.size else np.zeros((0, 0), x.dtype)
            assert_dist_equal(r[1], e[1], **linalg_tol(first, 100))


@pytest.mark.parametrize("shape", [(4, 4), (1, 1), (2, 4, 4)], ids=str)
def test_pinv_hermitian_reads_one_triangle(shape, allow_fallback):
    """pinv(hermitian=True) of a non-Hermitian square matrix: NumPy inverts the Hermitian matrix of its lower
    triangle (eigh), not the matrix itself (one rank used to take the TSQR path, which ignores ``hermitian``)."""
    x = rng_data(shape, np.float64, seed=9)
    expected = np.linalg.pinv(x, hermitian=True)
    for name, A in on_layouts(x):
        assert_dist_equal(np.linalg.pinv(A, hermitian=True), expected, **tol(expected))
