"""The fallback path (functions without a distributed implementation) and ``nd.coverage()``.

A NumPy function with no registered implementation gathers, runs NumPy and
redistributes: it warns :class:`numpy_dist.FallbackWarning` once per
function (mode ``"warn"``), raises :class:`numpy_dist.FallbackError` on every
rank before communicating (mode ``"error"``), or runs silently (``"allow"``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import protocol
from numpy_dist.dispatch import fallback as fallback_mod
from numpy_dist.dispatch.registry import all_ufuncs, qualified_name
from numpy_dist.testing import assert_dist_equal, dist_cases, distribute, rng_data

COMM = MPI.COMM_WORLD

# Functions expected to have no native implementation; each test checks that
# coverage() still lists the one it uses as a fallback (skips otherwise).
CANDIDATES = [
    ("numpy.fliplr", lambda a: np.fliplr(a), (7, 4)),
    ("numpy.convolve", lambda a: np.convolve(a, np.array([1.0, -2.0, 0.5])), (17,)),
    ("numpy.rot90", lambda a: np.rot90(a), (7, 4)),
    ("numpy.unwrap", lambda a: np.unwrap(a), (13, 6)),
    ("numpy.sinc", lambda a: np.sinc(a), (17,)),
    ("numpy.insert", lambda a: np.insert(a, np.array([0, 3, 5]), 1.5), (17,)),
    ("numpy.insert", lambda a: np.insert(a, [0, 3, 5], 1.5), (17,)),  # indices as a list
]
IDS = [c[0] for c in CANDIDATES[:-1]] + ["numpy.insert-list"]


@pytest.fixture
def mode():
    """Restore the fallback mode and forget which functions already warned."""
    old = nd.get_fallback()
    saved = set(fallback_mod._warned)
    fallback_mod._warned.clear()
    yield nd.set_fallback
    nd.set_fallback(old)
    fallback_mod._warned.clear()
    fallback_mod._warned.update(saved)


def _require_fallback(name: str) -> None:
    if name not in nd.coverage()["fallback"]:
        pytest.skip(f"{name} now has a native implementation")


@pytest.mark.parametrize("name,f,shape", CANDIDATES, ids=IDS)
def test_warn_once_and_equal_numpy(name, f, shape, mode):
    _require_fallback(name)
    mode("warn")
    for i, case in enumerate(dist_cases(len(shape))):
        x = rng_data(shape, np.float64, i)
        d = distribute(x, case)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = f(d)
        fw = [w for w in caught if issubclass(w.category, nd.FallbackWarning)]
        # once per function: the first call warns, later calls do not
        assert len(fw) == (1 if i == 0 else 0), f"{case}: {len(fw)} FallbackWarnings: {[str(w.message) for w in fw]}"
        if fw:
            assert name in str(fw[0].message)
        assert_dist_equal(got, f(x))


@pytest.mark.parametrize("name,f,shape", CANDIDATES, ids=IDS)
def test_pytest_warns_fallback(name, f, shape, mode):
    _require_fallback(name)
    mode("warn")
    x = rng_data(shape, np.float64, 1)
    with pytest.warns(nd.FallbackWarning):
        got = f(distribute(x, "block"))
    assert_dist_equal(got, f(x))


@pytest.mark.parametrize("name,f,shape", CANDIDATES, ids=IDS)
def test_error_mode_raises_everywhere_before_communicating(name, f, shape, mode):
    _require_fallback(name)
    mode("error")
    for case in dist_cases(len(shape)):
        d = distribute(rng_data(shape, np.float64, 2), case)
        nd.reset_comm_stats()
        with pytest.raises(nd.FallbackError):
            f(d)
        stats = nd.comm_stats()
        assert stats["collectives"] == 0 and stats["bytes_sent"] == 0, stats
    assert issubclass(nd.FallbackError, TypeError)


@pytest.mark.parametrize("name,f,shape", CANDIDATES, ids=IDS)
def test_allow_mode_is_silent(name, f, shape, mode):
    _require_fallback(name)
    mode("allow")
    for i, case in enumerate(dist_cases(len(shape))):
        x = rng_data(shape, np.float64, i)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = f(distribute(x, case))
        assert_dist_equal(got, f(x))


def test_fallback_result_distribution(mode):
    _require_fallback("numpy.unwrap")
    mode("allow")
    x = rng_data((7, 4), np.float64, 3)
    for case in dist_cases(2):
        d = distribute(x, case)
        r = np.unwrap(d, axis=0)
        assert isinstance(r, nd.DistArray)
        # same shape as the input: the fallback keeps the input's distribution
        assert r.distribution == d.distribution
        assert_dist_equal(r, np.unwrap(x, axis=0))


def test_fallback_numpy_exception_everywhere(mode):
    _require_fallback("numpy.rot90")
    mode("allow")
    x = rng_data((17,), np.float64, 3)
    with pytest.raises(ValueError):
        np.rot90(x)
    for case in dist_cases(1):
        with pytest.raises(ValueError):
            np.rot90(distribute(x, case))


def test_set_fallback_validates_and_returns_previous(mode):
    old = nd.get_fallback()
    assert nd.set_fallback("allow") == old
    assert nd.get_fallback() == "allow"
    assert nd.set_fallback("error") == "allow"
    with pytest.raises(ValueError):
        nd.set_fallback("loud")
    assert nd.get_fallback() == "error"


# --------------------------------------------------------------------------
# coverage()
# --------------------------------------------------------------------------


def test_coverage_shape():
    cov = nd.coverage()
    assert set(cov) == {"native", "fallback"}
    assert cov["native"] == sorted(cov["native"]) and cov["fallback"] == sorted(cov["fallback"])
    assert not set(cov["native"]) & set(cov["fallback"])
    assert all(n.startswith("numpy.") for n in cov["native"] + cov["fallback"])
    for name in ("numpy.sum", "numpy.mean", "numpy.where", "numpy.linalg.norm", "numpy.add", "numpy.add.reduce",
                 "numpy.add.accumulate", "numpy.add.outer", "numpy.add.at", "numpy.sin", "numpy.divmod",
                 "numpy.add.reduceat", "numpy.subtract.reduceat"):
        assert name in cov["native"], name
    for name in ("numpy.lib.recfunctions.join_by",):  # records: no distributed join
        assert name in cov["fallback"], name
    assert COMM.allgather(cov) == [cov] * COMM.size


@pytest.mark.parametrize("ufunc", [u for u in all_ufuncs() if not u.signature],
                         ids=[u.__name__ for u in all_ufuncs() if not u.signature])
def test_coverage_lists_every_ufunc_call_as_native(ufunc):
    cov = nd.coverage()
    assert qualified_name(ufunc) == f"numpy.{ufunc.__name__}"
    assert f"numpy.{ufunc.__name__}" in cov["native"]
    assert f"numpy.{ufunc.__name__}.at" in cov["native"]
    if ufunc.nin == 2 and ufunc.nout == 1:
        for m in ("reduce", "accumulate", "outer"):
            assert f"numpy.{ufunc.__name__}.{m}" in cov["native"], m


def test_coverage_matches_registry():
    """Everything listed as native really dispatches without a FallbackWarning (spot check)."""
    cov = nd.coverage()
    from numpy.testing.overrides import get_overridable_numpy_array_functions

    names = {qualified_name(f) for f in get_overridable_numpy_array_functions()}
    assert names <= set(cov["native"]) | set(cov["fallback"])


# --------------------------------------------------------------------------
# Write-back (the full sweep is tests/dispatch/test_writeback.py)
# --------------------------------------------------------------------------


def test_fallback_writes_back_into_the_target(mode):
    """Issue 15: put_along_axis through the fallback left the target unchanged at any rank count."""
    mode("allow")
    idx = np.array([[0], [2], [5], [1]])
    for case in dist_cases(2):
        expected = np.zeros((4, 6), bool)
        np.put_along_axis(expected, idx, True, axis=1)
        d = distribute(np.zeros((4, 6), bool), case)
        got = protocol.fallback(np.put_along_axis, (d, idx, True), {"axis": 1}, "numpy.put_along_axis")
        assert got is None
        assert_dist_equal(d, expected)


def test_fallback_out_aliasing_an_input(mode):
    """``out`` that is also an input is one NumPy array to NumPy (its overlap rules), written back."""
    mode("allow")
    x = rng_data((17,), np.float64, 4)
    for case in dist_cases(1):
        d = distribute(x, case)
        got = protocol.fallback(np.cumsum, (d,), {"out": d}, "numpy.cumsum")
        assert got is d
        assert_dist_equal(d, np.cumsum(x))


def test_fallback_overwrite_input_is_scratch_not_written_back(mode):
    """``overwrite_input=True`` lets NumPy scribble on a private copy; the DistArray is left as it was."""
    mode("allow")
    x = rng_data((17,), np.float64, 5)
    for case in dist_cases(1):
        d = distribute(x, case)
        got = protocol.fallback(np.median, (d,), {"overwrite_input": True}, "numpy.median")
        assert_dist_equal(got, np.median(x))
        assert_dist_equal(d, x)


def test_fallback_where_keeps_unselected_out_elements(mode):
    """``out`` with ``where=``: the elements not selected keep their values, as in NumPy."""
    mode("allow")
    x = rng_data((7, 4), np.float64, 6)
    mask = x > 0
    expected = rng_data((7, 4), np.float64, 7)
    out0 = expected.copy()
    np.copyto(expected, x, where=mask)
    for case in dist_cases(2):
        d = distribute(out0, case)
        assert protocol.fallback(np.copyto, (d, distribute(x, case)), {"where": mask}, "numpy.copyto") is None
        assert_dist_equal(d, expected)


def test_fallback_gathers_inside_named_tuples(mode):
    """DistArrays inside a named tuple argument are gathered and the tuple keeps its type."""
    from collections import namedtuple

    mode("allow")
    Pair = namedtuple("Pair", "a b")
    x = rng_data((7, 4), np.float64, 8)

    def total(pair):
        assert type(pair) is Pair and all(isinstance(p, np.ndarray) for p in pair)
        return pair.a + pair.b

    for case in dist_cases(2):
        d = distribute(x, case)
        assert_dist_equal(protocol.fallback(total, (Pair(d, d),), {}, "total"), 2 * x)


def test_fallback_names_are_the_documented_ones():
    """nd.coverage()["fallback"] holds only what docs/fallbacks.md lists, each with its reason (at most 10
    names besides numpy.lib.recfunctions, whose joins, masked and recarray results remain)."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "fallbacks.md").read_text()
    table = text.split("<!-- fallback-names")[1].split("<!-- end fallback-names")[0]
    documented = [row.split("`")[1] for row in table.splitlines() if row.startswith("| `")]
    fallback = nd.coverage()["fallback"]
    undocumented = [n for n in fallback
                    if not any(n == d or (d.endswith(".*") and n.startswith(d[:-1])) for d in documented)]
    assert undocumented == [], f"fallback names missing from docs/fallbacks.md: {undocumented}"
    assert len([n for n in fallback if not n.startswith("numpy.lib.recfunctions.")]) <= 10
