"""Selection and masked writes (np.select, choose, putmask, place, trim_zeros, sort_complex, i0) against
NumPy over the distribution cases, with no fallback."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_dist_equal, dist_cases, distribute

from tests.dispatch._helpers import check, run_subcases

P = MPI.COMM_WORLD.Get_size()


pytestmark = pytest.mark.usefixtures("refuse_fallback")


X = np.array([[1.5, -2.0, np.nan, 0.0, 4.0], [np.inf, 3.0, -0.0, 7.0, -1.0], [2.0, 2.0, 8.0, -np.inf, 5.0]])
SHAPES = {"2d": (3, 5), "1d": (7,), "one": (1,), "empty": (0,), "empty2d": (2, 0)}


def data(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=shape).astype(dtype)
    if x.dtype.kind == "f" and x.size > 2:
        x.flat[1], x.flat[2] = np.nan, np.inf
    return x


# -------------------------------------------------------------------- select


@pytest.mark.parametrize("shape", list(SHAPES.values()))
def test_select(shape):
    x = data(shape)
    i = data(shape, np.int32, 1)

    def body(case, variant):
        dx, di = distribute(x, case), distribute(i, case)
        if variant == 0:
            f = lambda a, b: np.select([a > 0, b < 0], [a, b * 2], default=-7)  # noqa: E731
        elif variant == 1:
            f = lambda a, b: np.select([a > 0, np.isnan(a)], [1.5, b], -1)  # noqa: E731
        elif variant == 2:
            f = lambda a, b: np.select([b == 0], [a])  # noqa: E731
        else:  # NumPy operands mixed in
            f = lambda a, b: np.select([a > 1, True], [np.ones(shape[-1:]), b], default=np.float32(2))  # noqa: E731
        check(f, (x, i), (dx, di))

    run_subcases([(c, v) for c in dist_cases(len(shape)) for v in range(4)], body)


def test_select_broadcast_layouts():
    x = data((4, 6))
    row = data((6,), seed=3)
    run_subcases([(c, c2) for c in dist_cases(2) for c2 in ("block", "cyclic", "replicated")],
                 lambda c, c2: check(lambda a, r: np.select([a > r], [r], default=a), (x, row),
                                     (distribute(x, c), distribute(row, c2))))


def test_select_bad_arguments():
    x = data((3, 4))
    d = distribute(x, "block")
    for f in (lambda a: np.select([a > 0], []),
              lambda a: np.select([], []),
              lambda a: np.select([a], [a]),  # not boolean
              lambda a: np.select([a > 0, a[0] > 0], [a, a]),
              lambda a: np.select([a > 0], [a[:2]]),  # does not broadcast
              lambda a: np.select([a[0] > 0], [a]),  # choice larger than the conditions
              lambda a: np.select([a > 0], [a], default="x")):
        check(f, (x,), (d,))


# -------------------------------------------------------------------- choose


@pytest.mark.parametrize("shape", list(SHAPES.values()))
def test_choose(shape):
    idx = np.abs(data(shape, np.int64, 2)) % 3
    big = data(shape, np.int64, 3) * 3
    c0, c1 = data(shape), data(shape, seed=4)

    def body(case, mode):
        di = distribute(idx, case)
        check(lambda a, x, y: np.choose(a, [x, y, -1.0], mode=mode), (idx, c0, c1),
              (di, distribute(c0, case), distribute(c1, "cyclic" if len(shape) == 1 else case)))
        check(lambda a: np.choose(a, [1, 2], mode=mode), (big,), (distribute(big, case),))
        out_np, out_d = np.zeros(shape), distribute(np.zeros(shape), case)
        np.choose(idx, [c0, c1, c0], out=out_np, mode=mode)
        assert np.choose(di, [distribute(c0, case), c1, c0], out=out_d, mode=mode) is out_d
        assert_dist_equal(out_d, out_np)

    run_subcases([(c, m) for c in dist_cases(len(shape)) for m in ("raise", "wrap", "clip")], body)


def test_choose_distributed_choices_and_errors():
    idx = np.array([0, 1, 1, 0, 2])
    ch = np.arange(15).reshape(3, 5)
    run_subcases([(c,) for c in dist_cases(1)],
                 lambda c: check(np.choose, (idx, ch), (distribute(idx, c), distribute(ch, "block"))))
    d = distribute(idx, "block")
    for f in (lambda a: np.choose(a, [[1, 2]]),  # out of range on some ranks only
              lambda a: np.choose(a.astype(float), [1, 2, 3]),
              lambda a: np.choose(a, [1, 2, 3], mode="bad"),
              lambda a: np.choose(a, []),
              lambda a: np.choose(a, [[1, 2], [1, 2, 3], 3])):
        check(f, (idx,), (d,))
    for out_shape, dtype in (((5,), np.int8), ((4,), float), ((1, 5), float)):
        np_out, d_out = np.zeros(out_shape, dtype), distribute(np.zeros(out_shape, dtype), "cyclic")
        check(lambda a, o: np.choose(a, [[1.5, 2, 3, 4, 5], -7, 300], out=o), (idx, np_out), (d, d_out))


# -------------------------------------------------------------------- putmask / place

TARGETS = {"f8": data((4, 5)), "i4": data((3, 7), np.int32), "1d": data((9,)), "one": data((1,)),
           "empty": data((0, 3)), "c16": data((2, 3)).astype(complex)}
VALUES = [7, [10, 20, 30], np.array([1.5, np.nan]), np.array([3], np.int8), [], np.float64(-2.5), np.nan, 2 ** 70,
          1j, np.array(2.5)]


def _writer_body(func, base, mask_of):
    def body(case, i, mask_case):
        val = VALUES[i]
        mask = mask_of(base)
        expected = base.copy()
        d = distribute(base, case)
        dmask = mask if mask_case is None else distribute(mask, mask_case)
        try:
            func(expected, mask, val)
        except Exception as exc:  # noqa: BLE001
            with pytest.raises(type(exc)):
                func(d, dmask, val)
            return
        assert func(d, dmask, val) is None
        assert_dist_equal(d, expected)
    return body


@pytest.mark.parametrize("fname", ["putmask", "place"])
@pytest.mark.parametrize("name", list(TARGETS))
def test_masked_writes(fname, name):
    base = TARGETS[name]
    cases = dist_cases(base.ndim)
    items = [(c, i, m) for c in cases for i in range(len(VALUES)) for m in (None, "cyclic", c)]
    masks = lambda b: (np.arange(b.size).reshape(b.shape) % 3 == 1)  # noqa: E731
    with np.errstate(invalid="ignore"):
        run_subcases(items, _writer_body(getattr(np, fname), base, masks))


@pytest.mark.parametrize("fname", ["putmask", "place"])
def test_masked_writes_other_masks(fname):
    base = data((4, 3))
    f = getattr(np, fname)
    flat_mask = np.array([0, 2, 0, 1, 0, 0, 3, 0, 0, 0, 0, 1])  # same size, other shape, not boolean
    none = np.zeros((4, 3), bool)
    items = [(c, m) for c in dist_cases(2) for m in (None, "block", "uneven")]

    def body(case, mcase):
        for mask, vals in ((flat_mask, [5.0, 6.0]), (none, []), (none.reshape(2, 6), 1)):
            expected, d = base.copy(), distribute(base, case)
            f(expected, mask, vals)
            f(d, mask if mcase is None else distribute(mask, mcase), vals)
            assert_dist_equal(d, expected)
        dvals = distribute(np.array([9.0, 8.0, 7.0]), "uneven")
        expected, d = base.copy(), distribute(base, case)
        f(expected, flat_mask, np.array([9.0, 8.0, 7.0]))
        f(d, flat_mask, dvals)
        assert_dist_equal(d, expected)

    run_subcases(items, body)


@pytest.mark.parametrize("fname", ["putmask", "place"])
def test_masked_writes_bad_arguments(fname):
    f = getattr(np, fname)
    base = data((3, 4))
    for args in ((np.ones(5, bool), 1), (np.ones(12, bool), []), (np.ones((3, 4), bool), "x")):
        try:
            f(base.copy(), *args)
        except Exception as exc:  # noqa: BLE001
            with pytest.raises(type(exc)):
                f(distribute(base, "uneven"), *args)
        else:
            f(distribute(base, "uneven"), *args)
    with pytest.raises(TypeError):
        f([1.0, 2.0], distribute(np.ones(2, bool), "block"), 1)


# -------------------------------------------------------------------- trim_zeros

TRIM = {
    "1d": np.array([0, 0, 3, 0, 4, 0, 0, 0]),
    "nan": np.array([0.0, -0.0, np.nan, 1.0, 0.0]),
    "zeros": np.zeros(6),
    "empty": np.zeros(0),
    "one": np.array([5]),
    "2d": np.pad(np.arange(1, 7).reshape(2, 3), ((1, 2), (2, 1))),
    "2d-zeros": np.zeros((3, 4), np.int8),
}


@pytest.mark.parametrize("name", list(TRIM))
def test_trim_zeros(name):
    x = TRIM[name]
    axes = [None, 0, -1, (0,)] + ([(0, 1), 1, ()] if x.ndim == 2 else [])
    items = [(c, t, a) for c in dist_cases(x.ndim) for t in ("fb", "f", "b", "BF") for a in axes]
    run_subcases(items, lambda c, t, a: check(lambda v: np.trim_zeros(v, t, axis=a), (x,), (distribute(x, c),)))


def test_trim_zeros_bad_arguments():
    x = TRIM["2d"]
    for f in (lambda v: np.trim_zeros(v, "x"), lambda v: np.trim_zeros(v, axis=2), lambda v: np.trim_zeros(v, 3)):
        check(f, (x,), (distribute(x, "block"),))


# -------------------------------------------------------------------- sort_complex / i0


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.float32, np.float64, np.complex64,
                                   np.complex128, np.longdouble, bool])
def test_sort_complex(dtype):
    for shape in ((3, 5), (7,), (1,), (0,)):
        x = data(shape, dtype, 5)
        run_subcases([(c,) for c in dist_cases(len(shape))],
                     lambda c: check(np.sort_complex, (x,), (distribute(x, c),)))
    check(np.sort_complex, (np.float64(1),), (nd.asarray(np.float64(1)),))


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float64, bool, np.complex128])
def test_i0(dtype):
    for shape in ((3, 5), (7,), (1,), (0,)):
        x = data(shape, dtype, 6)
        run_subcases([(c,) for c in dist_cases(len(shape))],
                     lambda c: check(np.i0, (x,), (distribute(x, c),)))


# -------------------------------------------------------------------- ravel_multi_index / unravel_index

UNRAVEL_SHAPES = [(4, 5), (60,), (3, 4, 5), (2, 1, 3), (0, 3), ()]


@pytest.mark.parametrize("ishape", [(7,), (3, 4), (1,), (0,)])
def test_unravel_index(ishape):
    flat = np.random.default_rng(7).integers(0, 60, size=ishape)
    items = [(c, s, o) for c in dist_cases(len(ishape)) for s in range(len(UNRAVEL_SHAPES)) for o in ("C", "F")]
    run_subcases(items, lambda c, s, o: (
        check(lambda i: np.unravel_index(i, UNRAVEL_SHAPES[s], order=o), (flat,), (distribute(flat, c),)),
        check(lambda i: np.unravel_index(i.astype(np.uint16), UNRAVEL_SHAPES[s], o), (flat,), (distribute(flat, c),))))


def test_unravel_index_bad_arguments():
    flat = np.array([0, 3, 5, 59, 1])
    d = distribute(flat, "block")
    for f in (lambda i: np.unravel_index(i, (3, 4)),  # out of bounds on some ranks only
              lambda i: np.unravel_index(i - 1, (60,)),
              lambda i: np.unravel_index(i.astype(float), (60,)),
              lambda i: np.unravel_index(i, (60,), order="X"),
              lambda i: np.unravel_index(i, (-60,)),
              lambda i: np.unravel_index(i, ())):
        check(f, (flat,), (d,))


@pytest.mark.parametrize("ishape", [(7,), (3, 4), (1,), (0,)])
def test_ravel_multi_index(ishape):
    rng = np.random.default_rng(8)
    rows, cols = rng.integers(-2, 6, size=ishape), rng.integers(-1, 7, size=ishape)
    ok_rows, ok_cols = np.abs(rows) % 4, np.abs(cols) % 5
    items = [(c, m, o) for c in dist_cases(len(ishape)) for m in ("raise", "wrap", "clip", ("clip", "wrap"))
             for o in ("C", "F")]

    def body(c, mode, order):
        for r, k in ((rows, cols), (ok_rows, ok_cols)):
            check(lambda a, b: np.ravel_multi_index((a, b), (4, 5), mode=mode, order=order), (r, k),
                  (distribute(r, c), distribute(k, "replicated")))
            check(lambda a, b: np.ravel_multi_index((a, b, 0), (4, 5, 1), mode, order), (r, k),
                  (distribute(r, c), distribute(k, c)))

    run_subcases(items, body)


def test_ravel_multi_index_distributed_rows_and_errors():
    coords = np.array([[0, 1, 3, 2, 0], [4, 0, 1, 2, 3]])
    run_subcases([(c,) for c in dist_cases(2)],
                 lambda c: check(lambda m: np.ravel_multi_index((m[0], m[1]), (4, 5), order="F"), (coords,),
                                 (distribute(coords, c),)))
    d = distribute(coords, "block")
    for f in (lambda m: np.ravel_multi_index((m[0], m[1]), (4, 4)),  # out of bounds on some ranks only
              lambda m: np.ravel_multi_index((m[0],), (4, 5)),
              lambda m: np.ravel_multi_index((m[0] * 1.0, m[1]), (4, 5)),
              lambda m: np.ravel_multi_index((m[0], m[1]), (4, 5), mode="bad"),
              lambda m: np.ravel_multi_index((m[0], m[1]), (4, 5), order="X"),
              lambda m: np.ravel_multi_index((m[0], m[1, :2]), (4, 5))):
        check(f, (coords,), (d,))


# -------------------------------------------------------------------- append / delete

EDIT = {"2d": data((4, 5)), "1d": data((9,), np.int32), "one": data((1,)), "empty": data((0,)),
        "3d": data((2, 3, 4), np.complex64), "0d": np.array(2.5)}
DELETE_OBJS = [0, -1, 3, np.int64(2), [1, 3], np.array([0, 0, -2]), [], np.array([], np.int64), slice(1, None, 2),
               slice(None, None, -3), slice(5, 1, -1), slice(0, 0), np.array([1]), 10, -20, [0.5], [True], "a"]


@pytest.mark.parametrize("name", list(EDIT))
def test_delete(name):
    x = EDIT[name]
    axes = [None] + list(range(-x.ndim, x.ndim)) + [x.ndim]
    items = [(c, i, ax) for c in dist_cases(x.ndim) for i in range(len(DELETE_OBJS)) for ax in axes]
    run_subcases(items, lambda c, i, ax: check(lambda v: np.delete(v, DELETE_OBJS[i], axis=ax), (x,),
                                               (distribute(x, c),)))


@pytest.mark.parametrize("name", ["2d", "1d", "empty"])
def test_delete_boolean_masks(name):
    x = EDIT[name]
    items = [(c, ax) for c in dist_cases(x.ndim) for ax in (None, 0, -1)]

    def body(c, ax):
        n = x.size if ax is None else x.shape[ax]
        for mask in (np.arange(n) % 3 == 0, np.zeros(n, bool), np.ones(n + 1, bool)):
            check(lambda v: np.delete(v, mask, ax), (x,), (distribute(x, c),))
        if n:
            check(lambda v: np.delete(v, np.arange(n) % 2 == 1, ax), (x,), (distribute(x, c),))

    run_subcases(items, body)


@pytest.mark.parametrize("name", list(EDIT))
def test_append(name):
    x = EDIT[name]
    items = [(c, ax) for c in dist_cases(x.ndim) for ax in [None] + list(range(x.ndim))]

    def body(c, ax):
        check(lambda v: np.append(v, v, axis=ax), (x,), (distribute(x, c),))
        check(lambda v: np.append(v, [7, 8]), (x,), (distribute(x, c),))
        check(lambda v: np.append([1.5], v), (x,), (distribute(x, c),))
        if x.ndim:
            other = np.ones_like(x, dtype=np.float32)
            check(lambda v, w: np.append(v, w, ax), (x, other), (distribute(x, c), distribute(other, "block")))
            check(lambda v: np.append(v, np.ones((1, 1)), axis=ax), (x,), (distribute(x, c),))

    run_subcases(items, body)


# -------------------------------------------------------------------- packbits / unpackbits

PACK = {"bool": np.random.default_rng(9).random((5, 19)) > 0.5, "i8": np.arange(-4, 17).reshape(3, 7) % 3,
        "1d": np.arange(21) % 2 == 0, "short": np.array([1, 0, 1], np.uint8), "one": np.array([True]),
        "empty": np.zeros((0, 4), bool), "0d": np.array(3)}


@pytest.mark.parametrize("name", list(PACK))
def test_packbits(name):
    x = PACK[name]
    items = [(c, ax, o) for c in dist_cases(x.ndim) for ax in [None] + list(range(-x.ndim, x.ndim + 1))
             for o in ("big", "little")]

    def body(c, ax, order):
        check(lambda v: np.packbits(v, axis=ax, bitorder=order), (x,), (distribute(x, c),))
        packed = np.packbits(x, axis=ax, bitorder=order) if (ax is None or -x.ndim <= ax < x.ndim) else x
        if packed.dtype == np.uint8:
            # NumPy 2.4 pads an empty input with uninitialised bytes (not zeros): no padding of empty input
            for count in (None, 0, -2, -200) + ((3, 30) if packed.size else ()):
                check(lambda p: np.unpackbits(p, axis=ax, count=count, bitorder=order), (packed,),
                      (distribute(packed, c if packed.ndim == x.ndim else "uneven"),))

    run_subcases(items, body)


def test_unpackbits_pads_empty_input_with_zeros():
    # NumPy 2.4's own answer here is uninitialised memory; its documentation says the padding is zeros
    for c in dist_cases(1):
        got = np.unpackbits(distribute(np.zeros(0, np.uint8), c), count=5)
        assert_dist_equal(got, np.zeros(5, np.uint8))


def test_packbits_bad_arguments():
    x = np.arange(6.0)
    for f in (lambda v: np.packbits(v), lambda v: np.unpackbits(v), lambda v: np.packbits(v > 1, bitorder="x"),
              lambda v: np.unpackbits(v.astype(np.uint8), count=1.5), lambda v: np.packbits(v > 1, axis=1)):
        check(f, (x,), (distribute(x, "cyclic"),))


@pytest.mark.parametrize("func, mask, values", [
    (np.putmask, True, np.nan), (np.putmask, False, 2.0), (np.putmask, True, [3.0, 4.0]),
    (np.place, True, [7.0]), (np.place, False, [7.0]),
])
def test_masked_writes_into_0d(func, mask, values):
    """A 0-d target (found by the fuzzer: the flat index of a 0-d block has no axis to walk)."""
    expected = np.array(1.5)
    got = nd.asarray(expected.copy())
    func(expected, np.array(mask), values)
    func(got, np.array(mask), values)
    assert_dist_equal(got, expected)


def test_large_distarray_values_are_an_announced_gather():
    """putmask's cyclic values read whole: a large DistArray operand follows the fallback policy.

    (Values of the target's size are aligned element by element instead: test_editing_more.py.)"""
    a = nd.zeros(20_000)
    values = nd.asarray(np.arange(10_000.0))  # repeated twice: any rank may need any value
    with pytest.raises(nd.FallbackError):  # this module runs in "error" mode
        np.putmask(a, np.ones(20_000, bool), values)
    nd.set_fallback("warn")
    with pytest.warns(nd.FallbackWarning):
        np.putmask(a, np.ones(20_000, bool), values)
    assert_dist_equal(a, np.tile(np.arange(10_000.0), 2))
