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
from ..creation import asarray, asnumpy
from ..distarray import DistArray
from . import extras, reductions
from ._base import MaskedDistArray, as_masked, install_methods, same_layout_mask

__all__ = ["masked_array", "array", "masked_where", "masked_invalid", "masked_equal", "masked_not_equal",
           "masked_greater", "masked_greater_equal", "masked_less", "masked_less_equal", "masked_inside",
           "masked_outside", "masked_values", "getdata", "getmask", "getmaskarray", "is_masked", "filled",
           "fix_invalid"]


def _distributed(x: Any, like: DistArray | None = None) -> DistArray:
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
    """A masked DistArray of ``data`` with ``mask`` (``numpy.ma.masked_array``).

    ``data`` is a DistArray, a MaskedDistArray (its mask is kept and OR'd
    with ``mask`` when ``keep_mask``), or NumPy data held by every rank
    (distributed in blocks; a NumPy masked array keeps its mask).
    """
    old_mask = None
    if isinstance(data, MaskedDistArray):
        old_mask = data.mask if keep_mask else None
        fill_value = data._fv if fill_value is None else fill_value
    elif np.ma.isMaskedArray(data):
        old_mask = np.ma.getmaskarray(data) if keep_mask else None
        fill_value = data.fill_value if fill_value is None and data._fill_value is not None else fill_value
        data = np.ma.getdata(data)
    d = _distributed(data)
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
    """``a`` masked where ``condition`` is true (OR'd with ``a``'s mask), ``numpy.ma.masked_where``."""
    data = _distributed(a)
    if np.shape(condition) != data.shape:
        raise IndexError(f"Inconsistent shape between the condition and the input (got {np.shape(condition)} "
                         f"and {data.shape})")
    cond = same_layout_mask(condition, data.distribution)
    if isinstance(a, MaskedDistArray):
        cond = DistArray._new(cond.local | a.mask.local, data.distribution)
    fill = a._fv if isinstance(a, MaskedDistArray) else None
    return MaskedDistArray._new(data.copy() if copy else data, cond, fill)


def _masked_by(a: Any, test: Any, copy: bool) -> MaskedDistArray:
    """``a`` masked where ``test(local data block)`` is true: a purely local mask."""
    data = _distributed(a)
    with np.errstate(invalid="ignore"):
        cond = DistArray._new(np.asarray(test(data.local), dtype=bool), data.distribution)
    return masked_where(cond, a if isinstance(a, MaskedDistArray) else data, copy=copy)


def masked_invalid(a: Any, copy: bool = True) -> MaskedDistArray:
    """``a`` masked where it is NaN or infinite (``numpy.ma.masked_invalid``)."""
    data = _distributed(a)
    if data.dtype.kind not in "fc":  # nothing can be invalid; numpy.ma keeps integer data unmasked
        return masked_where(DistArray._new(np.zeros(data.distribution.local_shape, bool), data.distribution),
                            a if isinstance(a, MaskedDistArray) else data, copy=copy)
    return _masked_by(a, lambda x: ~np.isfinite(x), copy)


def masked_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where equal to ``value``; the fill value becomes ``value``, as in numpy.ma."""
    out = _masked_by(x, lambda b: b == value, copy)
    out.fill_value = value
    return out


def masked_not_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where not equal to ``value``."""
    return _masked_by(x, lambda b: b != value, copy)


def masked_greater(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where greater than ``value``."""
    return _masked_by(x, lambda b: b > value, copy)


def masked_greater_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where greater than or equal to ``value``."""
    return _masked_by(x, lambda b: b >= value, copy)


def masked_less(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where less than ``value``."""
    return _masked_by(x, lambda b: b < value, copy)


def masked_less_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where less than or equal to ``value``."""
    return _masked_by(x, lambda b: b <= value, copy)


def masked_inside(x: Any, v1: Any, v2: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked inside the closed interval between ``v1`` and ``v2`` (either order)."""
    lo, hi = (v1, v2) if v1 <= v2 else (v2, v1)
    return _masked_by(x, lambda b: (b >= lo) & (b <= hi), copy)


def masked_outside(x: Any, v1: Any, v2: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked outside the closed interval between ``v1`` and ``v2`` (either order)."""
    lo, hi = (v1, v2) if v1 <= v2 else (v2, v1)
    return _masked_by(x, lambda b: (b < lo) | (b > hi), copy)


def masked_values(x: Any, value: Any, rtol: float = 1e-5, atol: float = 1e-8, copy: bool = True,
                  shrink: bool = True) -> MaskedDistArray:
    """``x`` masked where approximately equal to ``value`` (``isclose`` for floats, ``==`` otherwise)."""
    data = _distributed(x)
    if data.dtype.kind in "fc":
        out = _masked_by(x, lambda b: np.isclose(b, value, atol=atol, rtol=rtol), copy)
    else:
        out = _masked_by(x, lambda b: b == value, copy)
    out.fill_value = value
    return out


def fix_invalid(a: Any, mask: Any = False, copy: bool = True, fill_value: Any = None) -> MaskedDistArray:
    """``a`` masked where invalid, with the invalid data replaced by ``fill_value``."""
    m = masked_invalid(masked_array(a, mask=mask, copy=copy), copy=copy)
    fill = m.fill_value if fill_value is None else fill_value
    m.data.local[~np.isfinite(m.data.local)] = fill
    return m


def getdata(a: Any) -> Any:
    """The data of ``a`` (a DistArray for masked DistArrays; ``a`` itself otherwise)."""
    return a.data if isinstance(a, MaskedDistArray) else a


def getmask(a: Any) -> Any:
    """The mask of ``a`` (``numpy.ma.nomask`` for unmasked input)."""
    return a.mask if isinstance(a, MaskedDistArray) else np.ma.nomask


def getmaskarray(a: Any) -> DistArray:
    """The mask of ``a`` as a full boolean DistArray (all False for a plain DistArray)."""
    return as_masked(a).mask


def is_masked(a: Any) -> bool:
    """Whether ``a`` has at least one masked element."""
    return isinstance(a, MaskedDistArray) and bool(np.any(a.mask))


def filled(a: Any, fill_value: Any = None) -> Any:
    """``a`` with masked elements replaced by ``fill_value`` (a plain DistArray passes unchanged)."""
    return a.filled(fill_value) if isinstance(a, MaskedDistArray) else a


# -- indexing -------------------------------------------------------------------------------------


def _getitem(self: MaskedDistArray, key: Any) -> Any:
    if isinstance(key, MaskedDistArray):
        key = key.filled(False)
    data, mask = self.data[key], self.mask[key]
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
    """Data and mask reshaped alike (``numpy.ma.MaskedArray.reshape``)."""
    data = self.data.reshape(*shape, order=order)
    return MaskedDistArray._new(data, self.mask.reshape(*shape, order=order).to_layout(data.distribution),
                                self._fv)


# -- NumPy functions --------------------------------------------------------------------------------


def _shape_of(m: MaskedDistArray) -> tuple:
    return m.shape


_FUNCTIONS = {
    np.sum: reductions.sum, np.prod: reductions.prod, np.mean: reductions.mean, np.var: reductions.var,
    np.std: reductions.std, np.min: reductions.min, np.max: reductions.max, np.amin: reductions.min,
    np.amax: reductions.max, np.argmin: reductions.argmin, np.argmax: reductions.argmax,
    np.all: reductions.all, np.any: reductions.any, np.median: extras.median, np.average: extras.average,
    np.reshape: lambda m, shape, order="C": _reshape(m, shape, order=order), np.shape: _shape_of, np.ndim: lambda m: m.ndim, np.size: lambda m, axis=None: m.size if axis is None
    else m.shape[axis], np.count_nonzero: lambda m, axis=None: np.count_nonzero(m.filled(0), axis=axis),
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
