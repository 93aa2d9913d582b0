"""np.pad in every mode on DistArrays (statistics and ramps included): equal to NumPy, no fallback."""

import warnings

import numpy as np
import pytest
from mpi4py import MPI

from numpy_dist.testing import DIST_CASES, assert_all_ranks, assert_dist_equal, distribute
from tests.dispatch._helpers import pick

COMM = MPI.COMM_WORLD

MODES = [("maximum", {}), ("minimum", dict(stat_length=2)), ("mean", dict(stat_length=((1, 2),))), ("median", {}),
         ("mean", {}), ("linear_ramp", {}), ("linear_ramp", dict(end_values=(5, -3))), ("maximum", dict(stat_length=0)),
         ("edge", {}), ("wrap", {}), ("reflect", {}), ("symmetric", {}), ("constant", dict(constant_values=7)),
         ("minimum", dict(stat_length=-1)), ("mean", dict(bogus=1))]


pytestmark = pytest.mark.usefixtures("refuse_fallback")


@pytest.mark.parametrize("shape", [(5,), (6, 4), (3, 4, 2), (1, 3), (0, 3)], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.int32], ids=["f8", "i4"])
def test_pad_every_mode(shape, dtype):
    x = (np.random.default_rng(len(shape)).normal(size=shape) * 10).astype(dtype)
    # Every mode and width on 4 layouts per shape and dtype, rotating (all of them when exhaustive).
    cases = [c for c in DIST_CASES if DIST_CASES[c](shape, COMM) is not None]
    for case in pick(cases, 4 * (shape[0] + dtype(0).itemsize), 4):
        d = distribute(x, case)
        for mode, kw in MODES:
            for width in (2, ((1, 0),) * len(shape), ((0, 3),) * len(shape)):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the mean of an empty axis
                    try:
                        want, expected_exc = np.pad(x, width, mode, **kw), None
                    except Exception as exc:  # noqa: BLE001 - compared by class
                        want, expected_exc = None, type(exc)
                    try:
                        got, exc_got = np.pad(d, width, mode, **kw), None
                    except Exception as exc:  # noqa: BLE001
                        got, exc_got = None, exc
                if expected_exc is not None or exc_got is not None:
                    ok = expected_exc is not None and isinstance(exc_got, expected_exc)
                    assert_all_ranks(ok, f"{case} {mode} {kw} {width}: NumPy {expected_exc}, ours {exc_got!r}")
                    continue
                assert_dist_equal(got, want)


def test_pad_empty_mode_shape_and_dtype():
    d = distribute(np.arange(12.0).reshape(4, 3), "cyclic")
    got = np.pad(d, ((1, 2), (0, 1)), mode="empty")
    assert_all_ranks(got.shape == (7, 4) and got.dtype == np.float64, f"{got.shape} {got.dtype}")
