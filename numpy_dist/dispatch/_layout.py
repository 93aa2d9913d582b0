"""Layout helpers shared by the linear-algebra chapters: a DistArray for any operand, one-axis layouts.

The planners of matmul, SUMMA, the decompositions and FFT reason about
layouts with one distributed axis over all ranks; these helpers name them on
top of the :class:`~numpy_dist.distribution.Distribution` constructors.
Everything here is metadata (building layouts, adding or dropping length-1
axes) except :func:`drop_axis` of a distributed axis, which redistributes.

Communication: none, except :func:`drop_axis` of a distributed axis (one Alltoallv).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import asarray
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, Map, NoDistMap

__all__ = ["as_dist", "comm_of", "layout", "is_replicated", "on_all_ranks",
           "axis_layout", "with_axis_map", "insert_axis", "drop_axis"]


def as_dist(x: Any, comm: Any) -> DistArray:
    """A DistArray for ``x``: DistArrays pass; NumPy data becomes a replicated DistArray (no communication)."""
    if isinstance(x, DistArray):
        return x
    x = np.asarray(x)
    return asarray(x, dist=Distribution(comm, x.shape, "n"))


def comm_of(*xs: Any) -> Any:
    """The communicator of the first DistArray among ``xs``, else the default one."""
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
    return Distribution.from_maps(comm, maps, (P,), tuple(grid))


def is_replicated(d: Distribution) -> bool:
    """Does every rank hold the whole array (no distributed axis)?"""
    return all(g is None for g in d.axis_grid)


def on_all_ranks(d: Distribution, axis: int) -> bool:
    """Is ``axis`` the only distributed axis, spread over every rank?"""
    g = d.axis_grid[axis]
    return (g is not None and d.proc_grid[g] == d.nprocs
            and all(h is None for i, h in enumerate(d.axis_grid) if i != axis))


def axis_layout(x: DistArray, axis: int) -> Distribution:
    """``x``'s layout if ``axis`` alone is distributed over all ranks, else ``axis`` in blocks over all ranks."""
    d = x.distribution
    if on_all_ranks(d, axis):
        return d
    return layout(x.comm, x.shape, axis)


def with_axis_map(d: Distribution, axis: int, shape: tuple[int, ...]) -> Distribution:
    """Layout of ``shape`` whose axis ``axis`` uses ``d``'s map of its (only) distributed axis."""
    maps = [NoDistMap(n) for n in shape]
    grid: list[int | None] = [None] * len(shape)
    dims = [i for i, g in enumerate(d.axis_grid) if g is not None]
    if not dims:
        return Distribution.from_maps(d.comm, maps, d.proc_grid, tuple(grid))
    src = dims[0]
    maps[axis] = d.maps[src]
    grid[axis] = d.axis_grid[src]
    return Distribution.from_maps(d.comm, maps, d.proc_grid, tuple(grid))


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
        x = x.to_layout(d.with_maps(maps, tuple(grid)))
        d = x.distribution
    return DistArray._new(np.squeeze(x.local, pos), d.reduced((pos,)))
