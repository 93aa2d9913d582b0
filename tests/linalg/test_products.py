"""Differential tests of distributed products (NumPy is the oracle): matmul, dot, tensordot, einsum, kron ..."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import matmul_plan as L
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, dist_cases, distribute, rng_data

from ._layouts import MIXED, laid_out

COMM = MPI.COMM_WORLD
DTYPES = [np.float32, np.float64, np.complex128]
IDS = ["float32", "float64", "complex128"]
CASES_2D = dist_cases(2)
# (A shape, B shape): tall-skinny, square, short-fat, vector-ish, empty
PAIRS = [((23, 4), (4, 6)), ((12, 12), (12, 12)), ((3, 30), (30, 5)), ((30, 3), (3, 30)), ((1, 9), (9, 7)),
         ((0, 3), (3, 4)), ((5, 0), (0, 2))]


def tol(dtype, k=10) -> dict:
    eps = np.finfo(np.dtype(dtype)).eps
    return {"rtol": 50 * k * eps, "atol": 50 * k * eps * 100}


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}x{b}" for a, b in PAIRS])
def test_matmul_2d_all_layouts(pair, dtype):
    a = rng_data(pair[0], dtype, seed=1)
    b = rng_data(pair[1], dtype, seed=2)
    expected = a @ b
    for i, ca in enumerate(CASES_2D):
        for cb in ("block", "replicated", "last", "grid_bb", "cyclic", "unstructured")[i % 2::2]:
            A, B = distribute(a, ca), distribute(b, cb)
            assert_dist_equal(A @ B, expected, **tol(dtype, pair[0][1] + 1))


# (function, operand shapes): every product whose contraction meets a split axis, 1-d and 2-d operands
PRODUCTS = [
    ("matmul", lambda x, y: np.matmul(x, y), [(5, 9), (9, 4)]),
    ("matmul_vm", lambda x, y: np.matmul(x, y), [(9,), (9, 4)]),
    ("matmul_mv", lambda x, y: np.matmul(x, y), [(5, 9), (9,)]),
    ("dot", np.dot, [(5, 9), (9, 4)]),
    ("dot_1d", np.dot, [(9,), (9,)]),
    ("vdot", np.vdot, [(3, 9), (3, 9)]),
    ("inner", np.inner, [(5, 9), (4, 9)]),
    ("tensordot", lambda x, y: np.tensordot(x, y, axes=([0, 1], [1, 0])), [(9, 3), (3, 9)]),
    ("multi_dot", lambda x, y, z: np.linalg.multi_dot([x, y, z]), [(2, 9), (9, 3), (3,)]),
    ("multi_dot_1d", lambda x, y, z: np.linalg.multi_dot([x, y, z]), [(9,), (9, 7), (7, 2)]),
]


@pytest.mark.parametrize("func,shapes", [p[1:] for p in PRODUCTS], ids=[p[0] for p in PRODUCTS])
def test_products_mixed_layouts(func, shapes):
    """Every pair of layouts (third operand: a rotating one), unstructured maps with empty blocks and
    non-monotone local indices among them (multi_dot used to read the wrong columns: [1, 3, 2, 4] taken for 1:5)."""
    xs = [rng_data(s, np.complex128 if func is np.vdot else np.float64, seed=i) for i, s in enumerate(shapes)]
    expected = func(*xs)
    for i, la in enumerate(MIXED):
        for j, lb in enumerate(MIXED):
            names = [la, lb, MIXED[(i + j) % len(MIXED)]][: len(xs)]
            got = func(*[laid_out(x, n) for x, n in zip(xs, names)])
            assert_dist_equal(got, expected, **tol(np.float64, 10))


def test_multi_dot_complex_inf_entries_stay_non_finite():
    """A complex inf in a product chain: the affected entries are non-finite as in NumPy, the others agree.
    (Which part is NaN and which inf is BLAS's choice -- NumPy's own matmul gives nan-infj for a (1, k) row
    and nan+nanj for a (2, k) matrix -- so only finiteness is compared there.)"""
    a = rng_data((2, 7), np.complex64, seed=1)
    a[1, 5] = complex(-np.inf, -1.7)
    b, c = rng_data((7, 2), np.complex128, seed=2), rng_data((2,), np.complex64, seed=3)
    with np.errstate(all="ignore"):
        expected = np.linalg.multi_dot([a, b, c])
        for i, la in enumerate(MIXED):
            names = [la, MIXED[(i + 3) % len(MIXED)], MIXED[(i + 5) % len(MIXED)]]
            got = nd.asnumpy(np.linalg.multi_dot([laid_out(x, n) for x, n in zip((a, b, c), names)]))
            same = got.dtype == expected.dtype and np.array_equal(np.isfinite(got), np.isfinite(expected))
            fin = np.isfinite(expected)
            assert_all_ranks(same and np.allclose(got[fin], expected[fin], rtol=1e-12), f"{names}: {got} {expected}")


@pytest.mark.parametrize("case", dist_cases(1))
def test_matmul_vectors(case):
    v = rng_data((9,), seed=3)
    M = rng_data((9, 6), seed=4)
    M2 = rng_data((6, 9), seed=5)
    V, W, W2 = distribute(v, case), distribute(M, case), distribute(M2, case)
    assert_dist_equal(V @ W, v @ M, **tol(np.float64))
    assert_dist_equal(W2 @ V, M2 @ v, **tol(np.float64))
    assert_dist_equal(V @ V, v @ v, **tol(np.float64))
    assert_dist_equal(np.matmul(V, M), v @ M, **tol(np.float64))  # NumPy operand


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated", "last", "grid_bb", "unstructured"])
def test_matmul_stacked(case):
    s = rng_data((5, 4, 3), seed=6)
    t = rng_data((3, 2), seed=7)
    u = rng_data((5, 3, 6), seed=8)
    S, U = distribute(s, case), distribute(u, case)
    assert_dist_equal(S @ distribute(t, "block"), s @ t, **tol(np.float64))
    assert_dist_equal(S @ U, s @ u, **tol(np.float64))
    assert_dist_equal(S[:2] @ U[:2], s[:2] @ u[:2], **tol(np.float64))  # fewer matrices than ranks
    assert_dist_equal(np.matmul(distribute(s[:1], case), distribute(u[0], "block")), s[:1] @ u[0],
                      **tol(np.float64))


def test_matmul_errors_and_out():
    A = distribute(rng_data((4, 3)), "block")
    with pytest.raises(ValueError):
        A @ distribute(rng_data((4, 3)), "block")
    out = nd.zeros((4, 4))
    r = np.matmul(A, distribute(rng_data((3, 4), seed=2), "block"), out=out)
    assert r is out
    assert_dist_equal(out, rng_data((4, 3)) @ rng_data((3, 4), seed=2), **tol(np.float64))


def test_matmul_plans_move_only_the_small_operand():
    """Row-block A times small B: A is never moved, only B's bytes travel."""
    P = COMM.Get_size()
    a = rng_data((64 * P, 8), seed=1)
    b = rng_data((8, 3), seed=2)
    A, B = distribute(a, "block"), distribute(b, "block")
    nd.reset_comm_stats()
    C = A @ B
    sent = nd.comm_stats()["bytes_sent"]
    assert_dist_equal(C, a @ b, **tol(np.float64))
    assert sent <= b.nbytes * max(P - 1, 0)
    assert C.distribution.maps[0] == A.distribution.maps[0]
    if P > 1:
        assert L._plan(A, B) == "rows"
        assert L._plan(A.T, A) == "inner"
        big_np = rng_data((8 * P, 8 * P), seed=3)
        big = distribute(big_np, "block")
        expected = _expected_big_plan(P, big.size)
        if P <= 4:  # no 2-d grid (P = 2, 3) or a 2x2 grid that only ties the ring (P = 4)
            assert expected == "ring"
        assert L._plan(big, big) == expected
        assert_dist_equal(big @ big, big_np @ big_np, **tol(np.float64, 8 * P))


def _expected_big_plan(P: int, size: int) -> str:
    """The plan the cost model must pick for square row-block ``big @ big`` (elements received per rank).

    Ring: A stays, B's rows already match A's columns, every block of B
    passes each rank once: ``size``.  SUMMA on a ``pr x pc`` grid: both
    operands re-laid out (a balanced share each) plus the broadcast panels
    ``size (pc-1)/P + size (pr-1)/P``.  The ring wins ties (P = 4: 2x2 costs
    exactly ``size``); SUMMA wins where a 2-d grid is cheaper (P = 6, 8, 9 ...).
    """
    grids = [(r, P // r) for r in range(2, P) if P % r == 0 and P // r >= 2]
    summa = [2 * -(-size // P) + size * (pc - 1) // P + size * (pr - 1) // P for pr, pc in grids]
    return "summa" if summa and min(summa) < size else "ring"


@pytest.mark.parametrize("case", ["block", "cyclic", "last", "grid_bb", "replicated"])
def test_dot_inner_vdot_outer_tensordot(case):
    a = rng_data((6, 5), np.complex128, seed=1)
    b = rng_data((5, 4), np.complex128, seed=2)
    c = rng_data((6, 5), np.complex128, seed=3)
    A, B, C = distribute(a, case), distribute(b, case), distribute(c, case)
    t = tol(np.complex128)
    assert_dist_equal(np.dot(A, B), np.dot(a, b), **t)
    assert_dist_equal(np.dot(A, 2.0), np.dot(a, 2.0), **t)
    assert_dist_equal(np.inner(A, C), np.inner(a, c), **t)
    assert_dist_equal(np.vdot(A, C), np.vdot(a, c), **t)
    assert_dist_equal(np.outer(A, B), np.outer(a, b), **t)
    assert_dist_equal(np.tensordot(A, C, axes=2), np.tensordot(a, c, axes=2), **t)
    assert_dist_equal(np.tensordot(A, C, axes=([0], [0])), np.tensordot(a, c, axes=([0], [0])), **t)
    x = rng_data((3, 4, 5), seed=4)
    y = rng_data((5, 4, 2), seed=5)
    X, Y = distribute(x, case), distribute(y, case)
    assert_dist_equal(np.tensordot(X, Y, axes=([1, 2], [1, 0])), np.tensordot(x, y, axes=([1, 2], [1, 0])),
                      **tol(np.float64))
    y2 = rng_data((4, 5, 2), seed=6)
    assert_dist_equal(np.dot(X, distribute(y2, case)), np.dot(x, y2), **tol(np.float64))
    assert_dist_equal(np.vecdot(A, C), np.vecdot(a, c), **t)
    assert_dist_equal(np.vecdot(A, C, axis=0), np.vecdot(a, c, axis=0), **t)
    assert_dist_equal(np.linalg.outer(A[0], B[0]), np.linalg.outer(a[0], b[0]), **t)


EINSUMS = [("ij,jk->ik", [(6, 5), (5, 4)]), ("ij,jk", [(6, 5), (5, 4)]), ("ij,ij->i", [(6, 5), (6, 5)]),
           ("bij,bjk->bik", [(5, 3, 4), (5, 4, 2)]), ("ij->ji", [(6, 5)]), ("ij->", [(6, 5)]), ("ii->i", [(5, 5)]),
           ("ii", [(5, 5)]), ("ij,jk,kl->il", [(6, 5), (5, 4), (4, 3)]), ("i,j->ij", [(6,), (4,)]),
           ("ijk,jl->ilk", [(3, 4, 5), (4, 2)])]


@pytest.mark.parametrize("case", ["block", "cyclic", "last", "grid_bb", "replicated"])
def test_einsum(case):
    for spec, shapes in EINSUMS:
        xs = [rng_data(s, seed=i) for i, s in enumerate(shapes)]
        ds = [distribute(x, case) for x in xs]
        assert_dist_equal(np.einsum(spec, *ds), np.einsum(spec, *xs), **tol(np.float64))


def test_einsum_ellipsis_is_native():
    """Formerly a fallback; tests/linalg/test_einsum.py covers ellipses and repeated letters in full."""
    x = rng_data((4, 4))
    X = distribute(x, "block")
    old = nd.set_fallback("error")
    try:
        assert_dist_equal(np.einsum("...i,...i->...", X, X), np.einsum("...i,...i->...", x, x), **tol(np.float64))
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("case", CASES_2D)
def test_diagonal_trace(case):
    for shape in [(7, 4), (4, 7), (6, 6), (0, 3)]:
        x = rng_data(shape, seed=2)
        X = distribute(x, case)
        for off in (0, 1, -2, 10):
            assert_dist_equal(np.diagonal(X, off), np.diagonal(x, off))
            assert_dist_equal(np.trace(X, off), np.trace(x, off), **tol(np.float64))
            assert_dist_equal(np.diagonal(X.T, off), np.diagonal(x.T, off))
    y = rng_data((3, 4, 5), seed=3)
    Y = distribute(y, case)
    assert_dist_equal(np.diagonal(Y, 1, 1, 2), np.diagonal(y, 1, 1, 2))
    assert_dist_equal(np.trace(Y, axis1=0, axis2=2), np.trace(y, axis1=0, axis2=2), **tol(np.float64))
    assert_dist_equal(np.linalg.diagonal(Y), np.linalg.diagonal(y))
    assert_dist_equal(np.linalg.trace(Y), np.linalg.trace(y), **tol(np.float64))


@pytest.mark.parametrize("case", ["block", "cyclic", "blockcyclic3", "unstructured", "grid_bb", "replicated", "last"])
def test_kron(case):
    a = rng_data((5, 3), seed=1)
    b = rng_data((2, 4), seed=2)
    c = rng_data((9, 7), seed=3)
    A, B, C = distribute(a, case), distribute(b, case), distribute(c, case)
    assert_dist_equal(np.kron(A, B), np.kron(a, b), **tol(np.float64))
    assert_dist_equal(np.kron(B, C), np.kron(b, c), **tol(np.float64))
    assert_dist_equal(np.kron(A, b[0]), np.kron(a, b[0]), **tol(np.float64))


@pytest.mark.parametrize("case", CASES_2D)
def test_kron_with_empty_axes(case):
    """An empty axis on either side: the product's axis is empty whatever the other operand's map
    (a cyclic map scaled by 0 used to fail with 'block_size must be at least 1')."""
    pairs = [(rng_data((4, 0), np.float16, seed=1), rng_data((0, 4), seed=2)),
             (rng_data((3, 2), seed=1), rng_data((0, 2), seed=2)), (rng_data((0, 3), seed=1), rng_data((5, 2), seed=2))]
    for a, b in pairs:
        for cb in ("cyclic", "block", "replicated"):
            assert_dist_equal(np.kron(distribute(a, case), distribute(b, cb)), np.kron(a, b))
            assert_dist_equal(np.kron(distribute(b, cb), distribute(a, case)), np.kron(b, a))


@pytest.mark.parametrize("case", ["block", "cyclic", "last", "grid_bb", "replicated"])
@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
def test_cross(case):
    a = rng_data((7, 3), seed=1)
    b = rng_data((7, 3), seed=2)
    c = rng_data((7, 2), seed=3)
    A, B, C = distribute(a, case), distribute(b, case), distribute(c, case)
    assert_dist_equal(np.cross(A, B), np.cross(a, b), **tol(np.float64))
    assert_dist_equal(np.cross(A, C), np.cross(a, c), **tol(np.float64))
    assert_dist_equal(np.cross(C, C), np.cross(c, c), **tol(np.float64))
    assert_dist_equal(np.cross(A.T, B.T, axis=0), np.cross(a.T, b.T, axis=0), **tol(np.float64))
    assert_dist_equal(np.linalg.cross(A, B), np.linalg.cross(a, b), **tol(np.float64))


def test_matrix_transpose():
    x = rng_data((3, 4, 5))
    assert_dist_equal(np.linalg.matrix_transpose(distribute(x, "block")), np.linalg.matrix_transpose(x))


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated", "grid_bb"])
def test_matvec_vecmat(case):
    A = np.arange(24.0).reshape(2, 3, 4)
    v, w = np.arange(4.0), np.arange(3.0) + 1j
    assert_dist_equal(np.matvec(distribute(A, case), distribute(v, "block")), np.matvec(A, v))
    assert_dist_equal(np.vecmat(distribute(w, "block"), distribute(A, case)), np.vecmat(w, A))


@pytest.mark.parametrize("func", [np.matvec, np.vecmat, np.vecdot])
@pytest.mark.parametrize("shapes", [((1, 8), ()), ((), (3, 3)), ((3, 3), ()), ((3,), (3,)), ((2,), (2, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"dtype": np.float16, "casting": "no"}])
def test_gufunc_core_dimensions_are_checked_before_dtypes_as_numpy(func, shapes, kwargs):
    """NumPy's first check of a gufunc call is the operands' core axes (ValueError, its message), then the
    casting (UFuncTypeError); a 0-d operand with a bad cast gets the ValueError."""
    a, b = np.ones(shapes[0], np.float16), np.full(shapes[1], 300)
    try:
        func(a, b, **kwargs)
        want = None
    except Exception as exc:  # noqa: BLE001 - compared by class and message
        want = (type(exc), str(exc))
    try:
        func(distribute(a, "block") if a.ndim else nd.asarray(a), nd.asarray(b), **kwargs)
        got = None
    except Exception as exc:  # noqa: BLE001
        got = (type(exc), str(exc))
    same = got == want or (got and want and issubclass(got[0], want[0]) and want[0] is not ValueError)
    assert_all_ranks(bool(same), f"NumPy {want}, numpy_dist {got}")


LOOP_CALLS = [(np.matmul, (6, 5), (5, 3)), (np.matmul, (5,), (5, 3)), (np.vecdot, (6, 5), (6, 5)),
              (np.vecdot, (5,), (5,)), (np.matvec, (6, 5), (5,)), (np.vecmat, (6,), (6, 5))]


@pytest.mark.parametrize("dtype,casting", [(np.complex128, "unsafe"), (np.float64, "same_kind"),
                                           (np.float32, "same_kind"), (np.int8, "same_kind"), (np.int16, "unsafe")],
                         ids=["c16-unsafe", "f8", "f4", "i1-error", "i2-unsafe"])
@pytest.mark.parametrize("call", LOOP_CALLS, ids=[f"{c[0].__name__}{c[1]}x{c[2]}" for c in LOOP_CALLS])
def test_gufunc_dtype_is_the_loop_dtype(call, dtype, casting):
    """``dtype=`` of matmul/vecdot/matvec/vecmat: NumPy casts the operands and computes in it (an int8 .
    float16 vecdot with dtype=complex128 is not float16 arithmetic cast afterwards); its input casting
    check (UFuncTypeError) is made the same way, on every layout."""
    func, sa, sb = call
    a = rng_data(sa, np.int8, seed=1)
    b = (rng_data(sb, np.float64, seed=2) * 7.3).astype(np.float16)  # float16 products round visibly
    e = _outcome(func, a, b, dtype=dtype, casting=casting)
    for i, la in enumerate(MIXED):
        r = _outcome(func, laid_out(a, la), laid_out(b, MIXED[(i + 4) % len(MIXED)]), dtype=dtype, casting=casting)
        assert_all_ranks(e[0] == r[0], f"{la}: NumPy {e[0]}, numpy_dist {r[0]}")
        if e[0] == "ok":
            rt = 0 if np.dtype(dtype).kind in "iu" else 4 * np.finfo(dtype).eps
            assert_dist_equal(r[1], e[1], rtol=rt, atol=rt * 1e3)


def _outcome(func, *args, **kwargs):
    """(exception class or "ok", value): NumPy's and numpy_dist's outcomes compare directly."""
    try:
        return "ok", func(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e), None


@pytest.mark.parametrize("call", LOOP_CALLS, ids=[f"{c[0].__name__}{c[1]}x{c[2]}" for c in LOOP_CALLS])
def test_gufunc_dtype_with_out_honours_casting(call):
    """dtype= with out= and casting='unsafe': the input cast to dtype is checked with that rule, not same_kind."""
    func, sa, sb = call
    a = rng_data(sa, np.uint16, seed=1)
    b = rng_data(sb, np.complex128, seed=2)
    shape = func(a, b).shape
    e = _outcome(func, a, b, dtype=np.bool_, casting="unsafe", out=np.zeros(shape))
    for i, la in enumerate(MIXED):
        out = laid_out(np.zeros(shape), MIXED[(i + 2) % len(MIXED)]) if shape else np.zeros(shape)
        r = _outcome(func, laid_out(a, la), laid_out(b, MIXED[(i + 4) % len(MIXED)]), dtype=np.bool_,
                     casting="unsafe", out=out)
        assert_all_ranks(e[0] == r[0], f"{la}: NumPy {e[0]}, numpy_dist {r[0]}")
        if e[0] == "ok":
            assert_dist_equal(r[1], e[1])


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated", "grid_bb", "unstructured"])
def test_gufunc_out_casting_and_shape_checks(case):
    """matmul/matvec/vecmat/vecdot ``out=``: NumPy's casting check (UFuncTypeError) first, then shapes;
    an ``out`` tuple, an ``out`` with extra broadcast dimensions, DistArray and NumPy ``out``."""
    A = rng_data((3, 4), seed=1)
    Ac = rng_data((3, 4), np.complex128, seed=1)
    v, w, B = rng_data((4,), seed=2), rng_data((3,), seed=3), rng_data((4, 2), seed=4)
    calls = [(np.matvec, A, v), (np.matvec, Ac, v), (np.vecmat, w, A), (np.matmul, A, B), (np.vecdot, v, v),
             (np.vecdot, A, A)]
    for func, a, b in calls:
        shape = func(a, b).shape
        for out_shape in (shape, (2,) + shape, shape + (1,), shape[:-1] + (7,) if shape else (7,)):
            for out_dtype in (np.float64, np.int64, np.float32):
                for tup in (False, True):
                    o_np = np.zeros(out_shape, out_dtype)
                    for o in (o_np.copy(), nd.asarray(o_np.copy())):
                        kw = {"out": (o,) if tup else o}
                        e = _outcome(func, a, b, out=(o_np,) if tup else o_np)
                        r = _outcome(func, distribute(a, case), distribute(b, "block") if b.ndim == 1 else
                                     distribute(b, case), **kw)
                        where = f"{func.__name__} out {out_shape} {np.dtype(out_dtype)} tuple={tup}"
                        assert_all_ranks(e[0] == r[0], f"{where}: NumPy {e[0]}, numpy_dist {r[0]}")
                        if e[0] == "ok":
                            assert r[1] is o
                            assert_dist_equal(o, e[1], **tol(np.float64))
    with pytest.raises(TypeError):  # NumPy's UFuncTypeError; casting= is honoured, not dropped
        np.matmul(distribute(A, case), distribute(B, case), out=nd.zeros((3, 2), np.float32), casting="no")
