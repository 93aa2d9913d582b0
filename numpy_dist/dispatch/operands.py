"""Operands aligned with an output's layout, results stored into ``out``, and NumPy's checks on stand-ins.

The shared ground of every elementwise path (ufunc methods, elementwise
NumPy functions, ``out=`` of any implementation):

* operands are aligned with the output's layout by
  :func:`numpy_dist.distarray.aligned_block` (same layout: nothing moves;
  another layout: the redistribution engine moves what changes owner; NumPy
  operands are sliced).
* :func:`template_distribution`: the output layout of a broadcast.
* :func:`store_result`: a result written into a user's ``out`` (NumPy's
  casting rule, checked on every rank before anything moves).
* :func:`validate_with_numpy`: NumPy's own argument, type and casting errors,
  raised first, from a call on tiny stand-ins of the operands.

Communication: redistribution of an operand (or of a result into ``out``) laid
out otherwise; a gather of the result into a NumPy ``out``; one agreement on
the local kernel's errors in :func:`elementwise`.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..maps import NoDistMap
from ..redistribute import redistribute_local

__all__ = ["template_distribution", "wrap_local", "store_result", "elementwise", "standin",
           "validate_with_numpy"]


def template_distribution(shape: tuple[int, ...], arrays: list[DistArray]) -> Distribution:
    """Output distribution: that of a DistArray operand of the output's shape, else derived.

    With NumPy operands only (a DistArray ``out`` brought the call here), the
    result is replicated: every rank holds the operands whole already.
    """
    if not arrays:
        return Distribution.replicated_on(_comm.get_comm(), shape)
    for a in arrays:
        if a.shape == shape:
            return a.distribution
    big = max(arrays, key=lambda a: (a.size, a.ndim))
    d = big.distribution
    offset = len(shape) - d.ndim
    maps: list = [NoDistMap(n) for n in shape[:offset]]
    axis_grid: list = [None] * offset
    for i, (m, g) in enumerate(zip(d.maps, d.axis_grid)):
        n = shape[i + offset]
        if m.size == n:
            maps.append(m)
            axis_grid.append(g)
        else:
            maps.append(NoDistMap(n))
            axis_grid.append(None)
    return d.with_maps(maps, axis_grid)


def wrap_local(local: Any, dist: Distribution) -> DistArray:
    """A DistArray of this rank's block ``local`` (a NumPy scalar result becomes a 0-d block) laid out as ``dist``."""
    return DistArray._new(np.asarray(local) if not isinstance(local, np.ndarray) else local, dist)


def store_result(out: Any, result: DistArray, casting: str = "unsafe", fp: str = "cast") -> Any:
    """Write ``result`` into a user-supplied ``out`` (DistArray or NumPy array).

    ``casting`` is checked on the dtypes first, on every rank alike (NumPy's
    ufunc-based functions use ``"same_kind"`` for ``out``).  The cast's
    floating-point errors are agreed over the ranks and reported under ``fp``.
    """
    if not isinstance(result, DistArray):  # a NumPy result (NumPy operands only): the same on every rank
        result = np.asarray(result)
    if np.shape(out) != result.shape and _broadcast_or_none(np.shape(out), result.shape) != np.shape(out):
        raise ValueError(f"output parameter has shape {np.shape(out)}, but the result has shape {result.shape}")
    if not np.can_cast(result.dtype, out.dtype, casting=casting):
        raise TypeError(f"Cannot cast output from {result.dtype!r} to {out.dtype!r} with casting rule {casting!r}")
    if isinstance(out, DistArray):
        if isinstance(result, np.ndarray):
            local = aligned_block(result, out.distribution) if result.ndim else result
        elif result.shape != out.shape:  # a result that broadcasts into a larger out
            local = aligned_block(result, out.distribution)
        elif out.distribution == result.distribution:
            local = result.local
        else:
            local = redistribute_local(result.local, result.distribution, out.distribution)
        if local is out.local:
            return out
        if _comm.cast_may_err(result.dtype, out.dtype):  # (NaN, overflow: seen where the culprits are alone)
            _comm.agreed_call(out.comm, lambda: np.copyto(out.local, local, casting="unsafe"), fp=fp)
        else:
            np.copyto(out.local, local, casting="unsafe")
        return out
    np.copyto(out, asnumpy(result) if isinstance(result, DistArray) else result, casting="unsafe")
    return out


def _broadcast_or_none(*shapes: tuple) -> tuple | None:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def elementwise(func: Callable, operands: list, name: str, **kwargs: Any) -> DistArray:
    """Apply an elementwise NumPy function (not a ufunc) to aligned operands.

    ``operands`` broadcast as in NumPy; DistArray operands are aligned with
    the output's distribution, NumPy operands sliced to each rank's block,
    scalars passed unchanged.  ``func(*local_operands, **kwargs)`` must be
    elementwise.  With NumPy operands only the result is replicated.
    """
    shapes = [np.shape(x) for x in operands]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError("operands could not be broadcast together with shapes "
                         + " ".join(str(s).replace(" ", "") for s in shapes)) from None
    dist = template_distribution(shape, [x for x in operands if isinstance(x, DistArray)])
    local_in = [aligned_block(x, dist) for x in operands]
    result = _comm.agreed_call(dist.comm, lambda: func(*local_in, **kwargs), fp=name)
    return wrap_local(result, dist)


# --------------------------------------------------------------------------
# NumPy validates first (on stand-ins)
# --------------------------------------------------------------------------


def standin(x: Any) -> Any:
    """A tiny NumPy array standing in for operand ``x`` when asking NumPy to validate a call.

    Same dtype and number of dimensions, each axis of length ``min(n, 1)``:
    the stand-ins of operands that broadcast together still do, empty axes
    stay empty, and NumPy's type, casting and axis checks see what they would
    see on the real operands.  Scalars (NEP 50) and None pass unchanged.
    """
    if isinstance(x, (DistArray, np.ndarray)) and not isinstance(x, np.generic):
        return np.ones(tuple(min(n, 1) for n in x.shape), x.dtype)
    return x


def _has_objects(*xs: Any) -> bool:
    return any(getattr(x, "dtype", None) is not None and x.dtype.kind == "O" for x in xs)


def validate_with_numpy(func: Callable, inputs: tuple, kwargs: dict) -> None:
    """Let NumPy validate ``func(*inputs, **kwargs)`` first, on stand-ins (:func:`standin`).

    NumPy resolves dtypes and checks casting (``out=``, ``dtype=``,
    ``casting=``, ``signature=``) before it compares shapes; running it on
    stand-ins raises its own exception with its own message, on every rank
    alike, before any communication.  Object arrays are not probed (their
    loops run Python code on the stand-in values).
    """
    outs = kwargs.get("out")
    outs_t = outs if isinstance(outs, tuple) else (outs,)
    if _has_objects(*inputs, *outs_t):
        return
    if outs is not None and np.ndim(outs_t[0]) == 0 and _is_accumulation(func):
        # NumPy 2.4 writes an accumulation past a 0-d out of the loop's dtype (the process crashes) and
        # refuses it otherwise: refused here, whatever the dtypes, before NumPy is asked.
        raise ValueError("provided out is the wrong size for the accumulation.")
    probe_kw = dict(kwargs)
    if outs is not None:
        probe_kw["out"] = tuple(standin(o) for o in outs) if isinstance(outs, tuple) else standin(outs)
    for name in ("where", "weights"):  # arrays shaped like the input: their stand-ins keep the match
        if probe_kw.get(name) is not None:
            probe_kw[name] = standin(probe_kw[name])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        func(*(standin(x) for x in inputs), **probe_kw)


def _is_accumulation(func: Callable) -> bool:
    return func in (np.cumsum, np.cumprod, np.nancumsum, np.nancumprod, np.cumulative_sum, np.cumulative_prod) or \
        (getattr(func, "__name__", "") == "accumulate" and isinstance(getattr(func, "__self__", None), np.ufunc))
