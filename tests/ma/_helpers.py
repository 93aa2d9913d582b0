"""Comparing a masked DistArray result with numpy.ma's (collective verdicts)."""

from __future__ import annotations

from typing import Any

import numpy as np

import numpy_dist as nd
from numpy_dist.ma import MaskedDistArray
from numpy_dist.testing import assert_all_ranks


def _problem(got: Any, expected: Any, rtol: float) -> str:
    """Why ``got`` differs from numpy.ma's ``expected`` ("" when it matches)."""
    if expected is np.ma.masked:
        return "" if got is np.ma.masked else f"expected masked, got {got!r}"
    if isinstance(expected, np.ma.MaskedArray):
        if not isinstance(got, MaskedDistArray):
            return f"expected a masked array, got {type(got).__name__}"
        g = got.to_numpy_masked()
        mask_e, mask_g = np.ma.getmaskarray(expected), np.ma.getmaskarray(g)
        if g.shape != expected.shape or g.dtype != expected.dtype:
            return f"shape/dtype {g.shape} {g.dtype} != {expected.shape} {expected.dtype}"
        if not np.array_equal(mask_g, mask_e):
            return f"mask {mask_g.tolist()} != {mask_e.tolist()}"
        # numpy.ma reports a float32 array's fill value as float64: compare in the result's dtype.
        if not np.array_equal(np.asarray(g.fill_value).astype(g.dtype), np.asarray(expected.fill_value).astype(g.dtype),
                              equal_nan=g.dtype.kind in "fc"):
            return f"fill_value {g.fill_value!r} != {expected.fill_value!r}"
        return _values(g.data[~mask_g], expected.data[~mask_e], rtol)
    if isinstance(got, (nd.DistArray, MaskedDistArray)):
        return f"expected {type(expected).__name__}, got {type(got).__name__}"
    g, e = np.asarray(got), np.asarray(expected)
    if g.shape != e.shape or g.dtype != e.dtype:
        return f"scalar {g!r} ({g.dtype}) != {e!r} ({e.dtype})"
    return _values(g, e, rtol)


def _values(g: np.ndarray, e: np.ndarray, rtol: float) -> str:
    if e.dtype.kind in "fc":
        ok = np.allclose(g, e, rtol=rtol, atol=1e-12, equal_nan=True)
    else:
        ok = np.array_equal(g, e)
    return "" if ok else f"values {g!r} != {e!r}"


def assert_ma_equal(got: Any, expected: Any, rtol: float = 1e-9, what: str = "") -> None:
    """Fail on every rank unless ``got`` matches numpy.ma's ``expected`` (unmasked data, mask, dtype, fill value)."""
    if isinstance(got, nd.DistArray) and not isinstance(expected, np.ma.MaskedArray):
        got = nd.asnumpy(got)
    problem = _problem(got, expected, rtol)
    assert_all_ranks(problem == "", f"{what}: {problem}")

