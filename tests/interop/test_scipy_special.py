"""scipy.special: elementwise special functions of a DistArray stay distributed.

Without ``SCIPY_ARRAY_API`` they are NumPy ufuncs (DistArray.__array_ufunc__);
with it, SciPy looks for the namespace's ``special`` attribute,
:mod:`numpy_dist.special`, instead of gathering.
"""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute, rng_data

from ._helpers import CASES_1D, CASES_2D

sc = pytest.importorskip("scipy.special")

UNARY = ["erf", "erfc", "gamma", "gammaln", "expit", "ndtr", "log_ndtr", "j0", "i0e", "digamma", "entr"]
BINARY = ["xlogy", "gammainc", "beta", "binom", "rel_entr"]


def _positive(shape, seed=0):
    return np.abs(rng_data(shape, seed=seed)) / 4 + 0.1


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("case", CASES_2D)
def test_unary_special_functions(name, case):
    x = _positive((7, 3))
    d = distribute(x, case)
    nd.reset_comm_stats()
    got = getattr(sc, name)(d)
    assert nd.comm_stats()["bytes_sent"] == 0 and nd.comm_stats()["implicit_gathers"] == 0
    assert_all_ranks(isinstance(got, nd.DistArray) and got.distribution == d.distribution, type(got).__name__)
    assert_dist_equal(got, getattr(sc, name)(x), rtol=1e-12)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("case", CASES_1D)
def test_binary_special_functions(name, case):
    x, y = _positive((11,)), _positive((11,), seed=1)
    a, b = distribute(x, case), distribute(y, case)
    nd.reset_comm_stats()
    got = getattr(sc, name)(a, b)
    assert nd.comm_stats()["implicit_gathers"] == 0
    assert_dist_equal(got, getattr(sc, name)(x, y), rtol=1e-12)
    assert_dist_equal(getattr(sc, name)(a, 0.5), getattr(sc, name)(x, 0.5), rtol=1e-12)


@pytest.mark.parametrize("case", CASES_2D)
def test_array_api_reductions_of_special(case):
    x = rng_data((6, 5))
    d = distribute(x, case)
    assert_dist_equal(sc.logsumexp(d, axis=0), sc.logsumexp(x, axis=0), rtol=1e-12)
    assert_dist_equal(sc.softmax(d, axis=1), sc.softmax(x, axis=1), rtol=1e-12)


def test_numpy_dist_special_offers_elementwise_ufuncs_only():
    assert isinstance(nd.special.erf, np.ufunc)
    with pytest.raises(AttributeError):
        nd.special.not_a_function
    assert not hasattr(nd.special, "logsumexp")  # a reduction: SciPy's own array API code handles it
