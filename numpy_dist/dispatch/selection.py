"""Selection and masked writes: ``np.select``, ``np.choose``, ``np.piecewise``, ``np.putmask``,
``np.place``, ``np.trim_zeros``, ``np.sort_complex`` and ``np.i0``.

``select``, ``choose``, ``piecewise`` and ``i0`` are elementwise: every
operand is aligned with the output's layout and NumPy runs on the local
blocks (``piecewise`` calls each function on the rank's local selection).  ``putmask`` and
``place`` write into the DistArray they are given, at positions found from
global indices (``putmask``: the C-order flat index; ``place``: the running
count of true mask entries, a distributed cumulative sum).  Arguments are
checked on global metadata (dtypes, shapes, tiny stand-ins) before any
message.

Communication: alignment of operands laid out otherwise (redistribution);
``place`` adds a distributed cumulative sum of the mask and a redistribution
of it to the target's layout; ``trim_zeros`` two small allreduces per axis
plus a slice; ``sort_complex`` is ``np.sort``; a DistArray of values given to
``putmask``/``place`` is gathered (a small operand, repeated cyclically),
except one of the target's size given to ``putmask``, which is aligned
element by element with the target (a redistribution when laid out otherwise);
one agreement on local failures per call.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray, aligned_block
from .diagonals import local_flat_indices
from .manipulation import as_distarray, expand_dims, ravel, reshape
from .operands import elementwise, standin, store_result
from .fallback import gathered_operand
from .registry import implements

__all__ = ["select", "choose", "piecewise", "putmask", "place", "trim_zeros", "sort_complex", "i0"]


# --------------------------------------------------------------------------
# elementwise selection
# --------------------------------------------------------------------------


def _weak_or_array(x):
    """NumPy's view of a choice in ``np.select``: Python numbers stay weak (NEP 50), the rest are arrays."""
    if type(x) in (int, float, complex) or isinstance(x, DistArray):
        return x
    return np.asarray(x)


def _broadcast_shape(shapes: list) -> tuple:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError("shape mismatch: objects cannot be broadcast to a single shape") from None


@implements(np.select)
def select(condlist, choicelist, default=0):
    """``np.select``: elementwise on operands aligned with the output's layout.

    Parameters
    ----------
    condlist : sequence of bool arrays
    choicelist : sequence of arrays
        As long as ``condlist``; the first true condition picks its choice.
    default : scalar or array
        Where no condition holds.

    Returns
    -------
    DistArray
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    choices = [_weak_or_array(c) for c in choicelist] + [_weak_or_array(default)]
    try:
        np.result_type(*(standin(c) for c in choices))
    except TypeError as e:
        raise TypeError(f"Choicelist and default value do not have a common dtype: {e}") from None
    conds = [c if isinstance(c, DistArray) else np.asarray(c) for c in condlist]
    cond_shape = _broadcast_shape([c.shape for c in conds])
    choice_shape = _broadcast_shape([np.shape(c) for c in choices])
    for i, cond in enumerate(conds):
        if cond.dtype.type is not np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    # NumPy's result takes the shape of the first condition and choice; every operand must fit it.
    result_shape = cond_shape if np.ndim(choices[0]) == 0 else _broadcast_shape([cond_shape, np.shape(choices[0])])
    if _broadcast_shape([result_shape, choice_shape]) != result_shape:
        raise ValueError(f"could not broadcast input array from shape {choice_shape} into shape {result_shape}")
    n = len(conds)
    return elementwise(lambda *ops: np.select(ops[:n], ops[n:2 * n], ops[2 * n]), conds + choices, "select")


def _index_standin(a) -> np.ndarray:
    """A tiny stand-in of ``a`` holding zeros: a valid choice index whatever the number of choices."""
    return np.zeros(tuple(min(n, 1) for n in np.shape(a)), np.asarray(standin(a)).dtype)


@implements(np.choose)
def choose(a, choices, out=None, mode="raise"):
    """``np.choose``: elementwise on ``a`` and the choices aligned with the output's layout.

    An index out of range (``mode="raise"``) on any rank raises NumPy's
    ValueError on every rank.
    """
    if isinstance(choices, DistArray):
        choices = [choices[i] for i in range(choices.shape[0])] if choices.ndim else choices
    if not isinstance(a, DistArray):
        a = np.asarray(a)
    choices = [c if isinstance(c, DistArray) else np.asarray(c) for c in choices]
    # NumPy checks the index dtype, the mode and the choices' common dtype on tiny stand-ins.
    np.choose(_index_standin(a), [standin(c) for c in choices], mode=mode)
    shape = _broadcast_shape([a.shape] + [c.shape for c in choices])
    if out is not None and np.shape(out) != shape:  # NumPy casts into ``out`` unsafely: no dtype check
        raise TypeError("choose: invalid shape for output array.")
    n = len(choices)
    result = elementwise(lambda *ops: np.choose(ops[0], ops[1:n + 1], mode=mode), [a] + choices, "choose")
    return store_result(out, result) if out is not None else result


def _condition_list(x, condlist) -> list:
    """``condlist`` as NumPy's ``piecewise`` reads it: a list of conditions, each boolean.

    NumPy wraps ``condlist`` in a list unless its first entry is an array or a
    list (a DistArray counts as an array: its rows, for two or more dimensions).
    """
    if np.isscalar(condlist) or (isinstance(condlist, DistArray) and condlist.ndim == 0):
        condlist = [condlist]  # a 0-d DistArray stands for the NumPy scalar a 0-d comparison gives
        nested = True
    elif isinstance(condlist, (DistArray, np.ndarray)):
        if condlist.ndim == 0:
            raise IndexError("too many indices for array: array is 0-dimensional, but 1 were indexed")
        if condlist.shape[0] == 0:  # NumPy reads condlist[0]
            raise IndexError("index 0 is out of bounds for axis 0 with size 0")
        nested = condlist.ndim >= 2
    else:
        nested = isinstance(condlist[0], (list, np.ndarray, DistArray))
    if not nested and x.ndim != 0:
        condlist = [condlist]
    if isinstance(condlist, DistArray):
        conds = [condlist[i] for i in range(condlist.shape[0])]
    else:
        conds = [condlist[i] for i in range(len(condlist))]
    conds = [c.astype(bool, copy=False) if isinstance(c, DistArray) else np.asarray(c, dtype=bool) for c in conds]
    if len({c.shape for c in conds}) > 1:
        raise ValueError("setting an array element with a sequence. The requested array has an inhomogeneous "
                         "shape after 1 dimensions.")
    return conds


def _as_index_of(cond, shape: tuple):
    """A boolean index of ``x`` (a prefix of ``x``'s shape, or 0-d) broadcast over ``x``'s trailing axes."""
    if cond.ndim and cond.shape != shape[:cond.ndim]:
        raise IndexError(f"boolean index did not match indexed array; shape of the array is {shape} but shape of "
                         f"the boolean index is {cond.shape}")
    extra = len(shape) - cond.ndim
    if not cond.ndim or not extra:
        return cond
    axes = tuple(range(cond.ndim, len(shape)))
    return expand_dims(cond, axes) if isinstance(cond, DistArray) else np.expand_dims(cond, axes)


@implements(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    """``np.piecewise``: elementwise on ``x`` and the conditions aligned with ``x``'s layout.

    Parameters
    ----------
    x : DistArray or array_like
    condlist : list of bool arrays (DistArray or NumPy) or bool scalars
        Each broadcast over ``x`` as a boolean index of ``x``.
    funclist : list of callables or scalars
        One per condition, plus optionally one for where no condition holds.
        A callable receives this rank's local selection ``x_local[cond_local]``
        (a 1-d NumPy array; NumPy passes the global ``x[cond]``): an
        elementwise function gives NumPy's result.  It is called only on
        ranks whose selection is not empty.
    *args, **kw
        Passed to each callable.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.
    """
    if not isinstance(x, DistArray):
        x = np.asanyarray(x)
    funclist = list(funclist)
    conds = _condition_list(x, condlist)
    n, n2 = len(conds), len(funclist)
    if n != n2 and n != n2 - 1:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    conds = [_as_index_of(c, x.shape) for c in conds]

    def kernel(xl, *cl):
        cl = [np.broadcast_to(c, xl.shape) for c in cl]
        if n == n2 - 1:  # NumPy's "otherwise": where no condition holds
            cl.append(~np.any(cl, axis=0) if cl else np.ones(xl.shape, bool))
        y = np.zeros_like(xl)
        for c, func in zip(cl, funclist):
            if not callable(func):
                y[c] = func
            else:
                vals = xl[c]
                if vals.size > 0:
                    y[c] = func(vals, *args, **kw)
        return y

    return elementwise(kernel, [x] + conds, "piecewise")


@implements(np.i0)
def i0(x):
    """``np.i0``: the modified Bessel function of order 0, elementwise on the local block."""
    x = as_distarray(x)
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    return elementwise(np.i0, [x], "i0")


@implements(np.sort_complex)
def sort_complex(a):
    """``np.sort_complex``: ``np.sort`` along the last axis, then NumPy's complex dtype for the input."""
    a = as_distarray(a)
    result = np.sort(a)
    if issubclass(result.dtype.type, np.complexfloating):
        return result
    char = a.dtype.char
    return result.astype("F" if char in "bhBH" else "G" if char == "g" else "D")


# --------------------------------------------------------------------------
# masked writes into the argument
# --------------------------------------------------------------------------


def _mask_like(target: DistArray, mask, name: str) -> DistArray | np.ndarray:
    """``mask`` with the target's shape (same size required), as booleans."""
    if np.size(mask) != target.size:
        raise ValueError(f"{name}: mask and data must be the same size")
    if isinstance(mask, DistArray):
        mask = mask if mask.shape == target.shape else reshape(mask, target.shape)
        return mask.astype(bool) if mask.dtype != np.bool_ else mask
    return np.asarray(mask).astype(bool).reshape(target.shape)


def _check_safe_cast(dtype: np.dtype, ndim: int, target: DistArray) -> None:
    if not np.can_cast(dtype, target.dtype, "safe"):
        what = "scalar" if ndim == 0 else "array data"
        raise TypeError(f"Cannot cast {what} from {dtype!r} to {target.dtype!r} according to the rule 'safe'")


def _written_values(target: DistArray, values) -> np.ndarray:
    """``values`` flattened and converted to the target's dtype as NumPy converts them.

    Arrays (0-d included) are cast only safely; Python and NumPy scalars and
    sequences are converted as by ``np.array(v, dtype)``.
    """
    if isinstance(values, DistArray):
        values = gathered_operand(values, "written values")  # repeated cyclically: any rank may need any
    if isinstance(values, np.ndarray):
        _check_safe_cast(values.dtype, values.ndim, target)
        return values.astype(target.dtype).reshape(-1)
    return np.array(values, dtype=target.dtype).reshape(-1)


@implements(np.putmask)
def putmask(a, mask, values):
    """``np.putmask``: ``a.flat[n] = values[n % len(values)]`` where ``mask`` is true, written into ``a``.

    Parameters
    ----------
    a : DistArray
        The target, written in place.
    mask : array_like
        Same size as ``a``.
    values : array_like
        Repeated cyclically over the flat positions of ``a``.

    Returns
    -------
    None
    """
    if not isinstance(a, DistArray):
        if not isinstance(a, np.ndarray):
            raise TypeError("putmask: first argument must be an array")
        return np.putmask(a, asnumpy(mask) if isinstance(mask, DistArray) else mask,
                          asnumpy(values) if isinstance(values, DistArray) else values)
    mask = _mask_like(a, mask, "putmask")
    if isinstance(values, DistArray) and values.size == a.size:
        return _putmask_aligned(a, mask, values)
    vals = _written_values(a, values)
    if vals.size == 0:
        return None
    local_mask = aligned_block(mask, a.distribution)
    with _comm.agreed(a.comm, fp="putmask"):
        flat = local_flat_indices(a)[local_mask]
        a.local[local_mask] = vals[flat % vals.size]
    return None


def _putmask_aligned(a: DistArray, mask, values: DistArray) -> None:
    """``putmask`` with values of ``a``'s size: flat position ``n`` reads ``values.flat[n]``, element by element.

    The values are brought to ``a``'s layout (reshaped first when their shape
    differs): no rank reads more than its share.
    """
    _check_safe_cast(values.dtype, values.ndim, a)
    if a.size == 0:
        return None
    aligned = values if values.shape == a.shape else reshape(values, a.shape)
    local_values = aligned_block(aligned, a.distribution)
    local_mask = aligned_block(mask, a.distribution)
    with _comm.agreed(a.comm, fp="putmask"):
        a.local[local_mask] = local_values[local_mask]
    return None


@implements(np.place)
def place(arr, mask, vals):
    """``np.place``: the k-th true position of ``mask`` (C order) gets ``vals[k % len(vals)]``, in place.

    The running count of true entries is a distributed cumulative sum of the
    flattened mask, brought to the target's layout.
    """
    if not isinstance(arr, DistArray):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"place() argument 1 must be numpy.ndarray, not {type(arr).__name__}")
        return np.place(arr, asnumpy(mask) if isinstance(mask, DistArray) else mask,
                        asnumpy(vals) if isinstance(vals, DistArray) else vals)
    mask = _mask_like(arr, mask, "place")
    values = _written_values(arr, vals)
    if isinstance(mask, DistArray):
        order = reshape(np.cumsum(ravel(mask), dtype=np.int64), arr.shape)
        total = int(np.count_nonzero(mask))
    else:  # a NumPy mask is whole on every rank already
        order = np.cumsum(mask.reshape(-1), dtype=np.int64).reshape(arr.shape)
        total = int(order.reshape(-1)[-1]) if order.size else 0
    if total and values.size == 0:
        raise ValueError("Cannot insert from an empty array!")
    if total == 0:
        return None
    local_mask = aligned_block(mask, arr.distribution)
    local_order = aligned_block(order, arr.distribution)
    with _comm.agreed(arr.comm, fp="place"):
        arr.local[local_mask] = values[(local_order[local_mask] - 1) % values.size]
    return None


# --------------------------------------------------------------------------
# trim_zeros
# --------------------------------------------------------------------------


def _nonzero_extent(filt: DistArray, axis: int) -> tuple[int, int]:
    """(first, last) global index along ``axis`` of a nonzero element; (n, -1) when there is none."""
    dist = filt.distribution
    others = tuple(i for i in range(filt.ndim) if i != axis)
    local_any = np.any(filt.local != 0, axis=others) if filt.local.size else np.zeros(dist.local_shape[axis], bool)
    hits = dist.local_indices(axis)[local_any]
    first = int(hits.min()) if hits.size else filt.shape[axis]
    last = int(hits.max()) if hits.size else -1
    extent = _comm.allreduce_array(filt.comm, np.array([first, -last], np.int64), op="min")
    return int(extent[0]), -int(extent[1])


@implements(np.trim_zeros)
def trim_zeros(filt, trim="fb", axis=None):
    """``np.trim_zeros``: the slice of ``filt`` without leading/trailing all-zero hyperplanes.

    Parameters
    ----------
    filt : DistArray
    trim : str
        ``"f"`` front, ``"b"`` back, ``"fb"``/``"bf"`` both.
    axis : int or tuple of ints, optional
        Axes to trim (default all).

    Returns
    -------
    DistArray
        A slice of ``filt`` (or ``filt`` itself when no axis is trimmed).
    """
    filt = as_distarray(filt)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    axes = tuple(range(filt.ndim)) if axis is None else normalize_axis_tuple(axis, filt.ndim, argname="axis")
    if not axes:
        return filt
    extents = [_nonzero_extent(filt, ax) for ax in range(filt.ndim)]
    if any(last < first for first, last in extents):  # all zero: every trimmed axis becomes empty
        key = tuple(slice(0, 0) if ax in axes else slice(None) for ax in range(filt.ndim))
    else:
        key = tuple(slice(first if "f" in trim else None, last + 1 if "b" in trim else None)
                    if ax in axes else slice(None) for ax, (first, last) in enumerate(extents))
    return filt[key[0]] if filt.ndim == 1 else filt[key]
