"""Differential tests of structured (record) arrays: NumPy is the oracle.

Creation and gathering, field access (a view) and assignment, multi-field
selection, sorting with ``order=``, ``lexsort`` on fields, ``unique`` and
the set functions on records: values, dtypes and exception classes over
the distribution cases, with the fallback refused.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import SHAPES_1D, assert_all_ranks, assert_dist_equal, dist_cases, distribute

from tests.dispatch._helpers import check, run_subcases

COMM = MPI.COMM_WORLD

pytestmark = pytest.mark.usefixtures("refuse_fallback")

DTYPE = np.dtype([("time", "i8"), ("val", "f8"), ("tag", "S2"), ("pair", "i4", (2,))])
NESTED = np.dtype([("id", "u2"), ("pos", [("x", "f4"), ("y", "f4")])])


def records(shape, seed: int = 0, dtype=DTYPE) -> np.ndarray:
    """Records with many ties in every field (so orders and uniques are exercised)."""
    rng = np.random.default_rng(seed)
    x = np.zeros(shape, dtype)
    if dtype == NESTED:
        x["id"] = rng.integers(0, 4, shape)
        x["pos"]["x"] = rng.integers(0, 3, shape) / 2
        x["pos"]["y"] = rng.integers(0, 3, shape)
        return x
    x["time"] = rng.integers(0, 5, shape)
    x["val"] = rng.integers(-2, 2, shape) / 2
    x["tag"] = rng.choice([b"a", b"bb", b"c", b""], shape)
    x["pair"] = rng.integers(0, 3, tuple(shape) + (2,))
    return x


SHAPES = SHAPES_1D + [(7, 4), (3, 0), (5, 3)]
CASES = [(s, c) for s in SHAPES for c in dist_cases(len(s))]


def test_creation_and_gather():
    def body(shape, case):
        x = records(shape)
        d = distribute(x, case)
        assert_dist_equal(d, x)
        assert_dist_equal(nd.asarray(x), x)
        assert_dist_equal(nd.zeros(shape, DTYPE), np.zeros(shape, DTYPE))
        assert_dist_equal(np.zeros_like(d), np.zeros_like(x))  # empty strings, not b"0"
        assert_dist_equal(np.ones_like(d), np.ones_like(x))
        assert_dist_equal(nd.asarray(records(shape, dtype=NESTED)), records(shape, dtype=NESTED))
        assert_all_ranks(nd.asnumpy(d).dtype == DTYPE, "dtype lost")
    run_subcases(CASES, body)


FIELD_KEYS = ["time", "val", "tag", "pair", ["val", "time"], ["pair", "tag"], ["time"]]


def test_field_access():
    def body(shape, case):
        x = records(shape, seed=1)
        d = distribute(x, case)
        for key in FIELD_KEYS:
            check(lambda a, k=key: a[k], (x,), (d,))
            check(lambda a, k=key: a[k][::2] if a.ndim else a[k], (x,), (d,))
        n = records(shape, dtype=NESTED)
        dn = distribute(n, case)
        check(lambda a: a["pos"]["x"], (n,), (dn,))
        check(lambda a: a["pos"], (n,), (dn,))
    run_subcases(CASES, body)


def test_field_access_errors():
    x = records((6,))
    d = distribute(x, "block")
    for key in ["nope", ["time", "nope"], ["time", "time"]]:
        check(lambda a, k=key: a[k], (x,), (d,))
    plain = np.arange(6.0)
    check(lambda a: a["time"], (plain,), (distribute(plain, "block"),))
    check(lambda a: a[["time"]], (plain,), (distribute(plain, "block"),))


def _set(a, key, value):
    a = a.copy()
    a[key] = value
    return a


def test_field_assignment_is_a_view():
    def body(shape, case):
        x = records(shape, seed=2)
        d = distribute(x, case)
        values = [
            ("val", 2.5), ("time", np.arange(int(np.prod(shape[:1]))).reshape(shape[:1] + (1,) * (len(shape) - 1))
                                 if shape else 3),
            ("pair", [7, 8]), ("tag", b"zz"), (["val", "time"], (1.5, 9)),
            (Ellipsis, (4, 0.5, b"t", [1, 2])),  # a tuple is one record
        ] + ([(0, (4, 0.5, b"t", [1, 2])), (slice(1, None, 2), [(5, 1.5, b"u", [3, 4])])] if shape and shape[0] else [])
        for key, value in values:
            check(lambda a, k=key, v=value: _set(a, k, v), (x,), (d,))
        # a DistArray value of another layout, and writes through the field view reach the records
        src = records(shape, seed=3)
        check(lambda a, s: _set(a, "val", s["val"]), (x, src), (d, distribute(src, "replicated")))
        e = d.copy()
        view = e["time"]
        view[...] = -1
        expected = x.copy()
        expected["time"] = -1
        assert_dist_equal(e, expected)
    run_subcases(CASES, body)


SORT_ORDERS = ["time", ["val", "time"], ["tag"], ["pair", "val"]]


def test_sort_with_order():
    def body(shape, case):
        x = records(shape, seed=4)
        d = distribute(x, case)
        for order in SORT_ORDERS:
            check(lambda a, o=order: np.sort(a, order=o), (x,), (d,))
            check(lambda a, o=order: np.sort(a, axis=None, order=o), (x,), (d,))
            check(lambda a, o=order: np.argsort(a, order=o, kind="stable"), (x,), (d,))
            check(lambda a, o=order: np.argsort(a, axis=0, order=o, stable=True) if a.ndim else a, (x,), (d,))
        check(lambda a: np.sort(a), (x,), (d,))
        check(lambda a: np.argsort(a, axis=None, kind="stable"), (x,), (d,))
    run_subcases(CASES, body)


def test_sort_order_errors():
    x = records((5,))
    d = distribute(x, "cyclic")
    for order in ["nope", ["time", "time"], 3, ["time", "nope"]]:
        check(lambda a, o=order: np.sort(a, order=o), (x,), (d,))
        check(lambda a, o=order: np.argsort(a, order=o), (x,), (d,))
    plain = np.arange(5)
    check(lambda a: np.sort(a, order="time"), (plain,), (distribute(plain, "cyclic"),))
    check(lambda a: np.sort(a, order="time", axis=3), (x,), (d,))
    zero_d = records(())  # argsort takes a 0-d array as one element; sort refuses its axis
    for f in (np.sort, np.argsort):
        check(lambda a, f=f: f(a, order="time", kind="stable"), (zero_d,), (nd.asarray(zero_d),))


def test_partition_with_order():
    def body(shape, case):
        x = records(shape, seed=5)
        d = distribute(x, case)
        k = shape[0] // 2
        expected = np.sort(x, axis=0, order="time", kind="stable")["time"]
        got = np.partition(d, k, axis=0, order="time")["time"]
        # only the kth position is fixed by NumPy's contract
        assert_dist_equal(got[k], expected[k])
    run_subcases([(s, c) for s, c in CASES if len(s) == 1 and s[0]], body)


def test_lexsort_fields():
    def body(shape, case):
        x = records(shape, seed=6)
        d = distribute(x, case)
        check(lambda a: np.lexsort((a["val"], a["tag"], a["time"])), (x,), (d,))
        check(lambda a: np.lexsort((a["time"], np.arange(shape[0]))), (x,), (d,))
    run_subcases([(s, c) for s, c in CASES if len(s) == 1], body)


def test_unique_and_sets_on_records():
    def body(shape, case):
        x = records(shape, seed=7)
        flat = x.reshape(-1)
        d = distribute(x, case)
        sub = flat[::3][["time", "tag"]]
        check(lambda a: np.unique(a), (x,), (d,))
        check(lambda a: np.unique(a[["time", "tag"]], return_index=True, return_inverse=True, return_counts=True),
              (flat,), (distribute(flat, "block"),))
        check(lambda a: np.unique(a["time"], return_inverse=True, return_counts=True), (x,), (d,))
        check(lambda a: np.isin(a, flat[:4]), (x,), (d,))
        fd = distribute(flat, case if len(shape) == 1 else "block")
        check(lambda a: np.intersect1d(a[["time", "tag"]], sub), (flat,), (fd,))
        check(lambda a: np.union1d(a[["time", "tag"]], sub), (flat,), (fd,))
        check(lambda a: np.setdiff1d(a[["time", "tag"]], sub), (flat,), (fd,))
        check(lambda a: np.setxor1d(a[["time", "tag"]], sub), (flat,), (fd,))
    run_subcases(CASES, body)


def test_npy_dnpy_hdf5_round_trips():
    """Records (nested and subarray fields too) written and read back in the three formats."""
    import os
    import shutil
    import tempfile

    directory = COMM.bcast(tempfile.mkdtemp(prefix="nd_records_") if COMM.rank == 0 else None)
    formats = {"npy": (nd.save, nd.load), "dnpy": (nd.save_dnpy, nd.load_dnpy),
               "h5": (lambda p, d: nd.save_hdf5(p, d, key="x"), lambda p: nd.load_hdf5(p, key="x"))}

    def body(shape, case, fmt):
        for i, x in enumerate([records(shape, seed=11), records(shape, dtype=NESTED)]):
            save, load = formats[fmt]
            path = os.path.join(directory, f"{len(shape)}_{shape[0]}_{case}_{i}.{fmt}")
            save(path, distribute(x, case))
            assert_dist_equal(load(path), x)
    try:
        run_subcases([(s, c, f) for s in [(10,), (5, 3)] for c in ("block", "cyclic", "replicated") for f in formats],
                     body)
    finally:
        COMM.Barrier()
        if COMM.rank == 0:
            shutil.rmtree(directory, ignore_errors=True)


def test_record_equality_compares_field_by_field():
    def body(shape, case):
        x, y = records(shape, 1), records(shape, 2)
        d, e = distribute(x, case), distribute(y, "block")  # another layout: aligned first
        assert_dist_equal(d == e, x == y)
        assert_dist_equal(d != e, x != y)
        assert_dist_equal(d == x, x == x)  # a NumPy operand of the same shape
        if x.size:
            assert_dist_equal(d == x[(0,) * x.ndim], x == x[(0,) * x.ndim])  # a record scalar
    run_subcases(CASES, body)
    other = np.zeros(3, [("q", "f8")])
    with pytest.raises(TypeError):  # NumPy's error for records that cannot be compared, on every rank
        _ = records((3,)) == other
    with pytest.raises(TypeError):
        _ = distribute(records((3,)), "block") == distribute(other, "block")
