"""Blocked Householder QR of one distributed matrix that is neither tall-skinny nor short-fat.

The matrix is moved (one redistribution) into the block-cyclic row layout of
the dense LU (:func:`.dense.rows_layout`: rows in blocks of ``nb`` dealt round
all P ranks, columns whole), so every rank holds about ``m n / P`` elements
and the active rows stay balanced as the factorisation proceeds.

For each panel of ``nb`` columns (right-looking, as LAPACK's ``geqrf``):

1. one Allgatherv brings the panel's active rows (``(m - k) x nb``) to every
   rank, and every rank factors it with LAPACK (``geqrf`` through NumPy's
   ``qr(mode="raw")``): the Householder vectors ``V`` and scalars ``tau``.
   The reflectors are LAPACK's own (``beta = -sign(alpha) ||x||``), so R has
   NumPy's signs and matches ``np.linalg.qr`` to rounding;
2. every rank forms the small triangular factor ``T`` of the compact WY form
   ``H_1 ... H_nb = I - V T V^H`` (as ``larft``);
3. the trailing columns are updated, ``C <- C - V T^H (V^H C)``: each rank
   forms its rows' part of ``V^H C`` (``nb x (n - k)``), one Allreduce sums
   them, and each rank updates its own rows with one GEMM.

Each rank keeps its rows of R (upper part) and of V (strictly below the
diagonal) in its block, as ``geqrf`` does.  Q is formed afterwards by applying
the panels' reflectors in reverse order to the identity's rows (``orgqr``):
one Allreduce of ``nb x (columns)`` per panel.

Memory per rank: the local share ``m n / P``, Q's share, and ``O((m + n) nb)``
for the panel and the reduced products; the matrix is never gathered.

Matrices with ``max(m, n) <= SMALL_N`` (and every matrix on one rank, when
``LOCAL_SINGLE_RANK``) are replicated and NumPy factors them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from . import dense as _dense

__all__ = ["NB", "SMALL_N", "LOCAL_SINGLE_RANK", "use_kernel", "householder_qr"]

NB = 64  # panel width (the block of the block-cyclic rows)
SMALL_N = 128  # max(m, n) <= SMALL_N: replicate the matrix and let NumPy factor it on every rank
LOCAL_SINGLE_RANK = True  # on one rank the whole matrix is local: call NumPy directly


class _Panel(NamedTuple):
    k0: int  # first column (and first active row) of the panel
    k1: int  # one past its last column
    T: np.ndarray  # the compact WY factor, (k1 - k0) x (k1 - k0)


def use_kernel(comm: Any, shape: tuple[int, int]) -> bool:
    """Whether an ``m x n`` matrix goes to the distributed kernel (metadata only: same on every rank)."""
    if comm.Get_size() == 1 and LOCAL_SINGLE_RANK:
        return False
    return max(shape) > SMALL_N and min(shape) > 0


def _wy_factor(v: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``T`` with ``H_1 ... H_w = I - V T V^H`` (forward, columnwise, as LAPACK's ``larft``)."""
    w = tau.size
    gram = v.conj().T @ v
    t = np.zeros((w, w), dtype=v.dtype)
    for i in range(w):
        t[:i, i] = -tau[i] * (t[:i, :i] @ gram[:i, i])
        t[i, i] = tau[i]
    return t


def _reflectors(block: np.ndarray, rows: np.ndarray, k0: int, k1: int) -> np.ndarray:
    """My rows (global indices ``rows``) of the unit lower trapezoidal ``V`` stored in ``block``'s columns."""
    cols = np.arange(k0, k1)
    below = rows[:, None] > cols[None, :]
    on = rows[:, None] == cols[None, :]
    return np.where(below, block, on.astype(block.dtype))


def _gather_panel(comm: Any, mine: np.ndarray, row_parts: list[np.ndarray], k0: int, m: int) -> np.ndarray:
    """The active rows ``k0..m`` of the panel on every rank, in global row order (one Allgatherv)."""
    parts = _comm.allgather_array(comm, mine)
    panel = np.empty((m - k0, mine.shape[1]), dtype=mine.dtype)
    for idx, part in zip(row_parts, parts):
        act = idx[idx >= k0]
        panel[act - k0] = part
    return panel


def _factor(comm: Any, a: np.ndarray, rows: np.ndarray, row_parts: list[np.ndarray], m: int, n: int,
            nb: int) -> list[_Panel]:
    """Overwrite my rows ``a`` of the matrix with R (upper) and V (strictly lower); the panels' T factors."""
    panels = []
    for k0 in range(0, min(m, n), nb):
        k1 = min(k0 + nb, min(m, n))
        s0 = int(np.searchsorted(rows, k0))
        panel = _gather_panel(comm, np.ascontiguousarray(a[s0:, k0:k1]), row_parts, k0, m)
        with _comm.agreed(comm):
            h, tau = np.linalg.qr(panel, mode="raw")
        h = h.T  # NumPy hands geqrf's (column-major) output back transposed
        a[s0:, k0:k1] = h[rows[s0:] - k0]  # R above the diagonal, V below, as geqrf stores them
        t = _wy_factor(np.tril(h, -1) + np.eye(*h.shape, dtype=h.dtype), tau.astype(h.dtype, copy=False))
        panels.append(_Panel(k0, k1, t))
        if k1 < n:
            v = _reflectors(a[s0:, k0:k1], rows[s0:], k0, k1)
            c = a[s0:, k1:]
            vc = _comm.allreduce_sum(comm, v.conj().T @ c)
            c -= v @ (t.conj().T @ vc)
    return panels


def _form_q(comm: Any, a: np.ndarray, rows: np.ndarray, panels: list[_Panel], ncols: int) -> np.ndarray:
    """My rows of ``Q = H_1 H_2 ... H_K`` times the first ``ncols`` columns of the identity (as ``orgqr``)."""
    q = (rows[:, None] == np.arange(ncols)[None, :]).astype(a.dtype)
    for p in reversed(panels):
        s0 = int(np.searchsorted(rows, p.k0))
        v = _reflectors(a[s0:, p.k0:p.k1], rows[s0:], p.k0, p.k1)
        sub = q[s0:, p.k0:]
        vq = _comm.allreduce_sum(comm, v.conj().T @ sub)
        sub -= v @ (p.T @ vq)
    return q


def householder_qr(A: DistArray, mode: str, dtype: np.dtype, nb: int | None = None) -> tuple[Any, DistArray]:
    """Blocked Householder QR of the 2-d DistArray ``A`` in ``dtype``: ``(Q or None, R)``.

    ``mode`` is ``"reduced"`` (Q ``m x K``, R ``K x n``), ``"complete"``
    (Q ``m x m``, R ``m x n``) or ``"r"`` (no Q).  Q and R are laid out in
    block-cyclic rows (R's rows below ``K`` are those of the layout's first
    ``K`` rows).

    Communication: one redistribution of A; per panel one Allgatherv of the
    panel's active rows and one Allreduce of ``nb x n``; forming Q one
    Allreduce of ``nb x (columns of Q)`` per panel.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.dispatch.householder import householder_qr
    >>> q, r = householder_qr(nd.asarray(np.eye(3)), "reduced", np.dtype(np.float64), nb=2)
    >>> nd.asnumpy(q @ r).tolist() == np.eye(3).tolist()
    True
    """
    comm = A.comm
    m, n = A.shape
    K = min(m, n)
    nb = max(1, NB if nb is None else int(nb))
    with np.errstate(all="ignore"):  # NaN/inf data: NumPy's answer is NaN too, never a one-rank warning
        dist, a, rows, cmap = _dense._to_cyclic_rows(A, dtype, nb)
        row_parts = [cmap.local_indices(r) for r in range(comm.Get_size())]
        panels = _factor(comm, a, rows, row_parts, m, n, nb)
        q = None if mode == "r" else _form_q(comm, a, rows, panels, m if mode == "complete" else K)
        a[rows[:, None] > np.arange(n)[None, :]] = 0  # R: the upper trapezoid (V's entries cleared)
    R = DistArray._new(a, dist)
    if mode != "complete" and K < m:
        R = R[:K]
    if q is None:
        return None, R
    return DistArray._new(q, _dense.rows_layout(comm, (m, q.shape[1]), nb)), R
