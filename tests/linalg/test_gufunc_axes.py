"""np.matmul(..., axes=) and np.vecdot(..., axes=/axis=/keepdims=) on DistArrays: the core axes moved, the
native product, NumPy's result shape; errors as NumPy's; no fallback."""

import numpy as np
import pytest
from mpi4py import MPI

from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

COMM = MPI.COMM_WORLD
CASES = ["block", "cyclic", "uneven", "unstructured", "replicated", "grid_bc"]


pytestmark = pytest.mark.usefixtures("refuse_fallback")


def _alike(numpy_call, our_call):
    try:
        want = numpy_call()
    except Exception as exc:  # noqa: BLE001 - compared by class
        got = None
        try:
            our_call()
        except Exception as ours:  # noqa: BLE001
            got = ours
        assert_all_ranks(isinstance(got, type(exc)), f"NumPy {type(exc).__name__}, ours {got!r}")
        return
    assert_dist_equal(our_call(), want)


@pytest.mark.parametrize("case", CASES)
def test_matmul_axes(case):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4, 5)), rng.normal(size=(5, 3, 2))
    A, B = distribute(a, case), distribute(b, "block")
    for axes in ([(1, 2), (0, 2), (1, 2)], [(-2, -1), (0, -1), (0, 1)], [(1, 2), (0, 2)], [(0, 1), (0, 2), (1, 2)]):
        _alike(lambda: np.matmul(a, b, axes=axes), lambda: np.matmul(A, B, axes=axes))


@pytest.mark.parametrize("case", CASES)
def test_vecdot_axes_axis_keepdims(case):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(4, 6)) + 1j * rng.normal(size=(4, 6)), rng.normal(size=(6, 4))
    X, Y = distribute(x, case), distribute(y, "cyclic")
    for kw, other, OTHER in [(dict(axes=[(0,), (1,), ()]), y, Y), (dict(axis=0, keepdims=True), y.T, Y.T),
                             (dict(axes=[(1,), (0,), (0,)], keepdims=True), y, Y), (dict(axes=[(1,), (0,)]), y, Y),
                             (dict(axis=3), y.T, Y.T)]:
        _alike(lambda: np.vecdot(x, other, **kw), lambda: np.vecdot(X, OTHER, **kw))
    v = x[0]  # 1-d operands: keepdims turns the scalar into a one-element array
    _alike(lambda: np.vecdot(v, v, keepdims=True), lambda: np.vecdot(distribute(v, case), distribute(v, "block"),
                                                                      keepdims=True))
