"""Result metadata decided in the notebook, from the call alone (no round trip).

An operation whose result is known to be one array returns a proxy at once; its
shape and dtype come from here when they can be decided from the operands'
metadata (broadcasting, reduced axes, a zero-byte stand-in for indexing, a
one-element trial of the function for the dtype).  Argument errors that the
metadata decides (shapes that do not broadcast, a bad axis, an index out of
bounds, an unsupported dtype) are raised here, at once, with NumPy's class:
NumPy itself raises them on the stand-ins.  Anything not decided here is
``UNKNOWN``: the proxy takes it from the engines' answer when it is needed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..distribution import normalize_shape, shape_standin

__all__ = ["UNKNOWN", "Prediction", "ufunc_call", "ufunc_method", "function_call", "getitem",
           "setitem_check", "creation", "contains_proxy"]

UNKNOWN = None

REDUCTIONS = frozenset({
    "sum", "prod", "mean", "std", "var", "min", "max", "amin", "amax", "any", "all", "argmin", "argmax",
    "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax", "nanargmin", "nanargmax",
    "median", "nanmedian", "ptp", "count_nonzero",
})
SCANS = frozenset({"cumsum", "cumprod", "nancumsum", "nancumprod"})
SAME_SHAPE = frozenset({"copy", "clip", "round", "around", "nan_to_num", "conj", "conjugate"})


class Prediction:
    """What the notebook knows of a result before the engines answer.

    ``array`` False means "not known to be one array": the call waits for the
    engines' descriptor (a value, a tuple of arrays ...).
    """

    __slots__ = ("array", "shape", "dtype")

    def __init__(self, array: bool, shape: tuple | None = UNKNOWN, dtype: np.dtype | None = UNKNOWN):
        self.array, self.shape, self.dtype = array, shape, dtype


NOT_KNOWN = Prediction(False)


def contains_proxy(obj: Any, proxy_type: type) -> bool:
    if isinstance(obj, proxy_type):
        return True
    if isinstance(obj, (tuple, list)):
        return any(contains_proxy(x, proxy_type) for x in obj)
    if isinstance(obj, dict):
        return any(contains_proxy(x, proxy_type) for x in obj.values())
    return False


def _tiny(x: Any) -> Any:
    """A one-element stand-in with ``x``'s dtype (Python scalars stay weak, as NEP 50 wants)."""
    dtype = getattr(x, "dtype", None)
    if hasattr(x, "_remote_key") or isinstance(x, np.ndarray):
        return np.ones((1,) * max(len(x.shape), 1), dtype)
    if isinstance(x, (list, tuple)):
        return np.ones(1, np.asarray(x).dtype)
    return x


def _trial_dtype(func: Callable, args: tuple, kwargs: dict) -> np.dtype | None:
    """The result dtype of ``func`` on one-element stand-ins (None when the trial is no guide)."""
    with np.errstate(all="ignore"):
        try:
            out = func(*args, **kwargs)
        except (ArithmeticError, RuntimeError):  # a value problem of the stand-in, not of the call
            return UNKNOWN
    return getattr(out, "dtype", UNKNOWN)


def _shape_of(x: Any) -> tuple:
    return tuple(x.shape) if hasattr(x, "_remote_key") else np.shape(x)


def ufunc_call(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Prediction:
    """``ufunc(*inputs)``: the broadcast shape and the trial dtype (raises NumPy's errors at once)."""
    if ufunc.nout != 1 or any(k in kwargs for k in ("out", "where", "signature", "axes", "axis")):
        return NOT_KNOWN
    if ufunc.signature is not None:
        return NOT_KNOWN
    shape = np.broadcast_shapes(*[_shape_of(x) for x in inputs])
    if shape == ():
        return NOT_KNOWN
    dtype = _trial_dtype(ufunc, tuple(_tiny(x) for x in inputs), kwargs)
    return Prediction(True, shape, dtype)


def _reduced_shape(shape: tuple, axis: Any, keepdims: bool) -> tuple | None:
    """Shape after reducing ``axis`` (None: every axis); raises AxisError as NumPy does."""
    from numpy.lib.array_utils import normalize_axis_tuple

    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _bound(func: Callable, first: Any, rest: tuple, kwargs: dict) -> inspect.BoundArguments | None:
    try:
        return inspect.signature(func).bind(first, *rest, **kwargs)
    except (TypeError, ValueError):
        return None


def _reduction(func: Callable, x: Any, rest: tuple, kwargs: dict) -> Prediction:
    bound = _bound(func, x, rest, kwargs)
    if bound is None:
        return NOT_KNOWN
    params = dict(bound.arguments)
    params.pop(next(iter(params)))
    if params.get("out") is not None or params.get("where") is not None:
        return NOT_KNOWN
    shape = _reduced_shape(x.shape, params.get("axis"), bool(params.get("keepdims", False)))
    if shape == ():
        return NOT_KNOWN
    trial_params = {k: v for k, v in params.items() if k not in ("axis", "keepdims")}
    dtype = _trial_dtype(func, (_tiny(x),), trial_params)
    return Prediction(True, shape, dtype)


def _scan(func: Callable, x: Any, rest: tuple, kwargs: dict) -> Prediction:
    bound = _bound(func, x, rest, kwargs)
    if bound is None or bound.arguments.get("out") is not None:
        return NOT_KNOWN
    axis = bound.arguments.get("axis")
    if axis is not None:
        _reduced_shape(x.shape, axis, True)  # AxisError at once
    shape = (int(np.prod(x.shape)),) if axis is None else tuple(x.shape)
    dtype = _trial_dtype(func, (_tiny(x),), {k: v for k, v in bound.arguments.items()
                                             if k not in ("a", "axis", "out")})
    return Prediction(True, shape, dtype)


def _reshaped(size: int, newshape: Any) -> tuple:
    """NumPy's reshape arithmetic (one -1 allowed), with its ValueError."""
    return shape_standin((size,)).reshape(newshape).shape


def function_call(name: str, func: Callable | None, args: tuple, kwargs: dict, proxy_type: type) -> Prediction:
    """A NumPy function (or method of the same name) called with a proxy as first argument."""
    if not args or not isinstance(args[0], proxy_type):
        return NOT_KNOWN
    x, rest = args[0], args[1:]
    if contains_proxy(rest, proxy_type) or contains_proxy(kwargs, proxy_type):
        return NOT_KNOWN
    np_func = getattr(np, name, None) if func is None else func
    if name in REDUCTIONS and callable(np_func):
        return _reduction(np_func, x, rest, kwargs)
    if name in SCANS and callable(np_func):
        return _scan(np_func, x, rest, kwargs)
    if name in SAME_SHAPE and callable(np_func):
        return Prediction(True, x.shape, _trial_dtype(np_func, (_tiny(x), *rest), kwargs))
    if name == "astype" and rest:
        return Prediction(True, x.shape, np.dtype(rest[0]))
    if name == "reshape" and (rest or "shape" in kwargs):
        newshape = rest[0] if len(rest) == 1 else rest if rest else kwargs["shape"]
        return Prediction(True, _reshaped(int(np.prod(x.shape)), newshape), x.dtype)
    if name in ("transpose", "permute_dims"):
        axes = rest[0] if len(rest) == 1 else (rest or kwargs.get("axes"))
        return Prediction(True, shape_standin(x.shape).transpose(axes or None).shape, x.dtype)
    if name in ("ravel", "flatten"):
        return Prediction(True, (int(np.prod(x.shape)),), x.dtype)
    return NOT_KNOWN


def ufunc_method(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict, proxy_type: type) -> Prediction:
    """``ufunc.reduce`` and ``ufunc.accumulate`` on one proxy (others: not known)."""
    if method not in ("reduce", "accumulate") or len(inputs) != 1 or contains_proxy(kwargs, proxy_type):
        return NOT_KNOWN
    if kwargs.get("out") is not None or kwargs.get("where") is not None:
        return NOT_KNOWN
    x = inputs[0]
    axis = kwargs.get("axis", 0)
    if method == "accumulate":
        _reduced_shape(x.shape, axis, True)
        shape = x.shape
    else:
        shape = _reduced_shape(x.shape, axis, bool(kwargs.get("keepdims", False)))
    if shape == ():
        return NOT_KNOWN
    trial = {k: v for k, v in kwargs.items() if k in ("dtype",)}
    tiny = _tiny(x)
    dtype = _trial_dtype(getattr(ufunc, method), (tiny,), {"axis": 0 if tiny.ndim else None, **trial})
    return Prediction(True, shape, dtype)


def getitem(shape: tuple, dtype: np.dtype, key: Any) -> Prediction:
    """``x[key]`` for a key without proxies: NumPy indexes a zero-byte stand-in (IndexError at once)."""
    selected = shape_standin(shape)[key]
    if selected.ndim == 0:
        return NOT_KNOWN
    return Prediction(True, selected.shape, dtype)


def setitem_check(shape: tuple, key: Any, value: Any) -> None:
    """``x[key] = value``: the key and the value's broadcast checked on stand-ins (NumPy's errors)."""
    selected = shape_standin(shape_standin(shape)[key].shape)
    selected[...] = shape_standin(_shape_of(value))


def creation(shape: Any, dtype: Any) -> Prediction:
    """``zeros(shape, dtype)`` and kin: both decided by the call."""
    return Prediction(True, normalize_shape(shape), np.dtype(dtype))
