"""Communication laws: what each family of native operations may send, as a function of N and P.

Every test measures one operation with :func:`numpy_dist.comm_stats` (data bytes this rank sent,
data collectives, control collectives; the maximum over ranks) and checks it against the law of
its family in docs/scaling.md, at two sizes so that a term in N that should not be there shows up
even at one rank count.  The runner runs this module at 1-4 ranks with the suite and at 5-8 ranks
through the ``wide`` subset (tests/conftest.py), on small arrays: the laws are about how the
traffic grows, not about speed.

Notation: P ranks, ``share`` = the largest local block in bytes (about N/P elements), ``other`` =
(P - 1) / P, the fraction of a block that leaves its rank in an all-to-all.
"""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import fft as _fft
from numpy_dist.dispatch._samplesort import cut_bytes_bound
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

P = MPI.COMM_WORLD.Get_size()
OTHER = (P - 1) / P
#: Sizes (elements) at which every law is checked: the law's N-dependence shows between them.
SIZES = (2048, 8192)


class Traffic:
    """The maximum over ranks of one operation's counters (identical on every rank)."""

    def __init__(self, stats: dict[str, int]):
        comm = MPI.COMM_WORLD
        self.bytes = comm.allreduce(stats["bytes_sent"], op=MPI.MAX)
        self.collectives = comm.allreduce(stats["collectives"], op=MPI.MAX)
        self.control = comm.allreduce(stats["control_collectives"], op=MPI.MAX)

    def __repr__(self) -> str:
        return f"{self.bytes} B in {self.collectives} data + {self.control} control collectives at P={P}"


def measure(op):
    """``(result, Traffic)`` of ``op()``; inputs are built before the counter starts."""
    MPI.COMM_WORLD.Barrier()
    nd.reset_comm_stats()
    result = op()
    return result, Traffic(nd.comm_stats())


def law(traffic: Traffic, *, bytes_max: float, collectives_max: int, control_max: int = 12, what: str = ""):
    """Check one measurement against its law (the same verdict on every rank)."""
    assert_all_ranks(traffic.bytes <= bytes_max, f"{what}: {traffic}; law allows {bytes_max:.0f} B")
    assert_all_ranks(traffic.collectives <= collectives_max,
                     f"{what}: {traffic}; law allows {collectives_max} data collectives")
    assert_all_ranks(traffic.control <= control_max, f"{what}: {traffic}; law allows {control_max} control collectives")


def share_bytes(n: int, itemsize: int, rows: int = 1) -> int:
    """Bytes of the largest even block of ``n`` rows of ``rows`` elements."""
    return -(-n // P) * rows * itemsize


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([24, seed])


def messages_independent_of_n(small: Traffic, big: Traffic, what: str, slack: int = 0):
    """The number of collectives must not grow with N (only bytes may)."""
    assert_all_ranks(big.collectives <= small.collectives + slack and big.control <= small.control + slack,
                     f"{what}: collectives grew with N: {small} -> {big}")


# --------------------------------------------------------------------------
# Aligned elementwise: nothing moves
# --------------------------------------------------------------------------


def test_aligned_elementwise_sends_nothing():
    seen = []
    for n in SIZES:
        x, y = rng(1).standard_normal(n), rng(2).standard_normal(n)
        X, Y = distribute(x, "block"), distribute(y, "block")
        out, t = measure(lambda: np.sin(X) * 2 + X**2 - np.exp(-Y))
        law(t, bytes_max=0, collectives_max=0, control_max=8, what="aligned elementwise chain")
        assert_dist_equal(out, np.sin(x) * 2 + x**2 - np.exp(-y))
        seen.append(t)
    messages_independent_of_n(*seen, "aligned elementwise")


# --------------------------------------------------------------------------
# Reductions: local axis free; distributed axis O(P x output) in one collective
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cols", [1, 16])
def test_reduction_over_distributed_axis(cols):
    seen = []
    for n in SIZES:
        a = rng(3).standard_normal((n // cols, cols))
        A = distribute(a, "block")
        out, t = measure(lambda: np.sum(A, axis=0))
        law(t, bytes_max=(P - 1) * cols * 8, collectives_max=1, what=f"sum(axis=0) of ({n // cols}, {cols})")
        assert_dist_equal(out, np.sum(a, axis=0), rtol=1e-12)
        seen.append(t)
    assert_all_ranks(seen[0].bytes == seen[1].bytes, f"reduction bytes grew with N: {seen}")
    messages_independent_of_n(*seen, "distributed-axis reduction")


def test_full_reduction_is_one_small_collective():
    x = rng(4).standard_normal(SIZES[1])
    X = distribute(x, "block")
    out, t = measure(lambda: np.max(X))
    law(t, bytes_max=(P - 1) * 8, collectives_max=1, what="max of a vector")
    assert_all_ranks(out == np.max(x))


def test_reduction_over_local_axis_sends_nothing():
    a = rng(5).standard_normal((SIZES[1] // 16, 16))
    A = distribute(a, "block")
    out, t = measure(lambda: np.sum(A, axis=1))
    law(t, bytes_max=0, collectives_max=0, control_max=2, what="sum(axis=1), rows distributed")
    assert_dist_equal(out, np.sum(a, axis=1), rtol=1e-12)


# --------------------------------------------------------------------------
# Scans: one exclusive scan of the block totals
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cols", [1, 16])
def test_scan_over_distributed_axis(cols):
    seen = []
    for n in SIZES:
        a = rng(6).standard_normal((n // cols, cols)) if cols > 1 else rng(6).standard_normal(n)
        A = distribute(a, "block")
        out, t = measure(lambda: np.cumsum(A, axis=0))
        law(t, bytes_max=(P - 1) * cols * 8, collectives_max=1, what=f"cumsum(axis=0) of {a.shape}")
        assert_dist_equal(out, np.cumsum(a, axis=0), rtol=1e-10, atol=1e-9)
        seen.append(t)
    assert_all_ranks(seen[0].bytes == seen[1].bytes, f"scan bytes grew with N: {seen}")
    messages_independent_of_n(*seen, "scan")


# --------------------------------------------------------------------------
# Redistribution: at most one share in one all-to-all
# --------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["cyclic", "uneven", "last"])
def test_redistribution_moves_at_most_a_share(target):
    seen = []
    for n in SIZES:
        a = rng(7).standard_normal((n // 8, 8))
        A = distribute(a, "block")
        dst = distribute(np.zeros_like(a), target).distribution
        out, t = measure(lambda: A.redistribute(dst))
        # A rank sends at most its own block (all of it when the target leaves it empty).
        bound = share_bytes(a.shape[0], 8, 8)
        law(t, bytes_max=bound, collectives_max=1, control_max=1, what=f"block -> {target}")
        assert_dist_equal(out, a)
        seen.append(t)
    messages_independent_of_n(*seen, "redistribution")


# --------------------------------------------------------------------------
# Slicing and halos: boundary rows only, independent of P
# --------------------------------------------------------------------------


def test_shifted_slices_send_one_boundary_element():
    seen = []
    for n in SIZES:
        x = rng(8).standard_normal(n)
        X = distribute(x, "block")
        out, t = measure(lambda: X[1:] - X[:-1])
        law(t, bytes_max=8 if P > 1 else 0, collectives_max=1, control_max=2, what="x[1:] - x[:-1]")
        assert_dist_equal(out, x[1:] - x[:-1])
        seen.append(t)
    messages_independent_of_n(*seen, "shifted slices")


@pytest.mark.parametrize("side", [128, 9])  # 9 rows: at 5-8 ranks blocks of 1-2 rows, thinner than the halo
def test_stencil_step_sends_halo_rows(side):
    g = rng(9).standard_normal((side, side))
    G = distribute(g, "block")

    def step(u):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                               - 4 * u[1:-1, 1:-1])
        return u

    U = G.copy()
    out, t = measure(lambda: step(U))
    # Each of the shifted operands and the write-back moves at most two rows across a boundary; with
    # blocks thinner than the halo a row may travel through one neighbour more: never O(P) rows.
    row = side * 8
    law(t, bytes_max=8 * row, collectives_max=6, control_max=8, what=f"5-point stencil step on {side}x{side}")
    assert_dist_equal(out, step(g.copy()), rtol=1e-12)


# --------------------------------------------------------------------------
# Fancy indexing: requests and replies, about k/P of each per rank
# --------------------------------------------------------------------------


def _fancy_bound(k: int) -> float:
    """An index (8 B) out and a value (8 B) back per element, at most 1.25x the even share of k."""
    return 16 * math.ceil(k / P) * OTHER * 1.25 + 512


def test_fancy_index_by_numpy_array():
    seen = []
    for n in SIZES:
        x = rng(10).standard_normal(n)
        idx = rng(11).integers(0, n, n // 4)
        X = distribute(x, "block")
        out, t = measure(lambda: X[idx])
        law(t, bytes_max=_fancy_bound(idx.size), collectives_max=2, what=f"x[idx] of {idx.size} indices")
        assert_dist_equal(out, x[idx])
        seen.append(t)
    messages_independent_of_n(*seen, "fancy indexing")


def test_fancy_index_by_distributed_array():
    # The key is read where it lives: its values move once (to the result's layout), never gathered.
    seen = []
    for n in SIZES:
        x = rng(12).standard_normal(n)
        idx = rng(13).integers(0, n, n // 4)
        X, I = distribute(x, "block"), distribute(idx, "cyclic")
        out, t = measure(lambda: X[I])
        law(t, bytes_max=_fancy_bound(idx.size) + share_bytes(idx.size, 8) * OTHER * 1.25,
            collectives_max=3, what=f"x[I] of {idx.size} distributed indices")
        assert_dist_equal(out, x[idx])
        _, t = measure(lambda: X.__setitem__(I, 1.0))
        law(t, bytes_max=_fancy_bound(idx.size) + share_bytes(idx.size, 8) * OTHER * 1.25,
            collectives_max=3, what=f"x[I] = 1 of {idx.size} distributed indices")
        seen.append(t)
    messages_independent_of_n(*seen, "fancy indexing by a distributed key")


def test_points_by_distributed_arrays():
    n = SIZES[1]
    x = rng(12).standard_normal((n, 8))
    i, j = rng(13).integers(0, n, n // 4), rng(14).integers(0, 8, n // 4)
    X, I, J = distribute(x, "grid_bb"), distribute(i, "block"), distribute(j, "cyclic")
    out, t = measure(lambda: X[I, J])
    law(t, bytes_max=_fancy_bound(i.size) * 2 + 2 * share_bytes(i.size, 8) * OTHER * 1.25,
        collectives_max=6, what=f"x[I, J] of {i.size} distributed points")  # two per key, two for the values
    assert_dist_equal(out, x[i, j])


# --------------------------------------------------------------------------
# Sort and unique: one share in one all-to-all, plus the splitter rounds (independent of N's share)
# --------------------------------------------------------------------------


def _sort_bound(n: int, itemsize: int, columns: int = 1, key_bytes: int | None = None) -> float:
    share = math.ceil(n / P) * itemsize * columns
    return 1.25 * share * OTHER + cut_bytes_bound(P, math.ceil(n / P), key_bytes or itemsize, 1) + 4096


@pytest.mark.parametrize("func", ["sort", "argsort", "unique"])
def test_sample_sort_moves_about_a_share(func):
    for n in SIZES:
        x = rng(14).standard_normal(n) if func != "unique" else rng(14).integers(0, 50, n)
        X = distribute(x, "block")
        out, t = measure(lambda: getattr(np, func)(X))
        columns = 2 if func == "argsort" else 1  # argsort carries the original positions along
        law(t, bytes_max=_sort_bound(n, 8, columns), collectives_max=7, control_max=8, what=f"{func} of {n}")
        expected = np.argsort(x, kind="stable") if func == "argsort" else getattr(np, func)(x)
        assert_dist_equal(out, expected)  # (random floats: no ties, so any argsort is the stable one)


# --------------------------------------------------------------------------
# Matrix products: the plan's operand panels, never the whole product
# --------------------------------------------------------------------------


def test_matmul_row_blocks_moves_at_most_the_other_operand():
    n = 64
    a, b = rng(15).standard_normal((n, n)), rng(16).standard_normal((n, n))
    A, B = distribute(a, "block"), distribute(b, "block")
    out, t = measure(lambda: A @ B)
    # Each rank's block of B reaches the P - 1 others (an allgather, or a ring of panel passes).
    law(t, bytes_max=share_bytes(n, 8, n) * (P - 1), collectives_max=2 * P, what="(n, n) @ (n, n), row blocks")
    assert_dist_equal(out, a @ b, rtol=1e-10, atol=1e-10)


def test_matmul_on_a_grid_moves_panels():
    n = 64
    a, b = rng(17).standard_normal((n, n)), rng(18).standard_normal((n, n))
    A, B = distribute(a, "grid_bb"), distribute(b, "grid_bb")
    pr, pc = A.distribution.grid_shape[:2]
    out, t = measure(lambda: A @ B)
    # SUMMA: a rank receives the A panels of its grid row and the B panels of its grid column.
    bound = n * n * 8 * (1 / pr + 1 / pc - 2 / P) + 1024
    law(t, bytes_max=bound, collectives_max=2 * (pr + pc), what=f"(n, n) @ (n, n) on a {pr}x{pc} grid")
    assert_dist_equal(out, a @ b, rtol=1e-10, atol=1e-10)


def test_matvec_moves_the_vector():
    n = 256
    a, v = rng(19).standard_normal((n, n)), rng(20).standard_normal(n)
    A, V = distribute(a, "block"), distribute(v, "block")
    out, t = measure(lambda: A @ V)
    law(t, bytes_max=share_bytes(n, 8) * (P - 1), collectives_max=1, what="(n, n) @ (n,)")
    assert_dist_equal(out, a @ v, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------
# FFT: transpositions of complex shares
# --------------------------------------------------------------------------


def test_fft2_is_two_transpositions():
    for side in (32, 64):
        x = rng(21).standard_normal((side, side))
        X = distribute(x, "block")
        out, t = measure(lambda: np.fft.fft2(X))
        law(t, bytes_max=2 * share_bytes(side, 16, side) * OTHER, collectives_max=2, what=f"fft2 of {side}x{side}")
        assert_dist_equal(out, np.fft.fft2(x), rtol=1e-10, atol=1e-10)


def test_fft_1d_four_step(monkeypatch):
    # The four-step path (the one large vectors take); below SMALL_1D a vector is transformed on rank 0.
    monkeypatch.setattr(_fft, "SMALL_1D", 0)
    n = 4096
    x = rng(22).standard_normal(n)
    X = distribute(x, "block")
    out, t = measure(lambda: np.fft.fft(X))
    # reshape to (N1, N2), pencil, transform, pencil, transform, transpose back, reshape: at most
    # four complex shares in six all-to-alls (fewer when a reshape is local).
    law(t, bytes_max=4 * share_bytes(n, 16) * OTHER + 1024, collectives_max=6, what=f"fft of {n}")
    assert_dist_equal(out, np.fft.fft(x), rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------
# I/O: every rank writes and reads its own block (MPI-IO); no data crosses ranks
# --------------------------------------------------------------------------


def test_npy_round_trip_moves_no_data():
    comm = MPI.COMM_WORLD
    x = rng(23).standard_normal((SIZES[1] // 8, 8))
    X = distribute(x, "block")
    folder = comm.bcast(tempfile.mkdtemp(prefix="nd_laws_") if comm.rank == 0 else None)
    path = os.path.join(folder, "x.npy")
    try:
        _, saved = measure(lambda: nd.io.save(path, X))
        back, loaded = measure(lambda: nd.io.load(path))
        law(saved, bytes_max=0, collectives_max=0, control_max=12, what="io.save")
        law(loaded, bytes_max=0, collectives_max=0, control_max=12, what="io.load")
        assert_dist_equal(back, x)
    finally:
        comm.Barrier()
        if comm.rank == 0:
            if os.path.exists(path):
                os.remove(path)
            os.rmdir(folder)
