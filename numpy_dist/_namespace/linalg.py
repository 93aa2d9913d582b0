"""The array API standard's ``linalg`` extension for numpy_dist (``numpy_dist.linalg``).

Each function runs ``numpy.linalg`` (or ``numpy``) through NumPy dispatch,
where numpy_dist implements it natively (:mod:`numpy_dist.dispatch`:
TSQR and Householder QR, block Jacobi SVD and ``eigh``, blocked LU and
Cholesky, batch-parallel stacks; small matrices are replicated and solved
by NumPy on every rank).  ``outer`` is a broadcast multiply.  Only ``eig``
and ``eigvals`` of one large matrix, and ``solve`` of one matrix with a
stack of right-hand sides, take the documented fallback (gather, compute,
redistribute, with a :class:`numpy_dist.FallbackWarning`).  Results the
standard wants as arrays (``det`` of one matrix ...) are 0-d DistArrays
every rank holds whole.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from array_api_compat.common import _linalg

from ..distarray import DistArray
from ._helpers import compat_xp, require_array, require_matrices as _matrices, wrap
from ._linalg_factorizations import (EigResult, EighResult, QRResult, SlogdetResult, SVDResult, eig, eigh,
                                     eigvals, eigvalsh, matrix_rank, pinv, qr, slogdet, svd, svdvals)
from ._sets_sorting import matmul, matrix_transpose, tensordot, vecdot

__all__ = [
    "cholesky", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv", "matmul", "matrix_norm",
    "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd",
    "svdvals", "tensordot", "trace", "vecdot", "vector_norm",
    "EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
]




def cholesky(x: DistArray, /, *, upper: bool = False) -> DistArray:
    """The Cholesky factor of each Hermitian positive-definite matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Hermitian positive-definite matrices: at least two dimensions, the
        last two of one length (axes before them are a stack).
    upper : bool, optional
        False (default): the lower factor ``L`` with ``L @ L^H == x``.
        True: the upper factor ``U`` with ``U^H @ U == x``.

    Returns
    -------
    DistArray
        The triangular factors, ``x``'s shape.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    numpy.linalg.LinAlgError
        If a matrix is not positive definite (raised on every rank).

    See Also
    --------
    numpy.linalg.cholesky

    Notes
    -----
    Communication: blocked Cholesky on block-cyclic rows for one large matrix (never
    gathered); small matrices are replicated; stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.cholesky(a))
    array([[2.        , 0.        ],
           [1.        , 1.41421356]])
    """
    return wrap(_linalg.cholesky(_matrices(x, "cholesky", True), compat_xp, upper=upper), x)


def cross(x1: DistArray, x2: DistArray, /, *, axis: int = -1) -> DistArray:
    """The cross product of the 3-vectors of ``x1`` and ``x2`` along ``axis``.

    Parameters
    ----------
    x1, x2 : DistArray
        Arrays of length 3 along ``axis``; their other axes broadcast.
    axis : int, optional
        The axis holding the vectors (default the last).

    Returns
    -------
    DistArray
        The broadcast shape, in the dtype the operands promote to.

    Raises
    ------
    TypeError
        If an operand is not a numpy_dist array.
    ValueError
        If an operand's length along ``axis`` is not 3, or the shapes do
        not broadcast.

    See Also
    --------
    numpy.linalg.cross

    Notes
    -----
    Communication: one all-to-all exchange when the vector axis is
    distributed; none otherwise.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x1 = nd.asarray(np.array([1.0, 2.0, 3.0]))
    >>> x2 = nd.asarray(np.array([0.0, 1.0, 0.0]))
    >>> nd.asnumpy(nd.linalg.cross(x1, x2))
    array([-3.,  0.,  1.])
    """
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("cross needs size 3 along axis in both arrays")
    return np.cross(x1, x2, axis=axis)


def det(x: DistArray, /) -> DistArray:
    """The determinant of each square matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).

    Returns
    -------
    DistArray
        One value per matrix: ``x``'s shape without the last two axes (0-d,
        held whole by every rank, for one matrix).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.

    See Also
    --------
    numpy.linalg.det, slogdet

    Notes
    -----
    Communication: blocked LU with partial pivoting for one large matrix (never
    gathered); small matrices are replicated; stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> round(float(nd.linalg.det(a)), 10)
    8.0
    """
    return wrap(np.linalg.det(_matrices(x, "det", True)), x)


def diagonal(x: DistArray, /, *, offset: int = 0) -> DistArray:
    """The ``offset``-th diagonal of each matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    offset : int, optional
        Which diagonal: 0 (default) the main one, positive above it,
        negative below.

    Returns
    -------
    DistArray
        ``x``'s stack axes, then the diagonal's elements.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.

    See Also
    --------
    numpy.linalg.diagonal, trace

    Notes
    -----
    Communication: one all-to-all exchange of the diagonal's elements when
    the matrix axes are distributed.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.diagonal(a))
    array([4., 3.])
    >>> nd.asnumpy(nd.linalg.diagonal(a, offset=1))
    array([2.])
    """
    return _linalg.diagonal(_matrices(x, "diagonal"), compat_xp, offset=offset)


def inv(x: DistArray, /) -> DistArray:
    """The inverse of each square matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).

    Returns
    -------
    DistArray
        ``x``'s shape: ``x @ inv(x)`` is the identity (up to rounding).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    numpy.linalg.LinAlgError
        If a matrix is singular (raised on every rank).

    See Also
    --------
    numpy.linalg.inv, solve, pinv

    Notes
    -----
    Communication: blocked LU with partial pivoting for one large matrix (never
    gathered); small matrices are replicated; stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.inv(a))
    array([[ 0.375, -0.25 ],
           [-0.25 ,  0.5  ]])
    """
    return np.linalg.inv(_matrices(x, "inv", True))


def matrix_norm(x: DistArray, /, *, keepdims: bool = False,
                ord: int | float | Literal["fro", "nuc"] | None = "fro") -> DistArray:  # noqa: A002
    """The norm of each matrix in ``x`` (over its last two axes).

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    keepdims : bool, optional
        If True, the last two axes stay with length one.  Default False.
    ord : {1, -1, 2, -2, inf, -inf, "fro", "nuc"}, optional
        Which norm: ``"fro"`` (default) Frobenius, ``"nuc"`` the sum of
        singular values, 1/-1 the largest/smallest column sum of absolute
        values, inf/-inf the same over rows, 2/-2 the largest/smallest
        singular value.

    Returns
    -------
    DistArray
        Real, ``x``'s shape without the last two axes (0-d, held whole by
        every rank, for one matrix).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or ``ord`` is not a matrix norm.

    See Also
    --------
    numpy.linalg.matrix_norm, vector_norm

    Notes
    -----
    Communication: a distributed reduction (Frobenius, 1, inf), or that of
    :func:`svdvals` (2, -2, nuclear).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> round(float(nd.linalg.matrix_norm(a)), 6)
    5.744563
    >>> float(nd.linalg.matrix_norm(a, ord=1))
    6.0
    """
    return wrap(_linalg.matrix_norm(_matrices(x, "matrix_norm"), compat_xp, keepdims=keepdims, ord=ord), x)


def matrix_power(x: DistArray, n: int, /) -> DistArray:
    """Each square matrix in ``x`` raised to the integer power ``n``.

    Parameters
    ----------
    x : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).
    n : int
        The exponent: 0 gives identities, a negative one powers of the inverse.

    Returns
    -------
    DistArray
        ``x``'s shape.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    TypeError
        If ``n`` is not an integer.
    numpy.linalg.LinAlgError
        If ``n`` is negative and a matrix is singular (raised on every rank).

    See Also
    --------
    numpy.linalg.matrix_power, matmul

    Notes
    -----
    Communication: that of the distributed matrix products (repeated
    squaring), and of :func:`inv` for a negative ``n``.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.matrix_power(a, 2))
    array([[20., 14.],
           [14., 13.]])
    """
    return np.linalg.matrix_power(_matrices(x, "matrix_power", True), n)


def outer(x1: DistArray, x2: DistArray, /) -> DistArray:
    """The outer product of two vectors: ``out[i, j] = x1[i] * x2[j]``.

    Computed natively as a broadcast multiply.

    Parameters
    ----------
    x1, x2 : DistArray
        One-dimensional arrays.

    Returns
    -------
    DistArray
        Shape ``(len(x1), len(x2))``, in the dtype the operands promote to.

    Raises
    ------
    TypeError
        If an operand is not a numpy_dist array.
    ValueError
        If an operand is not one-dimensional.

    See Also
    --------
    numpy.linalg.outer, matmul

    Notes
    -----
    Communication: each operand's elements move to the result's rows or
    columns (a broadcast); the products are local.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x1 = nd.asarray(np.array([1, 2]))
    >>> x2 = nd.asarray(np.array([1, 10, 100]))
    >>> nd.asnumpy(nd.linalg.outer(x1, x2))
    array([[  1,  10, 100],
           [  2,  20, 200]])
    """
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError("outer needs two one-dimensional arrays")
    return np.multiply(x1[:, None], x2[None, :])


def solve(x1: DistArray, x2: DistArray, /) -> DistArray:
    """The solution ``out`` of ``x1 @ out = x2`` for square ``x1``.

    Parameters
    ----------
    x1 : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).
    x2 : DistArray
        The right-hand sides: a vector (one-dimensional, of ``x1``'s order)
        or matrices whose second-last axis has ``x1``'s order.

    Returns
    -------
    DistArray
        ``x2``'s shape (broadcast with ``x1``'s stack axes).

    Raises
    ------
    TypeError
        If an operand is not a numpy_dist array.
    ValueError
        If ``x1`` has fewer than two dimensions or its matrices are not
        square, or the shapes do not match.
    numpy.linalg.LinAlgError
        If a matrix is singular (raised on every rank).

    See Also
    --------
    numpy.linalg.solve, inv

    Notes
    -----
    Communication: blocked LU with partial pivoting and triangular solves
    for one large matrix (never gathered); small matrices are replicated;
    stacks run batch-parallel.  One matrix with a stack of right-hand
    sides takes the fallback (a FallbackWarning).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.solve(a, nd.asarray(np.array([2.0, 1.0]))))
    array([0.5, 0. ])
    """
    _matrices(x1, "solve", True)
    x2 = require_array(x2, "x2")
    return np.linalg.solve(x1, x2)


def trace(x: DistArray, /, *, offset: int = 0, dtype: Any = None) -> DistArray:
    """The sum along the ``offset``-th diagonal of each matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    offset : int, optional
        Which diagonal: 0 (default) the main one, positive above it,
        negative below.
    dtype : dtype, optional
        The accumulation and result dtype (default as :func:`numpy_dist.sum`).

    Returns
    -------
    DistArray
        ``x``'s shape without the last two axes (0-d, held whole by every
        rank, for one matrix).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.

    See Also
    --------
    numpy.linalg.trace, diagonal

    Notes
    -----
    Communication: that of :func:`diagonal`, then a distributed sum.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> float(nd.linalg.trace(a))
    7.0
    """
    return wrap(_linalg.trace(_matrices(x, "trace"), compat_xp, offset=offset, dtype=dtype), x)


def vector_norm(x: DistArray, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
                ord: int | float = 2) -> DistArray:  # noqa: A002
    """The vector norm of ``x`` over ``axis``.

    Computed natively (``numpy.linalg.norm`` on ``x``, or on a reshaped view
    for several axes).

    Parameters
    ----------
    x : DistArray
        The input array.
    axis : int, tuple of int or None, optional
        The axes holding the vectors; None (default) takes ``x`` as one
        flat vector.
    keepdims : bool, optional
        If True, the reduced axes stay with length one.  Default False.
    ord : int or float, optional
        Which norm: 2 (default) Euclidean, 1 the sum of absolute values,
        ``inf``/``-inf`` the largest/smallest absolute value, 0 the number
        of non-zero elements, any other ``p`` the ``p``-norm.

    Returns
    -------
    DistArray
        Real, ``x``'s shape without the reduced axes (0-d, held whole by
        every rank, when every axis is reduced).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.linalg.vector_norm, matrix_norm

    Notes
    -----
    Communication: a distributed reduction (partial sums combined within
    the reduced axes' sub-communicators).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3.0, -4.0]))
    >>> float(nd.linalg.vector_norm(x))
    5.0
    >>> float(nd.linalg.vector_norm(x, ord=1)), float(nd.linalg.vector_norm(x, ord=np.inf))
    (7.0, 4.0)
    """
    x = require_array(x)
    return wrap(_linalg.vector_norm(x, compat_xp, axis=axis, keepdims=keepdims, ord=ord), x)
