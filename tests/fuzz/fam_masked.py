"""Families: masked arrays, nd.ma against numpy.ma: the constructors, masked reductions, ufuncs and operators
under numpy.ma's domain rules, and the array's methods (filled, compressed, count, indexing, setitem, astype).

Each call takes plain arrays (data, mask, a second operand) and builds its masked arrays itself, with
``nd.ma`` when it is given DistArrays and ``np.ma`` when it is given NumPy arrays; the mask and the data are
distributed independently, so a mask in another layout than its data is drawn as often as one in the same.

Two documented differences are kept out of the comparison, each where its case is drawn:

* nomask: numpy.ma computes an array without a mask (``np.ma.array(x)``, or a ``masked_*`` constructor that
  masked nothing) as a plain ndarray; a MaskedDistArray always holds a mask.  The NumPy side of the
  reduction, ufunc and method families builds its arrays with a mask array (as ``masked_array(x, mask=m)``
  does), so both sides follow numpy.ma's masked path (the nd.ma module docstring);
* ``np.median`` and a weighted ``np.average`` of a masked array: NumPy's ignore the mask (its median warns
  that partition does; its average divides by every weight, masked places' included); nd.ma's dispatch
  honours it, and the NumPy side runs ``np.ma.median`` and ``np.ma.average``;
* a NumPy array on the left of an operator with a masked DistArray: NumPy calls the ufunc (NEP 13), which
  masks the domain only, while ``ndarray / MaskedArray`` runs numpy.ma's operator; not drawn.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

import numpy_dist as nd

from .core import (Case, Keep, compare_masked, compare_values, complex_product_compare, data, dtype_of, eps_of,
                   input_scale, pick, shape_of)


def _module(x: Any) -> Any:
    """nd.ma for the distributed side, np.ma for NumPy's."""
    return nd.ma if isinstance(x, (nd.DistArray, nd.ma.MaskedDistArray)) else np.ma


def _masked(x: Any, m: Any, fill_value: Any = None) -> Any:
    """``x`` with mask ``m`` on either side; NumPy's keeps the mask as an array, never nomask."""
    if isinstance(x, nd.DistArray):
        if x.size % 3 == 1:  # (a third of the cases, the same on every rank: the data is a pending expression)
            x = np.where(True, x, x)
        return nd.ma.masked_array(x, mask=m, fill_value=fill_value)
    return np.ma.masked_array(x, mask=np.array(np.broadcast_to(m, np.shape(x)), dtype=bool),
                              fill_value=fill_value)


def _mask_input(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    """A mask: a distributed boolean array (sparse, dense, none or all True), or a scalar kept as it is."""
    kind = pick(rng, ["sparse", "dense", "none", "all", "scalar"])
    if kind == "scalar":
        return Keep(bool(rng.integers(0, 2)))
    p = {"sparse": 0.2, "dense": 0.7, "none": 0.0, "all": 1.0}[kind]
    return rng.random(shape) < p


def _values(rng: np.random.Generator, shape: tuple[int, ...], dt: np.dtype) -> np.ndarray:
    return data(rng, shape, dt, specials=rng.random() < 0.5)


def _sum_ulps(n: int) -> float:
    return 16.0 * (math.log2(max(n, 1)) + 8)


def _threshold(rng: np.random.Generator, x: np.ndarray) -> Any:
    """A value to compare with: one of the data's own (ties), or a small number."""
    if x.size and rng.random() < 0.6:
        return x.reshape(-1)[int(rng.integers(0, x.size))].item()
    return pick(rng, [0, 1, -1, 2.5, -0.5])


# --------------------------------------------------------------------------
# Constructors
# --------------------------------------------------------------------------

_COMPARING = ["masked_equal", "masked_not_equal", "masked_greater", "masked_greater_equal", "masked_less",
              "masked_less_equal"]


def build(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    dt = dtype_of(rng, "biufc" if rng.random() < 0.2 else "iuf")
    x = _values(rng, shape, dt)
    name = pick(rng, ["masked_array", "masked_invalid", "masked_where", "fix_invalid", "masked_inside",
                      "masked_outside", "masked_values", *_COMPARING])
    # The constructor's argument: the data, or data already masked (its mask is kept and OR'd).
    premasked = rng.random() < 0.3
    mask = _mask_input(rng, shape)
    inputs: list[Any] = [x, mask]

    def source(a: Any, m: Any) -> Any:
        return _masked(a, m) if premasked else a

    pre = " of masked data" if premasked else ""
    if name == "masked_array":
        kw: dict[str, Any] = {}
        if rng.random() < 0.3:
            kw["dtype"] = pick(rng, [np.float64, np.int32, np.float32])
        if rng.random() < 0.3:
            kw["fill_value"] = pick(rng, [0, -1, 7.5, 1e20, True])
        if rng.random() < 0.2:
            kw["keep_mask"] = False
        if rng.random() < 0.25:  # a mask of another shape: NumPy reshapes one of the same size, else refuses
            mshape = shape_of(rng)
            inputs[1] = rng.random(mshape) < 0.4
            label = f"ma.masked_array({shape} {dt}{pre}, mask of shape {mshape}, {kw})"
        else:
            label = f"ma.masked_array({shape} {dt}{pre}, mask, {kw})"
        return Case(label, [x, mask, inputs[1]],
                    lambda a, m, mm: _module(a).masked_array(source(a, m), mask=mm, **kw))
    if name == "masked_invalid":
        if premasked and not shape:  # NumPy's np.isfinite of a masked 0-d array is `masked`, whose ~ raises
            premasked = False
        return Case(f"ma.masked_invalid({shape} {dt}{pre})", inputs,
                    lambda a, m: _module(a).masked_invalid(source(a, m)))
    if name == "fix_invalid":
        fv = pick(rng, [None, 0, -1.5])
        return Case(f"ma.fix_invalid({shape} {dt}{pre}, mask, fill_value={fv})", [x, mask, _mask_input(rng, shape)],
                    lambda a, m, mm: _module(a).fix_invalid(source(a, m), mask=mm, fill_value=fv))
    if name == "masked_where":
        t = _threshold(rng, x)
        if rng.random() < 0.5:
            return Case(f"ma.masked_where(a > {t!r}, {shape} {dt}{pre})", inputs,
                        lambda a, m: _module(a).masked_where(a > t, source(a, m)))
        cond = rng.random(pick(rng, [shape] * 6 + [(), shape_of(rng)])) < 0.4  # (0-d: all or nothing)
        return Case(f"ma.masked_where(condition {cond.shape}, {shape} {dt}{pre})", [x, mask, cond],
                    lambda a, m, c: _module(a).masked_where(c, source(a, m)))
    if name in ("masked_inside", "masked_outside"):
        v1, v2 = _threshold(rng, x), _threshold(rng, x)
        return Case(f"ma.{name}({shape} {dt}{pre}, {v1!r}, {v2!r})", inputs,
                    lambda a, m: getattr(_module(a), name)(source(a, m), v1, v2))
    if name == "masked_values":
        v = _threshold(rng, x)
        kw = {"shrink": False} if rng.random() < 0.5 else {}
        if rng.random() < 0.3:
            kw.update(rtol=1e-3, atol=0.5)
        return Case(f"ma.masked_values({shape} {dt}{pre}, {v!r}, {kw})", inputs,
                    lambda a, m: _module(a).masked_values(source(a, m), v, **kw))
    v = _threshold(rng, x)
    return Case(f"ma.{name}({shape} {dt}{pre}, {v!r})", inputs,
                lambda a, m: getattr(_module(a), name)(source(a, m), v))


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------

_REDUCTIONS = ["sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "median", "average",
               "anom", "count", "all", "any"]
# Reached from NumPy's own functions through __array_function__ (the rest only as nd.ma / methods).
_NP_DISPATCHED = {"sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "median", "average",
                  "all", "any"}
_METHODS = {"sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "anom", "count", "all", "any"}


def _axis(rng: np.random.Generator, ndim: int) -> Any:
    choices: list[Any] = [None, None]
    if ndim:
        choices += list(range(ndim)) + [-1, ndim]  # ndim: out of range
    if ndim >= 2:
        choices.append((0, ndim - 1))
    return pick(rng, choices)


def reduce(rng: np.random.Generator) -> Case:
    name = pick(rng, _REDUCTIONS)
    shape = shape_of(rng)
    dt = dtype_of(rng, "biuf" if name not in ("median", "argmin", "argmax") else "iuf")
    if rng.random() < 0.1:
        dt = dtype_of(rng, "c")
    x = _values(rng, shape, dt)
    mask = _mask_input(rng, shape)
    kw: dict[str, Any] = {}
    axis = _axis(rng, len(shape))
    if axis is not None or rng.random() < 0.3:
        kw["axis"] = axis
    if name in ("var", "std") and rng.random() < 0.4:
        kw["ddof"] = pick(rng, [0, 1, 2])
    if name in ("sum", "prod", "mean", "var", "std") and rng.random() < 0.2:
        # (an integer dtype= over non-finite floats is an undefined cast: not drawn)
        kw["dtype"] = pick(rng, [np.float64, np.float32, np.int64] if np.isfinite(x).all() else [np.float64, np.float32])
    if name == "median" and isinstance(kw.get("axis"), tuple) and not x.size:
        kw["axis"] = None  # (NumPy's np.ma.median over several axes of an empty array fails to reshape)
    every_axis = len(shape) <= 1 or kw.get("axis") is None or \
        isinstance(kw.get("axis"), tuple) and len(set(kw["axis"])) == len(shape)
    # (NumPy's np.ma.median over every axis with keepdims returns a plain ndarray: not drawn)
    if name not in ("anom", "argmin", "argmax", "average") and rng.random() < 0.25 and \
            not (name == "median" and every_axis):
        kw["keepdims"] = True
    if name == "median" and dt.kind == "c" and every_axis:  # (NumPy's writes a NaN into a read-only result)
        x = data(rng, shape, dt, specials=False)
    if name == "median" and dt.kind in "iu":  # (NumPy's sort ties the dtype's maximum with masked places, and
        x = data(rng, shape, dt, specials=False)  # its median then answers that maximum as a Python int)
    if name in ("argmin", "argmax") and rng.random() < 0.3:
        kw["fill_value"] = pick(rng, [0, -100, 100])
    inputs: list[Any] = [x, mask]
    if name == "average" and shape and rng.random() < 0.5:  # (NumPy's weighted average of a 0-d array fails)
        ax = kw.get("axis")
        wshape = shape if ax is None or isinstance(ax, tuple) or not shape or ax >= len(shape) or rng.random() < 0.5 \
            else (shape[ax],)
        inputs.append(rng.uniform(0.0, 2.0, wshape).round(1))
        if rng.random() < 0.3:
            kw["returned"] = True
    form = pick(rng, ["method", "function", "numpy"])
    if form == "method" and name not in _METHODS or form == "numpy" and name not in _NP_DISPATCHED:
        form = "function"
    label = f"{form} {name}({shape} {dt}, masked, {kw}{', weights' if len(inputs) == 3 else ''})"

    def call(a: Any, m: Any, *weights: Any) -> Any:
        ma = _masked(a, m)
        extra = {"weights": weights[0]} if weights else {}
        if form == "method":
            return getattr(ma, name)(**kw)
        numpy_ignores_mask = name == "median" or name == "average" and weights
        if form == "numpy" and not (numpy_ignores_mask and isinstance(ma, np.ma.MaskedArray)):
            return getattr(np, name)(ma, **kw, **extra)
        return getattr(_module(a), name)(ma, **kw, **extra)

    n = max(x.size, 1)
    scale = input_scale([x])
    if name in ("var", "std"):
        ulps = _sum_ulps(n) * 64
        return Case(label, inputs, call, compare=_input_precision(ulps, scale * scale if name == "var" else scale, dt))
    if name in ("sum", "mean", "average", "anom"):
        return Case(label, inputs, call, compare=_input_precision(_sum_ulps(n) * 4, scale * (n if name == "sum" else 1),
                                                                   dt))
    if name == "prod":
        return Case(label, inputs, call, compare=_product_compare(_sum_ulps(n) * 4))
    return Case(label, inputs, call)


def _product_compare(ulps: float) -> Any:
    """Products: which non-finite complex value comes out depends on the grouping (core's reason); a masked
    result compares as masked arrays do (masks, fill values, unmasked data)."""
    product = complex_product_compare(ulps, 0.0)

    def compare(got: Any, want: Any) -> str:
        unmasked_0d = [np.ma.getdata(v) for v in (got, want) if isinstance(v, np.ma.MaskedArray) and v.ndim == 0
                       and not np.ma.getmaskarray(v)]
        if len(unmasked_0d) == 2 or (unmasked_0d and not all(isinstance(v, np.ma.MaskedArray) for v in (got, want))):
            return product(np.asarray(np.ma.getdata(got)), np.asarray(np.ma.getdata(want)))
        if isinstance(got, np.ma.MaskedArray) or isinstance(want, np.ma.MaskedArray):
            return compare_masked(got, want, ulps, 0.0)
        return product(got, want)

    return compare


def _input_precision(ulps: float, scale: float, dtype: np.dtype) -> Any:
    """Tolerance in the input dtype's eps: numpy.ma computes a float16 variance in float16 and returns a
    float64, so the result dtype's eps would ask for digits no order of summation keeps."""

    def compare(got: Any, want: Any) -> str:
        result = np.asarray(np.ma.getdata(want))
        widen = 1.0
        if dtype.kind in "fc" and result.dtype.kind in "fc":
            widen = max(1.0, eps_of(dtype) / eps_of(result.dtype))
        return compare_values(got, want, ulps * widen, scale)

    return compare


# --------------------------------------------------------------------------
# Ufuncs and operators
# --------------------------------------------------------------------------

_UNARY = [np.log, np.log10, np.log2, np.log1p, np.sqrt, np.arccos, np.arcsin, np.arccosh, np.arctanh, np.tan,
          np.exp, np.negative, np.absolute, np.reciprocal, np.sin, np.floor, np.isnan, np.square, np.sign]
_BINARY = [np.add, np.subtract, np.multiply, np.divide, np.true_divide, np.floor_divide, np.remainder, np.power,
           np.fmod, np.arctan2, np.hypot, np.maximum, np.minimum, np.greater, np.less, np.equal, np.not_equal,
           np.logical_and, np.logical_or]
_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
              "//": operator.floordiv, "%": operator.mod, "**": operator.pow, ">": operator.gt, "<=": operator.le,
              "==": operator.eq, "!=": operator.ne, "&": operator.and_, "|": operator.or_}


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "**=": operator.ipow, "%=": operator.imod, "&=": operator.iand}


def _into_itself(u: np.ufunc, target: Any, *others: Any) -> Any:
    """``u(target, *others, out=target)``: the masked array it wrote."""
    return u(target, *others, out=(target,))


def _second(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[str, list[Any]]:
    """The other operand: masked, a plain array, a NumPy array or a scalar (its inputs and its name)."""
    kind = pick(rng, ["masked", "masked", "plain", "numpy", "scalar"])
    # (another shape now and then: it must fail as NumPy's, on every rank, before any rank slices its block)
    oshape = shape if rng.random() < 0.8 else (shape[-1:] if shape else ()) if rng.random() < 0.7 else shape_of(rng)
    dt = dtype_of(rng, "biuf")
    if kind == "masked":
        y = _values(rng, oshape, dt)
        return f"masked {oshape} {dt}", [y, _mask_input(rng, oshape)]
    if kind == "plain":
        return f"plain {oshape} {dt}", [_values(rng, oshape, dt)]
    if kind == "numpy":
        return f"NumPy {oshape} {dt}", [Keep(_values(rng, oshape, dt))]
    return "scalar", [Keep(pick(rng, [0, 2, -1, 0.5, -2.5, float("nan"), float("inf"), True]))]


def ufunc(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    dt = dtype_of(rng, "biuf" if rng.random() < 0.9 else "c")
    x = _values(rng, shape, dt)
    inputs: list[Any] = [x, _mask_input(rng, shape)]
    form = pick(rng, ["call"] * 5 + ["inplace", "inplace", "out", "method"])
    if form == "method":  # NumPy's ufunc methods read the data and ignore the mask
        u = pick(rng, [np.add, np.multiply, np.maximum, np.logical_or])
        method = pick(rng, ["reduce", "accumulate"])
        axis = pick(rng, [0, -1, None] if method == "reduce" else [0, -1]) if shape else None
        if not shape:
            method = "reduce"
        label = f"np.{u.__name__}.{method}(masked {shape} {dt}, axis={axis})"
        call = lambda a, m: getattr(u, method)(_masked(a, m), axis=axis)  # noqa: E731
        if u is np.multiply:
            return Case(label, inputs, call, compare=_product_compare(_sum_ulps(x.size) * 4))
        return Case(label, inputs, call, ulps=_sum_ulps(x.size) * 4, scale=input_scale([x]) * max(x.size, 1))
    if rng.random() < 0.35 and form != "inplace":
        u = pick(rng, _UNARY)
        if form == "out":  # into itself: the domain is tested on the new values, as NumPy's __array_wrap__ does
            return Case(f"np.{u.__name__}(masked {shape} {dt}, out=itself)", inputs,
                        lambda a, m: _into_itself(u, _masked(a, m)), ulps=4.0, scale=0.0)
        return Case(f"np.{u.__name__}(masked {shape} {dt})", inputs, lambda a, m: u(_masked(a, m)),
                    ulps=4.0, scale=0.0)
    what, more = _second(rng, shape)
    inputs += more
    if form == "inplace":
        sym = pick(rng, list(_INPLACE))
        iop = _INPLACE[sym]

        def inplace(a: Any, m: Any, *rest: Any) -> Any:
            target = _masked(a, m)
            return iop(target, _masked(rest[0], rest[1]) if len(rest) == 2 else rest[0])

        return Case(f"masked {shape} {dt} {sym} {what}", inputs, inplace, ulps=4.0, scale=0.0)
    if form == "out":
        u = pick(rng, _BINARY)

        def into(a: Any, m: Any, *rest: Any) -> Any:
            return _into_itself(u, _masked(a, m), _masked(rest[0], rest[1]) if len(rest) == 2 else rest[0])

        return Case(f"np.{u.__name__}(masked {shape} {dt}, {what}, out=the first)", inputs, into, ulps=4.0,
                    scale=0.0)
    swap = rng.random() < 0.3  # the masked array on the right

    def other(a: Any, rest: tuple) -> Any:
        if len(rest) == 2:
            return _masked(rest[0], rest[1])
        return rest[0]

    if rng.random() < 0.5:
        # (a NumPy array on the left calls the ufunc, NEP 13, so numpy.ma's operator rules cannot run: documented)
        swap = swap and not what.startswith("NumPy")
        sym = pick(rng, list(_OPERATORS))
        op = _OPERATORS[sym]
        label = f"{what} {sym} masked {shape} {dt}" if swap else f"masked {shape} {dt} {sym} {what}"

        def call(a: Any, m: Any, *rest: Any) -> Any:
            lhs, rhs = _masked(a, m), other(a, rest)
            return op(rhs, lhs) if swap else op(lhs, rhs)
    else:
        u = pick(rng, _BINARY)
        label = f"np.{u.__name__}({what}, masked {shape} {dt})" if swap else \
            f"np.{u.__name__}(masked {shape} {dt}, {what})"

        def call(a: Any, m: Any, *rest: Any) -> Any:
            lhs, rhs = _masked(a, m), other(a, rest)
            return u(rhs, lhs) if swap else u(lhs, rhs)
    return Case(label, inputs, call, ulps=4.0, scale=0.0)


# --------------------------------------------------------------------------
# The array's methods: filled, compressed, count, mask access, indexing, setitem, astype, reshape
# --------------------------------------------------------------------------


def _key(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    if not shape:
        return pick(rng, [(), Ellipsis])
    n = shape[0]
    return pick(rng, [
        int(rng.integers(-n - 1, n + 1)) if n else 0,
        slice(int(rng.integers(0, n + 1)), None, pick(rng, [1, 2, -1])),
        (slice(None), -1) if len(shape) > 1 else Ellipsis,
        (0, 0) if len(shape) > 1 and shape[1] else slice(None, None, -1),
    ])


def _array_key(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Any, str]:
    """A boolean mask of the array's shape or an index array along axis 0 (out of bounds now and then),
    distributed or kept as NumPy's."""
    if rng.random() < 0.5:
        key = rng.random(shape) < 0.5
        what = "boolean mask"
    else:
        n = shape[0]
        key = rng.integers(-n, n + (rng.random() < 0.1), int(rng.integers(0, 5))) if n else np.zeros(0, np.intp)
        what = f"index array {key.tolist()}"
    return (key if rng.random() < 0.5 else Keep(key)), what


def _layout_or_scan(rng: np.random.Generator, shape: tuple[int, ...], dt: np.dtype, x: np.ndarray,
                    mask: Any) -> Case:
    """ravel, transpose, swapaxes, squeeze, cumsum, cumprod, clip, round: as methods or NumPy's functions."""
    name = pick(rng, ["ravel", "flatten", "transpose", "swapaxes", "squeeze", "cumsum", "cumprod", "clip", "round"])
    as_function = name != "flatten" and rng.random() < 0.5
    nd_ = len(shape)
    args: tuple = ()
    kw: dict[str, Any] = {}
    if name == "transpose" and nd_ and rng.random() < 0.5:
        args = (tuple(int(a) for a in rng.permutation(nd_)),)
    elif name == "swapaxes":
        args = (int(rng.integers(-nd_, nd_ + 1)) if nd_ else 0, int(rng.integers(0, max(nd_, 1))))
    elif name == "squeeze" and rng.random() < 0.5:
        kw["axis"] = int(rng.integers(-nd_, nd_ + 1)) if nd_ else 0
    elif name in ("cumsum", "cumprod"):
        kw["axis"] = pick(rng, [None, 0, -1, nd_]) if nd_ else None
        if rng.random() < 0.2:
            kw["dtype"] = pick(rng, [np.float64, np.int64])
    elif name == "clip":
        args = (pick(rng, [-1, 0, None]), pick(rng, [2, 5.5, None]))
    elif name == "round":
        args = (int(pick(rng, [0, 1, -1])),)
    label = f"{'np.' + name + '(m' if as_function else 'm.' + name + '('}, {args}, {kw}) of masked {shape} {dt}"
    if name == "clip" and args == (None, None):
        args = (0, None)

    def call(a: Any, m: Any) -> Any:
        target = _masked(a, m)
        if as_function:
            return getattr(np, name)(target, *args, **kw)
        return getattr(target, name)(*args, **kw)

    if name == "cumprod":
        return Case(label, [x, mask], call, compare=_product_compare(_sum_ulps(x.size) * 4))
    if name == "cumsum":
        return Case(label, [x, mask], call, ulps=_sum_ulps(x.size) * 4, scale=input_scale([x]) * max(x.size, 1))
    return Case(label, [x, mask], call)


def methods(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    dt = dtype_of(rng, "biuf")
    x = _values(rng, shape, dt)
    mask = _mask_input(rng, shape)
    fv = pick(rng, [None, None, 0, -7, 1e20])
    if rng.random() < 0.3:
        return _layout_or_scan(rng, shape, dt, x, mask)
    name = pick(rng, ["filled", "compressed", "count", "mask", "getmaskarray", "getdata", "is_masked", "getitem",
                      "setitem", "setitem_masked", "astype", "reshape", "T", "copy", "mask_assign"])

    def masked(a: Any, m: Any) -> Any:
        return _masked(a, m, fill_value=fv)

    label = f"{name} of masked {shape} {dt} (fill_value={fv})"
    if name == "filled":
        v = pick(rng, [None, 0, -1, 2.5])
        args = () if v is None else (v,)
        return Case(label + f" with {v}", [x, mask], lambda a, m: masked(a, m).filled(*args))
    if name == "compressed":
        return Case(label, [x, mask], lambda a, m: masked(a, m).compressed())
    if name == "count":
        axis = _axis(rng, len(shape))
        return Case(label + f" axis={axis}", [x, mask], lambda a, m: masked(a, m).count(axis=axis))
    if name == "mask":
        return Case(label, [x, mask], lambda a, m: masked(a, m).mask)
    if name in ("getmaskarray", "getdata", "is_masked"):
        return Case(label, [x, mask], lambda a, m: getattr(_module(a), name)(masked(a, m)))
    if name == "getitem":
        if shape and rng.random() < 0.4:  # an index array or a boolean mask, distributed or NumPy's
            key_input, what = _array_key(rng, shape)
            return Case(label + f"[{what}]", [x, mask, key_input], lambda a, m, k: masked(a, m)[k])
        key = _key(rng, shape)
        return Case(label + f"[{key!r}]", [x, mask], lambda a, m: masked(a, m)[key])
    if name in ("setitem", "setitem_masked"):
        value = np.ma.masked if name == "setitem_masked" else pick(rng, [0, 3, -2.5, True])
        if shape and rng.random() < 0.4:
            key_input, what = _array_key(rng, shape)

            def assign_by_array(a: Any, m: Any, k: Any) -> Any:
                r = masked(a, m)
                r[k] = value
                return r

            return Case(label + f"[{what}] = {value!r}", [x, mask, key_input], assign_by_array)
        key = _key(rng, shape)

        def assign(a: Any, m: Any) -> Any:
            r = masked(a, m)
            r[key] = value
            return r

        return Case(label + f"[{key!r}] = {value!r}", [x, mask], assign)
    if name == "astype":
        to = pick(rng, [np.float64, np.float32, np.int64, np.bool_, np.complex128])
        return Case(label + f".astype({to.__name__})", [x, mask], lambda a, m: masked(a, m).astype(to))
    if name == "reshape":
        new = pick(rng, [(-1,), (x.size,), (1, x.size), (x.size, 1), (2, -1), (x.size + 1,)])
        return Case(label + f".reshape({new})", [x, mask], lambda a, m: masked(a, m).reshape(new))
    if name == "T":
        return Case(label, [x, mask], lambda a, m: masked(a, m).T)
    if name == "copy":
        def copied(a: Any, m: Any) -> Any:  # the copy must not share the mask
            r = masked(a, m)
            c = r.copy()
            r.mask = True
            return c
        return Case(label, [x, mask], copied)
    # (another shape too: numpy.ma assigns ``mask.flat``, repeating or cutting it, an empty one a no-op)
    other = _mask_input(rng, shape) if rng.random() < 0.7 else rng.random(shape_of(rng)) < 0.5

    def reassigned(a: Any, m: Any, mm: Any) -> Any:
        r = masked(a, m)
        r.mask = mm
        return r

    return Case(label + " with its mask reassigned", [x, mask, other], reassigned)


FAMILIES = {"ma_build": build, "ma_reduce": reduce, "ma_ufunc": ufunc, "ma_methods": methods}
