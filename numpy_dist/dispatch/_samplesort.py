"""Parallel sample sort of a distributed 1-d key sequence, and distributed selection.

Keys are (value, global index) pairs, so every key is distinct: ties split by
global index (the sort is stable) and heavily duplicated values still divide
evenly.  Steps: local sort; regular samples from every rank (allgather);
P - 1 splitters; one Alltoallv to the splitters' ranges; local merge; one
redistribution to an even block layout.  No rank ever holds more than about
2N/P keys.

Selection (the k-th smallest of a distributed sequence) narrows a value
interval with a few small collectives per round and never sorts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import comm as _comm
from ..distribution import Distribution
from ..maps import BlockMap
from ..redistribute import redistribute_local

__all__ = ["sample_sort", "block_layout", "select_kth"]


def _lexsort(values: np.ndarray, gidx: np.ndarray) -> np.ndarray:
    """Order of (value, gidx) pairs; NaNs last as in np.sort."""
    return np.lexsort((gidx, values))


def _rank_of(values: np.ndarray, gidx: np.ndarray, v: Any, g: int) -> int:
    """Number of local (sorted) pairs strictly below (v, g)."""
    lo = int(np.searchsorted(values, v, side="left"))
    hi = int(np.searchsorted(values, v, side="right"))
    if hi == lo and not (isinstance(v, float) and np.isnan(v)):
        return lo
    return lo + int(np.searchsorted(gidx[lo:hi], g, side="left"))


def block_layout(comm: Any, counts: list[int]) -> Distribution:
    """1-d block layout whose blocks have the given per-rank lengths."""
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Distribution._from_maps(comm, [BlockMap(int(bounds[-1]), comm.Get_size(), bounds)],
                                   (comm.Get_size(),), (0,))


def even_layout(comm: Any, n: int) -> Distribution:
    return Distribution._from_maps(comm, [BlockMap(n, comm.Get_size())], (comm.Get_size(),), (0,))


def sample_sort(comm: Any, values: np.ndarray, gidx: np.ndarray) -> tuple[np.ndarray, np.ndarray, Distribution]:
    """Globally sort (value, gidx) pairs held in pieces by the ranks of ``comm``.

    Returns this rank's block of the sorted values and of their global
    indices, in an even block layout over ``comm`` (the returned
    distribution), identical on every rank.
    """
    order = _lexsort(values, gidx)
    values, gidx = values[order], gidx[order]
    P = comm.Get_size()
    n_total = _comm.allreduce_scalar(comm, int(values.size), control=True)
    if P == 1:
        return values, gidx, even_layout(comm, values.size)
    # Regular samples: P per rank, at evenly spaced positions of the local sorted keys.
    pos = (np.arange(1, P + 1) * values.size) // (P + 1)
    pos = pos[pos < values.size]
    samples_v = _comm.allgather_array(comm, values[pos])
    samples_g = _comm.allgather_array(comm, gidx[pos])
    sv, sg = np.concatenate(samples_v), np.concatenate(samples_g)
    sorder = _lexsort(sv, sg)
    sv, sg = sv[sorder], sg[sorder]
    picks = (np.arange(1, P) * sv.size) // P if sv.size else np.zeros(0, int)
    cuts = [0] + [_rank_of(values, gidx, sv[i], int(sg[i])) for i in picks] + [values.size]
    cuts = np.maximum.accumulate(np.asarray(cuts + [values.size] * (P + 1 - len(cuts)), dtype=np.int64)[: P + 1])
    counts = np.diff(cuts)
    recv_counts = _comm.alltoall_counts(comm, counts)
    item = values.dtype.itemsize
    got_v = _comm.alltoallv_bytes(comm, np.ascontiguousarray(values).view(np.uint8), counts * item,
                                  recv_counts * item).view(values.dtype)
    got_g = _comm.alltoallv_bytes(comm, np.ascontiguousarray(gidx).view(np.uint8), counts * 8,
                                  recv_counts * 8).view(np.int64)
    order = _lexsort(got_v, got_g)  # merge of P sorted runs
    got_v, got_g = got_v[order], got_g[order]
    uneven = block_layout(comm, _comm.allgather_object(comm, int(got_v.size)))
    even = even_layout(comm, int(n_total))
    return (redistribute_local(got_v, uneven, even), redistribute_local(got_g, uneven, even), even)


def sample_sort_values(comm: Any, values: np.ndarray) -> tuple[np.ndarray, Distribution]:
    """Sort values only (no indices): the fast path of ``np.sort``.

    Ties are broken by the implicit key (value, rank, position in the local
    sorted block), which costs nothing to carry, so duplicated values still
    split evenly between ranks.
    """
    values = np.sort(values)
    P, me = comm.Get_size(), comm.Get_rank()
    n_total = _comm.allreduce_scalar(comm, int(values.size), control=True)
    if P == 1:
        return values, even_layout(comm, values.size)
    pos = (np.arange(1, P + 1) * values.size) // (P + 1)
    pos = pos[pos < values.size]
    samples = np.concatenate(_comm.allgather_array(comm, values[pos]))
    owners = np.concatenate([np.full(len(p), r) for r, p in enumerate(_comm.allgather_array(comm, pos))])
    where = np.concatenate(_comm.allgather_array(comm, pos.astype(np.int64)))
    order = np.lexsort((where, owners, samples))  # small: P * P samples
    picks = order[(np.arange(1, P) * order.size) // P] if order.size else np.zeros(0, int)
    cuts = [0]
    for i in picks:  # count of local keys below the splitter (v, r, j)
        v, r, j = samples[i], int(owners[i]), int(where[i])
        lo = int(np.searchsorted(values, v, side="left"))
        hi = int(np.searchsorted(values, v, side="right"))
        cuts.append(hi if me < r else lo if me > r else min(max(j, lo), hi))
    cuts = np.maximum.accumulate(np.asarray(cuts + [values.size] * (P + 1 - len(cuts)), dtype=np.int64)[: P + 1])
    cuts[-1] = values.size
    counts = np.diff(cuts)
    recv_counts = _comm.alltoall_counts(comm, counts)
    item = values.dtype.itemsize
    dtype = values.dtype
    got = _comm.alltoallv_bytes(comm, np.ascontiguousarray(values).view(np.uint8), counts * item,
                                recv_counts * item).view(dtype)
    del values  # the sorted local copy is no longer needed: keep the peak near 2N/P
    got = got.copy() if not got.flags.writeable else got
    got.sort(kind="stable")  # timsort merges the P sorted runs received in about linear time
    uneven = block_layout(comm, _comm.allgather_object(comm, int(got.size)))
    even = even_layout(comm, int(n_total))
    return redistribute_local(got, uneven, even), even


def select_kth(comm: Any, values: np.ndarray, ks: list[int]) -> list[Any]:
    """The k-th smallest values (NaN-free ``values`` in pieces over ``comm``), without sorting.

    Each round every rank reports its candidates' median; the weighted median
    of those is the pivot; a count below/equal (one allreduce) discards one
    side.  Rounds stop when few candidates remain; they are then gathered
    (a few thousand elements) and finished with NumPy.
    """
    out = []
    for k in ks:
        cand = values
        lo_count = 0  # elements known to be below every candidate
        while True:
            total = _comm.allreduce_scalar(comm, int(cand.size), control=True)
            if total <= 4096 or comm.Get_size() == 1:
                pieces = _comm.allgather_array(comm, cand)
                merged = np.sort(np.concatenate(pieces))
                out.append(merged[k - lo_count])
                break
            med = np.asarray([np.median(cand) if cand.size else 0.0], dtype=np.float64)
            meds = np.concatenate(_comm.allgather_array(comm, med))
            sizes = np.asarray(_comm.allgather_object(comm, int(cand.size)))
            keep = sizes > 0
            order = np.argsort(meds[keep])
            cum = np.cumsum(sizes[keep][order])
            pivot = meds[keep][order][np.searchsorted(cum, cum[-1] / 2)]
            pivot = np.asarray(pivot).astype(values.dtype) if values.dtype.kind in "iub" else pivot
            below = _comm.allreduce_scalar(comm, int(np.count_nonzero(cand < pivot)), control=True)
            equal = _comm.allreduce_scalar(comm, int(np.count_nonzero(cand == pivot)), control=True)
            if k - lo_count < below:
                cand = cand[cand < pivot]
            elif k - lo_count < below + equal:
                out.append(np.asarray(pivot).astype(values.dtype)[()])
                break
            else:
                lo_count += below + equal
                cand = cand[cand > pivot]
    return out
