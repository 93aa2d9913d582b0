"""Masked reductions on the distributed reductions: filled data plus counts of unmasked elements.

``m.sum(axis)`` is ``np.sum`` of the data with masked elements set to 0;
``m.count(axis)`` is ``np.sum(~mask)``; ``min``/``max``/``argmin``/``argmax``
fill with numpy.ma's extreme fill values; ``mean``/``var``/``std`` are built
from those.  A reduced element is masked where every element reduced into
it was masked (``np.all(mask, axis)``), exactly numpy.ma's rule, and a
fully masked scalar result is :data:`numpy.ma.masked`.  Every step is a
distributed NumPy reduction, so results are combined as those are (partials
per rank, combined in rank order) and nothing is gathered.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..distarray import DistArray
from ._base import MaskedDistArray, install_methods
from ._docs import ma_doc

__all__ = ["normalize_axis", "count", "sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "anom",
           "masked_result", "all", "any"]



def normalize_axis(axis: Any, ndim: int) -> Any:
    """NumPy's axis checks (AxisError on every rank before any message)."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(np.lib.array_utils.normalize_axis_tuple(axes, ndim)) if isinstance(axis, tuple) \
        else np.lib.array_utils.normalize_axis_index(axis, ndim)


def _filled_local(m: MaskedDistArray, value: Any) -> DistArray:
    """The data with masked elements set to ``value`` (numpy.ma's check of a fill value: TypeError when it
    does not fit the dtype), same layout."""
    return m.filled(value)


def masked_result(data: Any, mask: Any, fill_value: Any = None) -> Any:
    """A reduction's result: a MaskedDistArray, or a scalar (``np.ma.masked`` when masked)."""
    if isinstance(data, DistArray) and data.ndim:
        mask = mask.to_layout(data.distribution) if isinstance(mask, DistArray) else \
            DistArray._new(np.full(data.distribution.local_shape, bool(mask)), data.distribution)
        return MaskedDistArray._new(data, mask, fill_value)
    masked = bool(mask.item() if isinstance(mask, DistArray) else mask)
    if masked:
        return np.ma.masked
    return data.local[()] if isinstance(data, DistArray) else data  # (a 0-d block is on every rank)


def _scalar_or(x: Any) -> Any:
    """A 0-d DistArray as the NumPy scalar NumPy would give; arrays unchanged."""
    if isinstance(x, DistArray) and x.ndim == 0:
        return x.local[()]
    return x


@ma_doc
def count(m: MaskedDistArray, axis: Any = None, keepdims: bool = False) -> Any:
    """Number of unmasked elements of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    {keepdims}

    Returns
    -------
    numpy.intp or DistArray
        An ``intp`` scalar (equal on every rank) when every axis is reduced,
        else a DistArray of counts.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.count, numpy_dist.ma.compressed

    Notes
    -----
    Communication: a distributed sum of the unmasked flags (partials
    combined within the reduced axes' sub-communicators).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> int(nd.ma.count(m))
    2
    >>> nd.asnumpy(nd.ma.count(m, axis=0))
    array([1, 0, 1])
    """
    axis = normalize_axis(axis, m.ndim)
    counts = np.sum(np.logical_not(m.mask), axis=axis, dtype=np.intp, keepdims=keepdims)
    return _scalar_or(counts)


def _all_masked(m: MaskedDistArray, axis: Any, keepdims: bool = False) -> Any:
    return _scalar_or(np.all(m.mask, axis=axis, keepdims=keepdims))


@ma_doc
def sum(m: MaskedDistArray, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum of the unmasked elements of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    dtype : dtype, optional
        The accumulation and result dtype (default as NumPy's).
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.sum, prod, mean

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.sum(m))
    4.0
    >>> nd.ma.sum(m, axis=1).to_numpy_masked()
    masked_array(data=[4.0, --],
                 mask=[False,  True],
           fill_value=1e+20)
    """
    axis = normalize_axis(axis, m.ndim)
    total = np.sum(_filled_local(m, 0), axis=axis, dtype=dtype, keepdims=keepdims)
    return masked_result(_scalar_or(total), _all_masked(m, axis, keepdims), m._fv)


@ma_doc
def prod(m: MaskedDistArray, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Product of the unmasked elements of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    dtype : dtype, optional
        The accumulation and result dtype (default as NumPy's).
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.prod, sum

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.prod(m))
    3.0
    """
    axis = normalize_axis(axis, m.ndim)
    total = np.prod(_filled_local(m, 1), axis=axis, dtype=dtype, keepdims=keepdims)
    return masked_result(_scalar_or(total), _all_masked(m, axis, keepdims), m._fv)


def _extreme(m: MaskedDistArray, func: Any, fill: Any, axis: Any, keepdims: bool) -> Any:
    axis = normalize_axis(axis, m.ndim)
    value = func(_filled_local(m, fill(m.dtype)), axis=axis, keepdims=keepdims)
    return masked_result(_scalar_or(value), _all_masked(m, axis, keepdims), m._fv)


def _minimum_fill(dtype: np.dtype) -> Any:
    return np.ma.minimum_fill_value(np.empty(0, dtype))


def _maximum_fill(dtype: np.dtype) -> Any:
    return np.ma.maximum_fill_value(np.empty(0, dtype))


@ma_doc
def min(m: MaskedDistArray, axis: Any = None, keepdims: bool = False) -> Any:
    """Smallest unmasked element of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.min, max, argmin

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.min(m))
    1.0
    """
    return _extreme(m, np.min, _minimum_fill, axis, keepdims)


@ma_doc
def max(m: MaskedDistArray, axis: Any = None, keepdims: bool = False) -> Any:
    """Largest unmasked element of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.max, min, argmax

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.max(m))
    3.0
    """
    return _extreme(m, np.max, _maximum_fill, axis, keepdims)


@ma_doc
def argmin(m: MaskedDistArray, axis: Any = None, fill_value: Any = None, keepdims: bool = False) -> Any:
    """Index of the smallest unmasked element of ``m`` (along ``axis``).

    Parameters
    ----------
    {m}
    axis : int, optional
        The axis to search along; None (default) the flattened array.
    fill_value : scalar, optional
        The value masked elements count as (default: the dtype's largest
        fill value, so they never win unless everything is masked).
    {keepdims}

    Returns
    -------
    numpy.intp or DistArray
        A plain (unmasked) result, as numpy.ma gives: a flat index scalar
        (equal on every rank) when ``axis`` is None, else a DistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.argmin, argmax, min

    Notes
    -----
    Communication: that of the distributed ``argmin`` of the filled data.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> int(nd.ma.argmin(m))
    0
    """
    fill = _minimum_fill(m.dtype) if fill_value is None else fill_value
    return _scalar_or(np.argmin(_filled_local(m, fill), axis=normalize_axis(axis, m.ndim), keepdims=keepdims))


@ma_doc
def argmax(m: MaskedDistArray, axis: Any = None, fill_value: Any = None, keepdims: bool = False) -> Any:
    """Index of the largest unmasked element of ``m`` (along ``axis``).

    Parameters
    ----------
    {m}
    axis : int, optional
        The axis to search along; None (default) the flattened array.
    fill_value : scalar, optional
        The value masked elements count as (default: the dtype's smallest
        fill value, so they never win unless everything is masked).
    {keepdims}

    Returns
    -------
    numpy.intp or DistArray
        A plain (unmasked) result, as numpy.ma gives: a flat index scalar
        (equal on every rank) when ``axis`` is None, else a DistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.argmax, argmin, max

    Notes
    -----
    Communication: that of the distributed ``argmax`` of the filled data.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> int(nd.ma.argmax(m))
    2
    """
    fill = _maximum_fill(m.dtype) if fill_value is None else fill_value
    return _scalar_or(np.argmax(_filled_local(m, fill), axis=normalize_axis(axis, m.ndim), keepdims=keepdims))


def _mean_dtype(dtype: np.dtype, requested: Any) -> Any:
    """numpy.ma's accumulation type of a mean: float64 for ints and bools, float32 for float16."""
    if requested is not None:
        return requested
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return None


@ma_doc
def mean(m: MaskedDistArray, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Mean of the unmasked elements of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    dtype : dtype, optional
        The accumulation dtype (default float64 for integers and booleans,
        float32 for float16, else ``m``'s).
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.mean, sum, average

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.mean(m))
    2.0
    >>> nd.ma.mean(m, axis=1).to_numpy_masked()
    masked_array(data=[2.0, --],
                 mask=[False,  True],
           fill_value=1e+20)
    """
    axis = normalize_axis(axis, m.ndim)
    acc = _mean_dtype(m.dtype, dtype)
    total = np.sum(_filled_local(m, 0), axis=axis, dtype=acc, keepdims=keepdims)
    n = np.sum(np.logical_not(m.mask), axis=axis, dtype=np.intp, keepdims=keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        if m.dtype.kind == "c":  # numpy.ma's ``dsum * 1. / cnt``: a complex product by 1, so inf+1j is inf+nanj
            total = np.multiply(total, 1.0)
        value = np.true_divide(total, n)
    if m.dtype == np.float16 and dtype is None:
        value = value.astype(np.float16)
    masked = n == 0
    if isinstance(value, DistArray) and value.ndim:  # numpy.ma divides a masked sum: a non-finite mean is masked
        masked = np.logical_or(masked, np.logical_not(np.isfinite(value)))
    return masked_result(_scalar_or(value), _scalar_or(masked), m._fv)


@ma_doc
def var(m: MaskedDistArray, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance of the unmasked elements of ``m`` (over ``axis``).

    Parameters
    ----------
    {m}
    {axis}
    dtype : dtype, optional
        The accumulation dtype (as :func:`mean`).
    ddof : int, optional
        Subtracted from the number of unmasked elements in the divisor
        (default 0).
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` where ``count - ddof <= 0``), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.var, std

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.var(m))
    1.0
    >>> nd.ma.var(m, ddof=2)  # two unmasked elements: nothing left
    masked
    """
    axis = normalize_axis(axis, m.ndim)
    acc = _mean_dtype(m.dtype, dtype)
    center = np.sum(_filled_local(m, 0), axis=axis, dtype=acc, keepdims=True)
    n_kept = np.sum(np.logical_not(m.mask), axis=axis, dtype=np.intp, keepdims=True)
    dof = np.subtract(np.sum(np.logical_not(m.mask), axis=axis, dtype=np.intp, keepdims=keepdims), ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        kept_mean = np.true_divide(center, n_kept)
        dev = np.subtract(m.data, kept_mean)
        dev = np.abs(dev) ** 2 if dev.dtype.kind == "c" else np.multiply(dev, dev)
        dev = DistArray._new(np.where(m.mask.local, 0, dev.to_layout(m.distribution).local), m.distribution)
        value = np.true_divide(np.sum(dev, axis=axis, keepdims=keepdims), dof)
    # numpy.ma masks a non-finite mean (a NaN or an infinity unmasked), and with it every deviation from it:
    # over every axis the variance is masked; along an axis it is the sum of nothing, 0, and left unmasked.
    off = np.any(np.logical_not(np.isfinite(kept_mean)), axis=axis, keepdims=keepdims)
    if isinstance(value, DistArray) and value.ndim:
        value = np.where(off, value.dtype.type(0), value)
        return masked_result(value, np.less_equal(dof, 0), m._fv)
    # Over every axis numpy.ma divides by dof as a masked divide: masked when everything is masked, dof is 0
    # or the quotient is not finite (a non-finite mean's included); a negative dof divides (-0.0 for one
    # element and ddof=2).  An empty complex array is the exception: numpy.ma's ``absolute(anomalies)`` drops
    # the empty mask, so its sum of squares is 0, not masked, and a positive ddof gives -0.0.
    value, dof = _scalar_or(value), int(_scalar_or(dof))
    all_masked = dof + ddof == 0 and (m.size > 0 or m.dtype.kind != "c")
    return masked_result(value, all_masked or dof == 0 or not np.isfinite(value), m._fv)


@ma_doc
def std(m: MaskedDistArray, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation of the unmasked elements of ``m`` (over ``axis``): the square root of :func:`var`.

    Parameters
    ----------
    {m}
    {axis}
    dtype : dtype, optional
        The accumulation dtype (as :func:`mean`).
    ddof : int, optional
        Subtracted from the number of unmasked elements in the divisor
        (default 0).
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` where ``count - ddof <= 0``), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.std, var

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> float(nd.ma.std(m))
    1.0
    """
    v = var(m, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    if v is np.ma.masked:
        return v
    if isinstance(v, MaskedDistArray):
        return MaskedDistArray._new(np.sqrt(v.data), v.mask, v._fv)
    return np.ma.masked if v < 0 else np.sqrt(v)  # (numpy.ma's sqrt masks its domain: a negative dof's variance)


@ma_doc
def anom(m: MaskedDistArray, axis: Any = None, dtype: Any = None) -> MaskedDistArray:
    """Anomalies of ``m``: each element minus the mean of the unmasked elements (along ``axis``).

    Parameters
    ----------
    {m}
    axis : int, optional
        The axis of the means; None (default) subtracts the mean of all.
    dtype : dtype, optional
        The accumulation dtype of the mean (as :func:`mean`).

    Returns
    -------
    MaskedDistArray
        ``m``'s shape and mask (all masked when nothing is unmasked).

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.anom, mean

    Notes
    -----
    Communication: that of :func:`mean`, then an element-wise subtraction
    (a broadcast of the means along ``axis``).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> nd.ma.anom(m).to_numpy_masked()
    masked_array(
      data=[[-1.0, --, 1.0],
            [--, --, --]],
      mask=[[False,  True, False],
            [ True,  True,  True]],
      fill_value=1e+20)
    """
    mu = mean(m, axis=axis, dtype=dtype)
    if mu is np.ma.masked:  # nothing unmasked: every anomaly is masked
        if m.ndim == 0:
            return np.ma.masked
        # (numpy.ma subtracts the float64 masked constant: the dtype promotes as with a 0-d float64 array)
        data = m.data.astype(np.result_type(m.dtype, np.float64))
        return MaskedDistArray._new(data, DistArray._new(np.ones(m.distribution.local_shape, bool), m.distribution),
                                    m._fv)
    if isinstance(mu, MaskedDistArray):  # means along axis: the reduced axes put back, as NumPy's expand_dims
        axes = normalize_axis(axis, m.ndim)
        axes = axes if isinstance(axes, tuple) else (axes,)
        mu = mu.reshape(tuple(1 if i in axes else n for i, n in enumerate(m.shape)))
    # numpy.ma's operator: the masks combine, and a mean over every axis is a scalar, so a NaN anomaly from an
    # unmasked NaN stays unmasked there (a mean along an axis already masks a non-finite mean).
    return m - mu


@ma_doc
def all(m: MaskedDistArray, axis: Any = None, keepdims: bool = False) -> Any:
    """Whether every unmasked element of ``m`` is true (over ``axis``); masked ones count as True.

    Parameters
    ----------
    {m}
    {axis}
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy bool (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.all, any

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> bool(m.all())
    True
    """
    axis = normalize_axis(axis, m.ndim)
    value = np.all(_filled_local(m, True), axis=axis, keepdims=keepdims)
    return masked_result(_scalar_or(value), _all_masked(m, axis, keepdims))


@ma_doc
def any(m: MaskedDistArray, axis: Any = None, keepdims: bool = False) -> Any:
    """Whether some unmasked element of ``m`` is true (over ``axis``); masked ones count as False.

    Parameters
    ----------
    {m}
    {axis}
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy bool (equal on every rank) when every axis is reduced
        (``numpy.ma.masked`` if nothing was unmasked), else a
        MaskedDistArray.

    Raises
    ------
    {axis_error}

    See Also
    --------
    numpy.ma.MaskedArray.any, all

    Notes
    -----
    {reduce_communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_array(nd.asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    ...                        mask=[[False, True, False], [True, True, True]])
    >>> bool(m.any())
    True
    """
    axis = normalize_axis(axis, m.ndim)
    value = np.any(_filled_local(m, False), axis=axis, keepdims=keepdims)
    return masked_result(_scalar_or(value), _all_masked(m, axis, keepdims))


install_methods(count=count, sum=sum, prod=prod, mean=mean, var=var, std=std, min=min, max=max,
                argmin=argmin, argmax=argmax, anom=anom, all=all, any=any)
