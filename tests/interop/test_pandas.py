"""pandas: Series and DataFrame built from DistArrays hold the right values.

pandas stores NumPy arrays, so building one gathers: with a FallbackWarning by
default (attributed to the user's line), FallbackError in "error" mode.
"""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, distribute, rng_data

from ._helpers import CASES_1D, CASES_2D

pd = pytest.importorskip("pandas")


@pytest.mark.parametrize("case", CASES_1D)
@pytest.mark.parametrize("n", [0, 1, 7, 20])
def test_series_from_a_distarray(case, n):
    x = rng_data((n,))
    d = distribute(x, case)
    with pytest.warns(nd.FallbackWarning, match=r"nd\.asnumpy") as record:
        s = pd.Series(d, name="v")
    assert any(w.filename == __file__ for w in record)  # reported at this line, not inside pandas
    want = pd.Series(x, name="v")
    if n == 0:  # pandas gives any empty non-ndarray list-like dtype object (GH 29405)
        want = want.astype(object)
    assert_all_ranks(s.equals(want) and s.dtype == want.dtype, f"{s!r} != {want!r}")


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("shape", [(1, 3), (5, 2), (13, 4)])
def test_dataframe_from_a_distarray_and_its_columns(case, shape):
    x = rng_data(shape)
    d = distribute(x, case)
    with pytest.warns(nd.FallbackWarning):
        df = pd.DataFrame(d, columns=list("abcd")[:shape[1]])
    want = pd.DataFrame(x, columns=list("abcd")[:shape[1]])
    assert_all_ranks(df.equals(want), f"{df!r} != {want!r}")
    with pytest.warns(nd.FallbackWarning):
        cols = pd.DataFrame({"first": d[:, 0], "last": d[:, -1]})
    assert_all_ranks(cols.equals(pd.DataFrame({"first": x[:, 0], "last": x[:, -1]})), "columns differ")


def test_series_of_a_row_is_not_an_object_series():
    # The report: pd.Series(d[:, 0]) used to be a length-1 object Series holding the DistArray.
    x = rng_data((6, 3))
    d = distribute(x, "block")
    nd.set_fallback("allow")
    s = pd.Series(d[:, 0])
    assert_all_ranks(len(s) == 6 and s.dtype == np.float64 and np.array_equal(s.to_numpy(), x[:, 0]), repr(s))


def test_error_mode_refuses_on_every_rank():
    d = distribute(rng_data((8, 2)), "cyclic")
    nd.set_fallback("error")
    with pytest.raises(nd.FallbackError):
        pd.DataFrame(d)
    with pytest.raises(nd.FallbackError):
        pd.Series(d[:, 1])
    # The explicit way: gather on purpose, then build the frame.
    df = pd.DataFrame(nd.asnumpy(d))
    assert_all_ranks(df.shape == (8, 2), "explicit gather")
