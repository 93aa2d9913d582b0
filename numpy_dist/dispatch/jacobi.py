"""One-sided block Jacobi (Hestenes) SVD of one distributed matrix, and ``eigh`` through it.

The ``n`` columns are cut into ``2P`` blocks; rank ``r`` holds two of them
(all ``m`` rows, and the same columns of V, the accumulated rotations), so
every rank holds about ``m n / P`` elements of A and ``n^2 / P`` of V.

A **sweep** is ``2P - 1`` rounds of a round-robin (circle-method) tournament
over the blocks, so every pair of blocks meets exactly once per sweep.  In a
round each rank orthogonalises its pair ``[A_i A_j]`` locally: ``R`` of the
pair's QR (``m x b``, ``b`` the pair's width) gives the pair's Gram matrix
``R^H R`` (the convergence measure) and the SVD ``R = U S W^H``; the rotation
``[A_i A_j] <- [A_i A_j] W`` (and ``[V_i V_j] <- [V_i V_j] W``) makes the
pair's columns mutually orthogonal.  Working from ``R`` rather than from
the Gram matrix keeps the small singular values' relative accuracy.
Between rounds the blocks move one place round the tournament with two
ring shifts (:func:`numpy_dist.comm.sendrecv`): each rank sends and receives
at most two blocks of ``(m + n) x n/(2P)``.

After each sweep one Allreduce takes the largest off-diagonal cosine
``|a_i^H a_j| / (|a_i| |a_j|)`` the sweep met; below ``max(m, n) * eps`` the
columns are orthogonal: the singular values are the column norms, U the
normalised columns, V the accumulated rotations.  Columns whose norm is below
``max(m, n) * eps * ||A||_F`` count as zero (they carry only rounding).  The
singular values are sorted (descending) from one Allgatherv of the ``n``
norms, and U and V are laid out by that order without moving data (an
unstructured column map), then redistributed once into block columns.

``eigh`` of a Hermitian ``A`` (one triangle, as LAPACK reads it) runs the SVD
on ``B = A + sigma I``, with ``sigma`` a Gershgorin bound on ``-lambda_min``
(one distributed row-sum reduction), which makes B positive semidefinite:
its right singular vectors are A's eigenvectors and ``s - sigma`` its
eigenvalues (absolute accuracy ``O(eps (||A|| + sigma))``, that of LAPACK's
``syevd`` up to a small factor).

Matrices of at most ``GRAM_LIMIT`` elements (and every matrix on one rank,
when ``LOCAL_SINGLE_RANK``) are replicated and solved by NumPy instead.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import NoDistMap, UnstructuredMap
from ._layout import layout

__all__ = ["GRAM_LIMIT", "LOCAL_SINGLE_RANK", "MAX_SWEEPS", "use_jacobi", "jacobi_svd", "JacobiSVD",
           "last_sweeps"]

GRAM_LIMIT = 1 << 20  # elements of a matrix svd/eigh/eigvalsh/eig may replicate (solved by NumPy on every rank)
LOCAL_SINGLE_RANK = True  # on one rank the whole matrix is local: call NumPy directly
MAX_SWEEPS = 60
LinAlgError = np.linalg.LinAlgError
last_sweeps = [0]  # sweeps the last Jacobi call needed (for reports and tests)


class JacobiSVD(NamedTuple):
    U: DistArray | None  # m x n, block columns (None when not asked for)
    S: np.ndarray  # n singular values, descending, on every rank
    V: DistArray | None  # n x n, block columns (V, not V^H)


def use_jacobi(comm: Any, shape: tuple[int, ...]) -> bool:
    """Whether one matrix of ``shape`` goes to the distributed Jacobi kernel (metadata only)."""
    if comm.Get_size() == 1 and LOCAL_SINGLE_RANK:
        return False
    return math.prod(shape) > GRAM_LIMIT and min(shape) > 0


# --------------------------------------------------------------------------
# The tournament: which block sits where, and how the blocks move
# --------------------------------------------------------------------------


def _block_columns(n: int, nblocks: int) -> list[np.ndarray]:
    return [c for c in np.array_split(np.arange(n), nblocks)]


def _rotate(at: list[int]) -> list[int]:
    """The circle method: position 0 stays, positions 1..2P-1 move one place round."""
    k = len(at)
    new = list(at)
    for pos in range(1, k):
        new[pos + 1 if pos < k - 1 else 1] = at[pos]
    return new


def _pair(at: list[int], r: int) -> tuple[int, int]:
    """The blocks rank ``r`` holds: positions ``r`` (top) and ``2P - 1 - r`` (bottom)."""
    return at[r], at[len(at) - 1 - r]


def _shift(comm: Any, top: np.ndarray, bottom: np.ndarray, at: list[int], new: list[int],
           widths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Move the blocks to their next positions: two ring shifts (one right, one left) of at most one block."""
    P = comm.Get_size()
    r = comm.Get_rank()
    rows = top.shape[0]
    empty = np.empty((rows, 0), dtype=top.dtype)
    # right: rank 0 hands its bottom to rank 1's top; ranks 1..P-2 hand their top on; P-1 keeps its top
    out = bottom if r == 0 else top if r < P - 1 else empty
    in_w = widths[new[r]] if r > 0 else 0
    got_right = _comm.sendrecv(comm, out, (r + 1) % P, (r - 1) % P, (rows, in_w))
    # left: ranks 1..P-1 hand their bottom to the rank before; rank P-1's new bottom is its old top
    out = bottom if r > 0 else empty
    in_w = widths[new[2 * P - 1 - r]] if r < P - 1 else 0
    got_left = _comm.sendrecv(comm, out, (r - 1) % P, (r + 1) % P, (rows, in_w))
    new_top = top if r == 0 else got_right
    new_bottom = top if r == P - 1 else got_left
    return new_top, new_bottom


# --------------------------------------------------------------------------
# One pair
# --------------------------------------------------------------------------


def _nearest_identity(vh: np.ndarray) -> np.ndarray:
    """An order of the rotation's columns that keeps each column of the pair where it mostly came from.

    The SVD sorts the pair's columns by size; left so, columns would hop between
    the two blocks every round and the sweeps converge only linearly.  Giving
    each new column the old place it draws most on (greedily, largest weights
    first) keeps the rotation close to the identity, so the block method
    converges quadratically, as the scalar one does.
    """
    weight = np.abs(vh)  # weight[k, i]: how much new column k draws on old column i
    b = weight.shape[0]
    place = np.full(b, -1)
    free_new = np.ones(b, bool)
    free_old = np.ones(b, bool)
    for flat in np.argsort(-weight, axis=None, kind="stable"):
        k, i = divmod(int(flat), b)
        if free_new[k] and free_old[i]:
            place[i] = k
            free_new[k] = free_old[i] = False
    return place


def _orthogonalise(w: np.ndarray, m: int, tol: float, tiny: float) -> float:
    """Rotate the pair's columns (``w[:m]`` is A's part, V's rows below) mutually orthogonal in place; the
    largest cosine between two of its columns before the rotation."""
    if w.shape[1] < 2:
        return 0.0
    q, r = np.linalg.qr(w[:m])
    gram = r.conj().T @ r
    d = np.sqrt(np.abs(np.diagonal(gram)))
    live = d > tiny
    denom = np.outer(d, d)
    cos = np.zeros(gram.shape, dtype=d.dtype)
    np.divide(np.abs(gram), denom, out=cos, where=np.outer(live, live) & (denom > 0))
    np.fill_diagonal(cos, 0)
    off = float(cos.max(initial=0.0))
    if not off > tol:  # (a converged pair is left alone)
        return off
    u_r, s, vh = np.linalg.svd(r)
    keep = _nearest_identity(vh)
    u_r, s, vh = u_r[:, keep], s[keep], vh[keep]
    # Q U_r S rather than A W: the new columns are orthogonal to rounding whatever their norms
    w[:m] = q @ (u_r * s)
    if w.shape[0] > m:
        w[m:] = w[m:] @ vh.conj().T
    return off


# --------------------------------------------------------------------------
# The SVD
# --------------------------------------------------------------------------


def _start(A: DistArray, dtype: np.dtype, vectors: bool,
           diagonal: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """My two blocks of A (plus ``diagonal`` on the diagonal; V's rows below when ``vectors``), the block
    columns, the positions."""
    comm = A.comm
    P = comm.Get_size()
    m, n = A.shape
    blocks = _block_columns(n, 2 * P)
    at = list(range(2 * P))
    parts = [np.concatenate([blocks[i] for i in _pair(at, r)]) for r in range(P)]
    d = Distribution.from_maps(comm, [NoDistMap(m), UnstructuredMap(parts)], (P,), (None, 0))
    a = np.array(A.to_layout(d).local, dtype=dtype, copy=True)
    mine = parts[comm.Get_rank()]
    if diagonal is not None:  # every rank holds whole columns, so it owns their diagonal entries
        a[mine, np.arange(mine.size)] += diagonal[mine]
    if not vectors:
        return np.array(a, order="C", copy=True), blocks, at
    v = (np.arange(n)[:, None] == mine[None, :]).astype(dtype)
    return np.ascontiguousarray(np.vstack([a, v])), blocks, at


def _sweeps(comm: Any, w: np.ndarray, m: int, at: list[int], widths: list[int], tol: float,
            tiny: float) -> tuple[np.ndarray, list[int]]:
    """Jacobi sweeps until the largest cosine of a sweep is below ``tol``: my final pair, the positions."""
    P = comm.Get_size()
    r = comm.Get_rank()
    for sweep in range(1, MAX_SWEEPS + 1):
        worst = 0.0
        for rnd in range(2 * P - 1):
            with _comm.agreed(comm):
                worst = max(worst, _orthogonalise(w, m, tol, tiny))
            if P == 1 and rnd == 0:
                continue
            wt = widths[_pair(at, r)[0]]
            new = _rotate(at)
            top, bottom = _shift(comm, np.ascontiguousarray(w[:, :wt]), np.ascontiguousarray(w[:, wt:]), at, new,
                                 widths)
            w = np.ascontiguousarray(np.hstack([top, bottom]))
            at = new
        worst = float(_comm.allreduce_scalar(comm, worst, op="max"))
        if not worst > tol:  # (NaN data: never converges, reported below)
            last_sweeps[0] = sweep
            return w, at
    raise LinAlgError("SVD did not converge")


def _sorted_columns(comm: Any, norms: np.ndarray, descending: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    """All ``n`` norms sorted, and each rank's columns' places in that order (one Allgatherv of the norms)."""
    parts = _comm.allgather_array(comm, norms)
    everything = np.concatenate(parts)
    order = np.argsort(-everything if descending else everything, kind="stable")
    place = np.empty_like(order)
    place[order] = np.arange(order.size)
    bounds = np.cumsum([0] + [p.size for p in parts])
    return everything[order], [place[bounds[i]:bounds[i + 1]] for i in range(len(parts))]


def _laid_out(comm: Any, local: np.ndarray, places: list[np.ndarray]) -> DistArray:
    """My columns (at ``places[rank]`` of the sorted order) as a DistArray, then moved into block columns."""
    P = comm.Get_size()
    rows = local.shape[0]
    d = Distribution.from_maps(comm, [NoDistMap(rows), UnstructuredMap(places)], (P,), (None, 0))
    x = DistArray._new(np.ascontiguousarray(local), d)
    return x.to_layout(layout(comm, x.shape, 1))


def jacobi_svd(A: DistArray, dtype: np.dtype, compute_u: bool = True, compute_v: bool = True,
               descending: bool = True, diagonal: np.ndarray | None = None) -> JacobiSVD:
    """One-sided block Jacobi SVD of the 2-d DistArray ``A`` (``m >= n`` expected; computed in ``dtype``).

    Returns the ``n`` singular values (replicated, sorted descending, or
    ascending when not ``descending``) of ``A + diag(diagonal)``, and when asked for U (``m x n``) and
    V (``n x n``), their columns in the same order, in block columns.
    A matrix that does not converge in ``MAX_SWEEPS`` sweeps, or holds NaN
    or inf, raises ``LinAlgError`` on every rank.  U's columns for zero
    singular values (rank-deficient A) are not completed to an orthonormal
    basis: they are the normalised rounding noise (or zero) that is left.

    Communication: one redistribution of A into column blocks; per round two
    Sendrecv ring shifts of at most one block (``(m + n) x n/(2P)``); per sweep
    one Allreduce of a scalar; at the end one Allgatherv of the norms and one
    redistribution of U and of V.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.dispatch.jacobi import jacobi_svd
    >>> [round(float(s), 9) for s in jacobi_svd(nd.asarray(np.diag([1.0, 3.0])), np.dtype(float), False, False).S]
    [3.0, 1.0]
    """
    comm = A.comm
    m, n = A.shape
    vectors = compute_v
    with np.errstate(all="ignore"):
        w, blocks, at = _start(A, dtype, vectors, diagonal)
        if _comm.any_rank(comm, not np.isfinite(w).all()):  # LAPACK's verdict on NaN/inf data
            raise LinAlgError("SVD did not converge")
        widths = [b.size for b in blocks]
        eps = float(np.finfo(dtype).eps)
        tol = max(m, n) * eps
        fro = math.sqrt(float(_comm.allreduce_scalar(comm, float(np.sum(np.abs(w[:m]) ** 2)))))
        tiny = max(m, n) * eps * fro
        w, at = _sweeps(comm, w, m, at, widths, tol, tiny)
        norms = np.linalg.norm(w[:m], axis=0)
        s, places = _sorted_columns(comm, norms, descending)
        U = V = None
        if compute_u:
            safe = np.where(norms > 0, norms, 1)
            U = _laid_out(comm, w[:m] / safe, places)
        if compute_v:
            V = _laid_out(comm, w[m:], places)
    return JacobiSVD(U, s.astype(np.finfo(dtype).dtype, copy=False), V)


# --------------------------------------------------------------------------
# eigh through the SVD of a shifted matrix
# --------------------------------------------------------------------------


def _conj_t(x: DistArray) -> DistArray:
    xt = np.matrix_transpose(x)
    return np.conjugate(xt) if x.dtype.kind == "c" else xt


def _replicated(x: DistArray) -> np.ndarray:
    return x.to_layout(Distribution.replicated_on(x.comm, x.shape)).local


def jacobi_eigh(A: DistArray, UPLO: str, dtype: np.dtype, vectors: bool) -> tuple[np.ndarray, DistArray | None]:
    """Eigenvalues (ascending, replicated) and eigenvectors (block columns) of the Hermitian matrix that
    the ``UPLO`` triangle of ``A`` stands for (LAPACK's reading: the other triangle and the diagonal's
    imaginary part are ignored).

    The one-sided Jacobi SVD of ``B = A + sigma I`` (``sigma`` from Gershgorin's
    theorem, so B is positive semidefinite): ``lambda = s - sigma``.
    Communication: one transpose (redistribution) for the mirrored triangle,
    a row-sum reduction and the diagonal (replicated, ``n`` values), then
    :func:`jacobi_svd`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.dispatch.jacobi import jacobi_eigh
    >>> w, _ = jacobi_eigh(nd.asarray(np.diag([2.0, -1.0])), "L", np.dtype(float), False)
    >>> [round(float(v), 9) for v in w]
    [-1.0, 2.0]
    """
    strict = np.tril(A, -1) if UPLO == "L" else np.triu(A, 1)
    h = np.add(strict, _conj_t(strict))  # zero diagonal: the diagonal travels separately
    d = _replicated(np.diagonal(A)).real.astype(np.finfo(dtype).dtype)
    radii = _replicated(np.sum(np.abs(h), axis=1))
    if np.isnan(radii).any() or np.isnan(d).any():  # (replicated values: the same verdict on every rank)
        raise LinAlgError("Eigenvalues did not converge")
    if not (np.isfinite(radii).all() and np.isfinite(d).all()):  # LAPACK's answer to inf: NaN everywhere
        n = A.shape[0]
        nan_v = DistArray._new(np.full((n, n), np.nan, dtype), Distribution.replicated_on(A.comm, (n, n)))
        return np.full(n, np.nan, np.finfo(dtype).dtype), nan_v if vectors else None
    sigma = float(max(0.0, np.max(radii - d, initial=0.0)))
    res = jacobi_svd(h, dtype, compute_u=False, compute_v=vectors, descending=False, diagonal=d + sigma)
    return res.S - res.S.dtype.type(sigma), res.V
