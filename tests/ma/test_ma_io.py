"""nd.ma.save / nd.ma.load: data and mask round trip (compared with numpy.ma), at every distribution case."""

from __future__ import annotations

import os

import numpy as np
import pytest

import numpy_dist as nd
import numpy_dist.ma as ndma
from numpy_dist.testing import assert_all_ranks
from numpy_dist.testing import dist_cases, distribute

from tests.io._helpers import make_shared_dir, remove_shared_dir
from tests.ma._helpers import assert_ma_equal


@pytest.fixture
def shared_dir():
    path = make_shared_dir()
    yield path
    remove_shared_dir(path)


@pytest.mark.parametrize("case", dist_cases(2))
def test_save_load_round_trip(shared_dir, case):
    x = np.arange(35.0).reshape(7, 5)
    x[::3, 1] = np.nan
    m = ndma.masked_invalid(distribute(x, case))
    path = os.path.join(shared_dir, "m.npy")
    ndma.save(path, m)
    back = ndma.load(path, dist="c")
    assert_ma_equal(back, np.ma.masked_invalid(x), what="round trip")
    assert_ma_equal(back.mean(axis=0), np.ma.masked_invalid(x).mean(axis=0), what="mean after load")


@pytest.mark.parametrize("case, codes", [("block", ("c", "n")), ("cyclic", ("b", "n")), ("grid_bb", ("b", "b"))])
def test_nd_save_and_load_take_masked_arrays(shared_dir, case, codes):
    x = np.arange(24).reshape(6, 4)
    m = ndma.masked_greater(distribute(x, case), 17)
    path = os.path.join(shared_dir, "g")
    nd.save(path, m)                       # -> g.npy and g.mask.npy
    back = nd.load(path + ".npy", dist=codes)
    assert_ma_equal(back, np.ma.masked_greater(x, 17), what="nd.load of a masked save")
    plain = nd.load(path + ".npy", masked=False)
    assert_all_ranks(type(plain) is nd.DistArray, "masked=False reads the data only")
    mapped = nd.load(path + ".npy", mmap_mode="r")
    assert_ma_equal(mapped.sum(axis=0), np.ma.masked_greater(x, 17).sum(axis=0), what="mapped masked load")
    assert_all_ranks(np.array_equal(np.load(path + ".npy"), x), "the data file is plain .npy")
