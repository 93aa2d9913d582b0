"""An assignment consumes a pending value: ``u[1:-1] = <expression of u>`` is written straight into ``u``.

The value is computed chunk by chunk into the assigned view (numpy_dist._consumers.assign),
with no block of its own, and chunks are written late where the expression reads rows
next to those it writes.  Every test compares with NumPy running the same statements,
bit for bit; small chunks make every block walk in many chunks at every rank count.
"""

from __future__ import annotations

import math
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist import _consumers, _deferred
from numpy_dist.testing import assert_all_ranks, distribute

CASES = ["block", "uneven", "grid_bb", "last", "replicated", "cyclic", "unstructured"]
CHUNK = 64  # elements: a 37-column row is one chunk's worth (two rows), so most blocks walk in several chunks


@pytest.fixture(autouse=True)
def deferred(monkeypatch):
    previous = _deferred.set_enabled(True)
    monkeypatch.setattr(_deferred, "CHUNK_ELEMENTS", CHUNK)
    yield
    nd.evaluate(nd.zeros((1,)))  # settle what a test left pending (COMM_WORLD)
    _deferred.set_enabled(previous)


@pytest.fixture
def in_place(monkeypatch):
    """How many assignments this rank wrote straight into the array (and how many it declined)."""
    seen = {True: 0, False: 0}
    assign = _consumers.assign

    def counted(value, target):
        done = assign(value, target)
        seen[done] += 1
        return done

    monkeypatch.setattr(_consumers, "assign", counted)
    return seen


def _exact(actual: nd.DistArray, expected: np.ndarray) -> None:
    got = nd.asnumpy(actual)
    same = got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(
        got.view(np.uint8), np.ascontiguousarray(expected).view(np.uint8))
    assert_all_ranks(same, f"assigned values differ: {got!r} vs {expected!r}")


def _heat(v):
    v[1:-1, 1:-1] = v[1:-1, 1:-1] + 0.1 * (v[:-2, 1:-1] + v[2:, 1:-1] + v[1:-1, :-2] + v[1:-1, 2:] - 4 * v[1:-1, 1:-1])


def _behind(v):  # reads the row before each row it writes: chunks go one chunk late
    v[1:] = v[:-1] * 0.5 + v[1:]


def _two_behind(v):
    v[2:] = v[:-2] + v[2:] * 2


def _ahead(v):  # reads rows not written yet
    v[:-2] = v[2:] - v[1:-1] * 3


def _columns(v):
    v[:, 1:] = v[:, :-1] + v[:, 1:]


def _whole(v):
    v[...] = v * 2 + np.sin(v)


def _reversed(v):  # another layout (the reversed view): computed, then copied, as before
    v[::-1] = v + 1 - v[::-1]


def _transposed(v):
    v.T[...] = v * 2 - 1


STATEMENTS = [_heat, _behind, _two_behind, _ahead, _columns, _whole, _reversed]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda f: f.__name__[1:])
def test_an_assigned_expression_is_numpys(case, statement, in_place):
    u = np.random.default_rng(11).standard_normal((60, 37))
    d = distribute(u, case)
    for _ in range(3):
        statement(u)
        statement(d)
    _exact(d, u)
    if statement is _heat and case in ("block", "uneven", "last"):
        # (not provable on every layout: a rank may hold too few rows, or a grid's halo parts)
        taken = MPI.COMM_WORLD.allreduce(in_place[True], op=MPI.MAX)
        assert_all_ranks(taken > 0, "no rank wrote the stencil straight into the array")


@pytest.mark.parametrize("case", ["block", "grid_bb", "replicated"])
@pytest.mark.parametrize("shape", [(37, 37), (1, 200), (200, 1), (0, 5)])
def test_transposed_and_degenerate_targets(case, shape):
    u = np.random.default_rng(12).standard_normal(shape)
    d = distribute(u, case)
    if shape[0] == shape[1]:
        _transposed(u)
        _transposed(d)
    _behind(u)
    _behind(d)
    _columns(u)
    _columns(d)
    _exact(d, u)


def test_reads_too_far_behind_are_computed_first(in_place):
    # One row per chunk: a read MAX_DELAY rows behind the row written can wait for its writes; one more cannot.
    u = np.random.default_rng(13).standard_normal((40, CHUNK))
    d = distribute(u, "replicated")
    lag = _consumers.MAX_DELAY
    for rows, taken in ((lag + 1, 0), (lag, 1)):
        u[rows:] = u[:-rows] + u[rows:] * 0.5
        d[rows:] = d[:-rows] + d[rows:] * 0.5
        _exact(d, u)
        assert_all_ranks(in_place == {True: taken, False: 1}, f"{rows} rows behind: {in_place}")


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb"])
def test_values_held_by_name_keep_the_values_before_the_write(case, in_place):
    u = np.random.default_rng(14).standard_normal((50, 37))
    d = distribute(u, case)
    inner = d[:-2] + d[2:]  # held: computed in the assignment's walk, from the rows before it writes
    doubled = d * 2  # pending, reads d: computed before d is written
    d[1:-1] = inner * 0.5 + d[1:-1]
    expected_inner, expected_doubled = u[:-2] + u[2:], u * 2
    u[1:-1] = expected_inner * 0.5 + u[1:-1]
    _exact(d, u)
    _exact(inner, expected_inner)
    _exact(doubled, expected_doubled)
    named = d[:-1] * 3 + d[1:]  # a value held by name is not consumed: it keeps its own block
    d[1:] = named
    expected = u[:-1] * 3 + u[1:]
    u[1:] = expected
    _exact(d, u)
    _exact(named, expected)


def test_a_named_value_is_not_consumed(in_place):
    u = np.random.default_rng(15).standard_normal((80, 37))
    d = distribute(u, "block")
    value = d[:-1] + d[1:]
    d[1:] = value
    assert_all_ranks(in_place[True] == 0, f"a named value was consumed: {in_place}")
    _exact(value, u[:-1] + u[1:])


def test_a_value_read_on_one_rank_first(in_place):
    # .local on one rank computes the operand there alone; the assignment sends nothing either way.
    u = np.random.default_rng(16).standard_normal((60, 37))
    d = distribute(u, "block")
    inner = d[:-2] + d[2:]
    if MPI.COMM_WORLD.rank == 0:
        inner.local
    d[1:-1] = inner * 0.25 - d[1:-1]
    u[1:-1] = (u[:-2] + u[2:]) * 0.25 - u[1:-1]
    counts = MPI.COMM_WORLD.allgather(_deferred.pending_count(d.comm))
    assert len(set(counts)) == 1, counts
    _exact(d, u)


@pytest.mark.parametrize("case", ["block", "uneven"])
def test_fp_warnings_of_an_assigned_value_are_numpys(case):
    u = np.ones((40, 37))
    u[[3, 30], 5] = 0.0  # seen by the owners of those rows alone
    d = distribute(u, case)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _deferred.set_warning_baseline()
        try:
            d[1:] = d[:-1] / d[1:] + np.log(d[1:] - 1); line = sys._getframe().f_lineno  # noqa: E702
        finally:
            warnings.simplefilter("always")
    _deferred.set_warning_baseline()
    with warnings.catch_warnings(record=True) as numpys:
        warnings.simplefilter("always")
        u[1:] = u[:-1] / u[1:] + np.log(u[1:] - 1)
    found = sorted((str(w.message), w.lineno) for w in seen if issubclass(w.category, RuntimeWarning))
    expected = sorted((str(w.message), line) for w in numpys)
    assert len(expected) == 3, expected  # (divide by zero in divide and log, invalid value in log)
    assert_all_ranks(found == expected, f"{found}")
    _exact(d, u)


def test_the_array_s_own_block_handed_out_sees_the_write():
    u = np.random.default_rng(17).standard_normal((60, 37))
    d = distribute(u, "block")
    block = d.local  # user code holds the block: deferred calls reading it are computed at once
    d[1:] = d[:-1] + d[1:]
    u[1:] = u[:-1] + u[1:]
    _exact(d, u)
    assert_all_ranks(np.array_equal(block, d.local), "the handed-out block does not show the write")


@pytest.mark.parametrize("dtype", [np.int32, np.float32])
def test_another_dtype_is_cast_as_numpy_casts(dtype):
    u = (np.random.default_rng(18).standard_normal((60, 37)) * 50).astype(dtype)
    d = distribute(u, "block")
    d[1:] = d[:-1] * 0.75 + 1  # float64 values into the array's dtype
    u[1:] = u[:-1] * 0.75 + 1
    _exact(d, u)


@pytest.mark.parametrize("case", ["block", "grid_bb"])
def test_the_assignment_allocates_no_block_of_the_value(case):
    # NumPy reports its buffers to tracemalloc: the walk's chunk buffers are all the stencil step allocates.
    u = np.random.default_rng(19).standard_normal((1600, 200))
    d = distribute(u, case)
    block_bytes = math.prod(d.distribution.local_shape) * d.itemsize  # (not d.local: a block handed out is read at once)
    _heat(u)
    _heat(d)  # (a first step: caches filled)
    nd.evaluate(d)
    tracemalloc.start()
    try:
        _heat(d)
        nd.evaluate(d)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _heat(u)
    _exact(d, u)
    assert_all_ranks(peak < 0.6 * block_bytes, f"peak {peak} bytes while assigning into a block of {block_bytes}")
