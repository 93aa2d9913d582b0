"""Distributed products: ``matmul`` / ``@``, ``dot``, ``tensordot``, ``einsum``, ``kron`` ...

Everything reduces to one two-dimensional kernel, :func:`matmul2d`, which picks
one of four algorithms from global metadata only (so every rank picks the
same one) by the bytes each would move:

* ``rows``  -- A in row blocks (its own row map when its columns are whole),
  B small or replicated: B is replicated (one Allgatherv of B only), then
  ``C_local = A_local @ B``.  A never moves when it is already in rows.
* ``cols``  -- the mirror image: A small, B in column blocks.
* ``inner`` -- the contraction axis is split the same way in A (columns) and
  B (rows), the output is small: local partial products, combined in rank
  order (Gram matrices ``X.T @ X``, vector-matrix products).
* ``ring``  -- both large: A in row blocks, B in row blocks of the contraction
  axis; the blocks of B travel round a ring (P - 1 shifts), each rank
  multiplying the columns of its A block that match the block it holds.
  Memory per rank stays at the local shares plus one block of B.

No algorithm gathers the large operand.  Stacked operands run batch-parallel
(the batch axes carry the distribution; no data moves when the matrix axes
are already whole).

Communication: see each function's docstring.
"""

from __future__ import annotations

import functools
import string
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, CyclicMap, Map, NoDistMap, UnstructuredMap
from ..redistribute import redistribute_local
from .registry import implements
from .ufuncs import _store, local_axes_dist, run_checked

__all__ = ["matmul", "matmul2d", "dot", "vdot", "inner", "outer", "tensordot", "vecdot", "einsum", "trace",
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
    """Elements a rank may receive to bring ``x`` into ``dist`` (upper bound; 0 when nothing moves)."""
    if x.distribution == dist or is_replicated(x.distribution):
        return 0
    return x.size


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
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def matmul2d(A: DistArray, B: DistArray, dtype: np.dtype | None = None) -> DistArray:
    """``A @ B`` for two-dimensional DistArrays (any layouts), with the algorithm of :func:`_plan`.

    Communication: ``rows``/``cols``: the small operand is replicated (one
    Allgatherv-like Alltoallv), the large one moves only if its layout splits
    the contraction axis; ``inner``: one Allgatherv of the m x n partials;
    ``ring``: P - 1 shifts of B's row blocks.
    """
    comm = A.comm
    m, k = A.shape
    k2, n = B.shape
    if k != k2:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(n?,k),(k,m?)->(n?,m?) (size {k2} is different from {k})")
    dt = np.dtype(dtype) if dtype is not None else _probe_dtype(np.matmul, A.dtype, B.dtype)
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
    for s in range(P):
        j = (me + s) % P
        idx = kmap.local_indices(j)
        if idx.size and out.size:
            out += np.matmul(a[:, _cols(idx)], b).astype(dt, copy=False)
        if s < P - 1:
            b = _shift(comm, b, (me - 1) % P, (me + 1) % P, (kmap.local_size((j + 1) % P), n))
    return DistArray._new(out, _with_axis_map(dA, 0, (m, n)))


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
    kwargs.pop("casting", None)
    if kwargs:
        from .protocol import fallback

        return fallback(np.matmul, (x1, x2), {"out": out, "dtype": dtype, **kwargs} if out is not None else
                        {"dtype": dtype, **kwargs}, "numpy.matmul")
    if isinstance(out, tuple):
        out = out[0]
    result = _matmul(x1, x2, dtype)
    if out is not None:
        return _store(out, result if isinstance(result, DistArray) else as_dist(result, _comm_of(x1, x2)))
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
    return _store(out, result) if out is not None else result


@implements(np.linalg.vecdot)
def linalg_vecdot(x1, x2, /, *, axis=-1):
    """``np.linalg.vecdot``."""
    return vecdot(x1, x2, axis=axis)


# --------------------------------------------------------------------------
# einsum: contractions mapped onto matmul and reductions
# --------------------------------------------------------------------------


def _parse_einsum(subscripts: str, n: int) -> tuple[list[str], str] | None:
    s = subscripts.replace(" ", "")
    if "." in s:
        return None
    if "->" in s:
        lhs, out = s.split("->")
    else:
        lhs = s
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    terms = lhs.split(",")
    if len(terms) != n or not all(set(t) <= set(string.ascii_letters) for t in terms + [out]):
        return None
    return terms, out


def _einsum_one(x: DistArray, term: str, out: str) -> DistArray | None:
    if len(set(term)) != len(term):
        if len(term) == 2 and out in ("", term[0]):
            d = diagonal(x)
            return d if out else np.sum(d, dtype=x.dtype)
        return None
    drop = tuple(i for i, c in enumerate(term) if c not in out)
    if drop:
        x = np.sum(x, axis=drop, dtype=x.dtype)
        term = "".join(c for c in term if c in out)
    if term != out:
        x = np.transpose(x, [term.index(c) for c in out])
    return x


def _einsum_two(A: DistArray, B: DistArray, ta: str, tb: str, out: str) -> DistArray | None:
    if len(set(ta)) != len(ta) or len(set(tb)) != len(tb):
        return None
    sizes: dict[str, int] = {}
    for t, x in ((ta, A), (tb, B)):
        for c, n in zip(t, x.shape):
            if sizes.setdefault(c, n) != n:
                return None
    # Letters only one operand has and the output lacks are summed first.
    A = _einsum_one(A, ta, "".join(c for c in ta if c in tb or c in out))
    ta = "".join(c for c in ta if c in tb or c in out)
    B = _einsum_one(B, tb, "".join(c for c in tb if c in ta or c in out))
    tb = "".join(c for c in tb if c in ta or c in out)
    batch = [c for c in ta if c in tb and c in out]
    contract = [c for c in ta if c in tb and c not in out]
    keep_a = [c for c in ta if c not in tb]
    keep_b = [c for c in tb if c not in ta]
    prod = lambda cs: int(np.prod([sizes[c] for c in cs], dtype=np.int64))  # noqa: E731
    M, K, N, Bt = prod(keep_a), prod(contract), prod(keep_b), prod(batch)
    if batch:
        a3 = _as_matrix(A, [ta.index(c) for c in batch + keep_a + contract], (Bt, M, K)) if A.ndim else A
        b3 = _as_matrix(B, [tb.index(c) for c in batch + contract + keep_b], (Bt, K, N)) if B.ndim else B
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
    """``np.einsum`` for explicit subscripts without ellipses: pairwise contractions on :func:`matmul2d`.

    One operand: sums and permutations (``'ii'``/``'ii->i'``: trace, diagonal).
    Two or more: contracted left to right, each pair as a (batched) matrix
    product.  Other forms (ellipses, repeated letters within a term of several
    operands, ``dtype``/``casting``) take the documented fallback.
    """
    from .protocol import fallback

    def fall():
        kw = dict(kwargs)
        if out is not None:
            kw["out"] = out
        return fallback(np.einsum, operands, {**kw, "optimize": optimize}, "numpy.einsum")

    if not operands or not isinstance(operands[0], str) or kwargs:
        return fall()
    subscripts, arrays = operands[0], list(operands[1:])
    parsed = _parse_einsum(subscripts, len(arrays))
    if parsed is None:
        return fall()
    terms, final = parsed
    comm = _comm_of(*arrays)
    xs = [as_dist(x, comm) for x in arrays]
    for t, x in zip(terms, xs):
        if len(t) != x.ndim:
            return fall()
    dt = np.result_type(*[x.dtype for x in xs])
    xs = [x.astype(dt) if x.dtype != dt else x for x in xs]
    if len(xs) == 1:
        result = _einsum_one(xs[0], terms[0], final)
    else:
        result, term = xs[0], terms[0]
        for i in range(1, len(xs)):
            rest = "".join(terms[i + 1:]) + final
            pair_out = "".join(dict.fromkeys(c for c in term + terms[i] if c in rest))
            if i == len(xs) - 1:
                pair_out = final
            if not isinstance(result, DistArray):
                result = as_dist(result, comm)
            result = _einsum_two(result, xs[i], term, terms[i], pair_out)
            if result is None:
                return fall()
            term = pair_out
    if result is None:
        return fall()
    if isinstance(result, DistArray) and result.ndim == 0:
        result = result.local[()]
    if out is not None:
        return _store(out, result if isinstance(result, DistArray) else as_dist(result, comm))
    return result


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
    """``np.matvec``: ``matmul`` of the matrices with the vectors as columns."""
    if kwargs:
        from .protocol import fallback

        return fallback(np.matvec, (x1, x2), {"out": out, **kwargs}, "numpy.matvec (axes/dtype options)")
    if np.ndim(x1) < 2 or np.ndim(x2) < 1:
        raise ValueError("matvec: the first operand needs 2 dimensions and the second 1")
    result = matmul(x1, np.expand_dims(x2, -1))[..., 0]
    return result if out is None else _store_out(out, result)


@implements(np.vecmat)
def vecmat(x1, x2, /, out=None, **kwargs):
    """``np.vecmat``: the conjugated vectors as rows times the matrices."""
    if kwargs:
        from .protocol import fallback

        return fallback(np.vecmat, (x1, x2), {"out": out, **kwargs}, "numpy.vecmat (axes/dtype options)")
    if np.ndim(x1) < 1 or np.ndim(x2) < 2:
        raise ValueError("vecmat: the first operand needs 1 dimension and the second 2")
    result = matmul(np.expand_dims(np.conjugate(x1), -2), x2)[..., 0, :]
    return result if out is None else _store_out(out, result)


def _store_out(out, result):
    from .ufuncs import _store

    return _store(out, result)
