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

__all__ = ["dist_repr", "dist_str", "printable", "dist_array2string", "dist_array_repr", "dist_array_str"]


def printable(d: DistArray, threshold: int | None = None, edgeitems: int | None = None) -> np.ndarray:
    """A small NumPy array that NumPy prints exactly as it would print ``d`` (collective).

    ``threshold`` and ``edgeitems`` default to NumPy's print options.  An
    array of at most ``threshold`` elements is not summarised by NumPy: it is
    fetched whole (it is small).
    """
    opts = np.get_printoptions()
    threshold = opts["threshold"] if threshold is None else threshold
    if d.size <= threshold or d.ndim == 0:
        return asnumpy(d)
    edge = opts["edgeitems"] if edgeitems is None else edgeitems
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


def _summarised(d: DistArray, threshold: int | None = None) -> bool:
    return d.size > (np.get_printoptions()["threshold"] if threshold is None else threshold)


def _validate(np_func, d: DistArray, **kwargs) -> None:
    """NumPy's own errors for the printing options, from an empty stand-in (no value is formatted)."""
    np_func(np.zeros((0,), d.dtype), **kwargs)


def dist_array2string(a: DistArray, threshold: int | None = None, edgeitems: int | None = None, **kwargs) -> str:
    """``np.array2string(a, ...)`` of a DistArray, NumPy's keywords applied to the fetched corners (collective)."""
    _validate(np.array2string, a, threshold=threshold, edgeitems=edgeitems, **kwargs)
    small = printable(a, threshold, edgeitems)
    shown = 0 if _summarised(a, threshold) else sys.maxsize
    return np.array2string(small, threshold=shown, edgeitems=edgeitems, **kwargs)


def dist_array_str(a: DistArray, max_line_width=None, precision=None, suppress_small=None) -> str:
    """``np.array_str`` of a DistArray: NumPy's text for the global array (collective)."""
    kwargs = dict(max_line_width=max_line_width, precision=precision, suppress_small=suppress_small)
    _validate(np.array_str, a, **kwargs)
    small = printable(a)
    with np.printoptions(threshold=0 if _summarised(a) else sys.maxsize):
        return np.array_str(small, **kwargs)


def dist_array_repr(a: DistArray, max_line_width=None, precision=None, suppress_small=None) -> str:
    """``np.array_repr`` of a DistArray: NumPy's ``array(...)`` text for the global array (collective)."""
    kwargs = dict(max_line_width=max_line_width, precision=precision, suppress_small=suppress_small)
    _validate(np.array_repr, a, **kwargs)
    small = printable(a)
    if not _summarised(a) or a.ndim == 0:
        return np.array_repr(small, **kwargs)
    with np.printoptions(threshold=0):
        text = np.array_repr(small, **kwargs)
    return _global_shape(text, small.shape, a.shape, max_line_width)


def _global_shape(text: str, shown: tuple[int, ...], shape: tuple[int, ...], max_line_width: int | None) -> str:
    """NumPy's repr of the corners with the ``shape=`` NumPy names for a summarised array: the global one.

    The extras (``shape=..., dtype=...)``) go on a new line when they would
    pass ``max_line_width``, as NumPy decides; the longer shape is re-measured.
    """
    old = f"shape={shown}"
    at = text.rfind(old)
    if at < 0:  # legacy printing (before NumPy 2.2) names no shape
        return text
    head = text[:at].rstrip()  # "array([...]," without the spacer
    extras = f"shape={shape}" + text[at + len(old):]
    width = np.get_printoptions()["linewidth"] if max_line_width is None else max_line_width
    last_line = len(head) - (head.rfind("\n") + 1)
    spacer = "\n" + " " * len("array(") if last_line + len(extras) + 1 > width else " "
    return head + spacer + extras


install_array_hooks(repr=dist_repr, str=dist_str)
