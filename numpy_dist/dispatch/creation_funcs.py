"""NumPy creation functions that dispatch on an array argument (``*_like``, ``copy``), and metadata queries.

Communication: none (each rank fills or copies its own block).
"""

from __future__ import annotations

import numpy as np

from .. import creation
from ..distarray import DistArray
from .registry import implements


@implements(np.empty_like)
def empty_like(prototype, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """``np.empty_like``: same distribution as ``prototype`` when the shape is kept."""
    return creation.empty_like(prototype, dtype, shape=shape)


@implements(np.zeros_like)
def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """``np.zeros_like``."""
    return creation.zeros_like(a, dtype, shape=shape)


@implements(np.ones_like)
def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """``np.ones_like``."""
    return creation.ones_like(a, dtype, shape=shape)


@implements(np.full_like)
def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """``np.full_like``."""
    return creation.full_like(a, fill_value, dtype, shape=shape)


@implements(np.copy)
def copy(a, order="K", subok=False):
    """``np.copy``: a copy with the same distribution (no communication)."""
    return a.copy() if isinstance(a, DistArray) else np.copy(a, order=order)


@implements(np.shape)
def shape(a):
    """``np.shape`` (metadata)."""
    return a.shape


@implements(np.ndim)
def ndim(a):
    """``np.ndim`` (metadata)."""
    return a.ndim


@implements(np.size)
def size(a, axis=None):
    """``np.size`` (metadata)."""
    return a.size if axis is None else a.shape[axis]
