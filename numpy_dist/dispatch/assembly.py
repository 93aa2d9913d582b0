"""Assembling arrays from pieces and patterns: ``np.block``, ``np.resize``, ``np.tri``, ``np.ix_``, ``np.require``.

``block`` is nested concatenation done in one step: the region of every
block in the result is computed from the shapes alone, and each block is
moved once into its region.  ``resize`` repeats the C-order flat sequence:
output element ``j`` is source element ``j % size``; every rank needs at
most one period of the source (one or two contiguous pieces), which the
source owners send it directly, and the rank then repeats it locally.
``tri`` is a creation function (``like=`` a DistArray): each rank computes
its rows.  ``ix_`` reshapes each 1-d index vector, distributed as given.
``require`` checks NumPy's flags on the local blocks (the verdict agreed by
every rank) and copies the blocks when one is not met.

Communication: ``block`` one redistribution per distributed block;
``resize`` that of ``ravel`` (when the source is not in block rows) plus one
Alltoallv (counts known on both sides); ``tri`` none; ``ix_`` none, except
``nonzero`` of a boolean vector; ``require`` one small allreduce of the flag
verdicts (and a cast, with ``dtype``).
"""

from __future__ import annotations

import numpy as np

from .. import comm as _comm
from ..creation import asarray, zeros
from ..distarray import DistArray
from ..distribution import Distribution, normalize_shape
from ..exchange import exchange
from .indexing_funcs import nonzero
from .manipulation import as_distarray, expand_dims, output_dist, place_region, ravel, reshape
from .registry import implements

__all__ = ["block", "resize", "tri", "ix_", "require"]


# --------------------------------------------------------------------------
# block
# --------------------------------------------------------------------------


def _list_depth(arrays, index: str = "arrays") -> int:
    """Nesting depth of the lists in ``arrays`` (0 for a leaf), checked as NumPy checks it."""
    if isinstance(arrays, tuple):
        raise TypeError(f"{index} is a tuple. Only lists can be used to arrange blocks, and np.block does not "
                        "allow implicit conversion from tuple to ndarray.")
    if not isinstance(arrays, list):
        return 0
    if not arrays:
        raise ValueError(f"List at {index} cannot be empty")
    depths = [_list_depth(x, f"{index}[{i}]") for i, x in enumerate(arrays)]
    if any(d != depths[0] for d in depths):
        raise ValueError(f"List depths are mismatched. First element was at depth {depths[0] + 1}, but there is "
                         f"an element at depth {min(depths) + 1 if min(depths) != depths[0] else max(depths) + 1} "
                         f"({index})")
    return depths[0] + 1


def _leaves(arrays) -> list:
    if isinstance(arrays, list):
        return [leaf for x in arrays for leaf in _leaves(x)]
    return [arrays]


def _arrange(node, level: int, depth: int, ndim: int) -> tuple[list, list]:
    """(shape, [(leaf, offsets)]) of ``node``: lists at ``level`` join along axis ``ndim - depth + level``."""
    if level == depth:
        shape = list((1,) * (ndim - node.ndim) + node.shape)
        return shape, [(node, [0] * ndim)]
    axis = ndim - depth + level
    parts = [_arrange(child, level + 1, depth, ndim) for child in node]
    shape = list(parts[0][0])
    placed = []
    offset = 0
    for i, (s, leaves) in enumerate(parts):
        for d in range(ndim):
            if d != axis and s[d] != shape[d]:
                raise ValueError("all the input array dimensions except for the concatenation axis must match "
                                 f"exactly, but along dimension {d}, the array at index 0 has size {shape[d]} and "
                                 f"the array at index {i} has size {s[d]}")
        for leaf, offsets in leaves:
            moved = list(offsets)
            moved[axis] += offset
            placed.append((leaf, moved))
        offset += s[axis]
    shape[axis] = offset
    return shape, placed


def _as_leaf(x, ndim: int):
    """A block as an array of ``ndim`` dimensions (leading length-1 axes added, no data moved)."""
    if not isinstance(x, DistArray):
        x = np.asanyarray(x)
        return x.reshape((1,) * (ndim - x.ndim) + x.shape)
    return expand_dims(x, tuple(range(ndim - x.ndim))) if x.ndim < ndim else x


def _replace_leaves(arrays, ndim: int):
    if isinstance(arrays, list):
        return [_replace_leaves(x, ndim) for x in arrays]
    return _as_leaf(arrays, ndim)


@implements(np.block)
def block(arrays):
    """``np.block``: the blocks of a nested list joined along the last axes, each moved once into its region.

    Parameters
    ----------
    arrays : nested list of array_like or DistArray
        Innermost lists join along the last axis, the next level along the
        second last, and so on.

    Returns
    -------
    DistArray
        Laid out as the first DistArray block's distribution codes allow
        (else the default layout).
    """
    depth = _list_depth(arrays)
    leaves = [x if isinstance(x, DistArray) else np.asanyarray(x) for x in _leaves(arrays)]
    ndim = max(depth, max(x.ndim for x in leaves))
    dtype = np.result_type(*(x.dtype for x in leaves))
    if depth == 0:
        x = _as_leaf(arrays, ndim)
        return x.copy() if isinstance(x, DistArray) else as_distarray(x)
    shape, placed = _arrange(_replace_leaves(arrays, ndim), 0, depth, ndim)
    first = next((x for x in leaves if isinstance(x, DistArray)), None)
    dist = output_dist(first, tuple(shape), first.comm if first is not None else None)
    out = DistArray._new(np.empty(dist.local_shape, dtype), dist)
    for leaf, offsets in placed:
        region = [slice(o, o + n) for o, n in zip(offsets, leaf.shape)]
        src = leaf.astype(dtype, copy=False) if isinstance(leaf, DistArray) else np.asarray(leaf, dtype)
        place_region(out, region, src)
    return out


# --------------------------------------------------------------------------
# resize
# --------------------------------------------------------------------------


def _needed(lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    """Source intervals (ascending) that flat output positions ``[lo, hi)`` read, positions taken mod ``size``."""
    n = hi - lo
    if n <= 0:
        return []
    if n >= size:
        return [(0, size)]
    x = lo % size
    if x + n <= size:
        return [(x, x + n)]
    return [(0, x + n - size), (x, size)]


def _overlap(intervals: list, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo)]


def _periodic_fill(out: np.ndarray, period: np.ndarray, start: int) -> None:
    """``out[i] = period[(start + i) % len(period)]``: one period, then doubling copies of what is filled."""
    head = period[start:start + out.size]
    out[:head.size] = head
    tail = min(start, out.size - head.size)
    out[head.size:head.size + tail] = period[:tail]
    filled = head.size + tail
    while filled < out.size:
        step = min(filled, out.size - filled)
        out[filled:filled + step] = out[:step]
        filled += step


@implements(np.resize)
def resize(a, new_shape):
    """``np.resize``: the flat C-order sequence of ``a`` repeated (or cut) to ``new_shape``.

    Each rank receives, from the owners, the one period of the source its
    output block reads (at most the source's size, in at most two pieces) and
    repeats it locally.

    Returns
    -------
    DistArray
        Rows in blocks over all ranks (a 0-d result is replicated).
    """
    if isinstance(new_shape, (int, np.integer)):
        new_shape = (new_shape,)
    a = as_distarray(a)
    new_size = 1
    for n in new_shape:  # NumPy's own loop and check
        new_size *= n
        if n < 0:
            raise ValueError("all elements of `new_shape` must be non-negative")
    shape = normalize_shape(new_shape)
    if a.size == 0 or new_size == 0:
        return zeros(shape, a.dtype, comm=a.comm)
    if not shape:
        return reshape(resize(a, (1,)), ())
    comm, size = a.comm, a.size
    src_dist = Distribution.row_blocks(comm, (size,))
    src = ravel(a).to_layout(src_dist).local
    out_dist = Distribution.row_blocks(comm, shape)
    row = int(np.prod(shape[1:], dtype=np.int64))
    out_flat = out_dist.maps[0].bounds.astype(np.int64) * row
    src_flat = src_dist.maps[0].bounds.astype(np.int64)
    me, P = comm.Get_rank(), comm.Get_size()
    my_lo, my_hi = int(src_flat[me]), int(src_flat[me + 1])
    pieces, send_counts, recv_counts = [], np.zeros(P, np.int64), np.zeros(P, np.int64)
    wanted = _needed(int(out_flat[me]), int(out_flat[me + 1]), size)
    for q in range(P):
        for lo, hi in _overlap(_needed(int(out_flat[q]), int(out_flat[q + 1]), size), my_lo, my_hi):
            pieces.append(src[lo - my_lo:hi - my_lo])
            send_counts[q] += hi - lo
        recv_counts[q] = sum(hi - lo for lo, hi in _overlap(wanted, int(src_flat[q]), int(src_flat[q + 1])))
    send = np.concatenate(pieces) if pieces else np.empty(0, a.dtype)
    got = exchange(comm, send, send_counts, recv_counts).data  # the wanted intervals, ascending
    local = np.empty(out_dist.local_shape, a.dtype)
    if got.size:
        first = int(out_flat[me]) % size  # where this rank's output starts in the period it received
        start = first - wanted[0][0] if len(wanted) == 1 else wanted[0][1]
        _periodic_fill(local.reshape(-1), got, start)
    return DistArray._new(local, out_dist)


# --------------------------------------------------------------------------
# tri, ix_, require
# --------------------------------------------------------------------------


@implements(np.tri)
def tri(N, M=None, k=0, dtype=float, *, like=None):
    """``np.tri(N, M, k, dtype, like=d)``: ones at and below the ``k``-th diagonal, rows in blocks on ``d``'s ranks.

    Each rank computes its own rows (no communication).
    """
    comm = like.comm if isinstance(like, DistArray) else _comm.get_comm(None)
    if M is None:
        M = N
    rows = np.arange(N)  # NumPy's own reading of N, M and k (one axis long, not the matrix)
    cols = np.arange(-k, M - k)
    dist = Distribution.row_blocks(comm, (rows.size, cols.size))
    lo, hi = dist.maps[0].bounds[dist.rank], dist.maps[0].bounds[dist.rank + 1]
    return DistArray._new(np.greater_equal.outer(rows[lo:hi], cols).astype(dtype, copy=False), dist)


def _numpy_vector(x) -> np.ndarray:
    """A NumPy ``ix_`` argument as NumPy reads it (an empty sequence becomes intp)."""
    if isinstance(x, np.ndarray):
        return x
    x = np.asarray(x)
    return x.astype(np.intp) if x.size == 0 else x


@implements(np.ix_)
def ix_(*args):
    """``np.ix_``: open-mesh index arrays; a DistArray vector stays distributed along its own axis.

    Boolean vectors become their ``nonzero`` indices (distributed for a
    DistArray).  NumPy arguments give NumPy results, as NumPy computes them.
    """
    n = len(args)
    vectors = [x if isinstance(x, DistArray) else _numpy_vector(x) for x in args]
    for x in vectors:  # every argument is checked before any message
        if x.ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
    out = []
    for k, x in enumerate(vectors):
        if np.issubdtype(x.dtype, np.bool_):
            x = nonzero(x)[0]
        if isinstance(x, DistArray):
            out.append(expand_dims(x, tuple(i for i in range(n) if i != k)) if n > 1 else x)
        else:
            out.append(x.reshape((1,) * k + (x.size,) + (1,) * (n - k - 1)))
    return tuple(out)


_FLAGS = {"C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C", "F": "F", "F_CONTIGUOUS": "F", "FORTRAN": "F",
          "A": "A", "ALIGNED": "A", "W": "W", "WRITEABLE": "W", "O": "O", "OWNDATA": "O", "E": "E",
          "ENSUREARRAY": "E"}
_FLAG_NAMES = {"C": "C_CONTIGUOUS", "F": "F_CONTIGUOUS", "A": "ALIGNED", "W": "WRITEABLE", "O": "OWNDATA"}


@implements(np.require)
def require(a, dtype=None, requirements=None, *, like=None):
    """``np.require(a, dtype, requirements, like=d)``: a DistArray meeting the requirements on every block.

    NumPy dispatches ``np.require`` only through ``like=``.  A NumPy ``a`` is
    distributed on ``d``'s ranks (default layout).  The flags ``C``, ``F``,
    ``A``, ``W`` and ``O`` are those of the local blocks: when any rank's
    block misses one, every rank copies its block (in the order asked).  A
    DistArray is numpy_dist's base array type, so ``E`` (ensure a base-class
    array) never gathers into a NumPy array.

    Returns
    -------
    DistArray
        ``a`` itself (cast when ``dtype`` differs) when every block already
        meets the requirements, else a copy.
    """
    if not isinstance(a, DistArray):
        comm = like.comm if isinstance(like, DistArray) else None
        a = asarray(a, dtype=dtype, comm=comm)
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    if not requirements:
        return a
    flags = {_FLAGS[x.upper()] for x in requirements}  # NumPy's KeyError for an unknown one
    flags.discard("E")
    if flags >= {"C", "F"}:
        raise ValueError('Cannot specify both "C" and "F" order')
    order = "C" if "C" in flags else "F" if "F" in flags else "A"
    missing = any(not a.local.flags[_FLAG_NAMES[f]] for f in flags)
    if a.comm.Get_size() > 1:
        missing = bool(_comm.allreduce_array(a.comm, np.array([missing], np.int64), op="max")[0])
    if not missing:
        return a
    return DistArray._new(np.array(a.local, order=order, copy=True), a.distribution)
