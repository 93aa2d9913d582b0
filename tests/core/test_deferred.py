"""Deferred, fused elementwise evaluation: NumPy's values bit for bit, NumPy's aliasing semantics, agreed errors.

Every test turns deferral on (whatever ``NUMPY_DIST_LAZY`` says) and compares with
eager NumPy on the same data.  Blocks above ``CHUNK_ELEMENTS`` (2048 in these tests) take
the chunked path, small ones the whole-block path.
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
import tracemalloc
import weakref
import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist import _deferred, _elision
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

CASES = ["block", "cyclic", "uneven", "unstructured", "blockcyclic3"]
SIZES = [0, 7, 50_001]  # empty, whole-block, chunked (at every rank count)


@pytest.fixture(autouse=True)
def deferred(monkeypatch):
    previous = _deferred.set_enabled(True)
    # Small chunks, so that the chunked walk (and several chunks per block) runs at every rank count.
    monkeypatch.setattr(_deferred, "CHUNK_ELEMENTS", 2048)
    yield
    nd.evaluate(nd.zeros((1,)))  # settle what a test left pending (COMM_WORLD)
    _deferred.set_enabled(previous)


def _exact(actual: nd.DistArray, expected: np.ndarray) -> None:
    """Gathered values identical bit for bit (NaNs alike), same dtype and shape, on every rank."""
    got = nd.asnumpy(actual)
    same = got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(
        got.view(np.uint8), np.ascontiguousarray(expected).view(np.uint8))
    assert_all_ranks(same, f"deferred result differs: {got!r} vs {expected!r}")


def _pending(d: nd.DistArray) -> bool:
    return d._expr is not None


def _chain(x):
    return np.sin(x) * 2 + x**2 - np.exp(-x)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("n", SIZES)
def test_chain_is_bit_for_bit_numpy(case, n):
    x = np.linspace(-3.0, 3.0, n)
    d = distribute(x, case)
    r = _chain(d)
    assert_all_ranks(_pending(r), "the chain was not deferred")
    assert r.dtype == np.float64 and r.shape == (n,)
    _exact(r, _chain(x))


DTYPE_EXPRS = [
    (np.int8, lambda x: (x * 3 + 1) // 2 - x % 5),
    (np.int64, lambda x: (x << 2) ^ (x >> 1) | 7),
    (np.uint16, lambda x: x * 2 + 300),
    (np.float32, lambda x: np.sqrt(abs(x)) * 0.5 + 1.5),  # Python floats stay weak (NEP 50): float32
    (np.float32, lambda x: x * np.float64(2.0)),  # a NumPy scalar is strong: float64
    (np.complex64, lambda x: np.exp(1j * x) + x.conj()),
    (np.bool_, lambda x: (x & ~x) | (x ^ True)),
    (np.int32, lambda x: x / 3 + np.int32(1)),  # true division: float64
    (np.float64, lambda x: np.where(x > 0, x, 0) + np.maximum(x, 0.5)),
]


@pytest.mark.parametrize("case", ["block", "cyclic"])
@pytest.mark.parametrize("i", range(len(DTYPE_EXPRS)))
@pytest.mark.parametrize("n", [13, 40_000])
def test_dtypes_follow_nep50(case, i, n):
    dtype, f = DTYPE_EXPRS[i]
    x = (np.arange(n) % 97 - 40).astype(dtype)
    _exact(f(distribute(x, case)), f(x))


_RANDOM_OPS = [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: np.maximum(a, b),
    lambda a, b: np.where(a > b, a, b * 0.5), lambda a, b: (a * a).astype(np.float32) + b,
    lambda a, b: -a, lambda a, b: np.square(b), lambda a, b: a * 3 - b * b, lambda a, b: (a + 1).astype(np.float64),
]


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("view", ["whole", "inner", "shifted"])
def test_random_expressions_with_dropped_intermediates_are_bit_for_bit(case, seed, view):
    # Intermediates nobody holds share the walk's chunk buffers once their last reader has run: random
    # graphs (operands read twice, by several later nodes, mixed dtypes, casts, where) with random values
    # dropped.  inner: the leaves are the inner columns of their arrays, whose rows the walk reads flat.
    # shifted: inner columns of rows 0, 1 and 2 apart (stencil slices): pending values meet other
    # layouts and are read through their regions, whose copies share buffers in turn.
    rng = np.random.default_rng(seed)
    shape = (130, 90)  # 11,700 elements: chunked walks up to 5 ranks (CHUNK_ELEMENTS is 2048 here)
    leaves = [rng.standard_normal(shape), rng.standard_normal(shape).astype(np.float32),
              rng.integers(-5, 5, shape).astype(np.int32)]
    mine = [distribute(x, case) for x in leaves]
    if view != "whole":
        leaves[0][:, 0] = np.nan  # (what the rows read flat pass over raises: those chunks go by rows)
        rows = [slice(0, -2), slice(1, -1), slice(2, None)] if view == "shifted" else [slice(None)] * 3
        mine = [distribute(x, case)[r, 2:-2] for x, r in zip(leaves, rows)]
        leaves = [x[r, 2:-2] for x, r in zip(leaves, rows)]
    theirs = list(leaves)
    for _ in range(12):
        op = _RANDOM_OPS[rng.integers(len(_RANDOM_OPS))]
        i, j = rng.integers(len(mine), size=2)
        mine.append(op(mine[i], mine[j]))
        theirs.append(op(theirs[i], theirs[j]))
        if len(mine) > 4 and rng.random() < 0.5:  # drop one: it lives on only as an operand of later values
            k = int(rng.integers(3, len(mine) - 1))
            del mine[k], theirs[k]
    for d, x in zip(mine[3:], theirs[3:]):
        _exact(d, x)


@pytest.mark.parametrize("case", ["block", "grid_bb", "last"])
def test_strided_views_and_transposes(case):
    u = np.arange(300 * 200, dtype=np.float64).reshape(300, 200) / 7
    d = distribute(u, case)
    inner = d[1:-1, 1:-1] + 0.1 * (d[:-2, 1:-1] + d[2:, 1:-1] - 4 * d[1:-1, 1:-1])
    _exact(inner, u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] - 4 * u[1:-1, 1:-1]))
    t = d.T
    _exact(np.cos(t) * t + 1, np.cos(u.T) * u.T + 1)


@pytest.mark.parametrize("case", CASES)
def test_stencil_in_place_update_equals_numpy(case):
    u = np.random.default_rng(3).random((40, 30))
    d = distribute(u, case)
    for _ in range(4):
        d[1:-1, 1:-1] = d[1:-1, 1:-1] + 0.1 * (d[:-2, 1:-1] + d[2:, 1:-1] + d[1:-1, :-2] + d[1:-1, 2:]
                                                - 4 * d[1:-1, 1:-1])
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                                - 4 * u[1:-1, 1:-1])
    assert_dist_equal(d, u, rtol=0)


# -- stencils: operands laid out alike up to a shift ----------------------------------------

STENCIL_CASES = ["block", "uneven", "grid_bb", "last", "replicated"]


def _heat(v, c=0.1):
    return v[1:-1, 1:-1] + c * (v[:-2, 1:-1] + v[2:, 1:-1] + v[1:-1, :-2] + v[1:-1, 2:] - 4 * v[1:-1, 1:-1])


def _line_bytes(d: nd.DistArray) -> int:
    """The largest line of this rank's block along any axis, in bytes (a halo is a few such lines)."""
    shape = d.distribution.local_shape
    return max([int(np.prod(shape)) // n for n in shape if n] + [0]) * d.itemsize


@pytest.mark.parametrize("case", STENCIL_CASES)
@pytest.mark.parametrize("shape", [(40, 30), (3, 9000), (9000, 3), (2, 2), (5, 0)])
def test_stencils_stay_pending_and_move_only_halos(case, shape):
    u = np.random.default_rng(5).standard_normal(shape)
    d = distribute(u, case)
    nd.evaluate(d)
    nd.reset_comm_stats()
    r = _heat(d)
    stats = nd.comm_stats()
    assert_all_ranks(_pending(r), "the stencil was computed before its value was needed")
    # No flush before the value is needed; each of the 5 shifted operands moves at most a line or two
    # to or from each of its neighbours (never a block).
    bound = 5 * 2 * 2 * 2 * _line_bytes(d)
    assert_all_ranks(stats["control_collectives"] == 0 and stats["bytes_sent"] <= bound, f"{stats}, bound {bound}")
    _exact(r, _heat(u))


@pytest.mark.parametrize("case", STENCIL_CASES)
@pytest.mark.parametrize("shape", [(40, 30), (9000, 3), (3, 7)])
def test_a_pending_operand_moves_its_halo_and_is_never_computed_whole(case, shape):
    u = np.random.default_rng(6).standard_normal(shape)
    d = distribute(u, case)
    inner = d[:-2] + d[2:]  # pending, laid out two rows away from d[1:-1]
    node = weakref.ref(inner._expr)
    r = d[1:-1] - 0.5 * inner  # 0.5 * inner (pending) moves to d[1:-1]'s layout: its halo rows only
    del inner
    assert_all_ranks(_pending(r), "the expression was computed")
    _exact(r, u[1:-1] - 0.5 * (u[:-2] + u[2:]))
    assert_all_ranks(node() is None or node().block is None, "the moved operand was computed whole")
    # Held, the moved value is still there (computed when needed), and so is a value read in two layouts.
    lap = d[:-2] + d[2:] - 2 * d[1:-1]
    step = d[1:-1] + 0.1 * lap
    twice = lap * step  # lap where it is, times step moved back to lap's layout
    _exact(twice, (u[:-2] + u[2:] - 2 * u[1:-1]) * (u[1:-1] + 0.1 * (u[:-2] + u[2:] - 2 * u[1:-1])))
    _exact(lap, u[:-2] + u[2:] - 2 * u[1:-1])
    _exact(step, u[1:-1] + 0.1 * (u[:-2] + u[2:] - 2 * u[1:-1]))
    _exact(_heat(_heat(d)), _heat(_heat(u)))  # (the first step's slices are pending operands too)


def _nodes_reachable(node) -> int:
    """Pending nodes an expression holds, through the regions of its moved operands too."""
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            for a in n.args:
                if type(a) is _deferred.Node and a.block is None:
                    stack.append(a)
                elif type(a) is _deferred.Pieces:
                    stack.extend(m for _, v in a.parts if type(v) is _deferred.Region for m in v.nodes)
    return len(seen)


@pytest.mark.parametrize("case", ["block", "uneven"])
def test_moving_a_value_and_an_expression_of_it_again_and_again_stays_small(case):
    # Each step moves y and an expression reading y: copies of copies would double every step.
    x = np.random.default_rng(7).random((60, 4))
    d = distribute(x, case)
    y, y0 = d[1:-1], x[1:-1]
    for i in range(14):  # (28 nodes: below the flush limit, nothing is settled between the steps)
        y, y0 = ((d[:-2] + y * 0.5 + y, x[:-2] + y0 * 0.5 + y0) if i % 2 == 0 else
                 (d[1:-1] + y * 0.5 + y, x[1:-1] + y0 * 0.5 + y0))
        assert_all_ranks(_nodes_reachable(y._expr) <= 100, f"step {i}: {_nodes_reachable(y._expr)} nodes")
    _exact(y, y0)


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb"])
def test_fp_warnings_of_a_moved_operand_are_its_own_once(case):
    x = np.ones((12, 4))
    x[[0, 5, 11], 1] = -1.0  # seen by the owners of those rows alone
    d = distribute(x, case)
    with _program_warnings() as seen:
        y = np.log(d[1:]) + np.sqrt(d[:-1]); line = sys._getframe().f_lineno  # noqa: E702 - the call's line
        assert_all_ranks(_pending(y), "not deferred")
        nd.evaluate(y)
    found = sorted((str(w.message), w.lineno) for w in seen)
    expected = [("invalid value encountered in log", line), ("invalid value encountered in sqrt", line)]
    assert_all_ranks(found == expected, f"{found}")


@pytest.mark.parametrize("n", [40, 30_001])
def test_a_pending_operand_of_another_layout_is_computed_where_it_is(n):
    x = np.linspace(-2, 2, n)
    d = distribute(x, "uneven")
    a, b = np.sin(d[:-2]), np.cos(d[2:])  # pending, in layouts two rows apart
    r = a * 2 + b
    assert_all_ranks(_pending(r), "the expression was computed")
    _exact(r, np.sin(x[:-2]) * 2 + np.cos(x[2:]))
    _exact(a, np.sin(x[:-2]))
    bad = np.cos(d[2:])
    node = bad._expr

    def failing(*operands, out=None):
        if MPI.COMM_WORLD.rank == MPI.COMM_WORLD.size - 1:
            raise MemoryError("no room on the last rank")
        return np.cos(*operands, out=out)

    node.ufunc = failing  # its halo is computed on each rank alone when it joins the other layout's expression
    r = np.sin(d[:-2]) + bad
    with pytest.raises(MemoryError):  # agreed and raised on every rank when the value is needed
        nd.evaluate(r)


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb"])
def test_writes_after_a_shifted_call_are_not_seen(case):
    u = np.arange(60.0).reshape(12, 5)
    d = distribute(u, case)
    r = d[2:] - d[:-2] * 3
    d[:] = -1.0  # an operation: the pending stencil is computed first
    _exact(r, u[2:] - u[:-2] * 3)
    r = d[2:] - d[:-2]
    d.local[...] = 7.0  # a write through the block: computed on this rank first
    _exact(r, np.zeros((10, 5)))
    block = d.local  # held by user code: a shifted call reading it is computed at once
    r = d[1:] * 2 - d[:-1]
    block[...] = 1.0
    _exact(r, np.full((11, 5), 7.0))
    # A pending value moved to another layout, then its operand written through .local: a later move of the
    # same value reads the value, not its operands as they are now.
    e = distribute(u, case)
    y = np.sin(e[2:])
    first = e[:-2] + y
    e.local[...] = 0.0  # settles first/y on this rank, then writes y's operand
    second = e[:-2] * y
    _exact(first, u[:-2] + np.sin(u[2:]))
    _exact(second, np.zeros((10, 5)) * np.sin(u[2:]))
    _exact(y, np.sin(u[2:]))


# -- aliasing: a pending expression reads its operands as they were at the call ----------------


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("n", [9, 30_000])
def test_in_place_operator_on_an_operand(case, n):
    x = np.arange(n, dtype=np.float64)
    d = distribute(x, case)
    y = d * 2 + 1
    d += 5
    _exact(y, x * 2 + 1)
    _exact(d, x + 5)


@pytest.mark.parametrize("case", CASES)
def test_out_argument_writing_an_operand(case):
    x = np.arange(20.0)
    d = distribute(x, case)
    y = np.sqrt(d)
    np.add(d, 100, out=d)
    _exact(y, np.sqrt(x))


@pytest.mark.parametrize("case", CASES)
def test_setitem_on_an_operand_and_through_a_view(case):
    x = np.arange(24.0)
    d = distribute(x, case)
    y = d - 1
    d[3] = -50.0
    v = d[5:]
    z = d * 3
    v[...] = 0.0
    _exact(y, x - 1)
    x[3] = -50.0
    _exact(z, x * 3)


@pytest.mark.parametrize("case", ["block", "cyclic"])
def test_writes_through_local_blocks(case):
    x = np.arange(16.0)
    d = distribute(x, case)
    block = d.local  # handed out: user code may write it at any time
    y = d + 1
    block[...] = 7.0
    _exact(y, x + 1)
    y.local[...] = -1.0  # a pending result's block: computed first, then written
    _exact(y, np.full(16, -1.0))


def test_a_block_taken_while_deferral_was_off_is_never_read_late():
    x = np.arange(16.0)
    d = distribute(x, "block")
    previous = _deferred.set_enabled(False)
    try:
        block = d.local  # handed out while every call is eager
    finally:
        _deferred.set_enabled(previous)
    y = d + 1
    block[...] = 7.0
    _exact(y, x + 1)


def test_arrays_viewing_user_memory():
    x = np.arange(12.0)
    d = nd.asarray(x)  # block distribution: the blocks may be views of x
    y = d * 10
    x[...] = 0.0
    _exact(y, np.arange(12.0) * 10)


def _computed(d: nd.DistArray) -> bool:
    return d._expr is None or d._expr.block is not None


def test_arrays_viewing_memory_nobody_else_holds_defer():
    d = nd.asarray(np.arange(12.0))  # its blocks view an array only numpy_dist refers to
    y = d * 10
    assert_all_ranks(not _computed(y), "a call on an array nobody else holds was computed at once")
    _exact(y, np.arange(12.0) * 10)
    x = np.arange(12.0)
    e = nd.asarray(x)
    z = e * 10  # x is held here: its writes would reach e's blocks, so z is computed at once
    assert_all_ranks(_computed(z), "a call on an array whose memory the caller holds was deferred")
    x[...] = 1.0
    _exact(z, np.arange(12.0) * 10)
    _exact(e, np.ones(12))
    held = x[3:]  # a view keeps the memory writable from here
    del x
    assert_all_ranks(_computed(e + 1), "a call on an array whose memory a view holds was deferred")
    del held
    w = e + 1
    assert_all_ranks(not _computed(w), "nobody holds the memory any more, yet the call was computed at once")
    _exact(w, np.full(12, 2.0))
    block = e.local  # user code holds a block: computed at once again
    assert_all_ranks(_computed(e * 2), "a call on an array whose block the caller holds was deferred")
    del block
    whole = np.arange(24.0)
    v = nd.asarray(whole.reshape(4, 6))  # a view: the arrays it views count too
    assert_all_ranks(_computed(v * 2), "a call on a view of memory the caller holds was deferred")
    del whole
    assert_all_ranks(not _computed(v * 2), "nobody holds the viewed memory any more, yet the call was computed")
    _exact(v * 2, np.arange(24.0).reshape(4, 6) * 2)
    assert_all_ranks(not _computed(nd.asarray(np.arange(6.0).reshape(2, 3)) + 1), "a temporary view was exposed")


@pytest.fixture
def reuses(monkeypatch):
    """Every call computed at once, and whether a temporary operand's block took its value."""
    monkeypatch.setattr(_deferred, "REUSE_BYTES", 0)  # (blocks of any size, at any rank count)
    seen = []
    evaluate = _deferred.evaluate

    def spy(node, into=None, drop=()):
        seen.append(into is not None)
        return evaluate(node, into, drop)

    monkeypatch.setattr(_deferred, "evaluate", spy)
    return seen


@pytest.mark.parametrize("lent", ["asarray", "local"])
def test_calls_computed_at_once_write_into_temporaries_as_numpy_does(lent, reuses):
    # While the caller holds x, calls reading d are computed at once.  As NumPy does, a temporary operand
    # of such a call (nobody else refers to it) takes the value: no fresh block for each call.
    x = np.random.default_rng(5).random((60, 50))
    x[3, 4], x[7, 7] = np.inf, -1.0  # (inf - inf and log(-1): warnings of computed and of dropped values)
    d = nd.asarray(x) if lent == "asarray" else distribute(x, "cyclic")
    holds = [d.local] if lent == "local" else []  # (user code holds the block: its calls are computed at once)
    runs = []
    for v in (d, x):
        with _program_warnings() as seen:
            r = v[1:-1, 1:-1] + 0.1 * (v[:-2, 1:-1] + v[2:, 1:-1] + v[1:-1, :-2] + v[1:-1, 2:] - 4 * v[1:-1, 1:-1])
            s = np.log(v) * 2 + v - v  # (a pending temporary read by a call computed at once)
            if v is d:
                nd.evaluate(r, s)
        runs.append((r, s, sorted(str(w.message) for w in seen)))
    (r, s, found), (r_np, s_np, expected) = runs
    _exact(r, r_np)
    _exact(s, s_np)
    assert_all_ranks(any(reuses) or not _elision.ENABLED, "no temporary took a value")
    assert_all_ranks(found == expected, f"{found} vs NumPy's {expected}")
    holds.clear()


def test_values_still_referred_to_are_not_written_over(reuses):
    # Named values, a temporary viewed elsewhere, read by a pending value, or whose block user code holds.
    x = np.random.default_rng(6).random((40, 30))
    d = nd.asarray(x)  # x held: every call below is computed at once
    a = d[:-2] + d[2:]
    b = a + d[1:-1]
    kept = []

    def viewed(v):
        t = v * 2
        kept.append(t[:3])
        return t

    def read_later(v):
        t = v * 3
        kept.append(t + 1)  # (deferred: t is computed, not user memory)
        return t

    def handed_out(v):
        t = v * 4
        kept.append(t.local)
        return t

    r1, r2, r3 = viewed(d) + d, read_later(d) + d, handed_out(d) + d
    _exact(a, x[:-2] + x[2:])
    _exact(b, x[:-2] + x[2:] + x[1:-1])
    _exact(kept[0], (x * 2)[:3])
    _exact(kept[1], x * 3 + 1)
    assert_all_ranks(np.array_equal(kept[2], d.local * 4), "a block user code holds was written over")
    _exact(r1, x * 2 + x)
    _exact(r2, x * 3 + x)
    _exact(r3, x * 4 + x)
    assert_all_ranks(not any(reuses), f"a value still referred to took a result: {reuses}")


def test_temporary_scalars_and_arrays_of_numpy_beside_calls_computed_at_once(reuses):
    # An operator's temporary operand may be no DistArray: a float or a NumPy scalar the expression made.
    x = np.arange(10.0)
    d = nd.asarray(x)
    f = 1.5
    _exact(d + f * 2, x + f * 2)
    _exact((f * 2) + d, (f * 2) + x)
    _exact(d * np.float64(f * 3), x * np.float64(f * 3))
    _exact(-(d * 2), -(x * 2))
    _exact((d * 2) - (d + 1), (x * 2) - (x + 1))


@pytest.mark.parametrize("case", CASES)
def test_deleted_operands_and_intermediates(case):
    x = np.linspace(0, 1, 5000)
    d = distribute(x, case)
    t = np.exp(d)
    y = t * 2
    del d, t
    gc.collect()
    _exact(y, np.exp(x) * 2)


@pytest.mark.parametrize("case", ["block", "unstructured"])
def test_named_intermediates_are_computed_once_and_kept(case):
    x = np.linspace(0, 1, 20_000)
    d = distribute(x, case)
    t = np.exp(d)
    y = t * 2 + t
    _exact(y, np.exp(x) * 2 + np.exp(x))
    assert_all_ranks(not _pending(t), "a held intermediate was not materialised with the expression")
    _exact(t, np.exp(x))


def test_long_chains_flush_at_the_limit():
    x = np.arange(1000.0)
    d = distribute(x, "block")
    y, z = d, x
    for i in range(3 * _deferred.LIMIT + 5):
        y, z = y + i, z + i
    assert_all_ranks(_deferred.pending_count(d.comm) < _deferred.LIMIT, "pending work passed the limit")
    _exact(y, z)


def test_library_operations_settle_first():
    x = np.arange(30.0) - 10
    d = distribute(x, "cyclic")
    y = np.abs(d) * 2
    assert float(np.sum(y)) == float(np.sum(np.abs(x) * 2))
    assert_all_ranks(_deferred.pending_count(d.comm) == 0, "a reduction left work pending")
    s = np.sort(d * -1)
    _exact(s, np.sort(x * -1))
    assert repr(d + 1).startswith("DistArray(")


def test_pending_metadata_needs_no_evaluation():
    d = distribute(np.arange(10, dtype=np.int16), "block")
    y = d * 2.5
    assert (y.shape, y.dtype, y.ndim, y.size, y.dist) == ((10,), np.float64, 1, 10, ("b",))
    assert_all_ranks(_pending(y), "metadata evaluated the expression")


def test_options_and_other_layouts_are_eager():
    x = np.arange(10.0)
    a, c = distribute(x, "block"), distribute(x, "unstructured")
    assert_all_ranks(not _pending(np.add(a, 1, dtype=np.float32)), "dtype= was deferred")
    assert_all_ranks(not _pending(a + c), "operands of two unaligned layouts were deferred")
    i = distribute(np.arange(10), "block")
    assert_all_ranks(not _pending(i ** 2), "an integer power was deferred")
    with pytest.raises(OverflowError):  # NumPy's error, at the call
        distribute(np.arange(3, dtype=np.int8), "block") + 300


# -- errors ----------------------------------------------------------------------------------


def _one_rank_bad(value: float) -> np.ndarray:
    x = np.ones(40)
    x[0] = value  # only the owner of element 0 sees it
    return x


@pytest.mark.parametrize("case", CASES)
def test_fp_warnings_are_agreed_at_evaluation(case):
    d = distribute(_one_rank_bad(-1.0), case)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        y = np.log(d) + 1
        nd.evaluate(y)
    messages = [str(w.message) for w in seen if issubclass(w.category, RuntimeWarning)]
    assert_all_ranks(messages == ["invalid value encountered in log"], f"warnings {messages}")


def _numpys_warnings(f, *args):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        value = f(*args)
    return value, sorted(str(w.message) for w in seen)


def _strided_rows_case(bad_inside: bool, raising_gaps: bool = True) -> np.ndarray:
    # Columns 0, 1, -2 and -1 lie between the rows the walks below read flat.  Raising: they hold what
    # raises every floating-point error, so a flat walk that let their errors through would be seen
    # (and the walk goes back to rows); otherwise the flat walk runs to the end.
    x = np.linspace(0.5, 2.0, 200 * 64).reshape(200, 64)  # (chunked walks up to 4 ranks: CHUNK_ELEMENTS 2048)
    if raising_gaps:
        x[:, [0, 1, -2, -1]] = [[-1.0, 0.0, np.inf, np.nan]]
    if bad_inside:
        x[57, 9] = -3.0  # one value inside, owned by one rank
    return x


def _strided_rows_expression(v):
    inner, left, right = v[:, 2:-2], v[:, 1:-3], v[:, 3:-1]
    kept = inner * 3.0 + 1.0  # held by a name: the walk keeps its block
    return kept, np.log(inner) + np.sqrt(left * right) / (kept - 1.0) + right ** 2


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb", "cyclic", "last"])
@pytest.mark.parametrize("bad_inside", [False, True])
@pytest.mark.parametrize("raising_gaps", [False, True])
def test_rows_walked_flat_give_the_values_and_errors_of_the_rows_alone(case, bad_inside, raising_gaps):
    x = _strided_rows_case(bad_inside, raising_gaps)
    d = distribute(x, case)
    (kept0, y0), expected = _numpys_warnings(_strided_rows_expression, x)
    with _program_warnings() as seen:
        kept, y = _strided_rows_expression(d)
        nd.evaluate(y)
    _exact(y, y0)
    _exact(kept, kept0)
    got = sorted(str(w.message) for w in seen)
    assert_all_ranks(got == expected, f"warnings {got}, NumPy's {expected}")


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb", "last"])
@pytest.mark.parametrize("bad_inside", [False, True])
@pytest.mark.parametrize("raising_gaps", [False, True])
def test_a_stencil_assigned_in_place_walked_flat_keeps_the_boundary(case, bad_inside, raising_gaps):
    x = _strided_rows_case(bad_inside, raising_gaps)
    d = distribute(x, case)

    def step(u):
        u[1:-1, 2:-2] = u[1:-1, 2:-2] + 0.1 * (u[:-2, 2:-2] + u[2:, 2:-2] + u[1:-1, 1:-3] + u[1:-1, 3:-1]
                                                - 4 * u[1:-1, 2:-2])
        return u

    y0, expected = _numpys_warnings(lambda: step(step(x.copy())))
    with _program_warnings() as seen:
        step(step(d))
        nd.evaluate(d)
    _exact(d, y0)
    got = sorted(str(w.message) for w in seen)
    assert_all_ranks(got == expected, f"warnings {got}, NumPy's {expected}")


@contextlib.contextmanager
def _program_warnings():
    """A recording block standing for the program's own stderr: calls made under it may defer."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _deferred.set_warning_baseline()
        try:
            yield seen
        finally:
            warnings.simplefilter("always")  # (the restore below must not see a filter change)
    _deferred.set_warning_baseline()  # back to pytest's recorder


def _where(seen: list) -> list:
    return [(str(w.message), w.category, w.filename, w.lineno) for w in seen]


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured"])
def test_a_deferred_warning_is_eagers_named_at_the_calls_line(case):
    d = distribute(_one_rank_bad(-1.0), case)
    found = {}
    for lazy in (True, False):
        previous = _deferred.set_enabled(lazy)
        try:
            with _program_warnings() as seen:
                y = np.log(d) + 1; line = sys._getframe().f_lineno  # noqa: E702 - the call's line
                assert_all_ranks(_pending(y) == lazy, "deferral not as set")
                assert_all_ranks(len(seen) == (0 if lazy else 1), f"{_where(seen)}")  # lazy: not yet
                nd.evaluate(y)
        finally:
            _deferred.set_enabled(previous)
        found[lazy] = _where(seen)
    expected = [("invalid value encountered in log", RuntimeWarning, __file__, line)]
    assert_all_ranks(found[True] == found[False] == expected, f"{found}")


def test_a_warning_of_the_benchmarks_workloads_names_their_line():
    # The benchmark workloads live in numpy_dist.benchmarks but are a user's program: their lines are named.
    d = distribute(_one_rank_bad(-1.0), "cyclic")
    source = "def kernel(np, d):\n    return np.log(d)\n"
    space = {"__name__": "numpy_dist.benchmarks.fake_workload"}
    exec(compile(source, "fake_workload.py", "exec"), space)
    with _program_warnings() as seen:
        y = space["kernel"](np, d)
        nd.evaluate(y)
    expected = [("invalid value encountered in log", RuntimeWarning, "fake_workload.py", 2)]
    assert_all_ranks(_where(seen) == expected, f"{_where(seen)}")


def test_a_deferred_warning_goes_where_the_call_would_have_sent_it():
    d = distribute(_one_rank_bad(0.0), "block")
    with _program_warnings() as outer:
        y = 1 / d
        assert_all_ranks(_pending(y), "not deferred")
        with warnings.catch_warnings(record=True) as inner:  # a block opened after the call
            warnings.simplefilter("error")
            nd.evaluate(y)
    assert_all_ranks(inner == [] and [str(w.message) for w in outer] == ["divide by zero encountered in divide"],
                     f"{_where(inner)} {_where(outer)}")


def test_warnings_are_once_per_calling_line_as_numpys():
    d = distribute(_one_rank_bad(0.0), "cyclic")
    with _program_warnings() as seen:
        warnings.simplefilter("default")  # NumPy's default: once per line of the caller
        for _ in range(3):
            nd.evaluate(1 / d)
        nd.evaluate(1 / d)  # another line: once more
    assert_all_ranks(len(seen) == 2 and seen[0].lineno != seen[1].lineno, f"{_where(seen)}")


def test_a_recording_block_makes_its_calls_eager():
    d = distribute(_one_rank_bad(-1.0), "block")
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        y = np.log(d)  # pytest.warns checks at its end: the warning must be made inside
    assert_all_ranks(not _pending(y), "deferred inside pytest.warns")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        z = np.sqrt(d)
    assert_all_ranks(not _pending(z) and len(seen) == 1, f"{_where(seen)}")
    assert_all_ranks(_pending(np.sqrt(d * d)), "outside the blocks the call defers again")


def test_errstate_is_the_callers():
    d = distribute(_one_rank_bad(0.0), "block")
    with np.errstate(divide="ignore"):
        y = 1 / d
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nd.evaluate(y)  # computed under the caller's errstate: silent
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):  # raise: eager, at the operation, on every rank
            1 / d
        assert_all_ranks(not _pending(d + 1), "")
    for mode in ("call", "print", "log"):  # a callback or a printed line belongs at the call
        with np.errstate(all=mode, call=_Log()):
            assert_all_ranks(not _pending(d + 1), f"deferred under errstate {mode}")


class _Log:
    def __call__(self, *args):
        pass

    def write(self, text):
        pass


def test_a_failure_during_evaluation_is_raised_on_every_rank():
    d = distribute(np.arange(10.0), "block")
    y = d + 1
    node = y._expr

    def failing(*operands, out=None):
        if MPI.COMM_WORLD.rank == MPI.COMM_WORLD.size - 1:
            raise MemoryError("no room on the last rank")
        return np.add(*operands, out=out)

    node.ufunc = failing  # the ufunc fails on one rank only, when the expression is computed
    with pytest.raises(MemoryError):
        nd.evaluate(y)
    node.ufunc = np.add
    _exact(y, np.arange(10.0) + 1)


def test_local_reads_on_one_rank_only_keep_ranks_in_step():
    x = np.arange(100.0)
    d = distribute(x, "block")
    y = np.sqrt(d)
    if MPI.COMM_WORLD.rank == 0:
        y.local  # rank-dependent user code: computes on this rank alone
    z = y + 1  # every rank: y is an operand (pending on some ranks, computed on rank 0)
    counts = MPI.COMM_WORLD.allgather(_deferred.pending_count(d.comm))
    assert len(set(counts)) == 1, counts
    _exact(z, np.sqrt(x) + 1)
    assert float(np.max(z)) == float(np.max(np.sqrt(x) + 1))


@pytest.mark.parametrize("case", ["block", "uneven"])
def test_local_reads_on_one_rank_then_collective_steps(case):
    # .local on one rank computes there alone; every later step (a fused sum of the value or of an
    # expression reading it, a basic index) must still take the same messages on every rank.
    x = np.arange(100.0)
    d = distribute(x, case)
    first = MPI.COMM_WORLD.rank == 0
    y = np.sqrt(d)
    z = y * 2 + 1
    if first:
        y.local
    assert_all_ranks(float(np.sum(z)) == pytest.approx(float(np.sum(np.sqrt(x) * 2 + 1))), "sum of z")
    w = np.exp(d) * 3
    if first:
        w.local
    assert_all_ranks(float(np.mean(w)) == pytest.approx(float(np.mean(np.exp(x) * 3))), "mean of w")
    v = np.cos(d)
    if first:
        v.local
    assert_all_ranks(float(v[3]) == np.cos(3.0), "v[3]")
    s = np.cos(d[2:])
    a = d[:-2] + s  # s moves to d[:-2]'s layout
    if first:
        s.local  # computed on rank 0 alone
    b = d[:-2] - s  # moved again: the same messages on every rank (rank 0 reads its block)
    _exact(b, x[:-2] - np.cos(x[2:]))
    _exact(a, x[:-2] + np.cos(x[2:]))
    u = d * 2
    held = u.local  # computed and handed to user code, which writes it after the next call
    t = u + 1
    held[...] = -5.0
    _exact(t, x * 2 + 1)
    _exact(u, np.full(100, -5.0))


# -- reductions consume pending expressions ------------------------------------------------


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("n", [5, 8192, 123_457])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16])
def test_sum_and_mean_of_a_pending_expression_equal_eager(case, n, dtype):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 100).astype(dtype)
    y = (rng.standard_normal(n) * 100).astype(dtype)
    a, b = distribute(x, case), distribute(y, case)
    fused = (np.sum(a * b - 1), np.mean(np.abs(a - b)))
    assert_all_ranks(_deferred.pending_count(a.comm) == 0, "the reduction left work pending")
    previous = _deferred.set_enabled(False)
    try:
        eager = (np.sum(a * b - 1), np.mean(np.abs(a - b)))
    finally:
        _deferred.set_enabled(previous)
    for f, e in zip(fused, eager):  # bit for bit: the same partial sums in the same order
        assert_all_ranks(type(f) is type(e) and f.dtype == e.dtype and f.tobytes() == e.tobytes(), f"{f!r} != {e!r}")
    if MPI.COMM_WORLD.size == 1 and dtype != np.int16 and case != "unstructured":  # (a shuffled block order)
        assert np.sum(a * b - 1).tobytes() == np.sum(x * y - 1).tobytes()  # one block: NumPy's own summation


@pytest.mark.parametrize("case", ["block", "uneven", "grid_bb"])
def test_fused_sums_of_views_decide_alike_on_every_rank(case):
    # A view's block is contiguous where it has one row and strided elsewhere (a local fact): every
    # rank must still take the same path, and the sums equal the eager ones bit for bit.
    for rows in range(1, 2 * MPI.COMM_WORLD.size + 3):
        x = np.random.default_rng(rows).standard_normal((rows, 7))
        d = distribute(x, case)
        fused = (np.sum(d[:, 1:-1] * 2), np.mean(np.abs(d[:, 2:] - d[:, :-2])))
        previous = _deferred.set_enabled(False)
        try:
            eager = (np.sum(d[:, 1:-1] * 2), np.mean(np.abs(d[:, 2:] - d[:, :-2])))
        finally:
            _deferred.set_enabled(previous)
        for f, e in zip(fused, eager):
            assert_all_ranks(f.tobytes() == e.tobytes(), f"{rows} rows: {f!r} != {e!r}")


def test_a_consumed_expression_stays_usable():
    x = np.linspace(-1, 1, 30_001)
    d = distribute(x, "block")
    p = np.exp(d) * 2
    s = np.sum(p)
    _exact(p, np.exp(x) * 2)  # computed again when needed
    assert float(s) == pytest.approx(float(np.sum(np.exp(x) * 2)))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        total = np.sum(np.log(d))  # the expression's warning is agreed when the sum ends
    assert_all_ranks(any("invalid value encountered in log" in str(w.message) for w in seen), "no warning")
    assert np.isnan(float(total))


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured"])
@pytest.mark.parametrize("n", [11, 30_000])
def test_astype_and_where_are_deferred(case, n):
    x = np.linspace(-50, 50, n)
    d = distribute(x, case)
    cast = (d * 3).astype(np.int16)
    assert_all_ranks(_pending(cast), "astype was not deferred")
    _exact(cast + 1, (x * 3).astype(np.int16) + 1)
    chosen = np.where(d > 0, d, -d * 2)
    assert_all_ranks(_pending(chosen), "where was not deferred")
    _exact(chosen, np.where(x > 0, x, -x * 2))
    f32 = d.astype(np.float32)
    _exact(np.where(f32 < 1, f32, 2.5), np.where(x.astype(np.float32) < 1, x.astype(np.float32), 2.5))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        bad = (d / 0.0).astype(np.int32)  # inf and nan to int: NumPy's "invalid value encountered in cast"
        nd.evaluate(bad)
    messages = {str(w.message) for w in seen}
    assert_all_ranks("invalid value encountered in cast" in messages, f"{messages}")


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven"])
@pytest.mark.parametrize("target", [np.float64, np.int16, np.float16, np.bool_])
@pytest.mark.parametrize("how", ["astype", "astype of pending", "copyto"])
def test_a_complex_cast_warns_once_at_the_calls_line(case, target, how):
    # NumPy's ComplexWarning (complex to real or integer, not to bool; any size) is issued at the call, once,
    # naming the caller's line: a deferred cast that warned when computed would warn late, from the library.
    x = np.linspace(-3, 3, 12) * (1 + 2j)
    numpy_dst, d = np.zeros(12, target), distribute(x, case)
    dst = distribute(np.zeros(12, target), case)
    calls = {"astype": (lambda: x.astype(target), lambda: d.astype(target)),
             "astype of pending": (lambda: (x * 2).astype(target), lambda: (d * 2).astype(target)),
             "copyto": (lambda: np.copyto(numpy_dst, x, casting="unsafe"),
                        lambda: np.copyto(dst, d, casting="unsafe"))}[how]
    found = []
    for call in calls:
        with _program_warnings() as seen:
            result = call()
            before = _where(seen)
            if isinstance(result, nd.DistArray):
                nd.evaluate(result)
        line = call.__code__.co_firstlineno  # (NumPy names the lambda's line: each call's own)
        found.append(tuple([(m, c, f, n - line) for m, c, f, n in w] for w in (before, _where(seen))))
    numpy_found, dist_found = found  # (each: the warnings at the call, and after the value is computed)
    expected = numpy_found[0]
    assert_all_ranks(numpy_found[1] == expected and len(expected) == (target is not np.bool_), f"{numpy_found}")
    assert_all_ranks(dist_found == (expected, expected), f"numpy_dist {dist_found}, NumPy {numpy_found}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        for call in calls:  # made an error, it is raised at the call, as NumPy raises it
            outcome = []
            try:
                call()
            except np.exceptions.ComplexWarning:
                outcome.append("raised")
            assert_all_ranks(outcome == (["raised"] if expected else []), f"{outcome}")


def test_warnings_filters_of_the_call_count():
    d = distribute(_one_rank_bad(0.0), "block")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = 1 / d  # ignored here: stays ignored when computed below
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nd.evaluate(y)
        with pytest.raises(RuntimeWarning):  # a warning made an error: the call runs eagerly, raising at once
            1 / d


def test_computed_values_are_not_kept_alive_by_pending_work():
    d = distribute(np.arange(50_000.0), "block")
    refs = []
    for i in range(5):
        r = d * i
        r.local  # computed now, before the next flush
        refs.append(weakref.ref(r.local.base if r.local.base is not None else r.local))
        del r
    gc.collect()
    assert_all_ranks(all(ref() is None for ref in refs), "a computed block outlived its array")
    assert_all_ranks(_deferred.pending_count(d.comm) > 0, "")  # still waiting for the flush that agrees


def test_a_flush_frees_each_unheld_value_once_it_is_computed():
    # Values nobody holds are computed at the flush for their FP errors only: each block must go as soon as it
    # is computed, not when the flush ends (ten such values would otherwise be alive at once).
    d = distribute(np.linspace(0.0, 1.0, 400_000), "block")
    nd.evaluate(d)
    block_bytes = math.prod(d.distribution.local_shape) * 8
    for i in range(10):
        np.sin(d) + i  # noqa: B018 - pending, dropped at once
    tracemalloc.start()
    try:
        nd.evaluate(d)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_all_ranks(peak < 3 * block_bytes + 2**20, f"peak {peak} bytes for blocks of {block_bytes}")


def test_narrow_columns_of_a_wide_array_are_not_walked_flat():
    # Read flat, a chunk of d[:, :3] would compute every column in between: 1,000 times the work, and chunk
    # buffers as long. Only rows whose gaps are small are read flat.
    from numpy_dist._flat_rows import LEAF, FlatRows

    wide = np.zeros((50, 3000))
    assert FlatRows.of([[(LEAF, wide[:, :3])]], (50, 3)) is None
    assert FlatRows.of([[(LEAF, wide[:, 1:-1])]], (50, 2998)) is not None
    d = distribute(np.arange(50 * 3000.0).reshape(50, 3000), "block")
    _exact(d[:, :3] * 2 + d[:, 3:6], np.arange(50 * 3000.0).reshape(50, 3000)[:, :3] * 2
           + np.arange(50 * 3000.0).reshape(50, 3000)[:, 3:6])


def test_a_moved_pending_value_is_freed_without_the_cycle_collector():
    d = distribute(np.random.default_rng(8).random((200, 30)), "block")
    was = gc.isenabled()
    gc.disable()  # (refcounts alone: no cycle between a value, its copies and its move)
    try:
        y = np.sin(d[2:])
        node = weakref.ref(y._expr)
        r = d[:-2] + y  # y moves to d[:-2]'s layout
        nd.evaluate(r)
        del y, r
        freed = node() is None
    finally:
        if was:
            gc.enable()
    assert_all_ranks(freed, "a moved value outlived its array")


@pytest.mark.parametrize("case", ["block", "cyclic"])
def test_sum_with_a_dtype_other_than_the_expression_s(case):
    x = np.linspace(0, 1, 30_001, dtype=np.float32)
    d = distribute(x, case)
    got = np.sum(d * d, dtype=np.float64)  # accumulates in float64, as NumPy's does (not the fused float32 sum)
    previous = _deferred.set_enabled(False)
    try:
        eager = np.sum(d * d, dtype=np.float64)
    finally:
        _deferred.set_enabled(previous)
    assert_all_ranks(got.dtype == np.float64 and got.tobytes() == eager.tobytes(), f"{got!r} != {eager!r}")
    assert_all_ranks(np.mean(d + 1, dtype=np.float64).dtype == np.float64, "mean dtype")


def test_fused_sum_with_chunks_below_numpys_pairwise_block(monkeypatch):
    monkeypatch.setattr(_deferred, "CHUNK_ELEMENTS", 7)  # smaller than NumPy's 128-element pairwise block
    x = np.linspace(-1, 1, 1001)
    d = distribute(x, "block")
    fused = np.sum(d * 3)
    previous = _deferred.set_enabled(False)
    try:
        eager = np.sum(d * 3)
    finally:
        _deferred.set_enabled(previous)
    assert_all_ranks(fused.tobytes() == eager.tobytes(), f"{fused!r} != {eager!r}")
