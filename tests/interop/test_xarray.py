"""xarray: a DataArray wrapping a DistArray keeps it distributed.

xarray treats a DistArray as a duck array: reductions, arithmetic, selections
and NumPy ufuncs go through the array's namespace or NumPy's protocols and
return DistArrays (scalars for full reductions); ``.values`` gathers, with a
FallbackWarning.
"""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute, rng_data

from ._helpers import CASES_2D, values

xr = pytest.importorskip("xarray")

OPERATIONS = {
    "sum_time": lambda a: a.sum(dim="time"),
    "mean_space": lambda a: a.mean(dim="space"),
    "max_time": lambda a: a.max("time"),
    "std_all": lambda a: a.std(),
    "cumsum": lambda a: a.cumsum("time"),
    "median": lambda a: a.median("time"),
    "argmax": lambda a: a.argmax("time"),
    "arithmetic": lambda a: a * 2 + 1,
    "ufunc": lambda a: np.sin(a),
    "isel": lambda a: a.isel(time=slice(1, 4)),
    "sel": lambda a: a.sel(time=2),
    "transpose": lambda a: a.T,
    "anomaly": lambda a: a - a.mean("time"),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
@pytest.mark.parametrize("case", CASES_2D)
def test_dataarray_operations_stay_distributed(name, case):
    x = rng_data((6, 4))
    d = distribute(x, case)
    coords = {"time": np.arange(6)}
    got = OPERATIONS[name](xr.DataArray(d, dims=("time", "space"), coords=coords))
    want = OPERATIONS[name](xr.DataArray(x, dims=("time", "space"), coords=coords))
    assert got.dims == want.dims and got.shape == want.shape
    if want.ndim:
        assert_all_ranks(isinstance(got.data, nd.DistArray), f"{name} returned {type(got.data).__name__}")
        assert_dist_equal(got.data, want.values, rtol=1e-10, check_dtype=False)
    else:  # a full reduction: the same scalar on every rank
        assert_dist_equal(values(got.data), want.values, rtol=1e-10, check_dtype=False)


@pytest.mark.parametrize("case", CASES_2D)
def test_values_gathers_with_a_warning(case):
    x = rng_data((5, 3))
    da = xr.DataArray(distribute(x, case), dims=("a", "b"))
    with pytest.warns(nd.FallbackWarning, match=r"nd\.asnumpy"):
        v = da.values
    assert_all_ranks(isinstance(v, np.ndarray) and np.array_equal(v, x), "values differ")
    nd.set_fallback("error")
    with pytest.raises(nd.FallbackError):
        da.to_numpy()
    assert_dist_equal(da.data, x)  # the explicit way: nd.asnumpy(da.data)
