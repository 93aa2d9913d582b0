"""NumPy creation functions with ``like=`` a DistArray (NEP 35), and linspace/logspace/geomspace with DistArray
endpoints: DistArrays on the like array's communicator, equal to NumPy's result in value, shape and dtype."""

import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, assert_all_ranks, assert_dist_equal, assert_raises_like_numpy, distribute

COMM = MPI.COMM_WORLD


pytestmark = pytest.mark.usefixtures("refuse_fallback")


LIKE_CALLS = {
    "zeros": lambda like: np.zeros((5, 3), like=like),
    "zeros_int": lambda like: np.zeros(7, dtype=np.int16, like=like),
    "ones": lambda like: np.ones((2, 9), "c8", like=like),
    "empty_shape": lambda like: np.empty(0, like=like).shape and np.empty((0, 4), like=like),
    "full": lambda like: np.full((6,), 2.5, like=like),
    "full_int_fill": lambda like: np.full((3, 3), 7, like=like),
    "arange": lambda like: np.arange(2, 31, 3, like=like),
    "arange_float": lambda like: np.arange(0.5, 4.1, 0.3, like=like),
    "arange_stop": lambda like: np.arange(9, like=like),
    "array": lambda like: np.array([[1, 2], [3, 4], [5, 6]], like=like),
    "array_ndmin": lambda like: np.array(5.0, ndmin=2, like=like),
    "array_dtype": lambda like: np.array([1, 2, 3], dtype=np.float32, like=like),
    "asarray": lambda like: np.asarray(np.arange(11.0), like=like),
    "asanyarray": lambda like: np.asanyarray([True, False, True], like=like),
    "ascontiguous_0d": lambda like: np.ascontiguousarray(5, like=like),
    "asfortran": lambda like: np.asfortranarray(np.ones((3, 4)), like=like),
    "eye": lambda like: np.eye(5, 7, k=-2, like=like),
    "identity": lambda like: np.identity(4, dtype=int, like=like),
    "fromfunction": lambda like: np.fromfunction(lambda i, j: i * 10 + j, (6, 3), like=like),
    "frombuffer": lambda like: np.frombuffer(b"abcdefghij", np.uint8, like=like),
    "frombuffer_offset": lambda like: np.frombuffer(np.arange(9.0).tobytes(), float, 5, 16, like=like),
    "fromstring": lambda like: np.fromstring("1 2 3 4.5", sep=" ", like=like),
    "fromiter_count": lambda like: np.fromiter((i * i for i in range(13)), int, 13, like=like),
    "fromiter_count_short": lambda like: np.fromiter(range(20), float, 6, like=like),
    "fromiter_unknown": lambda like: np.fromiter(iter(range(8)), np.int8, like=like),
}


@pytest.mark.parametrize("name", list(LIKE_CALLS))
def test_like_returns_a_distarray_equal_to_numpy(name):
    expected = LIKE_CALLS[name](None)
    got = LIKE_CALLS[name](nd.zeros(3))
    assert_all_ranks(isinstance(got, nd.DistArray), f"{type(got).__name__}, not a DistArray")
    assert_dist_equal(got, expected)
    assert_all_ranks(got.comm == COMM, "not on the like array's communicator")


def test_like_follows_the_communicator_of_like():
    sub = COMM.Split(COMM.Get_rank() % 2)
    like = nd.zeros(4, comm=sub)
    got = np.arange(10, like=like)
    ok = got.comm == sub and np.array_equal(nd.asnumpy(got), np.arange(10))
    assert_all_ranks(ok, "result not on like's communicator")
    sub.Free()


def test_like_of_a_distarray_argument_keeps_it():
    d = distribute(np.arange(12.0).reshape(4, 3), "cyclic")
    same = np.asarray(d, like=d)
    assert_all_ranks(same is d, "np.asarray(d, like=d) copied")
    copied = np.array(d, like=d)
    assert_all_ranks(copied is not d, "np.array(d, like=d) did not copy")
    assert_dist_equal(copied, np.arange(12.0).reshape(4, 3))
    assert_dist_equal(np.asarray(d, dtype=np.float32, like=d), np.arange(12.0, dtype=np.float32).reshape(4, 3))


@pytest.mark.parametrize("call", [
    lambda like: np.zeros(-1, like=like),
    lambda like: np.zeros((2, 2), dtype="not a dtype", like=like),
    lambda like: np.arange(0, 5, 0, like=like),
    lambda like: np.fromiter(range(3), int, 7, like=like),
    lambda like: np.eye(2.5, like=like),
    lambda like: np.asarray([[1], [2, 3]], like=like),
], ids=["negative", "dtype", "zero_step", "short_iter", "float_N", "ragged"])
def test_like_errors_as_numpy(call):
    assert_raises_like_numpy(lambda: call(nd.zeros(2)), lambda: call(None))


# --------------------------------------------------------------------------
# linspace / logspace / geomspace
# --------------------------------------------------------------------------

STARTS = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -8.0], [2.0, 2.0, 1e-3], [1.0, 5.0, 7.0],
                   [-1.0, -3.0, 9.0]])
STOPS = np.array([[10.0, -20.0, 30.0], [0.5, 400.0, -0.5], [2.0, 8.0, 1e3], [1e-2, 5.0, 49.0],
                  [-16.0, -3.0, 81.0]])


@pytest.mark.parametrize("case", [c for c in DIST_CASES if DIST_CASES[c]((5, 3), COMM) is not None])
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_spaces_with_distributed_endpoints(case, axis):
    s, t = distribute(STARTS, case), distribute(STOPS, case)
    for func, kw in [(np.linspace, {}), (np.linspace, dict(endpoint=False)), (np.linspace, dict(dtype=int)),
                     (np.logspace, dict(base=2)), (np.logspace, dict(endpoint=False)), (np.geomspace, {}),
                     (np.geomspace, dict(endpoint=False, dtype=np.float32))]:
        for num in (0, 1, 6):
            assert_dist_equal(func(s, t, num, axis=axis, **kw), func(STARTS, STOPS, num, axis=axis, **kw))
    assert_dist_equal(np.linspace(s, 3.0, 4, axis=axis), np.linspace(STARTS, 3.0, 4, axis=axis))
    got, step = np.linspace(s, t, 5, retstep=True, axis=axis)
    assert_dist_equal(step, np.linspace(STARTS, STOPS, 5, retstep=True, axis=axis)[1])
    _, step = np.linspace(s, t, 1, retstep=True, axis=axis)  # one sample: NumPy's step is a plain nan
    assert_all_ranks(isinstance(step, float) and np.isnan(step), f"{step!r}")


def test_spaces_errors_and_zero_steps():
    s = distribute(np.array([1.0, 0.0, 2.0, 3.0, 4.0]), "uneven")  # the zero sits on one rank
    assert_raises_like_numpy(lambda: np.geomspace(s, 5.0),
                             lambda: np.geomspace(np.array([1.0, 0.0, 2.0, 3.0, 4.0]), 5.0))
    assert_raises_like_numpy(lambda: np.linspace(s, 2.0, -1), lambda: np.linspace(np.ones(3), 2.0, -1))
    assert_raises_like_numpy(lambda: np.linspace(s, 2.0, 3, axis=3), lambda: np.linspace(np.ones(5), 2.0, 3, axis=3))
    tiny = np.array([0.0, 1e-320, 1.0, 2.0, 5e-324])  # a zero step on one rank changes NumPy's arithmetic
    t = distribute(tiny, "cyclic")
    assert_dist_equal(np.linspace(t, tiny * 3, 7), np.linspace(tiny, tiny * 3, 7))


@pytest.mark.parametrize("args", [(1, 1000, 4), (-1, -1000, 7), (1j, 1000j, 5), (2, 3, 0), (2, 3, 1),
                                  (1, 2 ** 0.5, 9), (np.float32(2), np.float32(64), 6)])
def test_scalar_geomspace_and_logspace(args):
    for endpoint in (True, False):
        assert_dist_equal(nd.geomspace(*args, endpoint=endpoint), np.geomspace(*args, endpoint=endpoint))
        assert_dist_equal(nd.geomspace(*args, endpoint=endpoint, dtype=complex),
                          np.geomspace(*args, endpoint=endpoint, dtype=complex))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex logs of negative values
        for base in (10.0, 2, np.float32(3)):
            num = args[2]
            lo, hi = (abs(complex(a)) for a in args[:2])
            assert_dist_equal(nd.logspace(np.log10(lo), np.log10(hi), num, base=base),
                              np.logspace(np.log10(lo), np.log10(hi), num, base=base))
    assert_raises_like_numpy(lambda: nd.geomspace(0, 5), lambda: np.geomspace(0, 5))
    assert_raises_like_numpy(lambda: nd.linspace(0, 5, 3, axis=1), lambda: np.linspace(0, 5, 3, axis=1))
