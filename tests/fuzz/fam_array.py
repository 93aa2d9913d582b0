"""Families: indexing and setitem, manipulation, creation, functions that write into an argument."""

from __future__ import annotations

from typing import Any

import numpy as np

import numpy_dist as nd

from .core import Case, Keep, data, dtype_of, operand, pick, shape_of, unrepresentable


def _key_part(rng: np.random.Generator, n: int) -> Any:
    kind = int(rng.integers(0, 10))
    if kind == 0:
        return int(rng.integers(-n - 2, n + 2)) if n else int(pick(rng, [0, -1]))
    if kind == 1:
        a, b = sorted(int(v) for v in rng.integers(-n - 2, n + 3, size=2))
        return slice(pick(rng, [a, None]), pick(rng, [b, None]), pick(rng, [1, 2, -1, 3, None, 0]))
    if kind == 2:
        return rng.integers(-n - 1, n + 1, size=pick(rng, [0, 1, 3, (2, 2)]))
    if kind == 3:
        return None
    if kind == 4:
        return Ellipsis
    if kind == 5:
        return pick(rng, [1.0, "a", [0.5], np.int8(1), np.uint64(0), True, False, np.True_, np.array(True)])
    if kind == 6:
        return rng.integers(0, 2, size=n if rng.random() < 0.85 else n + 1).astype(bool)  # a boolean mask
    if kind == 7:
        return [int(v) for v in rng.integers(-n, max(n, 1), size=2)] if n else []
    return slice(None)


def _key(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    r = rng.random()
    if r < 0.08:
        return pick(rng, [True, False, np.True_, np.array(False), (), Ellipsis, None])  # 0-d bool keys, empty tuple
    if r < 0.18 and shape:
        return rng.integers(0, 2, size=shape if rng.random() < 0.9 else shape[::-1]).astype(bool)  # a whole mask
    parts = [_key_part(rng, n) for n in shape[: int(rng.integers(0, len(shape) + 2))]]
    return tuple(parts) if len(parts) != 1 or rng.random() < 0.3 else parts[0]


def _target_shape(shape: tuple[int, ...], key: Any) -> tuple[int, ...] | None:
    try:
        return np.empty(shape, np.int8)[key].shape
    except Exception:  # noqa: BLE001 - a bad key: any value will do
        return None


def _value(rng: np.random.Generator, dt: np.dtype, target: tuple[int, ...] | None = None) -> Any:
    kind = int(rng.integers(0, 7))
    if kind == 6 and target is not None:  # the indexed shape, with extra leading length-1 dims or broadcastable
        lead = (1,) * int(rng.integers(0, 3))
        tail = target[int(rng.integers(0, len(target) + 1)):] if rng.random() < 0.3 else target
        v = data(rng, lead + tail, dt)
        return v if rng.random() < 0.3 else Keep(v)
    if kind == 0:
        return Keep(pick(rng, [0, -2, 1.5, np.nan, 1 + 1j, True, 300, -1, 2**40]))
    if kind == 1:
        return Keep(data(rng, shape_of(rng), dtype_of(rng)))  # any NumPy shape (maybe extra leading 1s)
    if kind == 2:
        return Keep(data(rng, (1,) * int(rng.integers(1, 3)) + shape_of(rng, ndim=int(rng.integers(0, 2))), dt))
    if kind == 3:
        return data(rng, shape_of(rng, ndim=int(rng.integers(0, 3))), dt)  # a DistArray value
    return Keep(pick(rng, [np.float32(2.5), np.int64(-7), np.array(3), [1, 2], "x"]))


def _defined_cast(value: Any, dt: np.dtype) -> Any:
    """An array value whose cast into ``dt`` C defines: NaN, inf or out-of-range floats into integers are
    undefined, and NumPy's own answer depends on the array's length (see fuzz_api).  Python scalars stay:
    NumPy raises for those."""
    raw = value.value if isinstance(value, Keep) else value
    if not isinstance(raw, np.ndarray) or not unrepresentable(raw, np.dtype(dt)):
        return value
    tame = np.ones_like(raw)
    return Keep(tame) if isinstance(value, Keep) else tame


def indexing(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    dt = dtype_of(rng)
    x = data(rng, shape, dt)
    key = _key(rng, shape)
    if rng.random() < 0.45:
        return Case(f"getitem {shape} {dt} [{key!r}]", [x, Keep(key)], lambda a, k: a[k])
    if rng.random() < 0.15 and isinstance(key, np.ndarray) and key.dtype == bool:
        key = data(rng, key.shape, bool)  # a distributed mask
        value = _defined_cast(_value(rng, dt), dt)

        def setmask(a, k, v):
            a[k] = v
            return a

        return Case(f"setitem {shape} {dt} [dist mask {key.shape}] = {_show(value)}", [x, key, value], setmask)
    value = _defined_cast(_value(rng, dt, _target_shape(shape, key)), dt)

    def setitem(a, k, v):
        a[k] = v
        return a  # the DistArray itself afterwards

    return Case(f"setitem {shape} {dt} [{key!r}] = {_show(value)}", [x, Keep(key), value], setitem)


def _show(v: Any) -> str:
    w = v.value if isinstance(v, Keep) else v
    if isinstance(w, np.ndarray):
        return f"{'kept ' if isinstance(v, Keep) else 'dist '}array{w.shape} {w.dtype}"
    return repr(w)


def indexing_funcs(rng: np.random.Generator) -> Case:
    f = pick(rng, ["take", "take_along_axis", "compress", "extract", "diagonal", "tril", "triu", "choose_where",
                   "nonzero_fancy"])
    shape = shape_of(rng)
    x = data(rng, shape, dtype_of(rng))
    ndim = len(shape)
    n = shape[0] if shape else 0
    if f == "take":
        idx = pick(rng, [rng.integers(-n - 1, n + 1, size=3), 0, np.array([], int), rng.integers(0, 10, size=(2, 2))])
        axis = pick(rng, [None, 0, -1, ndim])
        mode = pick(rng, ["raise", "wrap", "clip", "bogus"])
        if mode == "wrap" and x.size == 0:
            mode = "clip"  # NumPy 2.4 loops forever in 'wrap' mode over an empty axis
        return Case(f"take({shape}, {idx!r}, axis={axis}, mode={mode})", [x, Keep(idx)],
                    lambda a, i: np.take(a, i, axis=axis, mode=mode))
    if f == "take_along_axis":
        axis = pick(rng, [0, -1, None, ndim])
        ishape = shape if rng.random() < 0.7 else shape_of(rng)
        idx = rng.integers(-1, max(n, 1), size=ishape) if axis is not None else rng.integers(0, max(x.size, 1), size=3)
        return Case(f"take_along_axis({shape}, idx{idx.shape}, axis={axis})", [x, idx],
                    lambda a, i: np.take_along_axis(a, i, axis=axis))
    if f == "compress":
        axis = pick(rng, [None, 0, -1, ndim])
        m = (shape[axis] if axis is not None and -ndim <= axis < ndim else x.size) + int(pick(rng, [0, 0, -1, 2]))
        cond = rng.integers(0, 2, size=max(m, 0)).astype(bool)
        if rng.random() < 0.3:
            cond[min(m, 1):] = False  # a longer all-False tail
        return Case(f"compress({cond.tolist()}, {shape}, axis={axis})", [x, Keep(cond)],
                    lambda a, c: np.compress(c, a, axis=axis))
    if f == "extract":
        cond = data(rng, shape, bool)
        return Case(f"extract(dist cond, {shape})", [x, cond], lambda a, c: np.extract(c, a))
    if f == "diagonal":
        off = pick(rng, [0, 1, -1, 5])
        return Case(f"diagonal({shape}, offset={off})", [x], lambda a: np.diagonal(a, offset=off))
    if f in ("tril", "triu"):
        k = pick(rng, [0, 1, -1, 9])
        g = getattr(np, f)
        return Case(f"{f}({shape}, k={k})", [x], lambda a: g(a, k=k))
    if f == "choose_where":
        c = data(rng, shape if rng.random() < 0.8 else shape_of(rng), bool)
        y = operand(rng, shape, dtype_of(rng))
        return Case(f"where(cond, {shape} {x.dtype}, y)", [c, x, y], lambda cc, a, b: np.where(cc, a, b))
    return Case(f"x[np.nonzero(x)] {shape}", [x], lambda a: a[np.nonzero(a)])


def _inplace(name: str, fn) -> Any:
    def run(a, *rest):
        r = fn(a, *rest)
        return (r, a)  # NumPy returns None; the written argument is what matters

    return run


def inplace(rng: np.random.Generator) -> Case:
    """Functions that write into their argument: the DistArray given must hold the result afterwards."""
    f = pick(rng, ["put", "put_along_axis", "place", "putmask", "copyto", "fill_diagonal", "fill", "method_put",
                   "shuffle", "out_func", "itemset"])
    shape = shape_of(rng)
    dt = dtype_of(rng)
    x = data(rng, shape, dt)
    n = x.size
    if f in ("put", "method_put"):
        idx = pick(rng, [rng.integers(-n - 1, n + 1, size=3), 0, np.array([], int), np.array([1.5])]) if n else \
            pick(rng, [np.array([], int), 0])
        v = pick(rng, [-2, 1.5, np.nan, [1, 2], np.array([7, 8, 9]), 300, 1j])
        mode = pick(rng, ["raise", "wrap", "clip", "bogus"])
        if f == "put":
            return Case(f"np.put({shape} {dt}, {idx!r}, {v!r}, mode={mode})", [x, Keep(idx), Keep(v)],
                        _inplace(f, lambda a, i, vv: np.put(a, i, vv, mode=mode)))
        return Case(f"x.put({shape} {dt}, {idx!r}, {v!r}, mode={mode})", [x, Keep(idx), Keep(v)],
                    _inplace(f, lambda a, i, vv: a.put(i, vv, mode=mode)))
    if f == "put_along_axis":
        axis = pick(rng, [0, 1, -1, None])
        ax_n = shape[axis] if shape and axis is not None and -len(shape) <= axis < len(shape) else n
        ishape = tuple(1 if i == (axis % len(shape) if shape and axis is not None else -1) else s
                       for i, s in enumerate(shape)) if axis is not None else (min(n, 2),)
        idx = rng.integers(0, max(ax_n, 1), size=ishape)
        v = pick(rng, [True, 0, -1.5, 2])
        return Case(f"put_along_axis({shape} {dt}, idx{idx.shape}, {v!r}, axis={axis})", [x, Keep(idx), Keep(v)],
                    _inplace(f, lambda a, i, vv: np.put_along_axis(a, i, vv, axis=axis)))
    if f == "place":
        mask = data(rng, shape, bool)
        vals = pick(rng, [[1, 2], [], [np.nan], np.array([5]), 3])
        return Case(f"place({shape} {dt}, mask, {vals!r})", [x, Keep(mask), Keep(vals)],
                    _inplace(f, lambda a, m, v: np.place(a, m, v)))
    if f == "putmask":
        mask = data(rng, shape if rng.random() < 0.85 else shape_of(rng), bool)
        vals = pick(rng, [Keep(-3), Keep(np.arange(4.0)), data(rng, shape, dtype_of(rng)), Keep(np.nan)])
        return Case(f"putmask({shape} {dt}, mask{mask.shape}, {_show(vals)})", [x, mask, vals],
                    _inplace(f, lambda a, m, v: np.putmask(a, m, v)))
    if f == "copyto":
        src = operand(rng, shape, dtype_of(rng))
        casting = pick(rng, ["same_kind", "unsafe", "safe", "no", "bogus"])
        w = pick(rng, [Keep(True), data(rng, shape, bool), Keep(data(rng, shape[-1:], bool))])
        return Case(f"copyto({shape} {dt}, {_show(src)}, casting={casting}, where={_show(w)})", [x, src, w],
                    _inplace(f, lambda a, s, ww: np.copyto(a, s, casting=casting, where=ww)))
    if f == "fill_diagonal":
        val = pick(rng, [0, -1.5, np.nan, [1, 2], 7])
        wrap = bool(rng.integers(0, 2))
        return Case(f"fill_diagonal({shape} {dt}, {val!r}, wrap={wrap})", [x, Keep(val)],
                    _inplace(f, lambda a, v: np.fill_diagonal(a, v, wrap=wrap)))
    if f == "fill":
        val = pick(rng, [0, -2, 1.5, np.nan, 1j, "x", 2**70, True])
        return Case(f"x.fill({shape} {dt}, {val!r})", [x, Keep(val)], _inplace(f, lambda a, v: a.fill(v)))
    if f == "shuffle":  # the streams differ from NumPy's: compare the argument itself, sorted
        return Case(f"Generator.shuffle({shape} {dt}) (sorted afterwards)", [x], _shuffle_sorted)
    if f == "itemset":
        def setview(a):
            a.T[...] = 2
            return a
        return Case(f"x.T[...] = 2 {shape} {dt}", [x], setview)
    u = pick(rng, [np.add, np.negative, np.sqrt, np.sum, np.cumsum, np.clip, np.round, np.take])
    o = data(rng, shape if rng.random() < 0.8 else shape_of(rng), dtype_of(rng), specials=False)
    if u is np.sum:
        o = data(rng, (), dtype_of(rng), specials=False)
        call = lambda a, out: np.sum(a, out=out)  # noqa: E731
    elif u is np.clip:
        call = lambda a, out: np.clip(a, -1, 1, out=out)  # noqa: E731
    elif u is np.take:
        call = lambda a, out: np.take(a, np.zeros(out.shape, int), out=out)  # noqa: E731
    elif u is np.add:
        call = lambda a, out: np.add(a, 1, out=out)  # noqa: E731
    elif u is np.cumsum and o.ndim == 0:
        o = o.reshape(1)  # NumPy 2.4 may write past a 0-d out (a crash): see fuzz_api
        call = lambda a, out: u(a, out=out)  # noqa: E731
    else:
        call = lambda a, out: u(a, out=out)  # noqa: E731
    return Case(f"{u.__name__}({shape} {dt}, out={o.shape} {o.dtype})", [x, o],
                lambda a, out: (call(a, out), out), ulps=4 * max(n, 1), scale=None)


def _shuffle_sorted(a: Any) -> Any:
    """Shuffle (values differ between NumPy's and numpy_dist's streams) then compare the sorted multiset."""
    if isinstance(a, nd.DistArray):
        nd.random.default_rng(3).shuffle(a)
    else:
        np.random.default_rng(3).shuffle(a)
    if not np.ndim(a):
        return a
    s = np.sort(a, axis=0)
    # -0.0 and 0.0 compare equal, so their order after sorting depends on the (different) shuffles
    return s + 0.0 if s.dtype.kind in "fc" else s


MANIP = ["reshape", "reshape_method", "transpose", "transpose_method", "squeeze", "expand_dims", "concatenate",
         "stack", "hstack", "vstack", "dstack", "column_stack", "split", "array_split", "flip", "roll", "rot90",
         "repeat", "tile", "pad", "moveaxis", "swapaxes", "broadcast_to", "ravel", "flatten", "atleast_2d",
         "resize", "unstack", "diff", "ediff1d", "clip", "round", "nan_to_num", "astype", "T", "mT", "append",
         "insert", "delete", "trim_zeros", "meshgrid", "broadcast_arrays", "real", "imag"]


def manipulation(rng: np.random.Generator) -> Case:
    f = pick(rng, MANIP)
    shape = shape_of(rng)
    dt = dtype_of(rng)
    x = data(rng, shape, dt)
    ndim = len(shape)
    axis = pick(rng, [0, -1, 1, None, ndim, -ndim - 1]) if ndim else pick(rng, [0, -1, None])
    lab = f"{f}({shape} {dt}"
    if f in ("reshape", "reshape_method"):
        new = pick(rng, [-1, -2, (x.size,), (-1, 1), (1, -1, 1), (0,), (2, -1), (-1, -1), (), (x.size + 1,), (3, 0, -1),
                         (1.5,)])
        if f == "reshape":
            return Case(lab + f", {new})", [x], lambda a: np.reshape(a, new))
        return Case(lab + f").reshape({new})", [x], lambda a: a.reshape(new))
    if f in ("transpose", "transpose_method"):
        perm = pick(rng, [tuple(int(v) for v in rng.permutation(ndim)), (0,), (0, 0), None, (1, 0), tuple(range(ndim))[::-1]])
        if f == "transpose":
            return Case(lab + f", {perm})", [x], lambda a: np.transpose(a, perm))
        if perm is not None and rng.random() < 0.5:  # the splatted form: x.transpose(0), x.transpose(1, 0)
            return Case(lab + f").transpose(*{perm})", [x], lambda a: a.transpose(*perm))
        return Case(lab + f").transpose({perm})", [x], lambda a: a.transpose(perm) if perm is not None else a.transpose())
    if f == "squeeze":
        return Case(lab + f", axis={axis})", [x], lambda a: np.squeeze(a, axis=axis))
    if f == "expand_dims":
        ax = pick(rng, [0, -1, ndim, ndim + 1, (0, 0), (0, -1)])
        return Case(lab + f", axis={ax})", [x], lambda a: np.expand_dims(a, ax))
    if f in ("concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "append"):
        y = operand(rng, shape, dtype_of(rng))
        g = getattr(np, f)
        if f in ("concatenate", "stack"):
            kw = {"axis": axis}
            if f == "concatenate" and rng.random() < 0.2:
                kw["dtype"] = pick(rng, [np.float32, np.int8])
            return Case(lab + f", {_show(y)}, {kw})", [x, y], lambda a, b: g([a, b], **kw))
        if f == "append":
            return Case(lab + f", {_show(y)}, axis={axis})", [x, y], lambda a, b: np.append(a, b, axis=axis))
        return Case(lab + f", {_show(y)})", [x, y], lambda a, b: g([a, b]))
    if f in ("split", "array_split"):
        k = pick(rng, [1, 2, 3, [1, 3], [], [5, 2], 0])
        g = getattr(np, f)
        return Case(lab + f", {k}, axis={axis})", [x], lambda a: tuple(g(a, k, axis=axis if axis is not None else 0)))
    if f == "flip":
        return Case(lab + f", axis={axis})", [x], lambda a: np.flip(a, axis=axis))
    if f == "roll":
        s = pick(rng, [1, -2, 7, (1, 2), 0])
        return Case(lab + f", {s}, axis={axis})", [x], lambda a: np.roll(a, s, axis=axis))
    if f == "rot90":
        k = pick(rng, [1, 2, -1, 4])
        return Case(lab + f", k={k})", [x], lambda a: np.rot90(a, k))
    if f == "repeat":
        r = pick(rng, [2, 0, [1, 2], -1, np.arange(shape[0]) if shape else 1])
        if rng.random() < 0.4:  # counts as an input of their own: distributed like the other inputs
            n = int(np.prod(shape)) if axis is None else shape[axis] if shape and -ndim <= axis < ndim else 3
            counts = rng.integers(-1 if rng.random() < 0.1 else 0, 4, n + (rng.random() < 0.1))
            counts = counts.astype(pick(rng, [np.int64, np.int8, np.uint8, np.float64]))
            counts = counts.reshape(1, -1) if rng.random() < 0.1 else counts  # (NumPy: "object too deep")
            return Case(lab + f", counts {_show(counts)}, axis={axis})", [x, counts],
                        lambda a, c: np.repeat(a, c, axis=axis))
        return Case(lab + f", {r!r}, axis={axis})", [x], lambda a: np.repeat(a, r, axis=axis))
    if f == "tile":
        r = pick(rng, [2, (1, 2), 0, (2, 1, 1)])
        return Case(lab + f", {r})", [x], lambda a: np.tile(a, r))
    if f == "pad":
        w = pick(rng, [1, (0, 2), ((1, 0),) * ndim, -1])
        mode = pick(rng, ["constant", "edge", "reflect", "wrap", "bogus"])
        return Case(lab + f", {w}, mode={mode})", [x], lambda a: np.pad(a, w, mode=mode))
    if f == "moveaxis":
        s, d = pick(rng, [0, -1, ndim]), pick(rng, [0, -1, 1])
        return Case(lab + f", {s}, {d})", [x], lambda a: np.moveaxis(a, s, d))
    if f == "swapaxes":
        s, d = pick(rng, [0, -1, ndim]), pick(rng, [0, -1, 1])
        return Case(lab + f", {s}, {d})", [x], lambda a: np.swapaxes(a, s, d))
    if f == "broadcast_to":
        s = pick(rng, [(2,) + shape, shape, (3,), (0,) + shape, (1,)])
        return Case(lab + f", {s})", [x], lambda a: np.broadcast_to(a, s))
    if f in ("ravel", "atleast_2d", "real", "imag", "trim_zeros", "ediff1d"):
        g = getattr(np, f)
        return Case(lab + ")", [x], lambda a: g(a))
    if f == "flatten":
        return Case(lab + ").flatten()", [x], lambda a: a.flatten())
    if f == "resize":
        s = pick(rng, [(5,), (2, 3), (0,), -1])
        return Case(lab + f", {s})", [x], lambda a: np.resize(a, s))
    if f == "unstack":
        return Case(lab + f", axis={axis})", [x], lambda a: tuple(np.unstack(a, axis=axis if axis is not None else 0)))
    if f == "diff":
        nn = pick(rng, [1, 2, 0, -1])
        return Case(lab + f", n={nn}, axis={axis})", [x], lambda a: np.diff(a, n=nn, axis=axis if axis is not None else -1),
                    ulps=2.0, scale=None)
    if f == "clip":
        lo, hi = pick(rng, [(-1, 1), (None, 0), (2, -2), (np.nan, 1), (None, None)])
        return Case(lab + f", {lo}, {hi})", [x], lambda a: np.clip(a, lo, hi))
    if f == "round":
        d = pick(rng, [0, 1, -1, 3])
        return Case(lab + f", decimals={d})", [x], lambda a: np.round(a, d))
    if f == "nan_to_num":
        kw = pick(rng, [{}, {"nan": -1.0, "posinf": 9.0}, {"copy": False}])
        if kw.get("copy") is False:
            return Case(lab + ", copy=False)", [x], lambda a: (np.nan_to_num(a, copy=False), a))
        return Case(lab + f", {kw})", [x], lambda a: np.nan_to_num(a, **kw))
    if f == "astype":
        t = pick(rng, [np.int8, np.float16, np.bool_, np.complex64, np.uint64, "M8[s]", "bogus"])
        return Case(lab + f").astype({t})", [x], lambda a: a.astype(t))
    if f in ("T", "mT"):
        return Case(lab + f").{f}", [x], lambda a: getattr(a, f))
    if f in ("insert", "delete"):
        idx = pick(rng, [0, -1, [0, 1], 99])
        if f == "insert":
            return Case(lab + f", {idx}, 7, axis={axis})", [x], lambda a: np.insert(a, idx, 7, axis=axis))
        return Case(lab + f", {idx}, axis={axis})", [x], lambda a: np.delete(a, idx, axis=axis))
    if f == "meshgrid":
        y = data(rng, shape_of(rng, ndim=1), dt)
        return Case(f"meshgrid({shape}, {y.shape})", [x, y], lambda a, b: tuple(np.meshgrid(a, b)))
    y = data(rng, shape_of(rng), dt)
    return Case(f"broadcast_arrays({shape}, {y.shape})", [x, y], lambda a, b: tuple(np.broadcast_arrays(a, b)))


CREATORS = ["zeros", "ones", "empty", "full", "arange", "linspace", "eye", "identity", "zeros_like", "ones_like",
            "full_like", "empty_like", "asarray", "fromfunction"]


def creation(rng: np.random.Generator) -> Case:
    f = pick(rng, CREATORS)
    shape = pick(rng, [(), (0,), (3,), (2, 3), (-1, 2), (2.5,), (1, 0, 2), 4])
    dt = pick(rng, [None, float, np.int16, np.complex64, np.bool_, np.uint8, "bogus", np.float16])
    x = data(rng, shape_of(rng), dtype_of(rng))
    mod = lambda a: np if isinstance(a, np.ndarray) else nd  # noqa: E731
    if f in ("zeros", "ones", "full", "empty"):
        fill = pick(rng, [1, -1.5, np.nan, 1j, 300])
        extra = (fill,) if f == "full" else ()

        def make(a):
            r = getattr(mod(a), f)(shape, *extra, dtype=dt)
            return np.zeros(np.shape(r), r.dtype) if f == "empty" else r

        return Case(f"{f}({shape}{', ' + repr(fill) if f == 'full' else ''}, dtype={dt})", [x], make)
    if f == "arange":
        args = pick(rng, [(5,), (0,), (2, 9, 3), (1.5, 4.0, 0.5), (5, 0), (0, 5, 0), (3, 1, -1), (0, 1, 0.1)])
        return Case(f"arange{args} dtype={dt}", [x], lambda a: mod(a).arange(*args, dtype=dt))
    if f == "linspace":
        args = pick(rng, [(0, 1, 5), (0, 1, 0), (1, 0, 3), (0, 1, -1), (0, 1, 1), (0, 1, 2.5)])
        ep = bool(rng.integers(0, 2))
        return Case(f"linspace{args} endpoint={ep} dtype={dt}", [x], lambda a: mod(a).linspace(*args, endpoint=ep, dtype=dt),
                    ulps=4.0, scale=1.0)
    if f in ("eye", "identity"):
        nn = pick(rng, [0, 1, 3, -1, 2.5])
        if f == "eye":
            k = pick(rng, [0, 1, -2, 5])
            return Case(f"eye({nn}, k={k}, dtype={dt})", [x], lambda a: mod(a).eye(nn, k=k, dtype=dt))
        return Case(f"identity({nn}, dtype={dt})", [x], lambda a: mod(a).identity(nn, dtype=dt))
    if f == "fromfunction":
        return Case(f"fromfunction(i+j, {shape})", [x], lambda a: mod(a).fromfunction(lambda i, j: i + j, (2, 3), dtype=dt))
    if f == "asarray":
        src = pick(rng, [[1, 2, 3], [[1.5, 2], [3, 4]], 5, [], [[1], [2, 3]], "abc", [1j, 2]])
        return Case(f"asarray({src!r}, dtype={dt})", [x], lambda a: mod(a).asarray(src, dtype=dt))
    g = getattr(np, f)
    extra = (pick(rng, [7, np.nan, -1]),) if f == "full_like" else ()
    kw = {"dtype": dt} if dt is not None else {}
    if rng.random() < 0.3:
        kw["shape"] = pick(rng, [(2,), (0, 3), -1])

    def like(a):
        r = g(a, *extra, **kw)
        return np.zeros(np.shape(r), r.dtype) if f == "empty_like" else r

    return Case(f"{f}({x.shape} {x.dtype}{extra}, {kw})", [x], like)


FAMILIES = {"indexing": indexing, "indexing_funcs": indexing_funcs, "inplace": inplace, "manipulation": manipulation,
            "creation": creation}
