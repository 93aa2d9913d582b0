"""Statistical, utility and searching functions vs array_api_strict (0-d results, dtypes, axes)."""

from __future__ import annotations

import array_api_strict as strict
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import numpy_dist as nd

from ._oracle import CASES, check, np_arrays, rtol_for, xps


def axes(ndim: int) -> st.SearchStrategy:
    """None, one axis (possibly negative) or a tuple of distinct axes."""
    if ndim == 0:
        return st.none()
    one = st.integers(-ndim, ndim - 1)
    many = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple)
    return st.none() | one | many


REDUCTIONS = {
    "sum": xps.numeric_dtypes(), "prod": xps.numeric_dtypes(), "max": xps.real_dtypes(),
    "min": xps.real_dtypes(), "mean": xps.floating_dtypes(), "std": xps.floating_dtypes(sizes=(32, 64)),
    "var": xps.floating_dtypes(sizes=(32, 64)), "all": xps.scalar_dtypes(), "any": xps.scalar_dtypes(),
    "count_nonzero": xps.scalar_dtypes(),
}


def _rounding_bounds(name: str, x: np.ndarray) -> tuple[float, float]:
    """(rtol, atol) from the dtype's eps and the count: rounding bounds of a sum in another order.

    A sum of ``n`` terms in any order errs by at most about ``n * eps * max|x|``
    (each side, the oracle's and ours); the squared deviations of a variance
    by ``n * eps * max|x|**2`` (cancellation: the error scales with the data,
    not the result); a square root turns an absolute error ``e`` of the
    variance into at most ``sqrt(e)``.  The magnitudes are taken in float64,
    so a float32 square does not overflow into an infinite tolerance.
    """
    eps = float(np.finfo(x.dtype).eps)
    n = max(1, x.size)
    finite = np.abs(x[np.isfinite(x)]).astype(np.float64)
    big = np.float64(finite.max()) if finite.size else np.float64(0.0)
    slack = 8 * n * eps  # both sides' errors, and a division by n - correction >= n / 2
    with np.errstate(over="ignore"):  # (float64 data beyond 1e154: the variance itself overflows)
        atol = {"sum": slack * big, "mean": slack * big, "var": slack * big ** 2,
                "std": (slack ** 0.5) * big}[name]
    return slack, float(atol)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reduction(name: str, data: st.DataObject) -> None:
    dtype = data.draw(REDUCTIONS[name], label="dtype")
    x = data.draw(np_arrays(dtype, min_side=1 if name in ("max", "min") else 0), label="x")
    if name == "prod" and x.dtype.kind == "c":
        # A complex product that overflows has an inf/NaN pattern set by the order of the multiplications
        # (NumPy's sequential loop), which no blocked order reproduces.
        with np.errstate(all="ignore"):
            assume(bool(np.all(np.isfinite(np.prod(x.astype(np.clongdouble))))))
    kwargs = {"axis": data.draw(axes(x.ndim), label="axis"), "keepdims": data.draw(st.booleans(), label="keepdims")}
    if name in ("std", "var"):
        kwargs["correction"] = data.draw(st.sampled_from([0, 1, 0.5]), label="correction")
    rtol, atol = rtol_for(dtype), None
    if name in ("std", "var", "mean", "sum") and np.dtype(dtype).kind in "fc":
        rtol, atol = _rounding_bounds(name, x)
    out = check(getattr(nd, name), getattr(strict, name), (x,), kwargs, case=data.draw(st.sampled_from(CASES)),
                rtol=rtol, atol=atol)
    if out is not None:
        assert isinstance(out, nd.DistArray)  # 0-d arrays, never scalars


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(data=st.data())
def test_arg_reduction(name: str, data: st.DataObject) -> None:
    x = data.draw(np_arrays(data.draw(xps.real_dtypes()), min_side=1), label="x")
    axis = data.draw(st.none() | st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1) if x.ndim else st.none())
    out = check(getattr(nd, name), getattr(strict, name), (x,), {"axis": axis, "keepdims": data.draw(st.booleans())},
                case=data.draw(st.sampled_from(CASES)))
    assert out is None or isinstance(out, nd.DistArray)


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@given(data=st.data())
def test_cumulative(name: str, data: st.DataObject) -> None:
    dtype = data.draw(xps.numeric_dtypes())
    # Complex infinities: multiplying by the initial 1 (the oracle) is not copying (NumPy's cumprod).
    x = data.draw(np_arrays(dtype, min_dims=1).filter(lambda a: a.dtype.kind != "c" or np.isfinite(a).all()),
                  label="x")
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) if x.ndim > 1 else st.none() | st.just(0), label="axis")
    kwargs = {"axis": axis, "include_initial": data.draw(st.booleans(), label="include_initial")}
    check(getattr(nd, name), getattr(strict, name), (x,), kwargs, case=data.draw(st.sampled_from(CASES)),
          rtol=rtol_for(dtype))


@given(data=st.data())
def test_diff(data: st.DataObject) -> None:
    x = data.draw(np_arrays(data.draw(xps.real_dtypes()), min_dims=1), label="x")
    kwargs = {"axis": data.draw(st.integers(-x.ndim, x.ndim - 1)), "n": data.draw(st.integers(0, 2))}
    check(nd.diff, strict.diff, (x,), kwargs, case=data.draw(st.sampled_from(CASES)))


@given(data=st.data())
def test_nonzero(data: st.DataObject) -> None:
    x = data.draw(np_arrays(data.draw(xps.scalar_dtypes()), min_dims=1), label="x")
    check(nd.nonzero, strict.nonzero, (x,), case=data.draw(st.sampled_from(CASES)))


def test_nonzero_0d_raises() -> None:
    with pytest.raises(ValueError):
        nd.nonzero(nd.asarray(1.0))


@given(data=st.data())
def test_where(data: st.DataObject) -> None:
    x1 = data.draw(np_arrays(np.float64, (3, 4)), label="x1")
    cond = data.draw(np_arrays(np.bool_, (4,)), label="cond")
    x2 = data.draw(st.floats(-1, 1) | np_arrays(np.float64, (1, 4)), label="x2")
    check(nd.where, strict.where, (cond, x1, x2), case=data.draw(st.sampled_from(CASES)))


@given(data=st.data())
def test_searchsorted(data: st.DataObject) -> None:
    x1 = np.sort(data.draw(np_arrays(np.float64, (data.draw(st.integers(0, 8)),)), label="x1"))
    x2 = data.draw(np_arrays(np.float64, (3,)), label="x2")
    check(nd.searchsorted, strict.searchsorted, (x1, x2), {"side": data.draw(st.sampled_from(["left", "right"]))},
          case=data.draw(st.sampled_from(CASES)))


@given(data=st.data())
def test_bad_axis_raises_like_the_oracle(data: st.DataObject) -> None:
    x = data.draw(np_arrays(np.float64, min_dims=1), label="x")
    name = data.draw(st.sampled_from(["sum", "max", "mean", "any", "argmax"]))
    check(getattr(nd, name), getattr(strict, name), (x,), {"axis": x.ndim + 1})
