"""Element-wise functions: numpy_dist vs array_api_strict on special and ordinary values.

Inputs include NaN, +-inf and +-0 (Hypothesis' float strategies), so the
standard's special cases are checked value by value, signed zeros included.
"""

from __future__ import annotations

from typing import Any

import array_api_strict as strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpy_dist as nd
from numpy_dist._namespace._elementwise import BINARY, UNARY
from numpy_dist.testing import assert_all_ranks, distribute

from ._oracle import CASES, check, from_strict, np_arrays, promotable_pairs, rtol_for, xps
from ._spec_cases import FLOOR_DIVIDE, REMAINDER, expected_binary, expected_expm1, expm1_unsigned

SHIFTS = {"bitwise_left_shift", "bitwise_right_shift"}  # negative shifts: unspecified (strict raises ValueError)
# Results computed by different libm paths may differ in the last bit.
INEXACT = {"acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "expm1", "log", "log1p",
           "log2", "log10", "sin", "sinh", "tan", "tanh", "atan2", "hypot", "logaddexp", "pow", "sqrt",
           "sign", "divide", "reciprocal"}



def oracle(name: str) -> Any:
    """array_api_strict's function, with the spec's special-case table applied where NumPy (under strict) misses it."""
    func = getattr(strict, name)
    tables = {"floor_divide": FLOOR_DIVIDE, "remainder": REMAINDER}
    if name in tables:
        return lambda a, b: strict.asarray(expected_binary(tables[name], from_strict(a), from_strict(b),
                                                           from_strict(func(a, b))))
    if name == "expm1":
        return lambda x: strict.asarray(expected_expm1(from_strict(x), from_strict(func(x))))
    return func


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(name: str, data: st.DataObject) -> None:
    dtype = data.draw(xps.scalar_dtypes(), label="dtype")
    x = data.draw(np_arrays(dtype), label="x")
    case = data.draw(st.sampled_from(CASES), label="case")
    check(getattr(nd, name), oracle(name), (x,), case=case, rtol=rtol_for(dtype) if name in INEXACT else 0.0)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary(name: str, data: st.DataObject) -> None:
    d1, d2 = data.draw(promotable_pairs(), label="dtypes")
    s1, s2 = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), label="shapes").input_shapes
    x1 = data.draw(np_arrays(d1, s1), label="x1")
    x2 = data.draw(np_arrays(d2, s2), label="x2")
    case = data.draw(st.sampled_from(CASES), label="case")
    check(getattr(nd, name), oracle(name), (x1, x2), case=case,
          rtol=rtol_for(nd.result_type(d1, d2)) if name in INEXACT else 0.0,
          undefined=(ValueError,) if name in SHIFTS else ())


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_python_scalar(name: str, data: st.DataObject) -> None:
    dtype = data.draw(xps.scalar_dtypes(), label="dtype")
    x = data.draw(np_arrays(dtype), label="x")
    kind = np.dtype(dtype).kind
    scalar = data.draw({"b": st.booleans(), "i": st.integers(-3, 3), "u": st.integers(0, 5),
                        "f": st.floats(-4, 4, width=32), "c": st.complex_numbers(max_magnitude=4)}[kind], label="s")
    first = data.draw(st.booleans(), label="scalar first")
    args = (scalar, x) if first else (x, scalar)
    check(getattr(nd, name), oracle(name), args, case=data.draw(st.sampled_from(CASES)),
          rtol=rtol_for(dtype) if name in INEXACT else 0.0, undefined=(ValueError,) if name in SHIFTS else ())


@given(data=st.data())
def test_clip(data: st.DataObject) -> None:
    dtype = data.draw(xps.real_dtypes(), label="dtype")
    x = data.draw(np_arrays(dtype), label="x")
    lo = data.draw(st.none() | st.integers(0, 3), label="min")
    hi = data.draw(st.none() | st.integers(4, 100), label="max")
    check(nd.clip, strict.clip, (x,), {"min": lo, "max": hi}, case=data.draw(st.sampled_from(CASES)))


@given(data=st.data())
def test_clip_array_bounds(data: st.DataObject) -> None:
    x = data.draw(np_arrays(np.float64, (4, 3)), label="x")
    lo = data.draw(np_arrays(np.float64, (3,)), label="min")
    check(lambda a, b: nd.clip(a, min=b), lambda a, b: strict.clip(a, min=b), (x, lo),
          case=data.draw(st.sampled_from(CASES)))


def test_elementwise_needs_an_array() -> None:
    with pytest.raises(TypeError):
        nd.add(1, 2)
    with pytest.raises(TypeError):
        nd.sin([1.0])


def test_standard_names_share_numpy_implementations() -> None:
    x = nd.asarray(np.linspace(-0.9, 0.9, 7))
    for std_name, ufunc in [("acos", np.arccos), ("atan2", np.arctan2), ("pow", np.power),
                            ("bitwise_left_shift", np.left_shift)]:
        args = (x,) if ufunc.nin == 1 else ((x, x) if ufunc is not np.left_shift else (nd.asarray([1, 2]),) * 2)
        a, b = getattr(nd, std_name)(*args), ufunc(*args)
        assert np.array_equal(nd.asnumpy(a), nd.asnumpy(b), equal_nan=True)


# The spec's special-case tables as input: every pair of special values (and ordinary ones around them).
SPECIAL_REALS = [0.0, -0.0, 1.5, -1.5, 2.0, -3.0, 7.25, np.inf, -np.inf, np.nan, 1e30, -1e-30]
SPECIAL_PARTS = [0.0, -0.0, 1.0, -1.0, 4.0, np.inf, -np.inf, np.nan]


def _same_bits(a: np.ndarray, e: np.ndarray, signed: Any = True) -> np.ndarray:
    """Equal values with equal sign bits (NaN equals NaN; ``signed`` False: signs not compared)."""
    same = (a == e) & ((np.signbit(a) == np.signbit(e)) | ~np.asarray(signed)) | (np.isnan(a) & np.isnan(e))
    return np.asarray(same)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_binary_special_case_table(name: str, dtype: str, case: str) -> None:
    table = {"floor_divide": FLOOR_DIVIDE, "remainder": REMAINDER}[name]
    vals = np.array(SPECIAL_REALS, dtype)
    x1, x2 = (np.ascontiguousarray(v) for v in np.meshgrid(vals, vals, indexing="ij"))
    with np.errstate(all="ignore"):
        numpy_result = getattr(np, name)(x1, x2)
        for a1, a2 in [(x1, x2), (x1, 2.5), (-np.inf, x2)]:  # arrays, then a Python scalar on either side
            d1, d2 = (distribute(a, case) if isinstance(a, np.ndarray) else a for a in (a1, a2))
            got = nd.asnumpy(getattr(nd, name)(d1, d2))
            expected = expected_binary(table, a1, a2, getattr(np, name)(a1, a2))
            bad = ~_same_bits(got, expected)
            assert_all_ranks(got.dtype == expected.dtype and not bad.any(),
                             f"{name}{np.broadcast_arrays(a1, a2)[0][bad][:4], np.broadcast_arrays(a1, a2)[1][bad][:4]}: "
                             f"{got[bad][:4]} != spec {expected[bad][:4]}")
        # NumPy's name keeps NumPy's behaviour on DistArrays
        via_numpy = nd.asnumpy(getattr(np, name)(distribute(x1, case), distribute(x2, case)))
    assert_all_ranks(bool(np.all(_same_bits(via_numpy, numpy_result))), f"np.{name} on DistArrays differs from NumPy")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_expm1_special_case_table(dtype: str, case: str) -> None:
    parts = np.array(SPECIAL_PARTS)
    x = np.array([complex(a, b) for a in parts for b in parts], dtype).reshape(len(parts), len(parts))
    with np.errstate(all="ignore"):
        numpy_result = np.expm1(x)
        got = nd.asnumpy(nd.expm1(distribute(x, case)))
        via_numpy = nd.asnumpy(np.expm1(distribute(x, case)))
    expected = expected_expm1(x, numpy_result)
    unsigned = np.array([expm1_unsigned(float(v.real), float(v.imag)) for v in x.reshape(-1)]).reshape(*x.shape, 2)
    ok = (got.dtype == expected.dtype and _same_bits(got.real, expected.real, ~unsigned[..., 0])
          & _same_bits(got.imag, expected.imag, ~unsigned[..., 1]))
    bad = ~np.asarray(ok)
    assert_all_ranks(not bad.any(), f"expm1{x[bad][:4]}: {got[bad][:4]} != spec {expected[bad][:4]}")
    same_numpy = _same_bits(via_numpy.real, numpy_result.real) & _same_bits(via_numpy.imag, numpy_result.imag)
    assert_all_ranks(bool(np.all(same_numpy)), "np.expm1 on DistArrays differs from NumPy")
