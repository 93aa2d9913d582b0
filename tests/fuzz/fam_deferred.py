"""Family: deferred, fused elementwise chains (``NUMPY_DIST_LAZY=1``), exact against NumPy.

The DistArray run turns deferral on for the call only, with tiny chunks so that even these
small blocks are walked in several chunks, and settles the result inside the call; NumPy runs
the same chain eagerly.  Both runs report floating-point errors as warnings (the fuzzer ignores them
elsewhere): the result is the value and the set of warnings, so an error a deferred evaluation loses or
reports twice counts as a mismatch.  Some cases start from an array lent to ``nd.asarray`` (its blocks
view a NumPy array), dropped or held and overwritten after the chain.  Values are compared bit for bit
(a full sum: within its rounding).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

import numpy_dist as nd
from numpy_dist import _deferred

from .core import Case, data, dtype_of, pick, shape_of

# One step of a chain: (name, f(x, y) -> new x).  y is the second operand, fixed for the chain.
STEPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("x + y", lambda x, y: x + y), ("x * 2", lambda x, y: x * 2), ("x - 1.5", lambda x, y: x - 1.5),
    ("x / y", lambda x, y: x / y), ("x // y", lambda x, y: x // y), ("-x", lambda x, y: -x),
    ("abs(x)", lambda x, y: abs(x)), ("sin(x)", lambda x, y: np.sin(x)), ("sqrt(x)", lambda x, y: np.sqrt(x)),
    ("exp(-x)", lambda x, y: np.exp(-x)), ("x ** 2", lambda x, y: x ** 2), ("maximum(x, y)", lambda x, y: np.maximum(x, y)),
    ("x > y", lambda x, y: x > y), ("x == y", lambda x, y: x == y), ("~(x > 0)", lambda x, y: ~(x > 0)),
    ("x & y", lambda x, y: x & y), ("where(x > y, x, y)", lambda x, y: np.where(x > y, x, y)),
    ("x.astype(f4)", lambda x, y: x.astype(np.float32)), ("x.astype(i2)", lambda x, y: x.astype(np.int16)),
    ("x + 300", lambda x, y: x + 300), ("isnan(x)", lambda x, y: np.isnan(x)), ("x * True", lambda x, y: x * True),
    # ndarray's ``**`` runs square, reciprocal and sqrt for these Python exponents (integers to -1 raise)
    ("x ** 0.5", lambda x, y: x ** 0.5), ("x ** -1", lambda x, y: x ** -1), ("x ** 2.0", lambda x, y: x ** 2.0),
]


def _stencil(x: Any, kind: int = 0) -> Any:
    """Shifted slices of one array (operands laid out alike up to a shift), in several shapes of stencil code:
    pending operands moved to another layout, moved again inside a larger expression (the heat equation's
    update), held while they are moved, moved first, moved far (half the axis), with FP warnings, moved again
    and again, computed on one rank alone between two moves; 0-d raises as NumPy does."""
    if kind == 1:  # the heat equation's update: a pending sum moved, inside an expression moved again
        if np.ndim(x) >= 2:
            return x[1:-1, 1:-1] + 0.1 * (x[:-2, 1:-1] + x[2:, 1:-1] + x[1:-1, :-2] + x[1:-1, 2:]
                                          - 4 * x[1:-1, 1:-1])
        return x[1:-1] + 0.25 * (x[:-2] + x[2:] - 2 * x[1:-1])
    if kind == 2:  # a held pending value, moved once and read where it is once
        lap = x[:-2] + x[2:] - 2 * x[1:-1]
        r = x[1:-1] - lap * 0.5
        return lap * r
    if kind == 3:  # the pending operand first: the others move to it
        return np.sqrt(abs(x[2:])) + x[:-2] - x[1:-1]
    if kind == 4:  # half the axis apart: a large halo
        k = (len(x) + 1) // 2 if np.ndim(x) else 1
        return x[:len(x) - k] * 3 - (x[k:] + 1) if np.ndim(x) else x[1:]
    if kind == 5:  # FP errors seen while computing a moved operand's halo and its kept part
        return np.sqrt(x[1:]) - np.log(x[:-1])
    if kind == 6:  # a value and an expression of it moved again and again (copies of copies, then too many)
        y = x[1:-1]
        for i in range(9):
            y = (x[:-2] if i % 2 == 0 else x[1:-1]) + y * 0.5 + y
        return y
    if kind == 7:  # a moved pending value computed on one rank alone (.local), then moved again
        s = np.cos(x[2:])
        a = x[:-2] + s
        if isinstance(s, nd.DistArray) and s.distribution.rank == 0:
            s.local  # noqa: B018 - rank-dependent user code
        return a * 2 - (x[:-2] - s)
    if np.ndim(x) >= 2:
        return x[1:-1, 1:-1] * 2 - x[:-2, 1:-1] + x[2:, 1:-1] - x[1:-1, :-2] * x[1:-1, 2:]
    return x[1:] - x[:-1] * 3


def _assign(t: Any, kind: int) -> None:
    """An assignment of an expression of ``t`` into ``t`` (one the library may compute straight into ``t``):
    reading the rows behind those it writes, ahead, far behind, a stencil, everything, columns, with a value
    held by name, of another dtype; 0-d raises as NumPy does."""
    if kind == 0:
        t[1:] = t[:-1] * 0.5 + t[1:]
    elif kind == 1:
        t[:-1] = t[1:] - t[:-1]
    elif kind == 2:
        k = max(1, len(t) // 3)
        t[k:] = t[:-k] + 1
    elif kind == 3 and np.ndim(t) >= 2:
        t[1:-1, 1:-1] = t[1:-1, 1:-1] + 0.1 * (t[:-2, 1:-1] + t[2:, 1:-1] + t[1:-1, :-2] + t[1:-1, 2:]
                                                - 4 * t[1:-1, 1:-1])
    elif kind == 3:
        t[1:-1] = t[1:-1] + 0.25 * (t[:-2] + t[2:] - 2 * t[1:-1])
    elif kind == 4:
        t[...] = t * 2 + np.sin(t)
    elif kind == 5 and np.ndim(t) >= 2:
        t[:, 1:] = t[:, :-1] - t[:, 1:]
    elif kind == 5:
        t[::-1] = t + 1
    elif kind == 6:
        held = t[:-1] + 1
        t[1:] = held * t[1:]
        t[:-1] = t[:-1] - held
    else:
        t[1:] = t[:-1] / 3


_CAST_UB = "invalid value encountered in cast"


def _deferred_call(steps: list[Callable[[Any, Any], Any]], summed: bool,
                   stencil: int | None = None, lent: str = "",
                   assign: tuple[int, str] | None = None) -> Callable[[Any, Any], Any]:
    """``lent``: the operands are remade by ``nd.asarray`` of NumPy copies (their blocks view those copies),
    the first one's then dropped ("dropped": the chain may defer) or kept and overwritten once the chain
    is written ("held": the chain must not see the write).  ``assign``: an assignment (:func:`_assign`) into
    the chain's result or into its first operand, which the pending chain reads (then both are the result)."""
    undefined: list[bool] = []  # whether NumPy's run cast a float out of an integer dtype's range

    def call(a: Any, b: Any) -> Any:
        lazy = isinstance(a, nd.DistArray)
        previous, chunk, reuse = _deferred.set_enabled(lazy), _deferred.CHUNK_ELEMENTS, _deferred.REUSE_BYTES
        _deferred.CHUNK_ELEMENTS = 3 if assign is not None else 7  # (an assignment walks the tiny blocks too)
        _deferred.REUSE_BYTES = 0  # (calls computed at once on a held array write into temporaries of any size)
        try:
            with warnings.catch_warnings(record=True) as caught, \
                    np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
                warnings.simplefilter("always", RuntimeWarning)
                _deferred.set_warning_baseline()  # (this recorder is the program's delivery: calls still defer)
                whole = None
                try:
                    if lazy and lent:
                        whole = nd.asnumpy(a)
                        a = nd.asarray(whole)
                        b = nd.asarray(nd.asnumpy(b)) if isinstance(b, nd.DistArray) else b  # (same layout)
                        if lent == "dropped":
                            whole = None
                    x = a
                    for f in steps:
                        x = f(x, b)
                        # NumPy's ufuncs make scalars of 0-d arrays, numpy_dist keeps 0-d arrays: the reference
                        # does too (a scalar's ``** 2`` is power's, a 0-d array's square's: int64 or int8 for bool).
                        x = np.asarray(x) if isinstance(x, np.generic) else x
                    if stencil is not None:
                        x = _stencil(x, stencil)
                    if assign is not None and assign[1] == "result":
                        _assign(x, assign[0])
                    elif assign is not None:
                        _assign(a, assign[0])
                        x = (x, a)
                    if whole is not None:
                        whole[...] = 0  # the caller writes its array: values computed from it are already fixed
                    if summed:
                        x = np.sum(x[0]) if isinstance(x, tuple) else np.sum(x)
                    for r in x if isinstance(x, tuple) else (x,):
                        if lazy and isinstance(r, nd.DistArray):
                            nd.evaluate(r)  # settled (and its FP flags agreed) inside the call
                finally:
                    if lazy:
                        nd.evaluate(a)  # nothing may stay pending past the case, even after an error
            # (0-d: NumPy's chain runs on scalars after its first step, and scalar math warns on its own terms)
            first = x[0] if isinstance(x, tuple) else x
            said = sorted({str(w.message) for w in caught if w.category is RuntimeWarning
                           and np.ndim(a) and np.ndim(first)})
            if not lazy:  # (NumPy's run comes first)
                undefined[:] = [_CAST_UB in said]
            if undefined and undefined[0]:
                # A float out of the integers' range was cast: C leaves the value undefined, and NumPy's cast
                # loops differ by length (under 4 elements they wrap without a warning, SIMD ones give 0 and
                # warn), so blocks of other lengths give other values: only shapes and dtypes count.
                x = tuple((np.shape(r), str(r.dtype)) for r in (x if isinstance(x, tuple) else (x,)))
                said = [m for m in said if m != _CAST_UB]
            return x, "; ".join(said)
        finally:
            _deferred.set_warning_baseline()  # (the fuzzer's recorder again)
            _deferred.set_enabled(previous)
            _deferred.CHUNK_ELEMENTS, _deferred.REUSE_BYTES = chunk, reuse
    return call


def deferred_chain(rng: np.random.Generator) -> Case:
    shape = shape_of(rng, big=rng.random() < 0.5)  # (big: blocks of several chunks, at every rank count)
    dt = dtype_of(rng, "buif")
    x = data(rng, shape, dt, specials=rng.random() < 0.5)
    y = data(rng, shape, dtype_of(rng, "buif"), specials=rng.random() < 0.3)
    chosen = [STEPS[int(i)] for i in rng.integers(0, len(STEPS), int(rng.integers(1, 6)))]
    summed = rng.random() < 0.25
    stencil = int(rng.integers(0, 8)) if rng.random() < 0.4 else None
    name = " -> ".join(n for n, _ in chosen) + (f" -> stencil {stencil}" if stencil is not None else "") + (
        " -> sum" if summed else "")
    lent = pick(rng, ["", "", "dropped", "held"])
    assign = None
    # Not into a lent array the caller overwrites (NumPy's run has no such caller), nor into a 0-d result
    # (NumPy's chain gives a scalar there).
    if rng.random() < 0.4 and (shape or lent != "held"):
        into = "operand" if not shape or lent != "held" and rng.random() < 0.5 else "result"
        assign = (int(rng.integers(0, 8)), into)
        name += f" -> assignment {assign[0]} into the {assign[1]}"
    name += f" (lent array, {lent})" if lent else ""
    n = max(1, math.prod(shape))
    return Case(f"deferred {name} on {shape} {x.dtype}, y {y.dtype}", [x, y],
                _deferred_call([f for _, f in chosen], summed, stencil, lent, assign),
                ulps=16.0 * (math.log2(n) + 8) if summed else 0.0)


FAMILIES = {"deferred": deferred_chain}
