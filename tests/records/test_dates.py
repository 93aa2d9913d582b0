"""Differential tests of ``datetime64`` / ``timedelta64`` arrays at every rank count: NumPy is the oracle.

Every reduction, scan, sort and set operation, the business-day functions
and date arithmetic, with and without NaT (NaT propagates through max/min
like NaN, is skipped by the nan-functions and sorts last), over the
distribution cases, with the fallback refused.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from numpy_dist.testing import SHAPES_1D, SHAPES_2D, dist_cases, distribute

from tests.dispatch._helpers import check, pick, run_subcases

COMM = MPI.COMM_WORLD

pytestmark = pytest.mark.usefixtures("refuse_fallback")


def dates(shape, seed: int = 0, nat: bool = False) -> np.ndarray:
    """Days around 2020 with ties (and a NaT or two when ``nat``)."""
    rng = np.random.default_rng(seed)
    x = np.datetime64("2020-01-01", "D") + rng.integers(0, 40, shape).astype("m8[D]")
    if nat and x.size:
        x.reshape(-1)[rng.integers(0, x.size, 1 + x.size // 7)] = np.datetime64("NaT")
    return x


def durations(shape, seed: int = 0, nat: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(-30, 30, shape).astype("m8[s]")
    if nat and x.size:
        x.reshape(-1)[rng.integers(0, x.size, 1 + x.size // 7)] = np.timedelta64("NaT")
    return x


SHAPES = SHAPES_1D + SHAPES_2D
CASES = [(s, c, nat) for s in SHAPES for c in dist_cases(len(s)) for nat in (False, True)]

# name -> f(x) for both kinds
COMMON = {
    "max": lambda x: np.max(x) if x.size else x, "min": lambda x: np.min(x) if x.size else x,
    "max0": lambda x: np.max(x, axis=0) if x.shape[0] else x, "min_last": lambda x: np.min(x, axis=-1, initial=None)
    if x.shape[-1] else x,
    "nanmax": lambda x: np.nanmax(x) if x.size else x, "nanmin0": lambda x: np.nanmin(x, axis=0) if x.shape[0] else x,
    "argmax": lambda x: np.argmax(x) if x.size else x, "argmin0": lambda x: np.argmin(x, axis=0) if x.shape[0] else x,
    "nanargmax": lambda x: np.nanargmax(x) if x.size and not np.all(np.isnat(np.asarray(x[...]) if False else x)) else x,
    "ptp": lambda x: np.ptp(x) if x.size else x, "ptp0": lambda x: np.ptp(x, axis=0) if x.shape[0] else x,
    "maximum.reduce": lambda x: np.maximum.reduce(x, axis=None) if x.size else x,
    "fmin.reduce": lambda x: np.fmin.reduce(x, axis=0) if x.shape[0] else x,
    "maximum.accumulate": lambda x: np.maximum.accumulate(x, axis=0),
    "fmin.accumulate_last": lambda x: np.fmin.accumulate(x, axis=-1),
    "sort": lambda x: np.sort(x, axis=None), "sort0": lambda x: np.sort(x, axis=0), "sort_last": lambda x: np.sort(x),
    "argsort": lambda x: np.argsort(x, axis=None, kind="stable"), "argsort0": lambda x: np.argsort(x, axis=0, kind="stable"),
    "unique": lambda x: np.unique(x), "unique_all": lambda x: np.unique(x, return_index=True, return_inverse=True,
                                                                       return_counts=True),
    "unique_not_equal_nan": lambda x: np.unique(x, equal_nan=False),
    "unique_counts_not_equal_nan": lambda x: np.unique(x, return_counts=True, equal_nan=False),
    "quantile": lambda x: np.quantile(x, [0.1, 0.5], method="nearest") if x.size else x,
    "partition_kth": lambda x: np.partition(x.reshape(-1), x.size // 2)[x.size // 2] if x.size else x,
    "lexsort": lambda x: np.lexsort((np.arange(x.size), x.reshape(-1))),
    "clip": lambda x: np.clip(x, x.reshape(-1)[0], x.reshape(-1)[-1]) if x.size else x,
    "unique0": lambda x: np.unique(x, axis=0) if x.ndim > 1 else x,
    "count_nonzero": lambda x: np.count_nonzero(x), "count_nonzero0": lambda x: np.count_nonzero(x, axis=0),
    "diff": lambda x: np.diff(x, axis=0), "median": lambda x: np.median(x) if x.dtype.kind == "m" else np.sort(x),
    "isnat": lambda x: np.isnat(x), "searchsorted": lambda x: np.searchsorted(np.sort(x.reshape(-1)), x[:2].reshape(-1)),
    "minimum_scalar": lambda x: np.minimum(x, x.reshape(-1)[:1].reshape(()) if x.size else x),
    "where": lambda x: np.where(np.isnat(x), x.reshape(-1)[:1].reshape(()) if x.size else x, x),
    "nonzero": lambda x: np.flatnonzero(x),
    "percentile": lambda x: np.percentile(x, [0, 50, 100], method="nearest") if x.size and x.dtype.kind == "m" else x,
    "equal_shifted": lambda x: x == np.roll(x, 1), "less": lambda x: x < np.sort(x, axis=None).reshape(x.shape),
}

SETS = {
    "isin": lambda x, y: np.isin(x, y), "intersect1d": lambda x, y: np.intersect1d(x, y),
    "union1d": lambda x, y: np.union1d(x, y), "setdiff1d": lambda x, y: np.setdiff1d(x, y),
    "setxor1d": lambda x, y: np.setxor1d(x, y), "in1d_invert": lambda x, y: np.isin(x, y, invert=True),
    "intersect1d_indices": lambda x, y: np.intersect1d(x, y, return_indices=True),
}

DATE_ONLY = {
    "minus": lambda x: x - x.reshape(-1)[::-1].reshape(x.shape), "plus_days": lambda x: x + np.timedelta64(3, "D"),
    "plus_array": lambda x: x + np.arange(x.shape[-1]).astype("m8[h]"),
    "astype_s": lambda x: x.astype("M8[s]"), "astype_month": lambda x: x.astype("M8[M]"),
    "is_busday": lambda x: np.is_busday(x),
    "busday_offset": lambda x: np.busday_offset(x, 2, roll="forward"),
    "busday_count": lambda x: np.busday_count(x, x + np.timedelta64(9, "D")),
    "datetime_as_string": lambda x: np.datetime_as_string(x),
}

DELTA_ONLY = {
    "sum": lambda x: np.sum(x), "sum0": lambda x: np.sum(x, axis=0), "sum_last": lambda x: np.sum(x, axis=-1),
    "nansum": lambda x: np.nansum(x), "mean": lambda x: np.mean(x) if x.size else x,
    "mean0": lambda x: np.mean(x, axis=0) if x.shape[0] else x, "nanmean": lambda x: np.nanmean(x) if x.size else x,
    "cumsum": lambda x: np.cumsum(x), "cumsum0": lambda x: np.cumsum(x, axis=0), "nancumsum": lambda x: np.nancumsum(x),
    "add.reduce": lambda x: np.add.reduce(x, axis=0), "add.accumulate": lambda x: np.add.accumulate(x, axis=0),
    "average": lambda x: np.average(x),
    "nanmedian": lambda x: np.nanmedian(x) if x.size else x, "median0": lambda x: np.median(x, axis=0)
    if x.shape[0] else x,
    "divide": lambda x: x / np.timedelta64(7, "s"), "floor_divide": lambda x: x // np.timedelta64(7, "s"),
    "times": lambda x: x * 3, "abs": lambda x: np.abs(x), "negative": lambda x: -x,
    "remainder": lambda x: x % np.timedelta64(7, "s"), "sign": lambda x: np.sign(x),
    "to_days": lambda x: x.astype("m8[m]"), "plus_date": lambda x: np.datetime64("2020-01-01") + x,
}


def _run(funcs, make, k: int = 0):
    def body(shape, case, nat):
        x = make(shape, seed=len(shape) * 10 + shape[0], nat=nat)
        d = distribute(x, case)
        for name, f in funcs.items():
            try:
                check(f, (x,), (d,))
            except AssertionError as exc:  # name the function in the sub-case's failure
                raise AssertionError(f"{name}: {exc}") from None
    run_subcases(pick(CASES, k, 16), body)


SORTS = ("sort", "argsort", "unique", "searchsorted", "median", "percentile", "nonzero")
COMMON_SORTS = {k: v for k, v in COMMON.items() if k.startswith(SORTS)}
COMMON_OTHERS = {k: v for k, v in COMMON.items() if not k.startswith(SORTS)}


@pytest.mark.parametrize("k", range(3))
def test_datetime_reductions_scans_and_comparisons(k):
    _run(COMMON_OTHERS, dates, k)


@pytest.mark.parametrize("k", range(3))
def test_timedelta_reductions_scans_and_comparisons(k):
    _run(COMMON_OTHERS, durations, k)


@pytest.mark.parametrize("k", range(3))
def test_datetime_sorts_and_uniques(k):
    _run(COMMON_SORTS, dates, k)


@pytest.mark.parametrize("k", range(3))
def test_timedelta_sorts_and_uniques(k):
    _run(COMMON_SORTS, durations, k)


def test_datetime_arithmetic_and_calendar():
    _run({k: v for k, v in DATE_ONLY.items() if "bus" not in k}, dates)


def test_business_days():
    _run({k: v for k, v in DATE_ONLY.items() if "bus" in k}, lambda s, seed, nat: dates(s, seed, nat=False))


def test_business_days_nat_errors():
    x = dates((9,), nat=True)
    d = distribute(x, "uneven")
    check(lambda a: np.busday_count(a, a), (x,), (d,))
    check(lambda a: np.is_busday(a), (x,), (d,))
    check(lambda a: np.busday_offset(a, 1), (x,), (d,))


def test_timedelta_reductions_and_arithmetic():
    _run(DELTA_ONLY, durations)


def test_set_operations():
    def body(shape, case, nat):
        for make in (dates, durations):
            x = make(shape, seed=3, nat=nat).reshape(-1)
            y = make((5,), seed=4, nat=nat)
            d = distribute(x, case if len(shape) == 1 else "block")
            for name, f in SETS.items():
                try:
                    check(f, (x, y), (d, y))
                    check(f, (y, x), (y, d))
                except AssertionError as exc:
                    raise AssertionError(f"{name}: {exc}") from None
    run_subcases(pick(CASES, 1, 10), body)
