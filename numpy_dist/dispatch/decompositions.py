"""``np.linalg`` factorisations of rectangular matrices and norms: TSQR-based ``qr``/``svd``/``lstsq``/``pinv``,
``matrix_rank``, ``norm``; and the batch-parallel path for stacks, shared with :mod:`.square_matrices`.

* **Tall-skinny** matrices (``m >= n * P``) are factorised by TSQR: each rank
  QR-factorises its row block, the small R factors (at most ``P * n`` rows of
  ``n``) are gathered, and every rank gets the same final R; Q is each local Q
  times its rows of the small Q (Demmel, Grigori, Hoemmen, Langou 2012).  SVD,
  singular values, least squares, pseudo-inverse, rank and the 2-/nuclear
  norms follow from a small SVD of R.  Short-fat matrices use the conjugate
  transpose.  Q, U and the pseudo-inverse stay distributed like the rows of A.
* **Stacked** matrices run batch-parallel (:func:`batched`): the batch axes
  carry the distribution and NumPy's own routine runs on each rank's matrices
  (no data moves when the last two axes are already whole).
* ``qr`` of matrices that are neither tall nor wide: blocked Householder QR
  on block-cyclic rows (:mod:`.householder`; NumPy's signs, as LAPACK's
  reflectors are used); ``mode="raw"`` (LAPACK's packed form) stays the
  documented fallback.
* ``svd`` of matrices that are neither tall nor wide: one-sided block Jacobi
  on column blocks (:mod:`.jacobi`; ``m > n`` after a Householder QR, ``m < n``
  through the conjugate transpose).  Matrices of at most
  ``jacobi.GRAM_LIMIT`` elements are replicated and NumPy solves them;
  a large ``hermitian=True`` SVD goes through the distributed ``eigh`` (NumPy
  reads one triangle that way too); ``lstsq`` and ``pinv`` of such matrices
  use this SVD.  Square-matrix routines (``solve``,
  ``inv``, ``cholesky``, ``eigh`` ...) are in :mod:`.square_matrices`;
  ``cond``, ``eig`` and the tensor solvers in :mod:`.general_matrices`.

Errors (SVD not converging ...) raise ``LinAlgError`` on every rank (agreed).

Communication: TSQR one Allgatherv of the P local R factors and one Bcast of
the small factors (A is never gathered); Householder and Jacobi see their
modules; stacks none when the matrix axes are whole (else one Alltoallv);
norms a distributed reduction.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import NoDistMap
from ._layout import as_dist, axis_layout, comm_of, insert_axis, with_axis_map
from . import householder as _householder
from . import jacobi as _jacobi
from .matmul_plan import matmul2d
from .protocol import fallback
from .reductions import any as _any, max as _max, min as _min, sum as _sum
from .registry import implements
from .ufunc_reduce import local_axes_dist

__all__ = ["qr", "svd", "svdvals", "lstsq", "pinv", "matrix_rank", "norm", "vector_norm", "matrix_norm", "tsqr",
           "lstsq_tsqr", "batched", "check_2d", "check_square", "inexact", "conj_t"]

_NoValue = np._NoValue
LinAlgError = np.linalg.LinAlgError


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


def check_2d(a: Any, name: str = "array") -> None:
    """NumPy's ``LinAlgError`` for fewer than two dimensions."""
    if np.ndim(a) < 2:
        raise LinAlgError(f"{np.ndim(a)}-dimensional array given. Array must be at least two-dimensional")


def inexact(x: DistArray) -> DistArray:
    """``x`` in a floating or complex dtype (integers and bools as float64, as NumPy's linalg)."""
    if x.dtype.kind in "fc":
        return x
    return x.astype(np.float64)


def _is_tall(x: DistArray) -> bool:
    m, n = x.shape[-2:]
    return m >= n * x.comm.Get_size()


def _is_wide(x: DistArray) -> bool:
    m, n = x.shape[-2:]
    return n >= m * x.comm.Get_size() and m < n


def check_square(x: Any) -> None:
    """NumPy's ``LinAlgError`` unless the last two axes form square matrices."""
    check_2d(x)
    if np.shape(x)[-1] != np.shape(x)[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


# --------------------------------------------------------------------------
# Batched (stacked) routines: the batch axes carry the distribution
# --------------------------------------------------------------------------


def batched(x: DistArray, kernel: Any, cores: list[int]) -> list[DistArray]:
    """Run ``kernel`` on the local stack; outputs keep the batch layout plus ``cores[i]`` whole trailing axes."""
    d = x.distribution
    nb = x.ndim - 2
    if any(d.axis_grid[i] is not None for i in (nb, nb + 1)):
        nd_ = local_axes_dist(d, (nb, nb + 1))
        d = nd_ if nd_ is not None else Distribution.replicated_on(x.comm, x.shape)
    local = x.to_layout(d).local
    with _comm.agreed(x.comm):
        outs = kernel(local)
    outs = outs if isinstance(outs, tuple) else (outs,)
    result = []
    for o, k in zip(outs, cores):
        o = np.asarray(o)
        result.append(DistArray._new(o, d.select_axes(range(nb)).extended(o.shape[nb:])))
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
    dA = axis_layout(A, 0)
    a = A.to_layout(dA).local
    mode = "complete" if complete else "reduced"
    with _comm.agreed(comm):
        q1, r1 = np.linalg.qr(a, mode=mode)
    k_r = min(a.shape[0], n)
    rs = _comm.allgather_array(comm, np.ascontiguousarray(r1[:k_r]))
    counts = [r.shape[0] for r in rs]
    stack = np.concatenate(rs, axis=0) if rs else np.empty((0, n), a.dtype)
    small = None
    with _comm.agreed(comm):
        if comm.Get_rank() == 0:  # one rank factorises the stack, so every rank holds bit-identical factors
            small = np.linalg.qr(stack, mode=mode)
    q2 = _comm.bcast_array(comm, small[0] if small is not None else None)
    R = _comm.bcast_array(comm, small[1] if small is not None else None)
    me = comm.Get_rank() if dA.nprocs > 1 else 0
    off = int(sum(counts[:me]))
    q_top = q1[:, :k_r] @ q2[off:off + k_r]
    if not complete:
        K = min(m, n)
        return q_top[:, :K], with_axis_map(dA, 0, (m, K)), R[:K]
    S = stack.shape[0]
    tails = [c_rows - c for c_rows, c in zip([dA.local_shape_of(r)[0] for r in range(dA.nprocs)], counts)]
    local = np.zeros((a.shape[0], m), dtype=q_top.dtype)
    local[:, :S] = q_top
    t0 = S + int(sum(tails[:me]))
    local[:, t0:t0 + tails[me]] = q1[:, k_r:]
    Rc = np.zeros((m, n), dtype=R.dtype)
    Rc[:S] = R
    return local, with_axis_map(dA, 0, (m, m)), Rc


def conj_t(x: DistArray) -> DistArray:
    """The conjugate transpose of the last two axes (metadata, plus a conjugate for complex data)."""
    xt = np.matrix_transpose(x)
    return np.conjugate(xt) if x.dtype.kind == "c" else xt


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    """``np.linalg.qr``: TSQR for tall-skinny matrices, blocked Householder otherwise, batch-parallel for stacks.

    ``mode="raw"`` takes the documented fallback.

    Communication (TSQR): one Allgatherv of the P local R factors and one
    Bcast of the small factors; A is not gathered.
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    check_2d(a)
    x = inexact(as_dist(a, comm_of(a)))
    if mode == "raw":
        return fallback(np.linalg.qr, (a,), {"mode": mode}, "numpy.linalg.qr")
    if x.ndim > 2:
        if mode == "r":
            return batched(x, lambda l: np.linalg.qr(l, mode="r"), [2])[0]
        q, r = batched(x, lambda l: np.linalg.qr(l, mode=mode), [2, 2])
        return QRResult(q, r)
    if not _is_tall(x):
        return _qr_square(x, mode)
    qloc, qd, R = tsqr(x, complete=(mode == "complete"))
    Rd = DistArray._new(R, Distribution.replicated_on(x.comm, R.shape))
    if mode == "r":
        return Rd
    return QRResult(DistArray._new(qloc, qd), Rd)


def _replicated(x: DistArray) -> np.ndarray:
    return x.to_layout(Distribution.replicated_on(x.comm, x.shape)).local


def _rep(comm: Any, v: np.ndarray) -> DistArray:
    return DistArray._new(np.ascontiguousarray(v), Distribution.replicated_on(comm, v.shape))


def _qr_square(x: DistArray, mode: str) -> Any:
    """QR of a matrix neither tall nor wide: blocked Householder (:mod:`.householder`), small ones replicated."""
    if not _householder.use_kernel(x.comm, x.shape):
        m = _replicated(x)
        with _comm.agreed(x.comm):
            res = np.linalg.qr(m, mode=mode)
        if mode == "r":
            return _rep(x.comm, res)
        return QRResult(_rep(x.comm, res[0]), _rep(x.comm, res[1]))
    q, r = _householder.householder_qr(x, mode, x.dtype)  # left in block-cyclic rows: no extra copies
    return r if mode == "r" else QRResult(q, r)


def _svd_tall(x: DistArray, full: bool, compute_uv: bool):
    qloc, qd, R = tsqr(x, complete=full and compute_uv)
    n = x.shape[1]
    Rn = R[:n] if full and compute_uv else R
    if not compute_uv:
        with _comm.agreed(x.comm):
            s = np.linalg.svd(Rn, compute_uv=False)
        return DistArray._new(s, Distribution.replicated_on(x.comm, s.shape))
    with _comm.agreed(x.comm):
        u_r, s, vh = np.linalg.svd(Rn, full_matrices=False)
    if full:
        local = qloc.copy()
        local[:, :n] = qloc[:, :n] @ u_r
    else:
        local = qloc @ u_r
    return SVDResult(DistArray._new(local, qd), DistArray._new(s, Distribution.replicated_on(x.comm, s.shape)),
                     DistArray._new(vh, Distribution.replicated_on(x.comm, vh.shape)))


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``np.linalg.svd``: TSQR + a small SVD of R for tall-skinny (and, transposed, short-fat) matrices;
    one-sided block Jacobi (:mod:`.jacobi`) for the others above ``jacobi.GRAM_LIMIT`` elements.

    U (or Vh for short-fat input) stays distributed like A's rows (columns);
    S and the small factor are replicated.  Stacks run batch-parallel.
    Communication: that of :func:`tsqr`.
    """
    if hermitian:  # NumPy's eigh/eigvalsh path, whose square check comes first
        check_square(a)
    else:
        check_2d(a)
    x = inexact(as_dist(a, comm_of(a)))
    if x.ndim > 2:
        if not compute_uv:
            return batched(x, lambda l: np.linalg.svd(l, compute_uv=False, hermitian=hermitian), [1])[0]
        return SVDResult(*batched(x, lambda l: tuple(np.linalg.svd(l, full_matrices, True, hermitian)), [2, 1, 2]))
    # hermitian: NumPy takes the eigenvalues of one triangle (not the SVD of the whole matrix)
    if _is_tall(x) and not hermitian:
        return _svd_tall(x, full_matrices, compute_uv)
    if _is_wide(x) and not hermitian:
        res = _svd_tall(conj_t(x), full_matrices, compute_uv)
        if not compute_uv:
            return res
        U, S, Vh = res
        return SVDResult(conj_t(Vh), S, conj_t(U))
    return _svd_general(x, full_matrices, compute_uv, hermitian)


def _svd_general(x: DistArray, full: bool, compute_uv: bool, hermitian: bool) -> Any:
    """SVD of a matrix neither tall nor wide: one-sided block Jacobi (:mod:`.jacobi`; ``m > n`` after a
    Householder QR), small ones replicated.  A large ``hermitian=True`` matrix is read through one
    triangle by the distributed ``eigh``, as NumPy does."""
    comm = x.comm
    if not _jacobi.use_jacobi(comm, x.shape):
        m = _replicated(x)
        with _comm.agreed(comm):
            res = np.linalg.svd(m, full_matrices=full, compute_uv=compute_uv, hermitian=hermitian)
        return _rep(comm, res) if not compute_uv else SVDResult(*(_rep(comm, r) for r in res))
    if hermitian:
        return _svd_hermitian(x, compute_uv)
    m, n = x.shape
    if m < n:
        res = _svd_general(conj_t(x), full, compute_uv, False)
        return res if not compute_uv else SVDResult(conj_t(res.Vh), res.S, conj_t(res.U))
    if m == n:
        j = _jacobi.jacobi_svd(x, x.dtype, compute_uv, compute_uv)
        S = _rep(comm, j.S)
        return S if not compute_uv else SVDResult(j.U, S, conj_t(j.V))
    # m > n: A = Q R first, so the sweeps run on the n x n triangle (fewer rows, faster convergence)
    q, r = _householder.householder_qr(x, "complete" if full and compute_uv else "r" if not compute_uv
                                       else "reduced", x.dtype)
    j = _jacobi.jacobi_svd(r[:n], x.dtype, compute_uv, compute_uv)
    S = _rep(comm, j.S)
    if not compute_uv:
        return S
    u = np.matmul(q[:, :n], j.U)
    if full:
        u = np.concatenate([u, q[:, n:]], axis=1)
    return SVDResult(u, S, conj_t(j.V))


def _svd_hermitian(x: DistArray, compute_uv: bool) -> Any:
    """NumPy's ``svd(hermitian=True)``: the distributed ``eigh``, singular values ``|w|`` in descending
    order, their eigenvectors as U and the signs of ``w`` moved into Vh."""
    if not compute_uv:
        w = _replicated(np.linalg.eigvalsh(x))  # dispatched to square_matrices (which imports this module)
        return _rep(x.comm, np.sort(np.abs(w))[::-1])
    w_d, v = np.linalg.eigh(x)
    w = _replicated(w_d)
    order = np.argsort(np.abs(w))[::-1]
    s, sgn = np.abs(w)[order], np.sign(w)[order]
    u = np.take(v, order, axis=1)
    return SVDResult(u, _rep(x.comm, s), conj_t(np.multiply(u, sgn.astype(u.dtype))))


@implements(np.linalg.svdvals)
def svdvals(x, /):
    """``np.linalg.svdvals`` (see :func:`svd`); a replicated result."""
    check_2d(x)
    return svd(x, compute_uv=False)


@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """``np.linalg.lstsq`` for tall-skinny ``a``: TSQR, a small SVD of R, ``Q^H b`` as a distributed product.

    Returns replicated ``x``, residuals and singular values, and the rank.
    Communication: that of :func:`lstsq_tsqr`.
    """
    comm = comm_of(a, b)
    A = as_dist(a, comm)
    B = as_dist(b, comm)
    check_2d(A)
    if A.ndim != 2 or B.ndim not in (1, 2):
        return fallback(np.linalg.lstsq, (a, b), {"rcond": rcond}, "numpy.linalg.lstsq")
    if B.shape[0] != A.shape[0]:
        raise LinAlgError("Incompatible dimensions")
    if _is_tall(A) or not _jacobi.use_jacobi(comm, A.shape):
        x, resid, rank, s = lstsq_tsqr(A, B, rcond)
    else:  # a large matrix neither tall nor wide: TSQR would gather P n^2 numbers; the Jacobi SVD does not
        x, resid, rank, s = _least_squares(A, B, rcond, _svd_factors)
    rep = lambda v: DistArray._new(np.ascontiguousarray(v), Distribution.replicated_on(comm, np.shape(v)))  # noqa: E731
    return rep(x), rep(resid), rank, rep(s)


def lstsq_tsqr(A: DistArray, B: DistArray, rcond: Any = None) -> tuple[np.ndarray, np.ndarray, Any, np.ndarray]:
    """Least squares of a 2-d DistArray ``A`` (any shape) and ``B`` (1-d or 2-d, ``A``'s rows) via TSQR.

    NumPy's ``lstsq`` arithmetic: computed in double precision (``float64`` or
    ``complex128``, as NumPy's LAPACK call), results cast to NumPy's result
    type, ``rcond`` defaulting to the double ``eps * max(m, n)``.  Returns
    ``(x, residuals, rank, singular values)`` as NumPy arrays identical on
    every rank (``x`` small: ``n`` or ``n x k``).  Efficient for tall ``A``
    (``m >= n P``); for others the gathered R factors are no larger than ``A``.

    Communication: :func:`tsqr`, one Allgatherv of the small ``n x k``
    partials of ``Q^H b``, one for the residuals.
    """
    return _least_squares(A, B, rcond, _tsqr_factors)


def _tsqr_factors(A: DistArray, B2: DistArray) -> tuple[np.ndarray, np.ndarray, Any]:
    """(singular values, ``U^H B``, ``y -> V y``) of a tall ``A`` by TSQR and a small SVD of R."""
    comm = A.comm
    qloc, qd, R = tsqr(A)
    with _comm.agreed(comm):
        u_r, s, vh = np.linalg.svd(R, full_matrices=False)
    qtb_d = matmul2d(conj_t(DistArray._new(qloc, qd)), B2)
    qtb = qtb_d.to_layout(Distribution.replicated_on(comm, qtb_d.shape)).local  # n x k on every rank
    return s, u_r.conj().T @ qtb, lambda y: vh.conj().T @ y


def _svd_factors(A: DistArray, B2: DistArray) -> tuple[np.ndarray, np.ndarray, Any]:
    """(singular values, ``U^H B``, ``y -> V y``) from the distributed SVD (Jacobi): U and V stay distributed."""
    comm = A.comm
    U, S, Vh = svd(A, full_matrices=False)
    rep = lambda d: d.to_layout(Distribution.replicated_on(comm, d.shape)).local  # noqa: E731
    V = conj_t(Vh)
    return rep(S), rep(matmul2d(conj_t(U), B2)), \
        lambda y: rep(matmul2d(V, DistArray._new(y, Distribution.replicated_on(comm, y.shape))))


def _least_squares(A: DistArray, B: DistArray, rcond: Any, factor: Any) -> tuple:
    """NumPy's ``lstsq`` arithmetic around an SVD given by ``factor(A, B2) -> (s, U^H B2, y -> V y)``:
    double precision as NumPy's LAPACK call, ``rcond`` cut, an int32 rank, residuals for full-rank
    overdetermined systems."""
    comm = A.comm
    m, n = A.shape
    dt = np.linalg.lstsq(np.ones((1, 1), A.dtype), np.ones((1,), B.dtype))[0].dtype  # NumPy's result type
    work = np.promote_types(dt, np.float64)  # NumPy's LAPACK precision
    real_dt = np.real(np.empty(0, dt)).dtype
    A = A.astype(work) if A.dtype != work else A
    B = B.astype(work) if B.dtype != work else B
    vec = B.ndim == 1
    B2 = insert_axis(B, 1) if vec else B
    s, utb, times_v = factor(A, B2)
    if rcond is None:
        rcond = np.finfo(work).eps * max(m, n)
    elif rcond <= 0 or rcond >= 1:  # LAPACK gelsd's rule (NumPy's backend): the unit roundoff instead
        rcond = np.finfo(work).epsneg
    cut = rcond * (s[0] if s.size else 0)
    big = s > cut
    rank = np.int32(big.sum())  # NumPy returns an int32 rank
    sinv = np.zeros_like(s)
    sinv[big] = 1.0 / s[big]
    x = times_v(sinv[:, None] * utb)
    k = B2.shape[1]
    if rank == n and m > n:
        X = DistArray._new(x, Distribution.replicated_on(comm, x.shape))
        r = np.subtract(B2, matmul2d(A, X))
        resid = np.sum(np.abs(r) ** 2, axis=0)
        resid = np.asarray(resid.to_layout(Distribution.replicated_on(comm, resid.shape)).local if isinstance(resid, DistArray) else resid)
    else:
        resid = np.empty((0,), real_dt)
    x = x.astype(dt, copy=False)
    if vec:
        x = x[:, 0]
    resid = resid.astype(real_dt, copy=False).reshape(-1)[: (1 if vec else k) if resid.size else 0]
    return x, resid, rank, s.astype(real_dt, copy=False)


@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=_NoValue):
    """``np.linalg.pinv``: ``V diag(1/s) U^H`` from the TSQR-based SVD; the result is laid out like ``a^H``.

    Communication: that of :func:`tsqr` (no product needs data from other ranks).
    """
    x0 = as_dist(a, comm_of(a))
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
    check_2d(x0)
    if 0 in x0.shape[-2:]:  # NumPy returns an empty result of the input's own dtype (square or not)
        shape = x0.shape[:-2] + x0.shape[-2:][::-1]
        return DistArray._new(np.empty(shape, x0.dtype), Distribution.replicated_on(x0.comm, shape))
    if hermitian:  # NumPy: svd(hermitian=True) is eigh of one triangle, square matrices only
        check_square(x0)
    x = inexact(x0)
    if x.ndim == 2 and np.ndim(rcond) == 0 and (hermitian or not (_is_tall(x) or _is_wide(x))):
        if not _jacobi.use_jacobi(x.comm, x.shape):  # small: replicated, NumPy's own pinv
            m = _replicated(x)
            with _comm.agreed(x.comm):
                return _rep(x.comm, np.linalg.pinv(m, rcond=rcond, hermitian=hermitian))
        return _pinv_from_svd(x, rcond, hermitian)
    if hermitian or x.ndim > 2 or not (_is_tall(x) or _is_wide(x)) or np.ndim(rcond) != 0:
        if x.ndim > 2 and np.ndim(rcond) == 0:
            return batched(x, lambda l: np.linalg.pinv(l, rcond=rcond, hermitian=hermitian), [2])[0]
        return fallback(np.linalg.pinv, (a,), {"rcond": rcond, "hermitian": hermitian}, "numpy.linalg.pinv")
    wide = _is_wide(x)
    y = conj_t(x) if wide else x
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
    pd = Distribution.from_maps(ud.comm, maps, ud.proc_grid, (None, g))
    P = DistArray._new(local.astype(x.dtype, copy=False), pd)
    return conj_t(P) if wide else P


def _pinv_from_svd(x: DistArray, rcond: Any, hermitian: bool = False) -> DistArray:
    """``V diag(1/s) U^H`` of a large matrix neither tall nor wide, from the distributed (Jacobi) SVD."""
    U, S, Vh = svd(x, full_matrices=False, hermitian=hermitian)
    s = S.to_layout(Distribution.replicated_on(x.comm, S.shape)).local
    cutoff = rcond * (s.max() if s.size else 0)
    sinv = np.where(s > cutoff, 1.0 / np.where(s > cutoff, s, 1), 0).astype(s.dtype)
    return np.matmul(np.multiply(conj_t(Vh), sinv), conj_t(U)).astype(x.dtype, copy=False)


@implements(np.linalg.matrix_rank)
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """``np.linalg.matrix_rank`` from :func:`svdvals` (TSQR for tall/wide, batch-parallel for stacks).

    The singular values of one matrix (``min(m, n)`` numbers) are brought to
    every rank whatever layout the SVD left them in, so every rank counts the
    same values (a fallback SVD returns them block-distributed).
    """
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    x = as_dist(A, comm_of(A))
    if x.ndim < 2:
        return int(bool(_any(np.not_equal(x, 0))))
    S = svd(x, compute_uv=False, hermitian=hermitian)
    if S.ndim > 1:
        if tol is not None or rtol is not None:
            return fallback(np.linalg.matrix_rank, (A,), {"tol": tol, "hermitian": hermitian, "rtol": rtol}, "numpy.linalg.matrix_rank")
        smax = _max(S, axis=-1, keepdims=True, initial=0)
        t = smax * (max(x.shape[-2:]) * np.finfo(S.dtype).eps)
        return _sum(np.greater(S, t), axis=-1)
    s = S.to_layout(Distribution.replicated_on(S.comm, S.shape)).local
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
    x = as_dist(x, comm_of(x))
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
    x = as_dist(x, comm_of(x))
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
