"""Elementwise NumPy functions that are not ufuncs, and small products and norms of vectors."""

from __future__ import annotations

import numpy as np

from ..distarray import DistArray
from .reductions import _as_dist, all as _all, max as _max, min as _min, sum as _sum
from .registry import implements
from .ufuncs import elementwise

_NoValue = np._NoValue


@implements(np.where)
def where(condition, x=_NoValue, y=_NoValue):
    """``np.where(condition, x, y)``, elementwise.  One-argument ``where`` is ``nonzero``."""
    if x is _NoValue and y is _NoValue:
        return np.nonzero(condition)
    if x is _NoValue or y is _NoValue:
        raise ValueError("either both or neither of x and y should be given")
    return elementwise(np.where, [condition, x, y], "where")


@implements(np.clip)
def clip(a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue, max=_NoValue, **kwargs):
    """``np.clip``."""
    lo = a_min if min is _NoValue else min
    hi = a_max if max is _NoValue else max
    if a_min is not _NoValue and min is not _NoValue or a_max is not _NoValue and max is not _NoValue:
        raise ValueError("Passing `min` or `max` keyword argument when `a_min` and `a_max` are provided is forbidden.")
    lo = None if lo is _NoValue else lo
    hi = None if hi is _NoValue else hi
    operands = [a] + [v for v in (lo, hi) if v is not None]

    def local_clip(x, *bounds):
        it = iter(bounds)
        return np.clip(x, next(it) if lo is not None else None, next(it) if hi is not None else None, **kwargs)

    result = elementwise(local_clip, operands, "clip")
    return _into(out, result)


def _into(out, result):
    if out is None:
        return result
    from .ufuncs import _store

    return _store(out, result)


@implements(np.round, np.around)
def round(a, decimals=0, out=None):
    """``np.round`` / ``np.around``."""
    return _into(out, elementwise(np.round, [a], "round", decimals=decimals))


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``np.isclose``."""
    return elementwise(np.isclose, [a, b], "isclose", rtol=rtol, atol=atol, equal_nan=equal_nan)


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``np.allclose``: a Python bool, the same on every rank."""
    return bool(_all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@implements(np.array_equal)
def array_equal(a1, a2, equal_nan=False):
    """``np.array_equal``: a Python bool, the same on every rank."""
    if np.shape(a1) != np.shape(a2):
        return False
    if equal_nan:
        return bool(_all(elementwise(lambda x, y: (x == y) | (np.isnan(x) & np.isnan(y)) if
                                     np.result_type(x, y).kind in "fc" else x == y, [a1, a2], "array_equal")))
    return bool(_all(np.equal(a1, a2)))


@implements(np.array_equiv)
def array_equiv(a1, a2):
    """``np.array_equiv``: equal after broadcasting."""
    try:
        np.broadcast_shapes(np.shape(a1), np.shape(a2))
    except ValueError:
        return False
    return bool(_all(np.equal(a1, a2)))


@implements(np.real)
def real(val):
    """``np.real`` (no communication)."""
    return elementwise(np.real, [val], "real")


@implements(np.imag)
def imag(val):
    """``np.imag`` (no communication)."""
    return elementwise(np.imag, [val], "imag")


@implements(np.iscomplexobj)
def iscomplexobj(x):
    """``np.iscomplexobj`` (metadata)."""
    return np.issubdtype(x.dtype, np.complexfloating)


@implements(np.isrealobj)
def isrealobj(x):
    """``np.isrealobj`` (metadata)."""
    return not np.issubdtype(x.dtype, np.complexfloating)


@implements(np.iscomplex)
def iscomplex(x):
    """``np.iscomplex``."""
    return elementwise(np.iscomplex, [x], "iscomplex")


@implements(np.isreal)
def isreal(x):
    """``np.isreal``."""
    return elementwise(np.isreal, [x], "isreal")


@implements(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """``np.nan_to_num``."""
    result = elementwise(np.nan_to_num, [x], "nan_to_num", nan=nan, posinf=posinf, neginf=neginf)
    if not copy and isinstance(x, DistArray):
        x.local[...] = result.local
        return x
    return result


def _vector_dot(a, b, conj: bool):
    a, b = _as_dist(a) if not isinstance(a, DistArray) and not isinstance(b, DistArray) else a, b
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise NotImplementedError
    if np.shape(a) != np.shape(b):
        raise ValueError(f"shapes {np.shape(a)} and {np.shape(b)} not aligned: "
                         f"{np.shape(a)[0]} (dim 0) != {np.shape(b)[0]} (dim 0)")
    prod = np.multiply(np.conjugate(a) if conj else a, b)
    dtype = np.result_type(*[x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype for x in (a, b)])
    return _sum(prod, dtype=dtype)  # NumPy's dot keeps the operands' dtype


@implements(np.dot)
def dot(a, b, out=None):
    """``np.dot``: native for 1-d vectors and scalars (a sum of products); other shapes fall back."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # dot treats Python scalars as arrays (no NEP 50 weak scalars)
        a = a if isinstance(a, DistArray) else np.asarray(a)
        b = b if isinstance(b, DistArray) else np.asarray(b)
        return _into(out, np.multiply(a, b))
    if np.ndim(a) == 1 and np.ndim(b) == 1 and out is None:
        return _vector_dot(a, b, conj=False)
    from .protocol import fallback

    return fallback(np.dot, (a, b), {"out": out} if out is not None else {}, "numpy.dot")


@implements(np.vdot)
def vdot(a, b, /):
    """``np.vdot``: conjugate dot product of flattened arrays (native for 1-d)."""
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return _vector_dot(a, b, conj=True)
    from .protocol import fallback

    return fallback(np.vdot, (a, b), {}, "numpy.vdot")


@implements(np.inner)
def inner(a, b, /):
    """``np.inner``: native for 1-d vectors and scalars."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return _vector_dot(a, b, conj=False)
    from .protocol import fallback

    return fallback(np.inner, (a, b), {}, "numpy.inner")


def _vector_norm(x, ord, axis, keepdims):
    absx = np.abs(x)
    if ord is None or ord == 2:
        sq = absx * absx
        return np.sqrt(_sum(sq, axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return _max(absx, axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return _min(absx, axis=axis, keepdims=keepdims)
    if ord == 0:
        return _sum(np.not_equal(x, 0).astype(absx.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(absx, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    return _sum(absx ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """``np.linalg.norm``: vector norms along any axis, and matrix norms 'fro', 1, -1, inf, -inf.

    The 2-norm, -2-norm and nuclear norm of matrices need singular values and
    fall back to NumPy.
    """
    from numpy.lib.array_utils import normalize_axis_tuple

    x = _as_dist(x)
    if not np.issubdtype(x.dtype, np.inexact):
        x = x.astype(float)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and x.ndim == 2):
            return _vector_norm(x, None, None, keepdims)
        if x.ndim == 1:
            return _vector_norm(x, ord, None, keepdims)
        if x.ndim != 2:
            raise ValueError("Improper number of dimensions to norm.")
        axis = (0, 1)
    axes = normalize_axis_tuple(axis, x.ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord in (None, "fro", "f"):
        return np.sqrt(_sum((np.abs(x) ** 2), axis=axes, keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        absx = np.abs(x)
        inner_axis, outer_axis = (row, col) if ord in (1, -1) else (col, row)
        pick = _max if ord in (1, np.inf) else _min
        sums = _sum(absx, axis=inner_axis, keepdims=keepdims)
        if not keepdims and outer_axis > inner_axis:
            outer_axis -= 1
        return pick(sums, axis=outer_axis, keepdims=keepdims)
    from .protocol import fallback

    return fallback(np.linalg.norm, (x,), {"ord": ord, "axis": axis, "keepdims": keepdims}, "numpy.linalg.norm")
