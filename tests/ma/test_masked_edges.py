"""Differential tests of nd.ma's edges against numpy.ma (found by the fuzzer's masked families): default fill
values of small integer types, masks of another shape, 0-d results and conditions, fully masked anomalies and
weighted averages, masked_values of masked data, fix_invalid, explicit fill values that do not fit."""

from __future__ import annotations

import numpy as np
import pytest

import numpy_dist as nd
import numpy_dist.ma as ndma
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, assert_raises_like_numpy, dist_cases, distribute

from tests.ma._helpers import assert_ma_equal

CASES_1D = dist_cases(1)
CASES_2D = dist_cases(2)


def masked_pair(x, mask, case):
    """The same masked array in numpy.ma (with a mask array, never nomask) and distributed by ``case``."""
    return ndma.masked_array(distribute(x, case), mask=distribute(mask, case)), np.ma.masked_array(x, mask=mask)


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.float16, np.complex64, np.bool_])
def test_default_fill_value_wraps_into_small_types_as_numpy_mas(case, dtype):
    x = np.arange(7).astype(dtype)
    mask = np.arange(7) % 3 == 0
    m, e = masked_pair(x, mask, case)
    assert_all_ranks(repr(m.fill_value) == repr(e.fill_value), f"{m.fill_value!r} != {e.fill_value!r}")
    with np.errstate(over="ignore"):
        assert_ma_equal(m.filled(), e.filled(), what="filled()")  # 999999 fills a uint8 as 63
        assert_ma_equal(m, e, what="gathered with its fill value")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("mask_shape", [(6,), (3, 2), (1,), (1, 1), (), (3,), (7,)])
@pytest.mark.parametrize("distributed_mask", [False, True])
def test_a_mask_of_another_shape_follows_numpy_mas_rule(case, mask_shape, distributed_mask):
    x = np.arange(6.0).reshape(2, 3)
    mask = (np.arange(int(np.prod(mask_shape))) % 2 == 0).reshape(mask_shape)
    d = distribute(x, case)
    nd_mask = nd.asarray(mask) if distributed_mask else mask

    def numpy_call():
        return np.ma.masked_array(x, mask=mask)

    def nd_call():
        return ndma.masked_array(d, mask=nd_mask)

    size = mask.size
    if size not in (1, x.size):  # NumPy's MaskError (its masks do not broadcast)
        assert_raises_like_numpy(nd_call, numpy_call)
        return
    assert_ma_equal(nd_call(), numpy_call(), what=f"mask of shape {mask_shape}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("condition", [True, False])
def test_masked_where_takes_a_0d_condition(case, condition):
    x = np.arange(6.0).reshape(2, 3)
    e = np.ma.masked_where(np.array(condition), x)
    assert_ma_equal(ndma.masked_where(np.array(condition), distribute(x, case)), e, what="NumPy 0-d condition")
    assert_ma_equal(ndma.masked_where(nd.asarray(np.array(condition)), distribute(x, case)), e,
                    what="distributed 0-d condition")


@pytest.mark.parametrize("masked", [True, False])
def test_a_0d_masked_ufunc_result_is_the_masked_constant(masked):
    x = np.array(2.0)
    m = ndma.masked_array(nd.asarray(x), mask=masked)
    e = np.ma.masked_array(x, mask=np.array(masked))
    for what, call in [("np.sin", np.sin), ("operator +", lambda a: a + 1), ("np.add", lambda a: np.add(a, a)),
                       ("domain", lambda a: np.log(np.subtract(a, 2)))]:
        got, want = call(m), call(e)
        if want is np.ma.masked:
            assert_all_ranks(got is np.ma.masked, f"{what}: {got!r} is not np.ma.masked")
        else:  # numpy.ma: a scalar or a 0-d array by path; numpy_dist: a 0-d masked array
            assert_all_ranks(np.ma.getdata(got.to_numpy_masked()) == np.ma.getdata(want), what)


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.float64])
@pytest.mark.parametrize("axis", [None, 0])
def test_anom_of_a_fully_masked_array_promotes_as_numpy_mas(case, dtype, axis):
    x = np.arange(6).astype(dtype).reshape(2, 3)
    for mask in (np.ones((2, 3), bool), np.array([[True] * 3, [False, True, False]])):
        m, e = masked_pair(x, mask, case)
        assert_ma_equal(m.anom(axis=axis), e.anom(axis=axis), what=f"anom mask={mask.tolist()}")
    zero_d = ndma.masked_array(nd.asarray(np.array(3, dtype)), mask=True)
    assert_all_ranks(zero_d.anom() is np.ma.masked, "0-d fully masked anom")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_weighted_average_returned_masks_the_weight_sum_where_nothing_is_unmasked(case, axis):
    x = np.arange(12.0).reshape(3, 4)
    mask = np.zeros((3, 4), bool)
    mask[:, 1] = True
    w = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    for full in (False, True):
        mm = np.ones_like(mask) if full else mask
        m, e = masked_pair(x, mm, case)
        got = ndma.average(m, axis=axis, weights=distribute(w, case), returned=True)
        want = np.ma.average(e, axis=axis, weights=w, returned=True)
        assert_ma_equal(got[0], want[0], what=f"average (fully masked: {full})")
        assert_ma_equal(got[1], want[1], what=f"sum of weights (fully masked: {full})")


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("dtype, value", [(np.int32, 2.5), (np.int32, 2), (np.float64, 2.0), (np.float64, np.nan),
                                          (np.complex128, 2.0)])
def test_masked_values_of_masked_data_fills_then_compares_as_numpy_mas(case, dtype, value):
    x = np.array([-19, 2, 2, 5, 2, 7, 0]).astype(dtype)
    mask = np.array([0, 1, 0, 0, 0, 1, 0], bool)
    m, e = masked_pair(x, mask, case)
    want = np.ma.masked_values(e, value, shrink=False)
    got = ndma.masked_values(m, value, shrink=False)
    assert_ma_equal(got, want, what="masked_values of masked data")
    assert_ma_equal(ndma.masked_values(distribute(x + 1e-7 * (dtype == np.complex128), case), value, shrink=False),
                    np.ma.masked_values(x + 1e-7 * (dtype == np.complex128), value, shrink=False),
                    what="complex data compares exactly")


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.float32])
def test_fix_invalid_reads_fill_value_only_when_something_is_invalid(case, dtype):
    x = np.arange(9).astype(dtype)
    assert_ma_equal(ndma.fix_invalid(distribute(x, case)), np.ma.fix_invalid(x), what="default fill value")
    assert_ma_equal(ndma.fix_invalid(distribute(x, case), fill_value="bad"),
                    np.ma.fix_invalid(x, fill_value="bad"), what="a bad fill value, nothing invalid")
    if np.dtype(dtype).kind == "f":
        y = x.copy()
        y[-1] = np.nan  # one rank holds the only invalid element: every rank raises
        assert_raises_like_numpy(lambda: ndma.fix_invalid(distribute(y, case), fill_value="bad"),
                              lambda: np.ma.fix_invalid(y, fill_value="bad"))


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_an_explicit_fill_value_that_does_not_fit_raises_numpy_mas_typeerror(case, name):
    x = np.arange(6, dtype=np.uint8).reshape(2, 3)
    m, e = masked_pair(x, np.eye(2, 3, dtype=bool), case)
    assert_raises_like_numpy(lambda: getattr(m, name)(axis=1, fill_value=-100),
                          lambda: getattr(e, name)(axis=1, fill_value=-100))
    assert_ma_equal(getattr(m, name)(axis=1, fill_value=100), getattr(e, name)(axis=1, fill_value=100), what=name)


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_all_and_any_are_nd_ma_functions(case, name, axis):
    x = np.array([[0, 1, 2], [3, 0, 5]])
    m, e = masked_pair(x, np.array([[True, False, False], [False, False, True]]), case)
    assert_ma_equal(getattr(ndma, name)(m, axis=axis), getattr(np.ma, name)(e, axis=axis), what=f"nd.ma.{name}")


@pytest.mark.parametrize("masked", [True, False])
def test_the_element_of_a_0d_masked_array_is_a_scalar_or_masked(masked):
    x = np.array(5, np.int64)
    m, e = ndma.masked_array(nd.asarray(x), mask=masked), np.ma.masked_array(x, mask=np.array(masked))
    got, want = m[()], e[()]
    assert_all_ranks(got is want if masked else type(got) is type(want) and got == want, f"{got!r} != {want!r}")
    assert_ma_equal(m[...], e[...], what="m[...] stays an array")


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("kept", [0, 1, 2, 3])
@pytest.mark.parametrize("ddof", [0, 1, 2, 4])
def test_var_and_std_over_every_axis_divide_by_a_negative_dof_as_numpy_ma(case, kept, ddof):
    x = np.array([3.0, -1.0, 4.0, 1.5, -5.0, 9.0])
    mask = np.arange(6) >= kept
    m, e = masked_pair(x, mask, case)
    for name in ("var", "std"):  # one kept and ddof=2: -0.0; a negative variance's std: masked
        assert_ma_equal(getattr(m, name)(ddof=ddof), getattr(e, name)(ddof=ddof), what=f"{name} ddof={ddof}")
        got, want = getattr(m, name)(ddof=ddof), getattr(e, name)(ddof=ddof)
        if want is not np.ma.masked:
            assert_all_ranks(np.signbit(got) == np.signbit(want), f"{name}: sign of {got!r} != {want!r}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.complex64, np.float32, np.int16])
def test_var_and_std_of_an_empty_array_as_numpy_ma(case, ddof, dtype):
    for shape in ((0, 2), (3, 0)):  # (masked; but numpy.ma's complex path divides a zero sum: -0.0 for ddof > 0)
        x = np.zeros(shape, dtype)
        m, e = masked_pair(x, np.zeros(shape, bool), case)
        for name in ("var", "std"):
            got, want = getattr(m, name)(ddof=ddof), getattr(e, name)(ddof=ddof)
            same = got is want if want is np.ma.masked else got == want and np.signbit(got) == np.signbit(want)
            assert_all_ranks(same, f"{name}{shape} ddof={ddof}: {got!r} != NumPy {want!r}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_anom_masks_as_numpy_mas_subtraction_of_the_means(case, axis):
    x = np.array([[np.nan, 1.0, 2.0], [3.0, np.inf, 5.0]], np.float32)
    mask = np.array([[False, False, True], [False, False, False]])
    m, e = masked_pair(x, mask, case)
    with np.errstate(invalid="ignore"):
        assert_ma_equal(m.anom(axis=axis), e.anom(axis=axis), what=f"anom axis={axis}")
    v, f = masked_pair(x[0], mask[0], "block")  # over every axis the mean is a scalar: a NaN anomaly is unmasked
    with np.errstate(invalid="ignore"):
        assert_ma_equal(v.anom(axis=-1), f.anom(axis=-1), what="1-d anom with a NaN")


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("name", ["masked_inside", "masked_outside"])
@pytest.mark.parametrize("v1, v2", [(0, np.nan), (np.nan, 0), (3, -1), (-1, 3)])
def test_masked_inside_and_outside_order_their_bounds_as_numpy_ma(case, name, v1, v2):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.5, 3.0, 4.0, np.nan])
    with np.errstate(invalid="ignore"):
        assert_ma_equal(getattr(ndma, name)(distribute(x, case), v1, v2), getattr(np.ma, name)(x, v1, v2),
                        what=f"{name}({v1}, {v2})")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("axis", [0, 1])
def test_a_complex_median_with_an_unmasked_nan_is_numpy_mas_last_nan(case, axis):
    nan = np.nan
    x = np.array([[1 + 1j, complex(1, nan), 2, complex(3, nan)],
                  [1 + 1j, complex(nan, 1), 2, complex(nan, 5)],
                  [1 + 1j, complex(nan, nan), complex(nan, 1), 4],
                  [1 + 1j, 2 + 2j, 3, 5]]).astype(np.complex64)
    mask = np.zeros((4, 4), bool)
    mask[1, 2] = mask[3, 0] = True
    m, e = masked_pair(x, mask, case)
    got, want = ndma.median(m, axis=axis), np.ma.median(e, axis=axis)
    assert_ma_equal(got, want, what=f"median axis={axis}")
    g, w = np.ma.getdata(got.to_numpy_masked()), np.ma.getdata(want)  # (allclose takes any NaN for any other)
    same = all(np.array_equal(part(g), part(w), equal_nan=True) for part in (np.real, np.imag))
    assert_all_ranks(same, f"{g} != {w}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("dtype", [np.complex64, np.int16, np.float32])
@pytest.mark.parametrize("axis", [None, 1])
def test_the_sum_of_weights_has_numpy_mas_dtype(case, dtype, axis):
    x = (np.arange(12) - 4).astype(dtype).reshape(3, 4)
    m, e = masked_pair(x, np.eye(3, 4, dtype=bool), case)
    w = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    got = ndma.average(m, axis=axis, weights=distribute(w, case), returned=True)
    want = np.ma.average(e, axis=axis, weights=w, returned=True)
    for g, wv, what in zip(got, want, ("average", "sum of weights")):
        assert_ma_equal(g, wv, rtol=1e-6, what=what)


@pytest.mark.parametrize("case", dist_cases(3))
def test_empty_slices_average_and_median_as_numpy_ma(case):
    x = np.zeros((3, 0, 2), np.float32)
    m, e = masked_pair(x, np.zeros(x.shape, bool), case)
    for axis in (0, 1, 2):
        assert_ma_equal(ndma.median(m, axis=axis), np.ma.median(e, axis=axis), what=f"median axis={axis}")
        if 1 != axis:  # NumPy's np.average divides the sizes 0 / 0 when its result is empty
            assert_raises_like_numpy(lambda: np.average(m, axis=axis), lambda: np.average(e, axis=axis))
        else:
            assert_ma_equal(np.average(m, axis=axis), np.average(e, axis=axis), what=f"np.average axis={axis}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("axis", [None, 1])
def test_a_complex_mean_multiplies_by_one_as_numpy_ma(case, axis):
    x = np.array([[-6.5 - 2.9j, np.inf + 1.4j, 3.3 + 3.2j], [1 + 2j, 2, 3]], np.complex64)  # inf+1j: nan+nanj
    m, e = masked_pair(x, np.zeros(x.shape, bool), case)
    with np.errstate(invalid="ignore"):
        got, want = m.mean(axis=axis), e.mean(axis=axis)
    if axis is None:
        same = np.array_equal(np.isnan([got.real, got.imag]), np.isnan([want.real, want.imag]))
        assert_all_ranks(same, f"{got!r} != NumPy {want!r}")
    else:
        assert_ma_equal(got, want, what="complex mean along an axis")


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("op", ["**", "/", "*", "+"])
def test_a_distarray_on_the_left_of_a_masked_operand_runs_numpy_mas_reflected_operator(case, op):
    x = np.array([17, 6, 19, 0, 0, 3e38, 2], np.float32)
    c = np.array([5.3 + 4.9j, -1.9 + 5.9j, 0.5 - 2.4j, -2.7 - 6.3j, 8.1 - 2.5j, 1e-38, 3], np.complex64)
    mask = np.array([0, 0, 1, 0, 0, 0, 0], bool)
    m, e = masked_pair(c, mask, case)
    f = {"**": lambda a, b: a ** b, "/": lambda a, b: a / b, "*": lambda a, b: a * b, "+": lambda a, b: a + b}[op]
    with np.errstate(all="ignore"):  # (non-finite results are masked by numpy.ma's operators)
        assert_ma_equal(f(distribute(x, case), m), f(x, e), rtol=1e-5, what=f"DistArray {op} masked")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("mask_shape", [(2,), (2, 1), (4, 4), (0,), (1,), (6,), (3, 2), (7,)])
@pytest.mark.parametrize("distributed_mask", [False, True])
def test_assigning_a_mask_of_another_size_repeats_or_cuts_it_as_numpy_ma(case, mask_shape, distributed_mask):
    x = np.arange(6.0).reshape(2, 3)
    new = (np.arange(int(np.prod(mask_shape))) % 3 == 0).reshape(mask_shape)
    m, e = masked_pair(x, np.eye(2, 3, dtype=bool), case)
    m.mask = nd.asarray(new) if distributed_mask else new
    e.mask = new
    assert_ma_equal(m, e, what=f"m.mask = mask of shape {mask_shape}")


INPLACE = {"+=": lambda a, b: a.__iadd__(b), "-=": lambda a, b: a.__isub__(b), "*=": lambda a, b: a.__imul__(b),
           "/=": lambda a, b: a.__itruediv__(b), "//=": lambda a, b: a.__ifloordiv__(b),
           "**=": lambda a, b: a.__ipow__(b), "%=": lambda a, b: a.__imod__(b)}


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("op", list(INPLACE))
@pytest.mark.parametrize("other", ["scalar", "numpy", "distributed", "masked"])
def test_inplace_operators_update_data_and_mask_as_numpy_ma(case, op, other):
    x = np.array([1.0, 2, 3, -4, 0, 2.5, -1])
    mask = np.array([0, 1, 0, 0, 0, 0, 1], bool)
    y = np.array([0.0, 1, 2, 0.5, -1, 0, 3])
    ymask = np.array([1, 0, 0, 0, 1, 0, 0], bool)
    m, e = masked_pair(x, mask, case)
    theirs = {"scalar": 2, "numpy": y, "distributed": y, "masked": np.ma.masked_array(y, mask=ymask)}[other]
    ours = {"scalar": 2, "numpy": y, "distributed": distribute(y, "block"),
            "masked": ndma.masked_array(distribute(y, "cyclic"), mask=distribute(ymask, "block"))}[other]
    with np.errstate(all="ignore"):
        got, want = INPLACE[op](m, ours), INPLACE[op](e, theirs)
    assert_all_ranks(got is m, f"{op} returns the array itself")
    assert_ma_equal(got, want, what=f"m {op} {other}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("ufunc", [np.log, np.sqrt, np.negative])
def test_a_ufunc_into_a_masked_out_tests_the_domain_as_numpy_ma(case, ufunc):
    x = np.array([[1.0, -2, 0], [4, np.nan, -1]])
    mask = np.array([[0, 0, 1], [0, 0, 0]], bool)
    m, e = masked_pair(x, mask, case)
    out, eout = masked_pair(np.zeros((2, 3)), np.zeros((2, 3), bool), case)
    with np.errstate(all="ignore"):
        assert_all_ranks(ufunc(m, out=(out,)) is out, "the output is returned")
        ufunc(e, out=(eout,))
        assert_ma_equal(out, eout, what="into another masked array")
        ufunc(m, out=(m,)), ufunc(e, out=(e,))  # into itself: the domain is tested on the new values
    assert_ma_equal(m, e, what="into itself")
    plain = distribute(np.zeros((2, 3)), case)
    with np.errstate(all="ignore"):
        assert_dist_equal(ufunc(m, out=(plain,)), ufunc(e, out=(np.zeros((2, 3)),)))


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("method, axis", [("reduce", 0), ("reduce", None), ("accumulate", 1), ("reduce", 1)])
def test_ufunc_methods_read_the_data_and_ignore_the_mask_as_numpy(case, method, axis):
    x = np.arange(12.0).reshape(3, 4)
    m, e = masked_pair(x, np.eye(3, 4, dtype=bool), case)
    got, want = getattr(np.add, method)(m, axis=axis), getattr(np.add, method)(e, axis=axis)
    assert_ma_equal(got, want, what=f"np.add.{method}(axis={axis})")


LAYOUT_AND_SCANS = {
    "ravel": lambda a: a.ravel(), "np.ravel F": lambda a: np.ravel(a, order="F"), "flatten": lambda a: a.flatten(),
    "transpose": lambda a: a.transpose(), "np.transpose": lambda a: np.transpose(a, (1, 0)),
    "swapaxes": lambda a: np.swapaxes(a, 0, 1), "squeeze": lambda a: np.squeeze(a[:1], axis=0),
    "cumsum": lambda a: a.cumsum(), "np.cumsum axis 0": lambda a: np.cumsum(a, axis=0),
    "cumprod axis 1": lambda a: a.cumprod(axis=1), "clip": lambda a: np.clip(a, -2, 3), "m.clip": lambda a: a.clip(0),
    "round": lambda a: np.round(a / 3, 1), "around": lambda a: np.around(a * 1.5),
}


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("name", list(LAYOUT_AND_SCANS))
def test_layout_methods_and_filled_scans_as_numpy_ma(case, name):
    x = np.arange(12.0).reshape(3, 4) - 5
    m, e = masked_pair(x, (np.arange(12) % 5 == 0).reshape(3, 4), case)
    assert_ma_equal(LAYOUT_AND_SCANS[name](m), LAYOUT_AND_SCANS[name](e), what=name)



@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("other", [np.arange(2.0), np.arange(3.0), np.ones((4, 2)), np.arange(4.0)])
def test_an_inplace_operand_that_does_not_broadcast_raises_on_every_rank(case, other):
    x = np.arange(12.0).reshape(3, 4)
    m, e = masked_pair(x, np.eye(3, 4, dtype=bool), case)
    for op in ("+=", "**="):
        try:
            INPLACE[op](e, other)
        except ValueError:
            assert_raises_like_numpy(lambda: INPLACE[op](m, other), lambda: INPLACE[op](e.copy(), other))
        else:
            assert_ma_equal(INPLACE[op](m, other), e, what=f"m {op} {other.shape}")


def test_review_fixes_against_numpy_ma():
    x, w = np.array([100, 100, 5], np.int8), np.array([2, 2, 1], np.int8)  # the products in float64, not int8
    got = ndma.average(ndma.masked_array(nd.asarray(x), mask=[0, 0, 1]), weights=w)
    assert_all_ranks(got == np.ma.average(np.ma.masked_array(x, mask=[0, 0, 1]), weights=w), f"average {got}")
    m, e = masked_pair(np.array([1.0, 5, 9, 3]), np.array([0, 1, 0, 0], bool), "cyclic")
    assert_ma_equal(np.clip(m, min=2, max=8), np.clip(e, min=2, max=8), what="np.clip(min=, max=)")
    assert_ma_equal(m.clip(max=4), e.clip(max=4), what="m.clip(max=)")
    got_q = np.divmod(m, 2.0, out=(m.copy(), None))
    want_q = np.divmod(e, 2.0, out=(e.copy(), None))
    for g, w_ in zip(got_q, want_q):
        assert_ma_equal(g, w_, what="divmod with an output NumPy allocates")
    nan = np.array([np.nan, 1, np.nan, 2, 3, np.inf])
    for fill in ([5.0, 6.0, 7.0], [4.0], 9.0, [5.0, 6.0]):
        try:
            want = np.ma.fix_invalid(nan, fill_value=fill)
        except ValueError:
            assert_raises_like_numpy(lambda: ndma.fix_invalid(distribute(nan, "cyclic"), fill_value=fill),
                                  lambda: np.ma.fix_invalid(nan, fill_value=fill))
        else:
            got_fixed = ndma.fix_invalid(distribute(nan, "cyclic"), fill_value=fill)
            assert_ma_equal(got_fixed, want, what=f"fix_invalid(fill_value={fill})")
            data = nd.asnumpy(got_fixed.data)  # (the filled places are masked: compared here)
            assert_all_ranks(np.array_equal(data, want.data), f"fix_invalid data {data} != {want.data}")
    m.mask, e.mask = np.ma.masked, np.ma.masked
    assert_ma_equal(m, e, what="m.mask = np.ma.masked")
