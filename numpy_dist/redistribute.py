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
from dataclasses import dataclass

import numpy as np

from . import comm as _comm
from .distribution import Distribution

__all__ = ["redistribute_local", "plan_for"]

_PLAN_CACHE: OrderedDict = OrderedDict()
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


def _key(sels: list[np.ndarray]) -> tuple:
    keys = [_index(s) for s in sels]
    if sum(not isinstance(k, slice) for k in keys) > 1:
        return np.ix_(*sels)
    return tuple(keys)


def _replica_info(dist: Distribution, rank: int) -> tuple[int, int, tuple]:
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
    ks, nrep, block_s = _replica_info(src, s)
    if nrep == 1:
        return True
    _, _, block_q = _replica_info(src, q)
    if block_q == block_s:  # q holds this very block already: it serves itself
        return s == q
    return ks == q % nrep


def _selection(src: Distribution, dst: Distribution, s: int, q: int) -> list[np.ndarray]:
    """Per axis: positions in ``s``'s old block of the elements ``q`` holds in the new layout."""
    sels = []
    for axis in range(src.ndim):
        gidx = src.local_indices(axis, s)
        if dst.axis_grid[axis] is None:
            sels.append(np.arange(gidx.size, dtype=np.int64))
        else:
            own = dst.maps[axis].owners(gidx)
            sels.append(np.flatnonzero(own == dst.axis_coord(axis, q)))
    return sels


def _new_positions(src: Distribution, dst: Distribution, s: int, sels: list[np.ndarray]) -> list[np.ndarray]:
    return [dst.maps[a].local_positions(src.local_indices(a, s)[sel]) for a, sel in enumerate(sels)]


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
        sels = _selection(src, dst, me, q)
        n = int(np.prod([s.size for s in sels], dtype=np.int64))
        if n == 0:
            continue
        if q == me:
            self_send = (_key(sels), _key(_new_positions(src, dst, me, sels)))
        else:
            send_keys[q] = _key(sels)
            send_counts[q] = n
    for s in range(P):
        if s == me or not _is_sender(src, s, me):
            continue
        sels = _selection(src, dst, s, me)
        n = int(np.prod([x.size for x in sels], dtype=np.int64))
        if n == 0:
            continue
        recv_keys[s] = _key(_new_positions(src, dst, s, sels))
        recv_shapes[s] = tuple(x.size for x in sels)
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
    out = np.empty(dst.local_shape, dtype=local.dtype)
    plan = plan_for(src, dst)
    if plan.self_send is not None:
        old_key, new_key = plan.self_send
        out[new_key] = local[old_key]
    if src.nprocs == 1:
        return out
    item = local.dtype.itemsize
    pieces = [np.ascontiguousarray(local[k]).reshape(-1).view(np.uint8)
              for k in plan.send_keys if k is not None]
    sendbuf = np.concatenate(pieces) if pieces else np.empty(0, np.uint8)
    recv = _comm.alltoallv_bytes(src.comm, sendbuf, plan.send_counts * item, plan.recv_counts * item)
    offset = 0
    for s, key in enumerate(plan.recv_keys):
        if key is None:
            continue
        nbytes = int(plan.recv_counts[s]) * item
        out[key] = recv[offset:offset + nbytes].view(local.dtype).reshape(plan.recv_shapes[s])
        offset += nbytes
    return out
