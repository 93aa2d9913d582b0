"""Element-wise functions: numpy_dist vs array_api_strict on special and ordinary values.

Inputs include NaN, +-inf and +-0 (Hypothesis' float strategies), so the
standard's special cases are checked value by value, signed zeros included.
"""

from __future__ import annotations

import array_api_strict as strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpy_dist as nd
from numpy_dist._namespace._elementwise import BINARY, UNARY

from ._oracle import CASES, check, np_arrays, promotable_pairs, rtol_for, xps

SHIFTS = {"bitwise_left_shift", "bitwise_right_shift"}  # negative shifts: unspecified (strict raises ValueError)
# Results computed by different libm paths may differ in the last bit.
INEXACT = {"acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "expm1", "log", "log1p",
           "log2", "log10", "sin", "sinh", "tan", "tanh", "atan2", "hypot", "logaddexp", "pow", "sqrt",
           "sign", "divide", "reciprocal"}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(name: str, data: st.DataObject) -> None:
    dtype = data.draw(xps.scalar_dtypes(), label="dtype")
    x = data.draw(np_arrays(dtype), label="x")
    case = data.draw(st.sampled_from(CASES), label="case")
    check(getattr(nd, name), getattr(strict, name), (x,), case=case, rtol=rtol_for(dtype) if name in INEXACT else 0.0)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary(name: str, data: st.DataObject) -> None:
    d1, d2 = data.draw(promotable_pairs(), label="dtypes")
    s1, s2 = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), label="shapes").input_shapes
    x1 = data.draw(np_arrays(d1, s1), label="x1")
    x2 = data.draw(np_arrays(d2, s2), label="x2")
    case = data.draw(st.sampled_from(CASES), label="case")
    check(getattr(nd, name), getattr(strict, name), (x1, x2), case=case,
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
    check(getattr(nd, name), getattr(strict, name), args, case=data.draw(st.sampled_from(CASES)),
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
