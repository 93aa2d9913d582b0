"""Families: structured (record) arrays, dates and text.

Records: field access and assignment (a view), multi-field selection, indexing and setitem with a record,
sorts and uniques with ``order=``, set functions, record equality, joins and takes, recfunctions.  Dates:
datetime64 / timedelta64 arithmetic across units, comparisons and NaT, unit casts, ``datetime_as_string``,
the business-day functions, differences and timedelta reductions.  Text: ``numpy.strings`` (its ufuncs and
its Python functions, whose result width comes from the values), ``numpy.char``, comparisons, sorts and
uniques of ``U`` and ``S`` arrays.  Every comparison is exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.lib.recfunctions as rfn

import numpy_dist as nd

from .core import Case, Keep, pick, shape_of

FLAT = np.dtype([("time", "i8"), ("val", "f8"), ("tag", "S2"), ("pair", "i4", (2,))])
NESTED = np.dtype([("id", "u2"), ("pos", [("x", "f4"), ("y", "f4")])])
SIMPLE = np.dtype([("a", "i2"), ("b", "f4")])


def records(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Records with many ties in every field (orders and uniques are exercised), NaN in a float now and then."""
    x = np.zeros(shape, dtype)
    if dtype == NESTED:
        x["id"] = rng.integers(0, 4, shape)
        x["pos"]["x"] = rng.integers(0, 3, shape) / 2
        x["pos"]["y"] = rng.integers(0, 3, shape)
        return x
    if dtype == SIMPLE:
        x["a"] = rng.integers(-2, 3, shape)
        x["b"] = rng.integers(0, 3, shape) / 4
        return x
    x["time"] = rng.integers(0, 5, shape)
    x["val"] = rng.integers(-2, 2, shape) / 2
    if x.size and rng.random() < 0.2:
        x["val"].reshape(-1)[int(rng.integers(0, x.size))] = np.nan
    x["tag"] = rng.choice([b"a", b"bb", b"c", b""], shape)
    x["pair"] = rng.integers(0, 3, tuple(shape) + (2,))
    return x


def _order(rng: np.random.Generator, dtype: np.dtype) -> Any:
    names = [n for n in dtype.names if dtype[n].shape == ()]
    return pick(rng, [None, names[0], names[-1], names[::-1], [names[0], "nope"], "nope"])


def record_ops(rng: np.random.Generator) -> Case:
    dtype = pick(rng, [FLAT, FLAT, NESTED, SIMPLE])
    shape = shape_of(rng, ndim=int(pick(rng, [0, 1, 1, 1, 2])))
    x = records(rng, shape, dtype)
    names = list(dtype.names)
    what = pick(rng, ["field", "fields", "bad_field", "assign_field", "getitem", "setitem_record", "sort",
                      "argsort", "unique", "unique_counts", "sets", "equal", "concatenate", "take", "reshape",
                      "where", "copy_astype", "recfunctions"])
    label = f"records {what} {shape} {dtype.names}"
    if what == "field":
        name = pick(rng, names)
        return Case(f"{label}[{name!r}]", [x], lambda a: a[name])
    if what == "fields":
        chosen = [n for n in names if rng.random() < 0.6] or names[:1]
        return Case(f"{label}[{chosen}]", [x], lambda a: a[chosen].copy())
    if what == "bad_field":
        key = pick(rng, ["nope", ["nope"], [names[0], names[0]], 1.5])
        return Case(f"{label}[{key!r}]", [x], lambda a: a[key])
    if what == "assign_field":
        name = pick(rng, [n for n in names if dtype[n].shape == () and dtype[n].names is None])
        value = records(rng, shape, dtype)[name] if rng.random() < 0.5 else x.reshape(-1)[:1][name][0] \
            if x.size else 0

        def assign(a: Any, v: Any) -> Any:
            a[name] = v  # a field is a view: the record array changes
            return a

        return Case(f"{label}[{name!r}] = ...", [x, value if isinstance(value, np.ndarray) and value.ndim else
                                                 Keep(value)], assign)
    if what == "getitem":
        n = shape[0] if shape else 0
        key = pick(rng, [0, -1, slice(None, None, 2), np.arange(n)[::-1] if n else [], n + 3] if shape else [()])
        return Case(f"{label}[{key!r}]", [x], lambda a: a[key])
    if what == "setitem_record":
        if not x.size:
            return Case(f"{label} (empty) fill", [x], lambda a: a.copy())
        source = records(rng, (1,), dtype)[0]

        def put(a: Any) -> Any:
            a[(0,) * a.ndim] = source
            return a

        return Case(f"{label}[0...] = record", [x], put)
    if what in ("sort", "argsort"):
        order = _order(rng, dtype)
        axis = pick(rng, [-1, 0, None]) if shape else -1
        kw = {"order": order} if order is not None else {}
        if what == "sort":
            return Case(f"np.sort({label}, axis={axis}, {kw})", [x],
                        lambda a: np.sort(a, axis=axis, kind="stable", **kw))
        return Case(f"np.argsort({label}, axis={axis}, {kw})", [x],
                    lambda a: np.argsort(a, axis=axis, kind="stable", **kw))
    if what == "unique":
        kw = pick(rng, [{}, {"return_index": True}, {"return_inverse": True}, {"return_counts": True}])
        return Case(f"np.unique({label}, {kw})", [x], lambda a: np.unique(a, **kw))
    if what == "unique_counts":
        return Case(f"np.unique_counts({label})", [x], lambda a: tuple(np.unique_counts(a.reshape(-1))))
    if what == "sets":
        f = pick(rng, [np.intersect1d, np.union1d, np.setdiff1d, np.setxor1d])
        y = records(rng, shape_of(rng, ndim=1), dtype)
        return Case(f"np.{f.__name__}({label}, other)", [x, y], lambda a, b: f(a, b))
    if what == "equal":
        y = records(rng, shape, dtype)
        op = pick(rng, ["==", "!="])
        return Case(f"{label} {op} other", [x, y], lambda a, b: a == b if op == "==" else a != b)
    if what == "concatenate":
        y = records(rng, ((int(rng.integers(0, 4)),) + shape[1:]) if shape else (), dtype)
        return Case(f"np.concatenate({label}, other)", [x, y], lambda a, b: np.concatenate([a, b]))
    if what == "take":
        n = x.size
        idx = rng.integers(-n, n, 5) if n else np.zeros(0, int)
        return Case(f"np.take({label}, {idx.tolist()})", [x, Keep(idx)], lambda a, i: np.take(a, i))
    if what == "reshape":
        return Case(f"{label}.reshape(-1)", [x], lambda a: a.reshape(-1))
    if what == "where":
        y = records(rng, shape, dtype)
        cond = rng.random(shape) < 0.5
        return Case(f"np.where(cond, {label}, other)", [cond, x, y], lambda c, a, b: np.where(c, a, b))
    if what == "copy_astype":
        return Case(f"{label}.astype(same).copy()", [x], lambda a: a.astype(dtype).copy())
    f_name = pick(rng, ["structured_to_unstructured", "rename_fields", "repack_fields", "drop_fields"])
    if f_name == "structured_to_unstructured" and dtype != SIMPLE:
        f_name = "rename_fields"
    calls = {"structured_to_unstructured": lambda a: rfn.structured_to_unstructured(a),
             "rename_fields": lambda a: rfn.rename_fields(a, {names[0]: "renamed"}),
             "repack_fields": lambda a: rfn.repack_fields(a),
             "drop_fields": lambda a: rfn.drop_fields(a, [names[-1]], usemask=False)}
    return Case(f"rfn.{f_name}({label})", [x], calls[f_name])


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

DATE_UNITS = ["D", "s", "h", "ms", "M", "Y", "W"]
SPAN_UNITS = ["D", "s", "h", "ms", "m", "W"]


def dates(rng: np.random.Generator, shape: tuple[int, ...], unit: str = "D", nat: bool = True) -> np.ndarray:
    """Days around 2020 (ties, weekends) in ``unit``, with a NaT now and then."""
    x = (np.datetime64("2020-01-01", "D") + rng.integers(-40, 400, shape).astype("m8[D]")).astype(f"M8[{unit}]")
    if nat and x.size and rng.random() < 0.3:
        x.reshape(-1)[rng.integers(0, x.size, 1 + x.size // 6)] = np.datetime64("NaT")
    return x


def spans(rng: np.random.Generator, shape: tuple[int, ...], unit: str = "s", nat: bool = True) -> np.ndarray:
    x = rng.integers(-500, 500, shape).astype(f"m8[{unit}]")
    if nat and x.size and rng.random() < 0.3:
        x.reshape(-1)[rng.integers(0, x.size, 1 + x.size // 6)] = np.timedelta64("NaT")
    return x


def date_ops(rng: np.random.Generator) -> Case:
    shape = shape_of(rng, ndim=int(pick(rng, [0, 1, 1, 2])))
    what = pick(rng, ["arith", "arith", "compare", "isnat", "as_string", "astype", "busday", "diff", "span_reduce",
                      "extremes"])
    if what == "arith":
        kind = pick(rng, ["dt-dt", "dt+td", "dt-td", "td+td", "td*int", "td*float", "td/td", "td//td", "td%td",
                          "-td", "abs", "dt+dt", "dt*int", "dt+int", "td/int"])
        du, su = pick(rng, DATE_UNITS), pick(rng, SPAN_UNITS)
        a = dates(rng, shape, du) if kind.startswith("dt") else spans(rng, shape, su)
        other_shape = shape if rng.random() < 0.8 else shape[-1:]
        if kind in ("dt-dt", "dt+dt"):
            b: Any = dates(rng, other_shape, pick(rng, DATE_UNITS))
        elif kind in ("dt+td", "dt-td", "td+td", "td/td", "td//td", "td%td"):
            b = spans(rng, other_shape, pick(rng, SPAN_UNITS))
            if kind in ("td//td", "td%td", "td/td") and b.size:  # zeros: NumPy's NaT and warnings, compared too
                b.reshape(-1)[rng.random(b.size) < 0.2] = np.timedelta64(0, "s")
        elif kind in ("td*int", "dt*int", "dt+int", "td/int"):
            b = Keep(int(pick(rng, [0, 2, -3, 7])))
        elif kind == "td*float":
            b = Keep(float(pick(rng, [0.5, -1.25, 2.0, np.nan])))
        else:
            b = None
        ops = {"dt-dt": lambda p, q: p - q, "dt+td": lambda p, q: p + q, "dt-td": lambda p, q: p - q,
               "td+td": lambda p, q: p + q, "td*int": lambda p, q: p * q, "td*float": lambda p, q: p * q,
               "td/td": lambda p, q: p / q, "td//td": lambda p, q: p // q, "td%td": lambda p, q: p % q,
               "dt+dt": lambda p, q: p + q, "dt*int": lambda p, q: p * q, "dt+int": lambda p, q: p + q,
               "td/int": lambda p, q: p / q}
        if b is None:
            f = (lambda p: -p) if kind == "-td" else (lambda p: np.abs(p))
            return Case(f"dates {kind} {shape} [{su}]", [a], f)
        op = ops[kind]
        return Case(f"dates {kind} {shape} [{du}/{su}]", [a, b], op)
    if what == "compare":
        a, b = dates(rng, shape, pick(rng, DATE_UNITS)), dates(rng, shape, pick(rng, DATE_UNITS))
        f = pick(rng, [np.less, np.equal, np.not_equal, np.greater_equal, np.maximum, np.minimum, np.fmax, np.fmin])
        return Case(f"np.{f.__name__}(dates {shape})", [a, b], lambda p, q: f(p, q))
    if what == "isnat":
        a = dates(rng, shape) if rng.random() < 0.5 else spans(rng, shape)
        return Case(f"np.isnat({a.dtype} {shape})", [a], lambda p: np.isnat(p))
    if what == "as_string":
        unit = pick(rng, [None, "D", "s", "auto", "Y"])
        a = dates(rng, shape, pick(rng, ["D", "s", "h"]))
        kw = {} if unit is None else {"unit": unit}
        return Case(f"np.datetime_as_string({a.dtype} {shape}, {kw})", [a],
                    lambda p: np.datetime_as_string(p, **kw))
    if what == "astype":
        a = dates(rng, shape, pick(rng, DATE_UNITS)) if rng.random() < 0.6 else spans(rng, shape, pick(rng, SPAN_UNITS))
        to = pick(rng, ["M8[D]", "M8[s]", "M8[Y]", "m8[h]", "m8[D]", "i8", "f8"])
        return Case(f"{a.dtype} {shape}.astype({to})", [a], lambda p: p.astype(to))
    if what == "busday":
        a = dates(rng, shape, "D", nat=rng.random() < 0.2)
        kw: dict[str, Any] = {}
        if rng.random() < 0.3:
            kw["weekmask"] = pick(rng, ["1111100", "Mon Wed Fri", "0000011"])
        if rng.random() < 0.3:
            kw["holidays"] = ["2020-01-01", "2020-07-04", "2020-12-25"]
        f = pick(rng, ["is_busday", "busday_offset", "busday_count"])
        if f == "is_busday":
            return Case(f"np.is_busday({shape}, {kw})", [a], lambda p: np.is_busday(p, **kw))
        if f == "busday_offset":
            offsets = rng.integers(-5, 6, shape) if rng.random() < 0.5 else int(rng.integers(-5, 6))
            roll = pick(rng, ["raise", "forward", "backward", "following", "preceding", "modifiedfollowing"])
            return Case(f"np.busday_offset({shape}, roll={roll}, {kw})",
                        [a, offsets if isinstance(offsets, np.ndarray) and offsets.ndim else Keep(offsets)],
                        lambda p, o: np.busday_offset(p, o, roll=roll, **kw))
        b = dates(rng, shape, "D", nat=False)
        return Case(f"np.busday_count({shape}, {kw})", [a, b], lambda p, q: np.busday_count(p, q, **kw))
    if what == "diff":
        a = dates(rng, shape or (3,), pick(rng, ["D", "s"])) if rng.random() < 0.6 else spans(rng, shape or (3,))
        return Case(f"np.diff({a.dtype} {a.shape})", [a], lambda p: np.diff(p))
    if what == "span_reduce":
        a = spans(rng, shape, pick(rng, SPAN_UNITS))
        f = pick(rng, ["sum", "mean", "cumsum", "nansum", "nanmax", "median", "ptp", "std"])
        axis = pick(rng, [None, 0, -1]) if shape else None
        return Case(f"np.{f}(m8 {shape}, axis={axis})", [a], lambda p: getattr(np, f)(p, axis=axis))
    a = dates(rng, shape, pick(rng, DATE_UNITS))
    f = pick(rng, ["min", "max", "nanmin", "nanmax", "argmin", "argmax", "sort", "unique", "searchsorted"])
    if f == "searchsorted":
        s = np.sort(a.reshape(-1))
        v = dates(rng, (4,), "D")
        return Case(f"np.searchsorted(sorted dates {s.shape}, 4 dates)", [s, Keep(v)], lambda p, q: np.searchsorted(p, q))
    axis = pick(rng, [None, 0, -1]) if shape and f not in ("unique",) else None
    kw = {} if f == "unique" else {"axis": axis}
    return Case(f"np.{f}(M8 {shape}, {kw})", [a], lambda p: getattr(np, f)(p, **kw))


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

_PIECES = ["", "a", "ab", "Ab", " x", "x ", "12", "7", "aa", "b\tc", "é", "Zz9", "a.b", "  ", "abab"]


def text(rng: np.random.Generator, shape: tuple[int, ...], kind: str = "U") -> np.ndarray:
    """Short strings with ties, spaces, digits, tabs and (``U``) a non-ASCII letter."""
    pieces = _PIECES if kind == "U" else [p for p in _PIECES if p.isascii()]
    x = np.array(rng.choice(pieces, shape) if shape else pick(rng, pieces), dtype="U6")
    return x if kind == "U" else x.astype("S6")


def _str_arg(rng: np.random.Generator, kind: str) -> Any:
    value = pick(rng, ["a", "b", "ab", "", " ", "1"])
    return value if kind == "U" else value.encode()


def _lists(result: Any) -> Any:
    """An object array of lists (split) as nested lists, gathered first when distributed (compared as values)."""
    return (nd.asnumpy(result) if isinstance(result, nd.DistArray) else result).tolist()


def text_ops(rng: np.random.Generator) -> Case:
    shape = shape_of(rng, ndim=int(pick(rng, [0, 1, 1, 2])))
    kind = pick(rng, ["U", "U", "S"])
    x = text(rng, shape, kind)
    S = np.strings
    what = pick(rng, ["unary", "predicate", "search", "width", "replace", "strip", "partition", "add", "multiply",
                      "compare", "sort", "unique", "char", "bad"])
    label = f"text {what} {shape} {x.dtype}"
    if what == "unary":
        f = pick(rng, [S.upper, S.lower, S.capitalize, S.title, S.swapcase, S.str_len, S.expandtabs])
        return Case(f"np.strings.{f.__name__}({label})", [x], lambda a: f(a))
    if what == "predicate":
        f = pick(rng, [S.isalpha, S.isdigit, S.isspace, S.isalnum, S.islower, S.isupper, S.istitle] +
                 ([S.isdecimal, S.isnumeric] if kind == "U" else []))
        return Case(f"np.strings.{f.__name__}({label})", [x], lambda a: f(a))
    if what == "search":
        f = pick(rng, [S.find, S.rfind, S.count, S.startswith, S.endswith, S.index])
        sub = _str_arg(rng, kind)
        start = pick(rng, [0, 1, -2])
        return Case(f"np.strings.{f.__name__}({label}, {sub!r}, {start})", [x], lambda a: f(a, sub, start))
    if what == "width":
        f = pick(rng, [S.center, S.ljust, S.rjust, S.zfill])
        width = int(pick(rng, [0, 3, 8]))
        if f is S.zfill:
            return Case(f"np.strings.zfill({label}, {width})", [x], lambda a: f(a, width))
        fill = _str_arg(rng, kind)[:1] or (" " if kind == "U" else b" ")
        return Case(f"np.strings.{f.__name__}({label}, {width}, {fill!r})", [x], lambda a: f(a, width, fill))
    if what == "replace":
        old, new = _str_arg(rng, kind), _str_arg(rng, kind)
        count = pick(rng, [-1, 1, 0])
        return Case(f"np.strings.replace({label}, {old!r}, {new!r}, {count})", [x],
                    lambda a: S.replace(a, old, new, count))
    if what == "strip":
        f = pick(rng, [S.strip, S.lstrip, S.rstrip])
        chars = pick(rng, [None, _str_arg(rng, kind)])
        return Case(f"np.strings.{f.__name__}({label}, {chars!r})", [x], lambda a: f(a, chars))
    if what == "partition":
        f = pick(rng, [S.partition, S.rpartition])
        sep = _str_arg(rng, kind) or ("a" if kind == "U" else b"a")
        return Case(f"np.strings.{f.__name__}({label}, {sep!r})", [x], lambda a: f(a, sep))
    if what == "add":
        y = text(rng, shape if rng.random() < 0.8 else shape[-1:], kind)
        return Case(f"np.strings.add({label}, other)", [x, y], lambda a, b: S.add(a, b))
    if what == "multiply":
        times = rng.integers(-1, 4, shape) if rng.random() < 0.5 else int(rng.integers(-1, 4))
        return Case(f"np.strings.multiply({label}, counts)",
                    [x, times if isinstance(times, np.ndarray) and times.ndim else Keep(times)],
                    lambda a, n: S.multiply(a, n))
    if what == "compare":
        y = text(rng, shape, kind)
        f = pick(rng, [np.equal, np.less, np.greater_equal, np.char.equal, np.char.less, np.maximum])
        return Case(f"{f.__module__}.{f.__name__}({label}, other)", [x, y], lambda a, b: f(a, b))
    if what == "sort":
        axis = pick(rng, [-1, 0, None]) if shape else None
        f = pick(rng, ["sort", "argsort"])
        return Case(f"np.{f}({label}, axis={axis}, stable)", [x], lambda a: getattr(np, f)(a, axis=axis, kind="stable"))
    if what == "unique":
        kw = pick(rng, [{}, {"return_counts": True}, {"return_inverse": True}])
        return Case(f"np.unique({label}, {kw})", [x], lambda a: np.unique(a, **kw))
    if what == "char":
        sep = _str_arg(rng, kind) or ("-" if kind == "U" else b"-")
        f = pick(rng, ["join", "split", "splitlines"])
        if f == "join":
            return Case(f"np.char.join({sep!r}, {label})", [x], lambda a: np.char.join(sep, a))
        if f == "split":
            return Case(f"np.char.split({label}, {sep!r})", [x], lambda a: _lists(np.char.split(a, sep)))
        return Case(f"np.char.splitlines({label})", [x], lambda a: _lists(np.char.splitlines(a)))
    bad = pick(rng, ["mixed", "width", "float"])
    if bad == "mixed":  # str with bytes: NumPy's TypeError
        other = text(rng, shape, "S" if kind == "U" else "U")
        return Case(f"np.strings.add({label}, other kind)", [x, other], lambda a, b: S.add(a, b))
    if bad == "width":
        return Case(f"np.strings.center({label}, 'x')", [x], lambda a: S.center(a, "x"))
    return Case(f"np.strings.upper({label} as float)", [x], lambda a: S.upper(a.astype(float)))


FAMILIES = {"records": record_ops, "dates": date_ops, "text": text_ops}
