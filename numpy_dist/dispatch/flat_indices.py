"""Flat and multi-dimensional index arithmetic: ``np.ravel_multi_index`` and ``np.unravel_index``.

Both are elementwise in the index arrays: each rank converts the indices it
holds.  NumPy checks the arguments (dtypes, ``dims``, ``mode``, ``order``)
first on tiny zero-valued stand-ins, on every rank alike; an index out of
bounds on one rank is raised on every rank.

Communication: alignment of index arrays laid out otherwise
(redistribution); one agreement on local failures per call.
"""

from __future__ import annotations

import numpy as np

from .. import comm as _comm

from ..distarray import DistArray
from .operands import elementwise, standin
from .fallback import gathered_operand
from .registry import implements

__all__ = ["ravel_multi_index", "unravel_index"]


def _zero_standin(x) -> np.ndarray:
    """A tiny zero-valued stand-in of index operand ``x`` (the same dtype; empty stays empty)."""
    return np.zeros(tuple(min(n, 1) for n in np.shape(x)), np.asarray(standin(x)).dtype)


def _whole(x):
    """A small operand (``dims``, ``shape``) as NumPy reads it: a DistArray is gathered."""
    return gathered_operand(x, "numpy index operand")


@implements(np.ravel_multi_index)
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """``np.ravel_multi_index``: flat indices from coordinate arrays, on the local blocks.

    Parameters
    ----------
    multi_index : sequence of array_like
        One integer array per dimension.  (A 2-d DistArray here is iterated
        by NumPy's dispatcher itself, an implicit gather, before this runs.)
    dims : tuple of ints
    mode : {"raise", "wrap", "clip"} or tuple of them
    order : {"C", "F"}

    Returns
    -------
    DistArray
        The broadcast shape of the coordinate arrays.
    """
    coords = [c if isinstance(c, DistArray) else np.asarray(c) for c in multi_index]
    dims = _whole(dims)
    np.ravel_multi_index(tuple(_zero_standin(c) for c in coords), dims, mode=mode, order=order)
    if not any(isinstance(c, DistArray) for c in coords):  # only dims was distributed
        return np.ravel_multi_index(tuple(coords), dims, mode=mode, order=order)
    return elementwise(lambda *ops: np.ravel_multi_index(ops, dims, mode=mode, order=order), coords,
                       "ravel_multi_index")


@implements(np.unravel_index)
def unravel_index(indices, shape, order="C"):
    """``np.unravel_index``: coordinate arrays from flat indices, each laid out as ``indices``.

    Parameters
    ----------
    indices : DistArray
        Integer flat indices into an array of ``shape``.
    shape : tuple of ints
    order : {"C", "F"}

    Returns
    -------
    tuple of DistArray
        One intp array per dimension of ``shape``, each shaped like ``indices``.
    """
    shape = _whole(shape)
    if not isinstance(indices, DistArray):  # only shape was distributed
        return np.unravel_index(indices, shape, order=order)
    np.unravel_index(_zero_standin(indices), shape, order=order)
    with _comm.agreed(indices.comm, fp="unravel_index"):
        local = np.unravel_index(indices.local, shape, order=order)
    return tuple(DistArray._new(np.asarray(c), indices.distribution) for c in local)
