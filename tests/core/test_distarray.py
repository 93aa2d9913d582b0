"""DistArray metadata, conversions, printing and the communication layer."""

import operator
import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

COMM = MPI.COMM_WORLD
RANK, P = COMM.Get_rank(), COMM.Get_size()


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "uneven"])
def test_scalar_conversions(case):
    # NumPy >= 2.4 converts only 0-d arrays to Python numbers; a size-1 array of ndim >= 1 raises TypeError.
    one = distribute(np.array([3.5]), case)
    for conv in (float, int, complex):
        with pytest.raises(TypeError):
            conv(one)
    assert bool(one)
    assert one.item() == 3.5
    zero_d = nd.asarray(np.array(3.5), comm=COMM)
    assert float(zero_d) == 3.5 and int(zero_d) == 3 and bool(zero_d) and complex(zero_d) == 3.5
    idx = distribute(np.array([2]), case)
    with pytest.raises(TypeError):
        [10, 20, 30][idx]
    assert [10, 20, 30][nd.asarray(np.array(2), comm=COMM)] == 30
    many = distribute(np.arange(6), case)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(many)
    with pytest.raises(TypeError):
        float(many)
    assert len(many) == 6 and many.item(4) == 4 and many.item(-1) == 5
    with warnings.catch_warnings():  # tolist is an implicit gather: its policy is tested in test_implicit.py
        warnings.simplefilter("ignore", nd.FallbackWarning)
        assert many.tolist() == list(range(6))
    with pytest.raises(IndexError):
        many.item(6)


def _outcome(call, x):
    """A comparable summary of ``call(x)``: its value or the class of what it raised."""
    try:
        with warnings.catch_warnings():  # tolist's implicit-gather policy is tested in test_implicit.py
            warnings.simplefilter("ignore", nd.FallbackWarning)
            r = call(x)
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return ("raises", type(exc).__name__)
    return ("returns", type(r).__name__, repr(r))


CONVERSIONS = {"float": float, "int": int, "complex": complex, "index": operator.index, "bool": bool, "len": len,
               "item": lambda a: a.item(), "tolist": lambda a: a.tolist()}


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb", "replicated"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.bool_, np.complex128, np.uint8])
def test_conversions_match_numpy(case, dtype):
    """Every conversion dunder against the installed NumPy (2.4: only 0-d arrays convert to numbers;
    ``bool`` of an empty array raises ValueError), on every rank alike."""
    for shape in [(), (1,), (1, 1), (0,), (3,), (2, 2)]:
        x = (np.arange(int(np.prod(shape))) + 1).astype(dtype).reshape(shape)
        d = distribute(x, case)
        for name, conv in CONVERSIONS.items():
            want, got = _outcome(conv, x), _outcome(conv, d)
            everyone = COMM.allgather(got)
            assert_all_ranks(all(g == everyone[0] for g in everyone), f"{name}{shape}: ranks disagree {everyone}")
            assert_all_ranks(got == want, f"numpy {np.__version__} {name}{shape} {np.dtype(dtype)}: "
                                          f"NumPy {want}, DistArray {got}")


def test_item_multi_index_and_len_of_0d():
    x = np.arange(24).reshape(2, 3, 4)
    d = distribute(x, "grid_bc")
    assert d.item((1, 2, 3)) == 23 and d.item(1, 0, 2) == x[1, 0, 2]
    z = nd.asarray(5)
    with pytest.raises(TypeError):
        len(z)
    assert int(z) == 5


def test_array_protocol_copy_semantics():
    d = distribute(np.arange(5.0), "cyclic")
    with pytest.warns(nd.FallbackWarning, match="implicitly gathers"):  # np.asarray(d) is an implicit gather
        assert np.array_equal(np.asarray(d), np.arange(5.0))
    with pytest.warns(nd.FallbackWarning, match="implicitly gathers"):
        assert np.asarray(d, dtype=np.int32).dtype == np.int32
    with pytest.raises(ValueError, match="copy"):
        d.__array__(copy=False)


@pytest.mark.parametrize("case", ["block", "grid_bb", "unstructured", "replicated"])
@pytest.mark.parametrize("shape", [(0,), (4,), (3, 5), (2000,), (40, 60), (3, 4, 100)], ids=str)
def test_repr_and_str_match_numpy(case, shape):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) / 7
    d = distribute(x, case)
    nd.reset_comm_stats()
    text = repr(d)
    moved = nd.comm_stats()["bytes_sent"]
    body = np.array2string(x, separator=", ", prefix="DistArray(")
    assert text.startswith("DistArray(" + body), (text, body)
    assert "dist=" in text
    assert str(d) == str(x)
    if x.size > 1000:  # summarised: only the shown corners move
        assert moved <= 64 * 7 ** x.ndim * 8


def test_astype_copy_fill():
    x = np.linspace(-2, 2, 9)
    d = distribute(x, "blockcyclic2")
    assert_dist_equal(d.astype(np.int16), x.astype(np.int16))
    with pytest.raises(TypeError, match="cast"):
        d.astype(np.int16, casting="safe")
    c = d.copy()
    c.fill(7.0)
    assert_dist_equal(c, np.full(9, 7.0))
    assert_dist_equal(d, x)
    assert d.astype(np.float64, copy=False) is d


def test_comm_stats_count_and_reset():
    nd.reset_comm_stats()
    s = nd.comm_stats()
    assert s == {"collectives": 0, "bytes_sent": 0, "control_collectives": 0, "control_bytes": 0,
                 "implicit_gathers": 0, "implicit_bytes": 0}
    d = nd.asarray(np.arange(10.0))
    assert nd.comm_stats()["collectives"] == 0  # asarray keeps each rank's part: no traffic
    nd.asnumpy(d)
    if P > 1:
        assert nd.comm_stats()["bytes_sent"] > 0


def test_agree_raises_everywhere():
    exc = ValueError("bad value on the last rank") if RANK == P - 1 else None
    with pytest.raises(ValueError, match="bad value"):
        nd.agree(COMM, exc)
    nd.agree(COMM, None)
    with pytest.raises(KeyError):
        with nd.agreed(COMM):
            if RANK == 0:
                raise KeyError("k")


def test_agree_keeps_the_class_of_unpicklable_exceptions():
    # NumPy's UFuncTypeError carries DType classes that do not pickle: every rank still raises that class.
    try:
        np.lcm(np.ones(2, np.int32), 1 + 2j)
    except TypeError as e:
        numpy_error = e
    exc = numpy_error if RANK == 0 else None
    with pytest.raises(type(numpy_error)) as info:
        nd.agree(COMM, exc)
    assert type(info.value).__name__ == type(numpy_error).__name__
    assert "did not contain a loop" in str(info.value)


def test_grid_subcomm_groups():
    from numpy_dist.comm import grid_subcomm

    grid = (P, 1)
    sub = grid_subcomm(COMM, grid, (0,))
    assert sub.Get_size() == P
    sub2 = grid_subcomm(COMM, grid, (1,))
    assert sub2.Get_size() == 1
    assert grid_subcomm(COMM, grid, (0,)) is sub  # cached


def test_other_communicator():
    sub = COMM.Split(color=RANK % 2, key=RANK)
    x = np.arange(7.0)
    d = nd.asarray(x, comm=sub)
    assert d.comm is sub and d.distribution.nprocs == sub.Get_size()
    assert np.array_equal(nd.asnumpy(d), x)
    assert float(np.sum(d)) == x.sum()
    sub.Free()


def test_local_invariant_and_metadata_consistency():
    d = distribute(np.zeros((9, 4)), "grid_bc")
    metas = COMM.allgather((d.shape, str(d.dtype), d.dist, d.grid_shape))
    assert_all_ranks(len(set(metas)) == 1, "global metadata differs across ranks")
    assert_all_ranks(d.local.shape == d.distribution.local_shape, "local block shape")


@pytest.mark.parametrize("case", ["block", "cyclic"])
def test_boolean_squared_is_int8_as_ndarray_computes_it(case):
    """ndarray's ``b ** 2`` is ``np.square(b)`` (int8 for booleans); other exponents take ``np.power``."""
    b = np.array([True, False, True, True, False])
    d = distribute(b, case)
    for e in (2, 3, 2.0, 0.5, True):
        assert_dist_equal(d ** e, b ** e)


def _warned(f):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = f()
    return result, sorted(str(w.message) for w in seen if issubclass(w.category, RuntimeWarning))


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured"])
@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.complex64, np.int32, np.bool_])
@pytest.mark.parametrize("exponent", [2, -1, 0.5, 2.0, -1.0, 3])
def test_powers_take_ndarrays_fast_paths(case, dtype, exponent):
    """``x ** 2``, ``x ** -1`` and ``x ** 0.5`` are square, reciprocal and sqrt for ndarray (floats and complex):
    the same values and dtypes as NumPy's, warnings named after the function NumPy ran, in place too."""
    if np.dtype(dtype).kind in "ib" and exponent == -1:
        return  # (integers to negative powers raise: tested with the ufuncs)
    x = np.array([0, 70000, 4, -1, 0.25, -3] if np.dtype(dtype).kind != "i" else [0, 7, 4, -1, 2, -3], dtype=dtype)
    d = distribute(x, case)
    expected, expected_warnings = _warned(lambda: x ** exponent)
    got, got_warnings = _warned(lambda: nd.asnumpy(d ** exponent))
    assert_dist_equal(nd.asarray(got), expected)
    assert_all_ranks(got_warnings == expected_warnings, f"{got_warnings} vs {expected_warnings}")
    for x0 in (x[0], x[3]):  # a 0-d array takes the same path as NumPy's 0-d arrays (not its scalars')
        expected, expected_warnings = _warned(lambda: np.array(x0) ** exponent)
        got, got_warnings = _warned(lambda: nd.asnumpy(nd.asarray(np.array(x0)) ** exponent))
        assert_dist_equal(nd.asarray(got), expected)
        assert_all_ranks(got_warnings == expected_warnings, f"0-d: {got_warnings} vs {expected_warnings}")
    if np.result_type(x, exponent) == x.dtype or np.dtype(dtype).kind in "fc":
        y, e = x.copy(), distribute(x, case)

        def in_place(v):
            v **= exponent
            return v
        expected, expected_warnings = _warned(lambda: in_place(y))
        got, got_warnings = _warned(lambda: nd.asnumpy(in_place(e)))
        assert_dist_equal(nd.asarray(got), expected)
        assert_all_ranks(got_warnings == expected_warnings, f"in place: {got_warnings} vs {expected_warnings}")
