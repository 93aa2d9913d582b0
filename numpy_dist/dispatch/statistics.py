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
    if total == 0:
        return 0.0, np.zeros(k, wide), np.zeros((k, k), wide)
    mean = (rows * w[:, None]).sum(axis=0) / total
    centred = (rows - mean).astype(rows.dtype, copy=False)  # NumPy centres in place, in the data's dtype
    return total, mean, centred.T @ (centred * w[:, None]).conj()


def _merge(a: tuple, b: tuple) -> tuple:
    """Chan et al.'s pairwise update of two (weight sum, mean, co-moment) partials."""
    na, ma, ca = a
    nb, mb, cb = b
    if na == 0:
        return b
    if nb == 0:
        return a
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
        rows = np.concatenate([_observation_rows(b, comm, dtype) for b in blocks], axis=1)
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
