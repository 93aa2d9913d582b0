"""The redistribution engine: any distribution to any other in one Alltoallv.

Distributions are tensor products of per-axis maps, so the block that rank
``s`` (old layout) must send to rank ``q`` (new layout) is the product of
per-axis intersections: along each axis, the indices ``s`` holds whose new
owner coordinate is ``q``'s.  Those intersections are computed with
vectorised map arithmetic (no loop over elements); the only Python loops are
over ranks.  Elements that keep their owner are copied locally, not sent.

Replication is handled on both sides: a block replicated on several old
ranks is sent by one of them (the destination itself when it is a replica,
otherwise the replica with index ``q % R``), and a block replicated on
several new ranks is sent to each of them.

Plans are cached per (old, new) distribution pair.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import comm as _comm
from .distribution import Distribution
from .exchange import exchange

__all__ = ["redistribute_local", "redistribute_pieces", "plan_for", "distribution_from_dim_data"]

_PLAN_CACHE: OrderedDict = OrderedDict()


def distribution_from_dim_data(comm: Any, dim_data: Sequence[dict]) -> Distribution:
    """Collective: the distribution whose rank-local ``dim_data`` each rank passes.

    The global layout (bounds, unstructured indices) is assembled from every
    rank's part with one allgather (control traffic); see
    :meth:`Distribution.from_dim_data_per_rank` for the local assembly.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> d = nd.Distribution(None, (5, 3))
    >>> distribution_from_dim_data(d.comm, d.dim_data()) == d
    True
    """
    comm = _comm.resolve_comm(comm)
    everyone = _comm.allgather_object(comm, [dict(d) for d in dim_data])
    return Distribution.from_dim_data_per_rank(comm, everyone)
_PLAN_CACHE_SIZE = 64


@dataclass
class _Plan:
    send_keys: list  # per destination rank: index into my old block, or None
    send_counts: np.ndarray  # elements per destination
    recv_keys: list  # per source rank: index into my new block, or None
    recv_shapes: list  # per source rank: shape of the received sub-block
    recv_counts: np.ndarray  # elements per source
    self_send: tuple | None  # (old key, new key) for the part that stays here


def _index(sel: np.ndarray):
    """A slice when the positions are a contiguous ascending run (faster than fancy indexing)."""
    if sel.size == 0:
        return slice(0, 0)
    if sel[-1] - sel[0] + 1 == sel.size and (sel.size < 3 or np.all(np.diff(sel) == 1)):
        return slice(int(sel[0]), int(sel[-1]) + 1)
    return sel


def replica_info(dist: Distribution, rank: int) -> tuple[int, int, tuple]:
    """(replica index of ``rank``, number of replicas, coordinates along non-replicated dims)."""
    coords = dist.rank_coords(rank)
    rep = dist.replicated_dims
    if not rep:
        return 0, 1, coords
    rep_shape = tuple(dist.proc_grid[d] for d in rep)
    k = int(np.ravel_multi_index(tuple(coords[d] for d in rep), rep_shape))
    other = tuple(c for d, c in enumerate(coords) if d not in rep)
    return k, int(np.prod(rep_shape)), other


def _is_sender(src: Distribution, s: int, q: int) -> bool:
    """Is old-layout rank ``s`` the one that sends its block's share to new rank ``q``?"""
    ks, nrep, block_s = replica_info(src, s)
    if nrep == 1:
        return True
    _, _, block_q = replica_info(src, q)
    if block_q == block_s:  # q holds this very block already: it serves itself
        return s == q
    return ks == q % nrep


def _range_of(m, p: int) -> tuple[int, int] | None:
    """(first, stop) global indices of coordinate ``p`` when its block is one ascending run, else None."""
    sl = m.local_slice(p)
    if sl is None or (sl.step not in (None, 1)):
        return None
    return sl.start, sl.stop


def _axis_plan(src: Distribution, dst: Distribution, axis: int, s: int, q: int) -> tuple:
    """Along one axis: (positions in ``s``'s old block, positions in ``q``'s new block) of the
    elements that move from ``s`` to ``q``.  Slices when both blocks are ascending runs (block
    layouts: no per-element arrays), index arrays otherwise."""
    sm, dm = src.maps[axis], dst.maps[axis]
    ps, pq = src.axis_coord(axis, s), dst.axis_coord(axis, q)
    old, new = _range_of(sm, ps), _range_of(dm, pq)
    if old is not None and new is not None:
        lo, hi = max(old[0], new[0]), min(old[1], new[1])
        if hi <= lo:
            return slice(0, 0), slice(0, 0), 0
        return slice(lo - old[0], hi - old[0]), slice(lo - new[0], hi - new[0]), hi - lo
    gidx = src.local_indices(axis, s)
    if dst.axis_grid[axis] is None:
        sel = np.arange(gidx.size, dtype=np.int64)
    else:
        sel = np.flatnonzero(dm.owners(gidx) == pq)
    return sel, dm.local_positions(gidx[sel]), int(sel.size)


def _key_of(parts: list) -> tuple:
    """An index from per-axis slices/arrays (outer product when several arrays)."""
    arrays = [p for p in parts if not isinstance(p, slice)]
    if len(arrays) > 1:
        return np.ix_(*[np.arange(p.start, p.stop) if isinstance(p, slice) else p for p in parts])
    return tuple(p if isinstance(p, slice) else _index(p) for p in parts)


def plan_for(src: Distribution, dst: Distribution) -> _Plan:
    """The (cached) send/receive plan of this rank for ``src`` -> ``dst``."""
    key = (src, dst)
    plan = _PLAN_CACHE.get(key)
    if plan is not None:
        _PLAN_CACHE.move_to_end(key)
        return plan
    me, P = src.rank, src.nprocs
    send_keys: list = [None] * P
    recv_keys: list = [None] * P
    recv_shapes: list = [None] * P
    send_counts = np.zeros(P, dtype=np.int64)
    recv_counts = np.zeros(P, dtype=np.int64)
    self_send = None
    for q in range(P):
        if not _is_sender(src, me, q):
            continue
        axes = [_axis_plan(src, dst, a, me, q) for a in range(src.ndim)]
        n = int(np.prod([x[2] for x in axes], dtype=np.int64))
        if n == 0:
            continue
        if q == me:
            self_send = (_key_of([x[0] for x in axes]), _key_of([x[1] for x in axes]))
        else:
            send_keys[q] = _key_of([x[0] for x in axes])
            send_counts[q] = n
    for s in range(P):
        if s == me or not _is_sender(src, s, me):
            continue
        axes = [_axis_plan(src, dst, a, s, me) for a in range(src.ndim)]
        n = int(np.prod([x[2] for x in axes], dtype=np.int64))
        if n == 0:
            continue
        recv_keys[s] = _key_of([x[1] for x in axes])
        recv_shapes[s] = tuple(x[2] for x in axes)
        recv_counts[s] = n
    plan = _Plan(send_keys, send_counts, recv_keys, recv_shapes, recv_counts, self_send)
    _PLAN_CACHE[key] = plan
    if len(_PLAN_CACHE) > _PLAN_CACHE_SIZE:
        _PLAN_CACHE.popitem(last=False)
    return plan


def redistribute_local(local: np.ndarray, src: Distribution, dst: Distribution) -> np.ndarray:
    """This rank's block in layout ``dst`` of the array whose block in ``src`` is ``local``.

    Collective over ``src.comm`` (one Alltoallv, skipped on one rank).
    Both distributions must describe the same global shape on the same
    communicator; the caller checks that.
    """
    if local.dtype.itemsize == 0:  # S0/U0 (empty strings only): no bytes to move; np.empty would widen to 1 char
        return np.ndarray(dst.local_shape, local.dtype)
    out = np.empty(dst.local_shape, dtype=local.dtype)
    kept, received = redistribute_pieces(local, src, dst)
    if kept is not None:
        out[kept[1]] = local[kept[0]]
    for key, piece in received:
        out[key] = piece
    return out


def redistribute_pieces(local: np.ndarray, src: Distribution, dst: Distribution) -> tuple:
    """The pieces of this rank's ``dst`` block, without assembling it (collective, one Alltoallv).

    ``local`` is the ``src`` block, or anything with its ``dtype`` whose
    ``local[key]`` gives the values of a region of it.

    Returns ``(kept, received)``: ``kept`` is ``(old_key, new_key)`` for the
    part this rank already holds (``local[old_key]`` is ``new[new_key]``) or
    None; ``received`` lists ``(new_key, array)`` for the parts that came
    from other ranks.  Elementwise code can work on the pieces in place (a
    shifted stencil operand then costs its halo rows, not a copy of the block).
    """
    plan = plan_for(src, dst)
    received: list = []
    if src.nprocs == 1:
        return plan.self_send, received
    # Pack straight into one send buffer (no per-destination temporaries).
    sendbuf = np.empty(int(plan.send_counts.sum()), dtype=local.dtype)
    offset = 0
    for q, k in enumerate(plan.send_keys):
        if k is not None:
            n = int(plan.send_counts[q])
            part = local[k]  # (read once: ``local`` may compute it, see numpy_dist._shift)
            sendbuf[offset:offset + n].reshape(part.shape)[...] = part
            offset += n
    recv = exchange(src.comm, sendbuf, plan.send_counts, plan.recv_counts).data
    del sendbuf
    offset = 0
    for s, key in enumerate(plan.recv_keys):
        if key is None:
            continue
        n = int(plan.recv_counts[s])
        received.append((key, recv[offset:offset + n].reshape(plan.recv_shapes[s])))
        offset += n
    return plan.self_send, received


# --------------------------------------------------------------------------
# Row requests (fancy indexing along one axis): owner request/response
# --------------------------------------------------------------------------


def _group_by(owner: np.ndarray, nparts: int) -> tuple[np.ndarray, np.ndarray]:
    """Stable order grouping ``owner`` values 0..nparts-1, and the count of each group."""
    order = np.argsort(owner, kind="stable")
    return order, np.bincount(owner, minlength=nparts).astype(np.int64)


def points_grid_dim(dist: Distribution, k: int) -> int | None:
    """Grid dimension a new leading axis takes when the first ``k`` axes are indexed by points."""
    return next((dist.axis_grid[i] for i in range(k) if dist.axis_grid[i] is not None), None)


def _point_plan(dist: Distribution, points: np.ndarray, new_map, local_points: bool = False) -> tuple:
    """This rank's points, their owners' ranks in the sub-communicator, and that communicator.

    With ``local_points`` the given points are already this rank's own
    (``new_map`` is not used to pick them).
    """
    k = points.shape[1]
    g_new = points_grid_dim(dist, k)
    mine = points if local_points or g_new is None else points[new_map.local_slice(dist.coords[g_new])]
    dims = sorted({dist.axis_grid[i] for i in range(k) if dist.axis_grid[i] is not None})
    if not dims or dist.nprocs == 1:
        return mine, None, None
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dims))
    coords = {g: np.zeros(mine.shape[0], np.int64) for g in dims}
    for i in range(k):
        g = dist.axis_grid[i]
        if g is not None:
            coords[g] = dist.maps[i].owners(mine[:, i])
    owner = np.ravel_multi_index([coords[g] for g in dims], [dist.proc_grid[g] for g in dims]) if mine.size \
        else np.zeros(0, np.int64)
    return mine, np.asarray(owner, dtype=np.int64), sub


def _local_positions(dist: Distribution, pts: np.ndarray) -> np.ndarray:
    return np.stack([dist.maps[i].local_positions(pts[:, i]) for i in range(pts.shape[1])], axis=1) \
        if pts.size else np.zeros((0, pts.shape[1]), np.int64)


def gather_points(local: np.ndarray, dist: Distribution, points: np.ndarray, new_map,
                  local_points: bool = False) -> np.ndarray:
    """Local block of ``A[points[:, 0], ..., points[:, k-1]]`` (global, non-negative coordinates).

    The result's new leading axis is laid out by ``new_map`` on the grid
    dimension of the first distributed indexed axis; the other axes keep
    their layout.  Each rank requests its block's points from their owners
    (one Alltoallv of positions, one of rows) within the process group of
    the indexed axes only.  With ``local_points`` each rank passes only its
    own points (for example its block of a distributed index array) and gets
    their values, in order; ``new_map`` is then ignored.
    """
    k = points.shape[1]
    mine, owner, sub = _point_plan(dist, points, new_map, local_points)
    if sub is None:
        return local[tuple(_local_positions(dist, mine).T)]
    order, counts = _group_by(owner, sub.Get_size())
    positions = _local_positions(dist, mine[order]).astype(np.int64)
    wanted, req_counts = exchange(sub, positions, counts)
    got = exchange(sub, local[tuple(wanted.T)], req_counts, counts).data
    out = np.empty((mine.shape[0],) + local.shape[k:], dtype=local.dtype)
    if mine.size:
        out[order] = got
    return out


def scatter_points(local: np.ndarray, dist: Distribution, points: np.ndarray, values_local: np.ndarray,
                   new_map, local_points: bool = False) -> None:
    """``A[points...] = values`` in place; ``values_local`` is this rank's block laid out by ``new_map``.

    Values travel to their owners in global order, so with repeated points
    the last write wins, as in NumPy.  With ``local_points`` each rank passes
    only the points of its own ``values_local`` (``new_map`` is then ignored;
    the points of a process group's ranks, in rank order, are the global order).
    """
    mine, owner, sub = _point_plan(dist, points, new_map, local_points)
    if sub is None:
        local[tuple(_local_positions(dist, mine).T)] = values_local
        return
    order, counts = _group_by(owner, sub.Get_size())
    pos, recv_counts = exchange(sub, _local_positions(dist, mine[order]).astype(np.int64), counts)
    vals = np.ascontiguousarray(values_local[order], dtype=local.dtype)
    got = exchange(sub, vals, counts, recv_counts).data
    if pos.size:
        local[tuple(pos.T)] = got


def scatter_rows(local: np.ndarray, dist: Distribution, rows: np.ndarray, values_local: np.ndarray,
                 new_map, local_points: bool = False) -> None:
    """``scatter_points`` along axis 0 only: ``A[rows] = values``."""
    scatter_points(local, dist, rows.reshape(-1, 1), values_local, new_map, local_points)


# --------------------------------------------------------------------------
# Reshape: elements keep their global C-order position
# --------------------------------------------------------------------------


def _rows_layout(dist: Distribution, shape: tuple[int, ...]) -> Distribution:
    """Block rows over every rank, other axes whole: each rank holds one contiguous C-order flat range."""
    return Distribution.row_blocks(dist.comm, shape)


def _is_rows_layout(dist: Distribution) -> bool:
    return (dist.ndim > 0 and dist.proc_grid == (dist.nprocs,) and dist.axis_grid[0] == 0
            and dist.maps[0].dist_type == "b" and all(g is None for g in dist.axis_grid[1:]))


def _flat_starts(dist: Distribution) -> np.ndarray:
    """First C-order flat index of every rank's block in a rows layout (and the total at the end)."""
    row = int(np.prod(dist.shape[1:], dtype=np.int64))
    return dist.maps[0].bounds.astype(np.int64) * row


def reshape_local(local: np.ndarray, src: Distribution, dst: Distribution) -> np.ndarray:
    """This rank's block of the reshaped array (same size, any shapes and layouts).

    Elements keep their global C-order position.  In a rows layout every rank
    holds one contiguous flat range, so the reshape itself is one Alltoallv
    of contiguous pieces with no index arithmetic per element; other layouts
    are first (and last) moved to rows by the tensor redistribution.  Peak
    memory stays a small multiple of the local share.
    """
    if src.ndim == 0 or dst.ndim == 0:
        full = redistribute_local(local, src, src.replicated(src.shape)).reshape(dst.shape)
        return redistribute_local(full, dst.replicated(dst.shape), dst)
    if not _is_rows_layout(src):
        rows = _rows_layout(src, src.shape)
        local, src = redistribute_local(local, src, rows), rows
    rows_dst = dst if _is_rows_layout(dst) else _rows_layout(dst, dst.shape)
    if src.shape == rows_dst.shape and src == rows_dst:  # already in place (a flat index array, say)
        return local if rows_dst is dst else redistribute_local(local, rows_dst, dst)
    me, P = src.rank, src.nprocs
    a, b = _flat_starts(src), _flat_starts(rows_dst)
    lo, hi = a[me], a[me + 1]
    send = np.clip(np.minimum(hi, b[1:]) - np.maximum(lo, b[:-1]), 0, None)
    recv = np.clip(np.minimum(b[me + 1], a[1:]) - np.maximum(b[me], a[:-1]), 0, None)
    flat = np.ascontiguousarray(local).reshape(-1)
    if P == 1:
        out = flat.copy()
    else:
        out = exchange(src.comm, flat, send, recv).data
    out = out.reshape(rows_dst.local_shape)
    return out if rows_dst is dst else redistribute_local(out, rows_dst, dst)
