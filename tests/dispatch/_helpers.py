"""Shared helpers of the dispatch tests: sampling, sub-case verdicts and NumPy comparisons (collective)."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest
from mpi4py import MPI

from numpy_dist.testing import EXHAUSTIVE, assert_dist_equal

COMM = MPI.COMM_WORLD
P = COMM.Get_size()


def pick(seq, k: int, n: int) -> list:
    """``n`` items of ``seq`` from position ``k`` (deterministic rotation); all of them when exhaustive."""
    seq = list(seq)
    if EXHAUSTIVE or n >= len(seq):
        return seq
    step = max(1, len(seq) // n)
    return [seq[(k + i * step) % len(seq)] for i in range(n)]


def public_exc(exc_type: type) -> type:
    """The nearest public exception class (builtins or numpy.exceptions) of ``exc_type``."""
    for k in exc_type.__mro__:
        if k.__module__ in ("builtins", "numpy.exceptions", "numpy"):
            return k
    return exc_type


def shared_between_counts(items) -> list:
    """The sub-cases this rank count runs: all of them at 1 and 2 ranks and when exhaustive; above that,
    every other one, the even ones at even counts and the odd ones at odd counts.

    So the 3- and 4-rank runs split a sweep between them (as the 5- and 8-rank runs of the wide subset
    do) instead of each repeating it whole: every sub-case still runs at 1, at 2 and at 3 or 4 ranks.
    Lists of up to 3 items run whole.  (tests/conftest.py shares the cases of parametrized tests between
    the two counts as well, so above 2 ranks such a case runs half its sub-cases, at one of the counts.)
    """
    items = list(items)
    if EXHAUSTIVE or P <= 2 or len(items) <= 3:
        return items
    return items[P % 2 :: 2]


def run_subcases(items, body) -> None:
    """``body(*item)`` for the items of :func:`shared_between_counts`; a verdict agreed per item; fail at
    the end listing all failures."""
    failures = []
    items = shared_between_counts(items)
    for item in items:
        msg = None
        try:
            body(*item)
        except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001
            msg = f"{item!r}: {type(exc).__name__}: {str(exc)[:400]}"
        everyone = COMM.allgather(msg)
        bad = [f"rank {r}: {m}" for r, m in enumerate(everyone) if m]
        if bad:
            failures.append(bad[0] + (f" (+{len(bad) - 1} ranks)" if len(bad) > 1 else ""))
    if failures:
        pytest.fail(f"{len(failures)}/{len(items)} sub-cases failed:\n" + "\n".join(failures), pytrace=False)


def compare(actual, expected, check_type: bool = True, rtol: float | None = None) -> None:
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), f"got {type(actual).__name__}"
        for a, e in zip(actual, expected):
            assert_dist_equal(a, e, check_type=check_type, rtol=rtol)
        return
    assert_dist_equal(actual, expected, check_type=check_type, rtol=rtol)


def check(f, np_args, d_args, *, quiet: bool = True, check_type: bool = True, rtol: float | None = None):
    """NumPy's ``f(*np_args)`` against ``f(*d_args)``: same values/dtype, or the same exception class."""
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore" if quiet else "warn"):
            try:
                expected = f(*np_args)
            except Exception as exc:  # noqa: BLE001
                with pytest.raises(public_exc(type(exc))):
                    f(*d_args)
                return None
            actual = f(*d_args)
    compare(actual, expected, check_type, rtol)
    return actual


@contextlib.contextmanager
def no_fallback():
    """The fallback refused inside the block (any gathering call raises ``FallbackError``)."""
    import numpy_dist as nd

    old = nd.set_fallback("error")
    try:
        yield
    finally:
        nd.set_fallback(old)


def check_close(f, np_args, d_args, rtol, atol):
    """NumPy's ``f(*np_args)`` against ``f(*d_args)`` with an absolute tolerance too (results combined in
    another order leave rounding-level values where NumPy's are 0), or the same exception class."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = f(*np_args)
        except Exception as exc:  # noqa: BLE001
            with pytest.raises(public_exc(type(exc))):
                f(*d_args)
            return
        actual = f(*d_args)
    assert_dist_equal(actual, expected, rtol=rtol, atol=atol)
