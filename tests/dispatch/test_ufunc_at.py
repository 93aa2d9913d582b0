"""Differential tests of ``ufunc.at`` with distributed targets, indices and values (NumPy is the oracle).

Three routes: a DistArray target with NumPy indices/values (each rank applies
what it owns), a DistArray target with DistArray indices and/or values (one
exchange to the owners, applied in NumPy's order), and a NumPy target with
distributed indices/values (allreduce by the ufunc, or a relay in order).
Repeated and negative indices, non-commutative ufuncs, unary ufuncs, 2-d
targets, errors (by class), in-place identity of a NumPy target, and no
whole-array gather (fallback mode "error").
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, dist_cases, distribute, rng_data

from tests.dispatch._helpers import check, pick, run_subcases  # noqa: E402

COMM = MPI.COMM_WORLD

# (ufunc, target dtype, values dtype)
BINARY = [(np.add, np.float64, np.float64), (np.add, np.int64, np.int64), (np.add, np.int8, np.int8),
          (np.subtract, np.float64, np.float64), (np.subtract, np.int32, np.int32),
          (np.divide, np.float64, np.float64), (np.power, np.int64, np.int64), (np.power, np.float64, np.float64),
          (np.multiply, np.int64, np.int64), (np.multiply, np.float64, np.float64),
          (np.maximum, np.float64, np.float64), (np.minimum, np.int16, np.int16), (np.fmax, np.float32, np.float32),
          (np.logical_and, np.bool_, np.bool_), (np.logical_xor, np.bool_, np.bool_),
          (np.bitwise_xor, np.int64, np.int64), (np.bitwise_or, np.uint8, np.uint8),
          (np.arctan2, np.float64, np.float64), (np.ldexp, np.float64, np.int32), (np.floor_divide, np.int64, np.int64)]
IDS = [f"{u.__name__}-{np.dtype(t).name}" for u, t, _ in BINARY]

N = 17  # target length
INDEX_SETS = {
    "repeated": np.array([0, 3, 3, 16, 0, 8, 8, 8, 5, 3, 3, 12]),
    "negative": np.array([-1, -17, -1, 4, -4, 4]),
    "empty": np.array([], dtype=np.int64),
    "one": np.array([7]),
    "many": np.arange(40) % 5 * 3,
}


def values(dt, n, seed):
    x = rng_data((n,), dt, seed)
    if np.dtype(dt).kind in "iu":
        x = (np.abs(x) % 3 + 1).astype(dt)
    elif np.dtype(dt).kind == "f":
        x = (np.abs(x) % 2 + 0.5).astype(dt)  # modest powers and quotients
    return x


def target(dt, shape, seed):
    x = rng_data(shape, dt, seed)
    if np.dtype(dt).kind in "iu":
        x = (np.abs(x) % 4 + 1).astype(dt)
    return x


def _at(ufunc, a, idx, b):
    ufunc.at(a, idx, b)
    return a


@pytest.mark.parametrize("ufunc,tdt,vdt", BINARY, ids=IDS)
def test_at_dist_target_dist_indices_values(ufunc, tdt, vdt):
    k = BINARY.index((ufunc, tdt, vdt))

    def body(kind, case_a, case_i, case_b):
        idx = INDEX_SETS[kind]
        a, b = target(tdt, (N,), k), values(vdt, idx.size, k + 1)
        di = distribute(idx, case_i)
        db = b if case_b is None else distribute(b, case_b)
        check(lambda x: _at(ufunc, x, di if not isinstance(x, np.ndarray) else idx,
                            db if not isinstance(x, np.ndarray) else b), [a.copy()], [distribute(a, case_a)])

    cases = dist_cases(1)
    items = [(kind, ca, ci, cb) for kind in INDEX_SETS for ca in cases for ci in cases
             for cb in (None, ci, "cyclic")]
    run_subcases(pick(items, k, 12), body)


@pytest.mark.parametrize("ufunc,tdt,vdt", BINARY, ids=IDS)
def test_at_numpy_target_dist_indices_values(ufunc, tdt, vdt):
    """The group-by pattern: a NumPy target updated in place, identically on every rank."""
    k = BINARY.index((ufunc, tdt, vdt))

    def body(kind, case_i, scalar_b):
        idx = INDEX_SETS[kind]
        a = target(tdt, (N,), k)
        b = values(vdt, 1, k)[0] if scalar_b else values(vdt, idx.size, k + 1)
        expected = _at(ufunc, a.copy(), idx, b)
        mine = a.copy()
        result = _at(ufunc, mine, distribute(idx, case_i), b if scalar_b else distribute(b, case_i))
        assert result is mine
        check(lambda x: x, [expected], [mine])

    items = [(kind, c, s) for kind in INDEX_SETS for c in dist_cases(1) for s in (False, True)]
    run_subcases(pick(items, k, 12), body)


def test_at_numpy_target_2d_groupby():
    """``np.add.at(np.zeros((k, d)), labels, X)``: k-means / group-by sums; also max, subtract and counts."""
    labels = (np.arange(23) * 7) % 4
    X = rng_data((23, 3), np.float64, 2)
    Xi = (np.arange(69).reshape(23, 3) % 7).astype(np.int64)

    def body(case_l, case_x, ufunc, data):
        expected = np.zeros((4, 3), data.dtype)
        ufunc.at(expected, labels, data)
        mine = np.zeros((4, 3), data.dtype)
        ufunc.at(mine, distribute(labels, case_l), distribute(data, case_x))
        check(lambda x: x, [expected], [mine])

    items = [(cl, cx, u, d) for cl in dist_cases(1) for cx in ("block", "cyclic", "grid_bb", "last")
             for u in (np.add, np.maximum, np.subtract) for d in (X, Xi)]
    run_subcases(pick(items, 3, 24), body)


def test_at_2d_target_tuple_indices():
    a = rng_data((7, 4), np.float64, 1)
    rows, cols = np.array([0, 6, 6, 3, 0]), np.array([1, 3, 3, 0, 1])
    b = rng_data((5,), np.float64, 2)

    def body(case_a, case_i, ufunc):
        di, dj = distribute(rows, case_i), distribute(cols, "cyclic")
        check(lambda x: _at(ufunc, x, (di, dj) if not isinstance(x, np.ndarray) else (rows, cols), b),
              [a.copy()], [distribute(a, case_a)])
        expected = _at(ufunc, a.copy(), (rows, cols), b)
        mine = _at(ufunc, a.copy(), (di, dj), distribute(b, case_i))
        check(lambda x: x, [expected], [mine])

    items = [(ca, ci, u) for ca in dist_cases(2) for ci in dist_cases(1) for u in (np.add, np.subtract, np.divide)]
    run_subcases(pick(items, 5, 18), body)


def test_at_2d_target_row_index_broadcast_values():
    a = rng_data((7, 4), np.float64, 1)
    rows = np.array([0, 6, 6, 3, 0, -1])
    b2 = rng_data((6, 4), np.float64, 2)
    row = rng_data((4,), np.float64, 3)

    def body(case_a, case_i, ufunc, bkind):
        b = {"full": b2, "row": row, "scalar": 2.5}[bkind]
        db = distribute(b2, case_i) if bkind == "full" else b
        check(lambda x: _at(ufunc, x, distribute(rows, case_i) if not isinstance(x, np.ndarray) else rows,
                            db if not isinstance(x, np.ndarray) else b),
              [a.copy()], [distribute(a, case_a)])

    items = [(ca, ci, u, bk) for ca in dist_cases(2) for ci in dist_cases(1) for u in (np.add, np.subtract)
             for bk in ("full", "row", "scalar")]
    run_subcases(pick(items, 7, 18), body)


def test_at_unary():
    idx = INDEX_SETS["repeated"]
    a = rng_data((N,), np.float64, 4)
    ai = np.arange(N, dtype=np.int64)

    def body(case_a, case_i, ufunc, data):
        check(lambda x: _unary(ufunc, x, idx if isinstance(x, np.ndarray) else distribute(idx, case_i)),
              [data.copy()], [distribute(data, case_a)])
        expected = _unary(ufunc, data.copy(), idx)
        mine = _unary(ufunc, data.copy(), distribute(idx, case_i))
        check(lambda x: x, [expected], [mine])

    items = [(ca, ci, u, d) for ca in dist_cases(1) for ci in dist_cases(1)
             for u, d in ((np.negative, a), (np.square, a), (np.invert, ai), (np.negative, ai))]
    run_subcases(pick(items, 1, 16), body)


def _unary(ufunc, a, idx):
    ufunc.at(a, idx)
    return a


def test_at_dist_values_numpy_indices():
    # Replicated indices, distributed values: routed like distributed indices.
    idx = INDEX_SETS["repeated"]
    b = rng_data((idx.size,), np.float64, 6)
    a = rng_data((N,), np.float64, 5)

    def body(case_a, case_b, ufunc):
        check(lambda x: _at(ufunc, x, idx, b if isinstance(x, np.ndarray) else distribute(b, case_b)),
              [a.copy()], [distribute(a, case_a)])
        check(lambda x: x, [_at(ufunc, a.copy(), idx, b)], [_at(ufunc, a.copy(), idx, distribute(b, case_b))])

    items = [(ca, cb, u) for ca in dist_cases(1) for cb in dist_cases(1) for u in (np.add, np.subtract, np.power)]
    run_subcases(pick(items, 2, 16), body)


ERROR_CASES = [
    ("out-of-bounds", np.add, np.array([1, 17]), np.float64, np.float64),
    ("negative-out-of-bounds", np.subtract, np.array([1, -18]), np.float64, np.float64),
    ("float-indices", np.add, np.array([1.0, 2.0]), np.float64, np.float64),
    ("unsafe-cast-allowed", np.add, np.array([1, 2]), np.int64, np.float64),
    ("bitwise-float", np.bitwise_xor, np.array([1, 2]), np.float64, np.float64),
    ("values-wrong-shape", np.add, np.array([1, 2, 3]), np.float64, np.float64),
]


@pytest.mark.parametrize("name,ufunc,idx,tdt,vdt", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_at_errors(name, ufunc, idx, tdt, vdt):
    """NumPy's exception class on every rank, and nothing applied (NumPy validates first)."""
    a = target(tdt, (N,), 1)
    b = values(vdt, 2, 2)

    def body(case_a, case_i, numpy_target):
        di = distribute(idx, case_i)
        db = distribute(b, case_i) if b.size == idx.size else b
        if numpy_target:
            mine = a.copy()
            if check(lambda x, i, v: _at(ufunc, x, i, v), [a.copy(), idx, b], [mine, di, db]) is None:
                check(lambda x: x, [a], [mine])  # it raised: nothing applied
            return
        check(lambda x: _at(ufunc, x, idx, b) if isinstance(x, np.ndarray) else _at(ufunc, x, di, db),
              [a.copy()], [distribute(a, case_a)])

    items = [(ca, ci, t) for ca in dist_cases(1) for ci in dist_cases(1) for t in (False, True)]
    run_subcases(pick(items, len(name), 8), body)


def test_at_unary_with_values_and_binary_without():
    a = np.zeros(N)
    di = distribute(np.array([1, 2]), "block")
    run_subcases([(u, extra) for u, extra in ((np.negative, (np.ones(2),)), (np.add, ()))],
                 lambda u, extra: check(lambda x: u.at(x, np.array([1, 2]), *extra) if isinstance(x, np.ndarray)
                                        else u.at(x, di, *extra), [a.copy()], [distribute(a, "block")]))


def test_at_no_whole_array_gather_and_in_place():
    """Fallback mode "error": nothing gathered; the NumPy target is the caller's object, equal on every rank."""
    labels = (np.arange(40) * 7) % 5
    X = rng_data((40, 2), np.float64, 8)
    old = nd.set_fallback("error")
    try:
        for ufunc in (np.add, np.subtract, np.maximum):
            for case in dist_cases(1):
                dl, dX = distribute(labels, case), distribute(X, "block")
                nd.reset_comm_stats()
                c = np.zeros((5, 2))
                ident = id(c)
                ufunc.at(c, dl, dX)
                assert_all_ranks(id(c) == ident and nd.comm_stats()["implicit_gathers"] == 0, f"{case}")
                e = np.zeros((5, 2))
                ufunc.at(e, labels, X)
                check(lambda x: x, [e], [c])  # (also checks every rank holds the same array)
                d = distribute(np.zeros((5, 2)), "block")
                ufunc.at(d, dl, dX)
                assert_all_ranks(nd.comm_stats()["implicit_gathers"] == 0, f"{case}")
                check(lambda x: x, [e], [d])
    finally:
        nd.set_fallback(old)


def test_at_numpy_target_keeps_untouched_negative_zeros():
    a = np.array([-0.0, 1.0, -0.0, 2.0])
    idx = np.array([1, 3, 1])
    mine = a.copy()
    np.add.at(mine, distribute(idx, "cyclic"), distribute(np.array([0.5, 0.25, 0.5]), "cyclic"))
    expected = a.copy()
    np.add.at(expected, idx, np.array([0.5, 0.25, 0.5]))
    check(lambda x: x, [expected], [mine])
    assert_all_ranks(bool(np.array_equal(np.signbit(mine), np.signbit(expected))), f"{mine} != {expected}")


@pytest.mark.parametrize("numpy_target", [False, True], ids=["dist-target", "numpy-target"])
def test_at_communication(numpy_target):
    """Aligned indices and values: one data collective (the exchange of updates, or the allreduce)."""
    idx = INDEX_SETS["many"]
    b = rng_data((idx.size,), np.float64, 3)
    for case in dist_cases(1):
        di, db = distribute(idx, case), distribute(b, case)
        a = np.zeros(N) if numpy_target else distribute(np.zeros(N), "block")
        nd.reset_comm_stats()
        np.add.at(a, di, db)
        stats = nd.comm_stats()
        data = 0 if numpy_target and COMM.size == 1 else 1  # (one rank: no allreduce)
        assert_all_ranks(stats["collectives"] == data and stats["implicit_gathers"] == 0, f"{case}: {stats}")
        e = np.zeros(N)
        np.add.at(e, idx, b)
        check(lambda x: x, [e], [a])
