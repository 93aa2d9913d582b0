"""Masked array methods that rearrange data and mask alike, and those that run on the filled data.

``ravel``, ``flatten``, ``transpose``, ``swapaxes`` and ``squeeze`` apply one
DistArray operation to the data and the same to the mask, as numpy.ma's
``_arraymethod`` does; ``cumsum`` and ``cumprod`` scan the data filled with 0
and 1 and keep the mask (numpy.ma's rule: a masked place is skipped, not a
gap that ends the scan); ``clip`` and ``round`` change the data and keep the
mask.  The NumPy functions of the same names dispatch here
(``np.cumsum(m)``, ``np.clip(m, 0, 1)`` ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..distarray import DistArray
from ._base import MaskedDistArray, install_methods

__all__ = ["ravel", "flatten", "transpose", "swapaxes", "squeeze", "cumsum", "cumprod", "clip", "round_", "FUNCTIONS"]


def _both(m: MaskedDistArray, change: Any) -> MaskedDistArray:
    """``change`` applied to the data and to the mask (the mask laid out like the new data)."""
    data = change(m.data)
    return MaskedDistArray._new(data, change(m.mask).to_layout(data.distribution), m._fv)


def ravel(m: MaskedDistArray, order: str = "C") -> MaskedDistArray:
    """The masked array flattened (data and mask alike), as ``numpy.ma.MaskedArray.ravel``.

    Parameters
    ----------
    m : MaskedDistArray
        The array.
    order : {"C", "F", "A", "K"}, optional
        The index order (default C).

    Returns
    -------
    MaskedDistArray
        A 1-d masked array of ``m.size`` elements.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([[1, 2], [3, 4]])), 2)
    >>> m.ravel().to_numpy_masked()
    masked_array(data=[1, --, 3, 4],
                 mask=[False,  True, False, False],
           fill_value=2)
    """
    return _both(m, lambda a: np.ravel(a, order=order))


def flatten(m: MaskedDistArray, order: str = "C") -> MaskedDistArray:
    """A flattened copy of data and mask, as ``numpy.ma.MaskedArray.flatten`` (see :func:`ravel`).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([[1, 2], [3, 4]])), 4)
    >>> int(m.flatten().count())
    3
    """
    return _both(m, lambda a: np.ravel(a, order=order).copy())


def transpose(m: MaskedDistArray, *axes: Any) -> MaskedDistArray:
    """Data and mask with their axes permuted, as ``numpy.ma.MaskedArray.transpose``.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.arange(6).reshape(2, 3)), 1)
    >>> m.transpose().shape
    (3, 2)
    """
    order = axes[0] if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))) else axes or None
    return _both(m, lambda a: np.transpose(a, order))


def swapaxes(m: MaskedDistArray, axis1: int, axis2: int) -> MaskedDistArray:
    """Data and mask with two axes interchanged, as ``numpy.ma.MaskedArray.swapaxes``.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.arange(6).reshape(1, 2, 3)), 1)
    >>> m.swapaxes(0, 2).shape
    (3, 2, 1)
    """
    return _both(m, lambda a: np.swapaxes(a, axis1, axis2))


def squeeze(m: MaskedDistArray, axis: Any = None) -> MaskedDistArray:
    """Data and mask without their length-1 axes, as ``numpy.ma.MaskedArray.squeeze``.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.arange(3).reshape(1, 3)), 1)
    >>> m.squeeze().shape
    (3,)
    """
    return _both(m, lambda a: np.squeeze(a, axis=axis))


def _filled_scan(m: MaskedDistArray, scan: Any, neutral: int, axis: Any, dtype: Any, out: Any) -> MaskedDistArray:
    if out is not None:
        raise TypeError(f"nd.ma: {scan.__name__}(out=...) is not supported on masked arrays")
    data = scan(m.filled(neutral), axis=axis, dtype=dtype)
    mask = m.mask if axis is not None or m.ndim <= 1 else np.ravel(m.mask)  # (over every axis: flattened)
    return MaskedDistArray._new(data, mask.to_layout(data.distribution), m._fv)


def cumsum(m: MaskedDistArray, axis: Any = None, dtype: Any = None, out: Any = None) -> MaskedDistArray:
    """Cumulative sum of the data with masked places counted as 0; the mask is kept (numpy.ma's rule).

    Parameters
    ----------
    m : MaskedDistArray
        The array.
    axis : int, optional
        The axis of the scan (default: the flattened array).
    dtype : dtype, optional
        The accumulator's type.
    out : None
        Not supported.

    Returns
    -------
    MaskedDistArray
        The running sums, masked where ``m`` is.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> m.cumsum().to_numpy_masked()
    masked_array(data=[1, --, 4, 8],
                 mask=[False,  True, False, False],
           fill_value=2)
    """
    return _filled_scan(m, np.cumsum, 0, axis, dtype, out)


def cumprod(m: MaskedDistArray, axis: Any = None, dtype: Any = None, out: Any = None) -> MaskedDistArray:
    """Cumulative product of the data with masked places counted as 1; the mask is kept (see :func:`cumsum`).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> nd.asnumpy(m.cumprod().data).tolist()
    [1, 1, 3, 12]
    """
    return _filled_scan(m, np.cumprod, 1, axis, dtype, out)


def clip(m: MaskedDistArray, a_min: Any = np._NoValue, a_max: Any = np._NoValue, out: Any = None,
         **kwargs: Any) -> MaskedDistArray:
    """The data clipped to ``[a_min, a_max]``, the mask kept, as ``numpy.ma.MaskedArray.clip``.

    A 0-d array whose element is masked gives ``nd.ma.masked``, as numpy.ma.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 5, 9])), 5)
    >>> nd.asnumpy(m.clip(2, 8).filled(0)).tolist()
    [2, 0, 8]
    """
    if out is not None:
        raise TypeError("nd.ma: clip(out=...) is not supported on masked arrays")
    data = np.clip(m.data, a_min, a_max, **kwargs)
    return _keeping_mask(m, data)


def _keeping_mask(m: MaskedDistArray, data: DistArray) -> Any:
    """``data`` with ``m``'s mask; a masked 0-d element is ``nd.ma.masked``, as numpy.ma gives."""
    if m.ndim == 0 and bool(m.mask.local[()]):  # (a 0-d block is on every rank)
        return np.ma.masked
    return MaskedDistArray._new(data, m.mask.to_layout(data.distribution).copy(), m._fv)


def round_(m: MaskedDistArray, decimals: int = 0, out: Any = None) -> Any:
    """The data rounded to ``decimals``, the mask kept, as ``numpy.ma.MaskedArray.round``.

    A 0-d array whose element is masked gives ``nd.ma.masked``, as numpy.ma.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_less(nd.asarray(np.array([0.25, 1.75, -3.5])), 0)
    >>> nd.asnumpy(m.round(1).filled(9)).tolist()
    [0.2, 1.8, 9.0]
    """
    if out is not None:
        raise TypeError("nd.ma: round(out=...) is not supported on masked arrays")
    return _keeping_mask(m, np.round(m.data, decimals))


#: The NumPy functions that dispatch here.
FUNCTIONS = {np.ravel: ravel, np.transpose: lambda m, axes=None: transpose(m, axes), np.swapaxes: swapaxes,
             np.squeeze: squeeze, np.cumsum: cumsum, np.cumprod: cumprod,
             np.clip: lambda m, a_min=np._NoValue, a_max=np._NoValue, out=None, **kw: clip(m, a_min, a_max, out, **kw),
             np.round: round_, np.around: round_}

install_methods(ravel=ravel, flatten=flatten, transpose=transpose, swapaxes=swapaxes, squeeze=squeeze,
                cumsum=cumsum, cumprod=cumprod, clip=clip, round=round_)
