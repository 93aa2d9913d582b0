"""Building masked DistArrays (``masked_array``, ``masked_invalid``, ``masked_where`` ...), indexing,
and the NumPy protocols of :class:`MaskedDistArray`.

Every constructor takes a DistArray (or NumPy data held on every rank, which
is distributed first) and computes the mask in the data's own layout, block
by block: nothing moves.

NumPy functions: ``np.sum(m)``, ``np.mean``, ``np.var``, ``np.std``,
``np.min``/``max``, ``np.argmin``/``argmax``, ``np.median``, ``np.average``,
``np.count_nonzero``, ``np.shape``/``ndim``/``size`` and the ufuncs
(``np.log(m)``, ``m + 1``) dispatch to :mod:`numpy_dist.ma` through
``__array_function__``/``__array_ufunc__``.  ``numpy.ma``'s own functions
(``np.ma.sum(m)`` ...) are plain Python that converts its argument with
``np.ma.asanyarray``; NumPy offers no hook there, so they gather the whole
array (data and mask) through the fallback policy: a
:class:`~numpy_dist.FallbackWarning` by default, a
:class:`~numpy_dist.FallbackError` under ``set_fallback("error")``.  Use the
same name from ``nd.ma`` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _implicit
from ..comm import agreed, any_rank
from ..creation import asarray, asnumpy
from ..distarray import DistArray
from . import extras, methods, reductions
from ._base import MaskedDistArray, as_masked, install_methods, same_layout_mask

__all__ = ["masked_array", "array", "masked_where", "masked_invalid", "getdata", "getmask", "getmaskarray",
           "is_masked", "filled", "fix_invalid", "masked_by", "distributed"]


def distributed(x: Any, like: DistArray | None = None) -> DistArray:
    """``x`` as a DistArray: DistArrays as they are, NumPy data distributed (like ``like`` when given)."""
    if isinstance(x, MaskedDistArray):
        return x.data
    if isinstance(x, DistArray):
        return x
    if like is not None and np.shape(x) == like.shape:
        return asarray(np.asarray(x), dist=like.distribution)
    return asarray(np.asarray(x))


def masked_array(data: Any, mask: Any = False, dtype: Any = None, copy: bool = False,
                 fill_value: Any = None, keep_mask: bool = True) -> MaskedDistArray:
    """A masked DistArray of ``data`` with ``mask``.

    As ``numpy.ma.masked_array``; an element whose mask is True is missing.

    Parameters
    ----------
    data : DistArray, MaskedDistArray or array_like
        The data: a DistArray (its layout is kept), a MaskedDistArray (its
        mask is kept, OR'd with ``mask``, when ``keep_mask``), or NumPy data
        every rank holds (distributed in blocks; a NumPy masked array keeps
        its mask).
    mask : bool, array_like or DistArray, optional
        True where an element is missing.  One element masks all or
        nothing; as many elements as the data take its shape (a C-order
        reshape, numpy.ma's rule).  Default False (nothing masked).
    dtype : dtype, optional
        Cast the data to this dtype.
    copy : bool, optional
        If True, copy the data (a cast copies anyway).  Default False.
    fill_value : scalar, optional
        What :meth:`MaskedDistArray.filled` puts in masked places (default:
        numpy.ma's default for the dtype, or the masked input's).
    keep_mask : bool, optional
        If True (default), a masked input's mask is OR'd with ``mask``.

    Returns
    -------
    MaskedDistArray
        Data and mask in one layout.

    Raises
    ------
    numpy.ma.MaskError
        If ``mask`` has neither one element nor as many as the data.
    TypeError
        If ``fill_value`` does not fit the dtype.

    See Also
    --------
    numpy.ma.masked_array, masked_where, masked_invalid

    Notes
    -----
    Communication: none for DistArray data and mask in one layout; a
    DistArray mask in another layout is aligned to the data's (its
    elements move).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_array(x, mask=[0, 1, 0, 0]).to_numpy_masked()
    masked_array(data=[1, --, 3, 4],
                 mask=[False,  True, False, False],
           fill_value=999999)
    >>> m = nd.ma.masked_array(np.array([5, 6, 7]), mask=[1, 0, 0], fill_value=-1)
    >>> nd.asnumpy(m.filled())
    array([-1,  6,  7])
    """
    old_mask = None
    if isinstance(data, MaskedDistArray):
        old_mask = data.mask if keep_mask else None
        fill_value = data._fv if fill_value is None else fill_value
    elif np.ma.isMaskedArray(data):
        old_mask = np.ma.getmaskarray(data) if keep_mask else None
        fill_value = data.fill_value if fill_value is None and data._fill_value is not None else fill_value
        data = np.ma.getdata(data)
    d = distributed(data)
    if dtype is not None and np.dtype(dtype) != d.dtype:
        d = d.astype(dtype)
    elif copy:
        d = d.copy()
    m = same_layout_mask(mask, d.distribution)
    if old_mask is not None:
        m = DistArray._new(m.local | same_layout_mask(old_mask, d.distribution).local, d.distribution)
    if fill_value is not None and np.dtype(getattr(fill_value, "dtype", d.dtype)) != d.dtype:
        fill_value = np.asarray(fill_value).item()
    return MaskedDistArray(d, m, fill_value)


array = masked_array


def masked_where(condition: Any, a: Any, copy: bool = True) -> MaskedDistArray:
    """``a`` masked where ``condition`` is true (OR'd with ``a``'s own mask).

    As ``numpy.ma.masked_where``.

    Parameters
    ----------
    condition : array_like or DistArray of bool
        Where to mask: ``a``'s shape, or 0-d (masks all or nothing).
    a : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    copy : bool, optional
        If True (default), the result's data is a copy of ``a``'s.

    Returns
    -------
    MaskedDistArray
        ``a``'s data, masked where ``condition`` (or ``a``'s mask) is true.

    Raises
    ------
    IndexError
        If ``condition``'s shape is neither ``a``'s nor ``()``.

    See Also
    --------
    numpy.ma.masked_where, masked_array

    Notes
    -----
    Communication: none when ``condition`` is in ``a``'s layout (NumPy
    data, or a DistArray derived from ``a``); else it is aligned first.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_where(x > 2, x).to_numpy_masked()
    masked_array(data=[1, 2, --, --],
                 mask=[False, False,  True,  True],
           fill_value=999999)
    """
    data = distributed(a)
    if np.shape(condition) not in ((), data.shape):  # (a 0-d condition masks all or nothing, as in numpy.ma)
        raise IndexError(f"Inconsistent shape between the condition and the input (got {np.shape(condition)} "
                         f"and {data.shape})")
    cond = same_layout_mask(condition, data.distribution)
    if isinstance(a, MaskedDistArray):
        cond = DistArray._new(cond.local | a.mask.local, data.distribution)
    fill = a._fv if isinstance(a, MaskedDistArray) else None
    return MaskedDistArray._new(data.copy() if copy else data, cond, fill)


def masked_by(a: Any, test: Any, copy: bool) -> MaskedDistArray:
    """``a`` masked where ``test(local data block)`` is true: a purely local mask."""
    data = distributed(a)
    with np.errstate(invalid="ignore"):
        cond = DistArray._new(np.asarray(test(data.local), dtype=bool), data.distribution)
    return masked_where(cond, a if isinstance(a, MaskedDistArray) else data, copy=copy)


def masked_invalid(a: Any, copy: bool = True) -> MaskedDistArray:
    """``a`` masked where it is NaN or infinite.

    As ``numpy.ma.masked_invalid``; integer and boolean data have nothing
    invalid and stay unmasked.

    Parameters
    ----------
    a : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    copy : bool, optional
        If True (default), the result's data is a copy of ``a``'s.

    Returns
    -------
    MaskedDistArray
        ``a``'s data, masked where not finite (and where ``a`` was masked).

    See Also
    --------
    numpy.ma.masked_invalid, fix_invalid

    Notes
    -----
    Communication: none; each rank tests its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> f = nd.asarray(np.array([1.0, np.nan, 3.0, np.inf]))
    >>> m = nd.ma.masked_invalid(f)
    >>> int(m.count()), float(m.sum())
    (2, 4.0)
    """
    data = distributed(a)
    if data.dtype.kind not in "fc":  # nothing can be invalid; numpy.ma keeps integer data unmasked
        return masked_where(DistArray._new(np.zeros(data.distribution.local_shape, bool), data.distribution),
                            a if isinstance(a, MaskedDistArray) else data, copy=copy)
    return masked_by(a, lambda x: ~np.isfinite(x), copy)


def fix_invalid(a: Any, mask: Any = False, copy: bool = True, fill_value: Any = None) -> MaskedDistArray:
    """``a`` masked where invalid (NaN or infinite), with the invalid data replaced by ``fill_value``.

    As ``numpy.ma.fix_invalid``.

    Parameters
    ----------
    a : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    mask : bool, array_like or DistArray, optional
        An extra mask, OR'd in (default False).
    copy : bool, optional
        If True (default), ``a``'s data is not modified.
    fill_value : scalar, optional
        The value put in place of invalid data (default: the dtype's fill value).

    Returns
    -------
    MaskedDistArray
        Masked where ``a`` was invalid or masked; no NaN or infinity is left
        in its data.

    See Also
    --------
    numpy.ma.fix_invalid, masked_invalid

    Notes
    -----
    Communication: none; each rank fixes its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.fix_invalid(nd.asarray(np.array([1.0, np.nan, 3.0])), fill_value=0.0)
    >>> nd.asnumpy(m.data), nd.asnumpy(m.mask)
    (array([1., 0., 3.]), array([False,  True, False]))
    """
    m = masked_invalid(masked_array(a, mask=mask, copy=copy), copy=copy)
    if m.dtype.kind not in "fc":
        return m  # nothing is invalid, and numpy.ma never reads fill_value then
    invalid = ~np.isfinite(m.data.local)
    # numpy.ma converts fill_value only when something is invalid: the ranks agree on that first, so a
    # fill_value that does not convert raises on every rank or on none.
    if not any_rank(m.comm, bool(invalid.any())):
        return m
    fill = np.asarray(m.fill_value if fill_value is None else fill_value)
    if fill.ndim:  # numpy.ma assigns ``data[invalid] = fill_value``: one value per invalid element, in C order
        fill = _one_per_invalid(m, invalid, fill)
    with agreed(m.comm):
        m.data.local[invalid] = fill
    return m


def _one_per_invalid(m: MaskedDistArray, invalid: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """This rank's share of a sequence of fill values, the k-th for the k-th invalid element in C order (NumPy's
    ValueError, on every rank, unless there is one value or one per invalid element)."""
    flags = DistArray._new(invalid, m.distribution)
    total = int(np.sum(flags))
    if fill.ndim > 1 or fill.size not in (1, total):
        raise ValueError(f"NumPy boolean array indexing assignment cannot assign {fill.size} input values to the "
                         f"{total} output values where the mask is true")
    if fill.size == 1:
        return fill.reshape(())
    order = np.reshape(np.cumsum(np.ravel(flags), dtype=np.intp), m.shape).to_layout(m.distribution)
    return fill[order.local[invalid] - 1]


def getdata(a: Any) -> Any:
    """The data of ``a``, masked elements included.

    Parameters
    ----------
    a : MaskedDistArray, DistArray or any
        The array.

    Returns
    -------
    DistArray or any
        ``a.data`` for a MaskedDistArray (a view: shares its block); ``a`` itself otherwise.

    See Also
    --------
    numpy.ma.getdata, getmask

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> m = nd.ma.masked_equal(x, 2)
    >>> nd.asnumpy(nd.ma.getdata(m))
    array([1, 2, 3, 4])
    """
    return a.data if isinstance(a, MaskedDistArray) else a


def getmask(a: Any) -> Any:
    """The mask of ``a``, or ``numpy.ma.nomask`` when it has none.

    Parameters
    ----------
    a : MaskedDistArray, DistArray or any
        The array.

    Returns
    -------
    DistArray or numpy.ma.nomask
        The boolean mask of a MaskedDistArray; ``nomask`` for anything else.

    See Also
    --------
    numpy.ma.getmask, getmaskarray

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> m = nd.ma.masked_equal(x, 2)
    >>> nd.asnumpy(nd.ma.getmask(m))
    array([False,  True, False, False])
    >>> nd.ma.getmask(x) is nd.ma.nomask
    True
    """
    return a.mask if isinstance(a, MaskedDistArray) else np.ma.nomask


def getmaskarray(a: Any) -> DistArray:
    """The mask of ``a`` as a full boolean DistArray.

    Parameters
    ----------
    a : MaskedDistArray, DistArray or any
        The array.

    Returns
    -------
    DistArray
        ``a``'s mask; all False for a plain DistArray.

    See Also
    --------
    numpy.ma.getmaskarray, getmask

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> m = nd.ma.masked_equal(x, 2)
    >>> nd.asnumpy(nd.ma.getmaskarray(x))
    array([False, False, False, False])
    """
    return as_masked(a).mask


def is_masked(a: Any) -> bool:
    """Whether ``a`` has at least one masked element.

    Parameters
    ----------
    a : MaskedDistArray, DistArray or any
        The array.

    Returns
    -------
    bool
        The answer, equal on every rank (False for anything but a MaskedDistArray).

    See Also
    --------
    numpy.ma.is_masked

    Notes
    -----
    Communication: a distributed ``any`` of the mask (for a MaskedDistArray).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> m = nd.ma.masked_equal(x, 2)
    >>> nd.ma.is_masked(m), nd.ma.is_masked(x)
    (True, False)
    """
    return isinstance(a, MaskedDistArray) and bool(np.any(a.mask))


def filled(a: Any, fill_value: Any = None) -> Any:
    """``a`` with its masked elements replaced by ``fill_value``.

    Parameters
    ----------
    a : MaskedDistArray, DistArray or any
        The array.
    fill_value : scalar, optional
        The replacement (default: ``a.fill_value``).

    Returns
    -------
    DistArray or any
        A plain DistArray in ``a``'s layout; anything but a MaskedDistArray passes unchanged.

    See Also
    --------
    numpy.ma.filled, MaskedDistArray.filled

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> m = nd.ma.masked_equal(x, 2)
    >>> nd.asnumpy(nd.ma.filled(m, 0))
    array([1, 0, 3, 4])
    """
    return a.filled(fill_value) if isinstance(a, MaskedDistArray) else a


# -- indexing -------------------------------------------------------------------------------------


def _getitem(self: MaskedDistArray, key: Any) -> Any:
    if isinstance(key, MaskedDistArray):
        key = key.filled(False)
    data, mask = self.data[key], self.mask[key]
    if self.ndim == 0 and isinstance(key, tuple) and key == ():  # NumPy's scalar (a 0-d block is on every rank)
        data, mask = data.local[()], mask.local[()]
    if not isinstance(data, DistArray):  # one element
        return np.ma.masked if bool(mask) else data
    return MaskedDistArray._new(data, mask.to_layout(data.distribution), self._fv)


def _setitem(self: MaskedDistArray, key: Any, value: Any) -> None:
    if value is np.ma.masked:
        self.mask[key] = True
        return
    if isinstance(value, MaskedDistArray):
        self.data[key] = value.data
        self.mask[key] = value.mask
        return
    self.data[key] = value
    self.mask[key] = False


def _reshape(self: MaskedDistArray, *shape: Any, order: str = "C") -> MaskedDistArray:
    """Data and mask reshaped alike (``numpy.ma.MaskedArray.reshape``).

    Parameters
    ----------
    *shape : int or tuple of int
        The new shape, as separate ints or one tuple (one entry may be -1).
    order : {"C", "F"}, optional
        The index order of the reshape (default C).

    Returns
    -------
    MaskedDistArray
        The reshaped data and mask, in one layout.

    Raises
    ------
    ValueError
        If the new shape does not hold the array's size.

    Notes
    -----
    Communication: that of two distributed reshapes (data and mask).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_equal(x, 2).reshape(2, 2).shape
    (2, 2)
    """
    data = self.data.reshape(*shape, order=order)
    return MaskedDistArray._new(data, self.mask.reshape(*shape, order=order).to_layout(data.distribution),
                                self._fv)


# -- NumPy functions --------------------------------------------------------------------------------


def _shape_of(m: MaskedDistArray) -> tuple:
    return m.shape


def _numpy_average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
                   keepdims: bool = False) -> Any:
    """``np.average`` of a masked array: nd.ma.average, after NumPy's own ZeroDivisionError for an unweighted
    average whose result is empty (it divides the sizes, 0 by 0)."""
    axes = reductions.normalize_axis(axis, np.ndim(a))
    if weights is None and axes is not None:
        axes = axes if isinstance(axes, tuple) else (axes,)
        if not all(n for i, n in enumerate(np.shape(a)) if i not in axes):
            raise ZeroDivisionError("division by zero")
    return extras.average(a, axis=axis, weights=weights, returned=returned, keepdims=keepdims)


_FUNCTIONS = {
    np.sum: reductions.sum, np.prod: reductions.prod, np.mean: reductions.mean, np.var: reductions.var,
    np.std: reductions.std, np.min: reductions.min, np.max: reductions.max, np.amin: reductions.min,
    np.amax: reductions.max, np.argmin: reductions.argmin, np.argmax: reductions.argmax,
    np.all: reductions.all, np.any: reductions.any, np.median: extras.median, np.average: _numpy_average,
    np.reshape: lambda m, shape, order="C": _reshape(m, shape, order=order), np.shape: _shape_of, np.ndim: lambda m: m.ndim, np.size: lambda m, axis=None: m.size if axis is None
    else m.shape[axis], np.count_nonzero: lambda m, axis=None: np.count_nonzero(m.filled(0), axis=axis),
    **methods.FUNCTIONS,
}


def _array_function(self: MaskedDistArray, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    impl = _FUNCTIONS.get(func)
    if impl is None:
        return _gathered_call(func, args, kwargs)
    return impl(*args, **kwargs)


def _gathered_call(func: Any, args: Any, kwargs: Any) -> Any:
    """A NumPy function nd.ma does not implement: refused with a pointer to the masked functions it has."""
    raise TypeError(f"numpy.{func.__name__} is not implemented for nd.ma.MaskedDistArray (nd.ma has: "
                    f"{', '.join(sorted(f.__name__ for f in _FUNCTIONS))}); use m.filled(v) or m.data "
                    "to work on a plain DistArray")


def _array(self: MaskedDistArray, dtype: Any = None, copy: Any = None) -> np.ndarray:
    """``np.asarray(m)``: the data gathered on every rank, through the fallback policy."""
    if copy is False:
        raise ValueError("converting a MaskedDistArray to a NumPy array always copies (it gathers)")
    _implicit.implicit_gather(self.data, _GATHER_WHAT)
    out = asnumpy(self.data)
    return out if dtype is None else out.astype(dtype)


def _gathered_mask(self: MaskedDistArray) -> np.ndarray:
    """The mask gathered on every rank, for numpy.ma.

    ``numpy.ma.MaskedArray(x)`` takes ``x._mask`` from an object that is not an
    ndarray but has one: so ``np.ma.sum(m)`` and kin see the mask (after
    gathering, through the policy) instead of summing masked data.
    """
    _implicit.implicit_gather(self.mask, _GATHER_WHAT)
    return asnumpy(self.mask)


_GATHER_WHAT = "np.asarray(m) of an nd.ma array (numpy.ma functions convert so; use the nd.ma function of the same name)"


install_methods(reshape=_reshape, __getitem__=_getitem, __setitem__=_setitem, __array_function__=_array_function,
                __array__=_array, _mask=property(_gathered_mask))
