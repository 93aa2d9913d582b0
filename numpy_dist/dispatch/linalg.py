"""Diagonals and small structured products: ``diagonal``, ``trace``, ``kron``, ``cross`` (and their
``np.linalg`` spellings, with ``matrix_transpose``).

The matrix products live in :mod:`.products` (on the 2-d kernel of
:mod:`.matmul_plan`), ``einsum`` in :mod:`.einsum`, the decompositions in
:mod:`.decompositions`.

Communication: ``diagonal`` of a 2-d array one Alltoallv of the diagonal
elements (N-d: one Alltoallv only if the two axes were split); ``trace`` that
plus a distributed sum; ``kron`` one Allgatherv of the smaller operand (none
if replicated); ``cross`` one Alltoallv if the vector axes were split.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, CyclicMap, Map, NoDistMap, UnstructuredMap
from ..redistribute import redistribute_local
from ._layout import as_dist, comm_of, insert_axis, layout
from .reductions import sum as _sum
from .registry import implements
from .ufunc_reduce import local_axes_dist

__all__ = ["diagonal", "trace", "kron", "cross"]


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
    a = as_dist(a, comm_of(a))
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
        local = np.diagonal(a.to_layout(d).local, offset, ax1, ax2).copy()
        return DistArray._new(local, d.select_axes(others).extended((n,)))
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
    comm = comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    nd_ = max(A.ndim, B.ndim)
    while A.ndim < nd_:
        A = insert_axis(A, 0)
    while B.ndim < nd_:
        B = insert_axis(B, 0)
    big_a = A.size >= B.size
    X, S = (A, B) if big_a else (B, A)
    s = S.to_layout(Distribution.replicated_on(comm, S.shape)).local
    x = X.local
    if big_a:
        ea = x.reshape(tuple(v for n in x.shape for v in (n, 1)))
        eb = s.reshape(tuple(v for n in s.shape for v in (1, n)))
    else:
        ea = s.reshape(tuple(v for n in s.shape for v in (n, 1)))
        eb = x.reshape(tuple(v for n in x.shape for v in (1, n)))
    prod = _comm.agreed_call(comm, lambda: np.multiply(ea, eb), fp="kron")
    local = prod.reshape(tuple(ea.shape[2 * i] * eb.shape[2 * i + 1] for i in range(nd_)))
    d = X.distribution
    maps = [(_scaled_map(m, B.shape[i]) if big_a else _spread_map(m, A.shape[i])) for i, m in enumerate(d.maps)]
    out_d = Distribution.from_maps(comm, maps, d.proc_grid, d.axis_grid)
    return DistArray._new(local, out_d)


@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``np.cross``: the vector axes are made whole (a small Alltoallv if they were split), then NumPy per block."""
    if axis is not None:
        axisa = axisb = axisc = axis
    comm = comm_of(a, b)
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
        d = local_axes_dist(d, (X.ndim - 1,)) if X.ndim > 1 else Distribution.replicated_on(comm, X.shape)
    # batch layout: X's batch maps where sizes match
    off = len(batch) - (X.ndim - 1)
    bmaps: list[Map] = [NoDistMap(n) for n in batch]
    bgrid: list[int | None] = [None] * len(batch)
    for i in range(X.ndim - 1):
        if X.shape[i] == batch[i + off] and d.axis_grid[i] is not None:
            bmaps[i + off], bgrid[i + off] = d.maps[i], d.axis_grid[i]
    bd = Distribution.from_maps(comm, bmaps, d.proc_grid, tuple(bgrid))

    def operand(Y: DistArray) -> np.ndarray:
        """``Y``'s block aligned with the batch layout (broadcast axes whole), its vector axis whole."""
        return Y.to_layout(bd.broadcast_to(Y.shape[:-1], bd).extended(Y.shape[-1:])).local

    la_, lb_ = operand(A), operand(B)
    local = _comm.agreed_call(comm, lambda: np.cross(la_, lb_), fp="cross")
    if la == 2 and lb == 2:
        return DistArray._new(local, bd)
    C = DistArray._new(local, bd.extended((3,)))
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
