"""Small NumPy functions: metadata queries, a few elementwise helpers, scans with an initial value, and views.

Metadata queries (``result_type``, ``can_cast`` ...) must never gather: they
look at dtypes only.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..distarray import DistArray
from ..indexing import shape_standin
from .manipulation import _dist, _split_with, concatenate, diff, flip, moveaxis, ravel, swapaxes
from .reductions import all as _all, cumprod, cumsum, numpy_checks_first
from .ufuncs import accumulate_loop_dtype, accumulated_into
from .elementwise import _into
from .registry import implements
from .ufuncs import elementwise


def _dtype_of(x):
    return x.dtype if isinstance(x, DistArray) else x


@implements(np.result_type)
def result_type(*arrays_and_dtypes):
    """``np.result_type`` from dtypes (no data moves; 0-d DistArrays count as arrays)."""
    return np.result_type(*[np.empty(0, x.dtype) if isinstance(x, DistArray) else x for x in arrays_and_dtypes])


@implements(np.can_cast)
def can_cast(from_, to, casting="safe"):
    """``np.can_cast`` from the dtype."""
    return np.can_cast(_dtype_of(from_), to, casting=casting)


@implements(np.min_scalar_type)
def min_scalar_type(a, /):
    """``np.min_scalar_type``: the dtype for arrays, the value's smallest type for 0-d ones."""
    return np.min_scalar_type(a.item() if a.ndim == 0 else np.empty(0, a.dtype))


@implements(np.common_type)
def common_type(*arrays):
    """``np.common_type`` from dtypes."""
    return np.common_type(*[np.empty(0, a.dtype) if isinstance(a, DistArray) else a for a in arrays])


def _share(a, b, test) -> bool:
    if not (isinstance(a, DistArray) and isinstance(b, DistArray)):
        return False
    return _comm.any_rank(a.comm, bool(test(a.local, b.local)))


@implements(np.shares_memory)
def shares_memory(a, b, /, max_work=-1):
    """``np.shares_memory``: do the local blocks overlap on any rank (one small agreement)."""
    return _share(a, b, lambda x, y: np.shares_memory(x, y, max_work=max_work))


@implements(np.may_share_memory)
def may_share_memory(a, b, /, max_work=0):
    """``np.may_share_memory``."""
    return _share(a, b, lambda x, y: np.may_share_memory(x, y, max_work=max_work))


@implements(np.astype)
def astype(x, dtype, /, *, copy=True, device=None):
    """``np.astype`` (no communication)."""
    return x.astype(dtype, copy=copy)


def _with_initial(scan, np_scan, ufunc, x, axis, dtype, out, include_initial, identity):
    x = _dist(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` argument is required.")
        axis = 0
    axis = normalize_axis_index(axis, max(x.ndim, 1))
    result = scan(x, axis=axis, dtype=accumulate_loop_dtype(ufunc, x.dtype, out, dtype))
    if out is not None:
        return _with_initial_into(out, result, axis, np_scan, x.dtype, dtype, include_initial, identity)
    if include_initial:
        shape = list(result.shape)
        shape[axis] = 1
        first = np.full(shape, identity, dtype=result.dtype)
        result = concatenate([first, result], axis=axis)
    return result


def _with_initial_into(out, result, axis, np_scan, in_dtype, dtype, include_initial, identity):
    """As NumPy: the accumulation goes into ``out`` by accumulate's ``out=`` rule (or into
    ``out[1:]`` along the axis, then ``out[0]`` along it is set to the identity)."""

    if not include_initial:
        return accumulated_into(out, result, axis, np_scan, in_dtype, dtype)
    rest = tuple(slice(1, None) if i == axis else slice(None) for i in range(result.ndim))
    part = out[rest]  # (a NumPy out's part is a view; a DistArray's a copy, written back)
    accumulated_into(part, result, axis, np_scan, in_dtype, dtype)
    if isinstance(out, DistArray):
        out[rest] = part
    out[tuple(0 if i == axis else slice(None) for i in range(result.ndim))] = identity
    return out


@implements(np.cumulative_sum)
def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """``np.cumulative_sum``: the distributed scan, with the standard's ``include_initial``."""
    return _with_initial(cumsum, np.cumulative_sum, np.add, x, axis, dtype, out, include_initial, 0)


@implements(np.cumulative_prod)
def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """``np.cumulative_prod``."""
    return _with_initial(cumprod, np.cumulative_prod, np.multiply, x, axis, dtype, out, include_initial, 1)


@implements(np.isposinf)
@numpy_checks_first(np.isposinf)
def isposinf(x, out=None):
    """``np.isposinf``."""
    return elementwise(np.isposinf, [x], "isposinf") if out is None else _into(out, elementwise(np.isposinf, [x], "isposinf"))


@implements(np.isneginf)
@numpy_checks_first(np.isneginf)
def isneginf(x, out=None):
    """``np.isneginf``."""
    return elementwise(np.isneginf, [x], "isneginf") if out is None else _into(out, elementwise(np.isneginf, [x], "isneginf"))


@implements(np.fix)
@numpy_checks_first(np.fix)
def fix(x, out=None):
    """``np.fix``."""
    result = elementwise(np.fix, [x], "fix")
    return result if out is None else _into(out, result)


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
    a = _dist(a)
    if not np.iscomplexobj(np.empty(0, a.dtype)):
        return a
    eps = np.finfo(a.dtype).eps
    limit = tol * eps if tol > 1 else tol
    if bool(_all(np.abs(np.imag(a)) < limit)):
        return np.real(a)
    return a


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """``np.rot90``: flips and a transpose (views, no communication)."""
    m = _dist(m)
    np.rot90(shape_standin(m.shape), k, axes)  # NumPy's checks, in NumPy's order
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == m.ndim:
        raise ValueError("Axes must be different.")
    if axes[0] >= m.ndim or axes[0] < -m.ndim or axes[1] >= m.ndim or axes[1] < -m.ndim:
        raise ValueError(f"Axes={axes} out of range for array of ndim={m.ndim}.")
    k %= 4
    if k == 0:
        return m[...]
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    if k == 1:
        return swapaxes(flip(m, axes[1]), axes[0], axes[1])
    return flip(swapaxes(m, axes[0], axes[1]), axes[1])


@implements(np.hsplit)
def hsplit(ary, indices_or_sections):
    """``np.hsplit`` (views)."""
    return _split_with(np.hsplit, ary, indices_or_sections, None)


@implements(np.vsplit)
def vsplit(ary, indices_or_sections):
    """``np.vsplit`` (views)."""
    return _split_with(np.vsplit, ary, indices_or_sections, None)


@implements(np.dsplit)
def dsplit(ary, indices_or_sections):
    """``np.dsplit`` (views)."""
    return _split_with(np.dsplit, ary, indices_or_sections, None)


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """``np.ediff1d``: differences of the flattened array, with optional ends.

    As NumPy: each end must cast to the array's dtype under 'same_kind' (TypeError), and the
    differences are ``np.subtract``'s (a bool array is NumPy's TypeError, where ``diff`` would xor).
    """
    flat = ravel(_dist(ary))
    begin, end = (None if e is None else _ediff1d_end(e, flat.dtype, name)
                  for e, name in ((to_begin, "to_begin"), (to_end, "to_end")))
    np.subtract(np.empty(0, flat.dtype), np.empty(0, flat.dtype))  # NumPy's loop check (none for bool)
    pieces = [p for p in (begin, diff(flat), end) if p is not None]
    return concatenate(pieces) if len(pieces) > 1 else pieces[0]


def _ediff1d_end(value, dtype, name):
    """An end of ``ediff1d`` (held by every rank), checked and cast as NumPy does."""
    from ..creation import asnumpy

    value = asnumpy(value) if isinstance(value, DistArray) else np.asanyarray(value)
    if not np.can_cast(value, dtype, casting="same_kind"):
        raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the `same_kind` rule.")
    return value.ravel().astype(dtype)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    """``np.rollaxis`` (metadata only)."""
    a = _dist(a)
    np.rollaxis(shape_standin(a.shape), axis, start)  # NumPy's checks, in NumPy's order
    n = a.ndim
    axis = normalize_axis_index(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a[...]
    return moveaxis(a, axis, start)


@implements(np.unstack)
def unstack(x, /, *, axis=0):
    """``np.unstack``: views along ``axis``."""
    x = _dist(x)
    np.unstack(shape_standin(x.shape), axis=axis)  # NumPy's checks
    axis = normalize_axis_index(axis, x.ndim)
    key = [slice(None)] * x.ndim
    out = []
    for i in range(x.shape[axis]):
        key[axis] = i
        out.append(x[tuple(key)])
    return tuple(out)


def _copyto_operand(x):
    """``src``/``where`` as copyto reads them: DistArrays and NumPy arrays as they are, sequences as
    NumPy arrays, Python scalars kept (NumPy converts those by value: 300 into int8 is OverflowError)."""
    if isinstance(x, (DistArray, np.ndarray, np.generic)) or np.ndim(x) == 0:
        return x
    return np.asarray(x)


def _probe(x):
    """A 0-d stand-in with ``x``'s dtype (``x`` itself if it is a Python scalar)."""
    return np.zeros((), x.dtype) if isinstance(x, (DistArray, np.ndarray, np.generic)) else x


@implements(np.copyto)
def copyto(dst, src, casting="same_kind", where=True):
    """``np.copyto`` into a DistArray: elementwise on ``dst``'s layout, ``src`` and ``where`` aligned
    to it (no gather).

    NumPy's checks come first, on metadata every rank holds, in its order: ``where`` cast safely to
    bool, ``src`` cast under ``casting`` (a 0-d probe), then both broadcast to ``dst``'s shape.
    """
    from .protocol import fallback
    from .ufuncs import local_operand

    if not isinstance(dst, DistArray):  # a NumPy dst: NumPy writes it (the fallback gathers src)
        return fallback(np.copyto, (dst, src), {"casting": casting, "where": where}, "numpy.copyto")
    src, where = _copyto_operand(src), _copyto_operand(where)
    np.copyto(np.empty((), dst.dtype), _probe(src), casting=casting, where=_probe(where))
    for operand in (src, where):
        np.broadcast_to(shape_standin(np.shape(operand)), dst.shape)  # NumPy's ValueError if not
    local_where = local_operand(where, dst.distribution) if np.ndim(where) else where
    np.copyto(dst.local, local_operand(src, dst.distribution), casting=casting, where=local_where)
    return None
