"""The "expert" column: every workload written by hand with mpi4py and NumPy, no numpy_dist.

This is the code a skilled MPI user writes for the same computation: each rank
holds a contiguous block of rows (the first ``n % P`` ranks one row more, as
``np.array_split`` splits), computes on it with plain NumPy, and moves only
what the algorithm needs with mpi4py's buffer (upper-case) calls: an
``Allreduce`` of partial results for reductions, one ghost row to each
neighbour per stencil step, an ``Allgatherv`` for a matrix product, an
``Alltoallv`` for a sample sort and for the transposes of a 2-d FFT.

It is the yardstick numpy_dist is measured against beside NumPy: the runner
times these functions in the same job, with the same repeats and timing
helpers, and checks their results against NumPy's.  Nothing here imports
numpy_dist.

Every kernel takes the communicator first, then what :data:`EXPERTS`'s
``prepare`` made of the workload's global inputs (the rank's blocks, copied,
plus any global size the kernel needs); preparation is not timed, like the
distribution of the DistArray inputs.  Every rank is assumed to hold at least
one row (W6: at least ``P`` elements): the benchmark sizes are far above that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from mpi4py import MPI

from .workloads import LATENCY_OPS

# --------------------------------------------------------------------------
# Block row distribution
# --------------------------------------------------------------------------


def block_bounds(n: int, nprocs: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of every rank's rows: the first ``n % nprocs`` ranks get one row more."""
    base, extra = divmod(n, nprocs)
    starts = [r * base + min(r, extra) for r in range(nprocs + 1)]
    return list(zip(starts[:-1], starts[1:]))


def _counts_displs(sizes: list[int]) -> tuple[list[int], list[int]]:
    """Counts and displacements of consecutive pieces, for the ``v`` collectives."""
    displs = np.concatenate(([0], np.cumsum(sizes[:-1], dtype=np.int64))).tolist()
    return list(sizes), displs


def my_rows(comm: MPI.Intracomm, x: np.ndarray) -> np.ndarray:
    """This rank's block of ``x``'s rows, copied (the global array can then be dropped)."""
    lo, hi = block_bounds(x.shape[0], comm.Get_size())[comm.Get_rank()]
    return np.array(x[lo:hi])


# --------------------------------------------------------------------------
# Kernels: one per workload
# --------------------------------------------------------------------------


def elementwise_chain(comm: MPI.Intracomm, x: np.ndarray) -> np.ndarray:
    """W1: the ufunc chain on the local block; elementwise work needs no communication."""
    return np.sin(x) * 2 + x**2 - np.exp(-x)


def row_sums(comm: MPI.Intracomm, x: np.ndarray) -> np.ndarray:
    """W2: whole rows are local, so each rank sums its own rows; the result stays row-distributed."""
    return np.sum(x, axis=1)


def column_sums(comm: MPI.Intracomm, x: np.ndarray) -> np.ndarray:
    """W2b: local column sums of the rank's rows, then one ``Allreduce`` of the ``ncols`` partials."""
    partial = np.sum(x, axis=0)
    total = np.empty_like(partial)
    comm.Allreduce(partial, total, op=MPI.SUM)
    return total


def moments(comm: MPI.Intracomm, x: np.ndarray, n: int) -> tuple[float, float, float, float]:
    """W3: mean, std, min and max of a distributed 1-d array of ``n`` elements, in three ``Allreduce``.

    The sum gives the mean; the squared deviations from it give the
    (two-pass, as NumPy computes it) standard deviation; min and max travel
    together in one ``MIN`` reduction as ``(min, -max)``.
    """
    total = np.array([np.sum(x)])
    comm.Allreduce(MPI.IN_PLACE, total, op=MPI.SUM)
    mean = total[0] / n
    dev = x - mean
    np.multiply(dev, dev, out=dev)  # in place: one temporary, as np.std uses
    squares = np.array([np.sum(dev)])
    del dev
    comm.Allreduce(MPI.IN_PLACE, squares, op=MPI.SUM)
    extremes = np.array([np.min(x), -np.max(x)])
    comm.Allreduce(MPI.IN_PLACE, extremes, op=MPI.MIN)
    return mean, np.sqrt(squares[0] / n), extremes[0], -extremes[1]


def with_ghost_rows(comm: MPI.Intracomm, u: np.ndarray) -> np.ndarray:
    """W4's local array: the rank's rows of ``u`` between two ghost rows (allocated once, untimed)."""
    rows = my_rows(comm, u)
    g = np.zeros((rows.shape[0] + 2, u.shape[1]), dtype=u.dtype)
    g[1:-1] = rows
    return g


def heat_diffusion(comm: MPI.Intracomm, g: np.ndarray, steps: int = 20, c: float = 0.1) -> np.ndarray:
    """W4: the 5-point stencil with an explicit halo exchange of one row per neighbour per step.

    ``g`` holds the rank's ``m`` rows in ``g[1:m+1]`` and a ghost row above
    and below.  Each step sends the first owned row up and the last one down
    with ``Sendrecv`` (``PROC_NULL`` past the global edges), then applies the
    same NumPy slice update as the serial code to the owned rows, skipping the
    global first and last rows (fixed boundary values).  Updates ``g`` in
    place and returns its owned rows.
    """
    rank, nprocs = comm.Get_rank(), comm.Get_size()
    up = rank - 1 if rank > 0 else MPI.PROC_NULL
    down = rank + 1 if rank < nprocs - 1 else MPI.PROC_NULL
    m = g.shape[0] - 2
    lo = 2 if rank == 0 else 1                 # global row 0 is a boundary
    hi = m if rank == nprocs - 1 else m + 1    # and so is the global last row
    for _ in range(steps):
        comm.Sendrecv(g[1], dest=up, recvbuf=g[m + 1], source=down)
        comm.Sendrecv(g[m], dest=down, recvbuf=g[0], source=up)
        g[lo:hi, 1:-1] = g[lo:hi, 1:-1] + c * (g[lo - 1:hi - 1, 1:-1] + g[lo + 1:hi + 1, 1:-1]
                                               + g[lo:hi, :-2] + g[lo:hi, 2:] - 4 * g[lo:hi, 1:-1])
    return g[1:-1]


def matmul(comm: MPI.Intracomm, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """W5: ``A @ B`` with both row-distributed: ``Allgatherv`` the whole of ``B``, multiply the local rows of ``A``.

    The simplest scalable-in-time algorithm (each rank needs every row of
    ``B`` for its rows of ``C``); it holds all of ``B`` on every rank, which a
    ring of ``B`` blocks would avoid at the price of ``P`` smaller products.
    """
    k, ncols = a.shape[1], b.shape[1]
    rows = [hi - lo for lo, hi in block_bounds(k, comm.Get_size())]
    counts, displs = _counts_displs([r * ncols for r in rows])
    whole_b = np.empty((k, ncols), dtype=b.dtype)
    comm.Allgatherv(b, [whole_b, counts, displs, MPI.DOUBLE])
    return a @ whole_b


def sort(comm: MPI.Intracomm, x: np.ndarray) -> np.ndarray:
    """W6: sample sort (regular sampling) with one ``Alltoallv`` of the data.

    Sort locally; every rank contributes ``P - 1`` evenly spaced samples of
    its sorted block (``Allgather``); ``P - 1`` splitters evenly spaced in the
    sorted samples cut every block into ``P`` pieces; piece ``j`` goes to rank
    ``j`` (counts by ``Alltoall``, data by ``Alltoallv``), and each rank merges
    the ``P`` sorted runs it received (a stable sort, which finds the runs).
    The result is sorted across ranks in rank order, but the pieces are not
    rebalanced to equal sizes (a user rarely pays for that).
    """
    nprocs = comm.Get_size()
    local = np.sort(x)
    if nprocs == 1:
        return local
    picks = local[np.arange(1, nprocs) * local.size // nprocs]
    samples = np.empty(nprocs * (nprocs - 1), dtype=local.dtype)
    comm.Allgather(picks, samples)
    samples.sort()
    splitters = samples[np.arange(1, nprocs) * samples.size // nprocs]
    cuts = np.searchsorted(local, splitters, side="right")
    send_counts = np.diff(np.concatenate(([0], cuts, [local.size]))).astype(np.int64)
    recv_counts = np.empty(nprocs, dtype=np.int64)
    comm.Alltoall(send_counts, recv_counts)
    out = np.empty(int(recv_counts.sum()), dtype=local.dtype)
    comm.Alltoallv([local, _counts_displs(send_counts.tolist()), MPI.DOUBLE],
                   [out, _counts_displs(recv_counts.tolist()), MPI.DOUBLE])
    out.sort(kind="stable")  # a merge of P sorted runs for timsort
    return out


def add_latency(comm: MPI.Intracomm, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """W7: ``LATENCY_OPS`` (10,000) tiny local additions ``a + b`` on the rank's blocks (no communication)."""
    r = None
    for _ in range(LATENCY_OPS):
        r = a + b
    return r


def add_latency_evaluated(comm: MPI.Intracomm, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """W7e: W7 with each result needed before the next; NumPy computes at once, so it is W7's loop."""
    r = None
    for _ in range(LATENCY_OPS):
        r = a + b
    return r


def _pack_column_blocks(y: np.ndarray, col_bounds: list[tuple[int, int]]) -> np.ndarray:
    """``y``'s column blocks one after the other, each row-major: a transpose's send buffer."""
    out = np.empty(y.size, dtype=y.dtype)
    start = 0
    for lo, hi in col_bounds:
        size = y.shape[0] * (hi - lo)
        out[start:start + size].reshape(y.shape[0], hi - lo)[...] = y[:, lo:hi]
        start += size
    return out


def fft2(comm: MPI.Intracomm, x: np.ndarray, nrows: int) -> np.ndarray:
    """W8: 2-d FFT of an ``nrows``-row array by the transpose method.

    FFT along the local axis (each rank's rows); an ``Alltoallv`` transpose
    gives every rank a block of whole columns; FFT along them; a second
    ``Alltoallv`` brings the result back to row blocks (the layout NumPy's and
    numpy_dist's callers get).  The same axis order as ``np.fft.fft2``.
    """
    nprocs, rank = comm.Get_size(), comm.Get_rank()
    m, ncols = x.shape
    rows = [hi - lo for lo, hi in block_bounds(nrows, nprocs)]
    col_bounds = block_bounds(ncols, nprocs)
    cols = [hi - lo for lo, hi in col_bounds]
    mine = cols[rank]

    y = np.fft.fft(x, axis=1)
    columns = np.empty((nrows, mine), dtype=y.dtype)  # rank i's rows arrive as rows[i] x mine, in order
    comm.Alltoallv([_pack_column_blocks(y, col_bounds), _counts_displs([m * c for c in cols]), MPI.C_DOUBLE_COMPLEX],
                   [columns, _counts_displs([r * mine for r in rows]), MPI.C_DOUBLE_COMPLEX])
    del y
    columns = np.fft.fft(columns, axis=0)

    # Back: my column block's row slices are contiguous already; unpack rank j's m x cols[j] pieces.
    received = np.empty(m * ncols, dtype=columns.dtype)
    comm.Alltoallv([columns, _counts_displs([r * mine for r in rows]), MPI.C_DOUBLE_COMPLEX],
                   [received, _counts_displs([m * c for c in cols]), MPI.C_DOUBLE_COMPLEX])
    del columns
    out = np.empty((m, ncols), dtype=received.dtype)
    start = 0
    for lo, hi in col_bounds:
        out[:, lo:hi] = received[start:start + m * (hi - lo)].reshape(m, hi - lo)
        start += m * (hi - lo)
    return out


# --------------------------------------------------------------------------
# Table: workload key -> kernel, input preparation, result layout
# --------------------------------------------------------------------------


def _row_blocks(comm: MPI.Intracomm, inputs: tuple[np.ndarray, ...]) -> tuple:
    return tuple(my_rows(comm, x) for x in inputs)


@dataclass(frozen=True)
class Expert:
    """How to run one workload's expert kernel.

    Attributes
    ----------
    kernel : ``(comm, *args) -> result``.
    prepare : ``(comm, global inputs) -> args``: the rank's copied blocks and sizes (untimed).
    replicated : the result is the same on every rank (else: the rank's rows of the result,
        in rank order, possibly of unequal lengths).
    """

    kernel: Callable[..., Any]
    prepare: Callable[[MPI.Intracomm, tuple], tuple] = _row_blocks
    replicated: bool = False


EXPERTS: dict[str, Expert] = {
    "W1": Expert(elementwise_chain),
    "W2": Expert(row_sums),
    "W2b": Expert(column_sums, replicated=True),
    "W3": Expert(moments, lambda comm, xs: (my_rows(comm, xs[0]), xs[0].size), replicated=True),
    "W4": Expert(heat_diffusion, lambda comm, us: (with_ghost_rows(comm, us[0]),)),
    "W5": Expert(matmul),
    "W6": Expert(sort),
    "W7": Expert(add_latency),
    "W7e": Expert(add_latency_evaluated),
    "W8": Expert(fft2, lambda comm, xs: (my_rows(comm, xs[0]), xs[0].shape[0])),
}


def gather_result(comm: MPI.Intracomm, expert: Expert, result: Any) -> Any:
    """The whole result on rank 0 (None elsewhere), for the check against NumPy (untimed)."""
    if expert.replicated:
        return result if comm.Get_rank() == 0 else None
    pieces = comm.gather(np.asarray(result), root=0)
    return np.concatenate(pieces) if comm.Get_rank() == 0 else None
