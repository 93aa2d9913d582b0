"""Temporary elision in DistArray operators: reuse only what nobody else can see."""

import weakref

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist import _deferred, _elision
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

pytestmark = pytest.mark.skipif(not _elision.ENABLED or _deferred.ENABLED,
                                reason="temporary elision is off on this interpreter, or deferred evaluation fuses instead")

N = 200_000  # large enough (> MIN_BYTES per rank at 4 ranks) for elision to apply
CASES = ["block", "cyclic", "uneven", "unstructured"]


def _tracked(make, seen):
    """Call ``make()`` and remember a weak reference to its (temporary) result."""
    t = make()
    seen.append(weakref.ref(t))
    return t


@pytest.mark.parametrize("case", CASES)
def test_chain_equals_numpy_and_reuses_temporaries(case):
    x = np.linspace(-2.0, 2.0, N)
    d = distribute(x, case)
    seen = []
    r = _tracked(lambda: np.sin(d), seen) * 2 + d**2 - np.exp(-d)
    assert_dist_equal(r, np.sin(x) * 2 + x**2 - np.exp(-x))
    assert_all_ranks(seen[0]() is r, "a new block was allocated")  # every operator wrote into np.sin's result


@pytest.mark.parametrize("case", CASES)
def test_named_operands_are_never_overwritten(case):
    x = np.arange(N, dtype=np.float64)
    d = distribute(x, case)
    a = d + 1.0
    b = a * 2.0  # a is named: a new block
    c = 3.0 - a
    e = -a
    assert_dist_equal(a, x + 1.0)
    assert_dist_equal(b, (x + 1.0) * 2.0)
    assert_dist_equal(c, 3.0 - (x + 1.0))
    assert_dist_equal(e, -(x + 1.0))
    assert_dist_equal(d, x)


def test_blocks_seen_elsewhere_are_not_reused():
    x = np.arange(N, dtype=np.float64)
    d = distribute(x, "block")
    handed_out = []

    def with_local_handed_out():
        t = d + 1.0
        handed_out.append(t.local)
        return t

    r = with_local_handed_out() * 2.0
    np.testing.assert_array_equal(handed_out[0], (d + 1.0).local)
    assert_dist_equal(r, (x + 1.0) * 2.0)
    views = []

    def with_view():
        t = d + 1.0
        views.append(t[1:])
        return t

    r = with_view() * 2.0
    assert_dist_equal(views[0], x[1:] + 1.0)
    assert_dist_equal(r, (x + 1.0) * 2.0)


@pytest.mark.parametrize("expr", [
    lambda a: (a + 1) / 2,          # int temporary, float result: new block
    lambda a: (a + 1) * 2.5,        # weak float scalar promotes
    lambda a: (a + 1) + np.float32(1),
    lambda a: -(a * 3) % 7,
    lambda a: abs(a - 10**6),
    lambda a: (a * 2) ** 2,
    lambda a: 7 - (a + 1),
    lambda a: ~(a << 2),
])
def test_dtypes_follow_numpy(expr):
    x = np.arange(N, dtype=np.int64)
    d = distribute(x, "block")
    assert_dist_equal(expr(d), expr(x))


def test_mixed_layouts_and_numpy_operands_are_not_elided():
    x = np.arange(N, dtype=np.float64)
    d1 = distribute(x, "block")
    d2 = distribute(x, "cyclic")
    assert_dist_equal((d1 + 1.0) + d2, (x + 1.0) + x)
    assert_dist_equal((d1 + 1.0) * x, (x + 1.0) * x)
    assert_dist_equal(d1 + (d2 * 2.0), x + x * 2.0)


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb", "cyclic"])
def test_stencil_chain_reuses_the_left_temporary(case):
    x = np.random.default_rng(1).random((400, 300))
    d = distribute(x, case)
    seen = []
    r = _tracked(lambda: d[:-2, 1:-1] + d[2:, 1:-1], seen) + d[1:-1, :-2] + d[1:-1, 2:] - 4 * d[1:-1, 1:-1]
    assert_dist_equal(r, x[:-2, 1:-1] + x[2:, 1:-1] + x[1:-1, :-2] + x[1:-1, 2:] - 4 * x[1:-1, 1:-1])
    if case != "cyclic":  # cyclic slices are not shifted blocks: a new block, like the ordinary path
        assert_all_ranks(seen[0]() is r, "a new block was allocated")
    assert_dist_equal(d, x)


@pytest.mark.parametrize("case", CASES)
def test_unary_ufunc_calls_reuse_temporaries_only(case):
    x = np.linspace(-1.0, 1.0, N)
    d = distribute(x, case)
    seen = []
    r = np.exp(_tracked(lambda: -d, seen))
    assert_dist_equal(r, np.exp(-x))
    if _elision._TEMP["ufunc_call"] > 0:
        assert_all_ranks(seen[0]() is r, "a new block was allocated")
    named = -d
    e = np.exp(named)
    i = np.floor(named)
    assert_dist_equal(named, -x)
    assert_dist_equal(e, np.exp(-x))
    assert_dist_equal(i, np.floor(-x))
    assert_dist_equal(np.isnan(-d), np.isnan(-x))  # bool result: a new block
