"""The standard's special-case tables, element by element, as a test oracle.

Each table lists the rows of the specification (``elementwise_functions.py``
of data-apis/array-api, 2025.12) in order as ``(condition, result)`` on
Python floats; the first row whose condition holds gives the expected value.
Where no row applies the value is left to the ordinary oracle (``None``).
Written from the spec text, independent of numpy_dist's kernels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

INF, NAN = math.inf, math.nan


def _pos(v: float) -> bool:
    return v > 0


def _neg(v: float) -> bool:
    return v < 0


def _finite(v: float) -> bool:
    return math.isfinite(v)


def _is(v: float, target: float) -> bool:
    """``v is target`` in the spec's sense: signed zeros and infinities compared by sign."""
    if math.isnan(target):
        return math.isnan(v)
    return v == target and math.copysign(1.0, v) == math.copysign(1.0, target)


def _zero(v: float) -> bool:
    return v == 0


Row = tuple[Callable[[float, float], bool], Callable[[float, float], float]]

FLOOR_DIVIDE: list[Row] = [
    (lambda a, b: math.isnan(a) or math.isnan(b), lambda a, b: NAN),
    (lambda a, b: math.isinf(a) and math.isinf(b), lambda a, b: NAN),
    (lambda a, b: _zero(a) and _zero(b), lambda a, b: NAN),
    (lambda a, b: _is(a, 0.0) and _pos(b), lambda a, b: 0.0),
    (lambda a, b: _is(a, -0.0) and _pos(b), lambda a, b: -0.0),
    (lambda a, b: _is(a, 0.0) and _neg(b), lambda a, b: -0.0),
    (lambda a, b: _is(a, -0.0) and _neg(b), lambda a, b: 0.0),
    (lambda a, b: _pos(a) and _is(b, 0.0), lambda a, b: INF),
    (lambda a, b: _pos(a) and _is(b, -0.0), lambda a, b: -INF),
    (lambda a, b: _neg(a) and _is(b, 0.0), lambda a, b: -INF),
    (lambda a, b: _neg(a) and _is(b, -0.0), lambda a, b: INF),
    (lambda a, b: _is(a, INF) and _finite(b) and _pos(b), lambda a, b: INF),
    (lambda a, b: _is(a, INF) and _finite(b) and _neg(b), lambda a, b: -INF),
    (lambda a, b: _is(a, -INF) and _finite(b) and _pos(b), lambda a, b: -INF),
    (lambda a, b: _is(a, -INF) and _finite(b) and _neg(b), lambda a, b: INF),
    (lambda a, b: _finite(a) and _pos(a) and _is(b, INF), lambda a, b: 0.0),
    (lambda a, b: _finite(a) and _pos(a) and _is(b, -INF), lambda a, b: -0.0),
    (lambda a, b: _finite(a) and _neg(a) and _is(b, INF), lambda a, b: -0.0),
    (lambda a, b: _finite(a) and _neg(a) and _is(b, -INF), lambda a, b: 0.0),
]

REMAINDER: list[Row] = [
    (lambda a, b: math.isnan(a) or math.isnan(b), lambda a, b: NAN),
    (lambda a, b: math.isinf(a) and math.isinf(b), lambda a, b: NAN),
    (lambda a, b: _zero(a) and _zero(b), lambda a, b: NAN),
    (lambda a, b: _is(a, 0.0) and _pos(b), lambda a, b: 0.0),
    (lambda a, b: _is(a, -0.0) and _pos(b), lambda a, b: 0.0),
    (lambda a, b: _is(a, 0.0) and _neg(b), lambda a, b: -0.0),
    (lambda a, b: _is(a, -0.0) and _neg(b), lambda a, b: -0.0),
    (lambda a, b: not _zero(a) and _zero(b), lambda a, b: NAN),
    (lambda a, b: math.isinf(a) and _finite(b), lambda a, b: NAN),
    (lambda a, b: _finite(a) and _pos(a) and _is(b, INF), lambda a, b: a),
    (lambda a, b: _finite(a) and _pos(a) and _is(b, -INF), lambda a, b: b),
    (lambda a, b: _finite(a) and _neg(a) and _is(b, INF), lambda a, b: b),
    (lambda a, b: _finite(a) and _neg(a) and _is(b, -INF), lambda a, b: a),
]


def _cis(v: float) -> complex:
    return complex(math.cos(v), math.sin(v))


# expm1 for complex input, a = real(x), b = imag(x); rows stated for b >= +0 (conjugate symmetry gives the rest).
# ``sign unspecified`` results are compared by magnitude (see ``UNSIGNED``).
EXPM1: list[Row] = [
    (lambda a, b: _zero(a) and _is(b, 0.0), lambda a, b: complex(0.0, 0.0)),
    (lambda a, b: _finite(a) and _is(b, INF), lambda a, b: complex(NAN, NAN)),
    (lambda a, b: _finite(a) and math.isnan(b), lambda a, b: complex(NAN, NAN)),
    (lambda a, b: _is(a, INF) and _is(b, 0.0), lambda a, b: complex(INF, 0.0)),
    (lambda a, b: _is(a, -INF) and _finite(b), lambda a, b: complex(0.0 * math.cos(b) - 1.0, 0.0 * math.sin(b))),
    (lambda a, b: _is(a, INF) and _finite(b) and b != 0, lambda a, b: complex(INF * math.cos(b) - 1.0, INF * math.sin(b))),
    (lambda a, b: _is(a, -INF) and _is(b, INF), lambda a, b: complex(-1.0, 0.0)),
    (lambda a, b: _is(a, INF) and _is(b, INF), lambda a, b: complex(INF, NAN)),
    (lambda a, b: _is(a, -INF) and math.isnan(b), lambda a, b: complex(-1.0, 0.0)),
    (lambda a, b: _is(a, INF) and math.isnan(b), lambda a, b: complex(INF, NAN)),
    (lambda a, b: math.isnan(a) and _is(b, 0.0), lambda a, b: complex(NAN, 0.0)),
    (lambda a, b: math.isnan(a) and not _zero(b), lambda a, b: complex(NAN, NAN)),
    (lambda a, b: math.isnan(a) and math.isnan(b), lambda a, b: complex(NAN, NAN)),
]


def _first_row(table: list[Row], a: float, b: float) -> Any:
    for cond, result in table:
        if cond(a, b):
            return result(a, b)
    return None


def expected_binary(table: list[Row], x1: Any, x2: Any, default: np.ndarray) -> np.ndarray:
    """``default`` (the ordinary oracle's result) with every special-case position set from ``table``."""
    out = np.array(default, copy=True)
    if out.dtype.kind != "f":
        return out
    a, b = np.broadcast_arrays(np.asarray(x1, dtype=out.dtype), np.asarray(x2, dtype=out.dtype))
    for idx in np.ndindex(out.shape):
        value = _first_row(table, float(a[idx]), float(b[idx]))
        if value is not None:
            out[idx] = value
    return out


def expected_expm1(x: Any, default: np.ndarray) -> np.ndarray:
    """``default`` with the complex special cases of ``expm1`` set (conjugate symmetry for ``b < 0``)."""
    out = np.array(default, copy=True)
    if out.dtype.kind != "c":
        return out
    x = np.asarray(x)
    for idx in np.ndindex(out.shape):
        a, b = float(x[idx].real), float(x[idx].imag)
        mirrored = math.copysign(1.0, b) < 0 and not math.isnan(b)
        value = _first_row(EXPM1, a, -b if mirrored else b)
        if value is not None:
            out[idx] = value.conjugate() if mirrored else value
    return out


# Rows whose sign the spec leaves unspecified: (real, imag) parts compared by magnitude at those inputs.
def expm1_unsigned(a: float, b: float) -> tuple[bool, bool]:
    """Which parts of ``expm1(a + bj)``'s special result have an unspecified sign."""
    b = abs(b) if not math.isnan(b) else b
    if math.isinf(a) and a < 0 and (math.isinf(b) or math.isnan(b)):
        return False, True
    if _is(a, INF) and (math.isinf(b) or math.isnan(b)):
        return True, False
    if _zero(a) and _zero(b):
        return True, True  # "0 + 0j"
    return False, False
