"""Differential tests of ``numpy.lib.recfunctions`` on DistArrays (native: the fallback is refused).

The per-record functions over the distribution cases; the ones NumPy pads
or masks (operands of different lengths, ``usemask=True`` results) are
checked to take the announced fallback.
"""

from __future__ import annotations

import numpy as np
import numpy.lib.recfunctions as rfn
import pytest

import numpy_dist as nd
from numpy_dist.testing import SHAPES_1D, assert_dist_equal, dist_cases, distribute

from tests.dispatch._helpers import check, run_subcases
from tests.records.test_structured import DTYPE, NESTED, records

pytestmark = pytest.mark.usefixtures("refuse_fallback")

SHAPES = SHAPES_1D + [(7, 4), (3, 0)]
CASES = [(s, c) for s in SHAPES for c in dist_cases(len(s))]
FLAT = DTYPE.descr[:3]  # time, val, tag (no subarray field)

# name -> f(x) of one record array (NumPy or DistArray)
ONE_ARRAY = {
    "drop_fields": lambda x: rfn.drop_fields(x, ["val"]),
    "drop_fields_all": lambda x: rfn.drop_fields(x, list(x.dtype.names)),
    "drop_fields_nested": lambda x: rfn.drop_fields(x, "y") if x.dtype == NESTED else x,
    "rename_fields": lambda x: rfn.rename_fields(x, {"time": "t", "x": "xx"}),
    "repack_fields": lambda x: rfn.repack_fields(x[["val", "time"]]),
    "repack_align": lambda x: rfn.repack_fields(x, align=True),
    "require_fields": lambda x: rfn.require_fields(x, [("val", "f4"), ("time", "i8"), ("new", "u1")]),
    "structured_to_unstructured": lambda x: rfn.structured_to_unstructured(x[["time", "val"]]),
    "s2u_dtype": lambda x: rfn.structured_to_unstructured(x[["time", "pair"]], dtype=np.float32),
    "apply_along_fields": lambda x: rfn.apply_along_fields(np.mean, x[["time", "val"]]),
    "u2s_roundtrip": lambda x: rfn.unstructured_to_structured(rfn.structured_to_unstructured(x[["time", "val"]]),
                                                              names=["a", "b"]),
}


def test_one_array_functions():
    def body(shape, case):
        x = records(shape, seed=8)
        d = distribute(x, case)
        for name, f in ONE_ARRAY.items():
            try:
                check(f, (x,), (d,))
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from None
        n = records(shape, dtype=NESTED)
        check(ONE_ARRAY["drop_fields_nested"], (n,), (distribute(n, case),))
        check(lambda a: rfn.rename_fields(a, {"x": "xx"}), (n,), (distribute(n, case),))
    run_subcases(CASES, body)


def test_unstructured_to_structured_of_distributed_last_axis():
    def body(shape, case):
        u = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
        d = distribute(u, case)
        check(lambda a: rfn.unstructured_to_structured(a), (u,), (d,))
        check(lambda a: rfn.unstructured_to_structured(a, np.dtype([("a", "i4"), ("b", "f8", (shape[-1] - 1,))]))
              if shape[-1] > 1 else a, (u,), (d,))
    run_subcases([(s, c) for s in [(5, 3), (4, 6), (2, 1)] for c in dist_cases(2)], body)


def test_errors_match_numpy():
    x = records((6,))
    d = distribute(x, "cyclic")
    check(lambda a: rfn.structured_to_unstructured(a), (np.arange(3.0),), (nd.arange(3.0),))
    check(lambda a: rfn.unstructured_to_structured(a), (np.arange(3.0).reshape(()) if False else x,), (d,))
    check(lambda a: rfn.rename_fields(a, {"nope": "x"}), (x,), (d,))
    check(lambda a: rfn.require_fields(a, [("nope", "i4")]), (x,), (d,))


def test_several_arrays_element_by_element():
    def body(shape, case):
        x = records(shape, seed=9)
        d = distribute(x, case)
        other = np.arange(shape[0], dtype=np.int16)
        od = distribute(other, "block")  # another layout: aligned to the first
        check(lambda a, b: rfn.merge_arrays((a[["time", "tag"]], b)), (x, other), (d, od))
        check(lambda a, b: rfn.merge_arrays((a[["time", "val"]], b), flatten=True), (x, other), (d, other))
        check(lambda a: rfn.merge_arrays((a["val"],)), (x,), (d,))
        check(lambda a, b: rfn.append_fields(a[["time", "val"]], "extra", b, usemask=False), (x, other), (d, od))
        check(lambda a, b: rfn.append_fields(a[["time"]], ["e1", "e2"], [b, b * 2], dtypes=["i2", "f4"],
                                              usemask=False), (x, other), (d, od))
        out = np.zeros(shape, [("time", "f8"), ("tag", "S3"), ("more", "i1")])
        check(lambda a, o: rfn.recursive_fill_fields(a[["time", "tag"]], o.copy()), (x, out),
              (d, distribute(out, "cyclic")))
        src = records(shape, seed=10)
        dst = np.zeros(shape, [("val", "f4"), ("time", "i2"), ("other", "u1")])

        def assign(a, s):
            a = a.copy()
            rfn.assign_fields_by_name(a, s)
            return a
        check(assign, (dst, src), (distribute(dst, case), distribute(src, "replicated")))
        check(assign, (dst, src[:1]), (distribute(dst, case), src[:1]))
    run_subcases([(s, c) for s, c in CASES if len(s) == 1], body)


def test_padded_or_masked_results_take_the_fallback():
    x = records((6,))
    d = distribute(x, "block")
    for f in [lambda a: rfn.append_fields(a, "e", np.arange(6)),  # usemask=True: a masked array
              lambda a: rfn.merge_arrays((a, np.arange(4))),  # different lengths: padded
              lambda a: rfn.stack_arrays((a, a), usemask=False),
              lambda a: rfn.drop_fields(a, "val", asrecarray=True)]:
        with pytest.raises(nd.FallbackError):
            f(d)
    old = nd.set_fallback("allow")
    try:
        assert_dist_equal(rfn.stack_arrays((d, d), usemask=False), rfn.stack_arrays((x, x), usemask=False))
    finally:
        nd.set_fallback(old)
