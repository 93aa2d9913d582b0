"""``compressed``, ``median`` and ``average`` of masked DistArrays.

``compressed`` keeps the unmasked elements in C order without gathering:
data and mask are brought to one row-block layout of the flattened array
(ranks hold consecutive stretches, in rank order), each rank keeps its
unmasked elements, and an exclusive scan of the local counts says where each
rank's piece starts in the result, whose layout is row blocks at those
bounds.  ``median`` of the whole array is the distributed median of that;
along an axis it is the distributed ``nanmedian`` of the data with masked
elements set to NaN.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ._base import MaskedDistArray, as_masked, install_methods
from ._docs import ma_doc
from .reductions import normalize_axis, masked_result, mean

__all__ = ["compressed", "median", "average"]


@ma_doc
def compressed(m: MaskedDistArray) -> DistArray:
    """The unmasked elements of ``m`` as a one-dimensional DistArray, in C order.

    Parameters
    ----------
    {m}

    Returns
    -------
    DistArray
        One-dimensional, of length ``m.count()``, laid out in row blocks
        (each rank keeps the unmasked elements it held).

    See Also
    --------
    numpy.ma.compressed, numpy_dist.ma.MaskedDistArray.count

    Notes
    -----
    Communication: data and mask are brought to one row-block layout of
    the flattened array (moved only if not already so), then one small
    allgather of the per-rank counts; nothing is gathered.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> nd.asnumpy(nd.ma.compressed(m))
    array([1, 3, 4])
    """
    comm = m.comm
    flat_layout = Distribution.row_blocks(comm, (m.size,))
    data = np.ravel(m.data).to_layout(flat_layout)
    mask = np.ravel(m.mask).to_layout(flat_layout)
    kept = data.local[~mask.local]
    counts = _comm.allgather_object(comm, int(kept.size))
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(int).tolist()
    return DistArray._new(kept, Distribution.row_blocks(comm, (bounds[-1],), bounds))


def _median_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy's median gives for ``dtype`` (float64 for integers)."""
    return np.median(np.zeros(1, dtype)).dtype


@ma_doc
def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """The median of the unmasked elements of ``a`` (along ``axis``).

    As ``numpy.ma.median``: masked where nothing is unmasked.  Along an axis,
    unmasked NaNs in the data count as missing too.

    Parameters
    ----------
    a : MaskedDistArray or DistArray
        The array (a plain DistArray has no masked element).
    {axis}
    out : None
        Not supported (must be None).
    overwrite_input : bool, optional
        Accepted for numpy.ma's signature; the input is never modified.
    {keepdims}

    Returns
    -------
    scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) over every axis
        (``numpy.ma.masked`` if nothing is unmasked), else a MaskedDistArray.
        Integers give float64, as NumPy.

    Raises
    ------
    TypeError
        If ``out`` is given.
    {axis_error}

    See Also
    --------
    numpy.ma.median, average

    Notes
    -----
    Communication: over every axis, :func:`compressed` then a distributed
    median (selection, not a gather); along an axis, the distributed
    ``nanmedian`` of the data with masked elements set to NaN.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> float(nd.ma.median(m))
    3.0
    """
    m = as_masked(a)
    if out is not None:
        raise TypeError("nd.ma.median(out=...) is not supported")
    axis = normalize_axis(axis, m.ndim)
    result_dtype = _median_dtype(m.dtype)
    if axis is not None and any(m.shape[a] == 0 for a in (axis if isinstance(axis, tuple) else (axis,))):
        return mean(m, axis=axis, keepdims=keepdims)  # numpy.ma's median of empty slices: their (masked) mean
    if axis is None and not keepdims:
        kept = compressed(m)
        if kept.size == 0:
            return np.ma.masked
        return result_dtype.type(np.median(kept))
    values = m.data.astype(result_dtype) if m.dtype != result_dtype else m.data.copy()
    values.local[m.mask.local] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-masked slice: masked, not a warning
        value = np.nanmedian(values, axis=axis, keepdims=keepdims)
    empty = np.all(m.mask, axis=axis, keepdims=keepdims)
    if m.dtype.kind in "fc":  # NumPy's median is NaN where an unmasked NaN is in the slice
        unmasked_nan = np.any(np.logical_and(np.isnan(m.data), np.logical_not(m.mask)), axis=axis, keepdims=keepdims)
        nan = result_dtype.type(np.nan) if m.dtype.kind == "f" else _last_complex_nan(m, axis, keepdims)
        if isinstance(value, DistArray):
            value = np.where(unmasked_nan, nan, value)
        elif unmasked_nan:  # (a vector along its axis: scalars)
            value = result_dtype.type(nan)
    if isinstance(value, DistArray) and value.ndim == 0:
        value = value.local[()]  # (NumPy's scalar type; a 1-d array along its axis gives a scalar already)
    return masked_result(value, empty)


def _last_complex_nan(m: MaskedDistArray, axis: Any, keepdims: bool) -> Any:
    """Per slice, the unmasked complex NaN NumPy's median gives: the last in NumPy's sort order (``R+nanj``
    by real part, then ``nan+Rj`` by imaginary part, then ``nan+nanj``)."""
    re, im = np.real(m.data), np.imag(m.data)
    kept = np.logical_not(m.mask)
    re_nan, im_nan = np.isnan(re), np.isnan(im)
    both = np.any(re_nan & im_nan & kept, axis=axis, keepdims=keepdims)
    only_re = re_nan & np.logical_not(im_nan) & kept
    only_im = np.logical_not(re_nan) & im_nan & kept
    imag_of = np.max(np.where(only_re, im, -np.inf), axis=axis, keepdims=keepdims)
    real_of = np.max(np.where(only_im, re, -np.inf), axis=axis, keepdims=keepdims)
    # (``x + complex(0, nan)`` keeps x as the real part; ``x * 1j`` would make it NaN)
    with np.errstate(invalid="ignore"):  # (-inf * 1j, where no slice uses it)
        nan_real = np.add(np.multiply(imag_of, 1j), complex(np.nan, 0))
    nan_imag = np.add(real_of, complex(0, np.nan))
    return np.where(both, complex(np.nan, np.nan),
                    np.where(np.any(only_re, axis=axis, keepdims=keepdims), nan_real, nan_imag))


@ma_doc
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, keepdims: bool = False) -> Any:
    """The weighted average of the unmasked elements of ``a`` (along ``axis``).

    As ``numpy.ma.average``: masked where nothing (or only zero weight) is
    unmasked.

    Parameters
    ----------
    a : MaskedDistArray or DistArray
        The array (a plain DistArray has no masked element).
    axis : int, tuple of int or None, optional
        The axes to average over; None (default) all.
    weights : numpy.ndarray or DistArray, optional
        The weight of each element: ``a``'s shape, or one-dimensional along
        an int ``axis``.  Default: all ones (the mean).
    returned : bool, optional
        If True, also return the sum of the weights of the unmasked
        elements.  Default False.
    {keepdims}

    Returns
    -------
    average : scalar, MaskedDistArray or numpy.ma.masked
        A NumPy scalar (equal on every rank) over every axis, else a
        MaskedDistArray.
    sum_of_weights : scalar or DistArray
        Only with ``returned``.

    Raises
    ------
    ValueError
        If ``weights``' shape does not fit ``a`` and ``axis``.
    {axis_error}

    See Also
    --------
    numpy.ma.average, numpy_dist.ma.MaskedDistArray.mean

    Notes
    -----
    Communication: distributed sums of the weighted data and of the
    weights (partials combined within the reduced axes' sub-communicators).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> float(nd.ma.average(m))
    2.6666666666666665
    >>> float(nd.ma.average(m, weights=np.array([1.0, 1.0, 1.0, 3.0])))
    3.2
    """
    m = as_masked(a)
    axis = normalize_axis(axis, m.ndim)
    if weights is None:
        value = mean(m, axis=axis, keepdims=keepdims)
        total = m.count(axis=axis, keepdims=keepdims)
        total = total.astype(np.float64) if isinstance(total, DistArray) else np.float64(total)
        return (value, total) if returned else value
    w = _weights_like(m, weights, axis)
    kept = np.logical_not(m.mask)
    # numpy.ma computes in the result's dtype (complex for complex data, float64 at least for integers)
    wsum_dtype = np.result_type(m.dtype, np.asarray(w).dtype if not isinstance(w, DistArray) else w.dtype,
                                *(("f8",) if m.dtype.kind in "biu" else ()))
    weighted = np.multiply(m.data, w, dtype=wsum_dtype)
    wsum = np.sum(np.where(kept, w, 0), axis=axis, dtype=wsum_dtype, keepdims=keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.true_divide(np.sum(np.where(kept, weighted, 0), axis=axis, keepdims=keepdims), wsum)
    empty = np.all(m.mask, axis=axis, keepdims=keepdims)
    if isinstance(value, DistArray) and value.ndim:  # numpy.ma divides masked sums: a non-finite average is masked
        result = masked_result(value, np.logical_or(empty, np.logical_not(np.isfinite(value))))
    else:
        result = masked_result(value.local[()] if isinstance(value, DistArray) else value, empty.item())
    if returned:  # numpy.ma's sum of the weights is masked where nothing was unmasked, as the average
        return result, masked_result(wsum, empty)
    return result


def _weights_like(m: MaskedDistArray, weights: Any, axis: Any) -> Any:
    """Weights broadcast against ``m`` (1-d weights lie along ``axis``, as NumPy's average)."""
    shape = np.shape(weights)
    if shape == m.shape:
        return weights
    if axis is None or isinstance(axis, tuple) or len(shape) != 1 or shape[0] != m.shape[axis]:
        raise ValueError("Shape of weights must be consistent with shape of a along specified axis.")
    along = [1] * m.ndim
    along[axis] = shape[0]
    return np.reshape(np.asarray(weights), along) if not isinstance(weights, DistArray) else np.reshape(weights, along)


install_methods(compressed=compressed)
