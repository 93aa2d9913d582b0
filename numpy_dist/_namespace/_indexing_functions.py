"""Indexing functions of the array API standard: ``take`` and ``take_along_axis``.

Thin adapters from the standard's signatures to the NumPy functions, which
dispatch to numpy_dist's distributed implementations.
"""

from __future__ import annotations

import numpy as np

from ..distarray import DistArray
from ._docs import namespace_doc
from ._helpers import require_array, wrap

__all__ = ["take", "take_along_axis"]


@namespace_doc
def take(x: DistArray, indices: DistArray, /, *, axis: int | None = None) -> DistArray:
    """Elements of ``x`` at the integer ``indices`` along ``axis``.

    ``numpy.take`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    indices : DistArray
        One-dimensional integer indices into ``axis`` (negative ones count
        from the end).
    axis : int, optional
        The axis to index.  May be omitted (None) only for a
        one-dimensional ``x``.

    Returns
    -------
    DistArray
        ``x``'s shape with ``axis`` replaced by ``indices``'s length.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``axis`` is omitted for an ``x`` of more than one dimension.
    IndexError
        If an index is out of range.

    See Also
    --------
    numpy.take, take_along_axis

    Notes
    -----
    Communication: ``indices`` is gathered on every rank (every rank needs
    all of it); each rank then requests the elements it needs from their
    owners (one all-to-all exchange).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.asnumpy(nd.take(x, nd.asarray(np.array([2, 0])), axis=1))
    array([[2, 0],
           [5, 3]])
    """
    x = require_array(x)
    if axis is None and x.ndim != 1:
        raise ValueError("take: axis is required for arrays with more than one dimension")
    return wrap(np.take(x, indices, axis=axis), x)


@namespace_doc
def take_along_axis(x: DistArray, indices: DistArray, /, *, axis: int = -1) -> DistArray:
    """Elements of ``x`` at ``indices`` matched with ``x`` along ``axis``.

    ``numpy.take_along_axis`` through NumPy dispatch: what ``argsort`` and
    kin return picks the elements they describe.

    Parameters
    ----------
    {x}
    indices : DistArray
        Integer indices with ``x``'s number of dimensions, broadcasting
        against ``x`` off ``axis``.
    axis : int, optional
        The axis the indices point along (default the last).

    Returns
    -------
    DistArray
        The broadcast shape of ``x`` and ``indices`` off ``axis``,
        ``indices``'s length along it.

    Raises
    ------
    TypeError
        If ``x`` or ``indices`` is not a numpy_dist array.
    ValueError
        If ``indices`` has another number of dimensions than ``x``.
    IndexError
        If an index is out of range.

    See Also
    --------
    numpy.take_along_axis, take, argsort

    Notes
    -----
    Communication: ``x`` and ``indices`` are re-laid so that ``axis`` is
    whole on each rank (an all-to-all exchange), indexed locally, and the
    result laid back.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[3, 1, 2], [9, 7, 8]]))
    >>> nd.asnumpy(nd.take_along_axis(x, nd.argsort(x, axis=1), axis=1))
    array([[1, 2, 3],
           [7, 8, 9]])
    """
    x = require_array(x)
    indices = require_array(indices, "indices")
    return np.take_along_axis(x, indices, axis=axis)
