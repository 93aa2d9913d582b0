"""Manipulation and indexing functions of the array API standard.

Thin adapters from the standard's signatures to the NumPy functions, which
dispatch to numpy_dist's distributed implementations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from array_api_compat.common import _aliases

from ..distarray import DistArray
from ._docs import namespace_doc
from ._helpers import compat_xp, normalize_axis, require_array, wrap

__all__ = [
    "broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
    "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack",
]


def _arrays(arrays: Sequence[DistArray], name: str) -> list[DistArray]:
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise TypeError(f"{name}: arrays must be a non-empty list or tuple of arrays")
    return [require_array(a, f"arrays[{i}]") for i, a in enumerate(arrays)]


def broadcast_arrays(*arrays: DistArray) -> tuple[DistArray, ...]:
    """Broadcast arrays against each other to one shape.

    ``numpy.broadcast_arrays`` through NumPy dispatch.

    Parameters
    ----------
    *arrays : DistArray
        The arrays to broadcast.

    Returns
    -------
    tuple of DistArray
        One array per input, all of the broadcast shape (read-only views
        where NumPy gives views).

    Raises
    ------
    TypeError
        If an argument is not a numpy_dist array.
    ValueError
        If the shapes do not broadcast.

    See Also
    --------
    numpy.broadcast_arrays, broadcast_to, broadcast_shapes

    Notes
    -----
    Communication: an input whose layout does not fit the broadcast shape
    is redistributed; no element is computed.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> a, b = nd.broadcast_arrays(x, nd.asarray(np.array([10, 20, 30])))
    >>> a.shape, nd.asnumpy(b)
    ((2, 3), array([[10, 20, 30],
           [10, 20, 30]]))
    """
    arrays = tuple(require_array(a, f"arrays[{i}]") for i, a in enumerate(arrays))
    return tuple(np.broadcast_arrays(*arrays))


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that arrays of the given shapes broadcast to.

    Parameters
    ----------
    *shapes : tuple of int
        The shapes to combine.

    Returns
    -------
    tuple of int
        The broadcast shape.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    See Also
    --------
    numpy.broadcast_shapes, broadcast_arrays

    Notes
    -----
    Communication: none (shapes only).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    return tuple(np.broadcast_shapes(*shapes))


@namespace_doc
def broadcast_to(x: DistArray, /, shape: tuple[int, ...]) -> DistArray:
    """``x`` broadcast to ``shape``.

    ``numpy.broadcast_to`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    shape : tuple of int
        The target shape; ``x``'s shape must broadcast to it.

    Returns
    -------
    DistArray
        ``x``'s values repeated along the new and length-one axes.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x``'s shape does not broadcast to ``shape``.

    See Also
    --------
    numpy.broadcast_to, broadcast_arrays

    Notes
    -----
    Communication: ``x`` is redistributed to the result's layout when it
    must be (each rank then expands the part it holds).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3]))
    >>> nd.asnumpy(nd.broadcast_to(x, (2, 3)))
    array([[1, 2, 3],
           [1, 2, 3]])
    """
    x = require_array(x)
    return np.broadcast_to(x, shape)


def concat(arrays: Sequence[DistArray], /, *, axis: int | None = 0) -> DistArray:
    """Join arrays along an existing axis.

    ``numpy.concatenate`` through NumPy dispatch.

    Parameters
    ----------
    arrays : list or tuple of DistArray
        The arrays to join; their shapes agree except along ``axis``.
    axis : int or None, optional
        The axis to join along (default 0); None flattens every array first.

    Returns
    -------
    DistArray
        The joined array, in the dtype the inputs promote to.

    Raises
    ------
    TypeError
        If ``arrays`` is not a non-empty list or tuple, or holds something
        other than numpy_dist arrays.
    ValueError
        If the shapes differ off ``axis``.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.concatenate, stack

    Notes
    -----
    Communication: the inputs' elements move to the result's layout
    (block along the joined axis).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.concat([x, x]).shape
    (4, 3)
    >>> nd.asnumpy(nd.concat([x, x], axis=None))
    array([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5])
    """
    return np.concatenate(_arrays(arrays, "concat"), axis=axis)


@namespace_doc
def expand_dims(x: DistArray, /, axis: int | tuple[int, ...] = 0) -> DistArray:
    """``x`` with axes of length one inserted at ``axis``.

    ``numpy.expand_dims`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    axis : int or tuple of int, optional
        Positions of the new axes in the result (default 0).

    Returns
    -------
    DistArray
        ``x``'s data with ``x.ndim + len(axis)`` dimensions.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    IndexError
        If a position is out of range for the result.

    See Also
    --------
    numpy.expand_dims, squeeze

    Notes
    -----
    Communication: none; the new axes are not distributed.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.expand_dims(x, axis=0).shape
    (1, 2, 3)
    >>> nd.expand_dims(x, axis=(1, 3)).shape
    (2, 1, 3, 1)
    """
    x = require_array(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = x.ndim + len(axes)
    for a in axes:
        normalize_axis(a, n)
    return np.expand_dims(x, axis)


@namespace_doc
def flip(x: DistArray, /, *, axis: int | tuple[int, ...] | None = None) -> DistArray:
    """``x`` with the order of its elements reversed along ``axis``.

    ``numpy.flip`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    axis : int, tuple of int or None, optional
        The axes to reverse; None (default) reverses all.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.flip

    Notes
    -----
    Communication: elements of a reversed distributed axis move to the
    rank that holds their mirrored position.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.asnumpy(nd.flip(x, axis=1))
    array([[2, 1, 0],
           [5, 4, 3]])
    """
    x = require_array(x)
    return np.flip(x, axis=axis)


@namespace_doc
def moveaxis(x: DistArray, source: int | tuple[int, ...], destination: int | tuple[int, ...], /) -> DistArray:
    """``x`` with the axes ``source`` moved to positions ``destination``.

    ``numpy.moveaxis`` through NumPy dispatch; the other axes keep their order.

    Parameters
    ----------
    {x}
    source : int or tuple of int
        The axes to move.
    destination : int or tuple of int
        Their positions in the result (as many as ``source``).

    Returns
    -------
    DistArray
        ``x``'s elements with permuted axes.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``source`` and ``destination`` differ in length or repeat an axis.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.moveaxis, permute_dims

    Notes
    -----
    Communication: none; the distribution's axes are permuted with the data.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.zeros((2, 3, 4)))
    >>> nd.moveaxis(x, 0, -1).shape
    (3, 4, 2)
    """
    x = require_array(x)
    return np.moveaxis(x, source, destination)


@namespace_doc
def permute_dims(x: DistArray, /, axes: tuple[int, ...]) -> DistArray:
    """``x`` with its axes in the order ``axes``.

    ``numpy.transpose`` with explicit axes, through NumPy dispatch.

    Parameters
    ----------
    {x}
    axes : tuple of int
        A permutation of ``range(x.ndim)``: axis ``i`` of the result is
        axis ``axes[i]`` of ``x``.

    Returns
    -------
    DistArray
        ``x``'s elements with permuted axes.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``axes`` is not a permutation of ``x``'s axes.

    See Also
    --------
    numpy.transpose, matrix_transpose, moveaxis

    Notes
    -----
    Communication: none; the distribution's axes are permuted with the data.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.asnumpy(nd.permute_dims(x, (1, 0)))
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    x = require_array(x)
    return _aliases.permute_dims(x, axes, compat_xp)


@namespace_doc
def repeat(x: DistArray, repeats: int | DistArray, /, *, axis: int | None = None) -> DistArray:
    """``x`` with each element repeated ``repeats`` times along ``axis``.

    ``numpy.repeat`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    repeats : int, sequence of int or DistArray
        Repetitions: one count for every element, or one count per element
        along ``axis``.  A DistArray of counts stays distributed (it is
        never gathered).
    axis : int or None, optional
        The axis to repeat along; None (default) flattens ``x`` first.

    Returns
    -------
    DistArray
        ``x``'s shape with the repeated axis lengthened (one-dimensional
        when ``axis`` is None).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If a count is negative or ``repeats`` does not match the axis length.

    See Also
    --------
    numpy.repeat, tile

    Notes
    -----
    Communication: each output element is requested from the owner of
    its source element (one all-to-all exchange).  Distributed counts add
    a running sum over them and a distributed search of each rank's output
    positions in it (a few collectives of O(n / P) data).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2]))
    >>> nd.asnumpy(nd.repeat(x, 2))
    array([1, 1, 2, 2])
    >>> nd.asnumpy(nd.repeat(x, [1, 3]))
    array([1, 2, 2, 2])
    """
    x = require_array(x)
    return np.repeat(x, repeats, axis=axis)


@namespace_doc
def reshape(x: DistArray, /, shape: tuple[int, ...], *, copy: bool | None = None) -> DistArray:
    """``x``'s elements, in C order, arranged in ``shape``.

    ``numpy.reshape`` through NumPy dispatch: a global reshape (the
    elements keep their C-order positions, wherever they live).

    Parameters
    ----------
    {x}
    shape : tuple of int
        The new shape, with as many elements as ``x``; one entry may be -1
        (inferred).
    copy : bool or None, optional
        True: always copy.  False: never copy, fail instead.  None
        (default): share ``x``'s blocks when possible, else copy.

    Returns
    -------
    DistArray
        ``x``'s elements in ``shape``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``shape`` does not hold ``x.size`` elements, or ``copy=False`` and
        the result cannot share ``x``'s blocks.

    See Also
    --------
    numpy.reshape

    Notes
    -----
    Communication: none when every rank's block keeps its place;
    otherwise elements move to the result's layout.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.asnumpy(nd.reshape(x, (3, 2)))
    array([[0, 1],
           [2, 3],
           [4, 5]])
    >>> nd.reshape(x, (-1,)).shape
    (6,)
    """
    x = require_array(x)
    return np.reshape(x, shape, copy=copy)


@namespace_doc
def roll(x: DistArray, /, shift: int | tuple[int, ...], *, axis: int | tuple[int, ...] | None = None) -> DistArray:
    """``x`` with its elements shifted cyclically by ``shift`` along ``axis``.

    ``numpy.roll`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    shift : int or tuple of int
        Positions to shift by (negative: backwards), one per axis of ``axis``.
    axis : int, tuple of int or None, optional
        The axes to roll; None (default) rolls the flattened array and
        restores the shape.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``shift`` and ``axis`` differ in length.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.roll

    Notes
    -----
    Communication: elements that cross a block boundary move to their
    neighbour rank.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.asnumpy(nd.roll(nd.asarray(np.arange(5)), 2))
    array([3, 4, 0, 1, 2])
    """
    x = require_array(x)
    return np.roll(x, shift, axis=axis)


@namespace_doc
def squeeze(x: DistArray, /, axis: int | tuple[int, ...]) -> DistArray:
    """``x`` without the length-one axes ``axis``.

    ``numpy.squeeze`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    axis : int or tuple of int
        The axes to remove; each must have length one.

    Returns
    -------
    DistArray
        ``x``'s elements with ``len(axis)`` fewer dimensions.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If an axis does not have length one.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.squeeze, expand_dims

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.zeros((1, 3)))
    >>> nd.squeeze(x, axis=0).shape
    (3,)
    """
    x = require_array(x)
    return np.squeeze(x, axis=axis)


def stack(arrays: Sequence[DistArray], /, *, axis: int = 0) -> DistArray:
    """Join arrays of one shape along a new axis.

    ``numpy.stack`` through NumPy dispatch.

    Parameters
    ----------
    arrays : list or tuple of DistArray
        The arrays to join, all of the same shape.
    axis : int, optional
        Position of the new axis in the result (default 0).

    Returns
    -------
    DistArray
        One dimension more than the inputs, of length ``len(arrays)`` at ``axis``.

    Raises
    ------
    TypeError
        If ``arrays`` is not a non-empty list or tuple of numpy_dist arrays.
    ValueError
        If the shapes differ.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.stack, concat, unstack

    Notes
    -----
    Communication: the inputs' elements move to the result's layout.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> v = nd.asarray(np.array([1, 2, 3]))
    >>> nd.asnumpy(nd.stack([v, v], axis=1))
    array([[1, 1],
           [2, 2],
           [3, 3]])
    """
    return np.stack(_arrays(arrays, "stack"), axis=axis)


@namespace_doc
def tile(x: DistArray, repetitions: tuple[int, ...], /) -> DistArray:
    """``x`` repeated as a tile ``repetitions`` times along each axis.

    ``numpy.tile`` through NumPy dispatch.

    Parameters
    ----------
    {x}
    repetitions : tuple of int
        Repetitions per axis; when it is shorter or longer than ``x.ndim``
        the shorter of the two is padded with leading ones.

    Returns
    -------
    DistArray
        ``x`` tiled.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.

    See Also
    --------
    numpy.tile, repeat

    Notes
    -----
    Communication: the tiled copies move to the result's layout.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.asnumpy(nd.tile(nd.asarray(np.array([1, 2])), (2, 2)))
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]])
    """
    x = require_array(x)
    return np.tile(x, repetitions)


@namespace_doc
def unstack(x: DistArray, /, *, axis: int = 0) -> tuple[DistArray, ...]:
    """Split ``x`` along ``axis`` into a tuple of arrays, one dimension fewer each.

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to split along (default 0).

    Returns
    -------
    tuple of DistArray
        ``x.shape[axis]`` arrays; the ``i``-th is ``x``'s slice at index ``i``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d.
    IndexError
        If ``axis`` is out of range.

    See Also
    --------
    stack

    Notes
    -----
    Communication: one slice per output; a slice along a distributed axis
    is made from the rank that holds it.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> [nd.asnumpy(row) for row in nd.unstack(x)]
    [array([0, 1, 2]), array([3, 4, 5])]
    """
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("unstack needs an array with at least one dimension")
    axis = normalize_axis(axis, x.ndim)
    moved = np.moveaxis(x, axis, 0)
    return tuple(wrap(moved[i, ...], x) for i in range(x.shape[axis]))


