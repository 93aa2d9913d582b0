"""Differential tests of ``ufunc.reduceat`` on DistArrays (NumPy is the oracle).

Every binary ufunc method ``reduceat`` runs natively: segments crossing block
boundaries are folded left to right by a relay of carries, so non-associative
ufuncs (subtract, divide, integer power) are exact.  Sweeps the distribution
cases (block, cyclic, block-cyclic, uneven, unstructured, replicated, 2-d
grids) with repeated, decreasing and empty indices, 2-d arrays along either
axis, ``dtype=`` / ``out=``, and NumPy's errors (compared by class).

NumPy 2.4's own 1-d float reduce of ``power`` / ``arctan2`` is not a left fold
(it returns ``op(x[0], x[-1])``, see test_ufuncs.test_reduce_non_associative),
so those are checked on integer data / segments of at most two elements.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, dist_cases, distribute, rng_data

from tests.dispatch._helpers import check, pick, run_subcases  # noqa: E402

COMM = MPI.COMM_WORLD

# (ufunc, dtype): the non-associative ones included.
UFUNCS = [(np.add, np.float64), (np.add, np.int8), (np.add, np.bool_), (np.multiply, np.int64),
          (np.subtract, np.float64), (np.subtract, np.int32), (np.divide, np.float64), (np.power, np.int64),
          (np.maximum, np.float64), (np.minimum, np.int16), (np.fmax, np.float32), (np.logical_and, np.bool_),
          (np.logical_or, np.int64), (np.bitwise_xor, np.int64), (np.bitwise_and, np.uint8), (np.hypot, np.float64),
          (np.floor_divide, np.int64), (np.fmod, np.float64), (np.equal, np.bool_), (np.less, np.bool_),
          (np.gcd, np.int64)]
IDS = [f"{u.__name__}-{np.dtype(d).name}" for u, d in UFUNCS]

INDEX_SETS = {
    "sorted": lambda n: [0, n // 3, n // 2, n - 1],
    "decreasing": lambda n: [n - 1, 0, n // 2, 1],
    "repeated": lambda n: [0, 0, n // 2, n // 2, n - 1, n - 1],
    "one": lambda n: [0],
    "last": lambda n: [n - 1],
    "empty": lambda n: [],
    "all": lambda n: list(range(n)),
    "middle_to_end": lambda n: [n // 2],
}


def data(shape, dt, seed):
    x = rng_data(shape, dt, seed)
    if np.dtype(dt).kind in "iu" and dt is not np.bool_:
        x = (np.abs(x) % 5 + 1).astype(dt)  # no zero divisors, small powers
    return x


@pytest.mark.parametrize("ufunc,dt", UFUNCS, ids=IDS)
def test_reduceat_1d(ufunc, dt):
    k = UFUNCS.index((ufunc, dt))

    def body(n, case, kind):
        x = data((n,), dt, k)
        idx = np.asarray(INDEX_SETS[kind](n), dtype=np.intp)
        if ufunc is np.power:
            x = np.minimum(x, 2)
        check(lambda a: ufunc.reduceat(a, idx), [x], [distribute(x, case)])

    items = [(n, c, kind) for n in (1, 3, 10, 17) for c in dist_cases(1) for kind in INDEX_SETS]
    run_subcases(pick(items, k, 30), body)


@pytest.mark.parametrize("ufunc,dt", UFUNCS, ids=IDS)
def test_reduceat_2d(ufunc, dt):
    k = UFUNCS.index((ufunc, dt))

    def body(shape, case, axis, kind):
        x = data(shape, dt, k + 1)
        if ufunc is np.power:
            x = np.minimum(x, 2)
        idx = np.asarray(INDEX_SETS[kind](shape[axis]), dtype=np.intp)
        check(lambda a: ufunc.reduceat(a, idx, axis=axis), [x], [distribute(x, case)])

    items = [(s, c, ax, kind) for s in [(7, 4), (13, 6), (2, 5)] for c in dist_cases(2) for ax in (0, 1, -1)
             for kind in ("sorted", "decreasing", "repeated", "empty", "all")]
    run_subcases(pick(items, k, 24), body)


def test_reduceat_long_segments_cross_many_ranks():
    # One segment spanning every rank, others inside one block: exact left folds.
    x = np.arange(1, 41, dtype=np.int64)
    for ufunc in (np.subtract, np.floor_divide, np.add):
        for idx in ([0], [3, 38, 5], [0, 39, 1, 20, 19]):
            def body(case):
                check(lambda a: ufunc.reduceat(a, np.array(idx)), [x], [distribute(x, case)])

            run_subcases([(c,) for c in dist_cases(1)], body)


def test_reduceat_arctan2_pairs():
    x = rng_data((12,), np.float64, 5)
    idx = np.array([0, 2, 4, 5, 7, 9, 11])  # segments of one or two elements
    run_subcases([(c,) for c in dist_cases(1)],
                 lambda case: check(lambda a: np.arctan2.reduceat(a, idx), [x], [distribute(x, case)]))


def test_reduceat_ldexp_type_error():
    x = rng_data((8,), np.float64, 5)
    run_subcases([(c,) for c in dist_cases(1)],
                 lambda case: check(lambda a: np.ldexp.reduceat(a, [0, 3]), [x], [distribute(x, case)]))


DTYPE_OUT_CASES = [
    ("dtype-int64", {"dtype": np.int64}, None),
    ("dtype-float32", {"dtype": np.float32}, None),
    ("out-float64", {}, np.float64),
    ("out-int64", {}, np.int64),
    ("out-float32", {}, np.float32),
    ("positional-axis-dtype", "positional", None),
]


@pytest.mark.parametrize("name,kw,out_dt", DTYPE_OUT_CASES, ids=[c[0] for c in DTYPE_OUT_CASES])
def test_reduceat_dtype_and_out(name, kw, out_dt):
    x = rng_data((11, 3), np.float64, 2) * 10
    idx = np.array([0, 4, 2, 9])

    def body(case, out_kind):
        def f(a, is_np):
            if kw == "positional":
                return np.add.reduceat(a, idx, 0, np.float32)
            if out_dt is None:
                return np.add.reduceat(a, idx, **kw)
            out = np.zeros((4, 3), out_dt)
            if out_kind == "dist" and not is_np:
                out = distribute(out, "block")
            res = np.add.reduceat(a, idx, out=out)
            assert res is out
            return out

        check(lambda a: f(a, isinstance(a, np.ndarray)), [x], [distribute(x, case)])

    run_subcases([(c, o) for c in pick(dist_cases(2), len(name), 5) for o in ("numpy", "dist")], body)


ERROR_CASES = [
    ("index-too-large", lambda f, a: f(a, [0, 11])),
    ("index-negative", lambda f, a: f(a, [-1])),
    ("bad-axis", lambda f, a: f(a, [0], axis=1)),
    ("bad-axis-2d", lambda f, a: f(a.reshape(11, 1) if isinstance(a, np.ndarray) else a, [0], axis=-3)),
    ("indices-2d", lambda f, a: f(a, [[0, 1]])),
    ("indices-0d", lambda f, a: f(a, 0)),
    ("out-wrong-shape", lambda f, a: f(a, [0, 1], out=np.zeros(3))),
    ("unknown-keyword", lambda f, a: f(a, [0], keepdims=True)),
    ("no-loop", lambda f, a: np.equal.reduceat(a, [0, 3])),
    ("bool-subtract", lambda f, a: np.subtract.reduceat(a > 0, [0, 3])),
    ("unary", lambda f, a: np.negative.reduceat(a, [0])),
    ("two-outputs", lambda f, a: np.divmod.reduceat(a, [0])),
    ("empty-array-index", lambda f, a: f(a[:0], [0])),
]


@pytest.mark.parametrize("name,call", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_reduceat_errors(name, call):
    x = rng_data((11,), np.float64, 3)
    run_subcases([(c,) for c in pick(dist_cases(1), len(name), 4)],
                 lambda case: check(lambda a: call(np.add.reduceat, a), [x], [distribute(x, case)]))


def test_reduceat_dist_indices_and_empty_blocks():
    # Indices as a (small) DistArray; more ranks than rows leaves some blocks empty.
    x = rng_data((3, 4), np.float64, 7)
    idx = np.array([2, 0, 1, 1])

    def body(case):
        check(lambda a, i: np.subtract.reduceat(a, i), [x, idx], [distribute(x, case), distribute(idx, "cyclic")])

    run_subcases([(c,) for c in dist_cases(2)], body)


def test_reduceat_result_layout_and_no_gather():
    """The result is laid in blocks of len(indices) rows; no fallback, nothing gathered whole."""
    x = rng_data((40, 3), np.float64, 9)
    idx = np.array([0, 5, 17, 16, 30])
    old = nd.set_fallback("error")
    try:
        for case in dist_cases(2):
            d = distribute(x, case)
            nd.reset_comm_stats()
            r = np.subtract.reduceat(d, idx)
            assert_all_ranks(nd.comm_stats()["implicit_gathers"] == 0, "an implicit gather happened")
            assert_all_ranks(r.distribution.maps[0].dist_type in "bn", f"{case}: {r.distribution.maps[0]}")
            check(lambda a: a, [np.subtract.reduceat(x, idx)], [r])
    finally:
        nd.set_fallback(old)


def test_reduceat_not_in_fallback_coverage():
    assert not [n for n in nd.coverage()["fallback"] if n.endswith(".reduceat")]


def test_reduceat_block_axis_communication():
    """A block-laid axis: one relay message to the next rank and one exchange of finished rows, per rank."""
    x = rng_data((40,), np.float64, 4)
    idx = np.array([0, 7, 13, 12, 25, 39])
    for case in ("block", "uneven"):
        d = distribute(x, case)
        nd.reset_comm_stats()
        r = np.subtract.reduceat(d, idx)
        stats = nd.comm_stats()
        assert_all_ranks(stats["collectives"] <= 2 and stats["implicit_gathers"] == 0, f"{case}: {stats}")
        check(lambda a: a, [np.subtract.reduceat(x, idx)], [r])


def test_reduceat_checks_in_numpy_order():
    """Fuzz: NumPy checks the indices' depth, the axis (a 0-d array counts as 1-d), a 0-d array, the bounds,
    and only then the loop's types (an out-of-bounds index of ``less`` is IndexError, not TypeError)."""
    x, s = np.arange(6, dtype=np.uint32), np.array(1.0)
    calls = [(np.less, x, [-1, 0], {}), (np.less, x, [0, 1], {}), (np.less, x, [[0, 1]], {}),
             (np.less, x, [9], {"axis": 3}), (np.less, x, [9], {"dtype": np.int8}), (np.gcd, x * 1.5, [7], {}),
             (np.ldexp, x.astype(np.int16), [6], {}), (np.fmod, s, [0], {"axis": 0}), (np.fmod, s, [0], {"axis": 1}),
             (np.fmod, s, [[0]], {"axis": 1})]
    for ufunc, a, idx, kw in calls:
        for case in (["replicated"] if a.ndim == 0 else ["block", "cyclic", "replicated"]):
            check(lambda v: ufunc.reduceat(v, idx, **kw), [a], [distribute(a, case)])
