"""Printing DistArrays like NumPy prints arrays, without gathering large ones.

For an array above NumPy's print threshold only the elements NumPy would
show (``edgeitems`` from each end of every axis) are fetched; a dummy element
stands in for the elided middle so NumPy's own formatter inserts ``...`` and
computes the same column widths it would for the whole array.
"""

from __future__ import annotations

import sys

import numpy as np

from .creation import asnumpy, gather_selection
from .distarray import DistArray, install_array_hooks

__all__ = ["dist_repr", "dist_str", "printable"]


def printable(d: DistArray) -> np.ndarray:
    """A small NumPy array that NumPy prints exactly as it would print ``d`` (collective)."""
    opts = np.get_printoptions()
    if d.size <= opts["threshold"]:
        return asnumpy(d)
    edge = opts["edgeitems"]
    sels = []
    for n in d.shape:
        if n > 2 * edge:
            # edge items + one stand-in for the elided middle + edge items
            sels.append(np.r_[0:edge, edge, n - edge:n])
        else:
            sels.append(np.arange(n))
    return gather_selection(d, sels)


def _describe(d: DistArray) -> str:
    return f"dist={''.join(d.dist) or '()'!r}, grid_shape={d.grid_shape}"


def dist_repr(d: DistArray) -> str:
    """``DistArray([...], dtype=..., dist='bn', grid_shape=(...))`` (collective)."""
    small = printable(d)
    prefix = "DistArray("
    with np.printoptions(threshold=0 if d.size > np.get_printoptions()["threshold"] else sys.maxsize):
        body = np.array2string(small, separator=", ", prefix=prefix)
    return f"{prefix}{body}, dtype={d.dtype}, {_describe(d)})"


def dist_str(d: DistArray) -> str:
    """NumPy's ``str`` of the global array (collective)."""
    small = printable(d)
    with np.printoptions(threshold=0 if d.size > np.get_printoptions()["threshold"] else sys.maxsize):
        return np.array2string(small)


install_array_hooks(repr=dist_repr, str=dist_str)
