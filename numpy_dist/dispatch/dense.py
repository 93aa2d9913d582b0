"""Dense factorisations of one large square matrix: blocked LU with partial pivoting, blocked Cholesky.

The matrix is moved (one redistribution) into a *block-cyclic row* layout:
rows in blocks of ``nb`` dealt round all P ranks (``CyclicMap(n, P, nb)``),
columns whole.  Every rank then holds about ``n^2 / P`` elements, and each
block row ``k`` (the rows of panel ``k``) lives on rank ``k % P``.

* **LU** (right-looking, as LAPACK's ``getrf``): for each panel of ``nb``
  columns, every column's pivot is searched with one small Allgather per
  column (each rank offers its best candidate row of the panel, and the owner
  of the diagonal row offers that row, so the swap needs no further message);
  the panel's row interchanges are then applied to the other columns by one
  Alltoallv of at most ``2 nb`` rows between their owners; the owner of the
  block row computes ``U12 = L11^-1 A12`` and broadcasts it (``nb x n``); every
  rank updates its rows of the trailing matrix with one local GEMM.
  Pivots follow LAPACK's rule (largest ``|re| + |im|``, first on ties), and an
  exactly zero pivot marks the matrix singular (LAPACK's ``info > 0``).  The
  panel is factored recursively (as ``getrf2``), so most of its work is GEMM.
  ``PIVOTING = "tournament"`` (opt-in) replaces the per-column search by
  tournament pivoting (CALU): each rank picks candidate rows of the panel by
  partial pivoting on its own rows, one Allgather per panel brings the
  candidates to every rank, and partial pivoting on them picks the pivots.
  That is ``nb`` times fewer synchronisations (it pays off where latency is
  high, such as an oversubscribed machine); results match NumPy to rounding,
  though the pivot order can differ from LAPACK's.
* **Triangular solves**: block forward and back substitution; per block the
  owner solves its ``nb x k`` diagonal system and broadcasts the result.
* **Cholesky** (right-looking, lower triangle only, as ``potrf``): the owner
  factors the diagonal block and broadcasts it (with a success flag, so a
  matrix that is not positive definite fails on every rank at once); each
  rank forms its rows of ``L21``; one Allgatherv gives every rank the panel
  (``(n - k) x nb``) for the trailing update of its rows (lower part only).

Memory per rank: the local share ``n^2 / P`` plus ``O(n nb)`` for the panel
and broadcast buffers; the matrix is never gathered.  No loop runs over
elements: the Python loops are over panels, over the columns of a panel and
over ranks.

Matrices with ``n <= SMALL_N`` (and every matrix on one rank, when
``LOCAL_SINGLE_RANK``) take the simple path: the matrix is replicated and
NumPy solves it on every rank.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..exchange import exchange
from ..maps import CyclicMap, UnstructuredMap
from ._layout import layout

__all__ = ["NB", "SMALL_N", "LOCAL_SINGLE_RANK", "PIVOTING", "LUFactors", "lu_factor", "lu_solve", "lu_inv",
           "lu_slogdet", "cholesky_lower", "rows_layout", "use_kernels"]

NB = 64  # block size of the block-cyclic row layout (panel width)
SMALL_N = 128  # n <= SMALL_N: replicate the matrix and let NumPy solve it on every rank
LOCAL_SINGLE_RANK = True  # on one rank the whole matrix is local: call NumPy directly
LinAlgError = np.linalg.LinAlgError
_CHUNK = 1 << 20  # bytes of the trailing-update temporary per GEMM call
_LEAF = 8  # panel columns factored by rank-1 updates below the recursion
PIVOTING = "partial"  # or "tournament": one Allgather per panel instead of one per column (CALU)


def _quiet(func: Any) -> Any:
    """Run a kernel with NumPy's floating-point errors ignored: a user's ``np.seterr(all="raise")`` must
    not raise on the ranks whose rows overflow and leave the others waiting (NumPy's own linalg
    ignores them too; singularity is reported from the pivots, identically on every rank)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper


def use_kernels(comm: Any, n: int) -> bool:
    """Whether an ``n x n`` matrix goes to the distributed kernels (metadata only: same on every rank)."""
    if comm.Get_size() == 1 and LOCAL_SINGLE_RANK:
        return False
    return n > SMALL_N


def rows_layout(comm: Any, shape: tuple[int, ...], nb: int) -> Distribution:
    """``shape`` with axis 0 block-cyclic (block ``nb``) over all ranks, other axes whole."""
    return layout(comm, shape, 0, CyclicMap(shape[0], comm.Get_size(), max(1, nb)))


def _solve_tri(t: np.ndarray, b: np.ndarray, lower: bool, unit: bool) -> np.ndarray:
    """Solve with the triangle of a small ``nb x nb`` block: its inverse times ``b`` (one GEMM).

    NumPy has no trsm; inverting the diagonal block and multiplying is how
    GPU LAPACKs do blocked triangular solves, and it is 5x faster here than
    ``np.linalg.solve`` on a wide ``b``.  The blocks are well scaled: unit
    lower factors of partial pivoting (``|l| <= 1``), or diagonal blocks of
    U and of a Cholesky factor.
    """
    m = np.tril(t, -1) if lower else np.triu(t)
    if unit:
        m.flat[:: m.shape[0] + 1] = 1
    try:
        return np.linalg.inv(m) @ b
    except LinAlgError:  # NaN/inf data: NumPy's answer is NaN too; never raise on one rank only
        return np.full(np.broadcast_shapes(b.shape), np.nan, dtype=np.result_type(m, b))


def _minus_product(target: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
    """``target -= left @ right`` in row chunks, so the product's temporary stays cache-sized (not a share)."""
    step = max(16, _CHUNK // max(1, right.shape[1] * target.itemsize))
    for r0 in range(0, target.shape[0], step):
        target[r0:r0 + step] -= left[r0:r0 + step] @ right


def _own_block(x: DistArray, dist: Distribution, dtype: np.dtype) -> np.ndarray:
    """``x``'s block in ``dist`` as a writable C-ordered array of ``dtype`` that aliases nothing of ``x``
    (the factorisation overwrites it); copied only when the move did not already make a fresh one."""
    block = x.to_layout(dist).local
    if block is x.local or block.dtype != dtype or not block.flags.c_contiguous:
        block = np.array(block, dtype=dtype, order="C", copy=True)
    return block


def _magnitude(x: np.ndarray) -> np.ndarray:
    """LAPACK's pivot magnitude: |x|, or |re| + |im| for complex (``izamax``)."""
    if x.dtype.kind == "c":
        return np.abs(x.real) + np.abs(x.imag)
    return np.abs(x)


class LUFactors(NamedTuple):
    """``P A = L U`` in block-cyclic rows: ``local`` holds L (unit, strictly lower) and U, rows ``rows``."""

    local: np.ndarray  # this rank's rows of the packed LU factors
    rows: np.ndarray  # their global indices (ascending)
    perm: np.ndarray  # (P A)[i] = A[perm[i]], replicated
    swaps: int  # number of row interchanges (the permutation's parity)
    singular: bool  # an exact zero pivot (LAPACK info > 0)
    dist: Distribution  # the block-cyclic row layout of A
    nb: int


# --------------------------------------------------------------------------
# LU with partial pivoting
# --------------------------------------------------------------------------


def _panel(comm: Any, pan: np.ndarray, prow: np.ndarray, k0: int, n: int) -> tuple[np.ndarray, bool]:
    """Factor the tall panel in place: ``pan`` = this rank's rows with global index >= k0, panel columns.

    Recursive, as LAPACK's ``getrf2``: factor the left half, update the right
    half with one GEMM, factor the right half.  The pivot search is one
    Allgather per column that carries every rank's best candidate row and
    the current diagonal row, so the swap needs nothing else; every rank
    records the chosen rows, and the records hold exactly the ``L11`` and
    ``A12`` each recursion level needs for its ``U12 = L11^-1 A12`` (so the
    panel needs no other message).  Returns the global pivot row of each
    column and whether a pivot was exactly zero.
    """
    w = pan.shape[1]
    rec_t = np.dtype([("v", "f8"), ("g", "i8"), ("hasj", "i8"), ("row", pan.dtype, (w,)), ("rowj", pan.dtype, (w,))])
    piv = np.empty(w, dtype=np.int64)
    chosen = np.zeros((w, w), dtype=pan.dtype)  # the pivot rows as they were chosen (identical on every rank)
    zero = [False]
    rec = np.zeros((), dtype=rec_t)
    r_v, r_g, r_hasj, r_row, r_rowj = (rec[f] for f in ("v", "g", "hasj", "row", "rowj"))  # views into rec
    me = comm.Get_rank()
    end = 0  # the end of the current leaf

    def column(c: int) -> None:
        j = k0 + c
        s = int(np.searchsorted(prow, j))  # my first row at or below the diagonal
        if s < prow.size:
            mag = _magnitude(pan[s:, c])
            i = int(mag.argmax())
            r_v[...], r_g[...], r_row[...] = mag[i], prow[s + i], pan[s + i]
        else:
            r_v[...], r_g[...] = -1.0, n
        own_j = s < prow.size and prow[s] == j
        r_hasj[...] = own_j
        if own_j:
            r_rowj[...] = pan[s]
        allr = _comm.allgather_fixed(comm, rec)
        v = allr["v"]
        best = np.flatnonzero(v == v.max())
        if best.size == 0:  # NaN magnitudes: take the first NaN candidate
            best = np.flatnonzero(np.isnan(v))
        win = int(best[0]) if best.size == 1 else int(best[np.argmin(allr["g"][best])])
        p = int(allr["g"][win])
        chosen[c] = allr["row"][win]
        piv[c] = p
        if p != j:
            if own_j:
                pan[s] = chosen[c]
            if win == me:
                pan[int(np.searchsorted(prow, p))] = allr["rowj"][int(allr["hasj"].argmax())]
        pivot = chosen[c, c]
        if pivot == 0:  # the whole column is zero below the diagonal: nothing to eliminate (LAPACK goes on)
            zero[0] = True
            return
        t = s + 1 if own_j else s
        if t < prow.size:
            pan[t:, c] /= pivot
            if c + 1 < end:  # rank-1 update of the rest of the leaf
                pan[t:, c + 1:end] -= np.multiply.outer(pan[t:, c], chosen[c, c + 1:end])

    def factor(c0: int, c1: int) -> None:
        nonlocal end
        if c1 - c0 <= _LEAF:
            end = c1
            for c in range(c0, c1):
                column(c)
            return
        mid = (c0 + c1) // 2
        factor(c0, mid)
        # The chosen rows hold L11 (left of their diagonal) and A12 (right of mid, untouched since c0).
        u12 = _solve_tri(chosen[c0:mid, c0:mid], chosen[c0:mid, mid:c1], lower=True, unit=True)
        lo, hi = np.searchsorted(prow, [k0 + c0, k0 + mid])
        if hi > lo:  # my pivot rows (the owner of this block row) store U12
            pan[lo:hi, mid:c1] = u12[prow[lo:hi] - (k0 + c0)]
        if hi < prow.size:
            pan[hi:, mid:c1] -= pan[hi:, c0:mid] @ u12
        factor(mid, c1)

    if w:
        factor(0, w)
    return piv, zero[0]


def _gepp(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Partial-pivoting LU of a local ``rows x w`` block (on a copy), recursive as :func:`_panel`.

    Returns the chosen rows (positions in ``m``, in pivot order) and their packed ``L \\ U``.
    """
    x = np.array(m, copy=True)
    order = np.arange(x.shape[0])
    k = min(x.shape)

    def leaf(c0: int, c1: int) -> None:
        for c in range(c0, min(c1, k)):
            i = c + int(_magnitude(x[c:, c]).argmax())
            if i != c:
                x[[c, i]] = x[[i, c]]
                order[[c, i]] = order[[i, c]]
            if x[c, c] != 0:
                x[c + 1:, c] /= x[c, c]
                x[c + 1:, c + 1:c1] -= np.multiply.outer(x[c + 1:, c], x[c, c + 1:c1])

    def factor(c0: int, c1: int) -> None:
        if c1 - c0 <= _LEAF:
            leaf(c0, c1)
            return
        mid = (c0 + c1) // 2
        factor(c0, mid)
        x[c0:mid, mid:c1] = _solve_tri(x[c0:mid, c0:mid], x[c0:mid, mid:c1], lower=True, unit=True)
        x[mid:, mid:c1] -= x[mid:, c0:mid] @ x[c0:mid, mid:c1]
        factor(mid, c1)

    if x.shape[0] >= x.shape[1]:
        factor(0, x.shape[1])
    else:  # fewer rows than columns (a rank's last rows): plain right-looking
        leaf(0, x.shape[1])
    return order[:k], x[:k]


def _tournament(comm: Any, pan: np.ndarray, prow: np.ndarray, k0: int) -> tuple[np.ndarray, np.ndarray]:
    """Tournament pivoting (CALU, Grigori, Demmel, Xiang 2011) of the panel: one Allgather per panel.

    Each rank picks ``w`` candidate rows by partial pivoting on its own rows
    of the panel; every rank then runs partial pivoting on the stacked
    candidates (ordered by global row, so ties go to the lowest row) and gets
    the same ``w`` pivot rows and their packed ``L11 \\ U11``.  Returns the
    pivot rows (global, as original rows) and ``L11 \\ U11``.
    """
    w = pan.shape[1]
    rec_t = np.dtype([("cnt", "i8"), ("g", "i8", (w,)), ("rows", pan.dtype, (w, w))])
    rec = np.zeros((), dtype=rec_t)
    if pan.shape[0]:
        idx, _ = _gepp(pan)
        rec["cnt"] = idx.size
        rec["g"][: idx.size] = prow[idx]
        rec["rows"][: idx.size] = pan[idx]
    allr = _comm.allgather_fixed(comm, rec)
    keep = np.arange(w)[None, :] < allr["cnt"][:, None]
    g = allr["g"][keep]
    cand = allr["rows"][keep]
    o = np.argsort(g, kind="stable")
    chosen, lu11 = _gepp(cand[o])
    return g[o][chosen], lu11


def _positions(k0: int, chosen: np.ndarray) -> np.ndarray:
    """LAPACK-style interchanges (``j <-> piv[j - k0]``, current positions) that bring the original rows
    ``chosen`` to positions ``k0, k0 + 1, ...`` in turn."""
    at: dict[int, int] = {}  # position -> original row now there (identity when absent)
    where: dict[int, int] = {}  # original row -> its position (identity when absent)
    piv = np.empty(chosen.size, dtype=np.int64)
    for c, g in enumerate(chosen.tolist()):
        j = k0 + c
        p = where.get(g, g)
        piv[c] = p
        if p != j:
            gj = at.get(j, j)
            at[j], at[p] = g, gj
            where[g], where[gj] = j, p
    return piv


def _swap_rows(comm: Any, a: np.ndarray, rows: np.ndarray, cmap: CyclicMap, piv: np.ndarray, k0: int, k1: int,
               perm: np.ndarray, whole: bool = False) -> int:
    """Apply the panel's interchanges ``j <-> piv[j - k0]`` to the columns outside the panel (all when ``whole``).

    The interchanges are composed first, so each row moves once: one
    Alltoallv of at most ``2 nb`` rows between their owners (skipped when
    every moved row stays on its rank).  Updates ``perm``; returns the
    number of interchanges.
    """
    n = a.shape[1]
    involved = np.unique(np.concatenate([np.arange(k0, k1), piv]))
    where = {int(r): i for i, r in enumerate(involved)}
    src = involved.copy()  # src[i]: the row whose contents end at involved[i]
    swaps = 0
    for c, p in enumerate(piv.tolist()):
        j = k0 + c
        if p != j:
            swaps += 1
            a_, b_ = where[j], where[p]
            src[a_], src[b_] = src[b_], src[a_]
            perm[[j, p]] = perm[[p, j]]
    moved = src != involved
    dst, src = involved[moved], src[moved]
    if dst.size == 0:
        return swaps
    me, P = comm.Get_rank(), comm.Get_size()
    od, os_ = cmap.owners(dst), cmap.owners(src)
    pos = lambda g: cmap.local_positions(g)  # noqa: E731 - local row of a global row on its owner
    outside = np.arange(n) if whole else np.r_[0:k0, k1:n]
    # Rows that stay on this rank are read before anything is written.
    stay = np.flatnonzero((od == me) & (os_ == me))
    stay_data = a[pos(src[stay])][:, outside] if stay.size else None
    remote = od != os_
    if remote.any():  # known on every rank alike: all or none enter the collective
        send_sel = np.flatnonzero((os_ == me) & remote)
        send_sel = send_sel[np.argsort(od[send_sel], kind="stable")]
        recv_sel = np.flatnonzero((od == me) & remote)
        recv_sel = recv_sel[np.argsort(os_[recv_sel], kind="stable")]
        scount = np.bincount(od[send_sel], minlength=P).astype(np.int64)
        rcount = np.bincount(os_[recv_sel], minlength=P).astype(np.int64)  # both sides know the moves
        recv_rows = exchange(comm, a[pos(src[send_sel])][:, outside], scount, rcount).data
        if recv_sel.size:
            lr = pos(dst[recv_sel])
            a[lr[:, None], outside[None, :]] = recv_rows
    if stay.size:
        a[pos(dst[stay])[:, None], outside[None, :]] = stay_data
    return swaps


def _to_cyclic_rows(A: DistArray, dtype: np.dtype, nb: int) -> tuple[Distribution, np.ndarray, np.ndarray, Any]:
    """A moved into block-cyclic rows of ``nb``: the layout, this rank's block, its global rows, the row map."""
    dist = rows_layout(A.comm, A.shape, nb)
    return dist, _own_block(A, dist, dtype), dist.local_indices(0), dist.maps[0]


@_quiet
def lu_factor(A: DistArray, dtype: np.dtype, nb: int | None = None) -> LUFactors:
    """Distributed LU with partial pivoting of the square DistArray ``A`` (computed in ``dtype``).

    Communication: one redistribution of A into block-cyclic rows; per
    column one Allgather of P candidate rows of the panel; per panel one
    Alltoallv of the interchanged rows and one Bcast of ``U12`` (``nb x n``).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.dispatch.dense import lu_factor
    >>> f = lu_factor(nd.asarray(np.eye(3)), np.dtype(np.float64), nb=2)
    >>> f.singular
    False
    """
    comm = A.comm
    n = A.shape[0]
    nb = max(1, NB if nb is None else int(nb))
    dist, a, rows, cmap = _to_cyclic_rows(A, dtype, nb)
    me = comm.Get_rank()
    perm = np.arange(n, dtype=np.int64)
    swaps, singular = 0, False
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        s0 = int(np.searchsorted(rows, k0))
        owner = int(cmap.owners(np.array([k0]))[0])
        if PIVOTING == "tournament":
            chosen, lu11 = _tournament(comm, a[s0:, k0:k1], rows[s0:], k0)
            swaps += _swap_rows(comm, a, rows, cmap, _positions(k0, chosen), k0, k1, perm, whole=True)
            u11 = np.triu(lu11)
            d = np.diagonal(u11)
            if (d == 0).any():
                singular = True
                u11 = u11 + np.diag((d == 0).astype(u11.dtype))  # keep going (the result is discarded)
            if owner == me:
                a[s0:s0 + k1 - k0, k0:k1] = lu11
            t1 = int(np.searchsorted(rows, k1))
            if t1 < rows.size:  # L21 = A21 U11^-1
                a[t1:, k0:k1] = a[t1:, k0:k1] @ np.linalg.inv(u11)
        else:
            pan = np.ascontiguousarray(a[s0:, k0:k1])
            piv, zero = _panel(comm, pan, rows[s0:], k0, n)
            a[s0:, k0:k1] = pan
            del pan
            singular |= zero
            swaps += _swap_rows(comm, a, rows, cmap, piv, k0, k1, perm)
        if k1 == n:
            break
        u12 = np.empty((k1 - k0, n - k1), dtype=a.dtype)
        if owner == me:
            lk = s0  # my rows k0..k1-1 come first among my rows >= k0
            u12[...] = _solve_tri(a[lk:lk + k1 - k0, k0:k1], a[lk:lk + k1 - k0, k1:], lower=True, unit=True)
            a[lk:lk + k1 - k0, k1:] = u12
        _comm.bcast_buffer(comm, u12, root=owner)
        t1 = int(np.searchsorted(rows, k1))
        _minus_product(a[t1:, k1:], a[t1:, k0:k1], u12)
    return LUFactors(a, rows, perm, swaps, singular, dist, nb)


def _substitute(comm: Any, f: LUFactors, x: np.ndarray) -> np.ndarray:
    """Solve ``L U x = x`` in place for the right-hand sides ``x`` (my rows of them, block-cyclic)."""
    n, nb, rows, a = f.local.shape[1], f.nb, f.rows, f.local
    cmap = f.dist.maps[0]
    me = comm.Get_rank()
    k = x.shape[1]
    starts = list(range(0, n, nb))
    for k0 in starts:  # forward: L y = b
        k1 = min(k0 + nb, n)
        owner = int(cmap.owners(np.array([k0]))[0])
        y = np.empty((k1 - k0, k), dtype=x.dtype)
        if owner == me:
            lk = int(np.searchsorted(rows, k0))
            y[...] = _solve_tri(a[lk:lk + k1 - k0, k0:k1], x[lk:lk + k1 - k0], lower=True, unit=True)
            x[lk:lk + k1 - k0] = y
        if k1 == n:
            break
        _comm.bcast_buffer(comm, y, root=owner)
        t1 = int(np.searchsorted(rows, k1))
        _minus_product(x[t1:], a[t1:, k0:k1], y)
    for k0 in reversed(starts):  # backward: U x = y
        k1 = min(k0 + nb, n)
        owner = int(cmap.owners(np.array([k0]))[0])
        z = np.empty((k1 - k0, k), dtype=x.dtype)
        if owner == me:
            lk = int(np.searchsorted(rows, k0))
            z[...] = _solve_tri(a[lk:lk + k1 - k0, k0:k1], x[lk:lk + k1 - k0], lower=False, unit=False)
            x[lk:lk + k1 - k0] = z
        if k0 == 0:
            break
        _comm.bcast_buffer(comm, z, root=owner)
        t0 = int(np.searchsorted(rows, k0))
        _minus_product(x[:t0], a[:t0, k0:k1], z)
    return x


def _permuted_rows(f: LUFactors, shape: tuple[int, ...]) -> Distribution:
    """Block-cyclic rows of ``P b``: rank q holds the rows ``perm[cyclic rows of q]`` of b."""
    d = rows_layout(f.dist.comm, shape, f.nb)
    cmap = d.maps[0]
    umap = UnstructuredMap([f.perm[cmap.local_indices(q)] for q in range(cmap.grid_size)])
    return d.with_maps([umap] + list(d.maps[1:]), d.axis_grid)


@_quiet
def lu_solve(f: LUFactors, B: DistArray, dtype: np.dtype, out_dist: Distribution) -> DistArray:
    """``A^-1 B`` from the factors (``B`` 1-d or 2-d with ``n`` rows), laid out as ``out_dist``.

    Communication: one redistribution of B (into the permuted block-cyclic
    rows), ``2 n / nb`` Bcasts of ``nb x k`` blocks, one redistribution of
    the result into ``out_dist``.
    """
    comm = B.comm
    vec = B.ndim == 1
    shape2 = (B.shape[0], 1) if vec else B.shape
    pd = _permuted_rows(f, B.shape)
    x = _own_block(B, pd, dtype).reshape(-1, shape2[1])
    _substitute(comm, f, x)
    cd = rows_layout(comm, B.shape, f.nb)
    X = DistArray._new(x.reshape(cd.local_shape), cd)
    return DistArray._new(X.to_layout(out_dist).local, out_dist)


@_quiet
def lu_inv(f: LUFactors, out_dist: Distribution) -> DistArray:
    """``A^-1`` from the factors, laid out as ``out_dist``: ``L U X = P`` (P built locally).

    Communication: ``2 n / nb`` Bcasts of ``nb x n`` blocks and one
    redistribution of the result.
    """
    comm = f.dist.comm
    n = f.local.shape[1]
    x = np.zeros(f.local.shape, dtype=f.local.dtype)
    x[np.arange(f.rows.size), f.perm[f.rows]] = 1  # my rows of P (P A = L U)
    _substitute(comm, f, x)
    X = DistArray._new(x, f.dist)
    return DistArray._new(X.to_layout(out_dist).local, out_dist)


@_quiet
def lu_slogdet(f: LUFactors, sign_dtype: np.dtype, log_dtype: np.dtype) -> tuple[Any, Any]:
    """(sign, log|det|) from the factors, bit-identical on every rank (partials combined in rank order).

    Communication: one Allgather of two numbers per rank.
    """
    comm = f.dist.comm
    if f.singular:
        return sign_dtype.type(0), log_dtype.type(-np.inf)
    d = f.local[np.arange(f.rows.size), f.rows]
    absd = np.abs(d)
    rec = np.zeros(2, dtype=np.complex128)
    rec[0] = np.prod(d / absd) if d.size else 1.0
    rec[1] = np.sum(np.log(absd)) if d.size else 0.0
    parts = _comm.allgather_fixed(comm, rec)
    sign = complex(1.0)
    logdet = 0.0
    for s, lg in parts.tolist():
        sign *= s
        logdet += lg.real
    if f.swaps % 2:
        sign = -sign
    if sign_dtype.kind == "c":
        return sign_dtype.type(sign), log_dtype.type(logdet)
    return sign_dtype.type(sign.real), log_dtype.type(logdet)


# --------------------------------------------------------------------------
# Cholesky
# --------------------------------------------------------------------------


@_quiet
def cholesky_lower(A: DistArray, dtype: np.dtype, out_dist: Distribution | None, nb: int | None = None) -> DistArray:
    """Lower Cholesky factor of the Hermitian positive-definite DistArray ``A`` (its lower triangle is used).

    Raises LinAlgError("Matrix is not positive definite") on every rank.
    Communication: one redistribution of A into block-cyclic rows; per panel
    one Bcast of the ``nb x nb`` diagonal factor (with a success flag) and
    one Allgatherv of the panel ``L21`` (``(n - k) x nb``); one
    redistribution of the result into ``out_dist`` (None: the result stays
    in block-cyclic rows).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.dispatch.dense import cholesky_lower
    >>> A = nd.asarray(4 * np.eye(3))
    >>> nd.asnumpy(cholesky_lower(A, np.dtype(float), A.distribution, nb=2)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]
    """
    comm = A.comm
    n = A.shape[0]
    nb = max(1, NB if nb is None else int(nb))
    dist, a, rows, cmap = _to_cyclic_rows(A, dtype, nb)
    me, P = comm.Get_rank(), comm.Get_size()
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        w = k1 - k0
        owner = int(cmap.owners(np.array([k0]))[0])
        buf = np.zeros(w * w + 1, dtype=a.dtype)  # the factor, then a success flag
        lk = int(np.searchsorted(rows, k0))
        if owner == me:
            try:
                buf[:-1] = np.linalg.cholesky(a[lk:lk + w, k0:k1]).reshape(-1)
                buf[-1] = 1
            except LinAlgError:
                buf[-1] = 0
        _comm.bcast_buffer(comm, buf, root=owner)
        if buf[-1] != 1:
            raise LinAlgError("Matrix is not positive definite")
        l11 = buf[:-1].reshape(w, w)
        if owner == me:
            a[lk:lk + w, k0:k1] = l11
        if k1 == n:
            break
        t1 = int(np.searchsorted(rows, k1))
        mine = a[t1:, k0:k1]
        if mine.size:  # L21 = A21 L11^-H
            mine[...] = mine @ np.linalg.inv(l11).conj().T
        pieces = _comm.allgather_array(comm, mine) if P > 1 else [mine]
        panel = np.empty((n - k1, w), dtype=a.dtype)
        for q, piece in enumerate(pieces):
            gq = cmap.local_indices(q)
            panel[gq[gq >= k1] - k1] = piece
        panel_h = panel.conj().T
        # Trailing update of my rows, lower part only: row block [r0, r1) needs columns k1..r1.
        for b0 in range(t1, rows.size, nb):
            b1 = min(b0 + nb, rows.size)
            r1 = int(rows[b1 - 1]) + 1
            a[b0:b1, k1:r1] -= a[b0:b1, k0:k1] @ panel_h[:, :r1 - k1]
    # Zero the strict upper triangle (NumPy returns a clean lower factor).
    for b0 in range(0, rows.size, nb):
        b1 = min(b0 + nb, rows.size)
        blk = a[b0:b1]
        blk[np.arange(n)[None, :] > rows[b0:b1, None]] = 0
    L = DistArray._new(a, dist)
    if out_dist is None:
        return L
    return DistArray._new(L.to_layout(out_dist).local, out_dist)
