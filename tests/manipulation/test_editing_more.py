"""np.insert, put_along_axis, block, resize, piecewise, ix_, tri, require and putmask with aligned values,
against NumPy over the distribution cases, with no fallback."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_dist_equal, dist_cases, distribute

from tests.dispatch._helpers import check, run_subcases

P = MPI.COMM_WORLD.Get_size()


pytestmark = pytest.mark.usefixtures("refuse_fallback")


SHAPES = [(7,), (4, 6), (3, 4, 5), (1,), (0,), (3, 0), (2, 3, 0)]


def data(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(-5, 6, size=shape).astype(dtype)


def maybe(x, case):
    """``x`` distributed as ``case`` when that case applies to its shape, else ``x`` itself."""
    return distribute(x, case) if case in dist_cases(np.ndim(x)) else x


# -------------------------------------------------------------------- insert


INSERT_OBJS = [0, 1, -1, 2, slice(1, 3), slice(None, None, -2), [0, 2, 2], [-1, 0], (1, 3), [], 9, -9, [5, 1],
               np.array([1]), np.array([], dtype=np.intp), np.array([True, False, True]), 2.5, [[1]],
               [1.5], True, [-9, 0], [0, -9, 1], [1.0, 2.0], np.array([]), [-8, -8]]


@pytest.mark.parametrize("shape", SHAPES)
def test_insert_positions(shape):
    x = data(shape)
    axes = [None] + list(range(len(shape))) + [-1]

    def body(case, axis):
        d = distribute(x, case)
        for obj in INSERT_OBJS:
            check(lambda a: np.insert(a, obj, 7.5, axis=axis), (x,), (d,))

    run_subcases([(c, ax) for c in dist_cases(len(shape)) for ax in axes], body)


def test_insert_values_broadcast():
    x = data((4, 6))
    col = np.arange(4.0) * 10
    cases = [(1, 99, 1), (1, col, 1), (1, col[:, None], 1), ([1], col[:, None], 1), (1, [[7], [8], [9], [10]], 1),
             ([2, 2], [[1, 2]] * 4, 1), ([0, 3], [1.0, 2.0], 1), (2, np.arange(12.0).reshape(2, 6), 0),
             (slice(0, 4, 2), np.ones((2, 6)), 0), (2, np.ones((1, 1, 6)), 0), (1, np.ones((3, 5)), 0),
             ([1, 2], np.ones(3), 1)]

    def body(case, vcase):
        d = distribute(x, case)
        for obj, vals, axis in cases:
            dvals = maybe(np.asarray(vals, float), vcase) if vcase else vals
            check(lambda a, v: np.insert(a, obj, v, axis=axis), (x, vals), (d, dvals))

    run_subcases([(c, vc) for c in dist_cases(2) for vc in (None, "block", "cyclic", "replicated")], body)


def test_insert_dtypes_and_obj_forms():
    for dtype, value in [(np.complex128, 1 + 2j), (np.bool_, True), ("<U3", "abc"), (np.int8, 3.7),
                         (np.int64, "x"), (np.float32, [1, 2])]:
        x = data((9,)).astype(dtype)
        run_subcases([(c,) for c in dist_cases(1)],
                     lambda c: check(lambda a: np.insert(a, [1, 4], value), (x,), (distribute(x, c),)))
    x = data((5, 3))
    obj = np.array([0, 2, 5])

    def body(case):
        check(lambda a, o: np.insert(a, o, -1, axis=0), (x, obj), (distribute(x, case), maybe(obj, case)))
        mask = np.array([True, False, False, True, False])
        check(lambda a, o: np.insert(a, o, -1, axis=0), (x, mask), (distribute(x, case), maybe(mask, case)))

    run_subcases([(c,) for c in dist_cases(2)], body)


def test_insert_layout_and_errors():
    x = data((6, 4))
    d = distribute(x, "block")
    r = np.insert(d, 2, 0, axis=1)
    assert isinstance(r, nd.DistArray) and r.distribution.axis_grid == d.distribution.axis_grid
    for f in (lambda a: np.insert(a, 0, 1, axis=2), lambda a: np.insert(a, [[0]], 1, axis=0),
              lambda a: np.insert(a, 1, np.ones((2, 3)), axis=0), lambda a: np.insert(a, 7, 1, axis=0),
              lambda a: np.insert(a, np.array([[True]]), 1, axis=0)):
        check(f, (x,), (d,))


# -------------------------------------------------------------------- put_along_axis


def _put(a, i, v, axis):
    assert np.put_along_axis(a, i, v, axis) is None
    return a


@pytest.mark.parametrize("shape", [(7,), (4, 6), (3, 4, 5), (5, 0)])
def test_put_along_axis(shape):
    rng = np.random.default_rng(3)
    x = data(shape)

    def body(case, axis, icase):
        n = x.size if axis is None else x.shape[axis]
        ishape = (5,) if axis is None else tuple(3 if i == axis % x.ndim else s for i, s in enumerate(shape))
        idx = rng.integers(-n, n, ishape) if n else np.zeros(ishape, np.int64)  # repeated positions: last wins
        vals = rng.integers(10, 99, ishape).astype(float)
        d = distribute(x, case)
        check(lambda a, i, v: _put(a, i, v, axis), (x.copy(), idx, vals), (d, maybe(idx, icase), maybe(vals, icase)))
        if n:  # (NumPy's IndexError otherwise, compared above)
            assert_dist_equal(d, _put(x.copy(), idx, vals, axis))  # written into the DistArray given
        check(lambda a, i: _put(a, i, -1, axis), (x.copy(), idx), (distribute(x, case), idx))

    items = [(c, ax, ic) for c in dist_cases(len(shape)) for ax in [None, 0, -1] for ic in ("block", "cyclic", None)]
    run_subcases(items, body)


def test_put_along_axis_converts_values_as_assignment_and_fills_0d():
    """Fuzz: values are converted as NumPy's assignment converts them (a Python -1.5 into uint64 is
    OverflowError, a NumPy array is cast), and a 0-d target with axis=None takes the last value."""
    x = np.arange(21, dtype=np.uint64).reshape(3, 7)
    idx = np.array([[0, 1, 1, 0, 2, 0, 0]])
    for case in ("block", "unstructured", "replicated"):
        check(lambda a: _put(a, idx, -1.5, 0), (x.copy(),), (distribute(x, case),))
        check(lambda a: _put(a, idx, np.array(-1.5), 0), (x.copy(),), (distribute(x, case),))
        check(lambda a: _put(a, idx, 2**70, 0), (x.copy(),), (distribute(x, case),))
    for dt, value in [(np.int8, 2), (np.complex64, -1.5), (np.uint64, True), (np.int8, [3, 4])]:
        z = np.array(5, dt)
        for i in (np.array([0]), np.array([0, 0]), np.array([1]), np.array([], np.intp)):
            check(lambda a: _put(a, i, value, None), (z.copy(),), (nd.asarray(z),))


def test_put_along_axis_broadcast_and_errors():
    x = data((4, 6))
    first = np.argmax(x, axis=1)[:, None]

    def body(case):
        d = distribute(x, case)
        check(lambda a, i: _put(a, i, 99, 1), (x.copy(), first), (d, maybe(first, case)))
        row = np.array([[0, 0, 5]])
        check(lambda a: _put(a, row, np.array([[7, 8, 9]]), 1), (x.copy(),), (distribute(x, case),))
        check(lambda a: _put(a, np.array([[1], [0], [2], [3]]), np.arange(4.0)[:, None], 0),
              (x.copy(),), (distribute(x, case),))
        for f in (lambda a: _put(a, np.array([[0], [7], [0], [0]]), 1, 1),  # out of bounds
                  lambda a: _put(a, np.array([[0.5]]), 1, 1),  # not integers
                  lambda a: _put(a, np.array([0]), 1, 1),  # wrong ndim
                  lambda a: _put(a, np.array([[0], [1]]), 1, 1),  # does not broadcast
                  lambda a: _put(a, np.array([[0], [1], [2], [3]]), np.ones((3, 2)), 1),
                  lambda a: _put(a, np.array([[0]]), 1, None),
                  lambda a: _put(a, np.array([[0]]), 1, 2)):
            check(f, (x.copy(),), (distribute(x, case),))

    run_subcases([(c,) for c in dist_cases(2)], body)


# -------------------------------------------------------------------- block


def test_block():
    a, b, c = data((3, 4)), data((3, 2), seed=1), data((2, 6), np.int32, seed=2)
    v, w = data((4,)), data((2,), seed=5)

    def body(case):
        da, db, dc = distribute(a, case), maybe(b, case), maybe(c, case)
        check(lambda p, q, r: np.block([[p, q], [r]]), (a, b, c), (da, db, dc))
        check(lambda p, q: np.block([[p, q], [q, p]]) if p.shape == q.shape else np.block([p, p]), (a, a), (da, da))
        check(lambda p: np.block([[[p]], [[p]]]), (a,), (da,))
        check(lambda p: np.block([p, np.zeros((3, 1), np.complex64)]), (a,), (da,))
        check(lambda p: np.block(p), (a,), (da,))
        check(lambda p, q: np.block([p, q, 1.5]), (v, w), (maybe(v, case), maybe(w, case)))
        check(lambda p: np.block([[p], [1, 2, 3, 4]]), (v,), (maybe(v, case),))
        for f in (lambda p: np.block([p, (p,)]), lambda p: np.block([[p], []]), lambda p: np.block([[p], p]),
                  lambda p: np.block([[p, p[:2]]]), lambda p: np.block([p, np.array(["x"])])):
            check(f, (a,), (da,))

    run_subcases([(c,) for c in dist_cases(2)], body)


# -------------------------------------------------------------------- resize


@pytest.mark.parametrize("shape", SHAPES)
def test_resize(shape):
    x = data(shape, np.complex128) * (1 + 1j)
    new_shapes = [(5,), (7, 11), 3, (2, 3, 4), (100,), (), (0, 3), 24, (1,), (x.size,), [2, 2]]

    def body(case):
        d = distribute(x, case)
        for ns in new_shapes:
            check(lambda a: np.resize(a, ns), (x,), (d,))
        for bad in ((-1, 2), (2.5,), "x"):
            check(lambda a: np.resize(a, bad), (x,), (d,))

    run_subcases([(c,) for c in dist_cases(len(shape))], body)


def test_resize_large_moves_no_whole_array():
    x = np.arange(20000, dtype=np.float64)  # larger than any silent gather
    d = distribute(x, "cyclic")
    assert_dist_equal(np.resize(d, (3, 17001)), np.resize(x, (3, 17001)))
    assert_dist_equal(np.resize(d, (7,)), np.resize(x, (7,)))


# -------------------------------------------------------------------- piecewise


@pytest.mark.parametrize("shape", [(7,), (4, 6), (0,), (2, 3, 4), ()])
def test_piecewise(shape):
    x = np.linspace(-3, 3, int(np.prod(shape))).reshape(shape)

    def body(case):
        d = distribute(x, case)
        check(lambda a: np.piecewise(a, [a < 0, a >= 0], [lambda v: -v, lambda v: 2 * v]), (x,), (d,))
        check(lambda a: np.piecewise(a, [a < -1, a > 1], [-1, 1, lambda v: v ** 2]), (x,), (d,))
        check(lambda a: np.piecewise(a, a < 0, [0, lambda v, k: v + k], 5), (x,), (d,))
        check(lambda a: np.piecewise(a, [a < 0], [lambda v, k=0: v * k], k=3), (x,), (d,))
        check(lambda a: np.piecewise(a, [True], [4]), (x,), (d,))
        check(lambda a: np.piecewise(a, [a > 0], [1, 2, 3]), (x,), (d,))
        check(lambda a: np.piecewise(a, [a > 0, a[..., :1] > 0], [1, 2]) if a.ndim else a, (x,), (d,))

    run_subcases([(c,) for c in dist_cases(len(shape))], body)


def test_piecewise_operands():
    x = data((5, 4)).astype(np.int32)
    row = np.array([True, False, True, False, True])

    def body(case, c2):
        d = distribute(x, case)
        cond = x > 0
        check(lambda a, c: np.piecewise(a, [c, ~c], [lambda v: v * 2.7, 9]), (x, cond), (d, maybe(cond, c2)))
        check(lambda a: np.piecewise(a, [row], [-1, 1]), (x,), (d,))  # a condition on the leading axis
        check(lambda c: np.piecewise(np.arange(20).reshape(5, 4), [c], [lambda v: -v]), (cond,), (maybe(cond, c2),))

    run_subcases([(c, c2) for c in dist_cases(2) for c2 in ("block", "cyclic", "replicated")], body)


# -------------------------------------------------------------------- ix_, tri, require


def test_ix():
    x = data((5, 6))
    r, c = np.array([0, 2, 4]), np.array([True, False, True, True, False, True])

    def body(case):
        dr, dc = maybe(r, case), maybe(c, case)
        check(lambda p, q: np.ix_(p, q), (r, c), (dr, dc))
        check(lambda p: np.ix_(p), (r,), (dr,))
        check(lambda p, q: np.ix_(p, [], q), (r, c), (dr, dc))
        check(lambda p: np.ix_(p, [1, 2]), (np.array([], np.int64),), (maybe(np.array([], np.int64), case),))
        check(lambda a, p, q: a[np.ix_(p, q)], (x, r, c), (distribute(x, case), dr, dc))
        check(lambda p: np.ix_(p, np.ones((2, 2))), (r,), (dr,))
        check(lambda p: np.ix_(p), (x,), (distribute(x, case),))

    run_subcases([(c,) for c in dist_cases(1)], body)


def test_tri_like():
    like = distribute(np.zeros(3), "block")
    for args, kw in [((5,), {}), ((4, 7, 1), {}), ((6, 3, -2), {}), ((0, 3), {}), ((3,), {"dtype": int}),
                     ((4,), {"k": 10}), ((3,), {"dtype": bool}), ((-2,), {}), ((2.5,), {}), ((3,), {"dtype": "nope"})]:
        check(lambda lk: np.tri(*args, **kw, like=lk), (None,), (like,), check_type=False)
    r = np.tri(5, like=like)
    assert isinstance(r, nd.DistArray) and r.comm is like.comm and r.dist == ("b", "n")


def test_require_like():
    x = data((4, 3))

    def body(case):
        d = distribute(x, case)
        assert np.require(d, requirements=["C", "W"], like=d) is d
        assert np.require(d, like=d) is d
        for req in ("F", "O", "E", ["A", "ALIGNED"], "CA", None, "", ["c"]):
            assert_dist_equal(np.require(d, requirements=req, like=d), x)
        assert_dist_equal(np.require(d, np.float32, "C", like=d), np.require(x, np.float32, "C"))
        r = np.require(d[:, 1:], requirements="O", like=d)
        assert all(np.asarray(r.local).flags.owndata for _ in [0]) and not np.shares_memory(r.local, d.local)
        assert_dist_equal(np.require(x, requirements="E", like=d), x, check_type=False)
        for bad in ("CF", "X"):
            check(lambda a: np.require(a, requirements=bad, like=a), (x,), (d,), check_type=False)

    run_subcases([(c,) for c in dist_cases(2)], body)


# -------------------------------------------------------------------- putmask with aligned values


@pytest.mark.parametrize("shape", [(7,), (4, 6), (3, 4, 5), (0,), (2, 0)])
def test_putmask_aligned_values(shape):
    x = data(shape)
    mask = x > 0
    vals = np.arange(x.size, dtype=np.float64).reshape(shape) * 10

    def body(case, vcase):
        d = distribute(x, case)
        check(lambda a, m, v: (np.putmask(a, m, v), a)[1], (x.copy(), mask, vals), (d, maybe(mask, case),
                                                                                     maybe(vals, vcase)))
        assert_dist_equal(d, np.where(mask, vals, x))  # written into the DistArray given
        flat = vals.reshape(-1)
        check(lambda a, v: (np.putmask(a, mask, v), a)[1], (x.copy(), flat), (distribute(x, case), maybe(flat, vcase)))
        check(lambda a, v: np.putmask(a, mask, v), (x.astype(np.int16), vals),
              (distribute(x.astype(np.int16), case), maybe(vals, vcase)))  # unsafe cast: TypeError

    run_subcases([(c, vc) for c in dist_cases(len(shape)) for vc in ("block", "cyclic", "replicated")], body)


def test_putmask_large_aligned_values_are_not_gathered():
    x = np.zeros(20000)
    vals = np.arange(20000.0)  # 160 kB: a whole-array read would be refused in "error" mode
    d = distribute(x, "block")
    np.putmask(d, distribute(vals % 3 == 0, "cyclic"), distribute(vals, "cyclic"))
    assert_dist_equal(d, np.where(vals % 3 == 0, vals, 0.0))
