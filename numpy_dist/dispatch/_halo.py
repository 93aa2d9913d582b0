"""Halos along one axis: each rank's block widened to a window of neighbouring lines.

Stencil-like functions (convolve, gradient, sliding windows, unwrap, trapezoid) need,
besides their own block along an axis, a few lines held by the neighbours.  The
window of every grid coordinate along the axis is a function of global metadata
only, so every rank knows every other rank's window and no size is negotiated.
The widened blocks are themselves a valid layout (the windows laid end to end, a
longer "stretched" axis), which lets a second axis be widened after the first
(corners included) by the same call.

Communication: one request/response exchange of the missing lines within the
axis's process group (8 bytes of position per line, then the lines); nothing when
the axis is not distributed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, NoDistMap
from ..redistribute import gather_points

__all__ = ["blocked", "block_bounds", "grid_extent", "stretch", "clip_ranges", "output_layout"]


def blocked(x: DistArray, axis: int) -> DistArray:
    """``x`` with ``axis`` held in contiguous ascending blocks (one move when cyclic or unstructured)."""
    dist = x.distribution
    if dist.is_block_aligned_axis(axis):
        return x
    maps = list(dist.maps)
    maps[axis] = BlockMap(dist.shape[axis], dist.maps[axis].grid_size)
    return x.to_layout(dist.with_maps(maps, dist.axis_grid))


def grid_extent(dist: Distribution, axis: int) -> int:
    """Number of grid coordinates ``axis`` is split over (1 when it is not distributed)."""
    g = dist.axis_grid[axis]
    return 1 if g is None else dist.proc_grid[g]


def block_bounds(dist: Distribution, axis: int) -> np.ndarray:
    """Start of every grid coordinate's block along a block-aligned ``axis``, and the length at the end."""
    m = dist.maps[axis]
    G = grid_extent(dist, axis)
    return np.array([m.local_slice(q).start if G > 1 else 0 for q in range(G)] + [m.size], dtype=np.int64)


def clip_ranges(ranges: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Each ``(lo, hi)`` clipped to ``[0, n)`` (empty ranges kept at their clipped start)."""
    out = []
    for lo, hi in ranges:
        lo = min(max(int(lo), 0), n)
        out.append((lo, max(lo, min(int(hi), n))))
    return out


def _missing_lines(x: DistArray, axis: int, lo: int, hi: int) -> np.ndarray:
    """Lines ``[lo, hi)`` of ``axis`` that lie outside this rank's block, fetched from their owners (collective)."""
    dist = x.distribution
    own = dist.maps[axis].local_slice(dist.axis_coord(axis))
    s, e = own.start, own.stop
    wanted = np.concatenate([np.arange(lo, min(hi, s)), np.arange(max(lo, e), hi)]).astype(np.int64)
    perm = [axis] + [i for i in range(dist.ndim) if i != axis]
    moved = np.moveaxis(x.local, axis, 0)
    return gather_points(moved, dist.select_axes(perm), wanted.reshape(-1, 1), None, local_points=True)


def stretch(x: DistArray, axis: int, ranges: Sequence[tuple[int, int]]) -> DistArray:
    """The windows ``ranges[q]`` of ``axis`` (one per grid coordinate ``q``), laid end to end.

    Parameters
    ----------
    x : DistArray
        Block-aligned along ``axis`` (see :func:`blocked`).
    axis : int
        Non-negative axis.
    ranges : sequence of (int, int)
        Global ``[lo, hi)`` along ``axis`` wanted by each grid coordinate,
        already clipped to the axis (see :func:`clip_ranges`); the same on
        every rank.

    Returns
    -------
    DistArray
        Global length ``sum(hi - lo)`` along ``axis``; this rank's block is
        ``x[..., lo:hi, ...]`` of its own window (other axes unchanged).
        Collective over the axis's process group.
    """
    dist = x.distribution
    G = grid_extent(dist, axis)
    lo, hi = ranges[dist.axis_coord(axis)]
    own = dist.maps[axis].local_slice(dist.axis_coord(axis))
    s, e = own.start, own.stop
    key = [slice(None)] * dist.ndim
    if G == 1:
        key[axis] = slice(lo - s, hi - s)
        local = x.local[tuple(key)]
    else:
        got = _missing_lines(x, axis, lo, hi)
        n_left = max(0, min(hi, s) - lo)
        key[axis] = slice(max(lo, s) - s, max(max(lo, s), min(hi, e)) - s)
        parts = [np.moveaxis(got[:n_left], 0, axis), x.local[tuple(key)], np.moveaxis(got[n_left:], 0, axis)]
        local = np.concatenate(parts, axis=axis)
    lengths = [h - l_ for l_, h in ranges]
    total = int(sum(lengths))
    maps = list(dist.maps)
    if G == 1:
        maps[axis] = NoDistMap(total) if dist.axis_grid[axis] is None else BlockMap(total, 1)
    else:
        maps[axis] = BlockMap(total, G, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
    return DistArray._new(local, dist.with_maps(maps, dist.axis_grid))


def output_layout(dist: Distribution, axis: int, n_out: int, bounds: np.ndarray) -> Distribution:
    """``dist`` with ``axis`` replaced by ``n_out`` elements in blocks at ``bounds`` (one per grid coordinate)."""
    maps = list(dist.maps)
    if dist.axis_grid[axis] is None:
        maps[axis] = NoDistMap(n_out)
    else:
        maps[axis] = BlockMap(n_out, grid_extent(dist, axis), bounds)
    return dist.with_maps(maps, dist.axis_grid)
