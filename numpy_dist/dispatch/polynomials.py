"""Polynomials: polyval, polyfit, the coefficient arithmetic (poly, polyadd ... roots), and
``numpy.polynomial.polynomial``'s polyval2d / polygrid2d.

* **Evaluation** (``polyval``, ``polyval2d``, ``polygrid2d``): the coefficients
  are small and held whole on every rank (a DistArray of coefficients is
  fetched by :func:`~numpy_dist.dispatch.fallback.gathered_operand`: silent up
  to 64 KiB, else announced); the evaluation points stay distributed and every
  rank runs NumPy's own Horner loop on its block, so values and dtypes are
  NumPy's.  ``polygrid2d`` lays its grid out along ``x``'s axes; ``y`` is held
  whole (fetched like the coefficients).
* **Fitting** (``polyfit``): each rank builds the Vandermonde rows of its own
  points, the column norms are summed over the ranks, and the scaled system is
  solved by the TSQR least squares of :mod:`.decompositions`; coefficients,
  residuals, singular values and the covariance are small and replicated.
* **Coefficient arithmetic** (``poly``, ``polyadd``, ``polysub``, ``polymul``,
  ``polydiv``, ``polyder``, ``polyint``, ``roots``): the operands are
  coefficient vectors (or, for ``poly``, a small square matrix), fetched whole;
  NumPy's function runs on them and array results come back as replicated
  DistArrays.  The eigenvalues ``roots`` and ``poly`` need come from rank 0
  (one LAPACK call, broadcast), so every rank holds the same bits.

Communication: polyval none (beyond fetching a DistArray ``p``); polyval2d none
(``y`` moved to ``x``'s layout if laid out otherwise); polygrid2d a fetch of
``y``; polyfit one move of the rows unless ``x``, ``y`` and ``w`` share a
row layout over all ranks, one allgather of ``deg + 1`` column sums, the TSQR
(one Allgatherv of R factors, one Bcast) plus two small allgathers, and with
``cov`` one allgather of the ``(deg + 1)^2`` Gram partials and one Bcast;
coefficient arithmetic a fetch of its DistArray operands (plus one Bcast of
the eigenvalues for roots and matrix poly).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
from numpy.polynomial import polynomial as _P

from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..maps import NoDistMap
from ._layout import axis_layout, comm_of, with_axis_map
from .decompositions import lstsq_tsqr
from .fallback import gathered_operand
from .operands import standin, template_distribution
from .protocol import fallback
from .registry import implements

__all__ = ["polyval", "polyfit", "poly", "roots", "polyadd", "polysub", "polymul", "polydiv", "polyder",
           "polyint", "polyval2d", "polygrid2d"]


def _replicated(x: np.ndarray, comm: Any) -> DistArray:
    """A NumPy array every rank computed alike, as a replicated DistArray (no communication)."""
    x = np.ascontiguousarray(x)
    return DistArray._new(x, Distribution.replicated_on(comm, x.shape))


def _small_result(result: Any, comm: Any) -> Any:
    """NumPy's result with its arrays as replicated DistArrays (poly1d objects and Python scalars unchanged)."""
    if isinstance(result, tuple):
        return tuple(_small_result(r, comm) for r in result)
    if isinstance(result, np.ndarray) and not isinstance(result, np.poly1d) and not result.dtype.hasobject:
        return _replicated(result, comm)
    return result


def _fetched(x: Any, name: str) -> Any:
    """A small operand whole on every rank (DistArrays, also inside lists, fetched under the gathered-operand policy).

    NumPy's ``roots`` and ``poly`` dispatch on the *items* of their argument,
    so they arrive here with a list of DistArrays rather than with one.
    """
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_fetched(item, name) for item in x)
    return gathered_operand(x, f"{name}'s coefficients")


def _lapack_on_root(comm: Any, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()`` (a LAPACK call: eigenvalues, an inverse) on rank 0, broadcast: every rank holds the same bits.

    A failure on rank 0 (``LinAlgError`` ...) is raised on every rank.
    """
    result = None
    with _comm.agreed(comm):
        if comm.Get_rank() == 0:
            result = np.asarray(compute())
    return _comm.bcast_array(comm, result)


def _probe(func: Any, *args: Any) -> None:
    """``func`` on stand-ins, for NumPy's own argument errors only (its warnings are not the call's)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        func(*args)


# --------------------------------------------------------------------------
# Coefficient arithmetic: small operands, NumPy on the fetched values
# --------------------------------------------------------------------------


def _on_coefficients(func: Any, name: str, args: tuple, kwargs: dict) -> Any:
    """NumPy's ``func`` on the fetched operands (alike on every rank), array results replicated."""
    comm = comm_of(*args, *kwargs.values())
    args = tuple(_fetched(a, name) for a in args)
    kwargs = {k: _fetched(v, name) for k, v in kwargs.items()}
    return _small_result(func(*args, **kwargs), comm)


@implements(np.polyadd)
def polyadd(a1, a2):
    """``np.polyadd`` of small coefficient vectors (DistArrays fetched whole); a replicated result.

    Communication: a fetch of each DistArray operand.
    """
    return _on_coefficients(np.polyadd, "numpy.polyadd", (a1, a2), {})


@implements(np.polysub)
def polysub(a1, a2):
    """``np.polysub`` of small coefficient vectors; a replicated result.  Communication: as :func:`polyadd`."""
    return _on_coefficients(np.polysub, "numpy.polysub", (a1, a2), {})


@implements(np.polymul)
def polymul(a1, a2):
    """``np.polymul`` of small coefficient vectors; a replicated result.  Communication: as :func:`polyadd`."""
    return _on_coefficients(np.polymul, "numpy.polymul", (a1, a2), {})


@implements(np.polydiv)
def polydiv(u, v):
    """``np.polydiv``: replicated quotient and remainder.  Communication: as :func:`polyadd`."""
    return _on_coefficients(np.polydiv, "numpy.polydiv", (u, v), {})


@implements(np.polyder)
def polyder(p, m=1):
    """``np.polyder`` of small coefficients; a replicated result.  Communication: a fetch of ``p``."""
    return _on_coefficients(np.polyder, "numpy.polyder", (p,), {"m": m})


@implements(np.polyint)
def polyint(p, m=1, k=None):
    """``np.polyint`` of small coefficients; a replicated result.  Communication: a fetch of ``p`` (and ``k``)."""
    return _on_coefficients(np.polyint, "numpy.polyint", (p,), {"m": m, "k": k})


@implements(np.roots)
def roots(p):
    """``np.roots``: the companion matrix's eigenvalues, computed on rank 0 and broadcast (replicated).

    Communication: a fetch of ``p``, one agreement, one Bcast of the roots.
    """
    comm = comm_of(p)
    p = _fetched(p, "numpy.roots")
    return _replicated(_lapack_on_root(comm, lambda: np.roots(p)), comm)


@implements(np.poly)
def poly(seq_of_zeros):
    """``np.poly`` of a small sequence of zeros, or of a small square matrix (its eigenvalues, from rank 0).

    Communication: a fetch of the operand; for a matrix one agreement and one Bcast of the eigenvalues.
    """
    comm = comm_of(seq_of_zeros)
    zeros = np.atleast_1d(_fetched(seq_of_zeros, "numpy.poly"))
    if zeros.ndim == 2 and zeros.shape[0] == zeros.shape[1] and zeros.shape[0] != 0:
        # NumPy's own step (poly of a matrix is poly of its eigenvalues), with the eigenvalues from one rank
        zeros = _lapack_on_root(comm, lambda: np.linalg.eigvals(zeros))
    return _small_result(np.poly(zeros), comm)


# --------------------------------------------------------------------------
# polyval: Horner on each rank's block of points
# --------------------------------------------------------------------------


def _horner(rows: list, x: np.ndarray) -> Any:
    """NumPy's polyval loop (``y = zeros_like(x); y = y * x + pv``) on local data: its dtypes exactly."""
    y = np.zeros_like(x)
    for pv in rows:
        y = y * x + pv
    return y


@implements(np.polyval)
def polyval(p, x):
    """``np.polyval`` at distributed points: NumPy's Horner loop on each rank's block.

    The coefficients ``p`` are small (a DistArray ``p`` is fetched whole); a
    2-d ``p`` (one polynomial per column) broadcasts against ``x`` as in NumPy.
    The result is laid out like ``x`` (or like its broadcast with ``p``'s rows).

    Communication: none, beyond fetching a DistArray ``p`` (and aligning ``x``
    when it must broadcast against ``p``'s rows along a distributed axis).
    """
    comm = comm_of(p, x)
    p = np.asarray(_fetched(p, "numpy.polyval"))
    if not isinstance(x, DistArray):  # points held whole on every rank: NumPy's result, replicated
        return _small_result(np.polyval(p, x), comm)
    _probe(np.polyval, p, standin(x))  # NumPy's errors (a 0-d p is not iterable ...), alike on every rank
    shape = np.broadcast_shapes(x.shape, *(np.shape(pv) for pv in p[:1]))
    dist = template_distribution(shape, [x])
    xl = aligned_block(x, dist)
    rows = [aligned_block(pv, dist) for pv in p]  # scalars (1-d p) pass unchanged: NEP 50 sees NumPy scalars
    local = _comm.agreed_call(comm, lambda: _horner(rows, xl), fp="polyval")
    return DistArray._new(np.asarray(local), dist)


# --------------------------------------------------------------------------
# polyfit: local Vandermonde rows, TSQR least squares
# --------------------------------------------------------------------------


def _inexact_dtype(x: Any) -> np.dtype:
    """The dtype of NumPy's ``asarray(x) + 0.0``."""
    dt = x.dtype if isinstance(x, (DistArray, np.ndarray)) else np.asarray(x).dtype
    return (np.zeros(0, dt) + 0.0).dtype


def _checked_fit_arguments(x: Any, y: Any, deg: Any, w: Any) -> int:
    """NumPy's polyfit checks, in NumPy's order, on global metadata; returns the order ``deg + 1``."""
    order = int(deg) + 1
    xdt, ydt = _inexact_dtype(x), _inexact_dtype(y)
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if np.ndim(x) != 1:
        raise TypeError("expected 1D vector for x")
    if np.size(x) == 0:
        raise TypeError("expected non-empty vector for x")
    if np.ndim(y) < 1 or np.ndim(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if np.shape(x)[0] != np.shape(y)[0]:
        raise TypeError("expected x and y to have same length")
    lhs = np.empty((0, order), xdt)
    rhs = np.empty((0,) + np.shape(y)[1:], ydt)
    if w is not None:
        wdt = _inexact_dtype(w)
        if np.ndim(w) != 1:
            raise TypeError("expected a 1-d array for weights")
        if np.shape(w)[0] != np.shape(y)[0]:
            raise TypeError("expected w and y to have the same length")
        lhs *= np.empty((0, 1), wdt)  # NumPy weights in place: its casting errors, before any message
        rhs *= np.empty((0, 1) if rhs.ndim == 2 else (0,), wdt)
    np.linalg.lstsq(np.ones((1, 1), xdt), np.ones((1,) + rhs.shape[1:], ydt))  # linalg's dtype errors
    return order


def _row_layout(x: Any, y: Any, w: Any) -> Distribution:
    """Layout of the ``M`` data points: each point on exactly one rank, rows of a DistArray operand kept."""
    template = next(a for a in (x, y, w) if isinstance(a, DistArray))
    return with_axis_map(axis_layout(template, 0), 0, (np.shape(x)[0],))


def _local_rows(a: Any, rows: Distribution) -> np.ndarray:
    """This rank's rows of ``a`` (NumPy data sliced; a DistArray moved when its rows are laid out otherwise)."""
    d = rows.extended(np.shape(a)[1:])
    if isinstance(a, DistArray):
        return a.to_layout(d).local
    return aligned_block(np.asarray(a), d)


def _summed_over_ranks(comm: Any, partial: np.ndarray) -> np.ndarray:
    """Per-rank partial sums added in rank order (one allgather): the same bits on every rank."""
    parts = _comm.allgather_array(comm, np.ascontiguousarray(partial))
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total


def _weighted_system(xl: np.ndarray, yl: np.ndarray, wl: np.ndarray | None, order: int) -> tuple[np.ndarray, ...]:
    """This rank's rows of NumPy's (weighted) ``vander(x, order)`` and ``y``, in NumPy's dtypes (local work)."""
    lhs = np.vander(xl + 0.0, order)
    rhs = yl + 0.0
    if wl is not None:
        wl = wl + 0.0
        lhs *= wl[:, np.newaxis]
        if rhs.ndim == 2:
            rhs *= wl[:, np.newaxis]
        else:
            rhs *= wl
    return lhs, rhs


def _fit_covariance(comm: Any, lhs: np.ndarray, scale: np.ndarray, resids: np.ndarray, m: int, order: int,
                    cov: Any, y_ndim: int) -> np.ndarray:
    """NumPy's ``inv(lhs.T @ lhs) / outer(scale, scale)`` times its residual factor (replicated)."""
    gram = _summed_over_ranks(comm, lhs.T @ lhs)
    Vbase = _lapack_on_root(comm, lambda: np.linalg.inv(gram))  # one rank's LAPACK bits, broadcast
    Vbase /= np.outer(scale, scale)
    if cov == "unscaled":
        fac = 1
    else:
        if m <= order:
            raise ValueError("the number of data points must exceed order to scale the covariance matrix")
        fac = resids / (m - order)
    if y_ndim == 1:
        return Vbase * fac
    return Vbase[:, :, np.newaxis] * fac


@implements(np.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """``np.polyfit`` of distributed points: local Vandermonde rows, TSQR least squares.

    Each rank builds the Vandermonde rows of its own points (weighted as NumPy
    does), the column norms NumPy scales by are summed over the ranks, and the
    scaled system is solved by :func:`~numpy_dist.dispatch.decompositions.lstsq_tsqr`.
    The coefficients (and with ``full``/``cov`` the residuals, rank, singular
    values, ``rcond`` and covariance) are small and replicated; NumPy's
    ``RankWarning`` is issued on every rank alike.

    Communication: one move of the rows unless ``x``, ``y``, ``w`` share a row
    layout over all ranks; one allgather of ``deg + 1`` column sums; the TSQR
    solve; with ``cov`` one allgather of ``(deg + 1)^2`` Gram partials and one Bcast.
    """
    comm = comm_of(x, y, w)
    order = _checked_fit_arguments(x, y, deg, w)
    m = np.shape(x)[0]
    if rcond is None:
        rcond = m * np.finfo(_inexact_dtype(x)).eps
    rows = _row_layout(x, y, w)
    xl, yl = _local_rows(x, rows), _local_rows(y, rows)  # moves first: the agreed block below is local
    wl = None if w is None else _local_rows(w, rows)
    lhs, rhs = _comm.agreed_call(comm, lambda: _weighted_system(xl, yl, wl, order), fp="polyfit")
    scale = np.sqrt(_summed_over_ranks(comm, (lhs * lhs).sum(axis=0)))
    with _comm.agreed(comm, fp="polyfit"):
        lhs /= scale
    A = DistArray._new(lhs, rows.extended((order,)))
    B = DistArray._new(rhs, rows.extended(rhs.shape[1:]))
    c, resids, rank, s = lstsq_tsqr(A, B, rcond)
    c = (c.T / scale).T  # broadcast scale coefficients
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=4)
    if full:
        return _replicated(c, comm), _replicated(resids, comm), rank, _replicated(s, comm), rcond
    if cov:
        V = _fit_covariance(comm, lhs, scale, resids, m, order, cov, np.ndim(y))
        return _replicated(c, comm), _replicated(V, comm)
    return _replicated(c, comm)


# --------------------------------------------------------------------------
# numpy.polynomial.polynomial: polyval2d, polygrid2d
# --------------------------------------------------------------------------


def _points(a: Any) -> Any:
    """NumPy's view of an evaluation operand: lists and tuples become arrays; DistArrays stay."""
    return np.asarray(a) if isinstance(a, (list, tuple)) else a


def _leading_whole(d: Distribution, lead: tuple[int, ...]) -> Distribution:
    """``d`` with whole axes of shape ``lead`` put in front (the coefficient sets of a multi-set ``c``)."""
    maps = [NoDistMap(n) for n in lead] + list(d.maps)
    return d.with_maps(maps, (None,) * len(lead) + tuple(d.axis_grid))


def _mixes_points(c: np.ndarray, *points: Any) -> bool:
    """A coefficient array of fewer than 2 dims: NumPy then uses the first evaluation as coefficients
    of the second (along the points' first axis), which needs every point's value on every rank."""
    return np.ndim(c) < 2 and any(np.ndim(a) > 0 for a in points)


@implements(_P.polyval2d)
def polyval2d(x, y, c):
    """``polynomial.polyval2d`` at distributed points (``x``, ``y`` aligned): local evaluation.

    The coefficients are small (a DistArray ``c`` is fetched whole); the
    result, of shape ``c.shape[2:] + x.shape``, is laid out like the points
    with the coefficient-set axes whole.  A ``c`` of fewer than two dimensions
    takes the fallback (see :func:`_mixes_points`).

    Communication: none when ``x`` and ``y`` share a layout, else one move of ``y``.
    """
    comm = comm_of(x, y, c)
    x, y = _points(x), _points(y)
    coef = _fetched(c, "numpy.polynomial.polynomial.polyval2d")
    if np.shape(x) != np.shape(y):
        raise ValueError("x, y are incompatible")
    if not isinstance(x, DistArray) and not isinstance(y, DistArray):
        return _small_result(_P.polyval2d(x, y, coef), comm)
    if _mixes_points(coef, x, y):
        return fallback(_P.polyval2d, (x, y, c), {}, "numpy.polynomial.polynomial.polyval2d (c of < 2 dims)")
    points = x if isinstance(x, DistArray) else y
    _probe(_P.polyval2d, standin(x), standin(y), coef)  # NumPy's errors on the coefficients, alike on every rank
    d = points.distribution
    xl, yl = aligned_block(x, d), aligned_block(y, d)
    local = _comm.agreed_call(comm, lambda: np.asarray(_P.polyval2d(xl, yl, coef)), fp="polyval2d")
    lead = tuple(np.shape(coef)[2:])
    return DistArray._new(local, _leading_whole(d, lead))


@implements(_P.polygrid2d)
def polygrid2d(x, y, c):
    """``polynomial.polygrid2d``: the grid laid out along ``x``'s axes (``y``'s when only ``y`` is a DistArray).

    The other operand and the coefficients are small and held whole on every
    rank (a DistArray fetched: silent up to 64 KiB, else an announced gather
    under the fallback policy).  The result has shape
    ``c.shape[2:] + x.shape + y.shape``.  A ``c`` of fewer than two
    dimensions takes the fallback (see :func:`_mixes_points`).

    Communication: a fetch of ``y`` (or ``x``) when it is a DistArray too.
    """
    comm = comm_of(x, y, c)
    x, y = _points(x), _points(y)
    coef = _fetched(c, "numpy.polynomial.polynomial.polygrid2d")
    if not isinstance(x, DistArray) and not isinstance(y, DistArray):
        return _small_result(_P.polygrid2d(x, y, coef), comm)
    if _mixes_points(coef, x, y):
        return fallback(_P.polygrid2d, (x, y, c), {}, "numpy.polynomial.polynomial.polygrid2d (c of < 2 dims)")
    along_x = isinstance(x, DistArray)
    if along_x:
        y = gathered_operand(y, "numpy.polynomial.polynomial.polygrid2d's y")
    _probe(_P.polygrid2d, standin(x), standin(y), coef)  # NumPy's errors on the coefficients, alike on every rank
    lead = tuple(np.shape(coef)[2:])
    if along_x:
        d = _leading_whole(x.distribution.extended(np.shape(y)), lead)
        xl, yl = x.local, y
    else:
        d = _leading_whole(y.distribution, lead + np.shape(x))
        xl, yl = x, y.local
    local = _comm.agreed_call(comm, lambda: np.asarray(_P.polygrid2d(xl, yl, coef)), fp="polygrid2d")
    return DistArray._new(local, d)
