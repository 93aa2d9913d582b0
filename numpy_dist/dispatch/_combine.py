"""Combining per-rank partial results, deterministically and in grid order.

Partials are exchanged within a grid sub-communicator (one allgather of a
packed byte buffer) and every rank of the group combines them in rank
order, so all ranks hold bit-identical results.  Loops here run over the
ranks of a group, never over elements.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .. import comm as _comm

__all__ = ["allgather_packed", "chan_combine", "chan_merge", "combine_arg", "global_flat_index"]


def allgather_packed(sub, *arrays: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Allgather several arrays (same shapes and dtypes on every rank of ``sub``) in one message."""
    arrays = tuple(np.ascontiguousarray(a) for a in arrays)
    if sub.Get_size() == 1:
        return [arrays]
    packed = np.concatenate([a.reshape(-1).view(np.uint8) for a in arrays]) if arrays else np.empty(0, np.uint8)
    everyone = _comm.allgather_array(sub, packed)
    out = []
    for buf in everyone:
        parts, offset = [], 0
        for a in arrays:
            parts.append(buf[offset:offset + a.nbytes].view(a.dtype).reshape(a.shape))
            offset += a.nbytes
        out.append(tuple(parts))
    return out


def chan_combine(sub, n: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combine per-rank (count, mean, M2) pairwise in rank order (Chan, Golub & LeVeque 1979).

    ``delta = mean_b - mean_a``; ``M2 = M2_a + M2_b + |delta|^2 n_a n_b / n``.
    """
    return chan_merge(allgather_packed(sub, n, mean, m2))


def chan_merge(parts: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combine a list of (count, mean, M2) in order, as :func:`chan_combine` combines ranks' (local)."""
    N, M, S = (np.array(x, copy=True) for x in parts[0])
    M = M.astype(np.result_type(M.dtype, np.float64), copy=False)
    S = S.astype(np.result_type(S.dtype, np.float64), copy=False)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for nb, mb, sb in parts[1:]:
            total = N + nb
            safe = np.where(total == 0, 1, total)
            delta = mb - M
            newM = M + delta * (nb / safe)
            sq = (delta * np.conjugate(delta)).real if np.iscomplexobj(delta) else delta * delta
            newS = S + sb + sq * (N * nb / safe)
            # An empty side contributes nothing (its placeholder mean must not meet an inf here).
            M = np.where(nb == 0, M, np.where(N == 0, mb, newM))
            S = np.where(nb == 0, S, np.where(N == 0, sb, newS))
            N = total
    return N, M, S


def _is_nan(x: np.ndarray) -> np.ndarray | None:
    """Where ``x`` holds NaN (floats) or NaT (datetimes), which win min/max as in NumPy; None: no such values."""
    if x.dtype.kind in "fc":
        return np.isnan(x)
    if x.dtype.kind in "mM":
        return np.isnat(x)
    return None


def _better(v: np.ndarray, best: np.ndarray, kind: str) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # (complex NaN comparisons warn; NaNs are decided below)
        strictly = (v < best) if kind == "min" else (v > best)
    nan_v, nan_b = _is_nan(v), _is_nan(best)
    if nan_v is None:
        return strictly
    return (nan_v & ~nan_b) | (strictly & ~nan_b)


def _equal(v: np.ndarray, best: np.ndarray) -> np.ndarray:
    nan_v, nan_b = _is_nan(v), _is_nan(best)
    if nan_v is None:
        return v == best
    return (v == best) | (nan_v & nan_b)


def _local(local: np.ndarray, gidx: np.ndarray, axes: tuple, kind: str, skipnan: bool):
    """(best value, smallest global index attaining it) per output position; index -1 = none here."""
    kshape = tuple(1 if i in axes else n for i, n in enumerate(local.shape))
    if any(local.shape[i] == 0 for i in axes):
        return np.zeros(kshape, local.dtype), np.full(kshape, -1, np.int64)
    if skipnan and local.dtype.kind in "fc":
        # NumPy's nanargmax/nanargmin replace NaN by -inf/+inf: a NaN before an equal infinity wins.
        local = np.where(np.isnan(local), np.inf if kind == "min" else -np.inf, local)
    reduce = np.minimum if kind == "min" else np.maximum
    value = reduce.reduce(local, axis=axes, keepdims=True)
    mask = _equal(local, value)
    big = np.iinfo(np.int64).max
    index = np.asarray(np.where(mask, gidx, big).min(axis=axes, keepdims=True)).astype(np.int64)
    if local.dtype.kind == "c" and not skipnan:
        # Complex NaNs differ (nan+1j, 1+nanj): the value is the element at the first global index,
        # not the first NaN in local order (which an unstructured axis does not keep).
        value = _at_first(local, np.where(mask, gidx, big), axes)
    index[index == big] = -1
    return value, index


def _at_first(local: np.ndarray, keys: np.ndarray, axes: tuple) -> np.ndarray:
    """The element of ``local`` with the smallest key over ``axes`` (keepdims shape)."""
    others = [i for i in range(local.ndim) if i not in axes]
    order = others + sorted(axes)
    kshape = tuple(1 if i in axes else n for i, n in enumerate(local.shape))
    lead = tuple(local.shape[i] for i in others) + (int(np.prod([local.shape[i] for i in axes])),)
    flat = np.transpose(local, order).reshape(lead)
    pos = np.transpose(keys, order).reshape(lead).argmin(axis=-1)[..., None]
    return np.take_along_axis(flat, pos, axis=-1).reshape(kshape)


def global_flat_index(dist, axes: tuple[int, ...]) -> np.ndarray:
    """Flat C index over the reduced ``axes`` of every local element (broadcast to the local shape)."""
    local_shape = dist.local_shape
    axes = tuple(sorted(axes))
    if not axes:
        return np.zeros(local_shape, np.int64)
    grids = np.meshgrid(*[dist.local_indices(i) for i in axes], indexing="ij")
    flat = np.ravel_multi_index(grids, tuple(dist.shape[i] for i in axes)) if grids[0].size else grids[0]
    shape = [1] * dist.ndim  # the reduced axes in place, the others broadcast
    for i in axes:
        shape[i] = local_shape[i]
    return np.broadcast_to(np.asarray(flat, np.int64).reshape(shape), local_shape)


def _across(sub, value: np.ndarray, index: np.ndarray, kind: str, skipnan: bool):
    """Combine (value, index) partials of a group in rank order; first occurrence wins ties."""
    parts = allgather_packed(sub, value, index)
    best_v, best_i = (np.array(x, copy=True) for x in parts[0])
    for v, i in parts[1:]:
        take = (i >= 0) & ((best_i < 0) | _better(v, best_v, kind) | (_equal(v, best_v) & (i < best_i)))
        best_v = np.where(take, v, best_v)
        best_i = np.where(take, i, best_i)
    return best_v, best_i


combine_arg = SimpleNamespace(local=_local, across=_across)
