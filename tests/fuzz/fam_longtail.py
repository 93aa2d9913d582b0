"""Families: the long tail of NumPy (issue 18): statistics (cov, corrcoef), signals (convolve, correlate,
gradient, trapezoid, unwrap, interp, sliding windows), shape and selection editing (diag, tril, vander, select,
choose, insert, delete, append, resize, trim_zeros, packbits), ufunc.at / reduceat, like= creation and polynomials."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .core import Case, Keep, data, dtype_of, pick, shape_of


def _ulps(n: int) -> float:
    """Sums of n terms combined in another order than NumPy's: O(log n + P) eps of the magnitudes."""
    return 16.0 * (math.log2(max(n, 1)) + 8)


def _finite_scale(*xs: np.ndarray) -> float:
    best = 0.0
    for x in xs:
        a = np.abs(np.asarray(x, dtype=np.complex128 if np.asarray(x).dtype.kind == "c" else np.float64))
        a = a[np.isfinite(a)]
        best = max(best, float(a.max()) if a.size else 0.0)
    return best


def statistics(rng: np.random.Generator) -> Case:
    name = pick(rng, ["cov", "corrcoef"])
    shape = shape_of(rng, ndim=int(pick(rng, [1, 2, 2])))
    dt = dtype_of(rng, "iufc")
    x = data(rng, shape, dt, specials=rng.random() < 0.15)
    kw: dict[str, Any] = {}
    if rng.random() < 0.5:
        kw["rowvar"] = bool(rng.random() < 0.5)
    if name == "cov" and rng.random() < 0.3:
        kw["ddof"] = pick(rng, [0, 1, 2])
    if name == "cov" and rng.random() < 0.2:
        kw["bias"] = True
    n = shape[-1] if kw.get("rowvar", True) or len(shape) < 2 else shape[0]
    if name == "cov" and rng.random() < 0.25 and n:
        kw["fweights"] = rng.integers(0, 3, n)
    if name == "cov" and rng.random() < 0.25 and n:
        kw["aweights"] = rng.uniform(0.1, 2.0, n)
    scale = _finite_scale(x) ** 2
    label = f"np.{name}({shape} {dt}, {sorted(kw)})"
    f = getattr(np, name)
    if name == "corrcoef":  # values in [-1, 1]; near-constant data loses digits in any order of summation
        return Case(label, [x], lambda a: f(a, **kw), ulps=1e6, scale=1.0)
    return Case(label, [x], lambda a: f(a, **kw), ulps=_ulps(x.size) * 4, scale=scale)


def signals(rng: np.random.Generator) -> Case:
    name = pick(rng, ["convolve", "correlate", "gradient", "trapezoid", "unwrap", "interp", "sliding_window",
                      "diff"])
    dt = dtype_of(rng, "iuf" if name in ("unwrap", "interp") else "iufc")
    n = int(pick(rng, [0, 1, 2, 3, 5, 8, 13, 30]))
    x = data(rng, (n,), dt, specials=rng.random() < 0.1)
    scale = _finite_scale(x)
    if name in ("convolve", "correlate"):
        m = int(pick(rng, [1, 2, 3, 5, n + 2 if n < 6 else 4]))
        v = data(rng, (m,), dtype_of(rng, "iuf"), specials=False)
        mode = pick(rng, ["full", "same", "valid"])
        f = getattr(np, name)
        ulps, sc = _ulps(m) * 4, scale * _finite_scale(v) * max(m, 1)
        if rng.random() < 0.5:
            return Case(f"np.{name}({n} {dt}, kernel {m} NumPy, {mode})", [x, Keep(v)],
                        lambda a, w: f(a, w, mode), ulps=ulps, scale=sc)
        return Case(f"np.{name}({n} {dt}, kernel {m} distributed, {mode})", [x, v],
                    lambda a, w: f(a, w, mode), ulps=ulps, scale=sc)
    if name == "gradient":
        shape = shape_of(rng, ndim=int(pick(rng, [1, 2])))
        y = data(rng, shape, dtype_of(rng, "iuf"), specials=rng.random() < 0.1)
        kw = {"edge_order": pick(rng, [1, 2])}
        if len(shape) == 2 and rng.random() < 0.5:
            kw["axis"] = pick(rng, [0, 1, -1])
        spacing = () if rng.random() < 0.5 else (pick(rng, [0.5, 2.0]),)
        return Case(f"np.gradient({shape}, {spacing}, {kw})", [y], lambda a: np.gradient(a, *spacing, **kw),
                    ulps=64, scale=_finite_scale(y))
    if name == "trapezoid":
        dx = pick(rng, [1.0, 0.25])
        return Case(f"np.trapezoid({n} {dt}, dx={dx})", [x], lambda a: np.trapezoid(a, dx=dx),
                    ulps=_ulps(n) * 4, scale=scale * max(n, 1))
    if name == "unwrap":
        y = np.cumsum(rng.uniform(-3.0, 3.0, n)).astype(dt if dt.kind == "f" else np.float64)
        period = pick(rng, [2 * np.pi, 360.0, 2 * np.pi])
        return Case(f"np.unwrap({n}, period={period})", [y], lambda a: np.unwrap(a, period=period),
                    ulps=_ulps(n) * 16, scale=_finite_scale(y) + period * n)
    if name == "interp":
        xp = np.sort(rng.uniform(-5, 5, max(n, 1)))
        fp = rng.normal(size=xp.size)
        pts = data(rng, (int(pick(rng, [0, 1, 4, 9])),), np.float64, specials=rng.random() < 0.2)
        which = pick(rng, ["points", "table", "both"])
        ins = [pts if which != "table" else Keep(pts), xp if which != "points" else Keep(xp),
               fp if which != "points" else Keep(fp)]
        return Case(f"np.interp({pts.size} points, table {xp.size}, distributed {which})", ins,
                    lambda p, a, b: np.interp(p, a, b), ulps=8, scale=_finite_scale(fp))
    if name == "sliding_window":
        w = int(pick(rng, [1, 2, 3, max(n, 1)]))
        red = pick(rng, ["sum", "max", "mean"])
        return Case(f"sliding_window_view({n} {dt}, {w}).{red}(-1)", [x],
                    lambda a: getattr(sliding_window_view(a, w), red)(axis=-1), ulps=_ulps(w) * 4,
                    scale=scale * w)
    k = int(pick(rng, [1, 2, 3]))
    return Case(f"np.diff({n} {dt}, n={k})", [x], lambda a: np.diff(a, n=k), ulps=8, scale=scale * 2 ** k)


def editing(rng: np.random.Generator) -> Case:
    name = pick(rng, ["diag", "diagflat", "tril", "triu", "vander", "select", "choose", "insert", "delete", "append",
                      "resize", "trim_zeros", "packbits", "unpackbits", "sort_complex", "put_along_axis", "block",
                      "piecewise"])
    dt = dtype_of(rng)
    if name in ("diag", "diagflat", "tril", "triu"):
        shape = shape_of(rng, ndim=int(pick(rng, [1, 2, 2])))
        x = data(rng, shape, dt)
        k = int(rng.integers(-3, 4))
        f = getattr(np, name)
        return Case(f"np.{name}({shape} {dt}, k={k})", [x], lambda a: f(a, k))
    if name == "vander":
        x = data(rng, (int(pick(rng, [0, 1, 4, 7])),), dtype_of(rng, "if"), specials=False)
        N = pick(rng, [None, 0, 3])
        inc = bool(rng.random() < 0.5)
        return Case(f"np.vander({x.shape}, {N}, increasing={inc})", [x], lambda a: np.vander(a, N, inc),
                    ulps=8, scale=0.0)
    if name == "select":
        shape = shape_of(rng, ndim=int(pick(rng, [1, 2])))
        c1, c2 = data(rng, shape, bool), data(rng, shape, bool)
        v1, v2 = data(rng, shape, dt), data(rng, shape, dt)
        default = pick(rng, [0, -1])
        return Case(f"np.select(2 conds {shape} {dt}, default={default})", [c1, c2, v1, v2],
                    lambda a, b, c, d: np.select([a, b], [c, d], default))
    if name == "choose":
        shape = shape_of(rng, ndim=int(pick(rng, [1, 2])))
        idx = rng.integers(-1 if rng.random() < 0.1 else 0, 3, shape)
        choices = [data(rng, shape, dt) for _ in range(3)]
        mode = pick(rng, ["raise", "wrap", "clip"])
        return Case(f"np.choose({shape}, 3 choices {dt}, mode={mode})", [idx, *choices],
                    lambda i, a, b, c: np.choose(i, [a, b, c], mode=mode))
    if name in ("insert", "delete", "append"):
        shape = shape_of(rng, ndim=int(pick(rng, [1, 2])))
        x = data(rng, shape, dt)
        axis = pick(rng, [None, 0, -1, 1 if len(shape) > 1 else None, 5])
        n_axis = x.size if axis is None else shape[axis] if isinstance(axis, int) and -len(shape) <= axis < len(shape) \
            else 1
        obj = pick(rng, [0, -1, n_axis, n_axis + 3, slice(1, None, 2), [0, 0, 1], np.array([], int)])
        if name == "delete":
            return Case(f"np.delete({shape} {dt}, {obj!r}, axis={axis})", [x], lambda a: np.delete(a, obj, axis))
        if name == "append":
            y = data(rng, shape, dt)
            return Case(f"np.append({shape} {dt}, same, axis={axis})", [x, y], lambda a, b: np.append(a, b, axis))
        val = pick(rng, [7, [1, 2], data(rng, (), dt)])
        return Case(f"np.insert({shape} {dt}, {obj!r}, {val!r}, axis={axis})", [x],
                    lambda a: np.insert(a, obj, val, axis))
    if name == "resize":
        x = data(rng, shape_of(rng), dt)
        new = pick(rng, [(0,), (5,), (3, 4), (2, 0, 3), 7, (-1,)])
        return Case(f"np.resize({x.shape} {dt}, {new})", [x], lambda a: np.resize(a, new))
    if name == "trim_zeros":
        x = np.concatenate([np.zeros(int(rng.integers(0, 3))), data(rng, (int(rng.integers(0, 4)),), np.float64,
                                                                     specials=False), np.zeros(int(rng.integers(0, 3)))])
        trim = pick(rng, ["fb", "f", "b"])
        return Case(f"np.trim_zeros({x.size}, {trim!r})", [x], lambda a: np.trim_zeros(a, trim))
    if name == "packbits":
        shape = shape_of(rng, ndim=int(pick(rng, [1, 2])))
        x = data(rng, shape, bool)
        axis, order = pick(rng, [None, 0, -1]), pick(rng, ["big", "little"])
        return Case(f"np.packbits({shape}, axis={axis}, {order})", [x], lambda a: np.packbits(a, axis, order))
    if name == "unpackbits":
        x = rng.integers(0, 256, int(pick(rng, [0, 1, 3, 6]))).astype(np.uint8)
        # NumPy 2.4 pads an empty input with uninitialised bytes, not zeros: no padding of empty input
        count = pick(rng, [None, -3, 5] if x.size else [None, -3, 0])
        return Case(f"np.unpackbits({x.size}, count={count})", [x], lambda a: np.unpackbits(a, count=count))
    if name == "sort_complex":
        x = data(rng, (int(pick(rng, [0, 1, 6, 11])),), dtype_of(rng, "ifc"), specials=False)
        return Case(f"np.sort_complex({x.shape} {x.dtype})", [x], np.sort_complex)
    if name == "put_along_axis":
        shape = shape_of(rng, ndim=2)
        x = data(rng, shape, dt)
        k = int(pick(rng, [1, 2]))
        idx = rng.integers(-shape[1] if shape[1] else 0, max(shape[1], 1), (shape[0], k))
        vals = data(rng, (shape[0], k), dt)

        def put(a, i, v):
            np.put_along_axis(a, i, v, axis=1)
            return a

        return Case(f"np.put_along_axis({shape} {dt}, {idx.shape}, axis=1)", [x, idx, vals], put)
    if name == "block":
        a, b = data(rng, (2, 3), dt), data(rng, (2, 2), dt)
        c = data(rng, (int(pick(rng, [1, 3])), 5), dt)
        return Case(f"np.block([[a, b], [c]]) {dt} c{c.shape}", [a, b, c], lambda p, q, r: np.block([[p, q], [r]]))
    x = data(rng, (int(pick(rng, [0, 1, 5, 9])),), np.float64, specials=False)
    return Case(f"np.piecewise({x.size}, [x<0, x>2], [-1, lambda v: v*2, 0.5])", [x],
                lambda a: np.piecewise(a, [a < 0, a > 2], [-1.0, lambda v: v * 2, 0.5]))


_AT_UFUNCS = ["add", "subtract", "multiply", "maximum", "minimum", "bitwise_xor", "logical_or", "divide", "power",
              "fmax", "negative"]


def ufunc_at(rng: np.random.Generator) -> Case:
    uname = pick(rng, _AT_UFUNCS)
    u = getattr(np, uname)
    dt = np.dtype(pick(rng, [np.int64, np.float64] if uname not in ("bitwise_xor",) else [np.int64, np.uint8]))
    if uname in ("logical_or",):
        dt = np.dtype(bool)
    target_n = int(pick(rng, [1, 3, 5, 8]))
    m = int(pick(rng, [0, 1, 4, 11, 25]))
    idx = rng.integers(-target_n, target_n, m) if rng.random() < 0.95 else rng.integers(0, target_n + 2, m)
    vals = data(rng, (m,), dt, specials=False)
    if uname in ("power",) and dt.kind == "i":
        vals = np.abs(vals) % 3
    if uname == "divide":
        dt = np.dtype(np.float64)
        vals = vals.astype(dt)
    target = data(rng, (target_n,), dt, specials=False)
    where = pick(rng, ["numpy_target", "dist_target", "both_dist"])
    ulps, sc = (_ulps(m) * 8, _finite_scale(vals, target) * max(m, 1)) if dt.kind == "f" else (0.0, 0.0)
    if uname in ("multiply", "power", "divide") and dt.kind == "f":
        ulps, sc = 8.0 * m + 16, 0.0
    label = f"np.{uname}.at({where}, {target_n} {dt}, {m} updates)"

    def at_numpy_target(i, v):
        t = target.copy()
        u.at(t, i) if u.nin == 1 else u.at(t, i, v)
        return t

    def at_target(t, i, v):
        u.at(t, i) if u.nin == 1 else u.at(t, i, v)
        return t

    if where == "numpy_target":
        return Case(label, [idx, vals], at_numpy_target, ulps=ulps, scale=sc)
    if where == "dist_target":
        return Case(label, [target, Keep(idx), Keep(vals)], at_target, ulps=ulps, scale=sc)
    return Case(label, [target, idx, vals], at_target, ulps=ulps, scale=sc)


# (not float power/arctan2: NumPy 2.4's own float reduce loop for them returns op(x[0], x[-1]) on segments
# longer than two, which no sequential fold reproduces; see tests/dispatch/test_ufunc_reduceat.py)
_REDUCEAT = ["add", "multiply", "maximum", "minimum", "subtract", "bitwise_or", "logical_and", "divide", "fmin",
             "hypot", "fmod"]


def reduceat(rng: np.random.Generator) -> Case:
    uname = pick(rng, _REDUCEAT)
    u = getattr(np, uname)
    shape = shape_of(rng, ndim=int(pick(rng, [1, 1, 2])), big=True)
    dt = np.dtype(np.int64 if uname in ("bitwise_or",) else bool if uname == "logical_and" else
                  pick(rng, [np.float64, np.int32, np.float32]) if uname not in ("divide", "hypot") else np.float64)
    x = data(rng, shape, dt, specials=rng.random() < 0.1)
    axis = int(pick(rng, [0, -1])) if len(shape) > 1 else 0
    n = shape[axis] if shape else 0
    k = int(pick(rng, [1, 2, 4]))
    indices = np.sort(rng.integers(0, max(n, 1), k)) if rng.random() < 0.7 else rng.integers(-1, n + 1, k)
    ulps = 8.0 * (n + 2) if dt.kind == "f" else 0.0
    label = f"np.{uname}.reduceat({shape} {dt}, {indices.tolist()}, axis={axis})"
    return Case(label, [x, Keep(indices)], lambda a, i: u.reduceat(a, i, axis=axis), ulps=ulps,
                scale=_finite_scale(x) * (n + 1) if uname in ("add", "subtract") else 0.0)


def like_creation(rng: np.random.Generator) -> Case:
    proto = data(rng, (int(pick(rng, [0, 1, 4])),), np.float64)
    k, axis = int(rng.integers(-2, 3)), int(pick(rng, [0, -1]))  # drawn once: both runs make the same call
    calls = {
        "zeros": lambda a: np.zeros((3, 2), like=a),
        "full": lambda a: np.full(5, 2.5, dtype=np.float32, like=a),
        "arange": lambda a: np.arange(1.5, 9.0, 0.75, like=a),
        "array": lambda a: np.array([[1, 2, 3], [4, 5, 6]], like=a),
        "eye": lambda a: np.eye(4, 3, k=k, like=a),
        "fromiter": lambda a: np.fromiter(range(7), np.int16, 7, like=a),
        "linspace": lambda a: np.linspace(a, a * 2 + 1, 4, axis=axis),
        "geomspace": lambda a: np.geomspace(np.abs(a) + 1, 100.0, 3),
        "logspace": lambda a: np.logspace(a, 2.0, 5, base=2.0),
    }
    name = pick(rng, list(calls))
    return Case(f"{name}(like / endpoints of {proto.shape})", [proto], calls[name], ulps=4,
                scale=_finite_scale(proto) * 4 + 1)


def polynomials(rng: np.random.Generator) -> Case:
    name = pick(rng, ["polyval", "polyfit", "polyder_val"])
    n = int(pick(rng, [0, 1, 3, 8, 20]))
    x = data(rng, (n,), dtype_of(rng, "if"), specials=name == "polyval" and rng.random() < 0.2)
    coef = rng.normal(size=int(pick(rng, [1, 2, 4])))
    if name == "polyval":
        return Case(f"np.polyval({coef.size} coefs, {n} {x.dtype})", [Keep(coef), x], np.polyval,
                    ulps=64, scale=_finite_scale(x) ** coef.size * 8 + 1)
    if name == "polyder_val":
        return Case(f"np.polyval(np.polyder({coef.size}), {n})", [x], lambda a: np.polyval(np.polyder(coef), a),
                    ulps=64, scale=_finite_scale(x) ** coef.size * 8 + 1)
    xs = np.linspace(-1, 1, max(n, 1))
    y = np.polyval(coef, xs) + 0.01 * rng.normal(size=xs.size)
    deg = int(pick(rng, [0, 1, 2, 3]))
    return Case(f"np.polyfit({xs.size}, deg={deg})", [xs, y], lambda a, b: np.polyfit(a, b, deg), ulps=1e7,
                scale=1.0)


FAMILIES = {"statistics": statistics, "signals": signals, "editing": editing, "ufunc_at": ufunc_at,
            "reduceat": reduceat, "like_creation": like_creation, "polynomials": polynomials}
