"""Text, calendar and branch-cut functions, elementwise on each rank's block through NumPy's own function.

``numpy.strings`` (the Python functions: ``center``, ``replace``, ``encode``,
``partition`` ..., and the ``_join``/``_split``/``_rsplit``/``_splitlines``
behind ``np.char.join`` ...), the ``numpy.char`` comparisons,
``numpy.lib.scimath`` (``sqrt``, ``log``, ``power`` ...), ``busday_count``,
``busday_offset``, ``is_busday`` and ``datetime_as_string``: each is one
registration on :func:`through_numpy` (operands aligned with the output's
layout, NumPy's function on every rank's block).  Array printing
(``array2string``, ``array_repr``, ``array_str``) fetches only the corners
NumPy shows (:mod:`numpy_dist.formatting`).

Communication: none for the values; one agreement on the errors of the local
calls (undecodable bytes, a NaT date, a non-business day under
``roll='raise'``); a fixed-width string result whose width NumPy takes from
the values (``center``, ``replace``, ``encode`` ...) adds one max-allreduce of
the widths; ``scimath`` adds one OR-allreduce of its "goes complex" flags,
before computing, so every rank has the same dtype.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Callable

import numpy as np
import numpy.lib.scimath as _scimath

from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ..formatting import dist_array2string, dist_array_repr, dist_array_str
from .fallback import SMALL_OPERAND_BYTES, fallback_policy, gathered_operand
from .operands import store_result, template_distribution, wrap_local
from .registry import implements

__all__ = ["through_numpy"]


# --------------------------------------------------------------------------
# The shared path: NumPy's function on the aligned local blocks
# --------------------------------------------------------------------------


def through_numpy(np_func: Callable, operands: tuple[str, ...], *, sized: bool = False,
                  promote: Callable | None = None) -> Callable:
    """The distributed version of the elementwise NumPy function ``np_func``.

    Parameters
    ----------
    np_func : callable
        NumPy's function; called on every rank's aligned blocks.
    operands : tuple of str
        Names of its parameters that broadcast elementwise (DistArrays are
        aligned with the output's layout, NumPy arrays sliced); other
        parameters pass unchanged (a DistArray among them, such as
        ``holidays``, is read whole through the fallback policy).
    sized : bool
        NumPy sizes a fixed-width string result by its values (``center``,
        ``replace`` ...): the widths are agreed (maximum over the ranks).
    promote : callable, optional
        ``promote(comm, values) -> kernel_transform`` for functions whose
        result dtype depends on the values of the whole array (``scimath``).
    """
    signature = inspect.signature(np_func)

    def implementation(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)  # NumPy's TypeError for a call that does not bind
        arguments = dict(bound.arguments)
        out = arguments.pop("out", None)
        for name, value in arguments.items():
            if name not in operands:
                arguments[name] = gathered_operand(value, _name(np_func))
        values = {n: _operand(arguments[n]) for n in operands if n in arguments}
        probe = _probe(np_func, {**arguments, **values}, values, out)
        objects = np.asarray(probe).dtype.hasobject
        if objects:  # lists of strings: NumPy's object array, whole on every rank (as the fallback returns it)
            _assembly_policy(values, _name(np_func))
        shape = _broadcast_shape([np.shape(v) for v in values.values()])
        dist = template_distribution(shape, [v for v in values.values() if isinstance(v, DistArray)])
        transform = promote(dist.comm, values) if promote is not None else None
        local = {n: aligned_block(v, dist) for n, v in values.items()}

        def kernel() -> Any:
            if 0 in dist.local_shape and 0 not in shape:  # NumPy may refuse empty input (a max of widths)
                return _empty_results(np_func, arguments, local, transform, probe, dist.local_shape)
            blocks = transform(local) if transform is not None else local
            return np_func(**{**arguments, **blocks})

        result = _comm.agreed_call(dist.comm, kernel, fp=_name(np_func))
        if sized and 0 not in shape:
            result = _agree_widths(dist.comm, result, empty=0 in dist.local_shape)
        if objects:
            return _assembled(dist, result)
        wrapped = tuple(wrap_local(r, dist) for r in result) if isinstance(result, tuple) \
            else wrap_local(result, dist)
        return wrapped if out is None else store_result(out, wrapped)

    implementation.__name__ = np_func.__name__
    implementation.__doc__ = f"``{_name(np_func)}``, elementwise on each rank's block (see :func:`through_numpy`)."
    return implementation


def _name(np_func: Callable) -> str:
    return f"{np_func.__module__}.{np_func.__name__}"


def _operand(x: Any) -> Any:
    """A sequence operand as the NumPy array NumPy makes of it; arrays and scalars unchanged."""
    if isinstance(x, (DistArray, np.ndarray, np.generic)) or np.ndim(x) == 0:
        return x
    return np.asarray(x)


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError("operands could not be broadcast together with shapes "
                         + " ".join(str(s).replace(" ", "") for s in shapes)) from None


def _standins(values: dict, fill: str) -> dict:
    """Stand-ins of the array operands: ``"empty"`` (every axis of length 0), or one element each of
    ``"ones"`` ("1", 1, 1970-01-02) or ``"zeros"`` ("", 0, 1970-01-01).

    They depend on dtypes and dimensions only, so every rank asks NumPy the same question.
    """
    def one(x: Any) -> Any:
        if not isinstance(x, (DistArray, np.ndarray)) or isinstance(x, np.generic):
            return x
        if fill == "empty":
            return np.zeros((0,) * max(x.ndim, 1), x.dtype)
        return (np.ones if fill == "ones" else np.zeros)((1,) * x.ndim, x.dtype)
    return {n: one(x) for n, x in values.items()}


def _probe(np_func: Callable, arguments: dict, values: dict, out: Any) -> Any:
    """NumPy's own argument, type and ``out`` errors, from a call on stand-ins (before any message).

    Empty stand-ins first (no value can be wrong).  NumPy refuses some empty
    inputs with ValueError (a ``max`` of widths): then one element each, of
    ones, then of zeros (a stand-in value may be refused itself: "" as a
    separator, "1" as a format).  Returns the stand-in result.
    """
    def call(fill: str) -> Any:
        kw = {**arguments, **_standins(values, fill)}
        if out is not None:
            kw["out"] = _standins({"out": out}, fill)["out"]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np_func(**kw)

    try:
        return call("empty")
    except ValueError:
        pass
    try:
        return call("ones")
    except ValueError as exc:
        first = exc
    try:
        return call("zeros")
    except ValueError:
        raise first from None


def _empty_results(np_func: Callable, arguments: dict, local: dict, transform: Callable | None, probe: Any,
                   local_shape: tuple[int, ...]) -> Any:
    """The (empty) results of a rank without elements, with the dtypes the other ranks' results have.

    NumPy's own call on the empty blocks when it accepts them; else the
    stand-in's dtypes (a sized width is agreed afterwards; this rank adds none).
    """
    blocks = transform(local) if transform is not None else local
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np_func(**{**arguments, **blocks})
    except ValueError:
        if isinstance(probe, tuple):
            return tuple(np.empty(local_shape, p.dtype) for p in probe)
        return np.empty(local_shape, np.asarray(probe).dtype)


def _assembly_policy(values: dict, name: str) -> None:
    """An object result is assembled whole on every rank: as a gather of the operands, announced under
    the fallback policy when they are large (global sizes: every rank decides alike, before any message)."""
    if sum(v.nbytes for v in values.values() if isinstance(v, DistArray)) > SMALL_OPERAND_BYTES:
        fallback_policy(f"{name} (an object result assembled whole)")


def _assembled(dist: Any, block: np.ndarray) -> np.ndarray:
    """The whole object array on every rank from each rank's block (one allgather of the pickled blocks).

    DistArrays hold fixed-size elements only; NumPy returns an object array of lists here.
    """
    if not dist.ndim:  # a 0-d array is held whole by every rank already
        return block
    whole = np.empty(dist.shape, dtype=object)
    for rank, part in enumerate(_comm.allgather_object(dist.comm, block, control=False)):
        whole[dist.local_key(rank)] = part
    return whole


def _agree_widths(comm: Any, result: Any, empty: bool) -> Any:
    """Every fixed-width string result cast to the widest width any rank found (NumPy sizes by the max)."""
    parts = result if isinstance(result, tuple) else (result,)
    parts = tuple(np.asarray(p) for p in parts)
    flexible = [p.dtype.kind in "SU" for p in parts]
    if not any(flexible):
        return result
    chars = np.array([0 if empty or not f else _chars(p.dtype) for p, f in zip(parts, flexible)], np.int64)
    widest = _comm.allreduce_array(comm, chars, op="max")
    fixed = tuple(_with_width(p, int(w)) if f else p for p, f, w in zip(parts, flexible, widest))
    return fixed if isinstance(result, tuple) else fixed[0]


def _with_width(block: np.ndarray, chars: int) -> np.ndarray:
    """``block`` as ``S<chars>``/``U<chars>``; width 0 (only empty strings anywhere) built directly,
    since ``astype`` reads a zero width as "unsized"."""
    dtype = np.dtype(f"{block.dtype.kind}{chars}")
    return block.astype(dtype) if chars else np.ndarray(block.shape, dtype)


def _chars(dtype: np.dtype) -> int:
    return dtype.itemsize // (4 if dtype.kind == "U" else 1)


# --------------------------------------------------------------------------
# numpy.strings and numpy.char
# --------------------------------------------------------------------------

_S = np.strings
_STRING_FUNCS: list[tuple[Callable, tuple[str, ...], bool]] = [
    # (function, elementwise parameters, result width taken from the values)
    (_S.capitalize, ("a",), False),
    (_S.lower, ("a",), False),
    (_S.upper, ("a",), False),
    (_S.swapcase, ("a",), False),
    (_S.title, ("a",), False),
    (_S.translate, ("a",), False),
    (_S.center, ("a", "width", "fillchar"), True),
    (_S.ljust, ("a", "width", "fillchar"), True),
    (_S.rjust, ("a", "width", "fillchar"), True),
    (_S.zfill, ("a", "width"), True),
    (_S.expandtabs, ("a", "tabsize"), True),
    (_S.multiply, ("a", "i"), True),
    (_S.replace, ("a", "old", "new", "count"), True),
    (_S.partition, ("a", "sep"), True),
    (_S.rpartition, ("a", "sep"), True),
    (_S.mod, ("a", "values"), True),
    (_S.encode, ("a",), True),
    (_S.decode, ("a",), True),
    (np.char.join, ("sep", "seq"), True),  # numpy.strings._join
    (np.char.split, ("a", "sep", "maxsplit"), False),  # numpy.strings._split: object arrays of lists
    (np.char.rsplit, ("a", "sep", "maxsplit"), False),
    (np.char.splitlines, ("a", "keepends"), False),
    (np.char.equal, ("x1", "x2"), False),
    (np.char.not_equal, ("x1", "x2"), False),
    (np.char.greater, ("x1", "x2"), False),
    (np.char.greater_equal, ("x1", "x2"), False),
    (np.char.less, ("x1", "x2"), False),
    (np.char.less_equal, ("x1", "x2"), False),
]

for _f, _operands, _sized in _STRING_FUNCS:
    implements(_f)(through_numpy(_f, _operands, sized=_sized))


# --------------------------------------------------------------------------
# numpy.lib.scimath: complex results decided over the whole array
# --------------------------------------------------------------------------

# What makes NumPy's scimath convert an operand: "negative" (to complex),
# "beyond_one" (|x| > 1, to complex), "negative_power" (to float).
_SCIMATH: list[tuple[Callable, dict[str, str]]] = [
    (_scimath.sqrt, {"x": "negative"}),
    (_scimath.log, {"x": "negative"}),
    (_scimath.log2, {"x": "negative"}),
    (_scimath.log10, {"x": "negative"}),
    (_scimath.logn, {"n": "negative", "x": "negative"}),
    (_scimath.power, {"x": "negative", "p": "negative_power"}),
    (_scimath.arccos, {"x": "beyond_one"}),
    (_scimath.arcsin, {"x": "beyond_one"}),
    (_scimath.arctanh, {"x": "beyond_one"}),
]


def _needs_conversion(x: Any, rule: str) -> bool:
    """NumPy's test, on what this rank holds of ``x`` (its block of a DistArray, a NumPy operand whole)."""
    v = x.local if isinstance(x, DistArray) else np.asarray(x)
    outside = np.abs(v) > 1 if rule == "beyond_one" else v < 0
    return bool(np.any(np.isreal(v) & outside))


def _converted(block: Any, rule: str) -> np.ndarray:
    """``block`` as NumPy's scimath converts it: complex (single precision kept for small types) or float."""
    block = np.asarray(block)
    if rule == "negative_power":
        return block * 1.0
    small = (np.single, np.byte, np.short, np.ubyte, np.ushort, np.csingle)
    return block.astype(np.csingle if issubclass(block.dtype.type, small) else np.cdouble)


def _scimath_promotion(rules: dict[str, str]) -> Callable:
    """``promote`` for :func:`through_numpy`: one OR-allreduce of the per-operand flags, before computing."""
    def promote(comm: Any, values: dict) -> Callable:
        names = [n for n in rules if n in values]
        flags = sum(1 << i for i, n in enumerate(names) if _needs_conversion(values[n], rules[n]))
        agreed = _comm.allreduce_flags(comm, flags)
        convert = [n for i, n in enumerate(names) if agreed >> i & 1]
        return lambda local: {**local, **{n: _converted(local[n], rules[n]) for n in convert}}
    return promote


for _f, _rules in _SCIMATH:
    implements(_f)(through_numpy(_f, tuple(_rules), promote=_scimath_promotion(_rules)))


# --------------------------------------------------------------------------
# Business days and datetime strings
# --------------------------------------------------------------------------

implements(np.busday_count)(through_numpy(np.busday_count, ("begindates", "enddates")))
implements(np.busday_offset)(through_numpy(np.busday_offset, ("dates", "offsets")))
implements(np.is_busday)(through_numpy(np.is_busday, ("dates",)))
implements(np.datetime_as_string)(through_numpy(np.datetime_as_string, ("arr",)))


# --------------------------------------------------------------------------
# Printing: only the corners NumPy shows are fetched
# --------------------------------------------------------------------------


@implements(np.array2string)
def array2string(a, max_line_width=None, precision=None, suppress_small=None, separator=" ", prefix="", *,
                 formatter=None, threshold=None, edgeitems=None, sign=None, floatmode=None, suffix="", legacy=None):
    """``np.array2string`` of a DistArray (collective; the corners NumPy shows are fetched)."""
    kwargs = dict(max_line_width=max_line_width, precision=precision, suppress_small=suppress_small,
                  separator=separator, prefix=prefix, formatter=formatter, sign=sign, floatmode=floatmode,
                  suffix=suffix, legacy=legacy)
    return dist_array2string(a, threshold=threshold, edgeitems=edgeitems, **kwargs)


@implements(np.array_repr)
def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    """``np.array_repr`` of a DistArray: NumPy's text for the global array (collective)."""
    return dist_array_repr(arr, max_line_width=max_line_width, precision=precision, suppress_small=suppress_small)


@implements(np.array_str)
def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    """``np.array_str`` of a DistArray: NumPy's text for the global array (collective)."""
    return dist_array_str(a, max_line_width=max_line_width, precision=precision, suppress_small=suppress_small)
