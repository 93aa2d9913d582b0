"""The array API standard's ``linalg`` extension for numpy_dist (``numpy_dist.linalg``).

Native in numpy_dist: ``vector_norm`` (``numpy.linalg.norm``), ``outer``
(broadcast multiply), ``vecdot`` and ``matrix_transpose``.  The others run
``numpy.linalg`` through NumPy dispatch: those without a distributed
implementation take the documented fallback (gather, compute, redistribute,
one :class:`numpy_dist.FallbackWarning` per function).  Results the standard
wants as arrays (``det`` of one matrix ...) are replicated 0-d DistArrays.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from array_api_compat.common import _linalg

from ..distarray import DistArray
from ._helpers import compat_xp, require_array, wrap, wrap_tree
from ._sets_sorting import matmul, matrix_transpose, tensordot, vecdot

__all__ = [
    "cholesky", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv", "matmul", "matrix_norm",
    "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd",
    "svdvals", "tensordot", "trace", "vecdot", "vector_norm",
    "EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
]

EigResult = _linalg.EigResult
EighResult = _linalg.EighResult
QRResult = _linalg.QRResult
SlogdetResult = _linalg.SlogdetResult
SVDResult = _linalg.SVDResult


def _matrices(x: DistArray, name: str, square: bool = False) -> DistArray:
    x = require_array(x)
    if x.ndim < 2:
        raise ValueError(f"{name} needs an array with at least two dimensions, got {x.ndim}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name} needs square matrices, got shape {x.shape}")
    return x


def cholesky(x: DistArray, /, *, upper: bool = False) -> DistArray:
    """Cholesky factor of Hermitian positive-definite matrices (through ``numpy.linalg.cholesky``)."""
    return wrap(_linalg.cholesky(_matrices(x, "cholesky", True), compat_xp, upper=upper), x)


def cross(x1: DistArray, x2: DistArray, /, *, axis: int = -1) -> DistArray:
    """Cross product of 3-vectors along ``axis`` (through ``numpy.linalg.cross``)."""
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("cross needs size 3 along axis in both arrays")
    return np.cross(x1, x2, axis=axis)


def det(x: DistArray, /) -> DistArray:
    """Determinants (through ``numpy.linalg.det``); 0-d for one matrix."""
    return wrap(np.linalg.det(_matrices(x, "det", True)), x)


def diagonal(x: DistArray, /, *, offset: int = 0) -> DistArray:
    """Diagonals of the last two axes (through ``numpy.diagonal``)."""
    return _linalg.diagonal(_matrices(x, "diagonal"), compat_xp, offset=offset)


def _complex(w: DistArray, x: DistArray) -> DistArray:
    """Eigen-results of a general matrix are complex in the standard (NumPy drops zero imaginary parts)."""
    ct = np.complex64 if x.dtype in (np.float32, np.complex64) else np.complex128
    return wrap(w, x).astype(ct, copy=False)


def eig(x: DistArray, /) -> EigResult:
    """Eigenvalues and right eigenvectors, always complex (through ``numpy.linalg.eig``)."""
    w, v = np.linalg.eig(_matrices(x, "eig", True))
    return EigResult(_complex(w, x), _complex(v, x))


def eigvals(x: DistArray, /) -> DistArray:
    """Eigenvalues, always complex (through ``numpy.linalg.eigvals``)."""
    return _complex(np.linalg.eigvals(_matrices(x, "eigvals", True)), x)


def eigh(x: DistArray, /) -> EighResult:
    """Eigenvalues and eigenvectors of Hermitian matrices (through ``numpy.linalg.eigh``)."""
    return wrap_tree(_linalg.eigh(_matrices(x, "eigh", True), compat_xp), x)


def eigvalsh(x: DistArray, /) -> DistArray:
    """Eigenvalues of Hermitian matrices (through ``numpy.linalg.eigvalsh``)."""
    return wrap(np.linalg.eigvalsh(_matrices(x, "eigvalsh", True)), x)


def inv(x: DistArray, /) -> DistArray:
    """Inverses of square matrices (through ``numpy.linalg.inv``)."""
    return np.linalg.inv(_matrices(x, "inv", True))


def matrix_norm(x: DistArray, /, *, keepdims: bool = False,
                ord: int | float | Literal["fro", "nuc"] | None = "fro") -> DistArray:  # noqa: A002
    """Matrix norm over the last two axes (``numpy.linalg.norm`` with a 2-tuple axis)."""
    return wrap(_linalg.matrix_norm(_matrices(x, "matrix_norm"), compat_xp, keepdims=keepdims, ord=ord), x)


def matrix_power(x: DistArray, n: int, /) -> DistArray:
    """``x`` raised to the integer power ``n`` (through ``numpy.linalg.matrix_power``)."""
    return np.linalg.matrix_power(_matrices(x, "matrix_power", True), n)


def matrix_rank(x: DistArray, /, *, rtol: float | DistArray | None = None) -> DistArray:
    """Rank from singular values above ``rtol * max(S)`` (through ``numpy.linalg.svd``)."""
    return wrap(_linalg.matrix_rank(_matrices(x, "matrix_rank"), compat_xp, rtol=rtol), x)


def outer(x1: DistArray, x2: DistArray, /) -> DistArray:
    """Outer product of two vectors, natively as a broadcast multiply."""
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError("outer needs two one-dimensional arrays")
    return np.multiply(x1[:, None], x2[None, :])


def pinv(x: DistArray, /, *, rtol: float | DistArray | None = None) -> DistArray:
    """Moore-Penrose pseudo-inverse (through ``numpy.linalg.pinv``)."""
    return _linalg.pinv(_matrices(x, "pinv"), compat_xp, rtol=rtol)


def qr(x: DistArray, /, *, mode: Literal["reduced", "complete"] = "reduced") -> QRResult:
    """QR decomposition (through ``numpy.linalg.qr``)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"mode must be 'reduced' or 'complete', got {mode!r}")
    return wrap_tree(_linalg.qr(_matrices(x, "qr"), compat_xp, mode=mode), x)


def slogdet(x: DistArray, /) -> SlogdetResult:
    """Sign and log of the absolute determinant (through ``numpy.linalg.slogdet``)."""
    return wrap_tree(_linalg.slogdet(_matrices(x, "slogdet", True), compat_xp), x)


def solve(x1: DistArray, x2: DistArray, /) -> DistArray:
    """Solve ``x1 @ out = x2`` (through ``numpy.linalg.solve``; 1-d ``x2`` is a vector)."""
    _matrices(x1, "solve", True)
    x2 = require_array(x2, "x2")
    return np.linalg.solve(x1, x2)


def svd(x: DistArray, /, *, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition (through ``numpy.linalg.svd``)."""
    return wrap_tree(_linalg.svd(_matrices(x, "svd"), compat_xp, full_matrices=full_matrices), x)


def svdvals(x: DistArray, /) -> DistArray:
    """Singular values (through ``numpy.linalg.svd(compute_uv=False)``)."""
    return wrap(_linalg.svdvals(_matrices(x, "svdvals"), compat_xp), x)


def trace(x: DistArray, /, *, offset: int = 0, dtype: Any = None) -> DistArray:
    """Sum along the diagonals of the last two axes (through ``numpy.trace``)."""
    return wrap(_linalg.trace(_matrices(x, "trace"), compat_xp, offset=offset, dtype=dtype), x)


def vector_norm(x: DistArray, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
                ord: int | float = 2) -> DistArray:  # noqa: A002
    """Vector norm over ``axis`` (native ``numpy.linalg.norm`` on a reshaped view)."""
    x = require_array(x)
    return wrap(_linalg.vector_norm(x, compat_xp, axis=axis, keepdims=keepdims, ord=ord), x)
