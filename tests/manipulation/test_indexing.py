"""__getitem__/__setitem__ against NumPy over every distribution case."""

import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute
from tests.dispatch._helpers import no_fallback

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
X = np.arange(7 * 6 * 5, dtype=np.float64).reshape(7, 6, 5)
CASES = ["block", "cyclic", "blockcyclic2", "blockcyclic3", "uneven", "unstructured", "grid_bb", "grid_cb", "replicated"]
KEYS = [
    0, -1, (1, 2), (1, 2, 3), (-1, -2, -3), slice(1, 5), slice(None, None, -1), slice(5, 0, -2), slice(2, 2),
    (slice(None), 2), (Ellipsis, 1), (None, 2), (slice(1, None), None, slice(None, None, 2)), (1, slice(None), -1),
    (), Ellipsis, [3, 1, 1, 6], [-1, 0], (slice(None), [0, 5, 2]), (2, [1, 1]), (np.array([[1, 2], [3, 4]]),),
    (slice(None), 0, [1, 2]), (0, slice(None), [4, 1]), (X[:, 0, 0] > 10,), (X > 50,), (X[:, :, 0] > 60,), (X > 1e9,),
    (slice(1, 3), [4, 0], slice(None, None, -1)), ([],), (slice(None), np.array([True, False, True, False, True, True])),
    # several index arrays (points by owner request/response)
    ([1, 2], [3, 4]), ([1, 2], slice(None), [0, 4]), (slice(1, 4), [0, 5, 5], [1, 1, 2]), ([[0], [6]], [[1, 2]]),
    (2, [1, 3], [0, 4]), ([1, 6], 2), ([0, 0], slice(None), 3), ([1, 2], None, [3, 4]), (Ellipsis, [1, 2], [3, 4]),
    ([-1, -7], [0, -6], [4, -5]), (np.array([True, False, True, False, False, False, True]), [1, 2, 3]),
]


def _id(k):
    return repr(k)[:40]


@pytest.mark.parametrize("key", KEYS, ids=_id)
@pytest.mark.parametrize("case", CASES)
def test_getitem(case, key):
    d = distribute(X, case)
    assert_dist_equal(d[key], X[key])


@pytest.mark.parametrize("key", KEYS, ids=_id)
@pytest.mark.parametrize("case", CASES)
def test_setitem_array_and_scalar(case, key):
    want = X[key]
    value = -np.arange(np.size(want), dtype=np.float64).reshape(np.shape(want)) if np.ndim(want) else -1.0
    expected = X.copy()
    expected[key] = value
    d = distribute(X, case)
    d[key] = value
    assert_dist_equal(d, expected)
    expected = X.copy()
    expected[key] = 9.5
    d = distribute(X, case)
    d[key] = 9.5
    assert_dist_equal(d, expected)


@pytest.mark.parametrize("case", CASES)
def test_setitem_distarray_values_broadcast(case):
    d = distribute(X, case)
    expected = X.copy()
    row = np.arange(5.0) * 100
    d[2:5] = nd.asarray(row)  # (5,) broadcast into (3, 6, 5)
    expected[2:5] = row
    d[:, 1] = distribute(-X[:, 1], "cyclic")
    expected[:, 1] = -X[:, 1]
    d[X > 150] = 0.5
    expected[X > 150] = 0.5
    assert_dist_equal(d, expected)


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "blockcyclic2"])
def test_views_write_through(case):
    d = distribute(X, case)
    v = d[1:6, ::2]
    v[...] = 0
    w = d[::-1]
    w[0, 0] = 42
    expected = X.copy()
    expected[1:6, ::2] = 0
    expected[::-1][0, 0] = 42
    assert_dist_equal(d, expected)
    if case in ("block", "cyclic"):
        assert_all_ranks(v.local.size == 0 or np.shares_memory(v.local, d.local), "basic slice is not a view")


def test_repeated_fancy_indices_last_write_wins():
    for case in CASES:
        d = distribute(np.zeros(10), case)
        d[[1, 3, 1, 1]] = [10.0, 20.0, 30.0, 40.0]
        e = np.zeros(10)
        e[[1, 3, 1, 1]] = [10.0, 20.0, 30.0, 40.0]
        assert_dist_equal(d, e)


BAD = [
    (10, IndexError), (-11, IndexError), ((0, 0), IndexError), ([0, 10], IndexError), (1.5, IndexError),
    ("a", IndexError), ((Ellipsis, Ellipsis), IndexError), (np.array([True, False]), IndexError),
    (np.ones((2, 2), bool), IndexError), (([0, 1], [0, 1, 2]), IndexError),
]


@pytest.mark.parametrize("key, exc", BAD, ids=_id)
@pytest.mark.parametrize("case", ["block", "unstructured", "replicated"])
def test_bad_keys_raise_everywhere(case, key, exc):
    d = distribute(np.arange(10.0), case)
    with pytest.raises(exc):
        np.arange(10.0)[key]
    nd.reset_comm_stats()
    with pytest.raises(exc):
        d[key]
    with pytest.raises(exc):
        d[key] = 1.0
    assert nd.comm_stats()["bytes_sent"] == 0


def test_setitem_broadcast_mismatch():
    d = distribute(np.zeros((4, 3)), "block")
    with pytest.raises(ValueError):
        d[1:3] = np.ones(4)


def test_heat_diffusion_50_steps_moves_only_halos():
    n, m = 64, 48
    rng = np.random.default_rng(3)
    u0 = rng.random((n, m))

    def step(u):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                               - 4 * u[1:-1, 1:-1])

    expected = u0.copy()
    for _ in range(50):
        step(expected)
    d = nd.asarray(u0.copy())
    nd.reset_comm_stats()
    for _ in range(50):
        step(d)
    sent = nd.comm_stats()["bytes_sent"]
    assert_dist_equal(d, expected, rtol=0)  # bit for bit: the same float operations in the same order
    halo = 2 * m * 8  # two boundary rows per rank
    assert_all_ranks(sent <= 50 * 8 * halo, f"stencil sent {sent} bytes, more than a small multiple of halos")
    assert_all_ranks(sent < u0.nbytes * 50 / max(P, 1) or P == 1, "stencil moved arrays, not halos")


@pytest.mark.parametrize("key, value", [(5, 300), (1.0, 300), (5, -2.0), (1.0, -2.0), ([5], 300), (1, 300),
                                        (slice(1, 2), 300)])
def test_setitem_errors_in_numpy_order(key, value):
    """Index types, then integer bounds, then the value's conversion, then index-array bounds (as NumPy)."""
    x = np.zeros(3, np.uint8)
    with pytest.raises(Exception) as want:
        x[key] = value
    d = distribute(np.zeros(3, np.uint8), "block")
    with pytest.raises(want.type, match=str(want.value).split("(")[0][:30].replace("[", r"\[")):
        d[key] = value


# --------------------------------------------------------------------------
# Differential sweeps: value or exception class as NumPy, the same on every rank
# --------------------------------------------------------------------------


def _outcome(call, x):
    """``call(x)``'s result gathered (or the array it wrote into), or the class of what it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", nd.FallbackWarning)  # documented fallbacks are not the subject
            r = call(x)
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return ("raises", type(exc).__name__)
    r = x if r is None else r
    if isinstance(r, (nd.DistArray, np.ndarray)):
        r = nd.asnumpy(r) if isinstance(r, nd.DistArray) else r  # on purpose: no implicit-gather warning
        return ("array", r.shape, r.dtype.str, r.tolist())
    return ("value", type(r).__name__, repr(r))


def _assert_like_numpy(call, x, case, label):
    want = _outcome(call, x.copy())
    got = _outcome(call, distribute(x, case))
    everyone = COMM.allgather(got)
    assert_all_ranks(all(g == everyone[0] for g in everyone), f"{label}: ranks disagree {everyone}")
    assert_all_ranks(got == want, f"{label}: NumPy {want[:3]}, DistArray {got[:3]}")


SMALL_SHAPES = [(), (0,), (1,), (5,), (0, 3), (3, 0), (4, 3), (2, 1, 3)]
BOOL_SCALAR_KEYS = [True, False, np.array(True), np.array(False), (True, 0), (0, True), (Ellipsis, False),
                    (False, Ellipsis), (None, True), (True, True), (True, False), (slice(None), False),
                    (True, [0]), (False, [0, 0]), (True, slice(None), 0)]
SWEEP_CASES = ["block", "cyclic", "uneven", "unstructured", "grid_bb", "replicated"]


@pytest.mark.parametrize("case", SWEEP_CASES)
def test_bool_scalar_keys_like_numpy(case):
    """A 0-d boolean index (Python bool or 0-d array) adds an axis of length 1 (True) or 0 (False)."""
    for shape in SMALL_SHAPES:
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        for key in BOOL_SCALAR_KEYS:
            label = f"{shape}[{key!r}]"
            _assert_like_numpy(lambda a: a[key], x, case, label)
            _assert_like_numpy(lambda a: a.__setitem__(key, -1.0), x, case, label + " = -1")
            value = -np.arange(np.size(x[key]) if _ok(x, key) else 1, dtype=float).reshape(
                np.shape(x[key]) if _ok(x, key) else (1,))
            _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case, label + " = array")


def _ok(x, key):
    try:
        x[key]
    except IndexError:
        return False
    return True


def test_bool_scalar_key_is_native_and_writes_through():
    """``x[True]`` is served without the gathering fallback, and ``x[True] = v`` writes into ``x``."""
    x = np.arange(12.0).reshape(4, 3)
    for case in ["block", "unstructured", "grid_bb"]:
        d = distribute(x, case)
        with warnings.catch_warnings():
            warnings.simplefilter("error", nd.FallbackWarning)
            assert_dist_equal(d[True], x[True])
            assert_dist_equal(d[nd.asarray(np.array(False))], x[False])
            d[True, 1:3] = 7.0
        expected = x.copy()
        expected[True, 1:3] = 7.0
        assert_dist_equal(d, expected)


@pytest.mark.parametrize("case", SWEEP_CASES)
def test_empty_masks_like_numpy(case):
    """NumPy compares only a boolean index's non-zero lengths: a mask with a 0-length axis selects nothing."""
    for shape in [(0,), (5,), (0, 3), (3, 0), (4, 3), (2, 1, 3)]:
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        masks = [np.zeros((0,), bool), np.zeros((0, 3), bool), np.zeros((4, 0), bool), np.zeros((0, 0), bool),
                 np.zeros(shape[:1] + (0,), bool), np.ones(shape, bool)]
        for m in masks:
            for as_dist in (False, True):
                def key(a, m=m, as_dist=as_dist):
                    return nd.asarray(m) if as_dist and isinstance(a, nd.DistArray) else m
                label = f"{shape}[mask{m.shape} dist={as_dist}]"
                _assert_like_numpy(lambda a: a[key(a)], x, case, label)
                _assert_like_numpy(lambda a: a.__setitem__(key(a), 7.0), x, case, label + " = 7")


VALUE_SHAPES = [(2, 3), (3, 3), (1, 2, 3), (1, 1, 2, 3), (1, 2, 2, 3), (3,), (2, 1), (), (1,), (0,), (1, 0, 3),
                (1, 1, 1, 1, 1)]
SET_KEYS = [4, -5, 1, slice(1, 3), (1, 0), (1, 0, 2), [1, 2], np.array([True, False, True, False]), (0, [1, 0]),
            ([1, 2], 0), ([0, 1], slice(None), [0, 2]), (slice(None), [1, 0]), (Ellipsis, 2), slice(2, 2), ([],),
            [4], (None, 1), (1, None, 0), np.arange(24).reshape(4, 2, 3) > 5, np.arange(8).reshape(4, 2) > 2]


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb", "replicated"])
def test_setitem_value_shapes_like_numpy(case):
    """Extra leading length-1 value axes are accepted for every key kind, and every bad value raises
    NumPy's class (IndexError before ValueError where NumPy checks bounds first, TypeError for a
    multi-dimensional value into a full-shape mask), with NumPy and DistArray values alike."""
    x = np.arange(24.0).reshape(4, 2, 3)
    for key in SET_KEYS:
        for vshape in VALUE_SHAPES:
            value = np.arange(float(np.prod(vshape))).reshape(vshape) - 50
            label = f"x[{key!r:.40}] = shape {vshape}"
            _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case, label)
            if vshape in [(1, 2, 3), (1, 2, 2, 3), (3, 3), (2, 1)]:
                def set_dist(a, key=key, value=value):
                    a[key] = nd.asarray(value) if isinstance(a, nd.DistArray) else value
                _assert_like_numpy(set_dist, x, case, label + " (DistArray value)")


@pytest.mark.parametrize("case", ["block", "unstructured", "replicated"])
def test_setitem_on_empty_axis_like_numpy(case):
    """Setitem into a (0, 3) array: IndexError for out-of-range integers, as NumPy, on every rank."""
    x = np.zeros((0, 3))
    for key in [0, -1, (slice(None), 5), (slice(None), 1), [0], (0, 0), ([0], [0]), np.zeros(0, bool),
                np.zeros((0, 3), bool)]:
        for value in [1.0, np.ones(3), np.ones(4), np.ones((1, 3))]:
            _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case, f"empty[{key!r}] = {np.shape(value)}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
def test_python_values_converted_like_numpy(case):
    """Python ints out of the target's range raise OverflowError (NumPy >= 2), lists convert with the
    target's dtype, NumPy scalars and arrays are cast: for every key kind and for ``fill``."""
    u = np.arange(5, dtype=np.uint32)
    for value in [-2, 2**33, np.array(-2), [-2], [-2, 1], 1.5, np.nan, np.int64(-2), "3", [3], [[1]]]:
        for key in [1, slice(1, 3), [0, 2], np.array([True, False, True, False, False]), (None, 1)]:
            _assert_like_numpy(lambda a: a.__setitem__(key, value), u, case, f"u[{key!r}] = {value!r}")
        if np.ndim(value) == 0:
            _assert_like_numpy(lambda a: a.fill(value), u, case, f"fill({value!r})")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb", "replicated"])
def test_index_errors_before_value_conversion_like_numpy(case):
    """NumPy prepares an advanced index (boolean shapes) before it converts the value, and checks integer
    array bounds after: a bad mask with an unconvertible value is an IndexError, a bad bound a ValueError."""
    x = np.arange(25, dtype=np.complex128).reshape(5, 5)
    keys = [([2, -1], np.array([True, False, True, True, True, True])), np.ones((5, 4), bool),
            ([9, 0], slice(None)), (slice(None), [0, 7]), ([0, 1], [1, 2])]
    for key in keys:
        for value in ["x", 1.5, [1, 2, 3]]:
            _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case, f"x[{key!r}] = {value!r}")


def _random_entry(rng, n):
    kind = rng.integers(0, 9)
    if kind == 0:
        return int(rng.integers(-n, n + 1))
    if kind == 1:
        return slice(int(rng.integers(-n, n)), int(rng.integers(-n, n + 1)), int(rng.choice([1, 2, -1, 3])))
    if kind == 2:
        return None
    if kind == 3:
        return bool(rng.integers(0, 2))
    if kind == 4:
        return np.array(bool(rng.integers(0, 2)))
    if kind == 5:
        return [int(i) for i in rng.integers(-n, n, size=int(rng.integers(0, 3)))]
    if kind == 6:
        return rng.integers(0, 2, size=n).astype(bool)
    return Ellipsis if kind == 7 else slice(None)


@pytest.mark.parametrize("case", ["block", "unstructured", "grid_bb"])
def test_random_mixed_keys_like_numpy(case):
    """Random mixes of integers (some out of range), slices, None, Python and 0-d array booleans, lists
    and 1-d masks (some of the wrong length), read and written, against NumPy (same seed on every rank)."""
    rng = np.random.default_rng(7)
    x = np.arange(60.0).reshape(4, 3, 5)
    for _ in range(150):
        key = tuple(_random_entry(rng, int(rng.choice([3, 4, 5]))) for _ in range(int(rng.integers(1, 5))))
        _assert_like_numpy(lambda a: a[key], x, case, f"x[{key!r}]")
        _assert_like_numpy(lambda a: a.__setitem__(key, -1.0), x, case, f"x[{key!r}] = -1")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
def test_element_key_versus_view_key_like_numpy(case):
    """Issue 15: only an integer per axis sets one element from a value (a sequence is NumPy's TypeError
    into complex, ValueError into float); ``...`` or None make a view, set by broadcasting (ValueError
    for a (2,) value into shape (), a (1, 1) value is fine), also on a 0-d array."""
    for x in [np.zeros((), np.complex64), np.zeros((), np.float64), np.zeros((3,), np.complex64),
              np.zeros((2, 2), np.float64)]:
        element = (0,) * x.ndim
        for key in [element, element + (Ellipsis,), (Ellipsis,) + element, element + (None,)]:
            for value in [np.array([1, 4], np.uint64), [1, 4], np.array([[1]]), np.array(2), [[3]]]:
                _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case,
                                   f"{x.dtype} {x.shape}[{key!r}] = {value!r}")


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
def test_contains_like_numpy(case):
    """Issue 15: ``v in d`` is NumPy's ``(d == v).any()``, also for a 0-d array (iteration is not used)."""
    for x in [np.array(-17), np.arange(6).reshape(2, 3), np.zeros(0)]:
        # a value that broadcasts the comparison beyond x's shape is left out: such ufunc calls are
        # not supported yet (NotImplemented from __array_ufunc__; reported on issue 15)
        values = [-17, 4, 7, 0.0] + ([[0, 1, 2], [[3, 4, 5]], [1, 2]] if x.ndim == 2 else [])
        for v in values:
            _assert_like_numpy(lambda a: v in a, x, case, f"{v!r} in {x.shape}")


@pytest.mark.parametrize("case", ["block", "blockcyclic2", "unstructured", "grid_bb", "replicated"])
def test_distributed_mask_checked_before_value_conversion_like_numpy(case):
    """Fuzz: a distributed boolean mask's shape is checked before the value is converted, as NumPy does
    for any mask: x(4, 1, 1)[mask(1, 1, 4)] = 2**40 into uint32 is NumPy's IndexError (not OverflowError),
    and a fitting mask with that value NumPy's OverflowError."""
    x = np.arange(4, dtype=np.uint32).reshape(4, 1, 1)
    masks = [np.array([True, False, True, True]).reshape(1, 1, 4), np.array([True, False, True, True]),
             np.array([True, False, True, True]).reshape(4, 1), np.ones((4, 1, 1), bool), np.ones((2, 1), bool),
             np.zeros((1, 4), bool)]
    for m in masks:
        for value in [2**40, -1, 3, "x", [1, 2]]:
            def set_mask(a, m=m, value=value):
                a[distribute(m, case) if isinstance(a, nd.DistArray) else m] = value
            _assert_like_numpy(set_mask, x, case, f"x[dist mask{m.shape}] = {value!r}")


@pytest.mark.parametrize("case", ["block", "blockcyclic2", "unstructured", "replicated"])
def test_index_arrays_broadcast_after_value_conversion_like_numpy(case):
    """NumPy checks each mask against its axes before converting the value, but broadcasts the index arrays
    together after: x(7, 3)[(mask(7), False)] = 'x' is NumPy's ValueError (complex('x')), not IndexError."""
    x = np.zeros((7, 3), complex)
    mask = np.array([False, False, False, True, True, True, False])
    for key in [(mask, False), (mask, True), (mask, np.array([0, 1])), (np.array([1, 2, 3]), np.array([0, 1])),
                (mask, np.array([True, False, True])), (mask[:5], 0)]:
        for value in ["x", 2, [1, 2]]:
            _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case, f"x[{key!r}] = {value!r}")


@pytest.mark.parametrize("case", ["block", "blockcyclic2", "unstructured", "replicated"])
def test_one_element_set_from_a_sequence_like_numpy(case):
    """Fuzz: ``x[i] = seq`` sets one element as NumPy's scalar assignment does: a bool target takes the
    sequence's truth ([1, 2] -> True, [] -> False), other dtypes raise NumPy's class; a NumPy array
    value keeps NumPy's rule (ValueError for more than one element)."""
    for dt in [np.bool_, np.int8, np.float64, np.complex128]:
        x = np.zeros(4, dt)
        for key in [3, (-3,), -1]:
            for value in [[1, 2], [], [0], (1, 2), [[1]], np.array([1, 2]), [0, 0]]:
                _assert_like_numpy(lambda a: a.__setitem__(key, value), x, case, f"{dt.__name__}[{key!r}] = {value!r}")


# Distributed index arrays: every key above that holds an index array, with each array distributed in
# its own layout; the values are read where they live (tests/laws: O(k / P) bytes per rank).
DIST_KEYS = [k for k in KEYS if any(np.ndim(e) > 0 for e in (k if isinstance(k, tuple) else (k,)))] + [
    (np.array([9, 0]),), ([1, 2], [3, 40]), (np.array([-8]),), (slice(None), np.array([[7, 0]])),
    (np.zeros(7, bool),), (np.array([True] * 7),), (slice(None), np.array([True] * 5)),
]
KEY_LAYOUTS = ["block", "cyclic", "uneven", "replicated"]


def _distributed_key(key, layout):
    """``key`` with each index array of at least one dimension distributed in ``layout``."""
    entries = key if isinstance(key, tuple) else (key,)
    return tuple(distribute(np.asarray(e), layout) if np.ndim(e) > 0 else e for e in entries)


def _numpy_key(key):
    return tuple(np.asarray(e) if isinstance(e, list) else e for e in (key if isinstance(key, tuple) else (key,)))


@pytest.mark.parametrize("key", DIST_KEYS, ids=_id)
@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "unstructured", "grid_bb", "replicated"])
def test_distributed_index_arrays_like_numpy(case, key):
    for layout in KEY_LAYOUTS:
        d = distribute(X, case)
        dkey, nkey = _distributed_key(key, layout), _numpy_key(key)
        try:
            expected = X[nkey]
        except IndexError:
            with pytest.raises(IndexError):
                d[dkey]
            continue
        with no_fallback():
            got = d[dkey]
        assert_dist_equal(got, expected)
        y = X.copy()
        y[nkey] = -1.0
        d[dkey] = -1.0
        assert_dist_equal(d, y)
        values = np.arange(expected.size, dtype=X.dtype).reshape(expected.shape)
        y[nkey] = values
        d[dkey] = values
        assert_dist_equal(d, y)


def test_distributed_index_out_of_bounds_agreed():
    # Only the rank holding the bad value sees it; every rank raises NumPy's IndexError naming it.
    idx = np.arange(20) % 7
    idx[-1] = 7
    for layout in KEY_LAYOUTS:
        d = distribute(X, "block")
        with pytest.raises(IndexError, match="index 7 is out of bounds for axis 0 with size 7"):
            d[distribute(idx, layout)]
        with pytest.raises(IndexError, match="out of bounds"):
            d[distribute(idx, layout)] = 0.0
        assert_dist_equal(d, X)


@pytest.mark.parametrize("key_layout", ["numpy", "block", "cyclic"])
@pytest.mark.parametrize("value_kind", ["numpy", "dist"])
@pytest.mark.parametrize("which", ["rows", "both", "mask"])
def test_an_index_out_of_bounds_is_raised_before_the_values_cast(key_layout, value_kind, which):
    # NumPy checks index arrays' bounds before casting the value: under errstate(invalid="raise") a NaN written
    # into integers at an out-of-bounds index is an IndexError (a mask has no bounds: the cast's error).
    x = np.arange(12, dtype=np.int64).reshape(4, 3)
    rows = np.array([1, 9, 0, 2]) if which != "mask" else np.array([True, False, True, True])
    values = np.array([np.nan, 1.0, 2.0, 3.0])
    key_np = rows if which != "both" else (rows, np.array([0, 1, 2, 0]))
    values = values[:3] if which == "mask" else values
    value_np = np.repeat(values[:, None], 3, axis=1) if which != "both" else values

    def outcome(target, key, value):
        try:
            with np.errstate(invalid="raise"):
                target[key] = value
            return "ok"
        except (IndexError, FloatingPointError) as exc:
            return type(exc).__name__

    want = outcome(x.copy(), key_np, value_np)
    d = distribute(x, "block")
    key = key_np if key_layout == "numpy" else (
        tuple(distribute(k, key_layout) for k in key_np) if which == "both" else distribute(rows, key_layout))
    value = value_np if value_kind == "numpy" else nd.asarray(value_np)
    assert_all_ranks(outcome(d, key, value) == want, f"NumPy raised {want}")
    assert_dist_equal(d, x)


_CAST_KEYS = [Ellipsis, (slice(0, 5), slice(None)), "mask", ([0, 3, 5], slice(None))]


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb"])
@pytest.mark.parametrize("key", range(len(_CAST_KEYS)), ids=["ellipsis", "slices", "mask", "fancy"])
@pytest.mark.parametrize("source", ["numpy", "dist"])
def test_a_cast_that_fails_on_one_rank_warns_on_every_rank(case, key, source):
    # Writing floats into integers: a NaN or a too large value is "invalid value encountered in cast" in NumPy.
    # Only the ranks that hold such an element see it; every rank must report it, or raise it under errstate.
    x = np.arange(6 * 4, dtype=np.int32).reshape(6, 4)
    v = np.linspace(0.0, 9.0, 6 * 4).reshape(6, 4)
    v[0, 0], v[0, 3] = np.nan, 1e30  # (in one row: on one rank, or two of a grid)
    k = _CAST_KEYS[key]
    if isinstance(k, str):
        k = x % 3 == 0
    expected_value = x.copy()
    value_np = v[k] if not isinstance(k, type(Ellipsis)) else v
    d = distribute(x, case)
    value = value_np if source == "numpy" else (distribute(np.ascontiguousarray(value_np), case)
                                                if value_np.ndim == 2 else nd.asarray(value_np))
    for mode in ("warn", "raise"):
        outcomes = []
        for target, val in ((expected_value, value_np), (d, value)):
            with warnings.catch_warnings(record=True) as seen, np.errstate(invalid=mode, over=mode):
                warnings.simplefilter("always")
                try:
                    target[k] = val
                    nd.evaluate(target) if target is d else None
                    outcomes.append(sorted(str(w.message) for w in seen if w.category is RuntimeWarning))
                except FloatingPointError as exc:
                    outcomes.append(("raised", str(exc)))
        assert_all_ranks(outcomes[0] == outcomes[1], f"{mode}: NumPy {outcomes[0]}, numpy_dist {outcomes[1]}")
    with np.errstate(invalid="ignore", over="ignore"):
        expected_value[k] = value_np
        d[k] = value
    assert_dist_equal(d, expected_value)


# (target shape, key, value shape): NumPy reshapes a value with more axes than an index-array result to its
# last axes when the sizes allow (leading ones, or an empty value), and refuses it otherwise.
_INDEX_VALUE_SHAPES = [((0,), ([],), (7, 0)), ((0,), ([],), (7, 1)), ((3,), ([],), (7, 0)), ((3,), ([0, 1],), (7, 2)),
                       ((3,), ([0, 1],), (1, 2)), ((3, 2), ([],), (7, 0, 2)), ((3, 2), ([],), (7, 0, 3)),
                       ((3, 2), ([0], [1]), (4, 0)), ((3, 2), ([0], [1]), (1, 1)), ((3, 2), (0, [1]), (3, 0)),
                       ((3, 2), ([1, 2], [0, 1]), (5, 0, 2)), ((3,), ([0, 1],), (2, 1, 2))]


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
@pytest.mark.parametrize("i", range(len(_INDEX_VALUE_SHAPES)))
def test_index_array_assignment_takes_values_with_more_axes_as_numpy_does(case, i):
    shape, key, value_shape = _INDEX_VALUE_SHAPES[i]
    if case == "grid_bb" and len(shape) < 2:
        pytest.skip("a 2-d layout")

    def outcome(x, value):
        try:
            x[key] = value
            return ("ok", np.asarray(nd.asnumpy(x) if isinstance(x, nd.DistArray) else x).tolist())
        except (ValueError, IndexError) as exc:
            return (type(exc).__name__,)

    want = outcome(np.zeros(shape), np.ones(value_shape))
    got = outcome(distribute(np.zeros(shape), case), np.ones(value_shape))
    assert_all_ranks(got == want, f"{shape}[{key}] = {value_shape}: NumPy {want}, numpy_dist {got}")
