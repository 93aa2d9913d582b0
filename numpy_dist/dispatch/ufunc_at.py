"""``ufunc.at(a, indices, b)``: unbuffered in-place updates, with distributed targets, indices or values.

Three cases, by where the data lives:

* a DistArray target, indices and values held whole (NumPy): every rank
  applies the updates to the elements it owns; nothing moves.
* a DistArray target, distributed indices and/or values: each update
  (its position in NumPy's order, the target element, its value) is sent to
  the rank owning the target element in one all-to-all; each owner sorts what
  it received by position and applies NumPy's ``ufunc.at`` to its block, so
  repeated indices apply in NumPy's order (exact for subtract, divide, power).
* a NumPy target (the same array on every rank, e.g. ``np.add.at(np.zeros((k,
  d)), labels, X)`` with distributed ``labels`` and ``X``): for an
  associative, commutative ufunc (:data:`~numpy_dist.dispatch.ufunc_reduce.ASSOCIATIVE`)
  each rank applies its updates to a copy (the target itself for idempotent
  ufuncs such as maximum, the identity otherwise) and the copies are combined
  by the ufunc in one allreduce; any other ufunc relays the target from rank
  to rank in position order, each rank applying its updates in turn.  The
  caller's array is written in place, identically on every rank.

Differences from NumPy: with a NumPy target a float ``add``/``multiply``
adds up each rank's updates first and then applies the total (NumPy applies
them one after another), so the result can differ in the last bits; integer
and idempotent ufuncs are exact.  Out-of-bounds indices raise IndexError on
every rank before any element changes, as in NumPy.  Boolean DistArray masks
and indices mixing DistArrays with slices are read whole
(:func:`~numpy_dist.dispatch.fallback.gathered_operand`: silently when small).

Communication: none for replicated indices and values (one agreement on the
local update's errors); otherwise one ``Alltoall`` of counts and one
``Alltoallv`` of the updates (two int64 and one value per update) for a
DistArray target; for a NumPy target one ``Allreduce`` of the target's size,
or an exchange of the updates into position order, ``P - 1`` point-to-point
messages of the target and one broadcast of it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..exchange import exchange
from ..maps import BlockMap
from ._combine import global_flat_index
from .fallback import gathered_operand, ufunc_fallback
from .operands import template_distribution
from .registry import qualified_name
from .ufunc_reduce import ASSOCIATIVE

__all__ = ["ufunc_at"]


def ufunc_at(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> None:
    """``ufunc.at(a, indices, b=None)`` with any of ``a``, ``indices``, ``b`` a DistArray."""
    a, indices = inputs[0], inputs[1]
    b = inputs[2] if len(inputs) > 2 else None
    if ufunc.nin == 2 and b is None:
        raise ValueError("second operand needed for ufunc")
    if ufunc.nin == 1 and b is not None:
        raise ValueError("second operand provided when ufunc is unary")
    name = qualified_name(ufunc, "at")
    if isinstance(indices, DistArray) and (indices.dtype == bool or indices.ndim == 0):
        indices = gathered_operand(indices, name)  # a mask (or a 0-d index): read whole, as NumPy needs it
    elif isinstance(indices, tuple) and not _all_integer_arrays(indices):
        indices = tuple(gathered_operand(i, name) for i in indices)
    if isinstance(b, DistArray) and not _distributed_index(indices) and b.shape != _selection_shape(a, indices):
        b = gathered_operand(b, name)  # a broadcast DistArray of values (small: a row, a scalar)
    if _has_objects(a, b):
        return ufunc_fallback(ufunc, "at", inputs, kwargs)
    dist_in = _distributed_index(indices) or isinstance(b, DistArray)
    if not isinstance(a, DistArray) and not dist_in:
        return ufunc.at(a, indices, *([] if b is None else [b]))
    _probe_at_types(ufunc, a.dtype, b)  # NumPy resolves the loop before it looks at the indices
    if isinstance(a, DistArray) and not dist_in:
        return _at_replicated(ufunc, a, indices, b)
    if not isinstance(a, (DistArray, np.ndarray)) or a.ndim == 0:
        return ufunc_fallback(ufunc, "at", inputs, kwargs)
    if isinstance(a, np.ndarray) and not a.flags.writeable:
        raise ValueError("output array is read-only")
    comm = (b if isinstance(b, DistArray) else _first_dist(indices)).comm
    if isinstance(a, DistArray) and a.comm != comm:
        raise ValueError("operands live on different communicators")
    updates = _local_updates(comm, a.shape, indices, b)
    if isinstance(a, DistArray):
        return _at_owners(ufunc, a, updates, b)
    return _at_numpy_target(ufunc, a, comm, updates, b)


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def _has_objects(a: Any, b: Any) -> bool:
    return getattr(a, "dtype", None) == object or getattr(b, "dtype", None) == object


def _all_integer_arrays(indices: tuple) -> bool:
    """An index tuple this module routes natively: integer arrays (DistArrays among them) and ints."""
    for i in indices:
        if isinstance(i, DistArray):
            if i.dtype.kind not in "iu":
                return False
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            continue
        elif not (isinstance(i, np.ndarray) and i.dtype.kind in "iu"):
            return False  # (a float DistArray index among integer ones: NumPy's IndexError after the gather)
    return True


def _distributed_index(indices: Any) -> bool:
    if isinstance(indices, tuple):
        return any(isinstance(i, DistArray) for i in indices)
    return isinstance(indices, DistArray)


def _first_dist(indices: Any) -> DistArray:
    return next(i for i in (indices if isinstance(indices, tuple) else (indices,)) if isinstance(i, DistArray))


def _selection_shape(a: Any, indices: Any) -> tuple[int, ...] | None:
    """The shape ``a[indices]`` has (NumPy index, from a zero-memory stand-in), or None when NumPy refuses it."""
    try:
        return np.broadcast_to(np.empty((), np.int8), np.shape(a))[indices].shape
    except (IndexError, TypeError, ValueError):
        return None


def _probe_at_types(ufunc: np.ufunc, dtype: np.dtype, b: Any) -> None:
    """NumPy's type errors of ``ufunc.at`` on an array of ``dtype``: an empty update of a stand-in."""
    if dtype == object or ufunc.nin != 2 or b is None:
        return
    if isinstance(b, DistArray):
        b = np.empty(0, b.dtype)
    elif isinstance(b, np.ndarray) or not np.isscalar(b):
        b = np.asarray(b)
        if b.dtype == object:
            return
        b = b.reshape(-1)[:0]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        ufunc.at(np.zeros(1, dtype), np.zeros(0, np.intp), b)


# --------------------------------------------------------------------------
# Replicated indices and values: each rank applies what it owns
# --------------------------------------------------------------------------


def _at_replicated(ufunc: np.ufunc, a: DistArray, indices: Any, b: Any) -> None:
    if a.ndim == 0:  # replicated: every rank applies the same update (and NumPy's index errors)
        _comm.agreed_call(a.comm, lambda: ufunc.at(a.local, indices, *([] if b is None else [b])), fp=ufunc.__name__)
        return None
    dist = a.distribution
    # NumPy's own indexing on a zero-memory broadcast grid of global coordinates
    # gives the global coordinates of every selected element (and NumPy's errors).
    coords = [np.broadcast_to(c, a.shape)[indices] for c in np.indices(a.shape, sparse=True)]
    sel_shape = coords[0].shape
    mine = np.ones(sel_shape, dtype=bool)
    for axis, c in enumerate(coords):
        if dist.axis_grid[axis] is not None:
            mine &= dist.maps[axis].owners(c) == dist.axis_coord(axis)
    local_idx = tuple(dist.maps[axis].local_positions(c[mine]) for axis, c in enumerate(coords))
    args: list[Any] = [a.local, local_idx]
    if ufunc.nin == 2:
        args.append(np.broadcast_to(np.asarray(b), sel_shape)[mine])
    _comm.agreed_call(dist.comm, lambda: ufunc.at(*args), fp=ufunc.__name__)
    return None


# --------------------------------------------------------------------------
# Distributed indices or values: this rank's share of the updates
# --------------------------------------------------------------------------


class _Updates:
    """This rank's share of the updates: NumPy-order positions, flat target indices, values (or None)."""

    def __init__(self, pos: np.ndarray, flat: np.ndarray, values: np.ndarray | None, count: int) -> None:
        self.pos, self.flat, self.values = pos, flat, values
        self.count = count  # updates in all (the selection's size)

    def records(self, order: np.ndarray | None = None) -> np.ndarray:
        """The updates as records (``pos``, ``flat``, ``val``) for one exchange."""
        fields = [("pos", np.int64), ("flat", np.int64)]
        if self.values is not None:
            fields.append(("val", self.values.dtype))
        rec = np.empty(self.pos.size, dtype=np.dtype(fields))
        rec["pos"], rec["flat"] = self.pos, self.flat
        if self.values is not None:
            rec["val"] = self.values
        return rec if order is None else rec[order]


def _local_updates(comm: Any, shape: tuple[int, ...], indices: Any, b: Any) -> _Updates:
    """The updates this rank contributes, NumPy's index and shape errors raised on every rank first.

    Each update is one element of the selection ``a[indices]`` (in NumPy's C
    order: its ``pos``), the flat index of the target element it changes,
    and its value when ``b`` is an array (a scalar ``b`` stays a scalar, so
    NEP 50 treats it as NumPy does).
    """
    if _distributed_index(indices):
        dist_q, coords = _dist_index_coords(comm, shape, indices)
    else:
        dist_q = b.distribution
        coords = [np.asarray(c)[dist_q.local_key()] for c in _numpy_index_coords(shape, indices)]
    sel_shape = dist_q.shape
    if isinstance(b, DistArray) or np.ndim(b) > 0:
        if np.broadcast_shapes(np.shape(b), sel_shape) != sel_shape:
            raise ValueError("array is not broadcastable to correct shape")
    pos = global_flat_index(dist_q, tuple(range(dist_q.ndim))).reshape(-1)
    values = None
    if isinstance(b, DistArray) or np.ndim(b) > 0:
        values = np.broadcast_to(aligned_block(b if isinstance(b, DistArray) else np.asarray(b), dist_q),
                                 dist_q.local_shape).reshape(-1)
    flat = np.ravel_multi_index([c.reshape(-1) for c in coords], shape) if shape else np.zeros(pos.size, np.int64)
    if any(dist_q.coords[g] for g in dist_q.replicated_dims):  # one copy of replicated updates counts
        keep = np.zeros(pos.size, bool)
        pos, flat, values = pos[keep], flat[keep], None if values is None else values[keep]
    return _Updates(pos.astype(np.int64), np.asarray(flat, np.int64), values, int(np.prod(sel_shape, dtype=np.int64)))


def _numpy_index_coords(shape: tuple[int, ...], indices: Any) -> list[np.ndarray]:
    """Global coordinates of every element of ``a[indices]``: NumPy's indexing on a zero-memory grid."""
    return [np.broadcast_to(c, shape)[indices] for c in np.indices(shape, sparse=True)]


def _dist_index_coords(comm: Any, shape: tuple[int, ...], indices: Any) -> tuple[Distribution, list[np.ndarray]]:
    """(the selection's layout, this rank's target coordinates) for integer index arrays, some distributed.

    The selection ``a[i0, i1, ...]`` has the broadcast shape of the index
    arrays followed by ``a``'s remaining axes, laid out like the (first)
    distributed index with the remaining axes whole.
    """
    parts = indices if isinstance(indices, tuple) else (indices,)
    for i in parts:
        if isinstance(i, DistArray) and i.dtype.kind not in "iu":
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
    if len(parts) > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, but {len(parts)} "
                         "were indexed")
    try:
        idx_shape = np.broadcast_shapes(*[np.shape(i) for i in parts])
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         + " ".join(str(np.shape(i)) for i in parts)) from None
    dists = [i for i in parts if isinstance(i, DistArray)]
    if any(d.comm != comm for d in dists):
        raise ValueError("operands live on different communicators")
    dist_i = dists[0].distribution if dists[0].shape == idx_shape else template_distribution(idx_shape, dists)
    trailing = shape[len(parts):]
    dist_q = dist_i.extended(trailing)
    local_i = dist_i.local_shape
    blocks = [aligned_block(i, dist_i) for i in parts]  # (collective: before the local, failing part)

    def coords() -> list[np.ndarray]:
        out = []
        for axis, block in enumerate(blocks):
            c = np.broadcast_to(block, local_i).astype(np.int64)
            n = shape[axis]
            bad = c[(c < -n) | (c >= n)]
            if bad.size:
                raise IndexError(f"index {bad[0]} is out of bounds for axis {axis} with size {n}")
            out.append(np.where(c < 0, c + n, c).reshape(local_i + (1,) * len(trailing)))
        for k, n in enumerate(trailing):
            out.append(np.arange(n).reshape((1,) * (len(local_i) + k) + (n,) + (1,) * (len(trailing) - k - 1)))
        return [np.broadcast_to(c, dist_q.local_shape) for c in out]

    return dist_q, _comm.agreed_call(comm, coords)


# --------------------------------------------------------------------------
# Applying the updates
# --------------------------------------------------------------------------


def _apply_local(ufunc: np.ufunc, target: np.ndarray, flat: np.ndarray, values: Any, shape: tuple) -> None:
    idx = np.unravel_index(flat, shape) if shape else ()
    ufunc.at(target, idx, *([] if values is None else [values]))


def _at_owners(ufunc: np.ufunc, a: DistArray, updates: _Updates, b: Any) -> None:
    """Send every update to the ranks owning its target element (one exchange); apply them in order there."""
    dist = a.distribution
    coords = np.unravel_index(updates.flat, a.shape)
    stride = np.cumprod((1,) + tuple(dist.proc_grid[::-1]))[:-1][::-1]  # C order over the grid
    dest = np.zeros(updates.pos.size, np.int64)
    for axis, g in enumerate(dist.axis_grid):
        if g is not None:
            dest += dist.maps[axis].owners(coords[axis]) * stride[g]
    copies = 1
    for g in dist.replicated_dims:  # every copy of a replicated block gets the update
        dest = np.concatenate([dest + k * stride[g] for k in range(dist.proc_grid[g])])
        copies *= dist.proc_grid[g]
    order = np.argsort(dest, kind="stable")
    rec = np.tile(updates.records(), copies)[order] if copies > 1 else updates.records(order)
    got = exchange(dist.comm, rec, np.bincount(dest, minlength=dist.comm.Get_size())).data
    got = got[np.argsort(got["pos"], kind="stable")]  # NumPy's order for repeated elements
    local_shape = dist.local_shape
    g_coords = np.unravel_index(got["flat"], a.shape)
    local_flat = np.ravel_multi_index([dist.maps[ax].local_positions(c) for ax, c in enumerate(g_coords)],
                                      local_shape) if got.size else np.zeros(0, np.int64)
    values = got["val"] if updates.values is not None else b
    _comm.agreed_call(dist.comm, lambda: _apply_local(ufunc, a.local, local_flat, values, local_shape),
                      fp=ufunc.__name__)
    return None


def _at_numpy_target(ufunc: np.ufunc, a: np.ndarray, comm: Any, updates: _Updates, b: Any) -> None:
    """Apply distributed updates to a NumPy array held (identically) by every rank, in place."""
    values = updates.values if updates.values is not None else b
    if ufunc in ASSOCIATIVE and a.dtype.kind in "biufc" and a.size:
        idempotent = ASSOCIATIVE[ufunc]
        if not idempotent and ufunc.identity is None:  # pragma: no cover - every such row has one
            return _relay_target(ufunc, a, comm, updates, b)
        start = a.copy() if idempotent else np.full(a.shape, _neutral(ufunc, a.dtype), a.dtype)
        buf = _comm.agreed_call(comm, lambda: _applied(ufunc, start, updates.flat, values), fp=ufunc.__name__)
        total = _comm.allreduce_with(comm, buf, lambda x, y: ufunc(x, y, dtype=a.dtype))
        if idempotent:
            np.copyto(a, total)
        else:  # (on every rank alike: the same target, the same total)
            with np.errstate(all="ignore"):
                ufunc(a, total, out=a, dtype=a.dtype)
        return None
    return _relay_target(ufunc, a, comm, updates, b)


def _neutral(ufunc: np.ufunc, dtype: np.dtype) -> Any:
    """The ufunc's identity, as -0.0 for a float sum: ``x + -0.0`` is ``x`` even for ``x = -0.0``."""
    return -0.0 if ufunc is np.add and dtype.kind in "fc" else ufunc.identity


def _applied(ufunc: np.ufunc, target: np.ndarray, flat: np.ndarray, values: Any) -> np.ndarray:
    _apply_local(ufunc, target, flat, values, target.shape)
    return target


def _relay_target(ufunc: np.ufunc, a: np.ndarray, comm: Any, updates: _Updates, b: Any) -> None:
    """Updates moved into position order (blocks of positions by rank), then the target relayed through them."""
    size = comm.Get_size()
    dest = BlockMap(updates.count, size).owners(updates.pos) if updates.pos.size else np.zeros(0, np.int64)
    order = np.argsort(dest, kind="stable")
    got = exchange(comm, updates.records(order), np.bincount(dest, minlength=size)).data
    got = got[np.argsort(got["pos"], kind="stable")]
    values = got["val"] if updates.values is not None else b

    def step(carry: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        target = a.copy() if carry is None else carry
        _apply_local(ufunc, target, got["flat"], values, a.shape)
        return target, target

    result = _comm.agreed_call(comm, lambda: _comm.relay(comm, step), fp=ufunc.__name__)
    last = size - 1
    result = _comm.bcast_buffer(comm, np.ascontiguousarray(result) if comm.Get_rank() == last
                                else np.empty(a.shape, a.dtype), root=last)
    np.copyto(a, result)
    return None
