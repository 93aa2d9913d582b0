"""Local kernels for the standard's special cases where NumPy's ufuncs differ.

Each kernel takes the local blocks (or Python scalars) of aligned operands,
computes NumPy's result, then overwrites only the positions the array API
standard specifies differently (masks on the block, one pass, no
communication).  They serve the namespace names only: ``np.floor_divide``
and ``np.expm1`` on DistArrays keep NumPy's behaviour.

* ``floor_divide``: NumPy pairs ``//`` with ``%`` (Python's rule) and gives
  NaN for an infinite dividend and ``-1`` for a finite one over an infinity
  of the other sign; the standard wants ``floor(x1 / x2)``: a signed infinity
  and a signed zero.
* ``remainder`` needs no kernel: NumPy's float loops already give every row
  of the standard's table (Python's ``%``); array_api_tests checks the table.
* ``expm1`` (complex): NumPy computes ``exp(z) - 1`` through ``cos``/``sin``
  of the imaginary part and turns several infinite/NaN/zero cases into
  ``NaN + NaN j``; the standard's table (C99 ``cexp`` minus one) keeps them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["floor_divide_local", "expm1_local"]


def _opposite_signs(x1: Any, x2: Any) -> Any:
    """True where ``x1 / x2`` is negative by the operands' sign bits (signed zeros count)."""
    return np.signbit(x1) ^ np.signbit(x2)


def floor_divide_local(x1: Any, x2: Any) -> Any:
    """``np.floor_divide`` with the standard's results for infinite operands.

    ``+-inf // finite`` is an infinity (sign: the quotient's), ``finite // +-inf``
    a zero (sign: the quotient's); NaN and the inf/inf, 0/0 cases stay NaN
    as NumPy gives them.  Integer results are NumPy's unchanged.
    """
    result = np.floor_divide(x1, x2)
    if np.result_type(result).kind != "f":
        return result
    dt = np.result_type(result).type
    with np.errstate(all="ignore"):  # the masks only compare; NumPy's own flags were recorded above
        negative = _opposite_signs(x1, x2)
        inf_by_finite = np.isinf(x1) & np.isfinite(x2)
        finite_by_inf = np.isfinite(x1) & np.isinf(x2)
        result = np.where(inf_by_finite, np.where(negative, dt(-np.inf), dt(np.inf)), result)
        result = np.where(finite_by_inf, np.where(negative, dt(-0.0), dt(0.0)), result)
    return result


def expm1_local(x: Any) -> Any:
    """``np.expm1`` with the standard's special cases for complex input.

    With ``a = real(x)``, ``b = imag(x)`` (and ``expm1(conj(x)) == conj(expm1(x))``
    for the cases stated for ``b >= +0``): ``(+inf, +-0) -> inf +-0j``,
    ``(-inf, +-inf) -> -1 +-0j``, ``(+inf, +-inf) -> inf + NaN j``,
    ``(-inf, NaN) -> -1 + 0j``, ``(+inf, NaN) -> inf + NaN j``,
    ``(NaN, +-0) -> NaN +-0j``, ``(+-0, +-0) -> 0 +-0j``, ``(-inf, finite b) -> -1 + 0 sin(b) j``.
    Real input is NumPy's unchanged.
    """
    result = np.expm1(x)
    if np.result_type(result).kind != "c":
        return result
    result = np.array(result)  # writable, also for a 0-d block
    a, b = np.real(x), np.imag(x)
    with np.errstate(all="ignore"):
        b_zero, b_inf, b_nan = b == 0, np.isinf(b), np.isnan(b)
        pos_inf, neg_inf = a == np.inf, a == -np.inf
        imag_zero = np.where(np.signbit(b), -0.0, 0.0)  # the conjugate symmetry's signed zero
        fixes = [  # (where, real part, imaginary part or None to keep NumPy's), the standard's rows
            ((a == 0) & b_zero, 0.0, imag_zero),
            (pos_inf & b_zero, np.inf, imag_zero),
            (neg_inf & np.isfinite(b), -1.0, None),  # +0 cis(b) - 1: NumPy's float32 path misses -1 by an ulp
            (neg_inf & b_inf, -1.0, imag_zero),
            (pos_inf & b_inf, np.inf, np.nan),
            (neg_inf & b_nan, -1.0, 0.0),
            (pos_inf & b_nan, np.inf, np.nan),
            (np.isnan(a) & b_zero, np.nan, imag_zero),
        ]
        real, imag = result.real, result.imag  # views: assignments write into result
        for where, re, im in fixes:
            real[...] = np.where(where, re, real)
            if im is not None:
                imag[...] = np.where(where, im, imag)
    return result
