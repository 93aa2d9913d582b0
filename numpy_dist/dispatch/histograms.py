"""Histograms and bincount: local histograms over agreed edges, combined with one reduction."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import asarray, asnumpy
from ..distarray import DistArray
from .manipulation import _dist
from .registry import implements
from .ufuncs import local_operand


def _own(a: DistArray, local: np.ndarray) -> np.ndarray:
    """``local`` if this rank is the first replica of its block, else empty: replicated data counts once."""
    from ..redistribute import _replica_info

    return local if _replica_info(a.distribution, a.comm.Get_rank())[0] == 0 else local[:0]


def _global_range(a: DistArray) -> tuple[float, float]:
    """(min, max) of the finite elements over every rank (NumPy's default histogram range)."""
    local = a.local.reshape(-1)
    lo = float(local.min()) if local.size else np.inf
    hi = float(local.max()) if local.size else -np.inf
    from mpi4py import MPI

    lo = _comm.allreduce_scalar(a.comm, lo, op=MPI.MIN, control=True)
    hi = _comm.allreduce_scalar(a.comm, hi, op=MPI.MAX, control=True)
    if lo > hi:  # empty: NumPy uses (0, 1)
        return 0.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"autodetected range of [{lo}, {hi}] is not finite")
    return lo, hi


def _edges(a: DistArray, bins: Any, range: Any) -> np.ndarray:
    if isinstance(bins, str):
        raise NotImplementedError
    if np.ndim(bins) == 1:
        edges = asnumpy(bins) if isinstance(bins, DistArray) else np.asarray(bins)
        if np.any(edges[:-1] > edges[1:]):
            raise ValueError("`bins` must increase monotonically, when an array")
        return edges
    if range is None:
        range = _global_range(a)
    # NumPy's own edge arithmetic, on a two-element stand-in holding the range.
    stand_in = np.asarray(range).astype(a.dtype if a.dtype.kind == "f" else np.float64)
    return np.histogram_bin_edges(stand_in, bins, range=range)


def _weights_local(weights: Any, a: DistArray) -> np.ndarray | None:
    if weights is None:
        return None
    if np.shape(weights) != a.shape:
        raise ValueError("weights should have the same shape as a.")
    return np.asarray(local_operand(weights, a.distribution)).reshape(-1)


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """``np.histogram_bin_edges`` (integer bins or explicit edges; string rules fall back)."""
    a = _dist(a)
    if isinstance(bins, str):
        from .protocol import fallback

        return fallback(np.histogram_bin_edges, (a,), {"bins": bins, "range": range, "weights": weights},
                        "numpy.histogram_bin_edges (bins rule)")
    return _edges(a, bins, range)


@implements(np.histogram)
def histogram(a, bins=10, range=None, density=None, weights=None):
    """``np.histogram``: local histograms on agreed edges, summed with one allreduce.

    Returns (hist, bin_edges) as NumPy arrays, identical on every rank (they are small).
    """
    a = _dist(a)
    if isinstance(bins, str):
        from .protocol import fallback

        return fallback(np.histogram, (a,), {"bins": bins, "range": range, "density": density,
                                             "weights": weights}, "numpy.histogram (bins rule)")
    edges = _edges(a, bins, range)
    w = _weights_local(weights, a)
    local, _ = np.histogram(_own(a, a.local.reshape(-1)), bins=edges, weights=None if w is None else _own(a, w))
    if w is not None and local.dtype.kind == "f":
        # Float weights: gather the small per-rank histograms and add them in rank order.
        hist = np.sum(np.stack(_comm.allgather_array(a.comm, local)), axis=0)
    else:
        hist = _comm.allreduce_array(a.comm, local)
    if density:
        db = np.diff(edges)
        return hist / db / hist.sum(), edges
    return hist, edges


@implements(np.histogramdd)
def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """``np.histogramdd`` of an (N, D) DistArray sample (or a sequence of D 1-d DistArrays)."""
    if isinstance(sample, (list, tuple)):
        cols = [_dist(s) for s in sample]
    else:
        s = _dist(sample)
        cols = [s[:, i] for i in np.arange(s.shape[1])] if s.ndim == 2 else [s]
    D = len(cols)
    bins_list = list(bins) if isinstance(bins, (list, tuple)) else [bins] * D
    ranges = list(range) if range is not None else [None] * D
    edges = [_edges(c, b, r) for c, b, r in zip(cols, bins_list, ranges)]
    local_sample = np.stack([np.asarray(local_operand(c, cols[0].distribution)).reshape(-1) for c in cols], axis=1)
    w = _weights_local(weights, cols[0])
    local, _ = np.histogramdd(_own(cols[0], local_sample), bins=edges, weights=None if w is None else _own(cols[0], w))
    hist = np.sum(np.stack(_comm.allgather_array(cols[0].comm, local)), axis=0) if w is not None else \
        _comm.allreduce_array(cols[0].comm, local)
    if density:
        shape = np.ones(D, int)
        widths = 1.0
        for i, e in enumerate(edges):
            shape_i = shape.copy()
            shape_i[i] = len(e) - 1
            widths = widths * np.diff(e).reshape(shape_i)
        hist = hist / widths / hist.sum()
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


@implements(np.bincount)
def bincount(x, /, weights=None, minlength=0):
    """``np.bincount``: local counts up to the global maximum, summed with one allreduce."""
    x = _dist(x)
    if x.ndim != 1:
        raise ValueError("object too deep for desired array")
    if x.dtype.kind not in "iub":
        raise TypeError("Cannot cast array data from dtype('float64') to dtype('int64') according to the rule 'safe'")
    from mpi4py import MPI

    local = x.local.astype(np.int64)
    if local.size and local.min() < 0:
        bad = True
    else:
        bad = False
    if _comm.any_rank(x.comm, bad):
        raise ValueError("'list' argument must have no negative elements")
    top = _comm.allreduce_scalar(x.comm, int(local.max()) if local.size else -1, op=MPI.MAX, control=True)
    length = max(top + 1, int(minlength))
    w = _weights_local(weights, x)
    counts = np.bincount(_own(x, local), weights=None if w is None else _own(x, w), minlength=length)
    # NumPy returns integers for an empty x even with weights: pin the dtype so every rank agrees.
    counts = counts.astype(np.float64 if w is not None else np.intp, copy=False)
    if w is not None:
        total = np.sum(np.stack(_comm.allgather_array(x.comm, counts)), axis=0)
    else:
        total = _comm.allreduce_array(x.comm, counts)
    return asarray(total, comm=x.comm)
