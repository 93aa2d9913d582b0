"""Helpers shared by the I/O formats: temporary names, writers, per-axis selections.

Local and MPI-free except :func:`shared_temp_name` (one broadcast through the
comm layer).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import resolve_distribution
from ..distarray import DistArray
from ..distribution import Distribution


def check_distarray(d: Any, name: str = "d") -> DistArray:
    """``d`` itself, or TypeError (argument checks use only what every rank holds)."""
    if not isinstance(d, DistArray):
        raise TypeError(f"{name} must be a DistArray, got {type(d).__name__}")
    if d.dtype.hasobject:
        raise ValueError(f"cannot save arrays of dtype {d.dtype}: object references have no file layout")
    return d


def load_comm(dist: Any, comm: Any) -> _comm.Intracomm:
    """The communicator a load runs on: ``dist``'s when it is a Distribution, else ``comm``."""
    if isinstance(dist, Distribution):
        if comm is not None and _comm.get_comm(comm) != dist.comm:
            raise ValueError("comm differs from the communicator of dist")
        return dist.comm
    return _comm.get_comm(comm)


def target_distribution(shape: tuple[int, ...], dist: Any, grid_shape: Any, comm: _comm.Intracomm) -> Distribution:
    """The distribution a loaded array lands in (default: block along axis 0)."""
    if isinstance(dist, Distribution):
        return resolve_distribution(shape, dist, grid_shape, None)
    return resolve_distribution(shape, dist, grid_shape, comm)


def is_writer(dist: Distribution, rank: int | None = None) -> bool:
    """True for the one replica of each block that writes it (coordinate 0 along replicated grid dims)."""
    coords = dist.coords if rank is None else dist.rank_coords(rank)
    return all(coords[g] == 0 for g in dist.replicated_dims)


def shared_temp_name(comm: _comm.Intracomm, path: str) -> str:
    """A fresh name next to ``path`` (same directory, so a rename is atomic), equal on every rank."""
    name = None
    if comm.Get_rank() == 0:
        head, tail = os.path.split(os.path.abspath(path))
        name = os.path.join(head, f".{tail}.{uuid.uuid4().hex[:12]}.partial")
    return _comm.bcast_object(comm, name)


@contextlib.contextmanager
def atomic_file(comm: _comm.Intracomm, path: str) -> Iterator[str]:
    """A temporary name next to ``path`` to write collectively: renamed to ``path`` when the block succeeded
    on every rank (it must end agreed), removed when it raised, so a failure leaves no partial file."""
    tmp = shared_temp_name(comm, path)
    try:
        yield tmp
        with _comm.agreed(comm):
            if comm.Get_rank() == 0:
                os.replace(tmp, path)
    except BaseException:
        if comm.Get_rank() == 0:
            remove_quietly(tmp)
        raise


def remove_quietly(path: str) -> None:
    """Best-effort removal of a leftover temporary file (cleanup after a failure)."""
    try:
        os.remove(path)
    except OSError:
        pass


def sorted_axes(dist: Distribution) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Per axis: this rank's global indices sorted, and the sorting order (None when already sorted).

    File layouts need ascending positions; unstructured maps may list their
    indices in any order, so blocks are permuted along such axes.
    """
    idx, orders = [], []
    for axis in range(dist.ndim):
        ix = np.asarray(dist.local_indices(axis), dtype=np.int64)
        if ix.size > 1 and np.any(np.diff(ix) < 0):
            order = np.argsort(ix, kind="stable")
            idx.append(ix[order])
            orders.append(order)
        else:
            idx.append(ix)
            orders.append(None)
    return idx, orders


def to_sorted(block: np.ndarray, orders: list[np.ndarray | None]) -> np.ndarray:
    """``block`` permuted so that every axis is in ascending global order."""
    for axis, order in enumerate(orders):
        if order is not None:
            block = np.take(block, order, axis=axis)
    return block


def from_sorted(block: np.ndarray, orders: list[np.ndarray | None]) -> np.ndarray:
    """Inverse of :func:`to_sorted`: back to the distribution's local order."""
    for axis, order in enumerate(orders):
        if order is not None:
            block = np.take(block, np.argsort(order), axis=axis)
    return block


def runs(sorted_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of the maximal runs of consecutive integers in a sorted index array."""
    if sorted_idx.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    breaks = np.flatnonzero(np.diff(sorted_idx) != 1) + 1
    first = np.concatenate([[0], breaks])
    last = np.concatenate([breaks, [sorted_idx.size]])
    return sorted_idx[first], last - first


def check_payload(name: str, shape: Any, dtype: np.dtype, offset: int, size: int) -> None:
    """Refuse object dtypes and files shorter than their header promises (ValueError naming the file)."""
    if dtype.hasobject:
        raise ValueError(f"{name!r} holds Python objects (dtype {dtype}); they cannot be loaded in parallel")
    need = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size < need:
        raise ValueError(f"{name!r} is truncated: {size} bytes, its header promises {need}")
