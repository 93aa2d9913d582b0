"""The two-dimensional matrix product: the planner, the ring and SUMMA (:func:`matmul2d`, :func:`summa`).

Every distributed product (``matmul``, ``dot``, ``tensordot``, ``einsum`` ...)
ends in :func:`matmul2d`, which picks one of five algorithms from global
metadata only (so every rank picks the same one) by the elements a rank would
receive (:func:`_move_cost`: a re-layout costs about one share ``size / P``,
replicating the whole array):

* ``rows``  -- A in row blocks (its own row map when its columns are whole),
  B small or replicated: B is replicated (one Allgatherv of B only), then
  ``C_local = A_local @ B``.  A never moves when it is already in rows.
* ``cols``  -- the mirror image: A small, B in column blocks.
* ``inner`` -- the contraction axis is split the same way in A (columns) and
  B (rows), the output is small: local partial products, combined in rank
  order (Gram matrices ``X.T @ X``, vector-matrix products).
* ``ring``  -- both large on a 1-d rank grid: A in row blocks, B in row
  blocks of the contraction axis; the blocks of B travel round a ring
  (P - 1 shifts), each rank multiplying the columns of its A block that
  match the block it holds.  Memory per rank stays at the local shares plus
  one block of B.  Moves ``O(n^2 P)`` bytes in all.
* ``summa`` -- A, B and C on one 2-d ``pr x pc`` grid (:func:`summa`): for
  each panel of the contraction axis, A's owners broadcast along grid rows
  and B's along grid columns, every rank accumulates its C block.  Moves
  ``O(n^2 sqrt(P))`` bytes; chosen when an operand is already on a 2-d grid
  (``dist=('b', 'b')`` on 2 x 2 ranks, block-cyclic on both axes ...) or
  when both are large and the rank count has a 2-d grid (P = 4 ties with
  the ring for 1-d inputs, which keeps the ring; from P = 6 on SUMMA wins).
  The result stays on the grid.  Prime rank counts have no 2-d grid.

No algorithm gathers the large operand.

Communication: ``rows``/``cols`` one Allgatherv-like Alltoallv of the small
operand; ``inner`` one Allgatherv of the m x n partials; ``ring`` P - 1
shifts of B's row blocks; ``summa`` panel broadcasts along grid rows and
columns; plus one Alltoallv per operand whose layout does not suit the plan.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution, make_grid_shape
from ..indexing import as_slice
from ..maps import BlockMap, Map
from ._layout import axis_layout, is_replicated, layout, on_all_ranks, with_axis_map

__all__ = ["matmul2d", "summa", "probe_dtype", "GridSpec"]


def _move_cost(x: DistArray, dist: Distribution) -> int:
    """Elements a rank receives to bring ``x`` into ``dist`` (estimate; 0 when nothing moves).

    Replicating costs the whole array on every rank; any other re-layout
    about one balanced share (``x.size / P``) per rank.
    """
    if x.distribution == dist or is_replicated(x.distribution):
        return 0
    if is_replicated(dist):
        return x.size
    return -(-x.size // x.comm.Get_size())


def probe_dtype(func: Any, *dtypes: np.dtype, shapes: tuple = ((0, 0), (0, 0))) -> np.dtype:
    """NumPy's result dtype (and its type errors) from empty stand-ins."""
    return np.asarray(func(*[np.empty(s, dt) for s, dt in zip(shapes, dtypes)])).dtype


# --------------------------------------------------------------------------
# The two-dimensional kernel
# --------------------------------------------------------------------------


def _plan(A: DistArray, B: DistArray) -> str:
    """Choose ``rows``/``cols``/``inner``/``ring`` from metadata (identical on every rank)."""
    m, k = A.shape
    n = B.shape[1]
    P = A.comm.Get_size()
    rep = Distribution.replicated_on(A.comm, B.shape)
    repA = Distribution.replicated_on(A.comm, A.shape)
    kmap = _kmap(A, B)
    cands = []
    if is_replicated(B.distribution) or B.size * P <= max(A.size, m * n):
        cands.append((_move_cost(A, axis_layout(A, 0)) + _move_cost(B, rep), 0, "rows"))
    if is_replicated(A.distribution) or A.size * P <= max(B.size, m * n):
        cands.append((_move_cost(B, axis_layout(B, 1)) + _move_cost(A, repA), 1, "cols"))
    if 2 * m * n * P <= A.size + B.size:
        cands.append((_move_cost(A, layout(A.comm, A.shape, 1, kmap)) + _move_cost(B, layout(A.comm, B.shape, 0, kmap))
                      + (P - 1) * m * n, 2, "inner"))
    cands.append((_move_cost(A, axis_layout(A, 0)) + _move_cost(B, layout(A.comm, B.shape, 0, kmap)) + k * n,
                  3, "ring"))
    spec = _summa_spec(A, B)
    if spec is not None:
        cands.append((_summa_cost(A, B, spec), 4, "summa"))
    return min(cands)[2]


def _kmap(A: DistArray, B: DistArray) -> Map:
    """How to split the contraction axis: A's column map or B's row map when usable, else blocks."""
    P = A.comm.Get_size()
    if on_all_ranks(A.distribution, 1):
        return A.distribution.maps[1]
    if on_all_ranks(B.distribution, 0):
        return B.distribution.maps[0]
    return BlockMap(A.shape[1], P)


def _cols(idx: np.ndarray) -> Any:
    """``idx`` as a slice when it is an arithmetic progression (a view, no copy), else ``idx`` itself.

    The order of ``idx`` matters: an unstructured map's local indices need not
    ascend, so a run like [1, 3, 2, 4] must stay a fancy index.
    """
    return as_slice(idx)


def _core_dims(A: DistArray, B: DistArray, dtype: Any) -> tuple[int, int, int, np.dtype]:
    """(m, k, n, result dtype) of ``A @ B`` for 2-d operands; NumPy's error for mismatched ``k``."""
    m, k = A.shape
    k2, n = B.shape
    if k != k2:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(n?,k),(k,m?)->(n?,m?) (size {k2} is different from {k})")
    return m, k, n, (np.dtype(dtype) if dtype is not None else probe_dtype(np.matmul, A.dtype, B.dtype))


def matmul2d(A: DistArray, B: DistArray, dtype: np.dtype | None = None) -> DistArray:
    """``A @ B`` for two-dimensional DistArrays (any layouts), with the algorithm of :func:`_plan`.

    Communication: ``rows``/``cols``: the small operand is replicated (one
    Allgatherv-like Alltoallv), the large one moves only if its layout splits
    the contraction axis; ``inner``: one Allgatherv of the m x n partials;
    ``ring``: P - 1 shifts of B's row blocks; ``summa``: panel broadcasts
    along grid rows and columns (see :func:`summa`).

    Examples
    --------
    >>> import numpy as np
    >>> import numpy_dist as nd
    >>> A = nd.asarray(np.eye(3), dist=("b", "b"))
    >>> float(nd.asnumpy(matmul2d(A, A)).sum())
    3.0
    """
    comm = A.comm
    m, k, n, dt = _core_dims(A, B, dtype)
    P = comm.Get_size()
    plan = _plan(A, B)
    if plan == "rows":
        dA = axis_layout(A, 0)
        a = A.to_layout(dA).local
        b = B.to_layout(Distribution.replicated_on(comm, B.shape)).local
        local = _comm.agreed_call(comm, lambda: np.matmul(a, b).astype(dt, copy=False), fp="matmul")
        return DistArray._new(local, with_axis_map(dA, 0, (m, n)))
    if plan == "cols":
        dB = axis_layout(B, 1)
        b = B.to_layout(dB).local
        a = A.to_layout(Distribution.replicated_on(comm, A.shape)).local
        local = _comm.agreed_call(comm, lambda: np.matmul(a, b).astype(dt, copy=False), fp="matmul")
        return DistArray._new(local, with_axis_map(dB, 1, (m, n)))
    if plan == "summa":
        return summa(A, B, dt)
    kmap = _kmap(A, B)
    if plan == "inner":
        a = A.to_layout(layout(comm, A.shape, 1, kmap)).local
        b = B.to_layout(layout(comm, B.shape, 0, kmap)).local
        part = _comm.agreed_call(comm, lambda: np.matmul(a, b).astype(dt, copy=False), fp="matmul")
        partials = _comm.allgather_array(comm, part)
        total = functools.reduce(np.add, partials[1:], partials[0].copy())
        return DistArray._new(total.astype(dt, copy=False), Distribution.replicated_on(comm, (m, n)))
    # ring
    dA = axis_layout(A, 0)
    a = A.to_layout(dA).local
    b = B.to_layout(layout(comm, B.shape, 0, kmap)).local
    me = comm.Get_rank()
    out = np.zeros((a.shape[0], n), dtype=dt)
    def step(idx: np.ndarray, b: np.ndarray) -> None:
        if idx.size and out.size:
            out[...] += np.matmul(a[:, _cols(idx)], b).astype(dt, copy=False)

    for s in range(P):
        j = (me + s) % P
        # Every rank, every step: an FP error on one rank's blocks is reported everywhere before the shift.
        _comm.agreed_call(comm, lambda: step(kmap.local_indices(j), b), fp="matmul")
        if s < P - 1:
            b = _comm.sendrecv(comm, b, (me - 1) % P, (me + 1) % P, (kmap.local_size((j + 1) % P), n))
    return DistArray._new(out, with_axis_map(dA, 0, (m, n)))


# --------------------------------------------------------------------------
# SUMMA on a two-dimensional process grid
# --------------------------------------------------------------------------

#: Contraction indices per SUMMA step.  A step holds one A panel (local rows x
#: _PANEL) and one B panel (_PANEL x local columns) next to the local shares.
_PANEL = 256

# A SUMMA grid: (proc_grid, R) -- a two-dimensional process grid and the grid
# dimension that carries the rows of A and C (and the contraction axis of B);
# the other grid dimension carries the columns of B and C and the
# contraction axis of A.
GridSpec = tuple[tuple[int, int], int]


def _grid_spec_of(d: Distribution) -> GridSpec | None:
    """``d``'s SUMMA grid when both axes of the 2-d layout ``d`` are distributed over a 2-d grid (sides > 1)."""
    if d.ndim != 2 or len(d.proc_grid) != 2 or None in d.axis_grid or min(d.proc_grid) < 2:
        return None
    if int(np.prod(d.proc_grid)) != d.nprocs:
        return None
    return (int(d.proc_grid[0]), int(d.proc_grid[1])), int(d.axis_grid[0])


def _grid_layout(x: DistArray, spec: GridSpec) -> Distribution:
    """``x``'s layout if it is already on grid ``spec`` as SUMMA needs it, else blocks on that grid."""
    grid, R = spec
    d = x.distribution
    if d.ndim == 2 and tuple(d.proc_grid) == grid and tuple(d.axis_grid) == (R, 1 - R):
        return d
    maps = [BlockMap(x.shape[0], grid[R]), BlockMap(x.shape[1], grid[1 - R])]
    return Distribution.from_maps(x.comm, maps, grid, (R, 1 - R))


def _summa_cost(A: DistArray, B: DistArray, spec: GridSpec) -> int:
    """Elements a rank receives in SUMMA on ``spec``: re-layouts plus the broadcast panels."""
    grid, R = spec
    pr, pc = grid[R], grid[1 - R]
    P = pr * pc
    m, k = A.shape
    n = B.shape[1]
    return (_move_cost(A, _grid_layout(A, spec)) + _move_cost(B, _grid_layout(B, spec))
            + m * k * (pc - 1) // P + k * n * (pr - 1) // P)


def _summa_spec(A: DistArray, B: DistArray) -> GridSpec | None:
    """The cheapest SUMMA grid: an operand's own 2-d grid, or a balanced one; None if P has no 2-d grid."""
    specs = [s for s in (_grid_spec_of(A.distribution), _grid_spec_of(B.distribution)) if s is not None]
    if not specs:
        g = make_grid_shape((A.shape[0], B.shape[1]), ("b", "b"), A.comm.Get_size())
        if min(g) < 2:
            return None
        specs = [((int(g[0]), int(g[1])), 0)]
    return min(specs, key=lambda s: _summa_cost(A, B, s))


def summa(A: DistArray, B: DistArray, dtype: Any = None, spec: GridSpec | None = None) -> DistArray:
    """``A @ B`` by SUMMA (van de Geijn and Watts 1997) on a two-dimensional process grid.

    A, B and C are laid out on one ``pr x pc`` grid: rows of A and C over
    the grid's ``R`` dimension, columns of B and C over the other one, the
    contraction axis over the other dimension in A and over ``R`` in B.
    An operand already on that grid keeps its maps (block, cyclic,
    block-cyclic, unstructured: any per-axis maps work); otherwise it is
    re-laid in blocks on the grid with one Alltoallv.  Then, for each panel
    of contraction indices owned by one grid column of A and one grid row of
    B (indices grouped by owner pair, so cyclic maps still give wide panels),
    the owners broadcast their A panel along grid rows and their B panel
    along grid columns, and every rank accumulates ``C_local += Ap @ Bp``.

    The result stays on the grid (rows with A's row map, columns with B's
    column map).  That is also the cheapest output when the inputs came from
    other layouts: every rank already holds its C block, any other layout
    would cost one more move of C, and a later operation re-aligns only if
    it needs to.

    Memory per rank: the local shares of A, B and C, one product buffer of
    C's share and one panel of each operand (``(m/pr + n/pc) * w`` elements,
    ``w = max(_PANEL, (m/pr)(n/pc) / (m/pr + n/pc))``: at most about one
    more local share of C).

    Communication: per rank ``m*k*(pc-1)/P + k*n*(pr-1)/P`` elements received
    in about ``k/w + pr*pc`` broadcast pairs, i.e. ``O(n^2 sqrt(P))`` bytes in
    all for square matrices on a square grid (the ring moves ``O(n^2 P)``),
    plus one Alltoallv per operand that is not on the grid.

    Examples
    --------
    >>> import numpy as np
    >>> import numpy_dist as nd
    >>> A = nd.asarray(np.eye(4), dist=("b", "b"))
    >>> float(nd.asnumpy(summa(A, A)).trace())
    4.0
    """
    comm = A.comm
    m, k, n, dt = _core_dims(A, B, dtype)
    if spec is None:
        spec = _summa_spec(A, B)
        if spec is None:
            spec = ((comm.Get_size(), 1), 0)
    grid, R = spec
    if grid[0] * grid[1] != comm.Get_size() or R not in (0, 1):
        raise ValueError(f"summa: grid {grid} does not match {comm.Get_size()} ranks")
    Cd = 1 - R
    pr, pc = grid[R], grid[Cd]
    dA, dB = _grid_layout(A, spec), _grid_layout(B, spec)
    a, b = A.to_layout(dA).local, B.to_layout(dB).local
    # A narrowing cast can overflow on some ranks' blocks only: agreed like any local kernel.
    a, b = _comm.agreed_call(comm, lambda: (a.astype(dt, copy=False), b.astype(dt, copy=False)), fp="matmul")
    me = dA.rank_coords(comm.Get_rank())
    i, j = me[R], me[Cd]
    row_comm = _comm.grid_subcomm(comm, grid, (Cd,))  # my grid row, ordered by column coordinate
    col_comm = _comm.grid_subcomm(comm, grid, (R,))  # my grid column, ordered by row coordinate
    KA, KB = dA.maps[1], dB.maps[0]
    kk = np.arange(k)
    own_a, own_b = KA.owners(kk), KB.owners(kk)
    mi, nj = dA.maps[0].local_size(i), dB.maps[1].local_size(j)
    # Panel width: at least _PANEL, and as wide as keeps one panel pair within one local share of C
    # (fewer, larger local GEMMs and broadcasts; global metadata, so equal on every rank).
    cm, cn = -(-m // pr), -(-n // pc)
    width = max(_PANEL, cm * cn // max(1, cm + cn))
    out = np.zeros((mi, nj), dt)
    tmp = np.empty_like(out)
    first = True
    # Every local product is recorded (its FP flags, its first exception: later ones are skipped) and
    # agreed on after the loop, so a failing rank still takes part in every broadcast.
    failures = _comm.LocalFailures(comm, fp="matmul")

    def accumulate(pa: np.ndarray, pb: np.ndarray) -> None:
        nonlocal first
        if first:
            np.matmul(pa, pb, out=out)
        else:
            np.matmul(pa, pb, out=tmp)
            np.add(out, tmp, out=out)
        first = False

    for q in range(pc):
        for p in range(pr):
            S = np.flatnonzero((own_a == q) & (own_b == p))
            for s0 in range(0, S.size, width):
                idx = S[s0:s0 + width]
                if j == q:
                    pa = np.ascontiguousarray(a[:, _cols(KA.local_positions(idx))])
                else:
                    pa = np.empty((mi, idx.size), dt)
                if i == p:
                    pb = np.ascontiguousarray(b[_cols(KB.local_positions(idx)), :])
                else:
                    pb = np.empty((idx.size, nj), dt)
                _comm.bcast_buffer(row_comm, pa, q)
                _comm.bcast_buffer(col_comm, pb, p)
                if out.size:
                    failures.run(lambda: accumulate(pa, pb))
    failures.agree()
    out_d = Distribution.from_maps(comm, [dA.maps[0], dB.maps[1]], grid, (R, Cd))
    return DistArray._new(out, out_d)
