"""Differential checking of numpy_dist against array_api_strict (collective verdicts).

Data is drawn as NumPy arrays (the same on every rank), distributed with one
of :data:`numpy_dist.testing.DIST_CASES`, and also given to
``array_api_strict``.  :func:`check` runs both and compares outcome, dtype,
shape and values; every verdict is agreed by all ranks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import array_api_strict as strict
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra.array_api import make_strategies_namespace

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, assert_all_ranks, distribute

strict.set_array_api_strict_flags(api_version="2025.12")
xps = make_strategies_namespace(nd, api_version="2025.12")

CASES = sorted(DIST_CASES)
STANDARD_ERRORS = (TypeError, ValueError, IndexError)


class Skip(Exception):
    """The oracle says the standard does not define this input (dtype not allowed)."""


def promotable_pairs() -> st.SearchStrategy[tuple[np.dtype, np.dtype]]:
    """Two dtypes the standard promotes (same family, not uint64 with a signed integer)."""
    def ok(pair: tuple[np.dtype, np.dtype]) -> bool:
        try:
            nd.result_type(*pair)
        except TypeError:
            return False
        return True

    return st.tuples(xps.scalar_dtypes(), xps.scalar_dtypes()).filter(ok)


def np_arrays(dtype: Any, shape: Any = None, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 0,
              max_side: int = 5, unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``dtype`` with special floats (nan, inf, -0.0), subnormals excluded."""
    dt = np.dtype(dtype)
    shapes = shape if shape is not None else hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                                                               min_side=min_side, max_side=max_side)
    elements = None
    if dt.kind in "fc":
        elements = hnp.from_dtype(dt, allow_subnormal=False)
    return hnp.arrays(dt, shapes, elements=elements, unique=unique)


def to_nd(x: Any, case: str) -> Any:
    """A NumPy array as a DistArray of distribution ``case``; other values unchanged."""
    return distribute(x, case) if isinstance(x, np.ndarray) else x


def to_strict(x: Any) -> Any:
    return strict.asarray(x) if isinstance(x, np.ndarray) else x


def from_strict(x: Any) -> Any:
    if isinstance(x, tuple) or isinstance(x, list):
        return type(x)(from_strict(v) for v in x)
    return np.asarray(x._array) if hasattr(x, "_array") else x


def _gathered(x: Any) -> Any:
    if isinstance(x, nd.DistArray):
        return nd.asnumpy(x)
    if isinstance(x, (tuple, list)):
        return [_gathered(v) for v in x]
    return x


def _compare(a: Any, e: Any, rtol: float, exact_zero_sign: bool, atol: float | None = None) -> str:
    if isinstance(e, (list, tuple)):
        if not isinstance(a, (list, tuple)) or len(a) != len(e):
            return f"expected a sequence of {len(e)}, got {type(a).__name__}"
        return next((m for m in (_compare(x, y, rtol, exact_zero_sign, atol) for x, y in zip(a, e)) if m), "")
    if not isinstance(e, np.ndarray):
        return "" if a == e else f"{a!r} != {e!r}"
    if not isinstance(a, np.ndarray):
        return f"expected an array, got {type(a).__name__} {a!r}"
    if a.shape != e.shape:
        return f"shape {a.shape} != {e.shape}"
    if a.dtype != e.dtype:
        return f"dtype {a.dtype} != {e.dtype}"
    if e.dtype.kind in "fc":
        if rtol == 0:
            ok = np.array_equal(a, e, equal_nan=True)
            if ok and exact_zero_sign and e.dtype.kind == "f":
                ok = np.array_equal(np.signbit(a), np.signbit(e))
        else:
            ok = np.allclose(a, e, rtol=rtol, atol=rtol if atol is None else atol, equal_nan=True) and np.array_equal(np.isnan(a), np.isnan(e))
            ok = ok and np.array_equal(np.isinf(a) & (a.real > 0), np.isinf(e) & (e.real > 0))
        if not ok:
            bad = np.flatnonzero(~np.isclose(a, e, rtol=rtol or 1e-300, equal_nan=True).reshape(-1))[:4]
            return f"values differ at flat {bad.tolist()}: {a.reshape(-1)[bad]} vs {e.reshape(-1)[bad]}"
        return ""
    return "" if np.array_equal(a, e) else f"values differ: {a.reshape(-1)[:8]} vs {e.reshape(-1)[:8]}"


def check(nd_func: Callable[..., Any], strict_func: Callable[..., Any], args: tuple, kwargs: dict | None = None,
          *, case: str = "block", rtol: float = 0.0, exact_zero_sign: bool = True,
          skip_on_type_error: bool = True, undefined: tuple[type, ...] = (), atol: float | None = None) -> Any:
    """Run both namespaces on the same inputs and agree, on every rank, that they match.

    NumPy arrays among ``args`` become DistArrays (distribution ``case``) for
    numpy_dist and strict arrays for the oracle.  When the oracle raises
    TypeError (an input the standard does not define, e.g. a dtype outside the
    function's domain) the example is not compared (numpy_dist may be more
    permissive), nor when it raises one of ``undefined`` (inputs whose result
    the standard leaves unspecified, e.g. negative shifts); any other standard
    exception must be raised identically.
    Returns numpy_dist's result.
    """
    kwargs = kwargs or {}
    try:
        expected = from_strict(strict_func(*[to_strict(a) for a in args], **kwargs))
        expected_exc = None
    except STANDARD_ERRORS as exc:
        expected, expected_exc = None, exc
    if skip_on_type_error and isinstance(expected_exc, TypeError) or isinstance(expected_exc, undefined):
        return None
    nd_args = [to_nd(a, case) for a in args]
    try:
        actual = nd_func(*nd_args, **kwargs)
        actual_exc = None
    except Exception as exc:  # noqa: BLE001 - compared with the oracle below
        actual, actual_exc = None, exc
    if expected_exc is not None:
        ok = actual_exc is not None and any(isinstance(actual_exc, t) and isinstance(expected_exc, t) for t in STANDARD_ERRORS)
        assert_all_ranks(ok, f"oracle raised {type(expected_exc).__name__}({expected_exc}); "
                             f"numpy_dist {'raised ' + repr(actual_exc) if actual_exc else 'returned a result'}")
        return None
    assert_all_ranks(actual_exc is None, f"numpy_dist raised {actual_exc!r}; the oracle returned a result")
    msg = _compare(_gathered(actual), expected, rtol, exact_zero_sign, atol)
    assert_all_ranks(not msg, msg)
    return actual


def sname(dtype: Any) -> str:
    """Name of a strict or NumPy dtype (``array_api_strict.int8`` -> ``int8``)."""
    return str(dtype).rsplit(".", 1)[-1]


def rtol_for(dtype: Any) -> float:
    """Tolerance for results whose summation order differs from the oracle's."""
    dt = np.dtype(dtype)
    return {"f": 1e-4 if dt.itemsize == 4 else 1e-9, "c": 1e-4 if dt.itemsize == 8 else 1e-9}.get(dt.kind, 0.0)
