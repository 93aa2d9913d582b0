"""Differential tests of the text, calendar and branch-cut functions (NumPy is the oracle).

``numpy.strings`` (the Python functions, and ``np.char.join/split/rsplit/splitlines``),
the ``numpy.char`` comparisons, ``numpy.lib.scimath``, ``busday_count``,
``busday_offset``, ``is_busday``, ``datetime_as_string``, ``array2string``,
``array_repr``, ``array_str`` and ``einsum_path``: values, shapes and dtypes
(fixed-width string widths and complex promotion are decided over the whole
array), and NumPy's exception classes, with the fallback refused.
"""

from __future__ import annotations

import pickle

import numpy as np
import numpy.lib.scimath as sm
import pytest
from mpi4py import MPI

from numpy_dist.testing import SHAPES_1D, SHAPES_2D, assert_all_ranks, dist_cases, distribute, rng_data

from tests.dispatch._helpers import check, pick, public_exc, run_subcases

COMM = MPI.COMM_WORLD
S = np.strings


pytestmark = pytest.mark.usefixtures("refuse_fallback")


SHAPES = SHAPES_1D + SHAPES_2D
SHAPE_CASES = [(s, c) for s in SHAPES for c in dist_cases(len(s))]
WORDS = ["", "a", "ab c", "héllo wörld", "x\ty", "Mixed Case", "  pad  ", "l\nl", "ü", "zzzzzzzzzz", "%s-", "ß"]


def text(shape, kind: str, seed: int) -> np.ndarray:
    """Strings of varied lengths (empty ones included; ASCII only for bytes)."""
    rng = np.random.default_rng(seed)
    words = np.array(WORDS if kind == "U" else [w for w in WORDS if w.isascii()])
    x = words[rng.integers(0, len(words), size=shape)]
    return x if kind == "U" else np.strings.encode(x, "ascii")


def _s(x, value):
    """``value`` as bytes when the array holds bytes."""
    return value.encode() if x.dtype.kind == "S" and isinstance(value, str) else value


# name -> f(x) of one string array (NumPy or DistArray)
STRING_FUNCS = {
    "capitalize": lambda x: S.capitalize(x),
    "lower": lambda x: S.lower(x),
    "upper": lambda x: S.upper(x),
    "swapcase": lambda x: S.swapcase(x),
    "title": lambda x: S.title(x),
    "translate": lambda x: S.translate(x, {ord("a"): "AAA", ord("l"): None}) if x.dtype.kind == "U"
    else S.translate(x, bytes(range(256)), b"l"),
    "center": lambda x: S.center(x, 13),
    "center_fill": lambda x: S.center(x, 4, _s(x, "*")),
    "ljust": lambda x: S.ljust(x, 3),
    "rjust": lambda x: S.rjust(x, 12, _s(x, "-")),
    "zfill": lambda x: S.zfill(x, 6),
    "expandtabs": lambda x: S.expandtabs(x),
    "expandtabs_2": lambda x: S.expandtabs(x, 2),
    "multiply": lambda x: S.multiply(x, 3),
    "multiply_0": lambda x: S.multiply(x, 0),
    "replace": lambda x: S.replace(x, _s(x, "l"), _s(x, "LLL")),
    "replace_count": lambda x: S.replace(x, _s(x, "z"), _s(x, ""), 2),
    "partition": lambda x: S.partition(x, _s(x, "l")),
    "rpartition": lambda x: S.rpartition(x, _s(x, " ")),
    "mod": lambda x: S.mod(x, _s(x, "v")),
    "encode": lambda x: S.encode(x, "utf-8") if x.dtype.kind == "U" else S.decode(x, "ascii"),
    "encode_wrong_kind": lambda x: S.decode(x) if x.dtype.kind == "U" else S.encode(x),
    "char_join": lambda x: np.char.join(_s(x, "-"), x),
    "char_equal": lambda x: np.char.equal(x, _s(x, "a")),
    "char_not_equal": lambda x: np.char.not_equal(x, _s(x, "ab c")),
    "char_greater": lambda x: np.char.greater(x, _s(x, "Mixed")),
    "char_greater_equal": lambda x: np.char.greater_equal(x, _s(x, "ab c  ")),
    "char_less": lambda x: np.char.less(x, _s(x, "l")),
    "char_less_equal": lambda x: np.char.less_equal(x, _s(x, "")),
}

# Functions returning object arrays of lists (NumPy's result, whole on every rank)
OBJECT_FUNCS = {
    "char_split": lambda x: np.char.split(x),
    "char_split_sep": lambda x: np.char.split(x, _s(x, "l"), 1),
    "char_rsplit": lambda x: np.char.rsplit(x, _s(x, " "), 1),
    "char_splitlines": lambda x: np.char.splitlines(x),
    "char_splitlines_keep": lambda x: np.char.splitlines(x, True),
}


@pytest.mark.parametrize("kind", ["U", "S"])
@pytest.mark.parametrize("name", list(STRING_FUNCS))
def test_strings(name, kind):
    f = STRING_FUNCS[name]
    k = list(STRING_FUNCS).index(name) * 2 + (kind == "S")

    def body(shape, case):
        x = text(shape, kind, k)
        check(f, [x], [distribute(x, case)])

    run_subcases(pick(SHAPE_CASES, k, 5) + [((), "replicated")], body)


def check_objects(f, np_args, d_args) -> None:
    """An object result: NumPy's object array, the same on every rank (lists compared by value)."""
    try:
        expected = f(*np_args)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(public_exc(type(exc))):
            f(*d_args)
        return
    actual = f(*d_args)
    ok = isinstance(actual, np.ndarray) and actual.dtype == expected.dtype and actual.shape == expected.shape \
        and actual.tolist() == expected.tolist()
    everyone = COMM.allgather(pickle.dumps(actual.tolist() if isinstance(actual, np.ndarray) else actual))
    assert_all_ranks(ok and all(e == everyone[0] for e in everyone), f"{actual!r} != {expected!r}")


@pytest.mark.parametrize("kind", ["U", "S"])
@pytest.mark.parametrize("name", list(OBJECT_FUNCS))
def test_strings_object_results(name, kind):
    f = OBJECT_FUNCS[name]
    k = list(OBJECT_FUNCS).index(name) * 2 + (kind == "S")

    def body(shape, case):
        x = text(shape, kind, k)
        check_objects(f, [x], [distribute(x, case)])

    run_subcases(pick(SHAPE_CASES, k, 5) + [((), "replicated")], body)


def test_strings_with_distributed_parameters():
    """Widths, fill characters, separators and counts given as arrays broadcast elementwise; the
    result width is the widest over every rank."""
    cases = [
        ("center_widths", lambda x, w: S.center(x, w)),
        ("ljust_widths", lambda x, w: S.ljust(x, w, "#")),
        ("zfill_widths", lambda x, w: S.zfill(x, w)),
        ("multiply_counts", lambda x, w: S.multiply(x, w)),
        ("replace_counts", lambda x, w: S.replace(x, "z", "yy", w)),
        ("expandtabs_sizes", lambda x, w: S.expandtabs(x, w)),
        # (np.strings.multiply("+", w) dispatches on its string operand only: NumPy would gather w)
        ("join_seps", lambda x, w: np.char.join(S.center(S.multiply(x, 0), w, "+"), x)),
        ("equal_arrays", lambda x, w: np.char.equal(x, S.center(S.multiply(x, 0), w, "z"))),
    ]

    def body(shape, case, label, f, numpy_width):
        x = text(shape, "U", 3)
        w = np.abs(rng_data(shape, np.int64, 4)) % 15
        if w.size:
            w.reshape(-1)[-1] = 17  # the widest on the last rank only
        dw = w if numpy_width else distribute(w, dist_cases(len(shape))[-1])
        check(f, [x, w], [distribute(x, case), dw])

    items = [(s, c, label, f, i % 2 == 0) for i, (label, f) in enumerate(cases)
             for s, c in pick(SHAPE_CASES, i, 3)]
    run_subcases(items, body)


def test_strings_broadcast_row():
    """A (4,) NumPy/DistArray row of strings against a (7, 4) DistArray."""
    x, row = text((7, 4), "U", 5), text((4,), "U", 6)

    def body(case, f):
        check(f, [x, row], [distribute(x, case), row])
        check(f, [x, row], [distribute(x, case), distribute(row, "block")])

    fs = [lambda a, b: np.char.equal(a, b), lambda a, b: np.char.less(b, a), lambda a, b: np.char.join(b, a),
          lambda a, b: S.partition(a, b), lambda a, b: S.replace(a, b, "--")]
    run_subcases([(c, f) for c in dist_cases(2) for f in fs], body)


def test_string_operators_with_python_scalars():
    """``d == "x"``, ``d < "x"``, ``np.add(d, "!")``: Python str/bytes scalars as NumPy takes them."""
    x, b = text((9,), "U", 3), text((9,), "S", 3)

    def body(case, f):
        check(f, [x, b], [distribute(x, case), distribute(b, case)])

    fs = [lambda u, s: u == u[2], lambda u, s: u != "a", lambda u, s: u < "b", lambda u, s: s == s[0],
          lambda u, s: s >= b"b", lambda u, s: np.add(u, "!"), lambda u, s: s + "x",
          lambda u, s: u == b"a", lambda u, s: s != "a",  # no loop: ndarray's == says all False (!=: all True)
          lambda u, s: np.equal(u, b"a")]  # ... but np.equal raises
    run_subcases([(c, f) for c in dist_cases(1) for f in fs], body)


STRING_ERRORS = [
    ("upper_numeric", lambda x, n, b: S.upper(n)),
    ("center_numeric", lambda x, n, b: S.center(n, 5)),
    ("center_float_width", lambda x, n, b: S.center(x, 5.5)),
    ("center_fill_two_chars", lambda x, n, b: S.center(x, 5, "ab")),
    ("replace_numeric", lambda x, n, b: S.replace(n, "a", "b")),
    ("partition_mixed_kinds", lambda x, n, b: S.partition(b, "l")),
    ("equal_numeric", lambda x, n, b: np.char.equal(n, n)),
    ("less_bad_broadcast", lambda x, n, b: np.char.less(x, np.array(["a", "b", "c"]))),
    ("decode_str", lambda x, n, b: S.decode(x)),
    ("decode_invalid_bytes_one_rank", lambda x, n, b: S.decode(b, "utf-8")),
    ("decode_invalid_ignored", lambda x, n, b: S.decode(b, "utf-8", "ignore")),
    ("encode_unencodable", lambda x, n, b: S.encode(x, "ascii")),
    ("mod_bad_format_one_rank", lambda x, n, b: S.mod(x, 1)),
    ("multiply_numeric_count", lambda x, n, b: S.multiply(x, 2.5)),
    ("split_numeric", lambda x, n, b: np.char.split(n)),
    ("join_numeric", lambda x, n, b: np.char.join("-", n)),
]


@pytest.mark.parametrize("name,f", STRING_ERRORS, ids=[e[0] for e in STRING_ERRORS])
def test_string_errors(name, f):
    def body(case):
        x = np.array(["ab", "", "cd", "%d", "ü"] * 3 + ["ok"], "U4")  # "%d" and "ü": not on rank 0 alone
        b = np.array([b"ab", b"cd"] * 7 + [b"e", b"\xff"], "S2")  # undecodable: the last element only
        n = np.arange(16)
        check(f, [x, n, b], [distribute(x, case), distribute(n, case), distribute(b, case)])

    run_subcases([(c,) for c in dist_cases(1)], body)


# --------------------------------------------------------------------------
# scimath: the complex decision is the whole array's
# --------------------------------------------------------------------------


def real_data(shape, dt, seed: int, outside: bool, rule: str) -> np.ndarray:
    """Values inside scimath's real domain, but the last element (on the last rank) outside when ``outside``;
    inf and NaN included."""
    x = np.abs(rng_data(shape, dt, seed)) if np.dtype(dt).kind != "b" else rng_data(shape, dt, seed)
    if rule == "unit" and x.dtype.kind == "f":
        x = x / (np.abs(x).max() + 1 if x.size else 1)
    elif rule == "unit":
        x = x % 2
    flat = x.reshape(-1)
    if x.dtype.kind == "f" and x.size > 3:
        flat[0], flat[1] = (np.nan, 0.5) if rule == "unit" else (np.nan, np.inf)
    if outside and x.size and x.dtype.kind != "b" and x.dtype.kind != "u":
        flat[-1] = -3 if rule == "negative" else 3
    return x


SCIMATH = {
    "sqrt": (lambda x, y: sm.sqrt(x), "negative"),
    "log": (lambda x, y: sm.log(x), "negative"),
    "log2": (lambda x, y: sm.log2(x), "negative"),
    "log10": (lambda x, y: sm.log10(x), "negative"),
    "logn": (lambda x, y: sm.logn(y + 2, x), "negative"),
    "logn_base": (lambda x, y: sm.logn(x, y + 2), "negative"),
    "power": (lambda x, y: sm.power(x, 2), "negative"),
    "power_exponents": (lambda x, y: sm.power(y + 2, x), "negative"),
    "arccos": (lambda x, y: sm.arccos(x), "unit"),
    "arcsin": (lambda x, y: sm.arcsin(x), "unit"),
    "arctanh": (lambda x, y: sm.arctanh(x), "unit"),
}
REAL_DTYPES = [np.float64, np.float32, np.float16, np.int8, np.int64, np.uint16, np.bool_, np.complex64]


@pytest.mark.parametrize("outside", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("name", list(SCIMATH))
def test_scimath(name, outside):
    f, rule = SCIMATH[name]
    k = list(SCIMATH).index(name) * 2 + outside

    def body(shape, case, dt):
        x = real_data(shape, dt, k, outside, rule)
        y = real_data(shape, np.float64, k + 1, False, "negative")
        check(f, [x, y], [distribute(x, case), distribute(y, case)], rtol=1e-3 if dt == np.float16 else None)

    items = [(s, c, REAL_DTYPES[(k + i) % len(REAL_DTYPES)]) for i, (s, c) in enumerate(pick(SHAPE_CASES, k, 6))]
    items += [((17,), "block", dt) for dt in REAL_DTYPES]  # the outside element on the last rank only
    items += [((), "replicated", np.float64)]
    run_subcases(items, body)


def test_scimath_numpy_operand_and_errors():
    x = real_data((13,), np.float64, 2, False, "negative")
    neg = -np.arange(13.0)

    def body(case):
        check(lambda a, b: sm.power(a, b), [x, neg.astype(int)], [distribute(x, case), neg.astype(int)])
        check(lambda a, b: sm.logn(b, a), [x, neg], [distribute(x, case), neg])
        check(lambda a, b: sm.sqrt(a), [np.array(["a"] * 13)], [distribute(np.array(["a"] * 13), case)])
        check(lambda a: sm.log(a), [np.ones((13, 2))[:, :1].reshape(13)], [distribute(np.ones(13), case)])
        check(lambda a: sm.power(a, np.ones(3)), [x], [distribute(x, case)])

    run_subcases([(c,) for c in dist_cases(1)], body)


# --------------------------------------------------------------------------
# Business days and datetime strings
# --------------------------------------------------------------------------


def dates(shape, seed: int, nat: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (np.datetime64("2023-12-20") + rng.integers(0, 60, size=shape)).astype("M8[D]")
    if nat and x.size > 2:
        x.reshape(-1)[1] = np.datetime64("NaT")
    return x


HOLIDAYS = ["2024-01-01", "2023-12-25", "2024-01-15"]
CAL = np.busdaycalendar(weekmask="1111011", holidays=HOLIDAYS)
DATE_FUNCS = {
    "is_busday": lambda d, e, o: np.is_busday(d),
    "is_busday_weekmask": lambda d, e, o: np.is_busday(d, weekmask="Mon Tue Sat"),
    "is_busday_holidays": lambda d, e, o: np.is_busday(d, holidays=HOLIDAYS),
    "is_busday_cal": lambda d, e, o: np.is_busday(d, busdaycal=CAL),
    "busday_offset_forward": lambda d, e, o: np.busday_offset(d, o, roll="forward"),
    "busday_offset_modified": lambda d, e, o: np.busday_offset(d, o, roll="modifiedpreceding", holidays=HOLIDAYS),
    "busday_offset_raise": lambda d, e, o: np.busday_offset(d, o),
    "busday_offset_cal": lambda d, e, o: np.busday_offset(d, 2, roll="backward", busdaycal=CAL),
    "busday_offset_weekmask_list": lambda d, e, o: np.busday_offset(d, o, "following", [1, 0, 1, 0, 1, 1, 0]),
    "busday_count": lambda d, e, o: np.busday_count(d, e),
    "busday_count_holidays": lambda d, e, o: np.busday_count(e, d, "1111100", HOLIDAYS),
    "busday_count_cal": lambda d, e, o: np.busday_count(d, e, busdaycal=CAL),
    "datetime_as_string": lambda d, e, o: np.datetime_as_string(d),
    "datetime_as_string_h": lambda d, e, o: np.datetime_as_string(d, unit="h"),
    "datetime_as_string_auto": lambda d, e, o: np.datetime_as_string(e, unit="auto"),
    "datetime_as_string_utc": lambda d, e, o: np.datetime_as_string(d.astype("M8[m]"), timezone="UTC"),
    "datetime_as_string_unsafe": lambda d, e, o: np.datetime_as_string(e, unit="M", casting="unsafe"),
    "datetime_as_string_lossy": lambda d, e, o: np.datetime_as_string(e, unit="M"),
}


@pytest.mark.parametrize("nat", [False, True], ids=["dates", "with_nat"])
@pytest.mark.parametrize("name", list(DATE_FUNCS))
def test_dates(name, nat):
    f = DATE_FUNCS[name]
    k = list(DATE_FUNCS).index(name) * 2 + nat

    def body(shape, case):
        d, e = dates(shape, k, nat), dates(shape, k + 1, False)
        if name == "busday_offset_raise" and d.size:
            d = np.busday_offset(dates(shape, k, False), 0, roll="forward")  # business days ...
            if nat:
                d.reshape(-1)[-1] = np.datetime64("2024-01-06")  # ... but a Saturday on the last rank
        if name == "datetime_as_string_auto":
            e = e.astype("M8[h]") + np.arange(e.size).reshape(shape) % 3
        o = (np.arange(d.size).reshape(shape) % 7 - 3).astype(np.int64)
        check(as_integers(f) if name.startswith("busday_offset") else f, [d, e, o], [distribute(d, case), distribute(e, case), distribute(o, case)])

    run_subcases(pick(SHAPE_CASES, k, 5), body)


def as_integers(f):
    """``f`` with its datetime64[D] result as integers (NaT != NaT: compared as NumPy's integer for it)."""
    def g(*args):
        r = f(*args)
        assert r.dtype == np.dtype("M8[D]"), r.dtype
        return r.astype(np.int64)
    return g


DATE_ERRORS = [
    ("bad_weekmask", lambda d, n, out: np.is_busday(d, weekmask="1111")),
    ("no_business_day", lambda d, n, out: np.busday_count(d, d, weekmask="0000000")),
    ("bad_roll", lambda d, n, out: np.busday_offset(d, 1, roll="sideways")),
    ("is_busday_int", lambda d, n, out: np.is_busday(n)),
    ("offsets_float", lambda d, n, out: np.busday_offset(d, 1.5, roll="forward")),
    ("bad_holidays", lambda d, n, out: np.is_busday(d, holidays=["not a date"])),
    ("datetime_as_string_int", lambda d, n, out: np.datetime_as_string(n)),
    ("datetime_as_string_bad_unit", lambda d, n, out: np.datetime_as_string(d, unit="parsec")),
    ("datetime_as_string_bad_tz", lambda d, n, out: np.datetime_as_string(d, timezone="Mars")),
    ("is_busday_out", lambda d, n, out: np.is_busday(d, out=out > 0)),
    ("busday_count_out", lambda d, n, out: np.busday_count(d, d + 9, out=out)),
    ("busday_count_out_float", lambda d, n, out: np.busday_count(d, d + 9, out=out.astype(float))),
    ("busday_count_out_wrong_shape", lambda d, n, out: np.busday_count(d, d + 9, out=out[:3])),
    ("busday_offset_out", lambda d, n, out: np.busday_offset(d, 1, roll="forward", out=out.astype("M8[D]"))),
    ("busday_count_bcast", lambda d, n, out: np.busday_count(d, np.datetime64("2024-02-01"))),
]


@pytest.mark.parametrize("name,f", DATE_ERRORS, ids=[e[0] for e in DATE_ERRORS])
def test_date_errors_and_out(name, f):
    def body(case):
        d = dates((11,), 7, nat=False)
        n = np.arange(11)
        out = np.zeros(11, np.int64)
        check(f, [d, n, out], [distribute(d, case), distribute(n, case), distribute(out, case)])

    run_subcases([(c,) for c in dist_cases(1)], body)


def test_busday_holidays_as_distarray():
    """A DistArray of holidays is read whole (small: silently)."""
    d = dates((13,), 3, nat=False)
    hol = np.array(HOLIDAYS, "M8[D]")
    run_subcases([(c,) for c in dist_cases(1)],
                 lambda c: check(lambda a, h: np.is_busday(a, holidays=h), [d, hol],
                                 [distribute(d, c), distribute(hol, c)]))


# --------------------------------------------------------------------------
# Printing and einsum_path
# --------------------------------------------------------------------------

PRINT_SHAPES = [(0,), (5,), (1001,), (3, 4), (40, 50), (0, 3), (3, 2, 400), ()]
PRINTERS = {
    "array2string": lambda a: np.array2string(a),
    "array2string_kw": lambda a: np.array2string(a, precision=2, separator=", ", prefix="x(", suffix=")",
                                                 threshold=10, edgeitems=2, max_line_width=40),
    "array2string_formatter": lambda a: np.array2string(a, formatter={"all": lambda v: f"<{v}>"}, threshold=20),
    "array2string_sign": lambda a: np.array2string(a, sign="+", floatmode="fixed", suppress_small=True),
    "array2string_bad_floatmode": lambda a: np.array2string(a, floatmode="nope"),
    "array2string_legacy": lambda a: np.array2string(a, legacy="1.13", threshold=5),
    "array_repr": lambda a: np.array_repr(a),
    "array_repr_kw": lambda a: np.array_repr(a, max_line_width=30, precision=3, suppress_small=True),
    "array_str": lambda a: np.array_str(a),
    "array_str_kw": lambda a: np.array_str(a, max_line_width=50, precision=1),
}


@pytest.mark.parametrize("name", list(PRINTERS))
def test_printing(name):
    f = PRINTERS[name]
    k = list(PRINTERS).index(name)

    def body(shape, case, dt):
        x = np.asarray((rng_data(shape, np.float64, k) * 10 ** (k % 4)).astype(dt))
        check(f, [x], [distribute(x, case)])

    items = [(s, c, dt) for s in PRINT_SHAPES for dt in (np.float64, np.int16, "U3", np.complex64, "M8[D]")
             for c in pick(dist_cases(len(s)) if s else ["replicated"], k, 1)]
    run_subcases(items, body)


def test_printing_under_print_options():
    x = np.arange(600.0).reshape(20, 30) / 7

    def body(case, opts):
        with np.printoptions(**opts):
            for f in (np.array_repr, np.array_str, np.array2string):
                check(f, [x], [distribute(x, case)])

    options = [dict(threshold=50, edgeitems=1), dict(linewidth=200), dict(precision=2, linewidth=60),
               dict(threshold=10000), dict(legacy="2.1", threshold=5), dict(legacy="1.13")]
    run_subcases([(c, o) for c in dist_cases(2) for o in options], body)


EINSUM_PATHS = [
    ("ij,jk->ik", [(6, 5), (5, 4)], "greedy"),
    ("ij,jk,kl->il", [(6, 5), (5, 40), (40, 3)], "optimal"),
    ("ea,fb,abcd,gc,hd->efgh", [(3, 4), (3, 4), (4, 4, 4, 4), (3, 4), (3, 4)], "greedy"),
    ("...i,i", [(2, 3, 5), (5,)], True),
    ("ii->i", [(4, 4)], False),
]


@pytest.mark.parametrize("subscripts,shapes,optimize", EINSUM_PATHS, ids=[e[0] for e in EINSUM_PATHS])
def test_einsum_path(subscripts, shapes, optimize):
    xs = [rng_data(s, np.float64, i) for i, s in enumerate(shapes)]

    def body(case):
        ds = [distribute(x, case if case in dist_cases(x.ndim) else "block") for x in xs]
        expected = COMM.bcast(np.einsum_path(subscripts, *xs, optimize=optimize))  # (ellipsis letters: rank 0's)
        actual = np.einsum_path(subscripts, *ds, optimize=optimize)
        everyone = COMM.allgather(actual)
        assert_all_ranks(actual == expected and all(e == everyone[0] for e in everyone), f"{actual} != {expected}")

    run_subcases([(c,) for c in dist_cases(1)], body)


def test_zero_width_results():
    """Only empty strings anywhere: NumPy's U0/S0 results (which gather without widening to one character)."""
    def body(shape, case, kind):
        x = np.zeros(shape, kind + "3")
        for f in (lambda a: S.partition(a, _s(a, "l")), lambda a: S.rpartition(a, _s(a, "l")),
                  lambda a: S.replace(a, _s(a, "l"), _s(a, "")), lambda a: S.multiply(a, 4)):
            check(f, [x], [distribute(x, case)])

    run_subcases([(s, c, kind) for kind in "US" for s, c in pick(SHAPE_CASES, 1, 6)], body)
