"""Distributed products: ``matmul`` / ``@``, ``dot``, ``tensordot``, ``einsum``, ``kron`` ...

Everything reduces to one two-dimensional kernel, :func:`matmul2d`, which picks
one of five algorithms from global metadata only (so every rank picks the
same one) by the elements a rank would receive (:func:`_move_cost`: a
re-layout costs about one share ``size / P``, replicating the whole array):

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

No algorithm gathers the large operand.  Stacked operands run batch-parallel
(the batch axes carry the distribution; no data moves when the matrix axes
are already whole).

``einsum`` maps every subscript form onto these kernels: ellipses, letters
repeated within an operand (distributed diagonals), implicit mode and the
operand-list form (see :func:`einsum`).  What still takes the fallback:
keyword arguments NumPy's einsum does not know and invalid ``order`` values
(NumPy then raises its own error), and, as a safety net, a call the parser
rejects but NumPy accepts (none is known).

Communication: see each function's docstring.
"""

from __future__ import annotations

import functools
import string
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..indexing import as_slice
from ..maps import BlockMap, CyclicMap, Map, NoDistMap, UnstructuredMap
from ..redistribute import redistribute_local
from .registry import implements
from .ufuncs import _EXC_BIT, _FP_BITS, _report_fp, _store, local_axes_dist, run_checked

__all__ = ["matmul", "matmul2d", "summa", "dot", "vdot", "inner", "outer", "tensordot", "vecdot", "einsum", "trace",
           "diagonal", "kron", "cross", "as_dist", "move", "replicated_dist", "layout"]


# --------------------------------------------------------------------------
# Layout helpers (metadata only, unless they say they move data)
# --------------------------------------------------------------------------


def as_dist(x: Any, comm: Any) -> DistArray:
    """A DistArray for ``x``: DistArrays pass; NumPy data becomes a replicated DistArray (no communication)."""
    if isinstance(x, DistArray):
        return x
    from ..creation import asarray

    x = np.asarray(x)
    return asarray(x, dist=Distribution(comm, x.shape, "n"))


def _comm_of(*xs: Any) -> Any:
    for x in xs:
        if isinstance(x, DistArray):
            return x.comm
    return _comm.get_comm(None)


def layout(comm: Any, shape: tuple[int, ...], axis: int | None = None, amap: Map | None = None) -> Distribution:
    """``shape`` with at most one axis distributed over all ranks (grid ``(P,)``); the others whole."""
    P = comm.Get_size()
    maps: list[Map] = [NoDistMap(n) for n in shape]
    grid: list[int | None] = [None] * len(shape)
    if axis is not None and (P > 1 or amap is not None):
        maps[axis] = amap if amap is not None else BlockMap(shape[axis], P)
        grid[axis] = 0
    return Distribution._from_maps(comm, maps, (P,), tuple(grid))


def replicated_dist(comm: Any, shape: tuple[int, ...]) -> Distribution:
    return layout(comm, shape)


def is_replicated(d: Distribution) -> bool:
    return all(g is None for g in d.axis_grid)


def move(x: DistArray, dist: Distribution) -> np.ndarray:
    """``x``'s block in layout ``dist`` (nothing moves when it already is; else one Alltoallv)."""
    if x.distribution == dist:
        return x.local
    return redistribute_local(x.local, x.distribution, dist)


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


def _on_all_ranks(d: Distribution, axis: int) -> bool:
    """Is ``axis`` the only distributed axis, spread over every rank?"""
    g = d.axis_grid[axis]
    return (g is not None and d.proc_grid[g] == d.nprocs
            and all(h is None for i, h in enumerate(d.axis_grid) if i != axis))


def _axis_layout(x: DistArray, axis: int) -> Distribution:
    """``x``'s layout if ``axis`` alone is distributed over all ranks, else ``axis`` in blocks over all ranks."""
    d = x.distribution
    if _on_all_ranks(d, axis):
        return d
    return layout(x.comm, x.shape, axis)


def _with_axis_map(d: Distribution, axis: int, shape: tuple[int, ...]) -> Distribution:
    """Layout of ``shape`` whose axis ``axis`` uses ``d``'s map of its (only) distributed axis."""
    maps = [NoDistMap(n) for n in shape]
    grid: list[int | None] = [None] * len(shape)
    dims = [i for i, g in enumerate(d.axis_grid) if g is not None]
    if not dims:
        return Distribution._from_maps(d.comm, maps, d.proc_grid, tuple(grid))
    src = dims[0]
    maps[axis] = d.maps[src]
    grid[axis] = d.axis_grid[src]
    return Distribution._from_maps(d.comm, maps, d.proc_grid, tuple(grid))


def _probe_dtype(func: Any, *dtypes: np.dtype, shapes: tuple = ((0, 0), (0, 0))) -> np.dtype:
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
    rep = replicated_dist(A.comm, B.shape)
    repA = replicated_dist(A.comm, A.shape)
    kmap = _kmap(A, B)
    cands = []
    if is_replicated(B.distribution) or B.size * P <= max(A.size, m * n):
        cands.append((_move_cost(A, _axis_layout(A, 0)) + _move_cost(B, rep), 0, "rows"))
    if is_replicated(A.distribution) or A.size * P <= max(B.size, m * n):
        cands.append((_move_cost(B, _axis_layout(B, 1)) + _move_cost(A, repA), 1, "cols"))
    if 2 * m * n * P <= A.size + B.size:
        cands.append((_move_cost(A, layout(A.comm, A.shape, 1, kmap)) + _move_cost(B, layout(A.comm, B.shape, 0, kmap))
                      + (P - 1) * m * n, 2, "inner"))
    cands.append((_move_cost(A, _axis_layout(A, 0)) + _move_cost(B, layout(A.comm, B.shape, 0, kmap)) + k * n,
                  3, "ring"))
    spec = _summa_spec(A, B)
    if spec is not None:
        cands.append((_summa_cost(A, B, spec), 4, "summa"))
    return min(cands)[2]


def _kmap(A: DistArray, B: DistArray) -> Map:
    """How to split the contraction axis: A's column map or B's row map when usable, else blocks."""
    P = A.comm.Get_size()
    if _on_all_ranks(A.distribution, 1):
        return A.distribution.maps[1]
    if _on_all_ranks(B.distribution, 0):
        return B.distribution.maps[0]
    return BlockMap(A.shape[1], P)


def _shift(comm: Any, block: np.ndarray, dest: int, source: int, recv_shape: tuple[int, ...]) -> np.ndarray:
    """Send ``block`` to ``dest`` and receive a block of ``recv_shape`` from ``source`` (one Alltoallv)."""
    P = comm.Get_size()
    item = block.dtype.itemsize
    send = np.zeros(P, np.int64)
    recv = np.zeros(P, np.int64)
    send[dest] = block.size * item
    recv[source] = int(np.prod(recv_shape, dtype=np.int64)) * item
    buf = np.ascontiguousarray(block).reshape(-1).view(np.uint8) if block.size else np.empty(0, np.uint8)
    got = _comm.alltoallv_bytes(comm, buf, send, recv)
    return got.view(block.dtype).reshape(recv_shape) if got.size else np.empty(recv_shape, block.dtype)


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
    return m, k, n, (np.dtype(dtype) if dtype is not None else _probe_dtype(np.matmul, A.dtype, B.dtype))


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
        dA = _axis_layout(A, 0)
        a = move(A, dA)
        b = move(B, replicated_dist(comm, B.shape))
        local = run_checked(comm, "matmul", lambda: np.matmul(a, b).astype(dt, copy=False))
        return DistArray._new(local, _with_axis_map(dA, 0, (m, n)))
    if plan == "cols":
        dB = _axis_layout(B, 1)
        b = move(B, dB)
        a = move(A, replicated_dist(comm, A.shape))
        local = run_checked(comm, "matmul", lambda: np.matmul(a, b).astype(dt, copy=False))
        return DistArray._new(local, _with_axis_map(dB, 1, (m, n)))
    if plan == "summa":
        return summa(A, B, dt)
    kmap = _kmap(A, B)
    if plan == "inner":
        a = move(A, layout(comm, A.shape, 1, kmap))
        b = move(B, layout(comm, B.shape, 0, kmap))
        part = run_checked(comm, "matmul", lambda: np.matmul(a, b).astype(dt, copy=False))
        partials = _comm.allgather_array(comm, part)
        total = functools.reduce(np.add, partials[1:], partials[0].copy())
        return DistArray._new(total.astype(dt, copy=False), replicated_dist(comm, (m, n)))
    # ring
    dA = _axis_layout(A, 0)
    a = move(A, dA)
    b = move(B, layout(comm, B.shape, 0, kmap))
    me = comm.Get_rank()
    out = np.zeros((a.shape[0], n), dtype=dt)
    def step(idx: np.ndarray, b: np.ndarray) -> None:
        if idx.size and out.size:
            out[...] += np.matmul(a[:, _cols(idx)], b).astype(dt, copy=False)

    for s in range(P):
        j = (me + s) % P
        # Every rank, every step: an FP error on one rank's blocks is reported everywhere before the shift.
        run_checked(comm, "matmul", lambda: step(kmap.local_indices(j), b))
        if s < P - 1:
            b = _shift(comm, b, (me - 1) % P, (me + 1) % P, (kmap.local_size((j + 1) % P), n))
    return DistArray._new(out, _with_axis_map(dA, 0, (m, n)))


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
    return Distribution._from_maps(x.comm, maps, grid, (R, 1 - R))


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
        from ..distribution import make_grid_shape

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
    a, b = move(A, dA), move(B, dB)
    # A narrowing cast can overflow on some ranks' blocks only: agreed like any local kernel.
    a, b = run_checked(comm, "matmul", lambda: (a.astype(dt, copy=False), b.astype(dt, copy=False)))
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
    seen = [0]
    exc: BaseException | None = None

    def record(kind: str, _flag: int) -> None:
        seen[0] |= _FP_BITS.get(kind, 0)

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
                if exc is None and out.size:
                    try:
                        with np.errstate(all="call", call=record):
                            if first:
                                np.matmul(pa, pb, out=out)
                            else:
                                np.matmul(pa, pb, out=tmp)
                                np.add(out, tmp, out=out)
                        first = False
                    except Exception as e:  # noqa: BLE001 - agreed on after the loop, so no rank leaves early
                        exc = e
    if comm.Get_size() > 1:
        flags = _comm.allreduce_flags(comm, seen[0] | (_EXC_BIT if exc is not None else 0))
        if flags & _EXC_BIT:
            _comm.agree(comm, exc)
    else:
        if exc is not None:
            raise exc
        flags = seen[0]
    if flags & ~_EXC_BIT:
        _report_fp(flags & ~_EXC_BIT, "matmul")
    out_d = Distribution._from_maps(comm, [dA.maps[0], dB.maps[1]], grid, (R, Cd))
    return DistArray._new(out, out_d)


# --------------------------------------------------------------------------
# Axis insertion / removal (metadata, except removing a distributed axis)
# --------------------------------------------------------------------------


def insert_axis(x: DistArray, pos: int) -> DistArray:
    """``x`` with a new length-1 axis at ``pos`` (metadata only)."""
    d = x.distribution
    maps = list(d.maps)
    grid = list(d.axis_grid)
    maps.insert(pos, NoDistMap(1))
    grid.insert(pos, None)
    return DistArray._new(np.expand_dims(x.local, pos), d.with_maps(maps, tuple(grid)))


def drop_axis(x: DistArray, pos: int) -> DistArray:
    """``x`` without its length-1 axis ``pos`` (replicated first if that axis is distributed)."""
    d = x.distribution
    if d.axis_grid[pos] is not None:
        maps = list(d.maps)
        grid = list(d.axis_grid)
        maps[pos], grid[pos] = NoDistMap(1), None
        nd = d.with_maps(maps, tuple(grid))
        x = DistArray._new(redistribute_local(x.local, d, nd), nd)
        d = nd
    return DistArray._new(np.squeeze(x.local, pos), d.reduced((pos,)))


# --------------------------------------------------------------------------
# matmul (gufunc) and friends
# --------------------------------------------------------------------------


def _batch_dist(X: DistArray, batch: tuple[int, ...]) -> Distribution:
    """Output batch layout: ``X``'s batch maps when they fit, else blocks over the largest batch axis."""
    d = X.distribution
    nb = X.ndim - 2
    off = len(batch) - nb
    if (all(g is None for g in d.axis_grid[nb:]) and any(g is not None for g in d.axis_grid[:nb])
            and all(X.shape[i] == batch[i + off] for i in range(nb) if d.axis_grid[i] is not None)):
        maps = [NoDistMap(n) for n in batch]
        grid: list[int | None] = [None] * len(batch)
        for i in range(nb):
            if d.axis_grid[i] is not None:
                maps[i + off], grid[i + off] = d.maps[i], d.axis_grid[i]
        return Distribution._from_maps(d.comm, maps, d.proc_grid, tuple(grid))
    big = int(np.argmax(batch))
    return layout(X.comm, batch, big)


def _operand_dist(bd: Distribution, shape: tuple[int, ...]) -> Distribution:
    """Layout of a stacked operand of ``shape`` aligned with batch layout ``bd`` (matrix axes whole)."""
    nb = len(shape) - 2
    off = bd.ndim - nb
    maps: list[Map] = []
    grid: list[int | None] = []
    for i in range(nb):
        j = i + off
        if shape[i] == bd.shape[j]:
            maps.append(bd.maps[j])
            grid.append(bd.axis_grid[j])
        else:
            maps.append(NoDistMap(shape[i]))
            grid.append(None)
    maps += [NoDistMap(shape[-2]), NoDistMap(shape[-1])]
    grid += [None, None]
    return Distribution._from_maps(bd.comm, maps, bd.proc_grid, tuple(grid))


def _stacked(A: DistArray, B: DistArray, dt: np.dtype, func: Any = np.matmul,
             core_out: tuple[int, ...] | None = None) -> DistArray:
    """Batch-parallel ``func`` of stacked operands: the batch axes carry the distribution."""
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    P = A.comm.Get_size()
    if int(np.prod(batch)) < P:  # too few matrices to share: one distributed product each
        outs = []
        for idx in np.ndindex(*batch):
            ia = tuple(i if n > 1 else 0 for i, n in zip(idx[len(batch) - A.ndim + 2:], A.shape[:-2]))
            ib = tuple(i if n > 1 else 0 for i, n in zip(idx[len(batch) - B.ndim + 2:], B.shape[:-2]))
            outs.append(matmul2d(A[ia] if ia else A, B[ib] if ib else B, dt))
        if not outs:
            shape = batch + (A.shape[-2], B.shape[-1])
            return DistArray._new(np.empty(shape, dt), replicated_dist(A.comm, shape))
        return np.reshape(np.stack(outs), batch + outs[0].shape)
    X = A if A.size >= B.size else B
    bd = _batch_dist(X, batch)
    a = move(A, _operand_dist(bd, A.shape))
    b = move(B, _operand_dist(bd, B.shape))
    local = run_checked(A.comm, "matmul", lambda: np.asarray(func(a, b)).astype(dt, copy=False))
    core = local.shape[len(batch):] if core_out is None else core_out
    out_d = Distribution._from_maps(bd.comm, list(bd.maps) + [NoDistMap(c) for c in core], bd.proc_grid,
                                    tuple(bd.axis_grid) + (None,) * len(core))
    return DistArray._new(local, out_d)


def _gufunc_out(ufunc: np.ufunc, out: Any, args: tuple, dtype: Any = None, casting: str = "same_kind") -> Any:
    """``out=`` of a gufunc unwrapped from its 1-tuple, with NumPy's type checks made before any work.

    NumPy resolves dtypes (and the output casting) before it looks at
    shapes, so a bad ``out`` dtype is a ``UFuncTypeError`` whatever the
    shapes.  The check runs NumPy itself on length-1 stand-ins of the
    operands' dtypes and ranks: the same exception on every rank, no data.
    """
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError("The 'out' tuple must have exactly one entry per ufunc output")
        out = out[0]
    if out is None:
        return None
    if not isinstance(out, (np.ndarray, DistArray)):
        raise TypeError("return arrays must be of ArrayType")
    probes = [np.zeros((1,) * np.ndim(a), a.dtype if isinstance(a, DistArray) else np.asarray(a).dtype) for a in args]
    kw = {"dtype": dtype, "casting": casting} if dtype is not None else {}
    ndim = np.ndim(ufunc(*probes, **kw))
    ufunc(*probes, out=np.empty((1,) * ndim, out.dtype), **{**kw, "casting": casting})
    return out


def _loop_operands(ufunc: np.ufunc, x1: Any, x2: Any, dtype: Any, casting: str = "same_kind") -> tuple[Any, Any]:
    """``x1, x2`` in the loop dtype that ``dtype=`` selects: NumPy computes in it, not in the operands'
    common type (an int8 . float16 vecdot with ``dtype=complex128`` sums complex128 products).

    NumPy's casting check of the inputs comes first, on (1, 1) stand-ins
    (no data: the same exception on every rank, before any work).  The
    matmul-family loops are homogeneous, so the loop dtype is the result's.
    """
    if dtype is None:
        return x1, x2
    probes = [np.zeros((1, 1), a.dtype if isinstance(a, DistArray) else np.asarray(a).dtype) for a in (x1, x2)]
    loop = np.asarray(ufunc(*probes, dtype=dtype, casting=casting)).dtype
    return tuple(_as_loop_dtype(a, loop) for a in (x1, x2))


def _as_loop_dtype(a: Any, loop: np.dtype) -> Any:
    """``a`` cast (unsafely: the casting rule was checked already) to ``loop`` unless it has that dtype."""
    if isinstance(a, DistArray):
        return a if a.dtype == loop else a.astype(loop)
    a = np.asarray(a)
    return a if a.dtype == loop else a.astype(loop)


def _store_gufunc_out(out: Any, result: Any, comm: Any) -> Any:
    """Write a gufunc ``result`` into ``out``; like NumPy, ``out`` may add broadcast (loop) dimensions."""
    shape = np.shape(result)
    if np.shape(out) != shape:
        try:
            ok = np.broadcast_shapes(shape, np.shape(out)) == np.shape(out)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"non-broadcastable output operand with shape {np.shape(out)} doesn't match the "
                             f"broadcast shape {shape}")
    result = result if isinstance(result, DistArray) else as_dist(np.asarray(result), comm)
    if np.shape(out) != shape:
        result = np.broadcast_to(result, np.shape(out))
    return _store(out, result)


def _matmul(a: Any, b: Any, dtype: Any = None) -> Any:
    comm = _comm_of(a, b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError("matmul: Input operand %d does not have enough dimensions (has 0, gufunc core with "
                         "signature (n?,k),(k,m?)->(n?,m?) requires 1)" % (0 if np.ndim(a) == 0 else 1))
    A, B = as_dist(a, comm), as_dist(b, comm)
    dt = np.dtype(dtype) if dtype is not None else _probe_dtype(np.matmul, A.dtype, B.dtype)
    va, vb = A.ndim == 1, B.ndim == 1
    if va:
        A = insert_axis(A, 0)
    if vb:
        B = insert_axis(B, 1)
    if A.shape[-1] != B.shape[-2]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(n?,k),(k,m?)->(n?,m?) (size {B.shape[-2]} is different from {A.shape[-1]})")
    if A.ndim == 2 and B.ndim == 2:
        C = matmul2d(A, B, dt)
    else:
        C = _stacked(A, B, dt)
    if vb:
        C = drop_axis(C, C.ndim - 1)
    if va:
        C = drop_axis(C, C.ndim - 1 if vb else C.ndim - 2)
    if C.ndim == 0:
        return C.local[()]
    return C


@implements(np.matmul)
def matmul(x1, x2, /, out=None, **kwargs):
    """``np.matmul`` / ``@`` for 1-d, 2-d and stacked operands in any layouts (see module docstring).

    Communication: that of :func:`matmul2d` (2-d), none for stacked operands
    whose batch axes carry the distribution.
    """
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", "same_kind")
    if kwargs:
        from .protocol import fallback

        return fallback(np.matmul, (x1, x2), {"out": out, "dtype": dtype, "casting": casting, **kwargs},
                        "numpy.matmul")
    out = _gufunc_out(np.matmul, out, (x1, x2), dtype, casting)
    x1, x2 = _loop_operands(np.matmul, x1, x2, dtype, casting)
    result = _matmul(x1, x2, dtype)
    if out is not None:
        return _store_gufunc_out(out, result, _comm_of(x1, x2))
    return result


@implements(np.linalg.matmul)
def linalg_matmul(x1, x2, /):
    """``np.linalg.matmul``."""
    return _matmul(x1, x2)


@implements(np.dot)
def dot(a, b, out=None):
    """``np.dot``: scalars multiply, 1-d/2-d is :func:`matmul`, N-d a :func:`tensordot`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        a = a if isinstance(a, DistArray) else np.asarray(a)
        b = b if isinstance(b, DistArray) else np.asarray(b)
        result = np.multiply(a, b)
    elif np.ndim(a) <= 2 and np.ndim(b) <= 2:
        if np.shape(a)[-1] != np.shape(b)[0]:
            raise ValueError(f"shapes {np.shape(a)} and {np.shape(b)} not aligned: {np.shape(a)[-1]} (dim "
                             f"{np.ndim(a) - 1}) != {np.shape(b)[0]} (dim 0)")
        result = _matmul(a, b)
    else:
        result = tensordot(a, b, axes=([-1], [-2 if np.ndim(b) >= 2 else 0]))
    if out is not None:
        return _store(out, result if isinstance(result, DistArray) else as_dist(result, _comm_of(a, b)))
    return result


@implements(np.vdot)
def vdot(a, b, /):
    """``np.vdot``: conjugated dot product of the flattened arrays (a distributed sum of products).

    Communication: the operands are aligned (no movement when they share a
    layout), then one small allgather of partial sums.
    """
    comm = _comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    if A.size != B.size:
        raise ValueError("cannot reshape array of size %d into shape (%d,)" % (B.size, A.size))
    dt = _probe_dtype(np.vdot, A.dtype, B.dtype, shapes=((0,), (0,)))
    if A.shape != B.shape:
        A, B = np.ravel(A), np.ravel(B)
    prod = np.multiply(np.conjugate(A) if A.dtype.kind == "c" else A, B)
    from .reductions import sum as _sum

    return _sum(prod, dtype=dt)


@implements(np.inner)
def inner(a, b, /):
    """``np.inner``: a :func:`tensordot` over the last axes."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    if np.shape(a)[-1] != np.shape(b)[-1]:
        raise ValueError(f"shapes {np.shape(a)} and {np.shape(b)} not aligned: {np.shape(a)[-1]} (dim "
                         f"{np.ndim(a) - 1}) != {np.shape(b)[-1]} (dim {np.ndim(b) - 1})")
    return tensordot(a, b, axes=([-1], [-1]))


@implements(np.outer)
def outer(a, b, out=None):
    """``np.outer``: ``np.multiply.outer`` of the flattened operands (b is replicated)."""
    comm = _comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    result = np.multiply.outer(np.ravel(A) if A.ndim != 1 else A, np.ravel(B) if B.ndim != 1 else B)
    return _store(out, result) if out is not None else result


@implements(np.linalg.outer)
def linalg_outer(x1, x2, /):
    """``np.linalg.outer`` (1-d operands only, as in NumPy)."""
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are x1.ndim={np.ndim(x1)} and "
                         f"x2.ndim={np.ndim(x2)}.")
    return outer(x1, x2)


def _tensordot_axes(axes: Any, na: int, nb: int) -> tuple[list[int], list[int]]:
    try:
        iter(axes)
    except TypeError:
        n = int(axes)
        return list(range(na - n, na)), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if np.ndim(a_axes) == 0 else list(a_axes)
    b_axes = [b_axes] if np.ndim(b_axes) == 0 else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError("shape-mismatch for sum")
    return [normalize_axis_index(int(i), na) for i in a_axes], [normalize_axis_index(int(i), nb) for i in b_axes]


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    """``np.tensordot``: operands permuted (metadata) and reshaped to matrices, then :func:`matmul2d`.

    Communication: reshapes move data when the layout does not survive them
    (one Alltoallv each), then the matrix product's.
    """
    if not hasattr(axes, "__iter__"):
        # NumPy's own check order: shapes are compared pairwise, and indexing a short shape fails first.
        n = int(axes)
        sa, sb = np.shape(a), np.shape(b)
        for k in range(n):
            if sa[k - n] != sb[k]:
                raise ValueError("shape-mismatch for sum")
    comm = _comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    ax_a, ax_b = _tensordot_axes(axes, A.ndim, B.ndim)
    for i, j in zip(ax_a, ax_b):
        if A.shape[i] != B.shape[j]:
            raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(A.ndim) if i not in ax_a]
    free_b = [i for i in range(B.ndim) if i not in ax_b]
    M = int(np.prod([A.shape[i] for i in free_a], dtype=np.int64))
    K = int(np.prod([A.shape[i] for i in ax_a], dtype=np.int64))
    N = int(np.prod([B.shape[i] for i in free_b], dtype=np.int64))
    a2 = _as_matrix(A, free_a + ax_a, (M, K))
    b2 = _as_matrix(B, ax_b + free_b, (K, N))
    C = matmul2d(a2, b2)
    shape = tuple(A.shape[i] for i in free_a) + tuple(B.shape[i] for i in free_b)
    if C.shape == shape:
        return C
    if not shape:
        return _scalar(C)
    return np.reshape(C, shape)


def _scalar(C: DistArray) -> Any:
    """The single element of ``C`` on every rank (replicated first if it lives on one rank)."""
    return move(C, replicated_dist(C.comm, C.shape)).reshape(())[()]


def _as_matrix(x: DistArray, perm: list[int], shape2: tuple[int, int]) -> DistArray:
    if perm != list(range(x.ndim)):
        x = np.transpose(x, perm)
    if x.shape == shape2:
        return x
    return np.reshape(x, shape2)


@implements(np.linalg.tensordot)
def linalg_tensordot(x1, x2, /, *, axes=2):
    """``np.linalg.tensordot``."""
    return tensordot(x1, x2, axes=axes)


@implements(np.vecdot)
def vecdot(x1, x2, /, out=None, *, axis=-1, **kwargs):
    """``np.vecdot``: ``sum(conj(x1) * x2, axis)`` (elementwise alignment, then a distributed sum)."""
    from .reductions import sum as _sum

    if kwargs.get("axes") is not None or kwargs.get("keepdims"):
        from .protocol import fallback

        return fallback(np.vecdot, (x1, x2), {"out": out, "axis": axis, **kwargs}, "numpy.vecdot")
    out = _gufunc_out(np.vecdot, out, (x1, x2), kwargs.get("dtype"), kwargs.get("casting", "same_kind"))
    x1, x2 = _loop_operands(np.vecdot, x1, x2, kwargs.get("dtype"), kwargs.get("casting", "same_kind"))
    dt = kwargs.get("dtype") or _probe_dtype(np.vecdot, np.asarray(x1).dtype if not isinstance(x1, DistArray)
                                             else x1.dtype, np.asarray(x2).dtype if not isinstance(x2, DistArray)
                                             else x2.dtype, shapes=((0,), (0,)))
    s1, s2 = np.shape(x1), np.shape(x2)
    if not s1 or not s2:
        raise ValueError("vecdot: Input operand does not have enough dimensions")
    a1, a2 = normalize_axis_index(axis, len(s1)), normalize_axis_index(axis, len(s2))
    if s1[a1] != s2[a2]:
        raise ValueError(f"vecdot: Input operand 1 has a mismatch in its core dimension 0 "
                         f"(size {s2[a2]} is different from {s1[a1]})")
    if a1 != len(s1) - 1:
        x1 = np.moveaxis(x1, a1, -1)
    if a2 != len(s2) - 1:
        x2 = np.moveaxis(x2, a2, -1)
    ax = -1
    x1c = np.conjugate(x1) if np.result_type(dt).kind == "c" else x1
    result = _sum(np.multiply(x1c, x2), axis=ax, dtype=dt)
    return _store_gufunc_out(out, result, _comm_of(x1, x2)) if out is not None else result


@implements(np.linalg.vecdot)
def linalg_vecdot(x1, x2, /, *, axis=-1):
    """``np.linalg.vecdot``."""
    return vecdot(x1, x2, axis=axis)


# --------------------------------------------------------------------------
# einsum: contractions mapped onto matmul and reductions
# --------------------------------------------------------------------------


_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's sublist labels 0..51, in this order


def _fresh(i: int) -> str:
    """The ``i``-th label for an ellipsis dimension (outside ASCII: never clashes with a user's letter)."""
    return chr(0x100 + i)


def _sublist_subscripts(operands: tuple) -> tuple[str, list] | None:
    """The operand-list form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as a subscripts string and arrays."""
    arrays = list(operands[0::2])
    subs = list(operands[1::2])
    out = None
    if len(operands) % 2:
        out = arrays.pop()
    if len(subs) != len(arrays) or not arrays:
        return None

    def spell(sub: Any) -> str | None:
        parts = []
        for v in sub:
            if v is Ellipsis:
                parts.append("...")
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= int(v) < 52:
                parts.append(_LETTERS[int(v)])
            else:
                return None
        return "".join(parts)

    try:
        terms = [spell(t) for t in subs]
        tail = None if out is None else spell(out)
    except TypeError:
        return None
    if any(t is None for t in terms) or (out is not None and tail is None):
        return None
    return ",".join(terms) + ("" if out is None else "->" + tail), arrays


def _parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str, dict] | None:
    """Terms and output with every ``...`` expanded to fresh labels, plus each label's size.

    Follows NumPy: an ellipsis covers the dimensions its operand's letters
    leave, right-aligned and broadcast against the other operands'; implicit
    mode outputs the ellipsis dimensions, then the letters used exactly once
    in character-code order (upper case first).  Size-1 dimensions broadcast.
    None when the subscripts are not valid (the caller lets NumPy say why).
    """
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        return None
    explicit = "->" in s
    lhs, out = s.split("->") if explicit else (s, None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        return None
    ell = []
    for t, shape in zip(terms, shapes):
        plain = t.replace("...", "", 1)
        if not set(plain) <= set(string.ascii_letters):
            return None
        e = len(shape) - len(plain) if "..." in t else 0
        if e < 0 or ("..." not in t and len(plain) != len(shape)):
            return None
        ell.append(e)
    E = max(ell, default=0)
    fresh = "".join(_fresh(i) for i in range(E))
    terms = [t.replace("...", fresh[E - e:], 1) for t, e in zip(terms, ell)]
    sizes: dict[str, int] = {}
    for t, shape in zip(terms, shapes):
        for c, n in zip(t, shape):
            have = sizes.get(c)
            if have is None or have == 1:
                sizes[c] = n
            elif n not in (1, have):
                return None
        for c in set(t):  # a repeated letter within one operand never broadcasts
            if len({shape[i] for i, d in enumerate(t) if d == c}) > 1:
                return None
    if out is None:
        letters = "".join(t for t in terms)
        out = fresh + "".join(sorted(c for c in set(letters) if c in string.ascii_letters and letters.count(c) == 1))
    else:
        if out.count("...") > 1:
            return None
        plain = out.replace("...", "", 1)
        if not set(plain) <= set(string.ascii_letters):
            return None
        if "..." not in out and any(ell):
            return None
        out = out.replace("...", fresh, 1)
        if len(set(out)) != len(out) or not set(out) <= set(sizes):
            return None
    return terms, out, sizes


def _drop_broadcast(x: DistArray, term: str, sizes: dict) -> tuple[DistArray, str]:
    """Remove ``x``'s size-1 axes whose label has another size elsewhere (they broadcast: a constant along
    it) -- an empty one too: a size-1 axis broadcasts against size 0."""
    keep = [i for i, c in enumerate(term) if not (x.shape[i] == 1 and sizes[c] != 1)]
    if len(keep) == x.ndim:
        return x, term
    shape = tuple(x.shape[i] for i in keep)
    return np.reshape(x, shape), "".join(term[i] for i in keep)


def _take_diagonals(x: DistArray, term: str) -> tuple[DistArray, str]:
    """Collapse every letter repeated within ``term`` to one axis (distributed diagonal extraction).

    2-d: :func:`diagonal` (each rank sends the diagonal elements it owns).
    N-d with the two axes whole: NumPy's diagonal on each block.  N-d with
    one of them distributed: the two axes go first (metadata) and the
    diagonal is read with index arrays (owner request/response), so the
    result stays spread over the ranks.
    """
    while len(set(term)) != len(term):
        c = next(ch for ch in term if term.count(ch) > 1)
        i = term.index(c)
        j = term.index(c, i + 1)
        rest = "".join(ch for k, ch in enumerate(term) if k not in (i, j))
        d = x.distribution
        if x.ndim == 2 or (d.axis_grid[i] is None and d.axis_grid[j] is None):
            x, term = diagonal(x, 0, i, j), rest + c
        else:
            x = np.moveaxis(x, (i, j), (0, 1))
            ar = np.arange(x.shape[0])
            x, term = x[ar, ar], c + rest
    return x, term


def _einsum_one(x: DistArray, term: str, out: str) -> DistArray:
    """One operand with distinct letters: sum the letters ``out`` lacks, then permute (metadata)."""
    comm = x.comm
    drop = tuple(i for i, c in enumerate(term) if c not in out)
    if drop:
        x = np.sum(x, axis=drop, dtype=x.dtype)
        term = "".join(c for c in term if c in out)
    if not isinstance(x, DistArray):  # a full sum: a replicated 0-d array
        x = as_dist(x, comm)
    if term != out:
        x = np.transpose(x, [term.index(c) for c in out])
    return x


def _einsum_two(A: DistArray, B: DistArray, ta: str, tb: str, out: str, sizes: dict) -> DistArray | Any:
    """One pairwise contraction of operands with distinct letters as a (batched) matrix product."""
    # Letters only one operand has and the output lacks are summed first.
    ka = "".join(c for c in ta if c in tb or c in out)
    kb = "".join(c for c in tb if c in ta or c in out)
    A, B = _einsum_one(A, ta, ka), _einsum_one(B, tb, kb)
    ta, tb = ka, kb
    batch = [c for c in ta if c in tb and c in out]
    contract = [c for c in ta if c in tb and c not in out]
    keep_a = [c for c in ta if c not in tb]
    keep_b = [c for c in tb if c not in ta]
    prod = lambda cs: int(np.prod([sizes[c] for c in cs], dtype=np.int64))  # noqa: E731
    M, K, N, Bt = prod(keep_a), prod(contract), prod(keep_b), prod(batch)
    if batch:
        a3 = _as_matrix(A, [ta.index(c) for c in batch + keep_a + contract], (Bt, M, K))
        b3 = _as_matrix(B, [tb.index(c) for c in batch + contract + keep_b], (Bt, K, N))
        C = _matmul(a3, b3)
    else:
        a2 = _as_matrix(A, [ta.index(c) for c in keep_a + contract], (M, K))
        b2 = _as_matrix(B, [tb.index(c) for c in contract + keep_b], (K, N))
        C = matmul2d(a2, b2)
    letters = batch + keep_a + keep_b
    shape = tuple(sizes[c] for c in letters)
    if not shape:
        return _scalar(C)
    if C.shape != shape:
        C = np.reshape(C, shape)
    order = "".join(letters)
    if order != out:
        C = np.transpose(C, [order.index(c) for c in out])
    return C


@implements(np.einsum)
def einsum(*operands, out=None, optimize=False, **kwargs):
    """``np.einsum``: pairwise contractions on :func:`matmul2d`, never a gather.

    Supported: explicit and implicit subscripts (implicit output: ellipsis
    dimensions, then the letters used once, upper case before lower case, as
    NumPy), ``...`` in inputs and output (expanded to fresh labels,
    broadcasting size-1 dimensions), letters repeated within one operand
    (``'ii->i'``, ``'ii'``, ``'iij->j'``, ``'ijj->ij'``: distributed diagonal
    extraction first, see :func:`_take_diagonals`), the operand-list form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``, ``dtype``/``casting``/``order``
    and ``out``.  ``optimize`` is accepted and ignored (operands are
    contracted left to right).

    Invalid subscripts raise NumPy's own error on every rank (NumPy checks
    zero-stride stand-ins of the operands' shapes; nothing is communicated).
    Fallback (warned): unknown keywords or ``order`` values only, and a call
    the parser rejects that NumPy accepts (a safety net; none is known).

    Communication: that of the reductions and matrix products it maps to;
    diagonals move only the diagonal elements.

    Examples
    --------
    >>> import numpy as np
    >>> import numpy_dist as nd
    >>> x = nd.asarray(np.arange(6.0).reshape(2, 3))
    >>> nd.asnumpy(np.einsum("...j,j", x, np.ones(3))).tolist()
    [3.0, 12.0]
    """
    from .protocol import fallback

    def fall():
        kw = dict(kwargs)
        if out is not None:
            kw["out"] = out
        return fallback(np.einsum, operands, {**kw, "optimize": optimize}, "numpy.einsum")

    if not operands:
        return fall()
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", "safe")
    order = kwargs.pop("order", "K")
    if kwargs or order not in ("K", "A", "C", "F", None):
        return fall()
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        spelled = _sublist_subscripts(operands)
        if spelled is None:
            return _einsum_error(operands, dtype, casting, fall)
        subscripts, arrays = spelled
    comm = _comm_of(*arrays)
    xs = [as_dist(x, comm) for x in arrays]
    parsed = _parse_einsum(subscripts, [x.shape for x in xs])
    if parsed is not None and len(xs) == 1 and set(parsed[0][0]) == set(parsed[1]):
        dtype = None  # NumPy returns a view (permutation/diagonal) and ignores dtype and casting
    dt = np.result_type(*[x.dtype for x in xs]) if dtype is None else np.dtype(dtype)
    if parsed is None or (dtype is not None and not all(np.can_cast(x.dtype, dt, casting) for x in xs)):
        return _einsum_error(operands, dtype, casting, fall)
    terms, final, sizes = parsed
    xs = [x.astype(dt) if x.dtype != dt else x for x in xs]
    ops = []
    for x, t in zip(xs, terms):
        x, t = _drop_broadcast(x, t, sizes)
        ops.append(_take_diagonals(x, t))
    if len(ops) == 1:
        result = _einsum_one(ops[0][0], ops[0][1], final)
    else:
        result, term = ops[0]
        for i in range(1, len(ops)):
            rest = "".join(t for _, t in ops[i + 1:]) + final
            pair_out = final if i == len(ops) - 1 else \
                "".join(dict.fromkeys(c for c in term + ops[i][1] if c in rest))
            if not isinstance(result, DistArray):
                result = as_dist(result, comm)
            result = _einsum_two(result, ops[i][0], term, ops[i][1], pair_out, sizes)
            term = pair_out
    if isinstance(result, DistArray) and result.ndim == 0:
        result = result.local[()]
    if out is not None:
        return _store(out, result if isinstance(result, DistArray) else as_dist(result, comm))
    return result


def _einsum_error(operands: tuple, dtype: Any, casting: Any, fall: Any) -> Any:
    """Raise NumPy's own error for a call the parser rejected, else take the fallback.

    NumPy validates zero-stride stand-ins of the operands' shapes and dtypes
    (no data, no messages), so every rank raises the same exception.
    """
    stand = tuple(np.broadcast_to(np.zeros((), x.dtype), x.shape) if isinstance(x, DistArray) else x
                  for x in operands)
    kw = {"casting": casting} if dtype is None else {"dtype": dtype, "casting": casting}
    np.einsum(*stand, **kw)
    return fall()


# --------------------------------------------------------------------------
# diagonal, trace, kron, cross
# --------------------------------------------------------------------------


def _diag_len(n1: int, n2: int, offset: int) -> int:
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


@implements(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    """``np.diagonal`` (a copy, laid out in blocks for 2-d input).

    2-d: each rank picks the diagonal elements it owns; one Alltoallv puts
    them in blocks.  N-d: the two axes are made whole (the others carry the
    distribution), then NumPy runs on the blocks.
    """
    a = as_dist(a, _comm_of(a))
    if a.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    ax1, ax2 = normalize_axis_index(axis1, a.ndim), normalize_axis_index(axis2, a.ndim)
    if ax1 == ax2:
        raise ValueError("axis1 and axis2 cannot be the same")
    d = a.distribution
    n = _diag_len(a.shape[ax1], a.shape[ax2], offset)
    others = [i for i in range(a.ndim) if i not in (ax1, ax2)]
    if others or (d.axis_grid[ax1] is None and d.axis_grid[ax2] is None):
        if d.axis_grid[ax1] is not None or d.axis_grid[ax2] is not None:
            d = local_axes_dist(d, (ax1, ax2))
        local = np.diagonal(move(a, d), offset, ax1, ax2).copy()
        out_d = Distribution._from_maps(d.comm, [d.maps[i] for i in others] + [NoDistMap(n)], d.proc_grid,
                                        tuple(d.axis_grid[i] for i in others) + (None,))
        return DistArray._new(local, out_d)
    # 2-d with a distributed axis: the elements each rank owns form an unstructured layout.
    P = d.nprocs
    lo = max(0, -offset)

    def owned(rank: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        coords = d.rank_coords(rank)
        if any(coords[g] != 0 for g in d.replicated_dims):
            e = np.empty(0, np.int64)
            return e, e, e
        rows = d.local_indices(ax1, rank)
        cols = rows + offset
        t = rows - lo
        ok = (t >= 0) & (t < n) & (cols >= 0) & (cols < a.shape[ax2])
        if d.axis_grid[ax2] is not None:
            ok[ok] &= d.maps[ax2].owners(cols[ok]) == d.axis_coord(ax2, rank)
        pos_r = np.flatnonzero(ok)
        return t[ok], pos_r, d.maps[ax2].local_positions(cols[ok])

    parts = [owned(r)[0] for r in range(P)]
    t, pr, pc = owned(d.rank)
    blk = a.local if ax1 < ax2 else a.local.T
    local = blk[pr, pc]
    udist = layout(d.comm, (n,), 0, UnstructuredMap(parts))
    bdist = layout(d.comm, (n,), 0)
    return DistArray._new(redistribute_local(local, udist, bdist), bdist)


@implements(np.linalg.diagonal)
def linalg_diagonal(x, /, *, offset=0):
    """``np.linalg.diagonal``: the diagonals of the last two axes."""
    return diagonal(x, offset, -2, -1)


@implements(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """``np.trace``: a distributed sum of :func:`diagonal`."""
    from .reductions import sum as _sum

    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype, out=out)


@implements(np.linalg.trace)
def linalg_trace(x, /, *, offset=0, dtype=None):
    """``np.linalg.trace``: traces of the last two axes."""
    return trace(x, offset, -2, -1, dtype)


def _scaled_map(m: Map, factor: int) -> Map:
    """The map of an axis whose every index ``i`` becomes ``i*factor ... i*factor + factor - 1``."""
    if isinstance(m, NoDistMap):
        return NoDistMap(m.size * factor)
    if isinstance(m, BlockMap):
        return BlockMap(m.size * factor, m.grid_size, m.bounds * factor)
    if isinstance(m, CyclicMap):
        if factor == 0:  # an empty axis: no cyclic block of length 0 exists, and empty blocks are all alike
            return BlockMap(0, m.grid_size)
        return CyclicMap(m.size * factor, m.grid_size, m.block_size * factor)
    return UnstructuredMap([(m.local_indices(p)[:, None] * factor + np.arange(factor)).reshape(-1)
                            for p in range(m.grid_size)])


def _spread_map(m: Map, na: int) -> Map:
    """The map of an axis whose index ``k`` becomes ``i*size + k`` for every ``i < na`` (i-major)."""
    if isinstance(m, NoDistMap):
        return NoDistMap(m.size * na)
    return UnstructuredMap([(np.arange(na)[:, None] * m.size + m.local_indices(p)[None, :]).reshape(-1)
                            for p in range(m.grid_size)])


@implements(np.kron)
def kron(a, b):
    """``np.kron``: the smaller operand is replicated; each rank forms its block of the product.

    Communication: one Allgatherv of the smaller operand (none if replicated).
    """
    comm = _comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    nd_ = max(A.ndim, B.ndim)
    while A.ndim < nd_:
        A = insert_axis(A, 0)
    while B.ndim < nd_:
        B = insert_axis(B, 0)
    big_a = A.size >= B.size
    X, S = (A, B) if big_a else (B, A)
    s = move(S, replicated_dist(comm, S.shape))
    x = X.local
    if big_a:
        ea = x.reshape(tuple(v for n in x.shape for v in (n, 1)))
        eb = s.reshape(tuple(v for n in s.shape for v in (1, n)))
    else:
        ea = s.reshape(tuple(v for n in s.shape for v in (n, 1)))
        eb = x.reshape(tuple(v for n in x.shape for v in (1, n)))
    prod = run_checked(comm, "kron", lambda: np.multiply(ea, eb))
    local = prod.reshape(tuple(ea.shape[2 * i] * eb.shape[2 * i + 1] for i in range(nd_)))
    d = X.distribution
    maps = [(_scaled_map(m, B.shape[i]) if big_a else _spread_map(m, A.shape[i])) for i, m in enumerate(d.maps)]
    out_d = Distribution._from_maps(comm, maps, d.proc_grid, d.axis_grid)
    return DistArray._new(local, out_d)


@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``np.cross``: the vector axes are made whole (a small Alltoallv if they were split), then NumPy per block."""
    if axis is not None:
        axisa = axisb = axisc = axis
    comm = _comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    if A.ndim == 0 or B.ndim == 0:
        raise ValueError("At least one array has zero dimension")
    A = np.moveaxis(A, normalize_axis_index(axisa, A.ndim), -1)
    B = np.moveaxis(B, normalize_axis_index(axisb, B.ndim), -1)
    la, lb = A.shape[-1], B.shape[-1]
    if la not in (2, 3) or lb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    batch = np.broadcast_shapes(A.shape[:-1], B.shape[:-1])
    X = A if A.size >= B.size else B
    d = X.distribution
    if d.axis_grid[-1] is not None:
        d = local_axes_dist(d, (X.ndim - 1,)) if X.ndim > 1 else replicated_dist(comm, X.shape)
    # batch layout: X's batch maps where sizes match
    off = len(batch) - (X.ndim - 1)
    bmaps: list[Map] = [NoDistMap(n) for n in batch]
    bgrid: list[int | None] = [None] * len(batch)
    for i in range(X.ndim - 1):
        if X.shape[i] == batch[i + off] and d.axis_grid[i] is not None:
            bmaps[i + off], bgrid[i + off] = d.maps[i], d.axis_grid[i]

    def operand(Y: DistArray) -> np.ndarray:
        o = len(batch) - (Y.ndim - 1)
        maps = [bmaps[i + o] if Y.shape[i] == batch[i + o] else NoDistMap(Y.shape[i]) for i in range(Y.ndim - 1)]
        grid = [bgrid[i + o] if Y.shape[i] == batch[i + o] else None for i in range(Y.ndim - 1)]
        return move(Y, Distribution._from_maps(comm, maps + [NoDistMap(Y.shape[-1])], d.proc_grid,
                                               tuple(grid) + (None,)))

    la_, lb_ = operand(A), operand(B)
    local = run_checked(comm, "cross", lambda: np.cross(la_, lb_))
    if la == 2 and lb == 2:
        out_d = Distribution._from_maps(comm, bmaps, d.proc_grid, tuple(bgrid))
        return DistArray._new(local, out_d)
    out_d = Distribution._from_maps(comm, bmaps + [NoDistMap(3)], d.proc_grid, tuple(bgrid) + (None,))
    C = DistArray._new(local, out_d)
    return np.moveaxis(C, -1, normalize_axis_index(axisc, C.ndim))


@implements(np.linalg.cross)
def linalg_cross(x1, x2, /, *, axis=-1):
    """``np.linalg.cross`` (3-vectors only, as in NumPy)."""
    if np.shape(x1)[axis] != 3 or np.shape(x2)[axis] != 3:
        raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but they are "
                         f"{np.shape(x1)[axis]} and {np.shape(x2)[axis]} dimensional instead.")
    return cross(x1, x2, axis=axis)


@implements(np.linalg.matrix_transpose)
def linalg_matrix_transpose(x, /):
    """``np.linalg.matrix_transpose`` (metadata only)."""
    return np.matrix_transpose(x)


@implements(np.matvec)
def matvec(x1, x2, /, out=None, **kwargs):
    """``np.matvec``: ``matmul`` of the matrices with the vectors as columns (``dtype=``: computed in it)."""
    dtype, casting = kwargs.pop("dtype", None), kwargs.pop("casting", "same_kind")
    if kwargs:
        from .protocol import fallback

        return fallback(np.matvec, (x1, x2), {"out": out, "dtype": dtype, "casting": casting, **kwargs},
                        "numpy.matvec (axes options)")
    out = _gufunc_out(np.matvec, out, (x1, x2), dtype, casting)
    x1, x2 = _loop_operands(np.matvec, x1, x2, dtype, casting)
    if np.ndim(x1) < 2 or np.ndim(x2) < 1:
        raise ValueError("matvec: the first operand needs 2 dimensions and the second 1")
    result = matmul(x1, np.expand_dims(x2, -1))[..., 0]
    return result if out is None else _store_gufunc_out(out, result, _comm_of(x1, x2))


@implements(np.vecmat)
def vecmat(x1, x2, /, out=None, **kwargs):
    """``np.vecmat``: the conjugated vectors as rows times the matrices (``dtype=``: computed in it)."""
    dtype, casting = kwargs.pop("dtype", None), kwargs.pop("casting", "same_kind")
    if kwargs:
        from .protocol import fallback

        return fallback(np.vecmat, (x1, x2), {"out": out, "dtype": dtype, "casting": casting, **kwargs},
                        "numpy.vecmat (axes options)")
    out = _gufunc_out(np.vecmat, out, (x1, x2), dtype, casting)
    x1, x2 = _loop_operands(np.vecmat, x1, x2, dtype, casting)
    if np.ndim(x1) < 1 or np.ndim(x2) < 2:
        raise ValueError("vecmat: the first operand needs 1 dimension and the second 2")
    x1c = np.conjugate(x1) if np.result_type(x1).kind == "c" else x1  # (conjugate turns bool into int8)
    result = matmul(np.expand_dims(x1c, -2), x2)[..., 0, :]
    return result if out is None else _store_gufunc_out(out, result, _comm_of(x1, x2))

