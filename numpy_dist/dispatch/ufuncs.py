"""One generic path per ufunc method, valid for every elementwise NumPy ufunc.

* ``__call__``: operands are aligned with the output's distribution (same
  distribution: nothing moves; otherwise the redistribution engine moves
  only what changes owner; NumPy operands are sliced to each rank's block),
  then NumPy runs on the local blocks, so dtypes follow NEP 50 exactly.
* ``reduce``: local reduce, then the small partials are combined in grid
  order within the sub-communicator of the reduced distributed axes only.
* ``accumulate``: local scan plus an exclusive scan of block totals.
* ``outer``: ``__call__`` on ``a[..., None, ...]`` and ``b``.
* ``at``: each rank applies the indices it owns; no data moves.

Floating-point errors and data-dependent exceptions are agreed on: a
condition seen on any rank is reported on every rank, per ``np.errstate``
(PEP 209's error handling, made collective).  Facts about individual ufuncs
are table rows (:data:`ASSOCIATIVE`), not code.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, Callable

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, NoDistMap
from ..redistribute import plan_for, redistribute_local, redistribute_pieces
from ._combine import combine_arg, global_flat_index
from .registry import lookup, qualified_name

__all__ = ["apply_ufunc", "run_checked", "local_operand", "ASSOCIATIVE", "reduce_dist", "shifted_operand",
           "call_in_pieces"]

# Associative and commutative ufuncs: partial results may be combined in any
# grouping.  The value says whether the operation is idempotent (f(x, x) == x),
# which lets ``initial`` be applied on every rank without changing the result.
# (lcm is not here: once it overflows, the grouping changes the wrapped result.)
ASSOCIATIVE: dict[np.ufunc, bool] = {
    np.add: False, np.multiply: False, np.logical_xor: False, np.bitwise_xor: False,
    np.logical_and: True, np.logical_or: True, np.bitwise_and: True, np.bitwise_or: True,
    np.maximum: True, np.minimum: True, np.fmax: True, np.fmin: True, np.gcd: True,
}

# Transitional names for the agreement helpers, which now live in comm (one spelling: comm.agreed).
_FP_BITS, _EXC_BIT, _report_fp = _comm.FP_BITS, _comm.EXC_BIT, _comm.report_fp


def run_checked(comm: Any, name: str, kernel: Callable[[], Any]) -> Any:
    """Transitional: ``comm.agreed_call(comm, kernel, fp=name)``."""
    return _comm.agreed_call(comm, kernel, fp=name)


# --------------------------------------------------------------------------
# Operand alignment
# --------------------------------------------------------------------------


def _numpy_local(x: np.ndarray, dist: Distribution) -> np.ndarray:
    """The part of a NumPy operand (held whole on every rank) matching this rank's block."""
    offset = dist.ndim - x.ndim
    keys = []
    for i, n in enumerate(x.shape):
        j = i + offset
        if n == 1 and dist.shape[j] != 1:
            keys.append(slice(None))
            continue
        m = dist.maps[j]
        p = dist.axis_coord(j)
        sl = m.local_slice(p)
        keys.append(sl if sl is not None else m.local_indices(p))
    arrays = [k for k in keys if not isinstance(k, slice)]
    if len(arrays) > 1:
        keys = [np.arange(x.shape[i])[k] if isinstance(k, slice) else k for i, k in enumerate(keys)]
        return x[np.ix_(*keys)]
    return x[tuple(keys)]


def local_operand(x: Any, dist: Distribution) -> Any:
    """This rank's share of operand ``x`` aligned with ``dist`` (broadcasting allowed).

    Scalars pass through unchanged (NEP 50 treats Python scalars specially).
    """
    if isinstance(x, DistArray):
        if x.distribution is dist:
            return x.local
        if x.comm != dist.comm:
            raise ValueError("operands live on different communicators")
        need = dist if x.shape == dist.shape else dist.broadcast_to(x.shape, dist)
        if x.distribution == need:
            return x.local
        return redistribute_local(x.local, x.distribution, need)
    if isinstance(x, np.ndarray) and x.ndim:
        return _numpy_local(x, dist)
    return x


def _template(shape: tuple[int, ...], arrays: list[DistArray]) -> Distribution:
    """Output distribution: that of a DistArray operand of the output's shape, else derived.

    With NumPy operands only (a DistArray ``out`` brought the call here), the
    result is replicated: every rank holds the operands whole already.
    """
    if not arrays:
        return Distribution._from_maps(_comm.get_comm(), [NoDistMap(n) for n in shape], None,
                                       (None,) * len(shape))
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
    return Distribution._from_maps(d.comm, maps, d.proc_grid, tuple(axis_grid))


def _wrap(local: Any, dist: Distribution) -> DistArray:
    return DistArray._new(np.asarray(local) if not isinstance(local, np.ndarray) else local, dist)


def _store(out: Any, result: DistArray, casting: str = "unsafe") -> Any:
    """Write ``result`` into a user-supplied ``out`` (DistArray or NumPy array).

    ``casting`` is checked on the dtypes first, on every rank alike (NumPy's
    ufunc-based functions use ``"same_kind"`` for ``out``).
    """
    if not isinstance(result, DistArray):  # a NumPy result (NumPy operands only): the same on every rank
        result = np.asarray(result)
    if np.shape(out) != result.shape and _broadcast_or_none(np.shape(out), result.shape) != np.shape(out):
        raise ValueError(f"output parameter has shape {np.shape(out)}, but the result has shape {result.shape}")
    if not np.can_cast(result.dtype, out.dtype, casting=casting):
        raise TypeError(f"Cannot cast output from {result.dtype!r} to {out.dtype!r} with casting rule {casting!r}")
    if isinstance(out, DistArray) and isinstance(result, np.ndarray):
        np.copyto(out.local, _numpy_local(result, out.distribution) if result.ndim else result, casting="unsafe")
        return out
    if isinstance(out, DistArray):
        if result.shape != out.shape:  # a result that broadcasts into a larger out
            np.copyto(out.local, local_operand(result, out.distribution), casting="unsafe")
        elif out.distribution == result.distribution:
            if out.local is not result.local:
                np.copyto(out.local, result.local, casting="unsafe")
        else:
            np.copyto(out.local, redistribute_local(result.local, result.distribution, out.distribution),
                      casting="unsafe")
        return out
    from ..creation import asnumpy

    np.copyto(out, asnumpy(result) if isinstance(result, DistArray) else result, casting="unsafe")
    return out


def _broadcast_or_none(*shapes: tuple) -> tuple | None:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# The methods
# --------------------------------------------------------------------------


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Entry point from ``__array_ufunc__``."""
    if ufunc.signature is not None:  # generalised ufunc (matmul, vecdot ...)
        impl = lookup(ufunc)
        if impl is not None:
            _check_gufunc_types(ufunc, inputs, kwargs)
            return impl(*inputs, **_single_out(ufunc, kwargs))
        return _fallback(ufunc, method, inputs, kwargs)
    if method == "__call__":
        return ufunc_call(ufunc, _comparable_ints(ufunc, inputs, kwargs), kwargs)
    if method == "reduce":
        return ufunc_reduce(ufunc, inputs, kwargs)
    if method == "accumulate":
        return ufunc_accumulate(ufunc, inputs, kwargs)
    if method == "outer":
        return ufunc_outer(ufunc, inputs, kwargs)
    if method == "at":
        return ufunc_at(ufunc, inputs, kwargs)
    return _fallback(ufunc, method, inputs, kwargs)


_COMPARISONS = (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)


def _comparable_ints(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> tuple:
    """Python ints beyond an integer operand's range, as NumPy scalars that compare alike, under ``where=``.

    NumPy 2.4 compares an integer array with such an int by a special loop
    that crashes the process when a ``where`` array is given (uint8 < 300).
    Every value of the operand's dtype lies on one side of the int, so an
    int64 / uint64 scalar of the same value, or a float beyond 2**64 of the
    same sign, gives the same (constant) answer through an ordinary loop.
    """
    if ufunc not in _COMPARISONS or len(inputs) != 2 or kwargs.get("where", True) is True:
        return inputs  # (any other where=, even False or np.True_, takes NumPy's crashing path)
    kinds = [getattr(x, "dtype", None) for x in inputs]
    tamed = list(inputs)
    for i, x in enumerate(inputs):
        other = kinds[1 - i]
        if type(x) is not int or other is None or other.kind not in "iu":
            continue
        info = np.iinfo(other)
        if info.min <= x <= info.max:
            continue
        if -2**63 <= x < 2**63:
            tamed[i] = np.int64(x)
        elif 0 <= x < 2**64:
            tamed[i] = np.uint64(x)
        else:
            tamed[i] = np.float64(2.0**65 if x > 0 else -2.0**65)
    return tuple(tamed)


def _check_gufunc_types(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> None:
    """NumPy's loop, casting and Python-int range errors of a gufunc call, raised before its core dimensions.

    NumPy resolves the loop (``dtype=``, ``casting=``, the ``out`` dtypes)
    and converts Python scalars before it looks at any shape.
    """
    if len(inputs) != ufunc.nin or "signature" in kwargs:
        return
    outs = kwargs.get("out")
    outs = outs if isinstance(outs, tuple) else (outs,) * ufunc.nout if outs is None else (outs,)
    # Python scalars are weak (NEP 50): their type, not a dtype.  (``.dtype``: no conversion of a DistArray.)
    ins = [type(x) if type(x) in (int, float, complex) else x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
           for x in inputs]
    out_types = [None if o is None else getattr(o, "dtype", None) for o in outs]
    if len(out_types) != ufunc.nout or any(isinstance(t, np.dtype) and t == object for t in ins + out_types):
        return
    opts = {"casting": kwargs.get("casting", "same_kind")}
    if kwargs.get("dtype") is not None:
        opts["signature"] = (None,) * ufunc.nin + (np.dtype(kwargs["dtype"]),) * ufunc.nout
    scalars = [i for i, x in enumerate(inputs) if type(x) in (int, float, complex)]
    if scalars and opts["casting"] in ("no", "equiv"):
        # NumPy 2.4's resolve_dtypes crashes the process on a Python scalar under these rules: resolve
        # under same_kind, then apply the rule to the scalar's cast as NumPy's call would.
        loop = ufunc.resolve_dtypes(tuple(ins) + tuple(out_types), **{**opts, "casting": "same_kind"})
        for i in scalars:  # (NumPy lets 'no' through here: the scalar is converted, not cast)
            if opts["casting"] == "equiv" and not np.can_cast(np.asarray(inputs[i]).dtype, loop[i], "equiv"):
                raise TypeError(f"cannot cast Python {type(inputs[i]).__name__} to {loop[i]} under the casting rule "
                                f"'{opts['casting']}'")
        ins = [loop[i] if i in scalars else t for i, t in enumerate(ins)]
    loop = ufunc.resolve_dtypes(tuple(ins) + tuple(out_types), **opts)
    for x, dt in zip(inputs, loop):
        if type(x) is int and dt.kind in "iu":
            np.asarray(x, dtype=dt)  # NumPy's OverflowError for an out-of-range Python int


def _single_out(ufunc: np.ufunc, kwargs: dict) -> dict:
    """``kwargs`` with ``__array_ufunc__``'s one-element ``out`` tuple unwrapped.

    NumPy always hands ``out`` over as a tuple; registered gufunc
    implementations take the array itself, as their public signature does.
    """
    out = kwargs.get("out")
    if ufunc.nout == 1 and isinstance(out, tuple) and len(out) == 1:
        return {**kwargs, "out": out[0]}
    return kwargs


def _fallback(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    from .protocol import fallback

    func = ufunc if method == "__call__" else getattr(ufunc, method)
    return fallback(func, inputs, kwargs, qualified_name(ufunc, method))


def _outputs(kwargs: dict, nout: int) -> tuple | None:
    out = kwargs.pop("out", None)
    if out is None:
        return None
    out = out if isinstance(out, tuple) else (out,)
    if len(out) != nout:
        raise ValueError(f"The 'out' tuple must have exactly {nout} entries: one per ufunc output")
    return None if all(o is None for o in out) else out


def _same_layout(inputs: tuple) -> Distribution | None:
    """The shared distribution when every array input is a DistArray of one layout (the fast path)."""
    dist = None
    for x in inputs:
        if isinstance(x, DistArray):
            if dist is None:
                dist = x.distribution
            elif x.distribution is not dist and x.distribution != dist:
                return None
        elif not isinstance(x, (int, float, complex, bool, np.generic)):
            return None
    return dist


def ufunc_call(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc(*inputs, **kwargs)`` on DistArrays."""
    if not kwargs and ufunc.nout == 1:
        dist = _same_layout(inputs)
        if dist is not None:  # aligned operands, no options: straight to NumPy on the blocks
            local_in = [x.local if isinstance(x, DistArray) else x for x in inputs]
            return _wrap(run_checked(dist.comm, ufunc.__name__, lambda: ufunc(*local_in)), dist)
    if len(inputs) != ufunc.nin:
        raise TypeError(f"{ufunc.__name__}() takes {ufunc.nin} input arguments, got {len(inputs)}")
    _probe_call(ufunc, inputs, kwargs)
    kwargs = dict(kwargs)
    outs = _outputs(kwargs, ufunc.nout)
    where = kwargs.pop("where", True)
    shapes = [np.shape(x) for x in inputs]
    if not (where is True or np.ndim(where) == 0):
        shapes.append(np.shape(where))
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        _type_probe(ufunc, inputs, kwargs)  # NumPy reports unsupported types before shapes
        raise ValueError("operands could not be broadcast together with shapes "
                         + " ".join(str(s).replace(" ", "") for s in shapes)) from None
    dist_outs = [o for o in (outs or ()) if isinstance(o, DistArray)]
    for o in outs or ():
        if o is not None and np.broadcast_shapes(np.shape(o), shape) != np.shape(o):
            raise ValueError(f"non-broadcastable output operand with shape {np.shape(o)} "
                             f"doesn't match the broadcast shape {shape}")
    if outs is not None:
        shape = np.shape(next(o for o in outs if o is not None))
    dists = [x for x in inputs if isinstance(x, DistArray)]
    if isinstance(where, DistArray):
        dists.append(where)
    dist = dist_outs[0].distribution if dist_outs and dist_outs[0].shape == shape else _template(shape, dists + dist_outs)
    if outs is None and where is True and ufunc.nout == 1:
        shifted = shifted_operand(inputs, dist)
        if shifted is not None:
            return _wrap(call_in_pieces(ufunc, inputs, shifted, dist, kwargs), dist)
    local_in = [local_operand(x, dist) for x in inputs]
    local_where = where if where is True else local_operand(where, dist)
    if isinstance(local_where, DistArray):  # pragma: no cover - handled by local_operand
        local_where = local_where.local
    local_outs = None
    if outs is not None:
        local_outs = tuple(_local_out(o, dist, local_where is not True) for o in outs)
        if all(lo is None for lo in local_outs):
            local_outs = None
    extra = dict(kwargs)
    strided = {}
    if local_outs is not None:
        local_outs, strided = _contiguous_outs(ufunc, local_outs)
        extra["out"] = local_outs
    if local_where is not True:
        extra["where"] = local_where
    result = run_checked(dist.comm, ufunc.__name__, lambda: ufunc(*local_in, **extra))
    for i, block in strided.items():  # back from the contiguous stand-ins
        block[...] = local_outs[i]
    if strided:
        result = tuple(strided.get(i, r) for i, r in enumerate(result if ufunc.nout > 1 else (result,)))
        result = result if ufunc.nout > 1 else result[0]
    results = result if ufunc.nout > 1 else (result,)
    wrapped = tuple(_wrap(r, dist) for r in results)
    if outs is not None:
        wrapped = tuple(w if o is None else _store(o, w) for o, w in zip(outs, wrapped))
    return wrapped if ufunc.nout > 1 else wrapped[0]


def _local_out(out: Any, dist: Distribution, masked: bool) -> np.ndarray | None:
    """The block to pass as a local ``out``: ``out``'s own when laid out like ``dist``.

    Under a ``where`` mask the unselected elements keep ``out``'s values, so an
    ``out`` laid out otherwise (or a NumPy ``out``) is realigned into a copy that
    is stored back whole; without a mask a fresh result is stored instead (None).
    """
    if isinstance(out, DistArray) and out.distribution == dist:
        return out.local
    if out is None or not masked:
        return None
    return np.array(local_operand(out, dist), copy=True)


# NumPy 2.4's loops of these ufuncs write wrong values into a 2-d strided bool out
# (np.isnan(x, out=b[:, 1::2])): they compute into a contiguous copy of such a block.
_STRIDED_OUT_BUG = frozenset({np.isnan, np.isinf, np.isfinite, np.signbit})


def _contiguous_outs(ufunc: np.ufunc, local_outs: tuple) -> tuple[tuple, dict]:
    """``local_outs`` with non-contiguous blocks of the buggy loops replaced by contiguous copies.

    Returns the outs to pass and ``{position: original block}`` to copy back.
    """
    if ufunc not in _STRIDED_OUT_BUG:
        return local_outs, {}
    strided = {i: o for i, o in enumerate(local_outs) if o is not None and o.ndim > 1
               and not (o.flags.c_contiguous or o.flags.f_contiguous)}
    return tuple(np.ascontiguousarray(o) if i in strided else o for i, o in enumerate(local_outs)), strided


def _probe_call(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> None:
    """NumPy's own argument, type and casting errors for ``ufunc(*inputs, **kwargs)``, raised first.

    Only errors NumPy raises before looking at shapes or values are taken
    from the probe (the stand-ins' shapes and values are not the real ones).
    """
    try:
        validate_with_numpy(ufunc, inputs, kwargs)
    except OverflowError:  # a Python integer out of the loop type's range: the real scalar, checked first
        raise
    except (TypeError, ValueError) as exc:
        if isinstance(exc, TypeError) or "'out' tuple" in str(exc) or "casting" in str(exc):
            raise
    except Exception:  # noqa: BLE001 - value-dependent failures are the real run's to report
        pass


def shifted_operand(inputs: tuple, dist: Distribution) -> int | None:
    """The operand worth computing on in pieces: laid out like ``dist`` up to a shift.

    Block layouts that differ by a few rows (stencil slices ``u[2:]`` against
    ``u[1:-1]``) share most of each rank's block: aligning by a full copy
    would read and write the whole block to move a halo.  Pieces apply when
    the kept part and every received part are rectangular slices and the
    other operands are full-size blocks or scalars.
    """
    found = None
    for i, x in enumerate(inputs):
        if not isinstance(x, DistArray) or x.distribution is dist or x.distribution == dist:
            continue
        if found is not None or x.shape != dist.shape or x.comm != dist.comm:
            return None  # (another communicator: local_operand reports it)
        found = i
    if found is None:
        return None
    for x in inputs:
        if isinstance(x, np.ndarray) and x.ndim:
            return None
        if isinstance(x, DistArray) and x.shape != dist.shape:
            return None
    # A per-rank choice (key types depend on the block): both ways run the same plan's exchange.
    plan = plan_for(inputs[found].distribution, dist)
    keys = [k for k in (*(plan.self_send or ()), *plan.recv_keys) if k is not None]
    return found if all(_is_basic(k) for k in keys) else None


def _is_basic(key: Any) -> bool:
    return isinstance(key, tuple) and all(isinstance(k, slice) for k in key)


def call_in_pieces(ufunc: np.ufunc, inputs: tuple, shifted: int, dist: Distribution, kwargs: dict,
                    out: np.ndarray | None = None) -> np.ndarray:
    """``ufunc`` on aligned operands plus one shifted operand, piece by piece into one output block.

    The shifted operand's kept part is used where it lies; only the parts
    other ranks hold travel (one Alltoallv, :func:`redistribute_pieces`).
    ``out`` (of the result's dtype) may be an aligned operand's own block.
    """
    x = inputs[shifted]
    local_in = [None if i == shifted else local_operand(y, dist) for i, y in enumerate(inputs)]
    kept, received = redistribute_pieces(x.local, x.distribution, dist)
    pieces = ([(kept[1], x.local[kept[0]])] if kept is not None else []) + received

    def kernel() -> np.ndarray:
        # Empty stand-ins give NumPy's result dtype (arrays: by dtype; scalars: NEP 50 weak or strong).
        probe = [np.empty(0, x.dtype) if i == shifted else (np.empty(0, y.dtype) if isinstance(y, np.ndarray) else y)
                 for i, y in enumerate(local_in)]
        result = np.empty(dist.local_shape, ufunc(*probe, **kwargs).dtype) if out is None else out
        for key, part in pieces:
            args = [part if i == shifted else (y[key] if isinstance(y, np.ndarray) and y.ndim else y)
                    for i, y in enumerate(local_in)]
            ufunc(*args, out=result[key], **kwargs)
        return result

    return run_checked(dist.comm, ufunc.__name__, kernel)


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
    if "where" in probe_kw:
        probe_kw["where"] = standin(probe_kw["where"])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        func(*(standin(x) for x in inputs), **probe_kw)


def _is_accumulation(func: Callable) -> bool:
    return func in (np.cumsum, np.cumprod, np.nancumsum, np.nancumprod, np.cumulative_sum, np.cumulative_prod) or \
        (getattr(func, "__name__", "") == "accumulate" and isinstance(getattr(func, "__self__", None), np.ufunc))


def _type_probe(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> None:
    """NumPy's type errors for a call whose shapes do not broadcast (types are checked first)."""
    opts = {k: v for k, v in kwargs.items() if k in ("dtype", "casting", "signature")}
    validate_with_numpy(ufunc, inputs, opts)


def loop_dtype(dtype: np.dtype) -> Any:
    """``dtype`` as a ufunc ``dtype=`` argument: the general DType for parametric types.

    NumPy refuses a unit in ``dtype=`` (``m8[s]``); the DType (``np.timedelta64``)
    with operands of that unit selects the same loop and keeps the unit.
    """
    dtype = np.dtype(dtype)
    return dtype.type if dtype.kind in "mM" else dtype


def _reduce_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1):
        return ()  # NumPy's legacy rule: axis 0 of a 0-d array is the array itself
    return normalize_axis_tuple(axis, ndim)


def reduce_dist(dist: Distribution, axes: tuple[int, ...]) -> list[int]:
    """The reduced axes whose local blocks are not the whole axis in order.

    Split over several processes, or unstructured (local order is not global
    order even on one process).
    """
    return [a for a in axes if dist.axis_grid[a] is not None
            and (dist.maps[a].grid_size > 1 or dist.maps[a].dist_type == "u")]


def _check_out_shape(out: Any, shape: tuple[int, ...]) -> None:
    if np.shape(out) != tuple(shape):
        raise ValueError(f"output parameter has shape {np.shape(out)}, but the result has shape {tuple(shape)}")


def ufunc_reduce(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.reduce(array, axis=0, dtype=None, out=None, keepdims=False, initial=..., where=True)``."""
    names = ("axis", "dtype", "out", "keepdims", "initial", "where")
    kw = dict(zip(names, inputs[1:]))
    kw.update(kwargs)
    array = inputs[0]
    if ufunc.nin != 2 or ufunc.nout != 1:
        raise ValueError("reduce only supported for binary functions")
    if not isinstance(array, DistArray):
        return _fallback(ufunc, "reduce", inputs, kwargs)
    validate_with_numpy(ufunc.reduce, (array,), kw)  # NumPy's argument, type and casting errors first
    out = kw.get("out")
    if isinstance(out, tuple):
        out = out[0] if len(out) == 1 else out
    keepdims = bool(kw.get("keepdims", False))
    initial = kw.get("initial", np._NoValue)
    dtype = kw.get("dtype")
    where = kw.get("where", True)
    axes = _reduce_axes(kw.get("axis", 0), array.ndim)
    dist = array.distribution
    split = reduce_dist(dist, axes)
    has_initial = initial is not np._NoValue
    if split and ufunc not in ASSOCIATIVE:  # order matters: make the reduced axes local first
        local_dist = local_axes_dist(dist, axes)
        if local_dist is None and where is True and array.size and len(axes) == 1:
            return _reduced_result(_reduce_in_order(ufunc, array, axes[0], dtype, initial, has_initial), axes,
                                   keepdims, dist, out)
        if local_dist is None:
            return _fallback(ufunc, "reduce", inputs, kwargs)
        moved = DistArray._new(redistribute_local(array.local, dist, local_dist), local_dist)
        return ufunc_reduce(ufunc, (moved,) + tuple(inputs[1:]), kwargs)
    # With ``out`` NumPy runs the loop NumPy would run without it and casts the result into ``out``.
    if out is not None:
        _check_out_shape(out, tuple(1 if i in axes else n for i, n in enumerate(array.shape)) if keepdims
                         else tuple(n for i, n in enumerate(array.shape) if i not in axes))
    if any(array.shape[a] == 0 for a in axes) and ufunc.identity is None and not has_initial:
        ufunc.reduce(np.ones((1,) * array.ndim, array.dtype), axis=axes, dtype=dtype)  # NumPy's type errors first
        raise ValueError(f"zero-size array to reduction operation {ufunc.__name__} which has no identity")
    # Complex NaNs differ (nan+1j, 1+nanj) and NumPy's maximum returns the first in C order (fmax: when
    # all are NaN): chosen by global position, as argmax does, not by rank order.
    which_nan = (split and ufunc in (np.maximum, np.minimum, np.fmax, np.fmin) and array.dtype.kind == "c"
                 and where is True and dtype in (None, array.dtype) and all(array.shape[a] for a in axes))
    if which_nan and ufunc in (np.maximum, np.minimum):
        part = _first_nan_or_extreme(array, axes, split, "max" if ufunc is np.maximum else "min")
        if has_initial:  # NumPy's loop starts from ``initial``: the first NaN may be it
            part = ufunc(np.full(part.shape, initial, array.dtype), part)
        return _reduced_result(part, axes, keepdims, dist, out)
    local_where = where if where is True else local_operand(where, dist)
    opts: dict[str, Any] = {"axis": axes, "dtype": dtype, "keepdims": True}
    if local_where is not True:
        opts["where"] = local_where
    if has_initial and (not split or ufunc.identity is None):
        opts["initial"] = initial  # applied once, or idempotent (max/min) when split
    local = array.local
    # A rank with nothing to reduce sends a zero-length partial rather than the identity: combining
    # with an identity is not always a no-op (1 * (inf+nanj) is nan+nanj) and NumPy applies it once.
    absent = split and any(local.shape[a] == 0 for a in axes)

    def kernel() -> np.ndarray:
        if absent:  # nothing here to reduce: a zero-length partial of the right dtype
            probe = ufunc.reduce(np.ones((1,) * array.ndim, local.dtype), **{**opts, "where": True})
            return np.empty(tuple(0 if i in axes else n for i, n in enumerate(local.shape)), probe.dtype)
        return np.asarray(ufunc.reduce(local, **opts))

    part = run_checked(dist.comm, "reduce", kernel)
    if split:
        sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dist.axis_grid[a] for a in split))
        partials = [p for p in _comm.allgather_array(sub, part) if not any(p.shape[a] == 0 for a in axes)]
        kept = tuple(1 if i in axes else n for i, n in enumerate(part.shape))
        part = run_checked(dist.comm, "reduce", lambda: _combine_in_order(ufunc, partials, kept, part.dtype,
                                                                         initial, has_initial))
    if which_nan and not has_initial:  # fmax/fmin: all-NaN slices give their first NaN
        first = _first_nan_or_extreme(array, axes, split, "max" if ufunc is np.fmax else "min")
        part = np.where(np.isnan(part), first, part)
    return _reduced_result(part, axes, keepdims, dist, out)


def _first_nan_or_extreme(array: DistArray, axes: tuple[int, ...], split: list[int], kind: str) -> np.ndarray:
    """Per kept position: the first NaN in global C order over ``axes`` if any, else the max/min (keepdims)."""
    dist = array.distribution
    gidx = global_flat_index(dist, axes)
    part, index = run_checked(dist.comm, "reduce", lambda: combine_arg.local(array.local, gidx, axes, kind, False))
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dist.axis_grid[a] for a in split))
    return combine_arg.across(sub, part, index, kind, False)[0]


def _reduced_result(part: np.ndarray, axes: tuple[int, ...], keepdims: bool, dist: Distribution,
                    out: Any) -> Any:
    if not keepdims:
        part = part.reshape(tuple(n for i, n in enumerate(part.shape) if i not in axes))
    result = DistArray._new(part, dist.reduced(axes, keepdims))
    if out is not None:
        return _store(out, result)
    return result


def _along_in_order(array: DistArray, axis: int, step: Callable) -> tuple[Any, Distribution, Any]:
    """Relay ``step(carry, block)`` along ``axis`` in global order (blocks in rank order, nothing gathered).

    Returns (this rank's result, the block layout it is in, the sub-communicator along ``axis``).
    """
    dist = array.distribution
    block = _block_along(dist, axis)
    data = array.local if block == dist else redistribute_local(array.local, dist, block)
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, (dist.axis_grid[axis],))
    result = run_checked(dist.comm, "reduce", lambda: _comm.relay(sub, lambda carry: step(carry, data)))
    return result, block, sub


def _reduce_in_order(ufunc: np.ufunc, array: DistArray, axis: int, dtype: Any, initial: Any,
                     has_initial: bool) -> np.ndarray:
    """A non-associative reduction over one split axis, element after element as NumPy's loop goes."""

    def step(carry: np.ndarray | None, data: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        if data.shape[axis] == 0:
            return carry, carry
        if carry is None:  # the first elements: NumPy's own start (x0, or initial then x0)
            opts = {"initial": initial} if has_initial else {}
            value = ufunc.reduce(data, axis=axis, dtype=dtype, keepdims=True, **opts)
        else:  # continue from the running value, casting the elements as NumPy's loop does
            value = ufunc.reduce(np.concatenate([carry, data.astype(carry.dtype)], axis=axis), axis=axis,
                                 dtype=dtype, keepdims=True)
        return value, value

    total, _, sub = _along_in_order(array, axis, step)
    return _comm.bcast_array(sub, total if sub.Get_rank() == sub.Get_size() - 1 else None, root=sub.Get_size() - 1)


def _accumulate_in_order(ufunc: np.ufunc, array: DistArray, axis: int, dtype: Any) -> np.ndarray:
    """A non-associative scan along one split axis, continued from the previous block's last value."""
    result_dtype = ufunc.accumulate(np.ones((1,) * array.ndim, array.dtype), axis=axis, dtype=dtype).dtype

    def step(carry: np.ndarray | None, data: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if data.shape[axis] == 0:
            return np.empty(data.shape, result_dtype), carry
        if carry is None:
            acc = ufunc.accumulate(data, axis=axis, dtype=dtype)
        else:
            joined = np.concatenate([carry, data.astype(carry.dtype)], axis=axis)
            acc = np.delete(ufunc.accumulate(joined, axis=axis, dtype=dtype), 0, axis=axis)
        return acc, np.take(acc, [-1], axis=axis)

    local, block, _ = _along_in_order(array, axis, step)
    dist = array.distribution
    return local if block == dist else redistribute_local(local, block, dist)


def _combine_in_order(ufunc: np.ufunc, partials: list, kept: tuple, dtype: np.dtype, initial: Any,
                      has_initial: bool) -> np.ndarray:
    """Partials combined in rank order, starting from the first (NumPy's loop applies no identity twice).

    ``initial`` of a ufunc with an identity comes first, as in NumPy; without
    an identity it was applied by every rank (idempotent).  No partials at all:
    NumPy's reduction of nothing (the identity, or ``initial``).
    """
    dt = loop_dtype(dtype)
    if not partials:
        opts = {"initial": initial} if has_initial else {}
        return np.asarray(ufunc.reduce(np.empty((0,) + kept, dtype), axis=0, dtype=dt, **opts))
    acc = partials[0]
    if has_initial and ufunc.identity is not None:
        acc = ufunc(np.full(kept, initial, dtype), acc, dtype=dt)
    for p in partials[1:]:
        acc = ufunc(acc, p, dtype=dt)
    return np.asarray(acc)


def local_axes_dist(dist: Distribution, axes: tuple[int, ...]) -> Distribution | None:
    """A layout with ``axes`` whole on every rank and the largest other axis blocked over all ranks.

    None when no other axis can carry the distribution (the data would not
    fit the O(size / ranks) promise); on one rank everything is local.
    """
    P = dist.nprocs
    others = [i for i in range(dist.ndim) if i not in axes]
    maps = [NoDistMap(n) for n in dist.shape]
    if P == 1:
        return Distribution._from_maps(dist.comm, maps, (1,), (None,) * dist.ndim)
    if not others:
        return None
    big = max(others, key=lambda i: dist.shape[i])
    maps[big] = BlockMap(dist.shape[big], P)
    return Distribution._from_maps(dist.comm, maps, (P,), tuple(0 if i == big else None for i in range(dist.ndim)))


def _block_along(dist: Distribution, axis: int) -> Distribution:
    """``dist`` with ``axis`` re-laid as contiguous blocks on the same grid dimension."""
    maps = list(dist.maps)
    maps[axis] = BlockMap(dist.shape[axis], dist.maps[axis].grid_size)
    return dist.with_maps(maps, dist.axis_grid)


def ufunc_accumulate(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.accumulate(array, axis=0, dtype=None, out=None)``: local scan + exclusive scan of totals."""
    names = ("axis", "dtype", "out")
    kw = dict(zip(names, inputs[1:]))
    kw.update(kwargs)
    array = inputs[0]
    if ufunc.nin != 2 or ufunc.nout != 1:
        raise ValueError("accumulate only supported for binary functions")
    if not isinstance(array, DistArray):
        return _fallback(ufunc, "accumulate", inputs, kwargs)
    if array.ndim == 0:
        axis = kw.get("axis", 0)
        if axis is not None and axis not in (0, -1):  # NumPy checks the axis first (as for 1 dimension)
            normalize_axis_index(operator.index(axis), 0)
        raise TypeError("cannot accumulate on a scalar")
    validate_with_numpy(ufunc.accumulate, (array,), kw)  # NumPy's argument, type and casting errors first
    axis = kw.get("axis", 0)
    if axis is None:
        if array.ndim != 1:
            raise ValueError("accumulate does not allow multiple axes")
        axis = 0
    axis = normalize_axis_index(axis, array.ndim)
    out = kw.get("out")
    if isinstance(out, tuple):
        out = out[0]
    dtype = kw.get("dtype")
    dtype = accumulate_loop_dtype(ufunc, array.dtype, out, dtype)  # (NumPy's loop choice with ``out``)
    in_dtype, given_dtype = array.dtype, kw.get("dtype")
    dist = array.distribution
    split = reduce_dist(dist, (axis,))
    if split and ufunc not in ASSOCIATIVE:  # order matters: scan with the axis local, then move back
        local_dist = local_axes_dist(dist, (axis,))
        if local_dist is None:
            result = DistArray._new(_accumulate_in_order(ufunc, array, axis, dtype), dist)
            return accumulated_into(out, result, axis, ufunc.accumulate, in_dtype, given_dtype) if out is not None else result
        moved = DistArray._new(redistribute_local(array.local, dist, local_dist), local_dist)
        scanned = ufunc_accumulate(ufunc, (moved,), {"axis": axis, "dtype": dtype})
        result = DistArray._new(redistribute_local(scanned.local, local_dist, dist), dist)
        return accumulated_into(out, result, axis, ufunc.accumulate, in_dtype, given_dtype) if out is not None else result
    if not split:
        local = run_checked(dist.comm, "accumulate", lambda: ufunc.accumulate(array.local, axis=axis, dtype=dtype))
        result = DistArray._new(local, dist)
        return accumulated_into(out, result, axis, ufunc.accumulate, in_dtype, given_dtype) if out is not None else result
    block = _block_along(dist, axis)
    data = array.local if block == dist else redistribute_local(array.local, dist, block)
    acc = run_checked(dist.comm, "accumulate", lambda: ufunc.accumulate(data, axis=axis, dtype=dtype))
    last = np.take(acc, [-1], axis=axis) if acc.shape[axis] else np.take(acc, [], axis=axis)
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, (dist.axis_grid[axis],))
    lasts = _comm.allgather_array(sub, last)
    before = [x for x in lasts[: sub.Get_rank()] if x.shape[axis]]

    def add_prefix() -> np.ndarray:
        # Only some ranks have a prefix: its errors are agreed on like the local scan's.
        if not (before and acc.size):
            return acc
        dt = loop_dtype(acc.dtype)
        prefix = ufunc.reduce(np.concatenate(before, axis=axis), axis=axis, keepdims=True, dtype=dt)
        return ufunc(prefix, acc, dtype=dt)

    acc = run_checked(dist.comm, "accumulate", add_prefix)
    local = acc if block == dist else redistribute_local(acc, block, dist)
    result = DistArray._new(local, dist)
    return accumulated_into(out, result, axis, ufunc.accumulate, in_dtype, given_dtype) if out is not None else result


def accumulate_loop_dtype(ufunc: np.ufunc, in_dtype: np.dtype, out: Any, dtype: Any) -> Any:
    """The ``dtype=`` that makes an accumulation without ``out`` compute as NumPy's with ``out``:
    NumPy resolves the loop from ``out``'s dtype and the input's (a float16 sum into float32 runs in
    float32; no small-integer widening), then casts into ``out``."""
    if out is None or dtype is not None or out.dtype.kind in "mM" or in_dtype.kind in "mM":
        return dtype
    try:
        return ufunc.resolve_dtypes((out.dtype, in_dtype, None), reduction=True, casting="unsafe")[0]
    except (TypeError, ValueError):  # no such loop: NumPy's own error comes from the unchanged call
        return dtype


def accumulated_into(out: Any, result: DistArray, axis: int, scan: Any, in_dtype: np.dtype, dtype: Any) -> Any:
    """Write an accumulation ``result`` (the accumulated array's shape) into ``out`` as NumPy's accumulate does.

    NumPy takes one of two paths.  A 1-d accumulation whose loop, input and ``out`` dtypes are all
    equal runs without an iterator and needs ``out`` of exactly the result's shape (unless one of them
    is empty: then nothing is checked or written).  Any other runs
    an iterator over ``out``'s leading axes (its extra trailing axes are held at index 0): there the
    result broadcasts into ``out`` along its length-1 axes except the accumulated one, where only the
    first ``result.shape[axis]`` positions are written (a length-1 input writes one element of a
    longer ``out``); ``out`` itself never broadcasts.  Everything else in ``out`` is left alone.
    """
    shape, out_shape = result.shape, np.shape(out)
    if out_shape == shape:
        return _store(out, result)
    if len(shape) == 1 and _exact_out_path(scan, in_dtype, out.dtype, dtype):
        if shape[0] and np.size(out):  # (NumPy returns before this check when either is empty)
            raise ValueError("provided out is the wrong size for the accumulation.")
        return out
    if len(out_shape) < len(shape):
        raise ValueError(f"Iterator input op_axes[0][{len(out_shape)}] (=={len(out_shape)}) is not a valid axis "
                         f"of op[0], which has {len(out_shape)} dimensions")
    if [o for o, n in zip(out_shape, shape) if o != n and n != 1]:  # (this module's ``any`` is np.any's)
        raise ValueError("operands could not be broadcast together with remapped shapes "
                         f"{out_shape[:len(shape)]} {shape}")
    if np.size(out) == 0:  # nothing to write (an extra trailing axis of length 0 included)
        return out
    key = tuple(slice(0, n) if i == axis else slice(None) for i, n in enumerate(shape))
    key += (0,) * (len(out_shape) - len(shape))
    if isinstance(out, DistArray):
        out[key] = result
    else:
        from ..creation import asnumpy

        np.copyto(out[key], asnumpy(result), casting="unsafe")
    return out


def _exact_out_path(scan: Any, in_dtype: np.dtype, out_dtype: np.dtype, dtype: Any) -> bool:
    """Whether NumPy runs this 1-d accumulation without an iterator (``out`` must then match exactly):
    asked of NumPy itself, on a 2-element input of ``in_dtype`` into a (2, 1) ``out``, which only
    the iterator path accepts."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            scan(np.zeros(2, in_dtype), out=np.zeros((2, 1), out_dtype), dtype=dtype)
    except ValueError:
        return True
    return False


def expand_trailing(x: Any, k: int) -> Any:
    """``x`` with ``k`` trailing length-1 axes (metadata only for DistArrays)."""
    if not isinstance(x, DistArray):
        x = np.asarray(x)
        return x.reshape(x.shape + (1,) * k)
    d = x.distribution
    dist = d.with_maps(list(d.maps) + [NoDistMap(1)] * k, tuple(d.axis_grid) + (None,) * k)
    return DistArray._new(x.local.reshape(x.local.shape + (1,) * k), dist)


def ufunc_outer(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.outer(a, b)``: ``ufunc(a[..., None...], b)``."""
    if ufunc.nin != 2:
        raise ValueError("outer product only supported for binary functions")
    # NumPy's outer converts both operands to arrays first, so a Python scalar is a strong 0-d array
    # here (int64, float64, ...), not NEP 50's weak scalar as in a plain ufunc call.
    a, b = (x if isinstance(x, DistArray) else np.asarray(x) for x in inputs)
    return ufunc_call(ufunc, (expand_trailing(a, np.ndim(b)), b), kwargs)


def ufunc_at(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> None:
    """``ufunc.at(a, indices, b=None)``: unbuffered in place; each rank applies what it owns."""
    from ..creation import asnumpy

    a, indices = inputs[0], inputs[1]
    b = inputs[2] if len(inputs) > 2 else None
    if not isinstance(a, DistArray):
        return _fallback(ufunc, "at", inputs, kwargs)
    if isinstance(indices, DistArray):
        indices = asnumpy(indices)
    elif isinstance(indices, tuple):
        indices = tuple(asnumpy(i) if isinstance(i, DistArray) else i for i in indices)
    if isinstance(b, DistArray):
        b = asnumpy(b)
    _probe_at_types(ufunc, a.dtype, b)  # NumPy resolves the loop before it looks at the indices
    if a.ndim == 0:  # replicated: every rank applies the same update (and NumPy's index errors)
        run_checked(a.comm, ufunc.__name__, lambda: ufunc.at(a.local, indices, *([] if b is None else [b])))
        return None
    dist = a.distribution
    # NumPy's own indexing on a zero-memory broadcast grid of global coordinates
    # gives the global coordinates of every selected element (and NumPy's errors).
    coords = [np.broadcast_to(c, a.shape)[indices] for c in np.indices(a.shape, sparse=True)] if a.ndim else []
    sel_shape = coords[0].shape if coords else ()
    mine = np.ones(sel_shape, dtype=bool)
    for axis, c in enumerate(coords):
        if dist.axis_grid[axis] is not None:
            mine &= dist.maps[axis].owners(c) == dist.axis_coord(axis)
    local_idx = tuple(dist.maps[axis].local_positions(c[mine]) for axis, c in enumerate(coords))
    args: list[Any] = [a.local, local_idx]
    if ufunc.nin == 2:
        if b is None:
            raise TypeError("second operand needed for ufunc")
        args.append(np.broadcast_to(np.asarray(b), sel_shape)[mine])
    run_checked(dist.comm, ufunc.__name__, lambda: ufunc.at(*args))
    return None


def _probe_at_types(ufunc: np.ufunc, dtype: np.dtype, b: Any) -> None:
    """NumPy's type errors of ``ufunc.at`` on an array of ``dtype``: an empty update of a stand-in."""
    if dtype == object or ufunc.nin != 2 or b is None:
        return
    if isinstance(b, np.ndarray) or not np.isscalar(b):
        b = np.asarray(b)
        if b.dtype == object:
            return
        b = b.reshape(-1)[:0]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        ufunc.at(np.zeros(1, dtype), np.zeros(0, np.intp), b)


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
    dist = _template(shape, [x for x in operands if isinstance(x, DistArray)])
    local_in = [local_operand(x, dist) for x in operands]
    result = run_checked(dist.comm, name, lambda: func(*local_in, **kwargs))
    return _wrap(result, dist)
