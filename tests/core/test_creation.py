"""Creation and gathering: every distribution case round-trips, values equal NumPy's exactly."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import (SHAPES_1D, SHAPES_2D, SHAPES_3D, DIST_CASES, assert_all_ranks, assert_dist_equal,
                              distribute, rng_data)

COMM = MPI.COMM_WORLD
RANK, P = COMM.Get_rank(), COMM.Get_size()
SHAPES = SHAPES_1D + SHAPES_2D + SHAPES_3D
CASES = list(DIST_CASES)


def _dist(case, shape):
    d = DIST_CASES[case](shape, COMM)
    if d is None:
        pytest.skip(f"{case} does not apply to {len(shape)}-d")
    return d


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_asarray_asnumpy_round_trip(case, shape):
    x = rng_data(shape, np.float64, seed=len(shape))
    d = nd.asarray(x, dist=_dist(case, shape))
    assert d.shape == shape and d.dtype == x.dtype and d.size == x.size and d.nbytes == x.nbytes
    assert_dist_equal(d, x)
    assert np.array_equal(nd.asnumpy(d), x)


@pytest.mark.parametrize("shape", [(0,), (3,), (10,), (7, 4), (3, 4, 5)], ids=str)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("root", [0, P - 1])
def test_scatter_and_gather(case, shape, root):
    x = rng_data(shape, np.int32, seed=3)
    d = nd.scatter(x if RANK == root else None, root=root, dist=_dist(case, shape))
    assert_dist_equal(d, x)
    g = nd.gather(d, root=root)
    ok = np.array_equal(g, x) if RANK == root else g is None
    from numpy_dist.testing import assert_all_ranks

    assert_all_ranks(ok, "gather result wrong")


@pytest.mark.parametrize("shape", [(10,), (7, 4), (3, 4, 5), (0, 3)], ids=str)
@pytest.mark.parametrize("case", CASES)
def test_distarray_protocol_round_trip(case, shape):
    x = rng_data(shape, np.complex128, seed=5)
    d = nd.asarray(x, dist=_dist(case, shape))
    exported = d.__distarray__()
    assert exported["buffer"] is d.local and len(exported["dim_data"]) == d.ndim
    back = nd.from_distarray(d)
    assert back.local is d.local  # zero-copy
    assert back.distribution == d.distribution
    assert_dist_equal(back, x)


@pytest.mark.parametrize("shape", [(10,), (7, 4), (3, 4, 5)], ids=str)
@pytest.mark.parametrize("case", CASES)
def test_from_local_with_distribution(case, shape):
    x = rng_data(shape, np.int64, seed=7)
    dist = _dist(case, shape)
    block = x[dist.local_key()]
    d = nd.from_local(block, dist=dist)
    assert_dist_equal(d, x)


def test_from_local_infers_block_shape():
    block = np.full((RANK + 1, 2), RANK, dtype=np.int16)
    d = nd.from_local(block)
    expected = np.concatenate([np.full((r + 1, 2), r, dtype=np.int16) for r in range(P)])
    assert d.shape == expected.shape and d.dist == ("b", "n")
    assert_dist_equal(d, expected)


def test_from_local_cyclic_and_errors():
    n = 10
    expected = np.arange(n)
    block = expected[RANK::P]
    assert_dist_equal(nd.from_local(block, dist="c"), expected)
    with pytest.raises(ValueError, match="lengths"):
        nd.from_local(np.zeros((2, RANK + 1)), dist=("b", "n")) if P > 1 else (_ for _ in ()).throw(ValueError("lengths"))
    with pytest.raises(TypeError, match="dtype"):
        nd.from_local(np.zeros(2, dtype=np.float32 if RANK else np.float64)) if P > 1 else \
            (_ for _ in ()).throw(TypeError("dtype"))


@pytest.mark.parametrize("src", CASES)
@pytest.mark.parametrize("dst", CASES)
def test_redistribute_every_pair(src, dst):
    shape = (11, 6)
    x = rng_data(shape, np.float32, seed=11)
    d = nd.asarray(x, dist=_dist(src, shape))
    target = _dist(dst, shape)
    nd.reset_comm_stats()
    e = nd.redistribute(d, dist=target)
    moved = nd.comm_stats()["bytes_sent"]
    assert e.distribution == target
    assert_dist_equal(e, x)
    if src == dst or P == 1:
        assert moved == 0


def test_redistribute_moves_only_what_changes_owner():
    n = 1000
    x = np.arange(n, dtype=np.float64)
    d = nd.asarray(x, dist="b")
    nd.reset_comm_stats()
    e = nd.redistribute(d, dist="c")
    moved = COMM.allreduce(nd.comm_stats()["bytes_sent"])
    stay = sum(np.count_nonzero(d.distribution.maps[0].local_indices(p) % P == p) for p in range(P))
    assert moved == (n - stay) * 8
    assert nd.comm_stats()["collectives"] <= 1
    assert_dist_equal(e, x)


@pytest.mark.parametrize("shape", [(0,), (5,), (4, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bc", "uneven"])
def test_fill_functions(case, shape):
    dist = DIST_CASES[case](shape, COMM)
    if dist is None:
        pytest.skip("n/a")
    nd.reset_comm_stats()
    for got, want in [
        (nd.zeros(shape, dist=dist), np.zeros(shape)),
        (nd.ones(shape, dtype=np.int8, dist=dist), np.ones(shape, dtype=np.int8)),
        (nd.full(shape, 2.5, dist=dist), np.full(shape, 2.5)),
        (nd.full(shape, 7, dist=dist), np.full(shape, 7)),
    ]:
        assert got.distribution == dist
        assert_dist_equal(got, want)
    e = nd.empty(shape, dtype=np.uint16, dist=dist)
    assert e.dtype == np.uint16 and e.shape == shape


def test_like_functions_keep_distribution():
    d = nd.asarray(np.arange(12.0).reshape(4, 3), dist="c")
    for f, want in [(np.zeros_like, np.zeros((4, 3))), (np.ones_like, np.ones((4, 3)))]:
        r = f(d)
        assert isinstance(r, nd.DistArray) and r.distribution == d.distribution
        assert_dist_equal(r, want)
    r = np.full_like(d, 3, dtype=np.int32)
    assert_dist_equal(r, np.full((4, 3), 3, dtype=np.int32))
    assert np.empty_like(d).distribution == d.distribution
    assert_dist_equal(nd.zeros_like(d, dtype=bool), np.zeros((4, 3), bool))


ARANGE_ARGS = [(10,), (0,), (-3,), (2, 11, 3), (5, 0, -1), (0.0, 1.0, 0.1), (1.5, -2.2, -0.3),
               (0, 7, 2.5), (3.0,), (np.float32(0), np.float32(3.3), np.float32(0.3))]


@pytest.mark.parametrize("args", ARANGE_ARGS, ids=str)
@pytest.mark.parametrize("case", ["block", "cyclic", "uneven"])
def test_arange_exact(args, case):
    want = np.arange(*args)
    got = nd.arange(*args, dist=DIST_CASES[case](want.shape, COMM))
    assert_dist_equal(got, want, rtol=0)
    assert np.array_equal(nd.asnumpy(got), want)


@pytest.mark.parametrize("kwargs", [dict(start=0, stop=1, num=7), dict(start=-2.5, stop=9, num=13, endpoint=False),
                                    dict(start=3, stop=3, num=4), dict(start=1, stop=10, num=1),
                                    dict(start=0, stop=10, num=0), dict(start=0, stop=100, num=9, dtype=int),
                                    dict(start=1e-3, stop=1e3, num=11, dtype=np.float32)], ids=str)
def test_linspace_exact(kwargs):
    want = np.linspace(**kwargs)
    got = nd.linspace(**kwargs, dist="c")
    assert np.array_equal(nd.asnumpy(got), want) and got.dtype == want.dtype
    v, step = nd.linspace(0, 1, 5, retstep=True)
    assert step == np.linspace(0, 1, 5, retstep=True)[1]


@pytest.mark.parametrize("N, M, k", [(4, None, 0), (5, 3, 1), (3, 6, -2), (0, 2, 0)])
@pytest.mark.parametrize("case", ["block", "grid_bb", "grid_cb"])
def test_eye_identity(N, M, k, case):
    want = np.eye(N, M, k, dtype=np.int32)
    got = nd.eye(N, M, k, dtype=np.int32, dist=DIST_CASES[case](want.shape, COMM))
    assert_dist_equal(got, want)
    assert_dist_equal(nd.identity(3), np.identity(3))


@pytest.mark.parametrize("case", ["block", "grid_bc", "unstructured"])
def test_fromfunction_global_indices(case):
    shape = (5, 7)
    f = lambda i, j: 10 * i + j  # noqa: E731
    got = nd.fromfunction(f, shape, dist=DIST_CASES[case](shape, COMM))
    assert_dist_equal(got, np.fromfunction(f, shape))
    got_int = nd.fromfunction(f, shape, dtype=int)
    assert_dist_equal(got_int, np.fromfunction(f, shape, dtype=int))


def test_asarray_copy_semantics_and_dtypes():
    x = np.arange(12.0).reshape(4, 3)
    d = nd.asarray(x, copy=None)
    assert np.shares_memory(d.local, x) or d.local.size == 0
    d2 = nd.asarray(x, copy=True)
    assert not np.shares_memory(d2.local, x)
    with pytest.raises(ValueError, match="copy"):
        nd.asarray(x, dist=DIST_CASES["unstructured"](x.shape, COMM), copy=False) if P > 1 else \
            nd.asarray([1, 2], copy=False)
    assert_dist_equal(nd.asarray([[1, 2], [3, 4]], dtype=np.uint8), np.array([[1, 2], [3, 4]], dtype=np.uint8))
    assert_dist_equal(nd.asarray(3.5), np.asarray(3.5))
    assert_dist_equal(nd.asarray([True, False, True]), np.array([True, False, True]))
    d3 = nd.asarray(d, dist="c")
    assert d3.dist == ("c", "c")
    assert_dist_equal(nd.asarray(d, dtype=np.float32), x.astype(np.float32))
    with pytest.raises(TypeError, match="dtype"):
        nd.asarray([{"a": 1}])


@pytest.mark.parametrize("value", [np.array("ab", "U6"), np.array(b"ab", "S6"), np.array(2.5, np.float32),
                                   np.zeros((), [("a", "i2"), ("b", "S3")])])
def test_a_0d_array_keeps_its_dtype_and_is_a_view_as_blocks_are(value):
    x = value.copy()
    d = nd.asarray(x)
    assert_all_ranks(d.dtype == x.dtype and d.local.dtype == x.dtype, f"{d.dtype} / {d.local.dtype} != {x.dtype}")
    assert_dist_equal(d, x.copy())
    assert_all_ranks(np.shares_memory(d.local, x), "a 0-d block is a view of the caller's array, as n-d blocks are")
    assert_all_ranks(not np.shares_memory(nd.asarray(x, copy=True).local, x), "copy=True copies")


def test_context_api_ports_seed_code():
    ctx = nd.Context()
    x = np.arange(20.0).reshape(5, 4)
    dist = nd.Distribution(ctx, x.shape, dist=("c", "n"))
    d = ctx.fromarray(x, dist)
    assert np.array_equal(d.toarray(), x) and np.array_equal(d.tondarray(), x)
    assert d.localshapes() == dist.localshapes()
    blocks = d.get_localarrays()
    assert len(blocks) == P and sum(b.shape[0] for b in blocks) == 5
    assert_dist_equal(ctx.zeros(dist), np.zeros(x.shape))
    assert_dist_equal(ctx.ones(nd.Distribution.from_shape(ctx, (3,))), np.ones(3))
    assert ctx.empty(dist).shape == x.shape
    assert_dist_equal(ctx.fromfunction(lambda i, j: i * j, (3, 3)), np.fromfunction(lambda i, j: i * j, (3, 3)))
    sizes = ctx.apply(lambda block: int(block.size), (d,))
    assert sizes == [int(np.prod(s)) for s in d.localshapes()]

    @ctx.register
    def local_sum(block):
        return float(block.sum())

    assert sum(ctx.local_sum(d)) == x.sum()


@pytest.mark.parametrize("method, fill", [("zeros", 0.0), ("ones", 1.0), ("empty", None)])
@pytest.mark.parametrize("shape", [(4, 4), 6, (3, 2, 5), (0, 3)])
def test_context_creation_takes_a_shape(method, fill, shape):
    # As the DistArray 0.4 docs' examples: ctx.zeros((4, 4)) lays out a shape on the context's comm.
    ctx = nd.Context()
    d = getattr(ctx, method)(shape, dtype=np.float32)
    want_shape = (shape,) if isinstance(shape, int) else shape
    assert d.shape == want_shape and d.dtype == np.float32 and d.comm is ctx.comm
    assert d.distribution == nd.Distribution(ctx, want_shape)
    if fill is not None:
        assert_dist_equal(d, np.full(want_shape, fill, np.float32))
    c = getattr(ctx, method)(want_shape, dist="c" * len(want_shape))
    assert c.dist == ("c",) * len(want_shape)
    with pytest.raises(TypeError, match="dist"):
        getattr(ctx, method)(nd.Distribution(ctx, want_shape), dist="b")


def _creation_outcome(make):
    """``make()``'s value gathered, or the class of what it raised (what is compared with NumPy)."""
    try:
        r = make()
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return ("raises", type(exc).__name__)
    r = nd.asnumpy(r) if isinstance(r, nd.DistArray) else r
    return ("array", r.shape, r.dtype.str, repr(r.tolist()))  # repr: NaN equals NaN


def _assert_creation_like_numpy(make, label):
    want = _creation_outcome(lambda: make(np))
    got = _creation_outcome(lambda: make(nd))
    everyone = COMM.allgather(got)
    assert_all_ranks(all(g == everyone[0] for g in everyone), f"{label}: ranks disagree {everyone}")
    assert_all_ranks(got == want, f"{label}: NumPy {want}, DistArray {got}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "replicated"])
def test_fill_converts_like_numpy(case):
    """Issue 15: full/full_like set values as NumPy (copyto, unsafe casting) with the whole fill value
    converted and broadcast-checked on every rank: NaN into int16 is a value (not ValueError), 300 into
    uint8 OverflowError and 'a' into float ValueError even on a rank whose block is empty, array fills
    broadcast along the global shape."""
    for shape in [(0,), (2,), (5,), (3, 4)]:
        proto = np.arange(int(np.prod(shape)), dtype=np.uint32).reshape(shape)
        for fill in [np.nan, 7, -1, 300, 1j, "a", [1, 2, 3, 4], [[1], [2], [3]], np.array(2.5)]:
            for dt in [None, np.int16, np.uint8, np.float32, bool]:
                label = f"{shape} fill={fill!r} dtype={dt}"
                _assert_creation_like_numpy(
                    lambda m: m.full_like(proto if m is np else distribute(proto, case), fill, dtype=dt),
                    "full_like " + label)
                if len(shape) == 1:  # a 1-d distribution case applies only to 1-d shapes
                    _assert_creation_like_numpy(
                        lambda m: m.full(shape, fill, dtype=dt) if m is np else
                        m.full(shape, fill, dtype=dt, dist=DIST_CASES[case](shape, COMM)), "full " + label)


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven"])
def test_bool_arange_and_fromfunction_like_numpy(case):
    """Issue 15: a bool arange has at most 2 elements (else NumPy's TypeError) and holds NumPy's values;
    fromfunction's bool grids come from such aranges, so any axis longer than 2 is a TypeError."""
    for args in [(5, 0), (0, 5), (2,), (0, 2), (1, 3), (3,), (0,), (0, 1, 1), (True, False, -1), (0.5, 2)]:
        _assert_creation_like_numpy(lambda m: m.arange(*args, dtype=bool), f"arange{args} bool")
    for shape in [(2, 2), (2, 3), (0, 5), (2, 0), (1, 1)]:
        for dt in [bool, float, np.int16, "bogus"]:
            _assert_creation_like_numpy(lambda m: m.fromfunction(lambda i, j: i + j, shape, dtype=dt),
                                        f"fromfunction {shape} {dt}")


def _metadata(uninitialised):
    """Only what is defined of an ``empty`` result: its shape and dtype, as zeros."""
    return np.zeros(uninitialised.shape, uninitialised.dtype)


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven"])
def test_creation_checks_dtype_before_shape_like_numpy(case):
    """Fuzz: every creation function converts its dtype first, as NumPy does, so a bad dtype is
    NumPy's TypeError even when the shape (negative), the step (0) or the fill value is bad too;
    linspace checks ``num`` first, as NumPy does."""
    proto = np.arange(6.0).reshape(3, 2)
    for dt in ["bogus", None, np.int16]:
        for shape in [-1, (-1, 2), (3, 2), None]:
            _assert_creation_like_numpy(lambda m: _metadata(m.empty_like(proto if m is np else distribute(proto, case),
                                                                         dtype=dt, shape=shape)),
                                        f"empty_like shape={shape} dtype={dt}")
            for like in ["zeros_like", "ones_like"]:
                _assert_creation_like_numpy(
                    lambda m: getattr(m, like)(proto if m is np else distribute(proto, case), dtype=dt, shape=shape),
                    f"{like} shape={shape} dtype={dt}")
            _assert_creation_like_numpy(
                lambda m: m.full_like(proto if m is np else distribute(proto, case), "a", dtype=dt, shape=shape),
                f"full_like 'a' shape={shape} dtype={dt}")
            if shape is not None:
                for fill in [1, "a"]:
                    _assert_creation_like_numpy(lambda m: m.full(shape, fill, dtype=dt),
                                                f"full {shape} {fill!r} dtype={dt}")
                for name in ["zeros", "ones"]:
                    _assert_creation_like_numpy(lambda m: getattr(m, name)(shape, dtype=dt), f"{name} {shape} {dt}")
        for n in [-1, 3]:
            _assert_creation_like_numpy(lambda m: m.identity(n, dtype=dt), f"identity({n}) dtype={dt}")
            _assert_creation_like_numpy(lambda m: m.eye(n, 2, dtype=dt), f"eye({n}, 2) dtype={dt}")
            _assert_creation_like_numpy(lambda m: m.linspace(0, 1, n, dtype=dt), f"linspace num={n} dtype={dt}")
            _assert_creation_like_numpy(lambda m: m.fromfunction(lambda i: i, (n,), dtype=dt or float),
                                        f"fromfunction ({n},) dtype={dt}")
        for args in [(0, 5, 0), (0, 5, 2), (5,)]:
            _assert_creation_like_numpy(lambda m: m.arange(*args, dtype=dt), f"arange{args} dtype={dt}")
