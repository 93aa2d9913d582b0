"""Statistics: cov, corrcoef, interp, apply_along_axis, apply_over_axes.

``cov`` and ``corrcoef`` make one pass over the observations: each rank reduces
its own observations to partial moments (weight sum, mean, co-moment matrix),
and the partials are merged pairwise in rank order (Chan et al.'s update), so
every rank holds the same small ``k x k`` result.  ``interp`` is elementwise in
its queries: local with small sample points, routed like ``searchsorted`` when
the sample points are a long DistArray.

Communication: cov/corrcoef one allgather of ``2 + k + k*k`` numbers per rank (plus
one move when the observations are not already split over the ranks with the
variables whole); interp none with small sample points (a small DistArray table is
gathered), else a distributed searchsorted and four takes; apply_along_axis one
move making the axis local; apply_over_axes whatever ``func`` does.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..maps import NoDistMap
from .registry import implements

# Sample tables (interp's xp/fp) up to this many elements are held whole on every rank.
SMALL_TABLE = 1 << 16


def _comm_of(*xs: Any) -> Any:
    return next(x.comm for x in xs if isinstance(x, DistArray))


def _replicated(x: Any, comm: Any) -> DistArray:
    """A NumPy array (held whole on every rank) as a replicated DistArray: no communication."""
    x = np.asarray(x)
    return DistArray._new(x, Distribution.replicated_on(comm, x.shape))


def _small_result(c: Any, comm: Any) -> DistArray:
    """A small result every rank computed alike, as a replicated DistArray."""
    return _replicated(np.asarray(c), comm)


# --------------------------------------------------------------------------
# cov, corrcoef
# --------------------------------------------------------------------------


def _dtype_of(x: Any) -> np.dtype:
    return x.dtype if isinstance(x, (DistArray, np.ndarray)) else np.asarray(x).dtype


def _variables(x: Any, rowvar: bool, transpose_rule: str) -> tuple[Any, tuple[int, int]]:
    """``x`` as observations x variables, and NumPy's (variables, observations) shape of ``ndmin=2`` data.

    ``transpose_rule`` is NumPy's: ``m`` is transposed when ``not rowvar`` and
    2-d, ``y`` when ``not rowvar`` and its first dimension is not 1.
    """
    shape = (1,) * (2 - np.ndim(x)) + tuple(np.shape(x))
    flip = not rowvar and (np.ndim(x) == 2 if transpose_rule == "m" else shape[0] != 1)
    k, n = (shape[1], shape[0]) if flip else shape
    if not isinstance(x, DistArray):
        x = np.asarray(x).reshape(shape)
        return (x if flip else x.T), (k, n)
    if x.ndim < 2:
        x = DistArray._new(x.local.reshape(-1, 1), x.distribution.extended((1,)) if x.ndim == 1 else
                           Distribution.replicated_on(x.comm, (1, 1)))
        return x, (k, n)
    return (x if flip else np.transpose(x)), (k, n)


def _observation_rows(x: Any, comm: Any, dtype: np.dtype) -> np.ndarray:
    """This rank's share of the observations (rows; each observation on exactly one rank), cast to ``dtype``."""
    layout = Distribution.row_blocks(comm, np.shape(x))
    if not isinstance(x, DistArray):
        return np.asarray(x[layout.local_key()], dtype=dtype)
    return x.to_layout(layout).local.astype(dtype, copy=False)


def _checked_weights(weights: Any, n: int, name: str, integral: bool) -> Any:
    """NumPy's checks of ``fweights``/``aweights``, in NumPy's order (collective verdicts for DistArrays)."""
    weights = weights.astype(np.float64) if isinstance(weights, DistArray) else np.asarray(weights, dtype=float)
    if integral and not np.all(weights == np.around(weights)):
        raise TypeError("fweights must be integer")
    if weights.ndim > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if weights.shape[0] != n:
        raise RuntimeError(f"incompatible numbers of samples and {name}")
    if np.any(weights < 0):
        raise ValueError(f"{name} cannot be negative")
    return weights


def _local_weights(w: Any, comm: Any, n: int) -> np.ndarray:
    layout = Distribution.row_blocks(comm, (n,))
    return w.to_layout(layout).local if isinstance(w, DistArray) else w[layout.local_key()]


def _partial_moments(rows: np.ndarray, w: np.ndarray | None, wide: np.dtype) -> tuple:
    """(weight sum, mean, co-moment) of this rank's observations, in NumPy's cov arithmetic."""
    k = rows.shape[1]
    if w is None:
        count = rows.shape[0]
        if count == 0:
            return 0.0, np.zeros(k, wide), np.zeros((k, k), wide)
        mean = rows.mean(axis=0)
        centred = rows - mean
        return count, mean, centred.T @ centred.conj()
    total = w.sum()
    if total == 0:  # no weight here, but 0 * inf is NaN in NumPy's weighted mean: keep that as a poison
        poison = (rows * w[:, None]).sum(axis=0) * 0
        return 0.0, poison, np.outer(poison, poison.conj())
    mean = (rows * w[:, None]).sum(axis=0) / total
    centred = (rows - mean).astype(rows.dtype, copy=False)  # NumPy centres in place, in the data's dtype
    return total, mean, centred.T @ (centred * w[:, None]).conj()


def _merge(a: tuple, b: tuple) -> tuple:
    """Chan et al.'s pairwise update of two (weight sum, mean, co-moment) partials."""
    na, ma, ca = a
    nb, mb, cb = b
    if na == 0:  # an empty partial adds only its NaN poison (zeros otherwise)
        return nb, mb + ma, cb + ca
    if nb == 0:
        return na, ma + mb, ca + cb
    n = na + nb
    delta = mb - ma
    return n, ma + delta * (nb / n), ca + cb + np.outer(delta, delta.conj()) * (na * nb / n)


def _combined(comm: Any, partial: tuple, extra: Any, k: int, wide: np.dtype) -> tuple:
    """Every rank's partial gathered (2 + k + k*k numbers each) and merged pairwise in rank order.

    ``extra`` is one more per-rank number summed in rank order (cov's ``sum(w * aweights)``).
    """
    n, mean, com = partial
    packed = np.concatenate([np.array([n, extra], wide), np.asarray(mean, wide).reshape(-1),
                             np.asarray(com, wide).reshape(-1)])
    gathered = _comm.allgather_array(comm, packed)
    parts = [(p[0].real, p[2:2 + k], p[2 + k:].reshape(k, k)) for p in gathered]
    extra_total = sum((p[1].real for p in gathered), 0.0)
    while len(parts) > 1:
        parts = [_merge(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    return parts[0], extra_total


def _cov(m, y, rowvar, bias, ddof, fweights, aweights, dtype) -> np.ndarray:
    """NumPy's ``cov`` (before the final squeeze), identical on every rank; the observations never gathered."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    comm = _comm_of(m, y, fweights, aweights)
    if np.ndim(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    if y is not None and np.ndim(y) > 2:
        raise ValueError("y has more than 2 dimensions")
    if dtype is None:
        dtypes = [_dtype_of(m)] + ([] if y is None else [_dtype_of(y)])
        dtype = np.result_type(*dtypes, np.float64)
    dtype = np.dtype(dtype)
    X, (k, n) = _variables(m, rowvar, "m")
    if k == 0:
        return np.array([]).reshape(0, 0)
    blocks = [X]
    if y is not None:
        Y, (k2, n2) = _variables(y, rowvar, "y")
        if n2 != n:
            raise ValueError("all the input array dimensions except for the concatenation axis must match exactly")
        blocks.append(Y)
        k += k2
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        w = _checked_weights(fweights, n, "fweights", True)
    if aweights is not None:
        aweights = _checked_weights(aweights, n, "aweights", False)
        w = aweights if w is None else w * aweights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)  # NumPy warns once, below
        parts = [_observation_rows(b, comm, dtype) for b in blocks]
    rows = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    if dtype.kind != "c" and any(np.dtype(_dtype_of(v)).kind == "c" for v in [m, y] if v is not None):
        warnings.warn("Casting complex values to real discards the imaginary part", np.exceptions.ComplexWarning,
                      stacklevel=3)
    return _normalised(comm, rows, w, aweights, ddof, n, k)


def _normalised(comm: Any, rows: np.ndarray, w: Any, aweights: Any, ddof: Any, n: int, k: int) -> np.ndarray:
    """Merge the partial moments and divide by NumPy's normalisation ``fact``."""
    w_local = None if w is None else _local_weights(w, comm, n)
    a_local = None if aweights is None else _local_weights(aweights, comm, n)
    cdt = rows.dtype if w is None else np.result_type(rows.dtype, np.float64)
    wide = np.result_type(cdt, np.float64)
    partial = _comm.agreed_call(comm, lambda: _partial_moments(rows, w_local, wide), fp="cov")
    extra = 0.0 if a_local is None else float(np.sum(w_local * a_local))
    (w_sum, _mean, com), extra_total = _combined(comm, partial, extra, k, wide)
    if w is None:
        if n == 0:
            warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=4)
        fact = n - ddof
    else:
        w_sum = np.asarray(w_sum, dtype=cdt)[()]
        if w_sum == 0:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * extra_total / w_sum
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
        fact = 0.0
    c = np.asarray(com).astype(cdt)
    c *= np.true_divide(1, fact)
    return c


@implements(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    """``np.cov`` in one pass over distributed observations (pairwise merge of per-rank moments).

    The ``k x k`` result is small and replicated on every rank.

    Communication: one allgather of ``2 + k + k*k`` numbers per rank, plus one move
    when the observations are not already in row blocks with the variables whole.
    """
    comm = _comm_of(m, y, fweights, aweights)
    return _small_result(_cov(m, y, rowvar, bias, ddof, fweights, aweights, dtype).squeeze(), comm)


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, bias=np._NoValue, ddof=np._NoValue, *, dtype=None):
    """``np.corrcoef``: :func:`cov`, then NumPy's normalisation on the small replicated matrix.

    Communication: as :func:`cov`.
    """
    if bias is not np._NoValue or ddof is not np._NoValue:
        warnings.warn("bias and ddof have no effect and are deprecated", DeprecationWarning, stacklevel=2)
    comm = _comm_of(x, y)
    c = _cov(x, y, rowvar, False, None, None, None, dtype).squeeze()
    try:
        d = np.diag(c)
    except ValueError:  # scalar covariance
        return _small_result(c / c, comm)
    stddev = np.sqrt(d.real)
    c /= stddev[:, None]
    c /= stddev[None, :]
    np.clip(c.real, -1, 1, out=c.real)
    if np.iscomplexobj(c):
        np.clip(c.imag, -1, 1, out=c.imag)
    return _small_result(c, comm)


# --------------------------------------------------------------------------
# interp
# --------------------------------------------------------------------------


def _is_small(table: Any) -> bool:
    """Whether a sample table is held whole: any NumPy data, a DistArray by its global size (alike everywhere)."""
    return not isinstance(table, DistArray) or table.size <= SMALL_TABLE


def _whole(table: Any) -> np.ndarray:
    return asnumpy(table) if isinstance(table, DistArray) else np.asarray(table)


def _table_probe(xp: Any, fp: Any) -> tuple[np.ndarray, np.ndarray]:
    """Short stand-ins of ``xp``/``fp`` keeping their ndim, dtypes, emptiness and (un)equal lengths."""
    xshape = tuple(min(n, 2) for n in np.shape(xp))
    fshape = tuple(min(n, 2) for n in np.shape(fp))
    if np.ndim(xp) == 1 and np.ndim(fp) == 1 and np.shape(xp)[0] != np.shape(fp)[0] and xshape == fshape:
        fshape = (fshape[0] + 1,)
    return np.zeros(xshape, _dtype_of(xp)), np.zeros(fshape, _dtype_of(fp))


@implements(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """``np.interp``, elementwise in ``x`` (laid out like ``x``).

    Small sample tables (NumPy data, or DistArrays of at most ``SMALL_TABLE``
    elements, gathered) are used whole by every rank.  A long DistArray ``xp``
    is searched like ``searchsorted``: each query finds its interval with the
    distributed ``np.searchsorted`` and fetches the interval's ends with
    ``np.take``; the interpolation formula is NumPy's.

    Communication: none for small tables; else a distributed searchsorted and
    four takes (and, with ``period``, one distributed argsort of ``xp``).
    """
    comm = _comm_of(x, xp, fp)
    xd = x if isinstance(x, DistArray) else _replicated(x, comm)
    if _is_small(xp) and _is_small(fp):
        xp, fp = _whole(xp), _whole(fp)
        np.interp(np.zeros(1, xd.dtype), xp, fp, left, right, period)  # NumPy's errors, alike on every rank
        local = _comm.agreed_call(comm, lambda: np.asarray(np.interp(xd.local, xp, fp, left, right, period)),
                                  fp="interp")
        return DistArray._new(local, xd.distribution)
    probe_xp, probe_fp = _table_probe(xp, fp)
    dtype = np.interp(np.zeros(1, xd.dtype), probe_xp, probe_fp, left, right, period).dtype
    xd = xd.astype(np.float64)
    xp = xp if isinstance(xp, DistArray) else _replicated(xp, comm)
    xp = xp.astype(np.float64)
    fp = fp.astype(dtype) if isinstance(fp, DistArray) else np.asarray(fp, dtype=dtype)
    if period is not None:
        xd, xp, fp = _periodic(xd, xp, fp, abs(period))
        left = right = None
    return _interp_searched(xd, xp, fp, left, right, dtype)


def _periodic(x: DistArray, xp: DistArray, fp: Any, period: Any) -> tuple:
    """NumPy's periodic normalisation: ``xp`` taken modulo ``period``, sorted, padded by one period each side."""
    x = x % period
    xp = xp % period
    order = np.argsort(xp)
    xp, fp = np.take(xp, order), np.take(fp, order)
    xp = np.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
    fp = np.concatenate((fp[-1:], fp, fp[0:1]))
    return x, xp, fp


def _interp_searched(x: DistArray, xp: DistArray, fp: Any, left: Any, right: Any, dtype: np.dtype) -> DistArray:
    """Interpolate at ``x`` from a long sorted ``xp``: intervals found by a distributed searchsorted."""
    n = xp.shape[0]
    dist = x.distribution
    j = np.searchsorted(xp, x, side="right") - 1
    lower = np.clip(j, 0, n - 2)
    ends = [aligned_block(np.take(t, i), dist) for t in (xp, fp) for i in (lower, lower + 1)]
    first, last = fp[0], fp[n - 1]
    lval = first if left is None else left
    rval = last if right is None else right
    x_last = xp[n - 1]
    jl = aligned_block(j, dist)
    local = _comm.agreed_call(x.comm, lambda: _interp_formula(x.local, jl, n, ends, lval, rval, x_last, last,
                                                              dtype), fp="interp")
    return DistArray._new(local, dist)


def _line(x, x0, x1, f0, f1):
    """NumPy's interpolation on one interval, one real component at a time (its NaN fallbacks included)."""
    slope = (f1 - f0) / (x1 - x0)
    res = slope * (x - x0) + f0
    again = np.isnan(res)
    res = np.where(again, slope * (x - x1) + f1, res)
    return np.where(again & np.isnan(res) & (f0 == f1), f0, res)


def _interp_formula(x, j, n, ends, lval, rval, x_last, last, dtype) -> np.ndarray:
    x0, x1, f0, f1 = ends
    with np.errstate(all="ignore"):  # NumPy's C loop raises no floating-point warnings here
        if dtype.kind == "c":
            res = _line(x, x0, x1, f0.real, f1.real) + 1j * _line(x, x0, x1, f0.imag, f1.imag)
        else:
            res = _line(x, x0, x1, f0, f1)
    res = np.where(x == x0, f0, res)
    res = np.where(j >= n - 1, np.where(x > x_last, rval, last), res)
    res = np.where(j < 0, lval, res)
    return np.where(np.isnan(x), x, res).astype(dtype, copy=False)


# --------------------------------------------------------------------------
# apply_along_axis, apply_over_axes
# --------------------------------------------------------------------------


@implements(np.apply_along_axis)
def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """``np.apply_along_axis``: local along a local axis, else after one move that makes it local.

    ``func1d`` runs on each rank's own lines; the result's leading axes keep
    ``arr``'s layout, the axes ``func1d`` returns are whole on every rank.
    Every rank's lines must give the same result shape (NumPy's rule);
    the result dtype is that of the first rank holding lines.

    Communication: one move (when ``axis`` is distributed), one small
    agreement on the result's shape and dtype.
    """
    axis = normalize_axis_index(axis, arr.ndim)
    if any(n == 0 for i, n in enumerate(arr.shape) if i != axis):
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    work = arr.to_layout(arr.distribution.with_local_axes([axis]))
    local = np.moveaxis(work.local, axis, -1)
    has_lines = all(n > 0 for n in local.shape[:-1])
    res = _comm.agreed_call(arr.comm, lambda: np.apply_along_axis(func1d, -1, local, *args, **kwargs)
                            if has_lines else None)
    lead = local.shape[:-1]
    mine = (res.shape[len(lead):], res.dtype.str) if res is not None else None
    every = [s for s in _comm.allgather_object(arr.comm, mine) if s is not None]
    if any(s[0] != every[0][0] for s in every):
        raise ValueError("could not broadcast input array: func1d gave results of different shapes on different lines")
    tail, dtype = every[0][0], np.dtype(every[0][1])
    res = np.empty(lead + tail, dtype) if res is None else res.astype(dtype, copy=False)
    out = np.moveaxis(res, list(range(len(lead), len(lead) + len(tail))), list(range(axis, axis + len(tail))))
    return DistArray._new(np.asarray(out), _along_layout(work.distribution, axis, tail))


def _along_layout(dist: Distribution, axis: int, tail: tuple) -> Distribution:
    """``dist`` with its (local) ``axis`` replaced by whole axes of shape ``tail``."""
    maps = list(dist.maps[:axis]) + [NoDistMap(n) for n in tail] + list(dist.maps[axis + 1:])
    grid = list(dist.axis_grid[:axis]) + [None] * len(tail) + list(dist.axis_grid[axis + 1:])
    return dist.with_maps(maps, grid)


@implements(np.apply_over_axes)
def apply_over_axes(func, a, axes):
    """``np.apply_over_axes``: ``func(a, axis)`` on the DistArray itself, axis after axis (NumPy's loop).

    Communication: whatever ``func`` does on a DistArray (``np.sum`` reduces natively).
    """
    val = a
    N = a.ndim
    if np.array(axes).ndim == 0:
        axes = (axes,)
    for axis in axes:
        if axis < 0:
            axis = N + axis
        res = func(val, axis)
        if res.ndim == val.ndim:
            val = res
        else:
            res = np.expand_dims(res, axis)
            if res.ndim == val.ndim:
                val = res
            else:
                raise ValueError("function is not returning an array of the correct shape")
    return val
