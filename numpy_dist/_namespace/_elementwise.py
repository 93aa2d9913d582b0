"""Element-wise functions of the array API standard.

Each standard name calls the NumPy ufunc (or function) of the same meaning
on its arguments, so a DistArray argument dispatches to numpy_dist's one
implementation through ``__array_ufunc__``: ``acos(x)`` is ``np.arccos(x)``,
``pow(x, y)`` is ``np.power(x, y)``.  Where NumPy's ufunc misses the
standard's special cases (``floor_divide`` with infinite operands, complex
``expm1``: :data:`SPECIAL`) a local kernel fixes them after NumPy's loop;
``np.floor_divide``/``np.expm1`` on DistArrays stay NumPy's.  Python scalars are accepted for one
operand of binary functions (the standard's 2024.12 rule).  Communication:
none for operands with the same distribution (others are aligned first).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from ..dispatch.operands import elementwise, validate_with_numpy
from ..distarray import DistArray
from ._docs import binary_doc, namespace_doc, unary_doc
from ._elementwise_docs import BINARY_DOCS, CALL_FORMATS, UNARY_DOCS
from ._helpers import require_array, wrap
from ._special_cases import expm1_local, floor_divide_local

# standard name -> NumPy ufunc (or function) with the same meaning
UNARY: dict[str, Any] = {
    "abs": np.absolute, "acos": np.arccos, "acosh": np.arccosh, "asin": np.arcsin, "asinh": np.arcsinh,
    "atan": np.arctan, "atanh": np.arctanh, "bitwise_invert": np.invert, "ceil": np.ceil,
    "conj": np.conjugate, "cos": np.cos, "cosh": np.cosh, "exp": np.exp, "expm1": np.expm1,
    "floor": np.floor, "imag": np.imag, "isfinite": np.isfinite, "isinf": np.isinf, "isnan": np.isnan,
    "log": np.log, "log1p": np.log1p, "log2": np.log2, "log10": np.log10, "logical_not": np.logical_not,
    "negative": np.negative, "positive": np.positive, "real": np.real, "reciprocal": np.reciprocal,
    "round": np.round, "sign": np.sign, "signbit": np.signbit, "sin": np.sin, "sinh": np.sinh,
    "square": np.square, "sqrt": np.sqrt, "tan": np.tan, "tanh": np.tanh, "trunc": np.trunc,
}
BINARY: dict[str, Any] = {
    "add": np.add, "atan2": np.arctan2, "bitwise_and": np.bitwise_and, "bitwise_left_shift": np.left_shift,
    "bitwise_or": np.bitwise_or, "bitwise_right_shift": np.right_shift, "bitwise_xor": np.bitwise_xor,
    "copysign": np.copysign, "divide": np.divide, "equal": np.equal, "floor_divide": np.floor_divide,
    "greater": np.greater, "greater_equal": np.greater_equal, "hypot": np.hypot, "less": np.less,
    "less_equal": np.less_equal, "logaddexp": np.logaddexp, "logical_and": np.logical_and,
    "logical_or": np.logical_or, "logical_xor": np.logical_xor, "maximum": np.maximum, "minimum": np.minimum,
    "multiply": np.multiply, "nextafter": np.nextafter, "not_equal": np.not_equal, "pow": np.power,
    "remainder": np.remainder, "subtract": np.subtract,
}
# standard names whose special cases NumPy's ufunc misses: (NumPy ufunc, local kernel fixing them)
SPECIAL: dict[str, tuple[np.ufunc, Callable[..., Any]]] = {
    "floor_divide": (np.floor_divide, floor_divide_local),
    "expm1": (np.expm1, expm1_local),
}
_SCALARS = (builtins.bool, int, float, complex)

__all__ = sorted([*UNARY, *BINARY, "clip"])


def _check_operands(name: str, *xs: Any) -> list[Any]:
    """The operands with NumPy scalars made 0-d DistArrays; TypeError without any array."""
    out = [require_array(x, name) if isinstance(x, (np.generic, DistArray)) else x for x in xs]
    if not any(isinstance(x, DistArray) for x in out):
        raise TypeError(f"{name}() needs at least one numpy_dist array argument")
    for x in out:
        if not isinstance(x, (DistArray, *_SCALARS)):
            raise TypeError(f"{name}() takes arrays or Python scalars, got {type(x).__name__}")
    return out


def _call(name: str, func: Any, operands: list[Any]) -> Any:
    """``func(*operands)`` through NumPy dispatch, or through the standard's kernel for :data:`SPECIAL`.

    A special name validates on stand-ins first (NumPy's type errors, every
    rank alike, before any communication), then runs NumPy's ufunc and the
    special-case fix-up on each rank's aligned blocks in one local pass.
    """
    if name not in SPECIAL:
        return func(*operands)
    ufunc, kernel = SPECIAL[name]
    validate_with_numpy(ufunc, tuple(operands), {})
    return elementwise(kernel, operands, ufunc.__name__)


def _unary(name: str, func: Any) -> Callable[..., Any]:
    def f(x: DistArray, /) -> DistArray:
        (x,) = _check_operands(name, x)
        return wrap(_call(name, func, [x]), x)

    f.__name__ = f.__qualname__ = name
    summary, example, output = UNARY_DOCS[name]
    f.__doc__ = unary_doc(name, func.__name__, summary, example, output, special=name in SPECIAL,
                          call_format=CALL_FORMATS.get(name, "nd.asnumpy({call})"))
    return f


def _binary(name: str, func: Any) -> Callable[..., Any]:
    def f(x1: DistArray | complex, x2: DistArray | complex, /) -> DistArray:
        x1, x2 = _check_operands(name, x1, x2)
        return wrap(_call(name, func, [x1, x2]), x1 if isinstance(x1, DistArray) else x2)

    f.__name__ = f.__qualname__ = name
    summary, x1, x2, output = BINARY_DOCS[name]
    f.__doc__ = binary_doc(name, func.__name__, summary, x1, x2, output, special=name in SPECIAL,
                           call_format=CALL_FORMATS.get(name, "nd.asnumpy({call})"))
    return f


for _name, _func in UNARY.items():
    globals()[_name] = _unary(_name, _func)
for _name, _func in BINARY.items():
    globals()[_name] = _binary(_name, _func)


@namespace_doc
def clip(x: DistArray, /, min: DistArray | float | None = None,  # noqa: A002 - the standard's names
         max: DistArray | float | None = None) -> DistArray:  # noqa: A002
    """Clamp each element of ``x`` to ``[min, max]``, keeping ``x``'s dtype.

    Calls ``numpy.clip`` (natively distributed) and casts back to ``x``'s
    dtype where NumPy's promotion would widen it.

    Parameters
    ----------
    {x}
    min, max : DistArray, bool, int, float or None, optional
        The bounds, broadcast against ``x``; None (default) leaves that
        side unbounded.  A NaN bound gives NaN.  Integer bounds beyond the
        range of ``x``'s dtype are ignored.

    Returns
    -------
    DistArray
        The broadcast shape of ``x``, ``min`` and ``max``, in ``x``'s dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array, or a bound is neither an
        array, a Python scalar nor None.
    ValueError
        If the shapes of ``x`` and the bounds do not broadcast.

    See Also
    --------
    numpy.clip

    Notes
    -----
    Communication: none when array bounds share ``x``'s distribution;
    otherwise they are aligned to it first.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([-2.0, 0.5, 3.0]))
    >>> nd.asnumpy(nd.clip(x, 0.0, 1.0))
    array([0. , 0.5, 1. ])
    >>> nd.asnumpy(nd.clip(x, max=0.0))
    array([-2.,  0.,  0.])
    """
    (x,) = _check_operands("clip", x)
    if not isinstance(x, DistArray):
        raise TypeError("clip: x must be an array")
    for b, n in ((min, "min"), (max, "max")):
        if b is not None and not isinstance(b, (DistArray, *_SCALARS)):
            raise TypeError(f"clip: {n} must be an array, a Python scalar or None, got {type(b).__name__}")
    if x.dtype.kind in "iu":
        info = np.iinfo(x.dtype)
        if type(min) is int and min <= info.min:
            min = None
        if type(max) is int and max >= info.max:
            max = None
    out = x.copy() if min is None and max is None else np.clip(x, min, max)
    return wrap(out if out.dtype == x.dtype else out.astype(x.dtype), x)
