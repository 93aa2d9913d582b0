"""``np.linalg`` on square matrices: ``solve``, ``inv``, ``det``, ``slogdet``, ``cholesky``, ``eigh``,
``eigvalsh``, ``matrix_power``.

* **Stacked** matrices run batch-parallel (:func:`.decompositions.batched`).
* ``eigh``/``eigvalsh`` of Gram-sized matrices (at most ``jacobi.GRAM_LIMIT``
  elements) replicate the matrix (one Allgatherv) and solve it on every rank;
  larger ones run the one-sided block Jacobi SVD of the Gershgorin-shifted
  matrix (:func:`.jacobi.jacobi_eigh`; A is never gathered).
* One large square matrix (``solve``, ``inv``, ``det``, ``slogdet``,
  ``cholesky``) goes to the dense kernels of :mod:`.dense`: blocked LU with
  partial pivoting and blocked Cholesky on block-cyclic rows, with block
  triangular solves (memory ``O(n^2/P + n nb)`` per rank; A is never
  gathered).  Below ``dense.SMALL_N`` rows (and on one rank) the matrix is
  replicated and NumPy solves it.  ``solve`` with a stack of right-hand sides
  for one matrix has no distributed kernel yet: it takes the documented
  fallback (``FallbackWarning``).

Errors (singular matrix, not positive definite) raise ``LinAlgError`` on
every rank (agreed).

Communication: the dense kernels' (see :mod:`.dense`); small matrices one
Allgatherv; stacks none when the matrix axes are whole; ``matrix_power``
that of its distributed matrix products.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..redistribute import redistribute_local
from . import dense as _dense
from . import jacobi as _jacobi
from ._layout import as_dist, comm_of, layout
from .decompositions import LinAlgError, batched, check_square, conj_t, inexact
from .protocol import fallback
from .registry import implements
from .ufunc_reduce import local_axes_dist

__all__ = ["eigh", "eigvalsh", "cholesky", "solve", "inv", "det", "slogdet", "matrix_power"]



class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


# --------------------------------------------------------------------------
# Square matrices: batch-parallel, Gram-sized, or the dense kernels (dense.py)
# --------------------------------------------------------------------------


def _uplo(UPLO: Any) -> str:
    """NumPy's check of ``UPLO`` (before any array check): 'L' or 'U' in either case, else ValueError."""
    UPLO = UPLO.upper()  # (AttributeError for a non-string, as in NumPy)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO


def _small_replicated(x: DistArray) -> np.ndarray:
    return x.to_layout(Distribution.replicated_on(x.comm, x.shape)).local


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    """``np.linalg.eigh``: stacks batch-parallel; one Gram-sized matrix replicated (one Allgatherv) and solved;
    a larger one by one-sided block Jacobi (:func:`numpy_dist.dispatch.jacobi.jacobi_eigh`): eigenvalues
    replicated, eigenvectors in block columns."""
    UPLO = _uplo(UPLO)
    check_square(a)
    x = inexact(as_dist(a, comm_of(a)))
    if x.ndim > 2:
        return EighResult(*batched(x, lambda l: tuple(np.linalg.eigh(l, UPLO)), [1, 2]))
    if _jacobi.use_jacobi(x.comm, x.shape):
        w, v = _jacobi.jacobi_eigh(x, UPLO, x.dtype, True)
        return EighResult(DistArray._new(w, Distribution.replicated_on(x.comm, w.shape)), v)
    m = _small_replicated(x)
    with _comm.agreed(x.comm):
        w, v = np.linalg.eigh(m, UPLO)
    return EighResult(DistArray._new(w, Distribution.replicated_on(x.comm, w.shape)),
                      DistArray._new(v, Distribution.replicated_on(x.comm, v.shape)))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    """``np.linalg.eigvalsh`` (see :func:`eigh`)."""
    UPLO = _uplo(UPLO)
    check_square(a)
    x = inexact(as_dist(a, comm_of(a)))
    if x.ndim > 2:
        return batched(x, lambda l: np.linalg.eigvalsh(l, UPLO), [1])[0]
    if _jacobi.use_jacobi(x.comm, x.shape):
        w, _ = _jacobi.jacobi_eigh(x, UPLO, x.dtype, False)
        return DistArray._new(w, Distribution.replicated_on(x.comm, w.shape))
    m = _small_replicated(x)
    with _comm.agreed(x.comm):
        w = np.linalg.eigvalsh(m, UPLO)
    return DistArray._new(w, Distribution.replicated_on(x.comm, w.shape))


def _square_op(func: Any, a: Any, kwargs: dict, cores: list[int], name_result: Any = None) -> Any:
    """Batch-parallel for stacks (the caller routes one 2-d matrix to the dense kernels)."""
    x = as_dist(a, comm_of(a))
    outs = batched(inexact(x), lambda l: func(l, **kwargs), cores)
    if name_result is not None:
        return name_result(*outs)
    return outs[0]


def _result_dtype(func: Any, *dtypes: np.dtype) -> np.dtype:
    """NumPy's result dtype of ``func`` (and its TypeError for unsupported dtypes) from 1 x 1 stand-ins."""
    args = [np.eye(1, dtype=dtypes[0])] + [np.ones((1,), dtype=d) for d in dtypes[1:]]
    out = func(*args)
    return np.asarray(out[0] if isinstance(out, tuple) else out).dtype


def _blocks_of(full: np.ndarray, dist: Distribution) -> DistArray:
    """A DistArray laid out as ``dist`` from a result every rank holds whole (small path; no communication)."""
    return DistArray._new(np.ascontiguousarray(full[dist.local_key()]), dist)


def _rows_like(d: Distribution, shape: tuple[int, ...]) -> Distribution:
    """``shape`` laid out like the rows of a matrix in ``d`` (other axes whole)."""
    return d.select_axes([0]).extended(shape[1:])


@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    """``np.linalg.cholesky``: blocked distributed Cholesky (lower triangle of ``a``), distributed like ``a``.

    Stacks run batch-parallel; a matrix with ``n <= dense.SMALL_N`` is
    replicated and factored by NumPy.  ``upper=True`` factors ``a^H`` (so the
    upper triangle of ``a`` is used, as NumPy does) and returns ``L^H``.

    Communication: see :func:`numpy_dist.dispatch.dense.cholesky_lower`
    (``upper``: one more redistribution).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> L = np.linalg.cholesky(nd.asarray(4 * np.eye(3)))
    >>> float(L[1, 1])
    2.0
    """
    check_square(a)
    x = as_dist(a, comm_of(a))
    if x.ndim > 2:
        return _square_op(np.linalg.cholesky, a, {"upper": upper}, [2])
    dt = _result_dtype(np.linalg.cholesky, x.dtype)
    d = x.distribution
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        with _comm.agreed(x.comm):
            full = np.linalg.cholesky(m, upper=upper)
        return _blocks_of(full, d)
    if not upper:
        return _dense.cholesky_lower(x, dt, d)
    lo = _dense.cholesky_lower(conj_t(x), dt, None)
    U = conj_t(lo)
    return U.to_layout(d)


@implements(np.linalg.inv)
def inv(a):
    """``np.linalg.inv``: distributed LU with partial pivoting, then ``L U X = P``; distributed like ``a``.

    Stacks run batch-parallel; ``n <= dense.SMALL_N``: replicated, NumPy.
    A singular matrix raises ``LinAlgError("Singular matrix")`` on every rank.
    Communication: :func:`numpy_dist.dispatch.dense.lu_factor` and
    :func:`numpy_dist.dispatch.dense.lu_inv`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> float(np.linalg.inv(nd.asarray(2 * np.eye(3)))[0, 0])
    0.5
    """
    check_square(a)
    x = as_dist(a, comm_of(a))
    if x.ndim > 2:
        return _square_op(np.linalg.inv, a, {}, [2])
    dt = _result_dtype(np.linalg.inv, x.dtype)
    d = x.distribution
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        with _comm.agreed(x.comm):
            full = np.linalg.inv(m)
        return _blocks_of(full, d)
    f = _dense.lu_factor(x, dt)
    if f.singular:  # known identically on every rank (the pivots travel with the search)
        raise LinAlgError("Singular matrix")
    return _dense.lu_inv(f, d)


def _slogdet2d(x: DistArray) -> tuple[Any, Any]:
    sdt = _result_dtype(np.linalg.slogdet, x.dtype)
    ldt = np.finfo(sdt).dtype  # log|det| is real
    f = _dense.lu_factor(x, sdt)
    return _dense.lu_slogdet(f, sdt, ldt)


@implements(np.linalg.det)
def det(a):
    """``np.linalg.det``: ``sign * exp(logdet)`` from the distributed LU (as NumPy computes it); a scalar
    identical on every rank (a singular matrix gives 0.0).

    Stacks run batch-parallel; ``n <= dense.SMALL_N``: replicated, NumPy.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> round(float(np.linalg.det(nd.asarray(2 * np.eye(3)))), 9)  # sign * exp(logdet), as NumPy
    8.0
    """
    check_square(a)
    x = as_dist(a, comm_of(a))
    if x.ndim > 2:
        return _square_op(np.linalg.det, a, {}, [0])
    dt = _result_dtype(np.linalg.det, x.dtype)
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        with _comm.agreed(x.comm):
            result = np.linalg.det(m)
        return result
    sign, logdet = _slogdet2d(x)
    with np.errstate(all="ignore"):
        return dt.type(sign * np.exp(logdet))


@implements(np.linalg.slogdet)
def slogdet(a):
    """``np.linalg.slogdet``: (sign, log|det|) from the distributed LU, identical on every rank
    (singular: ``(0, -inf)``).  Stacks run batch-parallel; ``n <= dense.SMALL_N``: replicated, NumPy.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> float(np.linalg.slogdet(nd.asarray(-np.eye(3))).sign)
    -1.0
    """
    check_square(a)
    x = as_dist(a, comm_of(a))
    if x.ndim > 2:
        return _square_op(lambda l: tuple(np.linalg.slogdet(l)), a, {}, [0, 0], SlogdetResult)
    _result_dtype(np.linalg.slogdet, x.dtype)
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        with _comm.agreed(x.comm):
            sign, logabsdet = np.linalg.slogdet(m)
        return SlogdetResult(sign, logabsdet)
    return SlogdetResult(*_slogdet2d(x))


def _solve_shape_error(A: DistArray, B: DistArray) -> Exception | None:
    """NumPy's own error for mismatched shapes, from zero-stride stand-ins (it fails before computing)."""
    try:
        np.linalg.solve(np.broadcast_to(np.zeros((), A.dtype), A.shape),
                        np.broadcast_to(np.zeros((), B.dtype), B.shape))
    except Exception as e:  # noqa: BLE001 - re-raised by the caller
        return e
    return None


@implements(np.linalg.solve)
def solve(a, b):
    """``np.linalg.solve``: distributed LU with partial pivoting and block triangular solves.

    ``b`` 1-d or 2-d (a DistArray or NumPy data); the result is laid out
    like ``b`` when ``b`` is a DistArray, else like the rows of ``a``.
    Stacks run batch-parallel; ``n <= dense.SMALL_N``: replicated, NumPy.
    A singular matrix raises ``LinAlgError("Singular matrix")`` on every rank.
    Communication: :func:`numpy_dist.dispatch.dense.lu_factor` and
    :func:`numpy_dist.dispatch.dense.lu_solve`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = np.linalg.solve(nd.asarray(2 * np.eye(3)), np.ones(3))
    >>> nd.asnumpy(x).tolist()
    [0.5, 0.5, 0.5]
    """
    check_square(a)
    comm = comm_of(a, b)
    A = as_dist(a, comm)
    B = as_dist(b, comm)
    if A.ndim > 2 and B.ndim == A.ndim and B.shape[:-2] == A.shape[:-2]:
        Ai = inexact(A)
        d = Ai.distribution
        nb = A.ndim - 2
        if any(d.axis_grid[i] is not None for i in (nb, nb + 1)):
            d = local_axes_dist(d, (nb, nb + 1))
        bd = d.select_axes(range(nb)).extended(B.shape[nb:])
        la, lb = Ai.to_layout(d).local, B.to_layout(bd).local
        with _comm.agreed(comm):
            out = np.linalg.solve(la, lb)
        return DistArray._new(out, bd)
    if A.ndim > 2 or B.ndim > 2:
        if A.ndim == 2 and B.shape[-2] != A.shape[0]:  # NumPy's error, before anything is gathered
            raise _solve_shape_error(A, B)
        return fallback(np.linalg.solve, (a, b), {}, "numpy.linalg.solve")
    dt = _result_dtype(np.linalg.solve, A.dtype, B.dtype)
    n = A.shape[0]
    if B.ndim == 0 or B.shape[0] != n:
        err = _solve_shape_error(A, B)
        if err is not None:
            raise err
        return fallback(np.linalg.solve, (a, b), {}, "numpy.linalg.solve")
    out_dist = B.distribution if isinstance(b, DistArray) else _rows_like(A.distribution, B.shape)
    if not _dense.use_kernels(comm, n):
        ma = _small_replicated(A)
        if B.ndim == 1:  # n <= SMALL_N elements: replicated like A
            mb = _small_replicated(B)
            with _comm.agreed(comm):
                full = np.linalg.solve(ma, mb)
            return _blocks_of(full, out_dist)
        # The matrix is small, b may be wide: each rank solves for its own columns of b.
        cols = layout(comm, B.shape, 1)
        mb = B.to_layout(cols).local
        with _comm.agreed(comm):
            x = np.linalg.solve(ma, mb).astype(dt, copy=False)
        return DistArray._new(redistribute_local(x, cols, out_dist), out_dist)
    f = _dense.lu_factor(A, dt)
    if f.singular:
        raise LinAlgError("Singular matrix")
    return _dense.lu_solve(f, B, dt, out_dist)


@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    """``np.linalg.matrix_power``: repeated squaring with distributed :func:`numpy.matmul` (n < 0: ``inv`` first)."""
    check_square(a)
    x = as_dist(a, comm_of(a))
    try:
        n = int(n) if not isinstance(n, (bool, np.bool_)) and int(n) == n else None
    except TypeError:
        n = None
    if n is None:
        raise TypeError("exponent must be an integer")
    if n == 0:  # identities in x's layout (stacks too), from the global indices of the last two axes
        d = x.distribution
        r = d.local_indices(x.ndim - 2)[:, None] == d.local_indices(x.ndim - 1)[None, :]
        return DistArray._new(np.broadcast_to(r, d.local_shape).astype(x.dtype), d)
    if n < 0:
        x = inv(x)
        n = -n
    result = None
    z = x
    while True:
        if n & 1:
            result = z if result is None else np.matmul(result, z)
        n >>= 1
        if not n:
            break
        z = np.matmul(z, z)
    return result if result is not x else result.copy()
