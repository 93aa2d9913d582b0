"""One generic path per ufunc method, valid for every elementwise NumPy ufunc.

:func:`apply_ufunc` (``__array_ufunc__``'s body) looks the method up in
:data:`METHODS`:

* ``__call__`` (here): operands are aligned with the output's distribution
  (:mod:`~numpy_dist.dispatch.operands`), then NumPy runs on the local blocks,
  so dtypes follow NEP 50 exactly.  An operand shifted by a few rows (stencils)
  is computed on in pieces, moving only the halo.
* ``reduce``: :mod:`~numpy_dist.dispatch.ufunc_reduce`.
* ``accumulate``: :mod:`~numpy_dist.dispatch.ufunc_scan`.
* ``outer`` (here): ``__call__`` on ``a[..., None, ...]`` and ``b``.
* ``at``: :mod:`~numpy_dist.dispatch.ufunc_at` (updates routed to their owners).
* ``reduceat``: :mod:`~numpy_dist.dispatch.ufunc_reduceat` (a relay of segment carries).
* generalised ufuncs without an implementation: the fallback.

Floating-point errors and data-dependent exceptions are agreed on: a
condition seen on any rank is reported on every rank, per ``np.errstate``
(PEP 209's error handling, made collective).  Facts about individual ufuncs
are table rows (:data:`~numpy_dist.dispatch.ufunc_reduce.ASSOCIATIVE`,
:data:`METHODS`), not code.

Communication: ``__call__`` redistributes operands laid out otherwise (one
Alltoallv; pieces for a shifted operand) and agrees once on the local
kernel's errors; ``at`` and ``reduceat``: see their modules.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..redistribute import plan_for, redistribute_pieces
from .fallback import ufunc_fallback
from .operands import store_result, template_distribution, validate_with_numpy, wrap_local
from .registry import lookup
from ._bounded import call_local
from .ufunc_at import ufunc_at
from .ufunc_reduce import ufunc_reduce
from .ufunc_reduceat import ufunc_reduceat
from .ufunc_scan import ufunc_accumulate

__all__ = ["apply_ufunc", "METHODS", "ufunc_call", "ufunc_outer", "ufunc_at", "shifted_operand", "call_in_pieces",
           "expand_trailing"]

def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Entry point from ``__array_ufunc__``: the method's row of :data:`METHODS`, else the fallback."""
    if ufunc.signature is not None:  # generalised ufunc (matmul, vecdot ...)
        impl = lookup(ufunc)
        if impl is not None:
            _check_gufunc_types(ufunc, inputs, kwargs)
            return impl(*inputs, **_single_out(ufunc, kwargs))
        return ufunc_fallback(ufunc, method, inputs, kwargs)
    return METHODS[method](ufunc, inputs, kwargs)


def _call(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    return ufunc_call(ufunc, _comparable_ints(ufunc, inputs, kwargs), kwargs)


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
            return wrap_local(_comm.agreed_call(dist.comm, lambda: call_local(ufunc, local_in, {}), fp=ufunc.__name__),
                              dist)
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
    if dist_outs and dist_outs[0].shape == shape:
        dist = dist_outs[0].distribution
    else:
        dist = template_distribution(shape, dists + dist_outs)
    if outs is None and where is True and ufunc.nout == 1:
        shifted = shifted_operand(inputs, dist)
        if shifted is not None:
            return wrap_local(call_in_pieces(ufunc, inputs, shifted, dist, kwargs), dist)
    local_in = [aligned_block(x, dist) for x in inputs]
    local_where = where if where is True else aligned_block(where, dist)
    if isinstance(local_where, DistArray):  # pragma: no cover - handled by aligned_block
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
    negative_powers_raise = ufunc is np.power and _integer_loop(ufunc, local_in, extra)

    def kernel() -> Any:
        if negative_powers_raise:
            _check_exponents(local_in, extra)
        return call_local(ufunc, local_in, extra)

    result = _comm.agreed_call(dist.comm, kernel, fp=ufunc.__name__)
    for i, block in strided.items():  # back from the contiguous stand-ins
        block[...] = local_outs[i]
    if strided:
        result = tuple(strided.get(i, r) for i, r in enumerate(result if ufunc.nout > 1 else (result,)))
        result = result if ufunc.nout > 1 else result[0]
    results = result if ufunc.nout > 1 else (result,)
    wrapped = tuple(wrap_local(r, dist) for r in results)
    if outs is not None:
        wrapped = tuple(w if o is None else store_result(o, w) for o, w in zip(outs, wrapped))
    return wrapped if ufunc.nout > 1 else wrapped[0]


def _integer_loop(ufunc: np.ufunc, blocks: list, kwargs: dict) -> bool:
    """Whether NumPy runs ``ufunc`` on these operands (and its ``dtype``/``signature``) with an integer loop."""
    types = tuple(type(b) if type(b) in (int, float, complex) else np.asarray(b).dtype for b in blocks)
    signature = kwargs.get("signature") or ((None,) * ufunc.nin + (kwargs["dtype"],) if "dtype" in kwargs else None)
    options = {} if signature is None else {"signature": signature}  # (resolve_dtypes refuses signature=None)
    try:
        return ufunc.resolve_dtypes(types + (None,) * ufunc.nout, **options)[0].kind in "biu"
    except Exception:  # noqa: BLE001 - the call itself raises NumPy's error
        return False


def _check_exponents(blocks: list, kwargs: dict) -> None:
    """NumPy's ValueError for a negative exponent of an integer power, raised before the call.

    NumPy's loop raises at the first one and leaves the rest of its buffer
    unwritten; cast into an ``out`` of another dtype, that garbage may raise a
    floating-point error, and NumPy calls the errstate handler with the
    ValueError pending, which lost it on some runs.  (Local: agreed as the
    call's own errors are.)
    """
    where = kwargs.get("where", True)
    outs = [o for o in kwargs.get("out") or () if o is not None]
    if math.prod(np.broadcast_shapes(*[np.shape(x) for x in (*blocks, *outs, where)])) == 0:
        return  # nothing to compute: NumPy's loop never runs
    if np.any(np.logical_and(np.less(blocks[1], 0), where)):
        raise ValueError("Integers to negative integer powers are not allowed.")


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
    return np.array(aligned_block(out, dist), copy=True)


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


def _type_probe(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> None:
    """NumPy's type errors for a call whose shapes do not broadcast (types are checked first)."""
    opts = {k: v for k, v in kwargs.items() if k in ("dtype", "casting", "signature")}
    validate_with_numpy(ufunc, inputs, opts)


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
            return None  # (another communicator: aligned_block reports it)
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
    local_in = [None if i == shifted else aligned_block(y, dist) for i, y in enumerate(inputs)]
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

    return _comm.agreed_call(dist.comm, kernel, fp=ufunc.__name__)


def expand_trailing(x: Any, k: int) -> Any:
    """``x`` with ``k`` trailing length-1 axes (metadata only for DistArrays)."""
    if not isinstance(x, DistArray):
        x = np.asarray(x)
        return x.reshape(x.shape + (1,) * k)
    return DistArray._new(x.local.reshape(x.local.shape + (1,) * k), x.distribution.extended((1,) * k))


def ufunc_outer(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.outer(a, b)``: ``ufunc(a[..., None...], b)``."""
    if ufunc.nin != 2:
        raise ValueError("outer product only supported for binary functions")
    # NumPy's outer converts both operands to arrays first, so a Python scalar is a strong 0-d array
    # here (int64, float64, ...), not NEP 50's weak scalar as in a plain ufunc call.
    a, b = (x if isinstance(x, DistArray) else np.asarray(x) for x in inputs)
    return ufunc_call(ufunc, (expand_trailing(a, np.ndim(b)), b), kwargs)


# The ufunc methods with a native path (registry.native_ufunc_methods lists the same), by name.
METHODS: dict[str, Callable[[np.ufunc, tuple, dict], Any]] = {
    "__call__": _call,
    "reduce": ufunc_reduce,
    "accumulate": ufunc_accumulate,
    "outer": ufunc_outer,
    "at": ufunc_at,
    "reduceat": ufunc_reduceat,
}
