"""Temporary elision for ``DistArray`` operators, as NumPy does for ndarrays.

In ``np.sin(x) * 2 + x**2`` the result of ``np.sin(x)`` is a temporary: only
the interpreter's evaluation stack refers to it.  NumPy writes ``* 2`` into
that buffer instead of allocating another, which for large arrays saves the
page faults of fresh memory (a third of the time of such a chain).  Without
the same trick a DistArray chain allocates one block per operator.

An operand is a temporary when, inside the operator, ``sys.getrefcount``
sees no reference beyond the stack's: the counts of a temporary and of a
named object are measured at import (:func:`_calibrate`) and elision is off
when they cannot be told apart.  Python 3.14 lets the interpreter hold
borrowed stack references, so a named array can look like a temporary: the
feature is off there (NumPy had to change its own check for the same reason).
Set ``NUMPY_DIST_ELIDE=0`` to turn it off.

With deferred evaluation on, the operators pass their temporary operands to
:func:`numpy_dist._deferred.defer`: a call it must compute at once (it reads
memory user code holds) writes into one, as here.

Elision happens only where the result has the temporary's shape, layout and
dtype: the other operand is a scalar or has the same distribution (the
ordinary path's aligned fast path, no options), or the temporary is the left
operand and the other is its layout shifted (stencil slices, computed in
pieces).  The temporary's block must own its memory, with nothing else
referring to it (no view, no ``.local`` handed out).  Both paths make the
same collective calls, so ranks that decide differently stay in step.

Layer 4, with the array: the array class registers itself
(:func:`register_array_type`) and the dispatch layer installs the shifted
(stencil) kernel (:func:`install_shifted_kernel`); this module imports
neither.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import _config, _deferred, checks
from . import comm as _comm

__all__ = ["binary_operator", "unary_operator", "operator_pair", "try_unary_call", "temporary_assigned", "ENABLED",
           "register_array_type", "install_shifted_kernel"]

_array_type: type = type(None)  # numpy_dist.distarray.DistArray, registered by that module
# (ufunc, a, b) -> a, or None: writes ufunc(a, b) into a's block when b is a's layout shifted
_shifted_kernel: Callable[[np.ufunc, Any, Any], Any] | None = None


def register_array_type(cls: type) -> None:
    """Called once by ``numpy_dist.distarray``: the type whose temporaries may be reused."""
    global _array_type
    _array_type = cls


def install_shifted_kernel(kernel: Callable[[np.ufunc, Any, Any], Any]) -> None:
    """Called by the dispatch layer: how to run ``ufunc(a, b)`` into ``a`` for a shifted ``b``."""
    global _shifted_kernel
    _shifted_kernel = kernel

# Below this many bytes (of the global array) a fresh allocation is cheap (NumPy's bound).
MIN_BYTES = _deferred.REUSE_BYTES
_SCALARS = (int, float, complex, bool, np.generic)
_dtype_cache: dict = {}


def _operand_dtype(x: Any) -> Any:
    """What ``ufunc.resolve_dtypes`` takes for an operand (Python scalars stay weak, NEP 50)."""
    if type(x) in (int, float, complex):
        return type(x)
    return x.dtype


def _keeps_dtype(ufunc: np.ufunc, a: Any, b: Any, target: np.dtype) -> bool:
    key = (ufunc, _operand_dtype(a), _operand_dtype(b))
    ok = _dtype_cache.get(key)
    if ok is None:
        try:
            ok = ufunc.resolve_dtypes((key[1], key[2], None))[2] == target
        except (TypeError, ValueError, OverflowError):
            ok = False
        _dtype_cache[key] = ok
    return ok


def _reusable(x: Any, refs: int, temp_refs: int) -> bool:
    """Is ``x`` a DistArray temporary whose block may be overwritten?"""
    if refs != temp_refs or type(x) is not _array_type:
        return False
    local = x._local
    # Global size, so that ranks decide alike (uneven blocks).  3 = the slot + ``local`` +
    # getrefcount's argument: no view or handed-out reference exists.
    return (x._dist.size * local.itemsize >= MIN_BYTES and local.base is None and local.flags.writeable
            and sys.getrefcount(local) == 3)


def _aligned(x: Any, other: Any) -> bool:
    if isinstance(other, _SCALARS):
        return True
    return type(other) is _array_type and (other._dist is x._dist or other._dist == x._dist)


def _run_into(ufunc: np.ufunc, target: Any, operands: tuple) -> Any:
    local_in = [o._local if hasattr(o, "_local") else o for o in operands]
    out = target._local
    _comm.agreed_call(target._dist.comm, lambda: ufunc(*local_in, out=out), fp=ufunc.__name__)
    return target


def _run_shifted_into(ufunc: np.ufunc, a: Any, b: Any) -> Any:
    """``ufunc(a, b)`` into ``a``'s block when ``b`` is ``a``'s layout up to a shift (a stencil slice).

    Only the left operand qualifies: it is the ordinary path's output layout
    too, so both paths exchange the same halo whichever a rank takes.
    """
    if type(b) is not _array_type or _shifted_kernel is None:
        return None
    return _shifted_kernel(ufunc, a, b)


def _try_binary(ufunc: np.ufunc, a: Any, b: Any, refs_a: int, refs_b: int, temp_refs: tuple[int, int]) -> Any:
    """``ufunc(a, b)`` written into a temporary operand's block, or None when not provable."""
    if refs_a != temp_refs[0] and refs_b != temp_refs[1]:
        return None  # the common case (named operands): decided without a call
    if checks.active() or _deferred.ENABLED:  # deferred evaluation fuses instead
        return None
    for target, other, refs, temp in ((a, b, refs_a, temp_refs[0]), (b, a, refs_b, temp_refs[1])):
        if not _reusable(target, refs, temp) or not _keeps_dtype(ufunc, a, b, target.dtype):
            continue
        if _aligned(target, other):
            return _run_into(ufunc, target, (a, b))
        if target is a:
            return _run_shifted_into(ufunc, a, b)
    return None


#: Operand types whose own reflected operator runs instead of a DistArray's: numpy_dist.ma's masked array
#: (registered by :func:`yield_operators_to`), as Python runs a subclass's reflected operator first and so
#: ``ndarray / MaskedArray`` follows numpy.ma's operator rules, not a plain ufunc call's.
_YIELDS_TO: tuple[type, ...] = ()


def yield_operators_to(cls: type) -> None:
    """Make DistArray's arithmetic operators return NotImplemented for a ``cls`` operand (at import time)."""
    global _YIELDS_TO
    _YIELDS_TO = (*_YIELDS_TO, cls)


def binary_operator(ufunc: np.ufunc, reflected: bool, fallback: Callable[[Any, Any], Any]) -> Callable:
    """A binary operator method: elide into a temporary operand, else ``fallback(self, other)``."""
    if reflected:
        temps = (None, _TEMP["reflected_self"])

        def method(self: Any, other: Any) -> Any:
            refs_self = sys.getrefcount(self)  # before ``self`` is pushed as a call argument
            if isinstance(other, _YIELDS_TO):
                return NotImplemented
            if _deferred.ENABLED:  # straight to deferral: what np.ufunc(other, self) would reach
                pending = _deferred.defer(ufunc, (other, self), (self,) if ENABLED and refs_self == temps[1] else ())
                if pending is not None:
                    return pending
            if ENABLED:
                r = _try_binary(ufunc, other, self, -1, refs_self, temps)
                if r is not None:
                    return r
            return fallback(self, other)
    else:
        temps = (_TEMP["self"], _TEMP["other"])

        def method(self: Any, other: Any) -> Any:
            refs_self, refs_other = sys.getrefcount(self), sys.getrefcount(other)  # (before any call)
            if isinstance(other, _YIELDS_TO):
                return NotImplemented
            if _deferred.ENABLED:  # straight to deferral: what np.ufunc(self, other) would reach
                pending = _deferred.defer(ufunc, (self, other), () if not ENABLED else
                                          (self,) * (refs_self == temps[0]) + (other,) * (refs_other == temps[1]))
                if pending is not None:
                    return pending
            if ENABLED:
                r = _try_binary(ufunc, self, other, refs_self, refs_other, temps)
                if r is not None:
                    return r
            return fallback(self, other)
    return method


def operator_pair(ufunc: np.ufunc, name: str) -> tuple[Callable, Callable]:
    """``__name__`` and ``__rname__`` for a DistArray class body, NumPy's mixin methods behind them."""
    return (binary_operator(ufunc, False, getattr(NDArrayOperatorsMixin, f"__{name}__")),
            binary_operator(ufunc, True, getattr(NDArrayOperatorsMixin, f"__r{name}__")))


def unary_operator(ufunc: np.ufunc, name: str) -> Callable:
    """A unary operator method (``-x``, ``abs(x)`` ...) that elides into a temporary operand."""
    fallback = getattr(NDArrayOperatorsMixin, f"__{name}__")
    temp = _TEMP["self"]

    def method(self: Any) -> Any:
        refs_self = sys.getrefcount(self)  # before ``self`` is pushed as a call argument
        if _deferred.ENABLED:
            pending = _deferred.defer(ufunc, (self,), (self,) if ENABLED and refs_self == temp else ())
            if pending is not None:
                return pending
        if ENABLED and not _deferred.ENABLED and _reusable(self, refs_self, temp):
            if not checks.active() and ufunc.resolve_dtypes((self.dtype, None))[1] == self.dtype:
                return _run_into(ufunc, self, (self,))
        return fallback(self)
    return method


def try_unary_call(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict, refs: int) -> Any:
    """``np.exp(t)``-style calls (one input, no options) written into a temporary ``t``, or None.

    ``refs`` is ``sys.getrefcount(inputs[0])`` taken first thing in ``__array_ufunc__``;
    NumPy's override machinery holds a fixed number of references, measured at import.
    """
    if (not ENABLED or _deferred.ENABLED or refs != _TEMP["ufunc_call"] or method != "__call__" or kwargs or ufunc.nin != 1
            or ufunc.nout != 1):
        return None
    x = inputs[0]
    if checks.active() or not _reusable(x, refs, refs):
        return None
    if ufunc.resolve_dtypes((x.dtype, None))[1] != x.dtype:
        return None
    return _run_into(ufunc, x, (x,))


# --------------------------------------------------------------------------
# Calibration: reference counts seen inside an operator, temporary vs named
# --------------------------------------------------------------------------


def _calibrate() -> dict[str, int] | None:
    """Counts of a temporary operand in each operator position, or None when a named one looks the same.

    The probe's methods have the same shape as :func:`binary_operator`'s (the
    count is taken in the operator's own frame), so the numbers carry over.
    """

    class Probe:
        def __add__(self, other: Any) -> tuple[int, int]:
            return sys.getrefcount(self), sys.getrefcount(other)

        def __radd__(self, other: Any) -> int:
            return sys.getrefcount(self)

    named, other_named = Probe(), Probe()
    temp_self, temp_other = (Probe() + named)[0], (named + Probe())[1]
    named_self, named_other = (named + other_named)
    temp_reflected, named_reflected = 1 + Probe(), 1 + named

    def in_function(x: Any) -> tuple:
        return (x + other_named)[0], (other_named + x)[1], 1 + x

    class UfuncProbe:
        def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> int:
            return sys.getrefcount(inputs[0])

    probe = UfuncProbe()
    temp_call, named_call, inner_call = np.negative(UfuncProbe()), np.negative(probe), (lambda y: np.negative(y))(probe)
    inner = in_function(named)
    if not (temp_self < min(named_self, inner[0]) and temp_other < min(named_other, inner[1])
            and temp_reflected < min(named_reflected, inner[2])):
        return None
    assigned: list[int] = []

    class SetitemProbe:
        def __setitem__(self, key: Any, value: Any) -> None:
            assigned.append(sys.getrefcount(value))

    target = SetitemProbe()
    target[0] = Probe()
    target[0] = named

    def assign_in_function(x: Any) -> None:
        target[0] = x

    assign_in_function(named)
    return {"self": temp_self, "other": temp_other, "reflected_self": temp_reflected,
            # -1: never (the override machinery's count did not tell a temporary apart)
            "ufunc_call": temp_call if temp_call < min(named_call, inner_call) else -1,
            "assigned": assigned[0] if assigned[0] < min(assigned[1:]) else -1}


_counts = _calibrate() if sys.version_info < (3, 14) else None
ENABLED: bool = _counts is not None and _config.ELIDE
_TEMP: dict[str, int] = _counts or {"self": -2, "other": -2, "reflected_self": -2, "ufunc_call": -2, "assigned": -2}


def temporary_assigned(refs: int) -> bool:
    """Whether the value of ``d[key] = value`` is a temporary: ``refs`` is ``sys.getrefcount(value)``
    taken first thing in ``__setitem__`` (the assignment may then consume it, :mod:`numpy_dist._consumers`)."""
    return ENABLED and refs == _TEMP["assigned"]
