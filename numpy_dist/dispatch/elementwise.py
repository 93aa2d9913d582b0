"""Elementwise NumPy functions that are not ufuncs: ``where``, ``clip``, ``round``, ``isclose``, ``real``,
``isposinf``, ``fix``, ``sinc``, ``angle``, ``real_if_close`` ..., and ``copyto`` (elementwise on the
destination's layout).

Communication: as the ufunc ``__call__`` path (operands laid out otherwise are
redistributed; one agreement on the local kernel's errors); the comparisons to
a Python bool (allclose, array_equal ...) add one logical all-reduction.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray, aligned_block
from ..indexing import shape_standin, without_leading_ones
from .fallback import fallback
from .manipulation import as_distarray
from .operands import elementwise, store_result, validate_with_numpy
from .reductions import all as _all, numpy_checks_first
from .registry import implements

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
    if out is not None:  # NumPy checks out's casting before any shape (on stand-ins: every rank, no message)
        validate_with_numpy(np.clip, (a, lo, hi), {"out": out, **kwargs})
    operands = [a] + [v for v in (lo, hi) if v is not None]

    def local_clip(x, *bounds):
        it = iter(bounds)
        return np.clip(x, next(it) if lo is not None else None, next(it) if hi is not None else None, **kwargs)

    result = elementwise(local_clip, operands, "clip")
    return into_out(out, result, kwargs.get("casting", "same_kind"), "clip")


def into_out(out, result, casting="same_kind", fp="cast"):
    """``result``, or ``result`` stored into ``out`` under ``casting`` (NumPy's ufunc rule for ``out``: same_kind).

    ``fp``: the name the cast's floating-point errors are reported under (NumPy's: the ufunc that wrote ``out``).
    """
    if out is None:
        return result
    return store_result(out, result, casting=casting, fp=fp)




@implements(np.round, np.around)
def round(a, decimals=0, out=None):
    """``np.round`` / ``np.around``."""
    if out is not None and np.size(out) != np.size(a):  # NumPy's first check, before any dtype's
        raise ValueError("invalid output shape")
    if out is not None and _dtype_of(a).kind == "c":
        return _round_complex_into(a, decimals, out)
    if _assigned_into_out(a, decimals, out):
        return into_out(out, as_distarray(a).reshape(np.shape(out)))
    return _round(a, decimals, out)


def _assigned_into_out(a, decimals, out) -> bool:
    """Whether NumPy rounds by assigning ``a`` into ``out``: integers to ``decimals >= 0`` are already round,
    and NumPy copies them with assignment's broadcasting (leading length-1 axes of ``a`` dropped)."""
    if out is None or _dtype_of(a).kind not in "iu" or not isinstance(decimals, (int, np.integer)) or decimals < 0:
        return False
    src, dst = tuple(np.shape(a)), tuple(np.shape(out))
    while src and src[0] == 1:
        src = src[1:]
    return tuple(np.shape(a)) != dst and len(src) <= len(dst) and \
        all(s in (1, d) for s, d in zip(src[::-1], dst[::-1]))


@numpy_checks_first(np.round)
def _round(a, decimals=0, out=None):
    return into_out(out, elementwise(np.round, [a], "round", decimals=decimals), fp="rint" if decimals == 0 else "cast")


def _dtype_of(x):
    return x.dtype if isinstance(x, (DistArray, np.ndarray)) else np.asarray(x).dtype


def _round_complex_into(a, decimals, out):
    """NumPy rounds a complex array into ``out`` by assigning ``out.real`` then ``out.imag``: the
    assignment's shape rule (leading length-1 axes dropped, ValueError otherwise), then TypeError
    for an ``out`` without an imaginary part."""
    result = _round(a, decimals)
    shape_standin(np.shape(out))[...] = shape_standin(result.shape)  # NumPy's assignment errors
    if out.dtype.kind != "c":
        raise TypeError("array does not have imaginary part to set")
    if isinstance(out, DistArray):
        out[...] = result
    else:
        out[...] = asnumpy(result)
    return out


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


@implements(np.isposinf)
@numpy_checks_first(np.isposinf)
def isposinf(x, out=None):
    """``np.isposinf``."""
    return elementwise(np.isposinf, [x], "isposinf") if out is None else into_out(out, elementwise(np.isposinf, [x], "isposinf"))


@implements(np.isneginf)
@numpy_checks_first(np.isneginf)
def isneginf(x, out=None):
    """``np.isneginf``."""
    return elementwise(np.isneginf, [x], "isneginf") if out is None else into_out(out, elementwise(np.isneginf, [x], "isneginf"))


@implements(np.fix)
@numpy_checks_first(np.fix)
def fix(x, out=None):
    """``np.fix``."""
    result = elementwise(np.fix, [x], "fix")
    return result if out is None else into_out(out, result)


@implements(np.sinc)
def sinc(x):
    """``np.sinc``."""
    return elementwise(np.sinc, [x], "sinc")


@implements(np.angle)
def angle(z, deg=False):
    """``np.angle``."""
    return elementwise(lambda v: np.angle(v, deg=deg), [z], "angle")


@implements(np.real_if_close)
def real_if_close(a, tol=100):
    """``np.real_if_close``: the decision is taken over the whole array (one reduction)."""
    a = as_distarray(a)
    if not np.iscomplexobj(np.empty(0, a.dtype)):
        return a
    eps = np.finfo(a.dtype).eps
    limit = tol * eps if tol > 1 else tol
    if bool(_all(np.abs(np.imag(a)) < limit)):
        return np.real(a)
    return a


def _copyto_operand(x):
    """``src``/``where`` as copyto reads them: DistArrays and NumPy arrays as they are, sequences as
    NumPy arrays, Python scalars kept (NumPy converts those by value: 300 into int8 is OverflowError)."""
    if isinstance(x, (DistArray, np.ndarray, np.generic)) or np.ndim(x) == 0:
        return x
    return np.asarray(x)


def _scalar_standin(x):
    """A 0-d stand-in with ``x``'s dtype (``x`` itself if it is a Python scalar)."""
    return np.zeros((), x.dtype) if isinstance(x, (DistArray, np.ndarray, np.generic)) else x


@implements(np.copyto)
def copyto(dst, src, casting="same_kind", where=True):
    """``np.copyto`` into a DistArray: elementwise on ``dst``'s layout, ``src`` and ``where`` aligned
    to it (no gather).

    NumPy's checks come first, on metadata every rank holds, in its order: ``where`` cast safely to
    bool, ``src`` cast under ``casting`` (a 0-d probe), then both broadcast to ``dst``'s shape.
    """
    if not isinstance(dst, DistArray):  # a NumPy dst: NumPy writes it (the fallback gathers src)
        return fallback(np.copyto, (dst, src), {"casting": casting, "where": where}, "numpy.copyto")
    src, where = _copyto_operand(src), _copyto_operand(where)
    src = without_leading_ones(src, dst.ndim)  # (NumPy ignores them in src, not in where)
    with _comm.quiet_complex_cast():  # (warned once, below, if NumPy casts at all)
        np.copyto(np.empty((), dst.dtype), _scalar_standin(src), casting=casting, where=_scalar_standin(where))
    for operand in (src, where):
        np.broadcast_to(shape_standin(np.shape(operand)), dst.shape)  # NumPy's ValueError if not
    local_where = aligned_block(where, dst.distribution) if np.ndim(where) else where
    local_src = aligned_block(src, dst.distribution)
    quiet = _comm.quiet_complex_cast() if _comm.warn_complex_cast(src, dst.dtype) else contextlib.nullcontext()
    with quiet:
        if isinstance(src, (DistArray, np.ndarray)) and _comm.cast_may_err(src.dtype, dst.dtype):
            # (NaN or a too large value: only the ranks holding it would warn)
            _comm.agreed_call(dst.comm, lambda: np.copyto(dst.local, local_src, casting=casting, where=local_where),
                              fp="cast")
        else:
            np.copyto(dst.local, local_src, casting=casting, where=local_where)
    return None
