"""Differential tests of nd.ma against numpy.ma: construction, mask/filled/compressed/count, reductions,
masked ufuncs with NumPy's domain rules, indexing and the NumPy protocols, over the distribution cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numpy_dist as nd
import numpy_dist.ma as ndma
from numpy_dist.testing import assert_all_ranks, dist_cases, distribute

from tests.ma._helpers import assert_ma_equal

CASES_2D = dist_cases(2)


def gappy(shape, dtype=np.float64, seed=0):
    """Data with NaN, inf, negatives and zeros (the invalid ones where the float dtype allows)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 6, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "f" and x.size:
        flat = x.reshape(-1)
        flat[rng.choice(x.size, size=max(1, x.size // 4), replace=False)] = np.nan
        flat[rng.integers(0, x.size)] = np.inf
    return x


def both(x, case, maker=lambda a: ndma.masked_invalid(a) if True else None, np_maker=np.ma.masked_invalid):
    return maker(distribute(x, case)), np_maker(x)


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("shape", [(7, 5), (3, 1), (0, 4), (2, 9)])
def test_masked_invalid_mask_filled_compressed_count(case, shape):
    x = gappy(shape)
    m, e = both(x, case)
    assert_ma_equal(m, e, what="masked_invalid")
    assert_ma_equal(m.filled(-7.0), e.filled(-7.0), what="filled")
    assert_ma_equal(m.filled(), e.filled(), what="filled default")
    assert_ma_equal(m.compressed(), e.compressed(), what="compressed")
    assert_ma_equal(m.count(), e.count(), what="count")
    for axis in (0, 1, -1):
        assert_ma_equal(m.count(axis), e.count(axis), what=f"count axis={axis}")
    assert_all_ranks(m.compressed().dist == ("b",), "compressed is laid out in row blocks")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("name, args", [
    ("masked_equal", (2,)), ("masked_not_equal", (2,)), ("masked_greater", (1,)), ("masked_greater_equal", (1,)),
    ("masked_less", (0,)), ("masked_less_equal", (0,)), ("masked_inside", (3, -1)), ("masked_outside", (-1, 3)),
    ("masked_values", (2.0,))])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_masked_comparisons(case, name, args, dtype):
    x = gappy((6, 5), dtype, seed=2)
    with np.errstate(invalid="ignore"):
        e = getattr(np.ma, name)(x, *args)
    m = getattr(ndma, name)(distribute(x, case), *args)
    assert_ma_equal(m, e, what=name)


@pytest.mark.parametrize("case", CASES_2D)
def test_masked_where_and_masked_array(case):
    x = gappy((5, 4), seed=3)
    d = distribute(x, case)
    cond = x > 2
    assert_ma_equal(ndma.masked_where(d > 2, d), np.ma.masked_where(cond, x), what="masked_where dist cond")
    assert_ma_equal(ndma.masked_where(cond, d), np.ma.masked_where(cond, x), what="masked_where numpy cond")
    both_masks = ndma.masked_where(d > 2, ndma.masked_invalid(d))
    assert_ma_equal(both_masks, np.ma.masked_where(cond, np.ma.masked_invalid(x)), what="masks OR'd")
    mask = np.arange(x.size).reshape(x.shape) % 3 == 0
    assert_ma_equal(ndma.masked_array(d, mask=mask, fill_value=-1.0),
                    np.ma.masked_array(x, mask=mask, fill_value=-1.0), what="masked_array")
    assert_ma_equal(ndma.masked_array(np.ma.masked_array(x, mask=mask)), np.ma.masked_array(x, mask=mask),
                    what="masked_array of numpy.ma data")
    with pytest.raises(IndexError):
        ndma.masked_where(cond[:1], d)


REDUCTIONS = ["sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "anom"]


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("shape, dtype", [((7, 5), np.float64), ((4, 6), np.int64), ((3, 1), np.float32)])
def test_reductions_match_numpy_ma(case, name, axis, shape, dtype):
    x = gappy(shape, np.float64, seed=4)
    x = np.where(np.isfinite(x), x, -9).astype(dtype) if np.dtype(dtype).kind != "f" else x.astype(dtype)
    e_src = np.ma.masked_invalid(x) if np.dtype(dtype).kind == "f" else np.ma.masked_less(x, 0)
    m = ndma.masked_invalid(distribute(x, case)) if np.dtype(dtype).kind == "f" else \
        ndma.masked_less(distribute(x, case), 0)
    e_src[-1] = np.ma.masked  # a fully masked row
    m[-1] = ndma.masked
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = getattr(e_src, name)(axis=axis)
    assert_ma_equal(getattr(m, name)(axis=axis), expected, rtol=rtol, what=f"{name}(axis={axis})")
    if name not in ("anom", "prod"):
        assert_ma_equal(getattr(np, name)(m, axis=axis), expected, rtol=rtol, what=f"np.{name}(m)")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_median_average_ddof(case, axis):
    x = gappy((7, 4), seed=5)
    m, e = both(x, case)
    e[:, 0] = np.ma.masked
    m[:, 0] = ndma.masked
    assert_ma_equal(ndma.median(m, axis=axis), np.ma.median(e, axis=axis), what=f"median axis={axis}")
    assert_ma_equal(np.median(m, axis=axis), np.ma.median(e, axis=axis), what="np.median(m)")
    assert_ma_equal(ndma.average(m, axis=axis), np.ma.average(e, axis=axis), what="average")
    assert_ma_equal(m.var(axis=axis, ddof=1), e.var(axis=axis, ddof=1), what="var ddof=1")
    if axis is not None:
        w = np.arange(1.0, x.shape[axis] + 1)
        assert_ma_equal(ndma.average(m, axis=axis, weights=w), np.ma.average(e, axis=axis, weights=w),
                        what="weighted average")
        assert_ma_equal(ndma.average(m, axis=axis, weights=w.tolist()),
                        np.ma.average(e, axis=axis, weights=w.tolist()), what="weights as a list")
    w2 = np.arange(x.size, dtype=float).reshape(x.shape) % 4
    assert_ma_equal(ndma.average(m, axis=axis, weights=w2), np.ma.average(e, axis=axis, weights=w2),
                    what="weighted average, full weights")


def test_fully_masked_scalars_are_masked():
    x = np.arange(6.0)
    m = ndma.masked_array(nd.asarray(x), mask=True)
    e = np.ma.masked_array(x, mask=True)
    for name in ("sum", "mean", "min", "max", "var", "std"):
        assert_ma_equal(getattr(m, name)(), getattr(e, name)(), what=name)
    assert_ma_equal(ndma.median(m), np.ma.median(e), what="median")
    assert_ma_equal(m.compressed(), e.compressed(), what="compressed of nothing")


UNARY = [np.log, np.log2, np.log10, np.sqrt, np.tan, np.arcsin, np.arccos, np.arccosh, np.arctanh, np.exp,
         np.negative, np.absolute, np.sin, np.floor]
BINARY = [np.add, np.subtract, np.multiply, np.true_divide, np.floor_divide, np.remainder, np.fmod, np.power,
          np.maximum, np.greater, np.equal, np.arctan2]


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_unary_ufuncs_follow_domain_rules(case, ufunc):
    x = gappy((6, 5), seed=6) / 2
    m, e = both(x, case)
    with np.errstate(all="ignore"):
        expected = ufunc(e)  # (NumPy's ufunc on a masked array: its domain masked, not other non-finite results)
    assert_ma_equal(ufunc(m), expected, what=ufunc.__name__)


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
def test_binary_ufuncs_follow_domain_rules(case, ufunc):
    x, y = gappy((6, 5), seed=7), gappy((6, 5), seed=8)
    mx, ex = both(x, case)
    my, ey = both(y, case)
    np_ufunc = ufunc  # (NumPy's own call on masked arrays is the oracle: see test_operators_mask_as_numpy_ma_does)
    with np.errstate(all="ignore"):
        assert_ma_equal(ufunc(mx, my), np_ufunc(ex, ey), what=f"{ufunc.__name__}(m, m)")
        assert_ma_equal(ufunc(mx, 0.0), np_ufunc(ex, 0.0), what=f"{ufunc.__name__}(m, 0)")
        row = y[0]  # broadcast NumPy operand
        assert_ma_equal(ufunc(mx, row), np_ufunc(ex, row), what=f"{ufunc.__name__}(m, row)")
        plain = distribute(np.nan_to_num(y), case)
        assert_ma_equal(ufunc(mx, plain), np_ufunc(ex, np.nan_to_num(y)), what=f"{ufunc.__name__}(m, d)")


OPERATORS = {"+": lambda a, b: a + b, "/": lambda a, b: a / b, "//": lambda a, b: a // b, "**": lambda a, b: a ** b,
             "%": lambda a, b: a % b, "r/": lambda a, b: 2.5 / a, "**0.5": lambda a, b: a ** 0.5}


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators_mask_as_numpy_ma_does(case, op):
    # MaskedArray's operators are numpy.ma's functions: a domained one (and power) also masks non-finite
    # results, unlike the ufunc called on a masked array (np.divide(m, n)); ``%`` is ndarray's: a ufunc call.
    x = np.array([[1.0, np.nan, np.inf, -2.0, 4.0], [0.0, -0.0, 3.0, 1e300, -np.inf]])
    y = np.array([[0.0, 1.0, 1.0, 2.0, 0.5], [0.0, 2.0, np.nan, 1e-300, 3.0]])
    mask = np.array([[False, False, False, False, True], [False, True, False, False, False]])
    mx, ex = ndma.masked_array(distribute(x, case), mask=distribute(mask, case)), np.ma.masked_array(x, mask=mask)
    my, ey = ndma.masked_array(distribute(y, case)), np.ma.masked_array(y)
    f = OPERATORS[op]
    with np.errstate(all="ignore"):
        assert_ma_equal(f(mx, my), f(ex, ey), what=op)
        assert_ma_equal(np.divide(mx, my), np.divide(ex, ey), what="np.divide")
        assert_ma_equal(np.log(mx), np.log(ex), what="np.log")
        assert_ma_equal(np.power(mx, 0.5), np.power(ex, 0.5), what="np.power")


def test_median_along_the_axis_of_a_vector_is_a_scalar():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    for mask in ([False] * 5, [True, False, False, True, False], [True] * 5):
        for case in dist_cases(1):
            m = ndma.masked_array(distribute(x, case), mask=distribute(np.array(mask), case))
            got, want = ndma.median(m, axis=0), np.ma.median(np.ma.masked_array(x, mask=mask), axis=0)
            assert_all_ranks(got is want if want is np.ma.masked else (type(got) is type(want) and got == want),
                             f"{case} {mask}: {got!r}, NumPy {want!r}")


@pytest.mark.parametrize("case", CASES_2D)
def test_operators_and_integer_division_by_zero(case):
    x = np.arange(-6, 6).reshape(4, 3)
    y = np.arange(12).reshape(4, 3) % 3
    mx = ndma.masked_less(distribute(x, case), -4)
    ex = np.ma.masked_less(x, -4)
    dy = distribute(y, case)
    with np.errstate(all="ignore"):
        assert_ma_equal(mx // dy, ex // y, what="floor divide by zero masked")
        assert_ma_equal(mx / dy, ex / y, what="true divide by zero masked")
        assert_ma_equal(mx % dy, ex % y, what="remainder by zero masked")
        assert_ma_equal(-mx + 2 * mx, -ex + 2 * ex, what="operators")


@pytest.mark.parametrize("case", CASES_2D)
def test_indexing(case):
    x = gappy((6, 4), seed=9)
    m, e = both(x, case)
    assert_ma_equal(m[1:4], e[1:4], what="slice")
    assert_ma_equal(m[:, 2], e[:, 2], what="column")
    for idx in [(0, 0), (0, 1), (5, 3)]:
        assert_ma_equal(m[idx], e[idx], what=f"element {idx}")
    m[2, 1] = ndma.masked
    e[2, 1] = np.ma.masked
    m[0, 1] = 5.0
    e[0, 1] = 5.0
    assert_ma_equal(m, e, what="setitem")


def test_numpy_ma_functions_gather_through_the_policy():
    m = ndma.masked_invalid(nd.asarray(np.array([1.0, np.nan, 3.0])))
    old = nd.set_fallback("error")
    try:
        with pytest.raises(nd.FallbackError, match="nd.ma"):
            np.ma.sum(m)
    finally:
        nd.set_fallback(old)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nd.FallbackWarning)
        assert_ma_equal(np.ma.sum(m), np.float64(4.0), what="np.ma.sum gathers, with the mask")
    with pytest.raises(TypeError, match="nd.ma"):
        np.diff(m)


def test_masked_invalid_of_plain_distarray_points_to_nd_ma():
    d = nd.asarray(np.array([1.0, np.nan]))
    old = nd.set_fallback("error")
    try:
        with pytest.raises(nd.FallbackError, match=r"nd\.ma"):
            np.ma.masked_invalid(d)
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("case", dist_cases(1))
@pytest.mark.parametrize("n", [0, 1, 5, 33])
def test_one_dimensional(case, n):
    x = gappy((n,), seed=10)
    m, e = both(x, case)
    assert_ma_equal(m.compressed(), e.compressed(), what="compressed 1-d")
    for name in ("sum", "mean", "min", "max", "std"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = getattr(e, name)()
        except ValueError:  # min/max of nothing: NumPy's error class on every rank
            with pytest.raises(ValueError):
                getattr(m, name)()
            continue
        assert_ma_equal(getattr(m, name)(), expected, what=f"{name} 1-d")
    assert_ma_equal(ndma.median(m), np.ma.median(e), what="median 1-d")


@pytest.mark.parametrize("case", dist_cases(3))
def test_three_dimensional(case):
    x = gappy((4, 3, 5), seed=11)
    m, e = both(x, case)
    assert_ma_equal(m.compressed(), e.compressed(), what="compressed 3-d")
    for axis in (None, 0, 2, (0, 2)):
        assert_ma_equal(m.sum(axis=axis), e.sum(axis=axis), what=f"sum axis={axis}")
        assert_ma_equal(m.mean(axis=axis), e.mean(axis=axis), what=f"mean axis={axis}")
        assert_ma_equal(m.count(axis=axis), e.count(axis=axis), what=f"count axis={axis}")
    assert_ma_equal(ndma.median(m, axis=1), np.ma.median(e, axis=1), what="median 3-d")
    assert_ma_equal(np.sqrt(m) * 2, np.ma.sqrt(e) * 2, what="sqrt 3-d")


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float32, np.complex128])
def test_ufunc_dtypes(dtype):
    x = (np.arange(24).reshape(6, 4) % 5).astype(dtype)
    m = ndma.masked_equal(nd.asarray(x), 3)
    e = np.ma.masked_equal(x, 3)
    with np.errstate(all="ignore"):
        for ufunc in (np.log, np.sqrt, np.negative, np.add, np.true_divide, np.floor_divide):
            if dtype == np.complex128 and ufunc is np.floor_divide:
                continue
            got = ufunc(m) if ufunc.nin == 1 else ufunc(m, m - 1)
            expected = getattr(np.ma, ufunc.__name__)(e) if ufunc.nin == 1 else \
                getattr(np.ma, ufunc.__name__)(e, e - 1)
            assert_ma_equal(got, expected, rtol=1e-5, what=f"{ufunc.__name__} {np.dtype(dtype)}")


def test_masked_invalid_of_plain_distarray_warns_once_naming_nd_ma():
    d = nd.asarray(np.array([1.0, np.nan, 2.0]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = np.ma.masked_invalid(d)
    messages = [str(w.message) for w in caught if issubclass(w.category, nd.FallbackWarning)]
    assert_all_ranks(any("nd.ma" in msg for msg in messages), f"warnings: {messages}")
    assert_all_ranks(isinstance(e, np.ma.MaskedArray) and e.count() == 2, "numpy.ma's result after the gather")


_NON_FINITE = np.array([[1.0, np.nan, 3.0], [np.inf, 5.0, 6.0], [1e308, 1e308, 2.0], [-1.0, 0.5, 0.25]])
_NON_FINITE_MASK = np.array([[False, False, True], [False, False, False], [False, False, False], [True, False, False]])


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("name", ["mean", "var", "std", "average", "weighted average", "median"])
def test_reductions_of_unmasked_nans_and_infinities_are_numpy_mas(case, name):
    # numpy.ma's masked path: a non-finite mean along an axis is masked (a masked division), its variance is
    # then 0 there (every deviation masked) and masked over every axis; its median is NaN where a NaN is unmasked.
    m = ndma.masked_array(distribute(_NON_FINITE, case), mask=distribute(_NON_FINITE_MASK, case))
    e = np.ma.masked_array(_NON_FINITE, mask=_NON_FINITE_MASK)
    calls = {"mean": lambda a, mod, ax: a.mean(axis=ax), "var": lambda a, mod, ax: a.var(axis=ax, ddof=1),
             "std": lambda a, mod, ax: a.std(axis=ax), "average": lambda a, mod, ax: mod.average(a, axis=ax),
             "weighted average": lambda a, mod, ax: mod.average(a, axis=ax, weights=np.arange(1.0, 13.0).reshape(4, 3)),
             "median": lambda a, mod, ax: mod.median(a, axis=ax)}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for axis in (None, 0, 1):
            assert_ma_equal(calls[name](m, ndma, axis), calls[name](e, np.ma, axis), what=f"{name} axis={axis}")
