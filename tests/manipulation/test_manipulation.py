"""Shape manipulation and indexing functions against NumPy over the distribution cases."""

import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, assert_all_ranks, assert_dist_equal, distribute

P = MPI.COMM_WORLD.Get_size()
X = np.arange(7 * 6 * 5, dtype=np.float64).reshape(7, 6, 5)
Y = np.arange(36).reshape(6, 6)
CASES = ["block", "cyclic", "blockcyclic3", "uneven", "unstructured", "grid_bb", "grid_cb", "replicated"]

FUNCS = {
    "reshape": (lambda a: np.reshape(a, (5, 42)), X),
    "reshape-1": (lambda a: np.reshape(a, (-1,)), X),
    "method-reshape": (lambda a: a.reshape(6, 7, 5), X),
    "ravel": (lambda a: np.ravel(a), X),
    "flatten": (lambda a: a.flatten(), X),
    "T": (lambda a: a.T, X),
    "mT": (lambda a: a.mT, X),
    "transpose": (lambda a: np.transpose(a, (1, 0, 2)), X),
    "permute_dims": (lambda a: np.permute_dims(a, (2, 0, 1)), X),
    "swapaxes": (lambda a: np.swapaxes(a, 0, 2), X),
    "moveaxis": (lambda a: np.moveaxis(a, 0, -1), X),
    "expand_dims": (lambda a: np.expand_dims(a, (1, 3)), X),
    "squeeze": (lambda a: np.squeeze(a[:1]), X),
    "concatenate": (lambda a: np.concatenate([a, a[:2]]), X),
    "concatenate2": (lambda a: np.concatenate([a, a], axis=2), X),
    "concatenate-None": (lambda a: np.concatenate([a, a], axis=None), X),
    "stack": (lambda a: np.stack([a, a], axis=1), X),
    "vstack": (lambda a: np.vstack([a, a]), X),
    "hstack": (lambda a: np.hstack([a, a]), X),
    "dstack": (lambda a: np.dstack([a, a]), X),
    "column_stack": (lambda a: np.column_stack([a, a]), Y),
    "flip": (lambda a: np.flip(a), X),
    "flip1": (lambda a: np.flip(a, 1), X),
    "fliplr": (lambda a: np.fliplr(a), Y),
    "flipud": (lambda a: np.flipud(a), Y),
    "roll0": (lambda a: np.roll(a, 2, axis=0), X),
    "roll-flat": (lambda a: np.roll(a, -3), X),
    "roll-multi": (lambda a: np.roll(a, (1, 2), axis=(0, 1)), X),
    "tile": (lambda a: np.tile(a, (2, 1, 1)), X),
    "tile-more-dims": (lambda a: np.tile(a, (2, 1, 1, 2)), X),
    "repeat": (lambda a: np.repeat(a, 2, axis=0), X),
    "repeat-flat": (lambda a: np.repeat(a, 2), X),
    "repeat-array": (lambda a: np.repeat(a, [1, 0, 2, 1, 1, 3], axis=1), X),
    "diff": (lambda a: np.diff(a, axis=0), X),
    "diff2": (lambda a: np.diff(a, n=2, axis=1), X),
    "diff-prepend": (lambda a: np.diff(a, axis=0, prepend=0), X),
    "pad-constant": (lambda a: np.pad(a, 1, constant_values=-1), X),
    "pad-edge": (lambda a: np.pad(a, ((1, 2), (0, 1), (2, 0)), mode="edge"), X),
    "pad-wrap": (lambda a: np.pad(a, 2, mode="wrap"), X),
    "pad-reflect": (lambda a: np.pad(a, 2, mode="reflect"), X),
    "pad-symmetric": (lambda a: np.pad(a, 2, mode="symmetric"), X),
    "tril": (lambda a: np.tril(a), Y),
    "triu": (lambda a: np.triu(a, 1), Y),
    "take0": (lambda a: np.take(a, [5, 0, 0, 3], axis=0), X),
    "take2d": (lambda a: np.take(a, [[1, 2], [3, 4]], axis=1), X),
    "take-flat": (lambda a: np.take(a, [7, 100]), X),
    "take-wrap": (lambda a: np.take(a, [-9, 10], axis=0, mode="wrap"), X),
    "take_along_axis1": (lambda a: np.take_along_axis(a, np.argsort(-Y, axis=1), axis=1), Y),
    "take_along_axis0": (lambda a: np.take_along_axis(a, np.argsort(-Y, axis=0), axis=0), Y),
    "compress": (lambda a: np.compress([True, False, True], a, axis=1), X),
    "extract": (lambda a: np.extract(Y % 3 == 0, a), Y),
    "nonzero": (lambda a: np.nonzero(a % 4 == 0)[1], Y),
    "argwhere": (lambda a: np.argwhere(a % 5 == 0), Y),
    "flatnonzero": (lambda a: np.flatnonzero(a % 7 == 0), Y),
    "array_split": (lambda a: np.array_split(a, 3)[1], X),
    "split": (lambda a: np.split(a, 2, axis=1)[1], Y),
    "broadcast_to": (lambda a: np.broadcast_to(a[0], (3, 6)), Y),
    "broadcast_arrays": (lambda a: np.broadcast_arrays(a[:, :1], a[:1])[1], Y),
    "atleast_3d": (lambda a: np.atleast_3d(a), Y),
    "atleast_2d": (lambda a: np.atleast_2d(a[0]), Y),
}


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("case", CASES)
def test_against_numpy(case, name):
    f, src = FUNCS[name]
    d = distribute(src, case)
    assert_dist_equal(f(d), f(src))


def test_put_flat_indices():
    for case in CASES:
        d = distribute(Y, case)
        e = Y.copy()
        np.put(d, [0, 35, 7, -1], [-1, -2, -3])
        np.put(e, [0, 35, 7, -1], [-1, -2, -3])
        assert_dist_equal(d, e)


def test_meshgrid_and_empty():
    x, y = np.arange(4.0), np.arange(3.0)
    gx, gy = np.meshgrid(nd.asarray(x), nd.asarray(y))
    ex, ey = np.meshgrid(x, y)
    assert_dist_equal(gx, ex)
    assert_dist_equal(gy, ey)
    z = distribute(np.zeros((0, 3)), "block")
    assert_dist_equal(np.reshape(z, (3, 0)), np.zeros((3, 0)))
    assert_dist_equal(np.concatenate([z, z]), np.zeros((0, 3)))
    assert_dist_equal(np.nonzero(z)[0], np.nonzero(np.zeros((0, 3)))[0])


@pytest.mark.parametrize("call, exc", [
    (lambda a: np.reshape(a, (4, 4)), ValueError),
    (lambda a: np.reshape(a, (-1, -1)), ValueError),
    (lambda a: np.concatenate([a, a[:, :2]], axis=0), ValueError),
    (lambda a: np.squeeze(a, axis=0), ValueError),
    (lambda a: np.transpose(a, (0, 0)), ValueError),
    (lambda a: np.take(a, [100], axis=0), IndexError),
    (lambda a: np.swapaxes(a, 0, 5), np.exceptions.AxisError),
    (lambda a: np.broadcast_to(a, (2, 2)), ValueError),
    (lambda a: np.split(a, 4), ValueError),
])
def test_bad_input_same_exception_everywhere(call, exc):
    with pytest.raises(exc):
        call(Y)
    d = distribute(Y, "block")
    nd.reset_comm_stats()
    with pytest.raises(exc):
        call(d)
    assert nd.comm_stats()["bytes_sent"] == 0


def test_reshape_memory_stays_near_local_share():
    n = 240_000
    d = nd.arange(float(n))
    r = np.reshape(d, (400, 600))
    t = r.T
    back = np.ravel(np.ascontiguousarray(t) if False else t)
    assert_dist_equal(back, np.arange(float(n)).reshape(400, 600).T.ravel())
    share = n * 8 / P
    assert_all_ranks(r.local.nbytes <= share * 1.5 + 8 * 600, "reshape block far from the local share")


# --------------------------------------------------------------------------
# Argument validation and degenerate shapes: value or exception class as NumPy, on every rank
# --------------------------------------------------------------------------


def _outcome(call, x):
    """``call(x)``'s result gathered (or the array it wrote into), or the class of what it raised."""
    try:
        r = call(x)
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return ("raises", type(exc).__name__)
    return _summary(x if r is None else r)


def _summary(r):
    if isinstance(r, (list, tuple)):
        return ("sequence", [_summary(v) for v in r])
    if isinstance(r, (nd.DistArray, np.ndarray)):
        r = nd.asnumpy(r) if isinstance(r, nd.DistArray) else r  # on purpose: no implicit-gather warning
        return ("array", r.shape, r.dtype.str, r.tolist())
    return ("value", type(r).__name__, repr(r))


def _assert_like_numpy(call, x, case, label):
    comm = MPI.COMM_WORLD
    want = _outcome(call, x.copy())
    got = _outcome(call, distribute(x, case))
    everyone = comm.allgather(got)
    assert_all_ranks(all(g == everyone[0] for g in everyone), f"{label}: ranks disagree {everyone}")
    assert_all_ranks(got == want, f"{label}: NumPy {want[:3]}, DistArray {got[:3]}")


SWEEP_SHAPES = [(), (0,), (1,), (5,), (0, 3), (3, 0), (4, 3), (2, 1, 3), (1, 0, 1)]
AXES = [None, 0, -1, 1, 2, -2, -0, 3, -4, (0,), (0, 0), (0, -1), (1, 0), (0, 1, 2), (2, 1, 0), (), 1.0, "a",
        [0, 1], (0, 1.5), np.int64(0), True]
NEW_SHAPES = [-1, -2, -3, (-1,), (-1, -1), (0,), (0, -1), (-1, 0), (2, -1), (1, -1), 5, (5, 1), (), (1,), 1.0,
              (2.0,), (3, 4), (12,), (-2, 6), (6, -2), 0, None, np.int64(12), [3, 4]]
CONDITIONS = [[True] + [False] * 6, [False, True], [], [True] * 7, [[True]], True, [1, 0, 2]]


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb", "replicated"])
def test_shape_functions_validate_like_numpy(case):
    """reshape/transpose/squeeze/expand_dims/moveaxis/swapaxes/rollaxis/flip/compress on 0-d, empty and
    small shapes with valid and invalid arguments (duplicates, out of range, non-integers, -0, any
    negative length in reshape, a bare int in transpose, all-False condition tails)."""
    for shape in SWEEP_SHAPES:
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        for new in NEW_SHAPES:
            _assert_like_numpy(lambda a: np.reshape(a, new), x, case, f"reshape{shape} -> {new!r}")
            _assert_like_numpy(lambda a: a.reshape(new), x, case, f"{shape}.reshape({new!r})")
        _assert_like_numpy(lambda a: a.reshape(), x, case, f"{shape}.reshape()")
        for ax in AXES:
            label = f"{shape} axes={ax!r}"
            _assert_like_numpy(lambda a: np.transpose(a, ax), x, case, "transpose " + label)
            _assert_like_numpy(lambda a: a.transpose(ax), x, case, ".transpose " + label)
            if isinstance(ax, tuple):
                _assert_like_numpy(lambda a: a.transpose(*ax), x, case, ".transpose(*) " + label)
            _assert_like_numpy(lambda a: np.squeeze(a, ax), x, case, "squeeze " + label)
            _assert_like_numpy(lambda a: np.expand_dims(a, ax), x, case, "expand_dims " + label)
            _assert_like_numpy(lambda a: np.moveaxis(a, ax, 0), x, case, "moveaxis from " + label)
            _assert_like_numpy(lambda a: np.moveaxis(a, ax, ax), x, case, "moveaxis to itself " + label)
            _assert_like_numpy(lambda a: np.swapaxes(a, -1, ax), x, case, "swapaxes " + label)
            _assert_like_numpy(lambda a: np.rollaxis(a, ax), x, case, "rollaxis " + label)
            if shape:  # NumPy's flip of a 0-d array returns a NumPy scalar (x[()]); see indexing
                _assert_like_numpy(lambda a: np.flip(a, ax), x, case, "flip " + label)
        for ax in [None, 0, -1, 1, 3, 1.0]:
            for cond in CONDITIONS:
                _assert_like_numpy(lambda a: np.compress(cond, a, axis=ax), x, case, f"compress {cond} {shape} {ax}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
def test_put_checks_like_numpy(case):
    """``np.put`` in NumPy's order: the mode, the indices (cast like NumPy: 0.5 -> 0, NaN and strings
    raise), an empty target given indices, the values converted to the target's dtype (OverflowError
    for -2 into uint32, even with no index), empty values, then the bounds."""
    u = np.arange(5, dtype=np.uint32)
    for value in [-2, 2**33, np.array(-2), [-2], 1.5, np.nan, np.array([-2]), [], [7, 8, 9]]:
        _assert_like_numpy(lambda a: np.put(a, [0, 1], value), u, case, f"put [0, 1] <- {value!r}")
        _assert_like_numpy(lambda a: np.put(a, [], value), u, case, f"put [] <- {value!r}")
    # arrays of indices are cast safely (a float or uint64 array is NumPy's TypeError), scalars are not
    for ind in [[0.5], ["a"], [np.nan], [[0, 1]], np.array([True, False]), [9], [-6], [], [2**70],
                np.array([1.5]), np.array(1.5), np.float64(1.5), np.array([1], np.uint64), -2]:
        for mode in ["raise", "clip", "wrap", "bad"]:
            for target in (u, np.zeros(0, np.uint32), np.zeros((1, 0), np.uint64), np.array(4, np.uint32)):
                for value in (3, []):
                    _assert_like_numpy(lambda a: np.put(a, ind, value, mode=mode), target, case,
                                       f"put {ind!r} <- {value!r} mode={mode} into {target.shape}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb"])
def test_split_repeat_roll_take_validate_like_numpy(case):
    """0-d and empty inputs, float section counts, negative repeats of empty arrays, shift/axis broadcasting,
    bad pad widths: NumPy's result or exception class, on every rank."""
    for shape in [(), (0,), (1,), (5,), (0, 3), (4, 3), (2, 1, 3)]:
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        for ax in [None, 0, -1, 1, 3, 1.0]:
            _assert_like_numpy(lambda a: np.roll(a, 1, ax), x, case, f"roll {shape} {ax!r}")
            _assert_like_numpy(lambda a: np.repeat(a, 2, ax), x, case, f"repeat {shape} {ax!r}")
            _assert_like_numpy(lambda a: np.take(a, [0], axis=ax), x, case, f"take {shape} {ax!r}")
            _assert_like_numpy(lambda a: np.array_split(a, 2, ax if ax is not None else 0), x, case,
                               f"array_split {shape} {ax!r}")
            _assert_like_numpy(lambda a: np.unstack(a, axis=ax if ax is not None else 0), x, case,
                               f"unstack {shape} {ax!r}")
            _assert_like_numpy(lambda a: np.rot90(a, 1, (0, ax) if ax is not None else (0, 1)), x, case,
                               f"rot90 {shape} {ax!r}")
        for r in [-1, 0, [1, 2], 1.5, (2, 2)]:
            _assert_like_numpy(lambda a: np.repeat(a, r), x, case, f"repeat {shape} {r!r}")
            _assert_like_numpy(lambda a: np.tile(a, r), x, case, f"tile {shape} {r!r}")
            _assert_like_numpy(lambda a: np.roll(a, r), x, case, f"roll {shape} shift {r!r}")
        for n in [0, 1, 2, -1, 1.5, [1, 3], [5, 2], [3, 1, 4], [-2, 1], [0, 0, 9], np.array([4, -1])]:
            for split in (np.split, np.array_split, np.hsplit, np.vsplit):
                _assert_like_numpy(lambda a: split(a, n), x, case, f"{split.__name__} {shape} {n!r}")
        for pw in [1, (1, 2), -1, 1.5, ((1, 2), (3, 4), (5, 6), (7, 8))]:
            for mode in ["constant", "edge", "wrap"]:
                _assert_like_numpy(lambda a: np.pad(a, pw, mode=mode), x, case, f"pad {shape} {pw!r} {mode}")


@pytest.mark.parametrize("case", ["block", "blockcyclic3", "uneven", "unstructured", "replicated"])
def test_take_from_an_empty_axis_like_numpy(case):
    """An empty axis: NumPy returns an empty result when the result has no elements whatever the mode, and
    raises IndexError when it would have some (every rank alike, ranks without rows included)."""
    for shape in [(0, 1, 0), (0, 3), (0,), (0, 0)]:
        x = np.zeros(shape, np.uint16)
        for idx in [[[8, 4], [5, 3]], [0], [], -1]:
            for mode in ["clip", "raise"]:  # (NumPy 2.4 loops forever in 'wrap' mode over an empty axis)
                _assert_like_numpy(lambda a: np.take(a, idx, axis=0, mode=mode), x, case,
                                   f"take {shape} {idx!r} mode={mode}")
            want = _outcome(lambda a: np.take(a, idx, axis=0, mode="clip"), x)  # what 'wrap' must do there
            got = _outcome(lambda a: np.take(a, idx, axis=0, mode="wrap"), distribute(x, case))
            assert_all_ranks(got == want, f"take {shape} {idx!r} mode=wrap: {got[:3]} != {want[:3]}")


def _zero_d_for_scalar(r):
    return np.asarray(r) if isinstance(r, np.generic) else r


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
def test_take_indices_and_out_like_numpy(case):
    """Issue 15: take reads indices as NumPy (lists of floats cast, float arrays and an empty float array
    are TypeError, bool arrays are 0/1), checks ``out=`` before the bounds (exact shape: ValueError; a
    dtype not safely castable to the input's: TypeError), as compress does; take_along_axis's shape
    mismatch is NumPy's IndexError."""
    x = np.arange(6, dtype=np.float16).reshape(2, 3)
    for ind in [[0, 1], [0.5, 1], np.array([0.5, 1]), np.array([]), [], np.array([True, False]), [0, 9],
                np.float64(1.5), np.array(1.5), np.array([1, 0], np.uint64)]:  # (take casts same_kind: uint64 ok)
        for axis in [None, 1, 5]:
            # a scalar index takes one element: NumPy's scalar compared as a 0-d array (DistArray's result)
            _assert_like_numpy(lambda a: _zero_d_for_scalar(np.take(a, ind, axis=axis)), x, case,
                               f"take {ind!r} axis={axis}")
            for out_dtype in [np.float16, np.float32, np.int64]:
                for out_shape in [np.shape(np.take(x, [0, 1], axis=axis)) if axis != 5 else (2,), (7,)]:
                    out = np.zeros(out_shape, out_dtype)
                    _assert_like_numpy(lambda a: np.take(a, ind, axis=axis, out=out.copy()), x, case,
                                       f"take {ind!r} axis={axis} out={out_shape} {out_dtype.__name__}")
    for out in [np.zeros(2, np.int64), np.zeros(2, np.float32), np.zeros(3, np.float16)]:
        _assert_like_numpy(lambda a: np.compress([1, 1], a, out=out.copy()), x, case, f"compress out={out.dtype}")
    y = np.arange(10.0).reshape(5, 2)
    for idx_shape in [(4, 4), (5, 3), (1, 3), (4, 1), (5,)]:
        idx = np.zeros(idx_shape, np.intp)
        for axis in [-1, 0]:
            _assert_like_numpy(lambda a: np.take_along_axis(a, idx, axis=axis), y, case,
                               f"take_along_axis {idx_shape} axis={axis}")


@pytest.mark.parametrize("case", ["block", "blockcyclic3", "unstructured", "grid_bc", "last"])
def test_take_and_put_along_axis_broadcast_like_numpy(case):
    """Fuzz: take_along_axis/put_along_axis broadcast ``arr`` and the indices along the non-axis
    dimensions as NumPy's fancy index does: a (1, 1) array with (5, 2) indices along axis 0 is a (5, 2)
    result on every rank (a rank without rows of ``arr`` raised IndexError); indices distributed too;
    NumPy's IndexError for float indices."""
    for arr_shape, idx_shape in [((1, 1), (5, 2)), ((1, 3), (4, 3)), ((1, 3), (4, 1)), ((3, 1), (2, 4)),
                                 ((4, 3), (2, 3)), ((1, 1), (1, 1)), ((2, 1, 3), (2, 4, 2)), ((1, 1, 1), (3, 2, 2)),
                                 ((1, 1), (0, 2)), ((1, 1), (5, 0)), ((1, 3), (5, 2))]:
        x = np.arange(int(np.prod(arr_shape)), dtype=np.uint16).reshape(arr_shape) + 10
        for axis in range(len(arr_shape)):
            n = arr_shape[axis]
            idx = (np.arange(int(np.prod(idx_shape))) % (2 * n) - n).reshape(idx_shape)
            didx = distribute(idx, case) if DIST_CASES[case](idx.shape, MPI.COMM_WORLD) is not None else idx
            label = f"{arr_shape} idx{idx_shape} axis={axis}"
            want = _outcome(lambda a: np.take_along_axis(a, idx, axis=axis), x)
            got = _outcome(lambda a: np.take_along_axis(a, didx, axis=axis), distribute(x, case))
            assert_all_ranks(got == want, f"take_along_axis {label}: NumPy {want[:3]}, DistArray {got[:3]}")
            _assert_like_numpy(lambda a: np.take_along_axis(a, idx.astype(float), axis=axis), x, case,
                               f"take_along_axis float indices {label}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", nd.FallbackWarning)  # put_along_axis is a documented fallback
                _assert_like_numpy(lambda a: np.put_along_axis(a, idx, 7, axis=axis), x, case,
                                   f"put_along_axis {label}")
                _assert_like_numpy(lambda a: np.put_along_axis(a, idx, np.arange(idx_shape[-1]), axis=axis), x,
                                   case, f"put_along_axis row values {label}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
def test_column_stack_of_low_dims_and_conj_method_like_numpy(case):
    """Issue 15: column_stack makes a 0-d input a (1, 1) column (NumPy's ndmin=2 then .T), next to
    1-d and 2-d inputs; ``d.conj()``/``d.conjugate()`` keep a non-complex dtype (bool stays bool,
    where np.conjugate gives int8) and return the array itself, as ndarray's methods do."""
    for shape in [(), (1,), (3,), (1, 1), (2, 2)]:
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 1
        for other in [np.array(7.0), np.array([7.0]), np.array([[7.0]])]:
            _assert_like_numpy(lambda a: np.column_stack([a, other]), x, case, f"column_stack {shape} {other.shape}")
            _assert_like_numpy(lambda a: np.column_stack([other, a, a]), x, case, f"column_stack {other.shape} {shape}")
    for dt in [bool, np.int8, np.uint16, np.float32, np.complex64]:
        x = (np.arange(4) % 3).astype(dt) * (1 - 1j if dt is np.complex64 else 1)
        for name in ["conj", "conjugate"]:
            _assert_like_numpy(lambda a: getattr(a, name)(), x, case, f"{np.dtype(dt)}.{name}()")
            d = distribute(x, case)
            same = getattr(d, name)() is d
            assert_all_ranks(same == (dt is not np.complex64), f"{np.dtype(dt)}.{name}() is self: {same}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb", "replicated"])
def test_copyto_native_like_numpy(case):
    """Issue 15: np.copyto into a DistArray runs natively (no fallback, even under 'error') and gives
    NumPy's values or exception class: where cast safely to bool, src cast under ``casting`` (Python
    300 into int8 is OverflowError, 1.5 TypeError), then the broadcasts, on every rank alike."""
    old = nd.set_fallback("error")
    try:
        for dt in [np.float64, np.int8]:
            x = np.arange(12, dtype=dt).reshape(4, 3)
            for src in [np.full((4, 3), 2.5), np.arange(3, dtype=np.int8), 300, 1.5, 7, [1, 2, 3], [1.5, 2, 3],
                        np.zeros(4), np.array(5, np.int16)]:
                for where in [True, x % 2 == 0, [True, False, True], np.zeros(3), np.zeros((2, 3), bool)]:
                    for casting in ["same_kind", "unsafe", "no"]:
                        def call(a, src=src, where=where, casting=casting):
                            dist = isinstance(a, nd.DistArray)
                            s = nd.asarray(src) if dist and isinstance(src, np.ndarray) and src.ndim else src
                            w = distribute(where, case) if dist and isinstance(where, np.ndarray) and \
                                where.shape == x.shape else where
                            return np.copyto(a, s, casting=casting, where=w)
                        _assert_like_numpy(call, x, case, f"copyto {dt.__name__} <- {src!r:.30} "
                                                          f"where={where!r:.30} {casting}")
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "grid_bb"])
def test_copyto_ignores_leading_ones_of_src_not_of_where(case):
    x = np.arange(12.0).reshape(4, 3)
    for src, where in [(np.full((1, 4, 3), 2.5), True), (np.full((1, 1, 3), 7.0), True), (np.full((2, 4, 3), 1.0), True),
                       (np.full((4, 3), 5.0), np.ones((1, 4, 3), bool)), (np.full((1, 3), 4.0), x > 4)]:
        def call(a, src=src, where=where):
            dist = isinstance(a, nd.DistArray)
            s = distribute(src, "block") if dist and src.ndim == 3 and src.shape[1] == 4 else src
            return np.copyto(a, s, where=where)
        _assert_like_numpy(call, x, case, f"copyto {src.shape} where {np.shape(where)}")
    z = np.zeros((), np.uint16)  # (a 0-d destination: a (1,) source is its one element)
    _assert_like_numpy(lambda a: np.copyto(a, np.array([3], np.uint16), casting="no"), z, "replicated", "copyto 0-d")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb"])
@pytest.mark.parametrize("source", ["numpy", "dist"])
def test_copyto_cast_errors_are_reported_on_every_rank(case, source):
    # A NaN or a too large float cast into integers: only the ranks holding it see the cast's FP error.
    x = np.arange(24, dtype=np.int32).reshape(6, 4)
    src = np.linspace(0.0, 9.0, 24).reshape(6, 4)
    src[0, 0], src[0, 3] = np.nan, 1e30  # (one row: one rank, or two of a grid)
    for mode in ("warn", "raise"):
        outcomes = []
        for dst, s in ((x.copy(), src), (distribute(x, case), src if source == "numpy" else distribute(src, case))):
            with warnings.catch_warnings(record=True) as seen, np.errstate(invalid=mode, over=mode):
                warnings.simplefilter("always")
                try:
                    np.copyto(dst, s, casting="unsafe")
                    outcomes.append(sorted(str(w.message) for w in seen if w.category is RuntimeWarning))
                except FloatingPointError as exc:
                    outcomes.append(("raised", str(exc)))
        assert_all_ranks(outcomes[0] == outcomes[1], f"{mode}: NumPy {outcomes[0]}, numpy_dist {outcomes[1]}")


def _assert_like_numpy_with(call, x, ind, case, layout, label):
    """``call(array, indices)``: NumPy's arrays against ``x`` distributed by ``case`` and ``ind`` by
    ``layout``, with the fallback refused (the distributed path must not gather)."""
    from tests.dispatch._helpers import no_fallback

    want = _outcome(lambda a: call(a, ind), x.copy())
    with no_fallback():
        got = _outcome(lambda a: call(a, distribute(ind, layout)), distribute(x, case))
    assert_all_ranks(got == want, f"{label}: NumPy {want[:3]}, DistArray {got[:3]}")


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "grid_bb", "replicated"])
def test_take_and_put_by_distributed_indices_like_numpy(case):
    """A distributed index array is read where it lives (no fallback, no gather): take in every mode and
    axis, put in every mode, out of bounds, empty, 2-d and unsafe (uint64, float) index arrays."""
    x = np.arange(35.0).reshape(5, 7)
    indices = [np.array([4, 0, -1, 2, 2, 6]), np.array([[1, 3], [0, -2]]), np.array([9, 0]), np.array([], np.int64),
               np.array([1, 2], np.uint64), np.array([0.0, 1.0]), np.array([-40, 40, 3], np.int32)]
    for ind in indices:
        for layout in ["block", "cyclic", "replicated"]:
            for mode in ["raise", "wrap", "clip"]:
                for axis in [None, 0, 1, -1]:
                    _assert_like_numpy_with(lambda a, i: np.take(a, i, axis=axis, mode=mode), x, ind, case, layout,
                                            f"take {ind!r} ({layout}) axis={axis} mode={mode}")
                out = np.zeros((2, 7))
                _assert_like_numpy_with(lambda a, i: np.take(a, i, axis=0, mode=mode, out=out.copy()), x, ind, case,
                                        layout, f"take out= {ind!r} ({layout}) mode={mode}")

                def put(a, i):
                    np.put(a, i, [-1.0, -2.0, -3.0], mode=mode)
                    return a

                _assert_like_numpy_with(put, x, ind, case, layout, f"put {ind!r} ({layout}) mode={mode}")


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb", "replicated"])
@pytest.mark.parametrize("call", ["repeat", "repeat-counts", "tile"])
def test_repeat_and_tile_work_out_only_this_ranks_rows(case, call, monkeypatch):
    # The index of a repeated array is as long as the result: each rank computes its own block's rows only.
    from numpy_dist.dispatch import manipulation
    x = np.arange(60.0).reshape(12, 5)
    d = distribute(x, case)
    asked = []
    gather = manipulation.gather_points

    def counted(local, dist, points, new_map, local_points=False):
        asked.append(points.shape[0])
        return gather(local, dist, points, new_map, local_points)

    monkeypatch.setattr(manipulation, "gather_points", counted)
    f = {"repeat": lambda a: np.repeat(a, 3, axis=0), "repeat-counts": lambda a: np.repeat(a, np.arange(12) % 4, axis=0),
         "tile": lambda a: np.tile(a, (3, 1))}[call]
    r = f(d)
    assert_dist_equal(r, f(x))
    assert_all_ranks(asked == [r.distribution.local_shape[0]], f"rows worked out: {asked}, block {r.distribution.local_shape}")


_COUNTS = [np.array([2, 0, 3, 1, 0, 0, 4, 1, 1, 0, 2, 5]), np.zeros(12, np.int64), np.arange(12, dtype=np.int8) % 3,
           np.array([1, 2, -1, 0, 1, 1, 1, 1, 1, 1, 1, 1]), np.ones(11, np.int64), np.ones(12), np.ones(12, np.uint64),
           np.ones((2, 6), np.int64)]


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb", "unstructured"])
@pytest.mark.parametrize("counts_case", ["block", "cyclic", "unstructured"])
@pytest.mark.parametrize("axis", [0, 1, None, 5])
def test_repeat_by_distributed_counts_never_gathers_them(case, counts_case, axis):
    # Counts given as a DistArray (as long as the axis) stay distributed: no fallback, no implicit conversion;
    # NumPy's values and errors (dimensions, dtype, axis, number and signs of the counts, in its order).
    x = np.arange(60.0).reshape(12, 5)
    for i, counts in enumerate(_COUNTS):
        counts = counts[:5] if axis == 1 and counts.ndim == 1 else counts
        for source in (x, x[:, :1]):
            try:
                want = ("ok", np.repeat(source, counts, axis=axis))
            except Exception as exc:  # noqa: BLE001 - NumPy's class and message are the expectation
                want = (type(exc).__name__, str(exc))
            d = distribute(np.ascontiguousarray(source), case)
            r = distribute(counts, counts_case) if counts.ndim == 1 else nd.asarray(counts)
            with warnings.catch_warnings():
                warnings.simplefilter("error", nd.FallbackWarning)  # (an implicit conversion of the counts)
                try:
                    got = ("ok", nd.asnumpy(np.repeat(d, r, axis=axis)))
                except nd.FallbackWarning:
                    raise
                except Exception as exc:  # noqa: BLE001
                    got = (type(exc).__name__, str(exc))
            same = got[0] == want[0] and (np.array_equal(got[1], want[1]) and got[1].dtype == want[1].dtype
                                          if want[0] == "ok" else got == want)
            assert_all_ranks(same, f"counts {i} {counts!r}, axis {axis}: NumPy {want}, numpy_dist {got}")
