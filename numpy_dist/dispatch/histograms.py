"""Histograms and bincount: local histograms over agreed edges, combined with one reduction.

Named bin rules (``bins="auto"``, ``"fd"``, ``"stone"`` ...) run NumPy's own
rule code on the DistArray: its min, max, std and percentiles dispatch to the
distributed reductions, so the edges are NumPy's and nothing is gathered.

Communication: allreduces of the (min, max) stand-in and of the local counts
(a bin rule adds the reductions it needs); a gather for the fallback's
sample shapes.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import asarray, asnumpy
from ..distarray import DistArray, aligned_block
from ..redistribute import replica_info
from .fallback import fallback
from .manipulation import as_distarray
from .registry import implements

try:  # NumPy's bin-rule code, run on DistArrays (its reductions dispatch here); absent: the fallback
    from numpy.lib._histograms_impl import _get_bin_edges as _numpy_bin_edges
except ImportError:  # pragma: no cover - another NumPy layout
    _numpy_bin_edges = None


def _own(a: DistArray, local: np.ndarray) -> np.ndarray:
    """``local`` if this rank is the first replica of its block, else empty: replicated data counts once."""
    return local if replica_info(a.distribution, a.comm.Get_rank())[0] == 0 else local[:0]


def _extremes_stand_in(a: DistArray) -> np.ndarray:
    """The global (min, max) of ``a`` as a 2-element array of ``a``'s dtype (empty if ``a`` is).

    NumPy derives a histogram's default range from ``a.min()`` and
    ``a.max()`` alone, so NumPy's own edge code run on this stand-in gives
    exactly the edges (and the errors: NaN, inf) it gives on the whole
    array.  Every rank's local min and max are gathered (2P values) and
    reduced with NumPy, so NaN propagates as in NumPy and every rank gets
    the same answer (an MPI MIN over NaN depends on the reduction order).
    """
    local = _own(a, a.local.reshape(-1))
    mine = np.array([local.min(), local.max()], dtype=a.dtype) if local.size else local[:0]
    every = np.concatenate(_comm.allgather_array(a.comm, mine))
    return np.array([every.min(), every.max()], dtype=a.dtype) if every.size else every


def _histogram_range(a: DistArray, bins: Any, range: Any) -> Any:
    """The ``range=`` with which a local ``np.histogram`` cuts exactly NumPy's bins of the whole array."""
    if np.ndim(bins) == 1 or range is not None:
        return range
    stand_in = _extremes_stand_in(a)
    if stand_in.dtype == np.bool_:
        stand_in = stand_in.astype(np.uint8)  # NumPy histograms booleans as uint8
    np.histogram_bin_edges(stand_in, bins)  # NumPy's errors (non-finite range, bad bins), on every rank
    return (stand_in[0], stand_in[1]) if stand_in.size else None


def _edges_array(bins: Any) -> Any:
    """Explicit edges held whole (a DistArray of edges is small: gathered); other bins unchanged."""
    return asnumpy(bins) if isinstance(bins, DistArray) else bins


def _check_weights_shape(weights: Any, a: DistArray) -> None:
    """NumPy's first check (before any bin rule looks at the weights): the shapes must match."""
    if weights is not None and np.shape(weights) != a.shape:
        raise ValueError("weights should have the same shape as a.")


def _weights_local(weights: Any, a: DistArray) -> np.ndarray | None:
    _check_weights_shape(weights, a)
    if weights is None:
        return None
    return np.asarray(aligned_block(weights, a.distribution)).reshape(-1)


def _rule_edges(a: DistArray, rule: str, range: Any, weights: Any) -> np.ndarray:
    """The edges of a named bin rule: NumPy's rule code on the flattened DistArray (replicated result)."""
    flat = a.ravel() if a.ndim != 1 else a
    if flat.dtype == np.bool_:
        flat = flat.astype(np.uint8)  # NumPy histograms booleans as uint8 (the rules subtract)
    edges, _ = _numpy_bin_edges(flat, rule, range, weights)
    return np.asarray(edges)


def _sum_hist(comm: Any, local: np.ndarray) -> np.ndarray:
    """Add the per-rank histograms: floats in rank order (same rounding everywhere), integers by allreduce."""
    if local.dtype.kind in "fc":
        return np.sum(np.stack(_comm.allgather_array(comm, local)), axis=0)
    return _comm.allreduce_array(comm, local)


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """``np.histogram_bin_edges`` (integer bins, explicit edges or a named rule)."""
    a = as_distarray(a)
    _check_weights_shape(weights, a)
    if isinstance(bins, str):
        if _numpy_bin_edges is None:
            return fallback(np.histogram_bin_edges, (a,), {"bins": bins, "range": range, "weights": weights},
                            "numpy.histogram_bin_edges (bins rule)")
        return _rule_edges(a, bins, range, weights)
    bins = _edges_array(bins)
    _weights_local(weights, a)
    stand_in = _extremes_stand_in(a) if range is None and np.ndim(bins) == 0 else a.local.reshape(-1)[:0]
    return np.histogram_bin_edges(stand_in, bins, range=range)


@implements(np.histogram)
def histogram(a, bins=10, range=None, density=None, weights=None):
    """``np.histogram``: local histograms cut exactly as NumPy cuts, summed with one reduction.

    Every rank runs NumPy's own histogram on its block with the global
    range (NumPy's default range is just the global min and max), so bin
    assignment, edge dtypes and errors are NumPy's.  Returns (hist,
    bin_edges) as NumPy arrays, identical on every rank (they are small).
    """
    a = as_distarray(a)
    _check_weights_shape(weights, a)  # NumPy checks the shapes before any bin rule
    if isinstance(bins, str):
        if _numpy_bin_edges is None:
            return fallback(np.histogram, (a,), {"bins": bins, "range": range, "density": density,
                                                 "weights": weights}, "numpy.histogram (bins rule)")
        bins = _rule_edges(a, bins, range, weights)
    bins = _edges_array(bins)
    w = _weights_local(weights, a)
    local_range = _histogram_range(a, bins, range)
    local, edges = np.histogram(_own(a, a.local.reshape(-1)), bins=bins, range=local_range,
                                weights=None if w is None else _own(a, w))
    hist = _sum_hist(a.comm, local)
    if density:
        db = np.array(np.diff(edges), float)  # NumPy's widths: the real parts of complex edges
        return hist / db / hist.sum(), edges
    return hist, edges


def _sample_columns(sample: Any) -> list[DistArray]:
    if isinstance(sample, (list, tuple)):
        return [as_distarray(s) for s in sample]
    s = as_distarray(sample)
    if s.ndim != 2:
        return [s]
    return [s[:, i] for i in np.arange(s.shape[1])]


def _stand_in_sample(cols: list[DistArray], dtype: np.dtype) -> np.ndarray:
    """A (2, D) sample holding each column's global min and max ((0, D) when the sample is empty)."""
    pairs = [_extremes_stand_in(c) for c in cols]
    if any(p.size == 0 for p in pairs):
        return np.zeros((0, len(cols)), dtype)
    return np.stack([p.astype(dtype) for p in pairs], axis=1)


@implements(np.histogramdd)
def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """``np.histogramdd`` of an (N, D) DistArray sample (or a sequence of D 1-d arrays).

    The edges come from NumPy's own ``histogramdd`` on a stand-in sample
    holding each column's global min and max (NumPy's default ranges), so
    the edges and the argument errors are NumPy's; each rank then counts
    its rows on those edges and the counts are summed.
    """
    cols = _sample_columns(sample)
    if any(c.shape != cols[0].shape or c.ndim != 1 for c in cols):
        return fallback(np.histogramdd, (sample,), {"bins": bins, "range": range, "density": density,
                                                    "weights": weights}, "numpy.histogramdd (sample shape)")
    dtype = np.result_type(*(c.dtype for c in cols))  # NumPy stacks the columns into one array
    bins = [_edges_array(b) for b in bins] if isinstance(bins, (list, tuple)) else _edges_array(bins)
    w = _weights_local(weights, cols[0])
    _, edges = np.histogramdd(_stand_in_sample(cols, dtype), bins=bins, range=range)
    local_sample = np.stack([np.asarray(aligned_block(c, cols[0].distribution)).reshape(-1) for c in cols],
                            axis=1).astype(dtype, copy=False)
    local, _ = np.histogramdd(_own(cols[0], local_sample), bins=edges,
                              weights=None if w is None else _own(cols[0], w))
    hist = _sum_hist(cols[0].comm, local)
    if density:
        total = hist.sum()
        for i, e in enumerate(edges):  # NumPy's order of divisions
            shape = np.ones(len(edges), int)
            shape[i] = len(e) - 1
            hist = hist / np.diff(e).reshape(shape)
        hist /= total
    return hist, edges


@implements(np.histogram2d)
def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    """``np.histogram2d``."""
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n != 1 and n != 2:
        xedges = yedges = np.asarray(bins)
        bins = [xedges, yedges]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]


def _weights_dtype(weights: Any) -> np.dtype | None:
    if weights is None:
        return None
    return weights.dtype if isinstance(weights, DistArray) else np.asarray(weights).dtype


@implements(np.bincount)
def bincount(x, /, weights=None, minlength=0):
    """``np.bincount``: local counts up to the global maximum, summed with one reduction.

    Checks run in NumPy's order, each the same on every rank (data checks
    agreed): minlength, depth and dtype (NumPy itself, on an empty
    stand-in), an empty ``x`` (integer zeros, weights unchecked), negative
    values, the weights' dtype, the weights' length.  With weights the
    result is float64.
    """
    x = as_distarray(x)
    w_dtype = _weights_dtype(weights)
    shape = () if x.ndim == 0 else (0,) * x.ndim
    np.bincount(np.zeros(shape, x.dtype), minlength=minlength)
    if x.size == 0:
        return asarray(np.zeros(operator.index(minlength), np.intp), comm=x.comm)
    local = x.local.astype(np.int64)
    if _comm.any_rank(x.comm, bool(local.size and local.min() < 0)):
        raise ValueError("'list' argument must have no negative elements")
    if w_dtype is not None:
        np.bincount(np.zeros(1, np.intp), weights=np.zeros(1, w_dtype))  # NumPy's TypeError for complex weights
        if np.shape(weights) != x.shape:
            raise ValueError("The weights and list don't have the same length.")
    top = _comm.allreduce_scalar(x.comm, int(local.max()) if local.size else -1, op="max", control=True)
    length = max(top + 1, operator.index(minlength))
    w = _weights_local(weights, x)
    with _comm.agreed(x.comm, fp="bincount"):
        counts = np.bincount(_own(x, local), weights=None if w is None else _own(x, w), minlength=length)
    counts = counts.astype(np.float64 if w is not None else np.intp, copy=False)
    return asarray(_sum_hist(x.comm, counts), comm=x.comm)
