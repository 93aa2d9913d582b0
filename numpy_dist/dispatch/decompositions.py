"""``np.linalg``: norms, TSQR-based ``qr``/``svd``/``lstsq``/``pinv``, batched and dense square decompositions.

* **Tall-skinny** matrices (``m >= n * P``) are factorised by TSQR: each rank
  QR-factorises its row block, the small R factors (at most ``P * n`` rows of
  ``n``) are gathered, and every rank gets the same final R; Q is each local Q
  times its rows of the small Q (Demmel, Grigori, Hoemmen, Langou 2012).  SVD,
  singular values, least squares, pseudo-inverse, rank and the 2-/nuclear
  norms follow from a small SVD of R.  Short-fat matrices use the conjugate
  transpose.  Q, U and the pseudo-inverse stay distributed like the rows of A.
* **Stacked** matrices run batch-parallel: the batch axes carry the
  distribution and NumPy's own routine runs on each rank's matrices (no data
  moves when the last two axes are already whole).
* ``eigh``/``eigvalsh`` of Gram-sized matrices (at most ``GRAM_LIMIT``
  elements) replicate the matrix (one Allgatherv) and solve it on every rank.
* One large square matrix (``solve``, ``inv``, ``det``, ``slogdet``,
  ``cholesky``) goes to the dense kernels of :mod:`.dense`: blocked LU with
  partial pivoting and blocked Cholesky on block-cyclic rows, with block
  triangular solves (memory ``O(n^2/P + n nb)`` per rank; A is never
  gathered).  Below ``dense.SMALL_N`` rows (and on one rank) the matrix is
  replicated and NumPy solves it.  ``solve`` with a stack of right-hand sides
  for one matrix, and ``qr``/``svd`` of matrices that are neither tall nor
  wide, have no distributed kernel yet: they take the documented fallback
  (``FallbackWarning``).

Errors (singular matrix, not positive definite, SVD not converging) raise
``LinAlgError`` on every rank (agreed).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import NoDistMap
from ..redistribute import redistribute_local
from . import dense as _dense
from .linalg import (_axis_layout, _comm_of, _with_axis_map, as_dist, insert_axis, layout, matmul2d, move,
                     replicated_dist)
from .registry import implements
from .ufuncs import local_axes_dist

__all__ = ["qr", "svd", "svdvals", "lstsq", "pinv", "matrix_rank", "norm", "vector_norm", "matrix_norm", "eigh",
           "eigvalsh", "cholesky", "solve", "inv", "det", "slogdet", "matrix_power", "multi_dot", "tsqr"]

GRAM_LIMIT = 1 << 20  # elements of a matrix eigh/eigvalsh may replicate
_NoValue = np._NoValue
LinAlgError = np.linalg.LinAlgError


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


def _fallback(func: Any, args: tuple, kwargs: dict) -> Any:
    from .protocol import fallback
    from .registry import qualified_name

    return fallback(func, args, kwargs, qualified_name(func))


def _agreed_local(comm: Any, kernel: Any) -> Any:
    """Run a communication-free kernel; any exception (LinAlgError ...) is raised on every rank."""
    result, exc = None, None
    try:
        result = kernel()
    except Exception as e:  # noqa: BLE001 - agreed below
        exc = e
    _comm.agree(comm, exc)
    return result


def _check_2d(a: Any, name: str = "array") -> None:
    if np.ndim(a) < 2:
        raise LinAlgError(f"{np.ndim(a)}-dimensional array given. Array must be at least two-dimensional")


def _inexact(x: DistArray) -> DistArray:
    if x.dtype.kind in "fc":
        return x
    return x.astype(np.float64)


def _is_tall(x: DistArray) -> bool:
    m, n = x.shape[-2:]
    return m >= n * x.comm.Get_size()


def _is_wide(x: DistArray) -> bool:
    m, n = x.shape[-2:]
    return n >= m * x.comm.Get_size() and m < n


# --------------------------------------------------------------------------
# Batched (stacked) routines: the batch axes carry the distribution
# --------------------------------------------------------------------------


def _batched(x: DistArray, kernel: Any, cores: list[int]) -> list[DistArray]:
    """Run ``kernel`` on the local stack; outputs keep the batch layout plus ``cores[i]`` whole trailing axes."""
    d = x.distribution
    nb = x.ndim - 2
    if any(d.axis_grid[i] is not None for i in (nb, nb + 1)):
        nd_ = local_axes_dist(d, (nb, nb + 1))
        d = nd_ if nd_ is not None else replicated_dist(x.comm, x.shape)
    local = move(x, d)
    outs = _agreed_local(x.comm, lambda: kernel(local))
    outs = outs if isinstance(outs, tuple) else (outs,)
    result = []
    for o, k in zip(outs, cores):
        o = np.asarray(o)
        core = o.shape[nb:]
        od = Distribution._from_maps(x.comm, list(d.maps[:nb]) + [NoDistMap(c) for c in core], d.proc_grid,
                                     tuple(d.axis_grid[:nb]) + (None,) * len(core))
        result.append(DistArray._new(o, od))
    return result


# --------------------------------------------------------------------------
# TSQR
# --------------------------------------------------------------------------


def tsqr(A: DistArray, complete: bool = False) -> tuple[np.ndarray, Distribution, np.ndarray]:
    """TSQR of a 2-d DistArray: (local block of Q, Q's layout, replicated R).

    Q is ``m x K`` (``m x m`` when ``complete``), R is ``K x n`` (``m x n``),
    ``K = min(m, n)``.  Q's rows have A's row map (A moves only if its
    columns were split).

    Communication: one Allgatherv of the local R factors (at most ``P n``
    rows of ``n``), one Bcast of the small factors from rank 0.
    """
    comm = A.comm
    m, n = A.shape
    dA = _axis_layout(A, 0)
    a = move(A, dA)
    mode = "complete" if complete else "reduced"
    q1, r1 = _agreed_local(comm, lambda: np.linalg.qr(a, mode=mode))
    k_r = min(a.shape[0], n)
    rs = _comm.allgather_array(comm, np.ascontiguousarray(r1[:k_r]))
    counts = [r.shape[0] for r in rs]
    stack = np.concatenate(rs, axis=0) if rs else np.empty((0, n), a.dtype)
    small, exc = None, None
    if comm.Get_rank() == 0:  # one rank factorises the stack, so every rank holds bit-identical factors
        try:
            small = np.linalg.qr(stack, mode=mode)
        except Exception as e:  # noqa: BLE001 - agreed below
            exc = e
    _comm.agree(comm, exc)
    q2 = _comm.bcast_array(comm, small[0] if small is not None else None)
    R = _comm.bcast_array(comm, small[1] if small is not None else None)
    me = comm.Get_rank() if dA.nprocs > 1 else 0
    off = int(sum(counts[:me]))
    q_top = q1[:, :k_r] @ q2[off:off + k_r]
    if not complete:
        K = min(m, n)
        return q_top[:, :K], _with_axis_map(dA, 0, (m, K)), R[:K]
    S = stack.shape[0]
    tails = [c_rows - c for c_rows, c in zip([dA.local_shape_of(r)[0] for r in range(dA.nprocs)], counts)]
    local = np.zeros((a.shape[0], m), dtype=q_top.dtype)
    local[:, :S] = q_top
    t0 = S + int(sum(tails[:me]))
    local[:, t0:t0 + tails[me]] = q1[:, k_r:]
    Rc = np.zeros((m, n), dtype=R.dtype)
    Rc[:S] = R
    return local, _with_axis_map(dA, 0, (m, m)), Rc


def _conj_t(x: DistArray) -> DistArray:
    xt = np.matrix_transpose(x)
    return np.conjugate(xt) if x.dtype.kind == "c" else xt


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    """``np.linalg.qr``: TSQR for tall-skinny matrices, batch-parallel for stacks, else the fallback.

    Communication (TSQR): one Allgatherv of the P local R factors and one
    Bcast of the small factors; A is not gathered.
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    _check_2d(a)
    x = _inexact(as_dist(a, _comm_of(a)))
    if mode == "raw":
        return _fallback(np.linalg.qr, (a,), {"mode": mode})
    if x.ndim > 2:
        if mode == "r":
            return _batched(x, lambda l: np.linalg.qr(l, mode="r"), [2])[0]
        q, r = _batched(x, lambda l: np.linalg.qr(l, mode=mode), [2, 2])
        return QRResult(q, r)
    if not _is_tall(x):
        return _fallback(np.linalg.qr, (a,), {"mode": mode})
    qloc, qd, R = tsqr(x, complete=(mode == "complete"))
    Rd = DistArray._new(R, replicated_dist(x.comm, R.shape))
    if mode == "r":
        return Rd
    return QRResult(DistArray._new(qloc, qd), Rd)


def _svd_tall(x: DistArray, full: bool, compute_uv: bool):
    qloc, qd, R = tsqr(x, complete=full and compute_uv)
    n = x.shape[1]
    Rn = R[:n] if full and compute_uv else R
    if not compute_uv:
        s = _agreed_local(x.comm, lambda: np.linalg.svd(Rn, compute_uv=False))
        return DistArray._new(s, replicated_dist(x.comm, s.shape))
    u_r, s, vh = _agreed_local(x.comm, lambda: np.linalg.svd(Rn, full_matrices=False))
    if full:
        local = qloc.copy()
        local[:, :n] = qloc[:, :n] @ u_r
    else:
        local = qloc @ u_r
    return SVDResult(DistArray._new(local, qd), DistArray._new(s, replicated_dist(x.comm, s.shape)),
                     DistArray._new(vh, replicated_dist(x.comm, vh.shape)))


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``np.linalg.svd``: TSQR + a small SVD of R for tall-skinny (and, transposed, short-fat) matrices.

    U (or Vh for short-fat input) stays distributed like A's rows (columns);
    S and the small factor are replicated.  Stacks run batch-parallel.
    Communication: that of :func:`tsqr`.
    """
    if hermitian:  # NumPy's eigh/eigvalsh path, whose square check comes first
        _square(a)
    else:
        _check_2d(a)
    x = _inexact(as_dist(a, _comm_of(a)))
    if x.ndim > 2:
        if not compute_uv:
            return _batched(x, lambda l: np.linalg.svd(l, compute_uv=False, hermitian=hermitian), [1])[0]
        return SVDResult(*_batched(x, lambda l: tuple(np.linalg.svd(l, full_matrices, True, hermitian)), [2, 1, 2]))
    # hermitian: NumPy takes the eigenvalues of one triangle (not the SVD of the whole matrix)
    if _is_tall(x) and not hermitian:
        return _svd_tall(x, full_matrices, compute_uv)
    if _is_wide(x) and not hermitian:
        res = _svd_tall(_conj_t(x), full_matrices, compute_uv)
        if not compute_uv:
            return res
        U, S, Vh = res
        return SVDResult(_conj_t(Vh), S, _conj_t(U))
    return _fallback(np.linalg.svd, (a,), {"full_matrices": full_matrices, "compute_uv": compute_uv,
                                           "hermitian": hermitian})


@implements(np.linalg.svdvals)
def svdvals(x, /):
    """``np.linalg.svdvals`` (see :func:`svd`); a replicated result."""
    _check_2d(x)
    return svd(x, compute_uv=False)


@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """``np.linalg.lstsq`` for tall-skinny ``a``: TSQR, a small SVD of R, ``Q^H b`` as a distributed product.

    Returns replicated ``x``, residuals and singular values, and the rank.
    Communication: :func:`tsqr`, one Allgatherv of the small ``n x k``
    partials of ``Q^H b``, one for the residuals.
    """
    comm = _comm_of(a, b)
    A = as_dist(a, comm)
    B = as_dist(b, comm)
    _check_2d(A)
    if A.ndim != 2 or B.ndim not in (1, 2) or not _is_tall(A):
        return _fallback(np.linalg.lstsq, (a, b), {"rcond": rcond})
    m, n = A.shape
    if B.shape[0] != m:
        raise LinAlgError("Incompatible dimensions")
    dt = np.linalg.lstsq(np.ones((1, 1), A.dtype), np.ones((1,), B.dtype))[0].dtype
    A = A.astype(dt) if A.dtype != dt else A
    B = B.astype(dt) if B.dtype != dt else B
    vec = B.ndim == 1
    B2 = insert_axis(B, 1) if vec else B
    qloc, qd, R = tsqr(A)
    u_r, s, vh = _agreed_local(comm, lambda: np.linalg.svd(R, full_matrices=False))
    Q = DistArray._new(qloc, qd)
    qtb_d = matmul2d(_conj_t(Q), B2)
    qtb = move(qtb_d, replicated_dist(comm, qtb_d.shape))  # n x k on every rank (a no-op when already so)
    if rcond is None:
        rcond = np.finfo(dt).eps * max(m, n)
    cut = rcond * (s[0] if s.size else 0)
    big = s > cut
    rank = np.int32(big.sum())  # NumPy returns an int32 rank
    sinv = np.zeros_like(s)
    sinv[big] = 1.0 / s[big]
    x = (vh.conj().T * sinv) @ (u_r.conj().T @ qtb)
    x = x.astype(dt, copy=False)
    k = B2.shape[1]
    if rank == n and m > n:
        X = DistArray._new(x, replicated_dist(comm, x.shape))
        r = np.subtract(B2, matmul2d(A, X))
        resid = np.sum(np.abs(r) ** 2, axis=0)
        resid = np.asarray(move(resid, replicated_dist(comm, resid.shape)) if isinstance(resid, DistArray) else resid).astype(np.real(np.empty(0, dt)).dtype)
    else:
        resid = np.empty((0,), np.real(np.empty(0, dt)).dtype)
    if vec:
        x = x[:, 0]
    rep = lambda v: DistArray._new(np.ascontiguousarray(v), replicated_dist(comm, np.shape(v)))  # noqa: E731
    return rep(x), rep(resid.reshape(-1)[: (1 if vec else k) if resid.size else 0]), rank, rep(s)


@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=_NoValue):
    """``np.linalg.pinv``: ``V diag(1/s) U^H`` from the TSQR-based SVD; the result is laid out like ``a^H``.

    Communication: that of :func:`tsqr` (no product needs data from other ranks).
    """
    x0 = as_dist(a, _comm_of(a))
    # NumPy's order: rcond/rtol, then the empty shortcut, then svd's checks (square when hermitian)
    if rcond is None:
        if rtol is _NoValue:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(x0.shape[-2:]) * np.finfo(x0.dtype).eps  # NumPy: the input's eps (ValueError for ints)
        else:
            rcond = rtol
    elif rtol is not _NoValue:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if x0.ndim == 1 and x0.size == 0:  # NumPy's empty shortcut unpacks the last two dimensions
        raise ValueError("not enough values to unpack (expected 2, got 1)")
    _check_2d(x0)
    if 0 in x0.shape[-2:]:  # NumPy returns an empty result of the input's own dtype (square or not)
        shape = x0.shape[:-2] + x0.shape[-2:][::-1]
        return DistArray._new(np.empty(shape, x0.dtype), replicated_dist(x0.comm, shape))
    if hermitian:  # NumPy: svd(hermitian=True) is eigh of one triangle, square matrices only
        _square(x0)
    x = _inexact(x0)
    if hermitian or x.ndim > 2 or not (_is_tall(x) or _is_wide(x)) or np.ndim(rcond) != 0:
        if x.ndim > 2 and np.ndim(rcond) == 0:
            return _batched(x, lambda l: np.linalg.pinv(l, rcond=rcond, hermitian=hermitian), [2])[0]
        return _fallback(np.linalg.pinv, (a,), {"rcond": rcond, "hermitian": hermitian})
    wide = _is_wide(x)
    y = _conj_t(x) if wide else x
    U, s, vh = _svd_tall(y, False, True)
    sv = s.local
    cutoff = rcond * (sv.max() if sv.size else 0)
    large = sv > cutoff
    sinv = np.zeros_like(sv)
    sinv[large] = 1.0 / sv[large]
    # pinv(y) = V diag(sinv) U^H : n x m, columns laid out like U's rows
    left = vh.local.conj().T * sinv
    local = left @ U.local.conj().T
    ud = U.distribution
    g = ud.axis_grid[0]
    maps = [NoDistMap(left.shape[0]), ud.maps[0]]
    pd = Distribution._from_maps(ud.comm, maps, ud.proc_grid, (None, g))
    P = DistArray._new(local.astype(x.dtype, copy=False), pd)
    return _conj_t(P) if wide else P


@implements(np.linalg.matrix_rank)
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """``np.linalg.matrix_rank`` from :func:`svdvals` (TSQR for tall/wide, batch-parallel for stacks).

    The singular values of one matrix (``min(m, n)`` numbers) are brought to
    every rank whatever layout the SVD left them in, so every rank counts the
    same values (a fallback SVD returns them block-distributed).
    """
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    x = as_dist(A, _comm_of(A))
    if x.ndim < 2:
        from .reductions import any as _any

        return int(bool(_any(np.not_equal(x, 0))))
    S = svd(x, compute_uv=False, hermitian=hermitian)
    if S.ndim > 1:
        if tol is not None or rtol is not None:
            return _fallback(np.linalg.matrix_rank, (A,), {"tol": tol, "hermitian": hermitian, "rtol": rtol})
        from .reductions import max as _max, sum as _sum

        smax = _max(S, axis=-1, keepdims=True, initial=0)
        t = smax * (max(x.shape[-2:]) * np.finfo(S.dtype).eps)
        return _sum(np.greater(S, t), axis=-1)
    s = _small_replicated(S)
    if tol is None:
        if rtol is None:
            rtol = max(x.shape[-2:]) * np.finfo(s.dtype).eps
        else:
            rtol = np.asarray(rtol)[..., np.newaxis]
        tol = s.max(axis=-1, keepdims=True, initial=0) * rtol
    else:
        tol = np.asarray(tol)[..., np.newaxis]
    return np.count_nonzero(s > tol, axis=-1)


# --------------------------------------------------------------------------
# Norms
# --------------------------------------------------------------------------


def _vnorm(x: DistArray, ord: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Any:
    from .reductions import max as _max, min as _min, sum as _sum

    absx = np.abs(x)
    if ord is None or ord == 2:
        return np.sqrt(_sum(np.multiply(absx, absx), axis=axes, keepdims=keepdims))
    if ord == np.inf:
        return _max(absx, axis=axes, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return _min(absx, axis=axes, keepdims=keepdims)
    if ord == 0:
        return _sum(np.not_equal(x, 0).astype(absx.dtype), axis=axes, keepdims=keepdims)
    if ord == 1:
        return _sum(absx, axis=axes, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    return _sum(absx ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


def _mnorm(x: DistArray, ord: Any, row: int, col: int, keepdims: bool) -> Any:
    from .reductions import max as _max, min as _min, sum as _sum

    if ord in (None, "fro", "f"):
        return np.sqrt(_sum(np.abs(x) ** 2, axis=(row, col), keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        absx = np.abs(x)
        inner_axis, outer_axis = (row, col) if ord in (1, -1) else (col, row)
        sums = _sum(absx, axis=inner_axis, keepdims=keepdims)
        if not keepdims and outer_axis > inner_axis:
            outer_axis -= 1
        if ord in (1, np.inf):  # NumPy: the largest sum, 0 for an empty matrix
            return _max(sums, axis=outer_axis, keepdims=keepdims, initial=0)
        return _min(sums, axis=outer_axis, keepdims=keepdims)
    if ord in (2, -2, "nuc"):
        y = np.moveaxis(x, (row, col), (-2, -1))
        s = svdvals(y)
        r = _max(s, axis=-1, initial=0) if ord == 2 else _min(s, axis=-1) if ord == -2 else _sum(s, axis=-1)
        if keepdims:
            shape = list(x.shape)
            shape[row] = shape[col] = 1
            r = np.reshape(r, tuple(shape)) if isinstance(r, DistArray) else np.asarray(r).reshape(shape)
            if not isinstance(r, DistArray):
                r = as_dist(r, x.comm)
        return r
    raise ValueError("Invalid norm order for matrices.")


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """``np.linalg.norm``: every vector and matrix order; 2, -2 and 'nuc' through :func:`svdvals`.

    Communication: a distributed reduction (one small allgather); the
    singular-value norms that of :func:`svdvals`.
    """
    x = as_dist(x, _comm_of(x))
    if x.dtype.kind not in "fc":
        x = x.astype(float)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and x.ndim == 2):
            r = _vnorm(x, None, None, False)
            if keepdims:
                return as_dist(np.asarray(r).reshape((1,) * x.ndim), x.comm)
            return r
        if x.ndim == 1:
            return _vnorm(x, ord, None, keepdims)
        if x.ndim != 2:
            raise ValueError("Improper number of dimensions to norm.")
        axis = (0, 1)
    axes = normalize_axis_tuple(axis, x.ndim)
    if len(axes) == 1:
        return _vnorm(x, ord, axes, keepdims)
    if len(axes) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    if axes[0] == axes[1]:
        raise ValueError("Duplicate axes given.")
    return _mnorm(x, ord, axes[0], axes[1], keepdims)


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """``np.linalg.vector_norm`` (axis None: all axes)."""
    x = as_dist(x, _comm_of(x))
    if x.dtype.kind not in "fc":
        x = x.astype(float)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    return _vnorm(x, ord, axes, keepdims)


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """``np.linalg.matrix_norm`` over the last two axes.

    Like NumPy, a 1-d input fails on normalising ``axis=(-2, -1)``
    (``AxisError``), not on a dimension check (``LinAlgError``).
    """
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


# --------------------------------------------------------------------------
# Square matrices: batch-parallel, Gram-sized, or the dense kernels (dense.py)
# --------------------------------------------------------------------------


def _square(x: Any) -> None:
    _check_2d(x)
    if np.shape(x)[-1] != np.shape(x)[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


def _uplo(UPLO: Any) -> str:
    """NumPy's check of ``UPLO`` (before any array check): 'L' or 'U' in either case, else ValueError."""
    UPLO = UPLO.upper()  # (AttributeError for a non-string, as in NumPy)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO


def _small_replicated(x: DistArray) -> np.ndarray:
    return move(x, replicated_dist(x.comm, x.shape))


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    """``np.linalg.eigh``: stacks batch-parallel; one Gram-sized matrix replicated (one Allgatherv) and solved."""
    UPLO = _uplo(UPLO)
    _square(a)
    x = _inexact(as_dist(a, _comm_of(a)))
    if x.ndim > 2:
        return EighResult(*_batched(x, lambda l: tuple(np.linalg.eigh(l, UPLO)), [1, 2]))
    if x.size > GRAM_LIMIT:
        return _fallback(np.linalg.eigh, (a,), {"UPLO": UPLO})
    m = _small_replicated(x)
    w, v = _agreed_local(x.comm, lambda: np.linalg.eigh(m, UPLO))
    return EighResult(DistArray._new(w, replicated_dist(x.comm, w.shape)),
                      DistArray._new(v, replicated_dist(x.comm, v.shape)))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    """``np.linalg.eigvalsh`` (see :func:`eigh`)."""
    UPLO = _uplo(UPLO)
    _square(a)
    x = _inexact(as_dist(a, _comm_of(a)))
    if x.ndim > 2:
        return _batched(x, lambda l: np.linalg.eigvalsh(l, UPLO), [1])[0]
    if x.size > GRAM_LIMIT:
        return _fallback(np.linalg.eigvalsh, (a,), {"UPLO": UPLO})
    m = _small_replicated(x)
    w = _agreed_local(x.comm, lambda: np.linalg.eigvalsh(m, UPLO))
    return DistArray._new(w, replicated_dist(x.comm, w.shape))


def _square_op(func: Any, a: Any, kwargs: dict, cores: list[int], name_result: Any = None) -> Any:
    """Batch-parallel for stacks (the caller routes one 2-d matrix to the dense kernels)."""
    x = as_dist(a, _comm_of(a))
    outs = _batched(_inexact(x), lambda l: func(l, **kwargs), cores)
    if name_result is not None:
        return name_result(*outs)
    return outs[0]


def _probe(func: Any, *dtypes: np.dtype) -> np.dtype:
    """NumPy's result dtype of ``func`` (and its TypeError for unsupported dtypes) from 1 x 1 stand-ins."""
    args = [np.eye(1, dtype=dtypes[0])] + [np.ones((1,), dtype=d) for d in dtypes[1:]]
    out = func(*args)
    return np.asarray(out[0] if isinstance(out, tuple) else out).dtype


def _blocks_of(full: np.ndarray, dist: Distribution) -> DistArray:
    """A DistArray laid out as ``dist`` from a result every rank holds whole (small path; no communication)."""
    return DistArray._new(np.ascontiguousarray(full[dist.local_key()]), dist)


def _rows_like(d: Distribution, shape: tuple[int, ...]) -> Distribution:
    """``shape`` laid out like the rows of a matrix in ``d`` (other axes whole)."""
    maps = [d.maps[0]] + [NoDistMap(k) for k in shape[1:]]
    return Distribution._from_maps(d.comm, maps, d.proc_grid, (d.axis_grid[0],) + (None,) * (len(shape) - 1))


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
    _square(a)
    x = as_dist(a, _comm_of(a))
    if x.ndim > 2:
        return _square_op(np.linalg.cholesky, a, {"upper": upper}, [2])
    dt = _probe(np.linalg.cholesky, x.dtype)
    d = x.distribution
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        return _blocks_of(_agreed_local(x.comm, lambda: np.linalg.cholesky(m, upper=upper)), d)
    if not upper:
        return _dense.cholesky_lower(x, dt, d)
    lo = _dense.cholesky_lower(_conj_t(x), dt, None)
    U = _conj_t(lo)
    return DistArray._new(move(U, d), d)


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
    _square(a)
    x = as_dist(a, _comm_of(a))
    if x.ndim > 2:
        return _square_op(np.linalg.inv, a, {}, [2])
    dt = _probe(np.linalg.inv, x.dtype)
    d = x.distribution
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        return _blocks_of(_agreed_local(x.comm, lambda: np.linalg.inv(m)), d)
    f = _dense.lu_factor(x, dt)
    if f.singular:  # known identically on every rank (the pivots travel with the search)
        raise LinAlgError("Singular matrix")
    return _dense.lu_inv(f, d)


def _slogdet2d(x: DistArray) -> tuple[Any, Any]:
    sdt = _probe(np.linalg.slogdet, x.dtype)
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
    _square(a)
    x = as_dist(a, _comm_of(a))
    if x.ndim > 2:
        return _square_op(np.linalg.det, a, {}, [0])
    dt = _probe(np.linalg.det, x.dtype)
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        return _agreed_local(x.comm, lambda: np.linalg.det(m))
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
    _square(a)
    x = as_dist(a, _comm_of(a))
    if x.ndim > 2:
        return _square_op(lambda l: tuple(np.linalg.slogdet(l)), a, {}, [0, 0], SlogdetResult)
    _probe(np.linalg.slogdet, x.dtype)
    if not _dense.use_kernels(x.comm, x.shape[0]):
        m = _small_replicated(x)
        return SlogdetResult(*_agreed_local(x.comm, lambda: tuple(np.linalg.slogdet(m))))
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
    _square(a)
    comm = _comm_of(a, b)
    A = as_dist(a, comm)
    B = as_dist(b, comm)
    if A.ndim > 2 and B.ndim == A.ndim and B.shape[:-2] == A.shape[:-2]:
        Ai = _inexact(A)
        d = Ai.distribution
        nb = A.ndim - 2
        if any(d.axis_grid[i] is not None for i in (nb, nb + 1)):
            d = local_axes_dist(d, (nb, nb + 1))
        bd = Distribution._from_maps(comm, list(d.maps[:nb]) + [NoDistMap(n) for n in B.shape[nb:]], d.proc_grid,
                                     tuple(d.axis_grid[:nb]) + (None, None))
        la, lb = move(Ai, d), move(B, bd)
        out = _agreed_local(comm, lambda: np.linalg.solve(la, lb))
        return DistArray._new(out, bd)
    if A.ndim > 2 or B.ndim > 2:
        if A.ndim == 2 and B.shape[-2] != A.shape[0]:  # NumPy's error, before anything is gathered
            raise _solve_shape_error(A, B)
        return _fallback(np.linalg.solve, (a, b), {})
    dt = _probe(np.linalg.solve, A.dtype, B.dtype)
    n = A.shape[0]
    if B.ndim == 0 or B.shape[0] != n:
        err = _solve_shape_error(A, B)
        if err is not None:
            raise err
        return _fallback(np.linalg.solve, (a, b), {})
    out_dist = B.distribution if isinstance(b, DistArray) else _rows_like(A.distribution, B.shape)
    if not _dense.use_kernels(comm, n):
        ma = _small_replicated(A)
        if B.ndim == 1:  # n <= SMALL_N elements: replicated like A
            mb = _small_replicated(B)
            return _blocks_of(_agreed_local(comm, lambda: np.linalg.solve(ma, mb)), out_dist)
        # The matrix is small, b may be wide: each rank solves for its own columns of b.
        cols = layout(comm, B.shape, 1)
        mb = move(B, cols)
        x = _agreed_local(comm, lambda: np.linalg.solve(ma, mb).astype(dt, copy=False))
        return DistArray._new(redistribute_local(x, cols, out_dist), out_dist)
    f = _dense.lu_factor(A, dt)
    if f.singular:
        raise LinAlgError("Singular matrix")
    return _dense.lu_solve(f, B, dt, out_dist)


@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    """``np.linalg.matrix_power``: repeated squaring with distributed :func:`numpy.matmul` (n < 0: ``inv`` first)."""
    _square(a)
    x = as_dist(a, _comm_of(a))
    try:
        n = int(n) if not isinstance(n, (bool, np.bool_)) and int(n) == n else None
    except TypeError:
        n = None
    if n is None:
        raise TypeError("exponent must be an integer")
    if n == 0:
        d = x.distribution
        if x.ndim == 2:
            r = d.local_indices(0)[:, None] == d.local_indices(1)[None, :]
            return DistArray._new(r.astype(x.dtype), d)
        return _fallback(np.linalg.matrix_power, (a, n), {})
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


def _chain_order(dims: list[int]) -> list[list[int]]:
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    """``np.linalg.multi_dot``: the cheapest parenthesisation (NumPy's dynamic programme), distributed matmuls."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    comm = _comm_of(*arrays)
    xs = [as_dist(a, comm) for a in arrays]
    first_1d, last_1d = xs[0].ndim == 1, xs[-1].ndim == 1
    if first_1d:
        xs[0] = insert_axis(xs[0], 0)
    if last_1d:
        xs[-1] = insert_axis(xs[-1], 1)
    for x in xs:
        if x.ndim != 2:
            raise LinAlgError(f"{x.ndim}-dimensional array given. Array must be two-dimensional")
    dims = [x.shape[0] for x in xs] + [xs[-1].shape[1]]
    split = _chain_order(dims)

    def prod(i: int, j: int) -> DistArray:
        if i == j:
            return xs[i]
        k = split[i][j]
        return matmul2d(prod(i, k), prod(k + 1, j))

    r = prod(0, len(xs) - 1)
    from .linalg import drop_axis

    if last_1d:
        r = drop_axis(r, 1)
    if first_1d:
        r = drop_axis(r, 0)
    if r.ndim == 0:
        r = r.local[()]
    if out is not None:
        from .ufuncs import _store

        return _store(out, r if isinstance(r, DistArray) else as_dist(r, comm))
    return r
