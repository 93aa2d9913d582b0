"""Data type routines and memory queries: ``result_type``, ``can_cast``, ``min_scalar_type``, ``common_type``,
``astype``, ``shares_memory``, ``may_share_memory``.

The dtype routines look at dtypes only and must never gather; ``astype`` casts
each local block.

Communication: none, except ``shares_memory``/``may_share_memory`` (one small
agreement: do the local blocks overlap on any rank).
"""

from __future__ import annotations

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from .registry import implements

__all__ = ["result_type", "can_cast", "min_scalar_type", "common_type", "astype", "shares_memory",
           "may_share_memory"]


def _dtype_of(x):
    return x.dtype if isinstance(x, DistArray) else x


@implements(np.result_type)
def result_type(*arrays_and_dtypes):
    """``np.result_type`` from dtypes (no data moves; 0-d DistArrays count as arrays)."""
    return np.result_type(*[np.empty(0, x.dtype) if isinstance(x, DistArray) else x for x in arrays_and_dtypes])


@implements(np.can_cast)
def can_cast(from_, to, casting="safe"):
    """``np.can_cast`` from the dtype."""
    return np.can_cast(_dtype_of(from_), to, casting=casting)


@implements(np.min_scalar_type)
def min_scalar_type(a, /):
    """``np.min_scalar_type``: the dtype for arrays, the value's smallest type for 0-d ones."""
    return np.min_scalar_type(a.item() if a.ndim == 0 else np.empty(0, a.dtype))


@implements(np.common_type)
def common_type(*arrays):
    """``np.common_type`` from dtypes."""
    return np.common_type(*[np.empty(0, a.dtype) if isinstance(a, DistArray) else a for a in arrays])


def _share(a, b, test) -> bool:
    if not (isinstance(a, DistArray) and isinstance(b, DistArray)):
        return False
    return _comm.any_rank(a.comm, bool(test(a.local, b.local)))


@implements(np.shares_memory)
def shares_memory(a, b, /, max_work=-1):
    """``np.shares_memory``: do the local blocks overlap on any rank (one small agreement)."""
    return _share(a, b, lambda x, y: np.shares_memory(x, y, max_work=max_work))


@implements(np.may_share_memory)
def may_share_memory(a, b, /, max_work=0):
    """``np.may_share_memory``."""
    return _share(a, b, lambda x, y: np.may_share_memory(x, y, max_work=max_work))


@implements(np.astype)
def astype(x, dtype, /, *, copy=True, device=None):
    """``np.astype`` (no communication)."""
    return x.astype(dtype, copy=copy)
