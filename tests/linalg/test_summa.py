"""SUMMA (``A @ B`` on a 2-d process grid): differential tests against NumPy, plan choice, bytes moved."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import matmul_plan as L
from numpy_dist.distribution import Distribution, make_grid_shape
from numpy_dist.testing import assert_dist_equal, distribute, rng_data
from tests.linalg._layouts import layouts, working_eps

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
GRID_CASES = ["grid_bb", "grid_bc", "grid_cb"]
# (A shape, B shape): square, not divisible by any grid, short-fat/tall, degenerate, empty
PAIRS = [((12, 12), (12, 12)), ((13, 7), (7, 9)), ((5, 11), (11, 3)), ((1, 9), (9, 1)), ((0, 3), (3, 4)),
         ((5, 0), (0, 2))]
DTYPES = [np.int64, np.float32, np.float64, np.complex128]
IDS = ["int64", "float32", "float64", "complex128"]
#: grids SUMMA can run on at every rank count (``(P, 1)``/``(1, P)`` are 1-d but exercise every code path)
SPECS = [None, ((P, 1), 0), ((1, P), 0), ((P, 1), 1)]


def tol(dtype, k: int) -> dict:
    if np.dtype(dtype).kind not in "fc":
        return {}
    eps = np.finfo(np.dtype(dtype)).eps
    return {"rtol": 50 * (k + 1) * eps, "atol": 5000 * (k + 1) * eps}


def two_d() -> bool:
    """Does this rank count have a 2-d grid with both sides > 1?"""
    return min(make_grid_shape((8, 8), ("b", "b"), P)) > 1


def cyclic_grid(x: np.ndarray, blocks: tuple[int, int]) -> nd.DistArray:
    """``x`` block-cyclic on both axes over the default 2-d grid (a 1-d grid below 4 ranks)."""
    g = make_grid_shape(x.shape, ("c", "c"), P)
    dd = [{"dist_type": "c", "size": n, "proc_grid_size": p, "block_size": b} for n, p, b in zip(x.shape, g, blocks)]
    return nd.asarray(x, dist=Distribution.from_global_dim_data(COMM, dd), copy=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}x{b}" for a, b in PAIRS])
def test_grid_layouts(pair, dtype):
    a = rng_data(pair[0], dtype, seed=1)
    b = rng_data(pair[1], dtype, seed=2)
    expected = a @ b
    for ca in GRID_CASES + ["block"]:
        for cb in GRID_CASES + ["last"]:
            A, B = distribute(a, ca), distribute(b, cb)
            C = A @ B
            assert_dist_equal(C, expected, **tol(dtype, a.shape[1]))
            spec = L._grid_spec_of(A.distribution)
            if spec is not None and spec == L._grid_spec_of(B.distribution):
                assert L._plan(A, B) == "summa"
                # the result stays on the grid, rows as A's, columns as B's
                assert C.distribution.maps == (A.distribution.maps[0], B.distribution.maps[1])


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_every_grid_spec(dtype):
    """SUMMA itself on degenerate and transposed grids (runs at every rank count)."""
    a = rng_data((13, 7), dtype, seed=3)
    b = rng_data((7, 10), dtype, seed=4)
    for ca, cb in [("block", "block"), ("grid_bb", "grid_cb"), ("cyclic", "last"), ("unstructured", "replicated")]:
        A, B = distribute(a, ca), distribute(b, cb)
        for spec in SPECS:
            assert_dist_equal(L.summa(A, B, spec=spec), a @ b, **tol(dtype, 7))


def test_block_cyclic_on_both_axes():
    a = rng_data((14, 11), seed=5)
    b = rng_data((11, 9), np.complex128, seed=6)
    A, B = cyclic_grid(a, (2, 3)), cyclic_grid(b, (3, 2))
    assert_dist_equal(A @ B, a @ b, **tol(np.complex128, 11))
    for spec in SPECS:
        assert_dist_equal(L.summa(A, B, spec=spec), a @ b, **tol(np.complex128, 11))
    if two_d():
        assert L._plan(A, B) == "summa"


@pytest.mark.parametrize("dts", [(np.int32, np.float32), (np.int8, np.int8), (np.bool_, np.bool_),
                                 (np.float32, np.complex64), (np.uint16, np.int16)],
                         ids=["i32f32", "i8i8", "bool", "f32c64", "u16i16"])
def test_result_dtypes(dts):
    a = rng_data((9, 10), dts[0], seed=7)
    b = rng_data((10, 8), dts[1], seed=8)
    expected = a @ b
    for ca, cb in [("grid_bb", "grid_bb"), ("grid_bc", "grid_cb")]:
        assert_dist_equal(distribute(a, ca) @ distribute(b, cb), expected, **tol(expected.dtype, 10))
        assert_dist_equal(L.summa(distribute(a, ca), distribute(b, cb), spec=SPECS[1]), expected,
                          **tol(expected.dtype, 10))


def test_matmul_dtype_argument_and_stacked_slices():
    a = rng_data((8, 8), np.int64, seed=9)
    A = distribute(a, "grid_bb")
    assert_dist_equal(np.matmul(A, A, dtype=np.float64), np.matmul(a, a, dtype=np.float64))
    assert_dist_equal(np.dot(A, A), np.dot(a, a))
    assert_dist_equal(A @ A[:, 0], a @ a[:, 0])


def test_bytes_are_n2_sqrtP_not_n2_P(monkeypatch):
    """On a 2-d grid SUMMA broadcasts each element along one grid row or column: O(n^2 sqrt(P)) bytes."""
    n = 48
    a = rng_data((n, n), seed=10)
    b = rng_data((n, n), seed=11)
    A, B = distribute(a, "grid_bb"), distribute(b, "grid_bb")
    nd.reset_comm_stats()
    C = A @ B
    summa_bytes = COMM.allreduce(nd.comm_stats()["bytes_sent"])
    assert_dist_equal(C, a @ b, **tol(np.float64, n))
    if not two_d():
        assert L._plan(A, B) != "summa"  # 1-d grids keep the existing plans
        return
    pr, pc = A.distribution.proc_grid
    assert L._plan(A, B) == "summa"
    # exactly the panels: every A element to pc - 1 ranks, every B element to pr - 1 ranks
    assert summa_bytes == 8 * n * n * ((pc - 1) + (pr - 1))
    assert summa_bytes <= 8 * n * n * 2 * (np.sqrt(P) - 1) * 1.0001
    monkeypatch.setattr(L, "_plan", lambda X, Y: "ring")
    nd.reset_comm_stats()
    assert_dist_equal(A @ B, a @ b, **tol(np.float64, n))
    ring_bytes = COMM.allreduce(nd.comm_stats()["bytes_sent"])
    assert ring_bytes >= 8 * n * n * (P - 1)  # the ring moves every B block to every rank
    assert summa_bytes < ring_bytes


def test_plan_choice():
    """SUMMA for 2-d grid operands; the existing plans for 1-d layouts and tall-skinny products."""
    big = rng_data((8 * P, 8 * P), seed=12)
    A = distribute(big, "block")
    assert L._plan(A, A) in (("ring",) if P > 1 else ("rows", "cols", "inner", "ring"))
    tall = distribute(rng_data((64 * P, 8), seed=13), "block")
    small = distribute(rng_data((8, 3), seed=14), "block")
    if P > 1:
        assert L._plan(tall, small) == "rows"
        assert L._plan(tall.T, tall) == "inner"
    G = distribute(big, "grid_bb")
    assert (L._plan(G, G) == "summa") == two_d()
    assert (L._summa_spec(G, G) is not None) == two_d()


def test_errors():
    A = distribute(rng_data((4, 3)), "grid_bb")
    with pytest.raises(ValueError):
        L.summa(A, A)
    with pytest.raises(ValueError):
        L.summa(A, A.T, spec=((P + 1, 1), 0))


def product_tol(a: np.ndarray, b: np.ndarray, c: float = 4.0) -> dict:
    """The dot-product bound ``|C - C_hat| <= c * k * eps * (|A| |B|)`` (its largest entry, as atol)."""
    k = a.shape[-1]
    bound = np.abs(a).astype(float) @ np.abs(b).astype(float)
    return {"rtol": 0.0, "atol": c * max(k, 1) * working_eps(np.result_type(a, b)) * float(bound.max(initial=0))}


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shapes", [((8, 8), (8, 8)), ((9, 5), (5, 7)), ((1, 6), (6, 1)), ((6, 1), (1, 6))],
                         ids=["8x8", "9x5x7", "1x6x1", "6x1x6"])
def test_explicit_grids(shapes, dtype):
    """Issue 15: (8, 8) on a 2 x 2 grid (4 ranks), and 1 x P / P x 1 grids, chosen explicitly (not by the chooser)."""
    a = rng_data(shapes[0], dtype, seed=7)
    b = rng_data(shapes[1], dtype, seed=8)
    t = product_tol(a, b)
    grids_a = [(n, d) for n, d in layouts(a.shape, every=True) if n.startswith("grid")]
    grids_b = dict(layouts(b.shape, every=True))
    for name, da in grids_a:
        A = nd.asarray(a, dist=da)
        for nb in (name, "block", "last", "replicated"):
            B = nd.asarray(b, dist=grids_b[nb])
            assert_dist_equal(A @ B, a @ b, **t)
        spec = L._grid_spec_of(A.distribution)
        if spec is not None:
            assert_dist_equal(L.summa(A, nd.asarray(b, dist=grids_b[name]), spec=spec), a @ b, **t)
