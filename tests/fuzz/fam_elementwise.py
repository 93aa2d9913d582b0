"""Families: ufuncs (every kind, out=/dtype=/where=/casting=, the methods), operators, conversions."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .core import (Case, Keep, complex_product_compare, data, dtype_of, eps_of, input_scale, operand, pick,
                   shape_of, unrepresentable, zero_blind)

ALL_UFUNCS = sorted((getattr(np, n) for n in dir(np) if isinstance(getattr(np, n), np.ufunc)),
                    key=lambda u: u.__name__)
ALL_UFUNCS = list({u.__name__: u for u in ALL_UFUNCS}.values())
UNARY = [u for u in ALL_UFUNCS if u.nin == 1]
BINARY = [u for u in ALL_UFUNCS if u.nin == 2]
# Correctly rounded (IEEE) or integer-only kernels: numpy_dist runs NumPy's kernel on each block, so bitwise equal.
EXACT = {"add", "subtract", "multiply", "divide", "true_divide", "negative", "positive", "absolute", "fabs",
         "sqrt", "floor", "ceil", "trunc", "rint", "maximum", "minimum", "fmax", "fmin", "sign", "conjugate",
         "conj", "square", "copysign", "signbit", "isnan", "isinf", "isfinite", "equal", "not_equal", "less",
         "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
         "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "bitwise_not", "bitwise_count", "left_shift",
         "right_shift", "floor_divide", "remainder", "mod", "fmod", "divmod", "modf", "frexp", "ldexp", "spacing",
         "nextafter", "reciprocal", "heaviside", "gcd", "lcm", "isnat", "isneginf", "isposinf", "positive", "real",
         "imag"}  # (matmul, vecdot, matvec, vecmat are sums: a tolerance)
CASTINGS = ["no", "equiv", "safe", "same_kind", "unsafe", "bogus"]
GUFUNCS = {"matmul", "vecdot", "matvec", "vecmat"}


def _ulps(u: np.ufunc) -> float:
    return 0.0 if u.__name__ in EXACT else 64.0 if u.__name__ in GUFUNCS else 8.0


def _complex_rounding(inputs: list[Any]) -> tuple[float, float] | None:
    """(ulps, scale) for complex arithmetic: a*c - b*d is not correctly rounded, and NumPy's SIMD and scalar
    loops (chosen by the block's length) differ in their use of FMA, so it is not bit-exact; its error is
    relative to the product of the operands' magnitudes.  None when no operand is complex."""
    if not any(np.asarray(getattr(i, "value", i)).dtype.kind == "c" for i in inputs
               if not isinstance(getattr(i, "value", i), (str, bytes))):
        return None
    scale = input_scale(inputs)
    return 8.0, scale * max(scale, 1.0)


def _call_kwargs(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[dict, list, str]:
    """Extra keywords for ufunc.__call__: dtype=, casting=, where= (a DistArray, NumPy array or scalar)."""
    kw: dict[str, Any] = {}
    extra: list[Any] = []
    if rng.random() < 0.3:
        kw["dtype"] = pick(rng, [np.float64, np.float32, np.int64, np.uint8, np.complex128, np.bool_, np.float16])
    if rng.random() < 0.25:
        kw["casting"] = pick(rng, CASTINGS)
    if rng.random() < 0.25:
        w = pick(rng, ["dist", "numpy", "scalar"])
        wshape = shape if rng.random() < 0.8 else shape_of(rng)
        mask = data(rng, wshape, bool)
        if w == "scalar":
            kw["where"] = bool(rng.integers(0, 2))
        elif w == "numpy":
            kw["where"] = mask
        else:
            extra.append(mask)
    return kw, extra, ",".join(f"{k}={v!r}" for k, v in kw.items())


COMPLEX_ARITH = {"multiply", "divide", "true_divide", "square", "absolute", "sqrt", "reciprocal"}
COMPARISONS = (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)


def ufunc_call(rng: np.random.Generator) -> Case:
    u = pick(rng, ALL_UFUNCS)
    shape = shape_of(rng)
    if u.__name__ in GUFUNCS and len(shape) < 1:
        shape = (3,)
    x = data(rng, shape, dtype_of(rng))
    inputs: list[Any] = [x]
    if u.nin == 2:
        y = operand(rng, shape, dtype_of(rng))
        if u.__name__ in GUFUNCS and not isinstance(y, Keep):
            y = data(rng, shape[::-1] if rng.random() < 0.5 else shape, dtype_of(rng))
        inputs.append(y)
    kw, extra, text = _call_kwargs(rng, shape)
    has_where = bool(extra)
    if (has_where or "where" in kw) and u in COMPARISONS:
        # NumPy 2.4 segfaults comparing with a Python int out of the array's range under where=.
        inputs = [Keep(3) if isinstance(i, Keep) and type(i.value) is int else i for i in inputs]
    inputs += extra
    # where= without out= leaves the unselected elements uninitialised (any value): always give out= with where=.
    use_out = rng.random() < 0.35 or has_where or "where" in kw
    if use_out:
        with np.errstate(all="ignore"):
            try:
                ref = u(*[i.value if isinstance(i, Keep) else i for i in inputs[:u.nin]])
                oshape = np.shape(ref[0] if isinstance(ref, tuple) else ref)
            except Exception:  # noqa: BLE001
                ref, oshape = None, shape
        oshape = oshape if rng.random() < 0.85 else shape_of(rng)
        outs = [data(rng, oshape, dtype_of(rng), specials=False) for _ in range(u.nout)]
        if kw.get("casting") == "unsafe" and ref is not None:
            refs = ref if isinstance(ref, tuple) else (ref,)
            outs = [o if not unrepresentable(r, o.dtype) else o.astype(np.float64) for o, r in zip(outs, refs)]
        inputs += outs
    nin, nout = u.nin, (u.nout if use_out else 0)

    def call(*a):
        kws = dict(kw)
        if has_where:
            kws["where"] = a[nin]
        outs_ = a[len(a) - nout:] if nout else ()
        if nout:
            kws["out"] = outs_ if nout > 1 else outs_[0]
        r = u(*a[:nin], **kws)
        return (r, *outs_) if nout else r  # the out arguments themselves are checked too

    name = f"{u.__name__}{[np.shape(getattr(i, 'value', i)) for i in inputs]} {text}{' where=dist' if has_where else ''}" \
           f"{' out=' + str(nout) if nout else ''} dtypes={[str(np.asarray(getattr(i, 'value', i)).dtype) for i in inputs]}"
    ulps = _ulps(u)
    if nout and ref is not None and ulps:  # an out more precise than the loop: the loop's rounding counts
        refs = ref if isinstance(ref, tuple) else (ref,)
        ratios = [eps_of(np.asarray(r).dtype) / eps_of(o.dtype) for r, o in zip(refs, outs)
                  if eps_of(o.dtype) and eps_of(np.asarray(r).dtype)]
        ulps *= max([1.0] + ratios)
    cx = _complex_rounding(inputs[:u.nin]) if ulps == 0 and u.__name__ in COMPLEX_ARITH else None
    if cx:
        return Case(name, inputs, call, ulps=cx[0], scale=cx[1])
    # NumPy's min/max loops return either zero of a -0.0/0.0 tie, by layout (SIMD or not): so may numpy_dist's.
    return Case(name, inputs, call, ulps=ulps, compare=zero_blind if u.__name__ in _ZERO_TIES else None)


_ZERO_TIES = ("maximum", "minimum", "fmax", "fmin")


def ufunc_method(rng: np.random.Generator) -> Case:
    u = pick(rng, BINARY)
    shape = shape_of(rng)
    dt = dtype_of(rng)
    x = data(rng, shape, dt)
    method = pick(rng, ["reduce", "accumulate", "outer", "at", "reduceat"])
    if method in ("reduce", "reduceat") and u in (np.arctan2, np.power):
        u = np.subtract  # NumPy 2.4 reduces these out of order (not its own accumulate's last value)
    ndim = len(shape)
    name = f"{u.__name__}.{method}{shape} {dt}"
    ulps = 0.0 if method in ("outer", "at") and u.__name__ in EXACT else 4.0 * max(x.size, 1)
    # (the grouping of complex products decides which non-finite value comes out, in NumPy too)
    grouped = complex_product_compare(ulps, 0.0) if u is np.multiply else None
    if method == "reduce":
        kw: dict[str, Any] = {"axis": pick(rng, [0, -1, None, (0, 1), 1, ndim + 1, 1.5] if ndim else [None, 0, ()])}
        if rng.random() < 0.3:
            kw["keepdims"] = True
        if rng.random() < 0.25:
            kw["initial"] = pick(rng, [0, 1, -5.5, np.nan])
        if rng.random() < 0.2 and u is not np.ldexp:  # NumPy 2.4's ldexp.reduce(dtype=) depends on the layout
            kw["dtype"] = pick(rng, [np.float64, np.int32, np.uint8, np.complex64])
        if rng.random() < 0.2:
            m = data(rng, shape, bool)
            return Case(name + f" {kw} where=dist", [x, m], lambda a, w: u.reduce(a, where=w, **kw), ulps=ulps,
                        compare=grouped)
        return Case(name + f" {kw}", [x], lambda a: u.reduce(a, **kw), ulps=ulps, compare=grouped)
    if method == "accumulate":
        kw = {"axis": pick(rng, [0, -1, 1, ndim, None])}
        if rng.random() < 0.2:
            kw["dtype"] = pick(rng, [np.float64, np.int32, np.uint8])
        if rng.random() < 0.3:  # out= of the accumulated shape, checked afterwards
            o = data(rng, shape, dtype_of(rng), specials=False)
            return Case(name + f" {kw} out", [x, o], lambda a, o: (u.accumulate(a, out=o, **kw), o), ulps=ulps,
                        compare=grouped)
        return Case(name + f" {kw}", [x], lambda a: u.accumulate(a, **kw), ulps=ulps, compare=grouped)
    if method == "outer":
        y = operand(rng, shape_of(rng, ndim=int(rng.integers(0, 3))), dtype_of(rng))
        return Case(name + " outer", [x, y], lambda a, b: u.outer(a, b), ulps=ulps)
    if method == "at":
        n = shape[0] if shape else 0
        idx = rng.integers(-n - 1, n + 2, size=int(rng.integers(0, 6))) if rng.random() < 0.8 else \
            pick(rng, [np.array([], int), 0, slice(None), np.array([0.5])])
        vals = pick(rng, [Keep(2), Keep(-1.5), Keep(np.nan), Keep(np.ones(np.shape(idx)) * 3)])
        ix = Keep(idx)

        def at(a, i, v):
            u.at(a, i, v)
            return a  # ufunc.at writes into its argument: check the DistArray itself

        return Case(name + f" idx={idx!r} vals={vals.value!r}", [x, ix, vals], at, ulps=ulps)
    n = shape[0] if shape else 0
    idx = rng.integers(-1, n + 2, size=int(rng.integers(0, 5)))
    axis = pick(rng, [0, -1, 1, ndim])
    return Case(name + f" reduceat idx={idx.tolist()} axis={axis}", [x, Keep(idx)],
                lambda a, i: u.reduceat(a, i, axis=axis), ulps=ulps, compare=grouped)


BINOPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod, operator.pow,
          operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift, operator.eq, operator.ne,
          operator.lt, operator.le, operator.gt, operator.ge, operator.matmul, divmod]
IOPS = [operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ifloordiv, operator.imod,
        operator.ipow, operator.iand, operator.ior, operator.ixor, operator.ilshift, operator.irshift]
UNOPS = [operator.neg, operator.pos, operator.abs, operator.invert]


def operators(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    x = data(rng, shape, dtype_of(rng))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        op = pick(rng, UNOPS)
        return Case(f"{op.__name__}{shape} {x.dtype}", [x], lambda a: op(a))
    y = operand(rng, shape, dtype_of(rng))
    if kind == 1:  # in place: the DistArray itself must hold the result
        op = pick(rng, IOPS)

        def inplace(a, b):
            r = op(a, b)
            return (r, a)

        cx = _complex_rounding([x, y]) if op in (operator.imul, operator.itruediv, operator.ipow) else None
        return Case(f"{op.__name__}{shape} {x.dtype} with {_describe(y)}", [x, y], inplace,
                    ulps=cx[0] if cx else 0.0, scale=cx[1] if cx else None)
    op = pick(rng, BINOPS)
    ulps = 64.0 if op is operator.matmul else 0.0  # (a sum: blocks may add in another order)
    cx = _complex_rounding([x, y]) if op in (operator.mul, operator.truediv, operator.pow) else None
    scale = None
    if cx:
        ulps, scale = cx
    reflected = kind == 3 and isinstance(y, Keep)
    if reflected:  # scalar/NumPy on the left: the reflected operator
        return Case(f"{op.__name__}({_describe(y)}, {shape} {x.dtype})", [x, y], lambda a, b: op(b, a), ulps=ulps,
                    scale=scale)
    return Case(f"{op.__name__}({shape} {x.dtype}, {_describe(y)})", [x, y], lambda a, b: op(a, b), ulps=ulps,
                scale=scale)


def _describe(y: Any) -> str:
    v = y.value if isinstance(y, Keep) else y
    kind = "kept " if isinstance(y, Keep) else ""
    if isinstance(v, np.ndarray):
        return f"{kind}array{v.shape} {v.dtype}"
    return f"{kind}{v!r}"


CONVERSIONS = {
    "float": float, "int": int, "complex": complex, "index": operator.index, "bool": bool, "len": len,
    "item": lambda a: a.item(), "item0": lambda a: a.item(0), "item-1": lambda a: a.item(-1), "tolist": lambda a: a.tolist(),
    "hash": lambda a: hash(a), "iter": lambda a: [np.asarray(v) for v in a], "contains": lambda a: 0 in a,
    "astype": lambda a: a.astype(np.int16), "astype_bogus": lambda a: a.astype("bogus"), "array": np.asarray,
    "format": lambda a: format(a.item(), ".3g") if np.ndim(a) == 0 else len(a), "copy": lambda a: a.copy(),
}


def conversions(rng: np.random.Generator) -> Case:
    shape = pick(rng, [(), (1,), (1, 1), (0,), (2,), (3, 2)])
    x = data(rng, shape, dtype_of(rng))
    name = pick(rng, list(CONVERSIONS))
    f = CONVERSIONS[name]
    if name == "array":
        return Case(f"np.asarray {shape} {x.dtype}", [x], lambda a: np.asarray(a) if not hasattr(a, "distribution")
                    else __import__("numpy_dist").asnumpy(a))
    return Case(f"{name}({shape} {x.dtype})", [x], f)


METHOD_ARGS = {
    "all": [{}, {"axis": 0}, {"axis": 5}], "any": [{}, {"axis": -1, "keepdims": True}],
    "argmax": [{}, {"axis": 0}, {"axis": None, "keepdims": True}], "argmin": [{}, {"axis": -1}],
    "argsort": [{"kind": "stable"}, {"axis": None, "kind": "stable"}], "clip": [{"min": -1, "max": 1}, {}, {"max": 0}],
    "compress": [{"condition": [True, False]}, {"condition": [], "axis": 0}], "conj": [{}], "conjugate": [{}],
    "cumprod": [{}, {"axis": 0}], "cumsum": [{"axis": -1}, {"dtype": np.float32}], "diagonal": [{}, {"offset": 1}],
    "max": [{}, {"axis": 0}, {"initial": 3}], "min": [{"axis": -1, "keepdims": True}], "mean": [{}, {"axis": (0,)}],
    "nonzero": [{}], "prod": [{}, {"axis": 0, "dtype": np.int8}], "ravel": [{}, {"order": "F"}],
    "repeat": [{"repeats": 2}, {"repeats": 2, "axis": 0}, {"repeats": -1}], "round": [{}, {"decimals": 1}],
    "squeeze": [{}, {"axis": 0}], "std": [{}, {"ddof": 1}], "sum": [{}, {"axis": 0}, {"dtype": np.uint8}],
    "swapaxes": [{"args": (0, -1)}],  # positional only in NumPy "take": [{"indices": [0, -1]}, {"indices": 0, "axis": 0}],
    "trace": [{}, {"offset": -1}], "var": [{"axis": 0}], "tolist": [{}], "item": [{}, {"args": (0,)}],
    "partition": [{"kth": 0}], "argpartition": [{"kth": 0}], "searchsorted": [{"v": 0.5}, {"v": [1, 2]}],
    "dot": [{"b": 2}], "copy": [{}], "flatten": [{}], "astype": [{"dtype": np.int8}, {"dtype": "bogus"}],
    "transpose": [{}, {"axes": (0,)}], "reshape": [{"shape": (-1,)}, {"shape": -2}],
}


def methods(rng: np.random.Generator) -> Case:
    """DistArray methods against ndarray's, with the same arguments."""
    name = pick(rng, sorted(METHOD_ARGS))
    kw = dict(pick(rng, METHOD_ARGS[name]))
    shape = shape_of(rng)
    x = data(rng, shape, dtype_of(rng))
    if name == "searchsorted" and x.ndim == 1:
        x = np.sort(x)  # (on unsorted data the answer is whatever the bisection meets: not NumPy's contract)
    args = kw.pop("args", ())
    if name in ("partition", "sort"):  # in place: the array itself afterwards (partition order by the sorted sides)
        return Case(f"x.{name}({shape} {x.dtype}, {kw})", [x], lambda a: (getattr(a, name)(**kw), np.sort(a, axis=-1)))
    ulps = 0.0 if name not in ("mean", "std", "var", "sum", "prod", "cumsum", "cumprod", "trace", "dot") else 64.0 + 4 * x.size
    if name == "argpartition":
        return Case(f"x.argpartition({shape} {x.dtype}, {kw}) (sorted)", [x], lambda a: np.sort(
            np.take_along_axis(a, a.argpartition(**kw), -1), axis=-1) if np.ndim(a) else a.argpartition(**kw))
    grouped = complex_product_compare(ulps, 0.0) if name in ("prod", "cumprod") else None
    return Case(f"x.{name}({shape} {x.dtype}, {args}, {kw})", [x], lambda a: getattr(a, name)(*args, **kw), ulps=ulps,
                compare=grouped)


FAMILIES = {"method": methods, "ufunc": ufunc_call, "ufunc_method": ufunc_method, "operator": operators, "conversion": conversions}
