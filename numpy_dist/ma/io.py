"""Saving and loading masked DistArrays: the data and the mask as two ``.npy`` files, in parallel.

``nd.ma.save("t.npy", m)`` writes ``t.npy`` (the data, NumPy-readable) and
``t.mask.npy`` (the boolean mask); ``nd.ma.load("t.npy")`` reads both into one
layout.  The fill value is not stored (numpy.ma's ``np.save`` refuses masked
arrays altogether).
"""

from __future__ import annotations

import os
from typing import Any

from ..io import npy
from ._base import MaskedDistArray

__all__ = ["save", "load", "mask_path"]


def mask_path(path: str | os.PathLike) -> str:
    """The mask file beside data file ``path`` (``x.npy`` -> ``x.mask.npy``)."""
    path = os.fspath(path)
    return (path[:-4] if path.endswith(".npy") else path) + ".mask.npy"


def save(path: str | os.PathLike, m: MaskedDistArray) -> None:
    """Write ``m``'s data to ``path`` and its mask beside it (collective)."""
    if not isinstance(m, MaskedDistArray):
        raise TypeError(f"nd.ma.save expects a MaskedDistArray, got {type(m).__name__}")
    npy.save(path, m.data)
    npy.save(mask_path(path), m.mask)


def load(path: str | os.PathLike, dist: Any = None, comm: Any = None, *, grid_shape: Any = None,
         mmap_mode: str | None = None) -> MaskedDistArray:
    """Read data and mask written by :func:`save` into one layout (collective)."""
    path = os.fspath(path)
    if not path.endswith(".npy"):
        path += ".npy"
    data = npy.load(path, dist, comm, grid_shape=grid_shape, mmap_mode=mmap_mode)
    mask = npy.load(mask_path(path), data.distribution, mmap_mode=mmap_mode)
    return MaskedDistArray(data, mask)
