"""Families: reductions and statistics (nan-family on NaN-bearing data), sorting/searching/partition, sets,
histograms and bincount."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .core import (TIME_DTYPES, Case, Keep, compare_values, complex_product_compare, data, dtype_of, operand, pick,
                   shape_of, unrepresentable, unsigned_zeros, zero_blind)


def _axis(rng: np.random.Generator, ndim: int, tuples: bool = True) -> Any:
    kind = int(rng.integers(0, 7))
    if kind == 0:
        return None
    if kind == 1:
        return int(rng.integers(-ndim - 1, ndim + 1))  # sometimes out of range
    if kind == 2 and ndim and tuples:
        k = int(rng.integers(1, ndim + 1))
        return tuple(int(a) for a in rng.choice(np.arange(-ndim, ndim), size=k))  # maybe duplicates
    if kind == 3:
        return pick(rng, [1.5, "0", -ndim - 1])
    return int(rng.integers(0, max(ndim, 1)))


def _sum_ulps(x: np.ndarray) -> float:
    """Pairwise summation in NumPy, blockwise partials combined here: O(log n + P) eps of sum|x|."""
    return 2.0 * (math.log2(max(x.size, 1)) + 1) + 32


def _l1(x: np.ndarray) -> float:
    a = np.abs(np.asarray(x, dtype=np.complex128 if x.dtype.kind == "c" else np.float64)) if x.dtype.kind in "biufc" \
        else np.zeros(0)
    a = a[np.isfinite(a)]
    return float(a.sum()) if a.size else 0.0


def _maxabs(x: np.ndarray) -> float:
    a = np.abs(np.asarray(x, dtype=np.complex128 if x.dtype.kind == "c" else np.float64)) if x.dtype.kind in "biufc" \
        else np.zeros(0)
    a = a[np.isfinite(a)]
    return float(a.max()) if a.size else 0.0


SUMLIKE = ["sum", "nansum", "mean", "nanmean", "average", "cumsum", "nancumsum", "cumulative_sum", "trace"]
EXACTLIKE = ["min", "max", "amin", "amax", "nanmin", "nanmax", "argmin", "argmax", "nanargmin", "nanargmax", "any",
             "all", "count_nonzero", "ptp", "median", "nanmedian"]
PRODLIKE = ["prod", "nanprod", "cumprod", "nancumprod", "cumulative_prod"]
VARLIKE = ["var", "nanvar", "std", "nanstd"]
QUANTILES = ["percentile", "nanpercentile", "quantile", "nanquantile"]
ALL_REDUCTIONS = SUMLIKE + EXACTLIKE + PRODLIKE + VARLIKE + QUANTILES


def _std_compare(ulps: float, scale: float):
    """std near zero is sqrt-amplified: compare squares with the variance's tolerance."""

    def compare(got: Any, want: Any) -> str:
        g, w = np.asarray(got), np.asarray(want)
        if g.shape != w.shape or g.dtype != w.dtype:
            return compare_values(got, want, 0, 0)
        if w.dtype.kind == "c":  # std with a complex dtype=: a real value in a complex (nan+nanj when undefined)
            if not np.array_equal(np.isnan(g.imag), np.isnan(w.imag)):
                return "NaN positions differ (imaginary parts): " + compare_values(g, w, 0, 0)
            g, w = g.real, w.real
        return compare_values(np.square(g.astype(np.float64)), np.square(w.astype(np.float64)),
                              ulps * np.finfo(w.dtype if w.dtype.kind == "f" else np.float64).eps
                              / np.finfo(np.float64).eps, scale * scale)

    return compare


def reductions(rng: np.random.Generator) -> Case:
    name = pick(rng, ALL_REDUCTIONS)
    shape = shape_of(rng)
    time = rng.random() < 0.1 and name in ("min", "max", "sum", "mean", "ptp", "argmin", "argmax", "cumsum", "median")
    dt = np.dtype(pick(rng, TIME_DTYPES)) if time else dtype_of(rng)
    x = data(rng, shape, dt, nan_heavy=name.startswith("nan") and rng.random() < 0.7)
    if name.startswith("nan") and x.ndim >= 1 and x.shape[-1] and dt.kind in "fc" and rng.random() < 0.3:
        x[..., int(rng.integers(0, x.shape[-1]))] = np.nan  # an all-NaN slice
    ndim = len(shape)
    kw: dict[str, Any] = {}
    if name != "trace":
        kw["axis"] = _axis(rng, ndim, tuples=not name.startswith(("cum", "nancum", "arg", "nanarg")))
    if name in ("cumulative_sum", "cumulative_prod") and rng.random() < 0.5:
        kw["include_initial"] = True
    if rng.random() < 0.3 and name not in ("cumsum", "nancumsum", "cumprod", "nancumprod", "cumulative_sum",
                                           "cumulative_prod", "trace", "ptp", "average"):
        kw["keepdims"] = True
    if rng.random() < 0.25 and name in SUMLIKE + PRODLIKE + VARLIKE and name != "average":
        kw["dtype"] = pick(rng, [np.float64, np.float32, np.int64, np.uint32, np.complex128, np.float16, np.bool_])
        if unrepresentable(x, np.dtype(kw["dtype"])):  # (C leaves that cast undefined: see fuzz_api)
            kw["dtype"] = np.float64
    if name in VARLIKE and rng.random() < 0.4:
        kw["ddof"] = pick(rng, [0, 1, 2, 10, -1, 1.5])
    if name in VARLIKE and np.dtype(kw.get("dtype", np.float64)).kind in "biu" and \
            _reduced_count(x.shape, kw.get("axis")) - kw.get("ddof", 0) <= 0:
        kw["dtype"] = np.float64  # (0 / 0 into an integer dtype: NaN cast to int, undefined in C)
    if name in QUANTILES:
        q = pick(rng, [50, 0, 100, 101, -1, [10, 90], 0.5, 1.5])
        kw["q"] = q if "percentile" in name else (q / 100 if isinstance(q, (int, float)) else [v / 100 for v in q])
        if rng.random() < 0.3:
            kw["method"] = pick(rng, ["linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf", "bogus"])
    if rng.random() < 0.15 and name in ("sum", "mean", "std", "var", "min", "max", "any", "all", "prod", "nansum",
                                        "nanmean", "nanmax", "nanmin"):
        where = data(rng, shape if rng.random() < 0.85 else shape[-1:], bool)
        if name in ("min", "max", "nanmin", "nanmax"):
            kw["initial"] = pick(rng, [0, -1.0, 100])
        kw_where = dict(kw)
        return _make(name, x, kw_where, where)
    if rng.random() < 0.15 and name in ("sum", "mean", "max", "cumsum", "prod", "all", "std"):
        return _method(name, x, kw)
    return _make(name, x, kw, None)


def _reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements one reduction over ``axis`` combines (0 for an axis NumPy will refuse)."""
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    try:
        return int(np.prod([shape[a] for a in axes]))
    except (IndexError, TypeError):
        return 0


def _tolerance(name: str, x: np.ndarray) -> tuple[float, float | None, Any]:
    """(ulps, scale, compare) of one reduction on ``x``."""
    n = max(x.size, 1)
    if name in EXACTLIKE and name not in ("median", "nanmedian"):
        return 0.0, None, None
    if name in SUMLIKE or name in ("median", "nanmedian") or name in QUANTILES:
        return _sum_ulps(x), _l1(x) / (n if "mean" in name or name in ("average",) else 1), None
    if name in PRODLIKE:
        return 4.0 * n + 8, 0.0, complex_product_compare(4.0 * n + 8, 0.0)
    scale = _maxabs(x)
    ulps = 8.0 * (math.log2(n) + 8)
    if "std" in name:
        return ulps, scale, _std_compare(ulps, scale)
    return ulps, scale * scale, None


def _make(name: str, x: np.ndarray, kw: dict, where: np.ndarray | None) -> Case:
    f = getattr(np, name)
    ulps, scale, compare = _tolerance(name, x)
    if name in ("nanvar", "nanstd") and kw.get("dtype") is not None and x.dtype.kind in "fc":
        # NumPy's nanvar subtracts the mean in x's own dtype whatever dtype= says: its rounding is x's.
        wide = np.finfo(np.result_type(x.dtype, kw["dtype"])).eps
        ulps *= max(1.0, float(np.finfo(x.dtype).eps / wide))
        compare = _std_compare(ulps, scale) if "std" in name else None
    q = kw.pop("q", None)
    pre = () if q is None else (q,)
    label = f"np.{name}({x.shape} {x.dtype}{', q=' + repr(q) if q is not None else ''}, {kw})"
    if where is not None:
        return Case(label + f" where{where.shape}", [x, where], lambda a, w: f(a, *pre, where=w, **kw),
                    ulps=ulps, scale=scale, compare=compare)
    return Case(label, [x], lambda a: f(a, *pre, **kw), ulps=ulps, scale=scale, compare=compare)


def _method(name: str, x: np.ndarray, kw: dict) -> Case:
    ulps, scale, compare = _tolerance(name, x)
    return Case(f"x.{name}({x.shape} {x.dtype}, {kw})", [x], lambda a: getattr(a, name)(**kw), ulps=ulps,
                scale=scale, compare=compare)


# -- sorting, searching, partition ------------------------------------------------------


def _partition_compare(kth: Any, axis: Any, is_arg: bool, x: np.ndarray):
    """Partition order is not unique: the kth values equal NumPy's and each side is on its side."""

    def compare(got: Any, want: Any) -> str:
        g, w = np.asarray(got), np.asarray(want)
        if g.shape != w.shape or g.dtype != w.dtype:
            return compare_values(g, w, 0, 0)
        ax = -1 if axis is None else axis
        xs = x.reshape(-1) if axis is None else x
        if is_arg:
            if xs.ndim == 0:
                return compare_values(g, w, 0, 0)
            g, w = np.take_along_axis(xs, g, ax), np.take_along_axis(xs, w, ax)
        gs, ws = np.sort(g, axis=ax), np.sort(w, axis=ax)
        why = zero_blind(gs, ws)  # (-0.0 and 0.0 tie: either may come first)
        if why:
            return "not a permutation of NumPy's: " + why
        if g.ndim == 0 or g.shape[ax] == 0:  # no kth element to compare (the permutation check covered it)
            return ""
        for k in np.atleast_1d(kth):
            k = int(k) % g.shape[ax]
            gk = np.take(g, [k], axis=ax)
            wk = np.take(w, [k], axis=ax)
            if compare_values(gk, wk, 0, 0):
                return f"kth={k} element differs: {compare_values(gk, wk, 0, 0)}"
            left, right = np.take(g, np.arange(k), axis=ax), np.take(g, np.arange(k + 1, g.shape[ax]), axis=ax)
            with np.errstate(invalid="ignore"):
                if g.dtype.kind in "biuf" and (np.any(left > gk) or np.any(right < gk)):
                    return f"kth={k}: an element on the wrong side"
        return ""

    return compare


def _argsort_compare(x: np.ndarray, axis: Any):
    """argsort of ties is not unique without kind='stable': the indices must sort the data as NumPy's do."""

    def compare(got: Any, want: Any) -> str:
        g, w = np.asarray(got), np.asarray(want)
        if g.shape != w.shape or g.dtype != w.dtype:
            return compare_values(g, w, 0, 0)
        xs = x.reshape(-1) if axis is None else x
        ax = -1 if axis is None else axis
        if xs.ndim == 0:
            return compare_values(g, w, 0, 0)
        return compare_values(unsigned_zeros(np.take_along_axis(xs, g, ax)),
                              unsigned_zeros(np.take_along_axis(xs, w, ax)), 0, 0)

    return compare


def _inverse_as_values(position: int) -> Callable[[Any, Any], str]:
    """As :func:`zero_blind`, with the inverse (result ``position``) compared as the values it picks.

    Without ``return_index`` NumPy's sort is unstable: NaNs that equal nothing
    (``equal_nan=False``) sort in no defined order among themselves, so which
    of those runs an element's inverse names is not defined; its value is.
    """
    def compare(got: Any, want: Any) -> str:
        if not (isinstance(got, tuple) and isinstance(want, tuple) and len(got) == len(want) > position):
            return zero_blind(got, want)
        picked = [np.asarray(r[0])[np.asarray(r[position])] if np.asarray(r[position]).dtype.kind in "iu" else
                  r[position] for r in (got, want)]
        return zero_blind(got[:position] + (picked[0],) + got[position + 1:],
                           want[:position] + (picked[1],) + want[position + 1:])
    return compare


def sorting(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    dt = np.dtype(pick(rng, TIME_DTYPES)) if rng.random() < 0.1 else dtype_of(rng)
    x = data(rng, shape, dt, nan_heavy=rng.random() < 0.25)  # (runs of NaNs: the ties sorts and sets special-case)
    ndim = len(shape)
    what = pick(rng, ["sort", "argsort", "argsort_stable", "partition", "argpartition", "method_sort",
                      "searchsorted", "lexsort", "nonzero", "argwhere", "flatnonzero", "where1", "unique", "unique",
                      "msort"])
    axis = pick(rng, [-1, 0, 1, None, ndim, 1.5]) if ndim else pick(rng, [-1, 0, None])
    if what == "sort":
        return Case(f"np.sort({shape} {dt}, axis={axis})", [x], lambda a: np.sort(a, axis=axis), compare=zero_blind)
    if what == "msort":
        return Case(f"np.sort(-0.0/nan stable {shape} {dt})", [x], lambda a: np.sort(a, axis=None, kind="stable"))
    if what == "method_sort":
        def msort(a):
            r = a.sort(axis=axis)
            return (r, a)  # in place: the DistArray itself is sorted
        return Case(f"x.sort({shape} {dt}, axis={axis})", [x], msort, compare=zero_blind)
    if what == "argsort":
        return Case(f"np.argsort({shape} {dt}, axis={axis})", [x], lambda a: np.argsort(a, axis=axis),
                    compare=_argsort_compare(x, axis if axis is None or isinstance(axis, int) and -ndim <= axis < ndim else -1))
    if what == "argsort_stable":
        return Case(f"np.argsort stable({shape} {dt}, axis={axis})", [x],
                    lambda a: np.argsort(a, axis=axis, kind="stable"))
    if what in ("partition", "argpartition"):
        n = shape[axis] if ndim and isinstance(axis, int) and -ndim <= axis < ndim else (x.size if axis is None else 0)
        kth = pick(rng, [0, -1, n - 1 if n else 0, n, [0], [0, n // 2], 1.5, np.array([], int)])
        f = getattr(np, what)
        good_axis = axis if (axis is None or isinstance(axis, int) and -ndim <= axis < ndim) else -1
        return Case(f"np.{what}({shape} {dt}, kth={kth!r}, axis={axis})", [x], lambda a: f(a, kth, axis=axis),
                    compare=_partition_compare(kth, good_axis, what == "argpartition", x))
    if what == "searchsorted":
        s = np.sort(data(rng, (shape[0] if shape else 3,), dt))
        needle = pick(rng, [Keep(1.5), Keep(0), Keep(np.nan), data(rng, shape_of(rng, ndim=int(rng.integers(0, 3))), dt),
                            Keep(data(rng, (3,), dt)), Keep(np.array(2.0))])
        side = pick(rng, ["left", "right", "bogus"])
        if rng.random() < 0.2:
            sorter = np.argsort(s, kind="stable")
            return Case(f"searchsorted({s.shape} {dt}, {needle!r:.60}, side={side}, sorter)", [s, needle, Keep(sorter)],
                        lambda a, v, srt: np.searchsorted(a, v, side=side, sorter=srt))
        return Case(f"searchsorted({s.shape} {dt}, {needle!r:.60}, side={side})", [s, needle],
                    lambda a, v: np.searchsorted(a, v, side=side))
    if what == "lexsort":
        k = data(rng, shape, dt)
        return Case(f"lexsort([{shape}]*2 {dt}, axis={axis})", [x, k], lambda a, b: np.lexsort((a, b), axis=axis if
                                                                                                 axis is not None else -1))
    if what == "unique":
        if rng.random() < 0.4 and x.dtype.kind in "fc" and x.size:  # (NaNs in runs: equal_nan decides their count)
            x.reshape(-1)[rng.random(x.size) < 0.5] = np.nan
        kw = {k: True for k in ("return_index", "return_inverse", "return_counts") if rng.random() < 0.3}
        if rng.random() < 0.2:
            kw["axis"] = pick(rng, [0, -1, 1])
            if x.ndim > 1 and x.dtype.kind in "fc":  # NumPy sorts rows holding NaNs in no defined order
                x[np.isnan(x)] = 0
        if rng.random() < 0.3:
            kw["equal_nan"] = False
        if rng.random() < 0.2:
            g = pick(rng, ["unique_values", "unique_counts", "unique_inverse", "unique_all"])
            if g == "unique_values":  # NumPy >= 2.3 returns them in no particular order (hash based)
                return Case(f"np.unique_values({shape} {dt}) (sorted)", [x], lambda a: np.sort(np.unique_values(a)))
            return Case(f"np.{g}({shape} {dt})", [x], lambda a: tuple(getattr(np, g)(a)),  # (unique_all: stable)
                        compare=None if g == "unique_all" else _inverse_as_values(1) if g == "unique_inverse"
                        else zero_blind)
        # Without return_index NumPy's sort is unstable: which of -0.0 and 0.0 stands for the tie is not defined.
        return Case(f"np.unique({shape} {dt}, {kw})", [x], lambda a: np.unique(a, **kw),
                    compare=None if kw.get("return_index") else _inverse_as_values(1) if kw.get("return_inverse")
                    and (x.ndim == 1 or "axis" not in kw) else zero_blind)  # (inverse of rows: indices of rows)
    if what == "where1":
        return Case(f"np.where({shape} {dt})", [x], lambda a: np.where(a))
    f = getattr(np, what)
    return Case(f"np.{what}({shape} {dt})", [x], lambda a: f(a))


# -- sets ---------------------------------------------------------------------------------


def sets(rng: np.random.Generator) -> Case:
    f = pick(rng, ["intersect1d", "union1d", "setdiff1d", "setxor1d", "isin"])
    x = data(rng, shape_of(rng, ndim=int(pick(rng, [0, 1, 1, 2]))), dtype_of(rng), nan_heavy=rng.random() < 0.25)
    y = operand(rng, shape_of(rng, ndim=int(pick(rng, [1, 1, 2]))), dtype_of(rng))
    kw: dict[str, Any] = {}
    if rng.random() < 0.3 and f != "union1d":  # (NumPy's result on non-unique input is then unspecified)
        kw["assume_unique"] = True
        x = np.unique(x)
        y = Keep(np.unique(y.value)) if isinstance(y, Keep) else np.unique(y)
    if f == "intersect1d" and rng.random() < 0.3:
        kw["return_indices"] = True
    if f == "isin" and rng.random() < 0.4:
        kw["invert"] = True
    if f == "isin" and rng.random() < 0.3:
        kw["kind"] = pick(rng, ["sort", "table", "bogus"])
    g = getattr(np, f)
    swap = rng.random() < 0.3
    label = f"np.{f}({'y, x' if swap else 'x, y'}) x={x.shape} {x.dtype} y={_desc(y)} {kw}"
    if swap:
        return Case(label, [x, y], lambda a, b: g(b, a, **kw), compare=_sets_compare)
    return Case(label, [x, y], lambda a, b: g(a, b, **kw), compare=_sets_compare)


def _canonical(v: Any) -> Any:
    """Representatives a set may pick freely, made canonical: every complex value with a NaN part as
    nan+nanj (which of several NaNs a set keeps is unspecified) and -0.0 as 0.0 (which of two equal zeros
    stands for the run is up to the sort)."""
    if isinstance(v, tuple):
        return tuple(_canonical(e) for e in v)
    a = np.asarray(v)
    if a.dtype.kind not in "fc":
        return v
    a = np.array(a + a.dtype.type(0))  # -0.0 + 0.0 is 0.0; same dtype; a writable copy
    if a.dtype.kind == "c":
        a[np.isnan(a)] = complex(np.nan, np.nan)
    return a


def _sets_compare(got: Any, want: Any) -> str:
    return compare_values(_canonical(got), _canonical(want), 0, 0)


def _desc(y: Any) -> str:
    v = y.value if isinstance(y, Keep) else y
    return f"{'kept ' if isinstance(y, Keep) else ''}{np.shape(v)} {np.asarray(v).dtype}"


# -- histograms, bincount, digitize --------------------------------------------------------------


def histograms(rng: np.random.Generator) -> Case:
    f = pick(rng, ["histogram", "histogram_bin_edges", "histogram2d", "histogramdd", "bincount", "digitize"])
    shape = shape_of(rng, ndim=1)
    if f == "bincount":
        dt = pick(rng, [np.int64, np.uint8, np.int8, np.bool_, np.float64, np.uint64])
        # No extreme values: NumPy 2.4's own bincount([2**63 - 1], weights=...) returns zeros and corrupts the heap.
        x = data(rng, shape, dt, specials=False)
        x = x % 7 if np.dtype(dt).kind in "iu" and rng.random() < 0.8 else x
        kw: dict[str, Any] = {}
        inputs: list[Any] = [x]
        if rng.random() < 0.3:
            kw["minlength"] = pick(rng, [0, 3, 20, -1, None, 2.5])
        if rng.random() < 0.4:
            inputs.append(data(rng, shape if rng.random() < 0.85 else shape_of(rng, ndim=1),
                               pick(rng, [np.float64, np.float32, np.int64, np.complex128, np.bool_])))
            return Case(f"bincount({shape} {x.dtype}, weights {inputs[1].shape} {inputs[1].dtype}, {kw})", inputs,
                        lambda a, w: np.bincount(a, weights=w, **kw), ulps=_sum_ulps(x), scale=_l1(inputs[1]))
        return Case(f"bincount({shape} {x.dtype}, {kw})", inputs, lambda a: np.bincount(a, **kw))
    dt = dtype_of(rng)
    x = data(rng, shape, dt, specials=rng.random() < 0.3)
    if f == "digitize":
        bins = pick(rng, [np.array([-1.0, 0, 2]), np.array([3.0, 1, -2]), np.array([0.0, 2, 1]), np.array([])])
        right = bool(rng.integers(0, 2))
        return Case(f"digitize({shape} {dt}, bins={bins.tolist()}, right={right})", [x, Keep(bins)],
                    lambda a, b: np.digitize(a, b, right=right))
    kw = {}
    bins = pick(rng, [7, 1, 0, -3, [0.0, 1.0, 5.0], [3.0, 1.0], "auto", "bogus", 2.5])
    if rng.random() < 0.3:
        kw["range"] = pick(rng, [(0, 1), (1, 0), (-np.inf, 1), (0, 0), (-5, 5)])
    if rng.random() < 0.3 and f != "histogram_bin_edges":
        kw["density"] = True
    if f in ("histogram2d", "histogramdd"):
        y = data(rng, shape, dtype_of(rng, "iuf"), specials=False)
        if isinstance(bins, str):
            bins = 4
        if "range" in kw:
            kw["range"] = [kw["range"], (-5, 5)]
        if f == "histogram2d":
            return Case(f"histogram2d({shape} {dt}, {y.dtype}, bins={bins!r}, {kw})", [x, y],
                        lambda a, b: tuple(np.histogram2d(a, b, bins=bins, **kw)), ulps=64, scale=1.0)
        return Case(f"histogramdd(stack {shape} {dt}/{y.dtype}, bins={bins!r}, {kw})", [np.stack([x.real, y.astype(x.real.dtype)], axis=-1) if x.ndim else x],
                    lambda s: tuple(np.histogramdd(s, bins=bins, **kw)[0:1]) + tuple(np.histogramdd(s, bins=bins, **kw)[1]),
                    ulps=64, scale=1.0)
    inputs = [x]
    if rng.random() < 0.3 and f == "histogram":
        w = data(rng, shape if rng.random() < 0.85 else shape_of(rng, ndim=1), dtype_of(rng, "iuf"), specials=False)
        inputs.append(w)
        return Case(f"histogram({shape} {dt}, bins={bins!r}, weights {w.shape} {w.dtype}, {kw})", inputs,
                    lambda a, ww: np.histogram(a, bins=bins, weights=ww, **kw), ulps=64, scale=_l1(w) + 1.0)
    g = getattr(np, f)
    return Case(f"{f}({shape} {dt}, bins={bins!r}, {kw})", inputs, lambda a: g(a, bins=bins, **kw), ulps=64, scale=1.0)


FAMILIES = {"reduction": reductions, "sorting": sorting, "sets": sets, "histogram": histograms}
