"""The factorisations of numpy_dist's ``linalg`` namespace: eigen, QR, SVD and what derives from them.

Split from :mod:`.linalg` (which re-exports every name here) to keep modules
short.  Each runs ``numpy.linalg`` through NumPy dispatch, where numpy_dist
implements it natively (see :mod:`.linalg`); results the standard wants as
arrays are 0-d DistArrays every rank holds whole.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from array_api_compat.common import _linalg

from ..distarray import DistArray
from ._helpers import compat_xp, require_matrices as _matrices, wrap, wrap_tree

__all__ = ["eig", "eigh", "eigvals", "eigvalsh", "matrix_rank", "pinv", "qr", "slogdet", "svd", "svdvals",
           "EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult"]

EigResult = _linalg.EigResult
EighResult = _linalg.EighResult
QRResult = _linalg.QRResult
SlogdetResult = _linalg.SlogdetResult
SVDResult = _linalg.SVDResult


def _complex(w: DistArray, x: DistArray) -> DistArray:
    """Eigen-results of a general matrix are complex in the standard (NumPy drops zero imaginary parts)."""
    ct = np.complex64 if x.dtype in (np.float32, np.complex64) else np.complex128
    return wrap(w, x).astype(ct, copy=False)


def eig(x: DistArray, /) -> EigResult:
    """The eigenvalues and right eigenvectors of each square matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).

    Returns
    -------
    EigResult
        Named tuple ``(eigenvalues, eigenvectors)``, both complex (as the
        standard asks, even for real eigenvalues): the eigenvalues (``x``'s
        shape without the last axis) and the matrices whose columns are the
        normalised eigenvectors.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    numpy.linalg.LinAlgError
        If the eigenvalue computation does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.eig, eigvals, eigh

    Notes
    -----
    Communication: stacks run batch-parallel; one matrix of at most
    ``GRAM_LIMIT`` elements is replicated and solved on every rank; a larger
    single matrix takes the fallback (gathered, with a FallbackWarning): no
    distributed nonsymmetric eigensolver exists.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> d = nd.asarray(np.array([[2.0, 0.0], [1.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.eig(d).eigenvalues)
    array([3.+0.j, 2.+0.j])
    """
    w, v = np.linalg.eig(_matrices(x, "eig", True))
    return EigResult(_complex(w, x), _complex(v, x))


def eigvals(x: DistArray, /) -> DistArray:
    """The eigenvalues of each square matrix in ``x``, complex.

    Parameters
    ----------
    x : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).

    Returns
    -------
    DistArray
        Complex (as the standard asks), ``x``'s shape without the last axis.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    numpy.linalg.LinAlgError
        If the eigenvalue computation does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.eigvals, eig, eigvalsh

    Notes
    -----
    Communication: stacks run batch-parallel; one matrix of at most
    ``GRAM_LIMIT`` elements is replicated and solved on every rank; a larger
    single matrix takes the fallback (gathered, with a FallbackWarning): no
    distributed nonsymmetric eigensolver exists.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> d = nd.asarray(np.array([[2.0, 0.0], [1.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.eigvals(d))
    array([3.+0.j, 2.+0.j])
    """
    return _complex(np.linalg.eigvals(_matrices(x, "eigvals", True)), x)


def eigh(x: DistArray, /) -> EighResult:
    """The eigenvalues (ascending) and eigenvectors of each Hermitian matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Hermitian (real symmetric) matrices: at least two dimensions, the
        last two of one length (axes before them are a stack).

    Returns
    -------
    EighResult
        Named tuple ``(eigenvalues, eigenvectors)``: the real eigenvalues in
        ascending order (``x``'s shape without the last axis) and the
        matrices whose columns are the orthonormal eigenvectors.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    numpy.linalg.LinAlgError
        If the computation does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.eigh, eigvalsh, eig

    Notes
    -----
    Communication: one matrix of at most ``GRAM_LIMIT`` elements is replicated
    and solved on every rank; a larger one runs the distributed block Jacobi
    solver (never gathered); stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.eigh(a).eigenvalues)
    array([1.43844719, 5.56155281])
    """
    return wrap_tree(_linalg.eigh(_matrices(x, "eigh", True), compat_xp), x)


def eigvalsh(x: DistArray, /) -> DistArray:
    """The eigenvalues of each Hermitian matrix in ``x``, ascending.

    Parameters
    ----------
    x : DistArray
        Hermitian (real symmetric) matrices: at least two dimensions, the
        last two of one length (axes before them are a stack).

    Returns
    -------
    DistArray
        Real, ``x``'s shape without the last axis.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.
    numpy.linalg.LinAlgError
        If the computation does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.eigvalsh, eigh

    Notes
    -----
    Communication: one matrix of at most ``GRAM_LIMIT`` elements is replicated
    and solved on every rank; a larger one runs the distributed block Jacobi
    solver (never gathered); stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.eigvalsh(a))
    array([1.43844719, 5.56155281])
    """
    return wrap(np.linalg.eigvalsh(_matrices(x, "eigvalsh", True)), x)


def pinv(x: DistArray, /, *, rtol: float | DistArray | None = None) -> DistArray:
    """The Moore-Penrose pseudo-inverse of each matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    rtol : float or DistArray, optional
        Singular values below ``rtol`` times the largest count as zero.
        Default: ``max(M, N) * eps`` of ``x``'s dtype.

    Returns
    -------
    DistArray
        ``x``'s shape with the last two lengths swapped.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.
    numpy.linalg.LinAlgError
        If the SVD does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.pinv, inv, svd

    Notes
    -----
    Communication: that of the SVD: TSQR for tall or wide matrices (one gather of the
    small R factors, never of ``x``); Householder QR or block Jacobi for
    others; small matrices are replicated; stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.pinv(nd.asarray(np.array([[2.0, 0.0], [0.0, 4.0]]))))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return _linalg.pinv(_matrices(x, "pinv"), compat_xp, rtol=rtol)


def qr(x: DistArray, /, *, mode: Literal["reduced", "complete"] = "reduced") -> QRResult:
    """The QR decomposition of each matrix in ``x``: ``x = Q @ R``, Q orthonormal, R upper triangular.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    mode : {"reduced", "complete"}, optional
        For an ``M x N`` matrix with ``K = min(M, N)``: ``"reduced"`` (default)
        gives Q ``M x K`` and R ``K x N``; ``"complete"`` gives Q ``M x M``
        and R ``M x N``.

    Returns
    -------
    QRResult
        Named tuple ``(Q, R)`` of DistArrays.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``mode`` is neither ``"reduced"`` nor ``"complete"``, or ``x`` has
        fewer than two dimensions.

    See Also
    --------
    numpy.linalg.qr

    Notes
    -----
    Communication: TSQR for tall or wide matrices (one gather of the
    small R factors, never of ``x``); Householder QR or block Jacobi for
    others; small matrices are replicated; stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> q, r = nd.linalg.qr(a)
    >>> bool(np.allclose(nd.asnumpy(q @ r), nd.asnumpy(a)))
    True
    >>> r.shape
    (2, 2)
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"mode must be 'reduced' or 'complete', got {mode!r}")
    return wrap_tree(_linalg.qr(_matrices(x, "qr"), compat_xp, mode=mode), x)


def slogdet(x: DistArray, /) -> SlogdetResult:
    """The sign and the natural log of the absolute determinant of each square matrix in ``x``.

    Parameters
    ----------
    x : DistArray
        Square matrices: at least two dimensions, the last two of one
        length (axes before them are a stack).

    Returns
    -------
    SlogdetResult
        Named tuple ``(sign, logabsdet)`` of DistArrays of ``x``'s shape
        without the last two axes: ``sign * exp(logabsdet)`` is the
        determinant (sign 0 and ``logabsdet`` ``-inf`` for a singular matrix).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions or its matrices are not square.

    See Also
    --------
    numpy.linalg.slogdet, det

    Notes
    -----
    Communication: as :func:`det`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> sign, logabsdet = nd.linalg.slogdet(a)
    >>> float(sign), round(float(logabsdet), 6)
    (1.0, 2.079442)
    """
    return wrap_tree(_linalg.slogdet(_matrices(x, "slogdet", True), compat_xp), x)


def svd(x: DistArray, /, *, full_matrices: bool = True) -> SVDResult:
    """The singular value decomposition of each matrix in ``x``: ``x = U @ diag(S) @ Vh``.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    full_matrices : bool, optional
        For an ``M x N`` matrix with ``K = min(M, N)``: True (default) gives U
        ``M x M`` and Vh ``N x N``; False gives U ``M x K`` and Vh ``K x N``.

    Returns
    -------
    SVDResult
        Named tuple ``(U, S, Vh)`` of DistArrays; S holds the singular
        values in descending order.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.
    numpy.linalg.LinAlgError
        If the SVD does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.svd, svdvals

    Notes
    -----
    Communication: TSQR for tall or wide matrices (one gather of the
    small R factors, never of ``x``); Householder QR or block Jacobi for
    others; small matrices are replicated; stacks run
    batch-parallel (no data moves when the matrix axes are whole).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> u, s, vh = nd.linalg.svd(a)
    >>> nd.asnumpy(s)
    array([5.56155281, 1.43844719])
    """
    return wrap_tree(_linalg.svd(_matrices(x, "svd"), compat_xp, full_matrices=full_matrices), x)


def svdvals(x: DistArray, /) -> DistArray:
    """The singular values of each matrix in ``x``, in descending order.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).

    Returns
    -------
    DistArray
        Real, ``x``'s shape without the last two axes, then ``min(M, N)``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.
    numpy.linalg.LinAlgError
        If the SVD does not converge (raised on every rank).

    See Also
    --------
    numpy.linalg.svdvals, svd

    Notes
    -----
    Communication: as :func:`svd`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> nd.asnumpy(nd.linalg.svdvals(nd.asarray(np.array([[3.0, 0.0], [0.0, 4.0]]))))
    array([4., 3.])
    """
    return wrap(_linalg.svdvals(_matrices(x, "svdvals"), compat_xp), x)


def matrix_rank(x: DistArray, /, *, rtol: float | DistArray | None = None) -> DistArray:
    """The rank of each matrix in ``x``: how many singular values exceed ``rtol`` times the largest.

    Parameters
    ----------
    x : DistArray
        Matrices: at least two dimensions, the last two hold them (axes
        before them are a stack).
    rtol : float or DistArray, optional
        Relative tolerance (one per matrix, or one for all).  Default:
        ``max(M, N) * eps`` of ``x``'s dtype.

    Returns
    -------
    DistArray
        int64 ranks, ``x``'s shape without the last two axes (0-d, held
        whole by every rank, for one matrix).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.

    See Also
    --------
    numpy.linalg.matrix_rank, svdvals

    Notes
    -----
    Communication: that of :func:`svdvals`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> int(nd.linalg.matrix_rank(a))
    2
    >>> int(nd.linalg.matrix_rank(nd.asarray(np.ones((3, 3)))))
    1
    """
    return wrap(_linalg.matrix_rank(_matrices(x, "matrix_rank"), compat_xp, rtol=rtol), x)
