"""Saving and loading masked DistArrays: the data and the mask as two ``.npy`` files, in parallel.

``nd.save("t.npy", m)`` (or ``nd.ma.save``) writes ``t.npy`` (the data,
NumPy-readable) and ``t.mask.npy`` (the boolean mask); ``nd.load("t.npy")``
sees the mask file and reads both into one layout.  The fill value is not
stored (NumPy's ``np.save`` refuses masked arrays altogether).  This module
installs itself into :mod:`numpy_dist.io.npy`, which never imports ``ma``.
"""

from __future__ import annotations

import os
from typing import Any

from ..io import npy
from ._base import MaskedDistArray

__all__ = ["save", "load"]


def _npy_name(path: str | os.PathLike) -> str:
    path = os.fspath(path)
    return path if path.endswith(".npy") else path + ".npy"


def save(path: str | os.PathLike, m: MaskedDistArray) -> None:
    """Write ``m``'s data to ``path`` and its mask beside it (collective)."""
    if not isinstance(m, MaskedDistArray):
        raise TypeError(f"nd.ma.save expects a MaskedDistArray, got {type(m).__name__}")
    path = _npy_name(path)
    npy.save(path, m.data)
    npy.save(npy.mask_path(path), m.mask)


def load(path: str | os.PathLike, dist: Any = None, comm: Any = None, *, grid_shape: Any = None,
         mmap_mode: str | None = None) -> MaskedDistArray:
    """Read data and mask written by :func:`save` into one layout (collective)."""
    return _load_masked(_npy_name(path), dist, comm, grid_shape=grid_shape, mmap_mode=mmap_mode)


def _load_masked(path: str, dist: Any, comm: Any, *, grid_shape: Any = None, mmap_mode: str | None = None) -> Any:
    """The loader npy.load calls for a file with a mask beside it (reads the data as a plain array)."""
    data = npy.load(path, dist, comm, grid_shape=grid_shape, mmap_mode=mmap_mode, masked=False)
    mask = npy.load(npy.mask_path(path), data.distribution, mmap_mode=mmap_mode, masked=False)
    return MaskedDistArray(data, mask)


npy.install_masked_io(MaskedDistArray, save, _load_masked)
