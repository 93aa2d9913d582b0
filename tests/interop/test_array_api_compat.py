"""array-api-compat sees numpy_dist as the namespace of a DistArray."""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_dist_equal, distribute, rng_data

from ._helpers import CASES_2D

aac = pytest.importorskip("array_api_compat")


@pytest.mark.parametrize("case", CASES_2D)
def test_namespace_and_helpers(case):
    x = rng_data((5, 4))
    d = distribute(x, case)
    xp = aac.array_namespace(d)
    assert xp is nd and aac.array_namespace(d, d[0]) is nd
    assert aac.is_array_api_obj(d) and not aac.is_numpy_array(d)
    assert aac.size(d) == x.size and aac.device(d) == "cpu" and aac.to_device(d, "cpu") is d
    # Namespace-generic code, written once for any array library.
    def standardise(a):
        xp = aac.array_namespace(a)
        return (a - xp.mean(a, axis=0)) / xp.std(a, axis=0)

    assert_dist_equal(standardise(d), standardise(x), rtol=1e-10)
    with pytest.raises(TypeError):
        aac.array_namespace(d, np.ones(3))  # mixing with NumPy arrays: convert explicitly
