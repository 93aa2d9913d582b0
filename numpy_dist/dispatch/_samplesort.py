"""Parallel sample sort with exact splitting, and distributed selection.

Every key is made distinct by an implicit tie-break: (key columns, rank,
position in the rank's locally sorted block).  For inputs in a block layout
(ranks hold ascending global ranges) that order equals (key columns, global
index), so the sort is stable and argsort/lexsort need no index column to
compare.  Because keys are distinct, the splitters can be chosen *exactly*:
a distributed multi-sequence selection finds, for every boundary of the
even block layout, how many of its sorted keys each rank sends below it.
The single Alltoallv then lands directly in the even block layout, so there
is no rebalancing pass: a value-only sort holds the sorted local copy and
the received block (about 2N/P elements) at its peak.

Selection (the k-th smallest of a distributed sequence) narrows a value
interval with a few small collectives per round and never sorts.

Communication: one Alltoallv of the data per sort (after small collectives
that choose the splitters); a few small collectives per selection round.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..exchange import exchange
from ..maps import BlockMap
from ..redistribute import redistribute_local

__all__ = ["deciding_ranks", "ask_deciding_ranks", "sample_sort", "sort_values", "argsort_values", "lexsort_keys", "exact_cuts", "splitter_rounds", "block_layout",
           "even_layout", "spread_evenly", "select_kth"]


def block_layout(comm: Any, counts: list[int]) -> Distribution:
    """1-d block layout whose blocks have the given per-rank lengths."""
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Distribution.row_blocks(comm, (int(bounds[-1]),), bounds)


def even_layout(comm: Any, n: int) -> Distribution:
    """The even 1-d block layout of ``n`` elements over ``comm`` (NumPy's ``array_split`` sizes)."""
    return Distribution.row_blocks(comm, (n,))


def spread_evenly(flat: DistArray) -> DistArray:
    """A 1-d array in an even block layout over all ranks (replicated data: each keeps its part).

    The sorts and set operations start from it: every rank then contributes a
    distinct part of the sequence, in rank order.  One redistribution unless
    ``flat`` is laid out that way already.
    """
    dist = flat.distribution
    if dist.maps[0].dist_type == "b" and not dist.replicated_dims and dist.proc_grid == (flat.comm.Get_size(),):
        return flat
    even = even_layout(flat.comm, flat.size)
    return DistArray._new(redistribute_local(flat.local, dist, even), even)


# --------------------------------------------------------------------------
# Exact splitters: multi-sequence selection over (columns, rank, position)
# --------------------------------------------------------------------------


def _below(cols: Sequence[np.ndarray], key: Sequence[Any], owner: int, pos: int, me: int) -> int:
    """Number of this rank's sorted rows strictly below the key (``key`` columns, ``owner``, ``pos``).

    Rows are sorted lexicographically by ``cols`` (primary first), so each
    column is sorted inside the run where the earlier columns are equal:
    successive searchsorted calls narrow that run.  NumPy's searchsorted
    uses the same order as its sorts (NaNs last, complex lexicographic).
    """
    lo, hi = 0, cols[0].size
    for c, v in zip(cols, key):
        seg = c[lo:hi]
        lo, hi = lo + int(np.searchsorted(seg, v, side="left")), lo + int(np.searchsorted(seg, v, side="right"))
        if lo == hi:
            return lo
    return hi if me < owner else lo if me > owner else pos


def _below_many(cols: Sequence[np.ndarray], keys: Sequence[np.ndarray], owners: np.ndarray, pos: np.ndarray,
                me: int) -> np.ndarray:
    """``_below`` for many keys (vectorised when there is one column)."""
    if len(cols) > 1:
        return np.array([_below(cols, [k[j] for k in keys], int(owners[j]), int(pos[j]), me)
                         for j in range(owners.size)], dtype=np.int64)
    left = np.searchsorted(cols[0], keys[0], side="left")
    right = np.searchsorted(cols[0], keys[0], side="right")
    return np.where(me < owners, right, np.where(me > owners, left, pos)).astype(np.int64)


def _pack(cols: Sequence[np.ndarray], at: np.ndarray, boundary: np.ndarray) -> np.ndarray:
    """Bytes of this rank's proposals: each one's boundary (int32), then each column's values.

    A proposal's position is not sent: only its owner uses it (the tie-break), and the owner knows it.
    """
    parts = [np.ascontiguousarray(boundary, dtype=np.int32).view(np.uint8).reshape(-1)]
    for c in cols:
        parts.append(np.ascontiguousarray(c[at]).view(np.uint8).reshape(-1))
    return np.concatenate(parts)


def _unpack(buf: np.ndarray, cols: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    m = buf.size // (4 + sum(c.dtype.itemsize for c in cols))
    boundary, out, off = buf[:4 * m].view(np.int32), [], 4 * m
    for c in cols:
        nbytes = m * c.dtype.itemsize
        out.append(buf[off: off + nbytes].view(c.dtype))
        off += nbytes
    return boundary, out


def _proposals(n_columns: int) -> int:
    """Proposals per boundary in each round, all ranks together (the multi-column count loops in Python).

    Every rank counts its rows below all (P - 1) S proposals of a round, so S is what one rank can afford to
    receive and search per boundary; a boundary's open rows shrink about S-fold per round.
    """
    return 256 if n_columns == 1 else 32


def splitter_rounds(n_total: int, n_columns: int) -> int:
    """The expected rounds of :func:`exact_cuts`: a boundary's open rows shrink about S-fold per round."""
    return int(np.ceil(np.log(max(n_total, 2)) / np.log(_proposals(n_columns)))) + 2


def cut_bytes_bound(nprocs: int, n_local_max: int, key_bytes: int, n_columns: int) -> int:
    """The data bytes one rank sends in :func:`exact_cuts` (the splitter rounds), for keys spread over the ranks.

    Each round the ranks propose about S keys per open boundary together, each rank in proportion to its
    open rows (randomised rounding: S in expectation): with keys spread evenly, a rank's share of the
    (P - 1) S proposals is about 1/P of them (an int32 boundary and ``key_bytes`` each, sent to the P - 1
    others), and it allreduces one count (4 or 8 bytes) per proposal.  That is O(P S key_bytes log_S N)
    per rank, independent of the data volume; the bound below allows each rank twice its even share of
    the proposals (plus 64) and twice the expected proposals in the counts, at the expected round count.
    """
    P, S = nprocs, _proposals(n_columns)
    rounds = splitter_rounds(max(n_local_max, 1) * P, n_columns)
    mine = 2 * (P - 1) * S // P + 64  # this rank's proposals in a round
    per_round = mine * (4 + key_bytes) * (P - 1) + 2 * (P - 1) * S * 8
    return rounds * per_round


def _draws(comm: Any, round_no: int, n: int) -> np.ndarray:
    """``n`` uniform draws, different per rank and round (for the proposals' randomised rounding)."""
    return np.random.default_rng([round_no, comm.Get_rank(), 20261206]).random(n)


def exact_cuts(comm: Any, cols: Sequence[np.ndarray], n_total: int) -> np.ndarray:
    """Where to cut this rank's sorted rows so that one Alltoallv lands in the even block layout.

    ``cols`` are this rank's rows, sorted lexicographically (primary column
    first); rows are distinct under the implicit (rank, position) tie-break.
    Returns ``cuts`` (length P + 1): rows ``cuts[q]:cuts[q+1]`` go to rank q,
    and rank q then holds exactly the global positions of its even block.

    Every rank keeps, per boundary, the range of its rows not yet known to be
    below or above it; the global number of open rows is known everywhere
    (sums of the brackets).  Each round the ranks propose about S rows per
    open boundary *together*, each its share in proportion to its open rows
    (randomised rounding: S in expectation), evenly spaced in its range (one
    allgather of O(P S) keys per rank); every rank counts its rows below each
    proposal (one allreduce gives the global ranks), and the closest
    proposals on either side of the boundary become its new bracket.  A
    boundary's open rows shrink about S-fold per round: ``log_S N + 1``
    rounds of two small collectives, O(P S) keys per rank each (not
    O(P^2 S): a rank no longer proposes S keys of every boundary).  The cuts
    are exact whatever the proposals; the draws only decide the cost.
    """
    P, me = comm.Get_size(), comm.Get_rank()
    n = cols[0].size
    S = _proposals(len(cols))
    targets = BlockMap(n_total, P).bounds[1:-1].astype(np.int64)
    m = targets.size
    lo = np.zeros(m, np.int64)
    hi = np.full(m, n, np.int64)
    sum_lo = np.zeros(m, np.int64)  # global sums of lo / hi: identical on every rank
    sum_hi = np.full(m, n_total, np.int64)
    count_type = np.int32 if n_total < 2**31 else np.int64  # n_total is global: the same on every rank
    round_no = 0
    while True:
        # A boundary is settled when the rows known below (or not above) it number exactly its target.
        done_lo = sum_lo == targets
        hi[done_lo] = lo[done_lo]
        done_hi = sum_hi == targets
        lo[done_hi] = hi[done_hi]
        open_ = np.flatnonzero(~(done_lo | done_hi))
        if open_.size == 0:
            break
        round_no += 1
        width = (hi - lo)[open_]
        share = S * width / np.maximum(sum_hi - sum_lo, 1)[open_]  # the global open rows: known everywhere
        count = np.minimum(np.floor(share + _draws(comm, round_no, open_.size)).astype(np.int64), width)
        boundary = np.repeat(np.arange(open_.size, dtype=np.int64), count)
        slot = np.arange(boundary.size, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        at = lo[open_][boundary] + slot * width[boundary] // np.maximum(count[boundary], 1)
        pieces = [_unpack(piece, cols) for piece in _comm.allgather_array(comm, _pack(cols, at, boundary))]
        # All proposals in rank order (identical on every rank): boundary, owner, key columns, position.
        bnd = np.concatenate([b for b, _ in pieces]).astype(np.int64)
        owners = np.repeat(np.arange(P), [b.size for b, _ in pieces])
        keys = [np.concatenate([k[c] for _, k in pieces]) for c in range(len(cols))]
        pos = np.zeros(bnd.size, np.int64)
        pos[owners == me] = at  # only the owner's own positions are ever read (_below's tie-break)
        below = _below_many(cols, keys, owners, pos, me)
        # Counts below a proposal are at most n_total: half the bytes when they fit in 32 bits.
        total = _comm.allreduce_array(comm, below.astype(count_type)).astype(np.int64)
        order = np.argsort(bnd, kind="stable")
        starts = np.searchsorted(bnd[order], np.arange(open_.size + 1))
        for j, i in enumerate(open_):
            mine = order[starts[j]:starts[j + 1]]
            t = targets[i]
            left, right = mine[total[mine] < t], mine[total[mine] >= t]
            if left.size:  # the closest proposal below the boundary: it and all below it fall left
                k = left[np.argmax(total[left])]
                lo[i] = below[k] + (1 if owners[k] == me else 0)
                sum_lo[i] = total[k] + 1
            if right.size:  # the closest proposal at or above the boundary: it and all above fall right
                k = right[np.argmin(total[right])]
                hi[i] = below[k]
                sum_hi[i] = total[k]
    return np.concatenate([[0], lo, [n]]).astype(np.int64)


# --------------------------------------------------------------------------
# The sorts: local sort, exact cuts, one Alltoallv per column, local merge
# --------------------------------------------------------------------------


def _plan(comm: Any, cols: Sequence[np.ndarray]) -> tuple[np.ndarray, Distribution]:
    """(send counts, even layout) for sorted rows ``cols``; the first :func:`exchange` learns the receive counts."""
    n_total = _comm.allreduce_scalar(comm, int(cols[0].size), control=True)
    layout = even_layout(comm, int(n_total))
    counts = np.diff(exact_cuts(comm, cols, int(n_total)))
    return counts, layout


def sort_values(comm: Any, values: np.ndarray, kind: Any = None,
                presorted: bool = False) -> tuple[np.ndarray, Distribution]:
    """Sort a distributed 1-d sequence by value only: this rank's even block, and the layout.

    With ``kind="stable"`` (the input in a block layout in rank order) equal
    values, such as -0.0 and 0.0, keep their global order: the local sort is
    stable, the cuts break ties by (rank, position) and the merge is stable.
    ``presorted``: ``values`` is sorted already (the local sort is skipped).

    Peak new memory: the sorted local copy plus the received block (about
    2N/P elements); the copy is freed before the received runs are merged
    in place (timsort merges the P sorted runs in about linear time).
    """
    ordered = values if presorted else np.sort(values, kind=kind)
    if comm.Get_size() == 1:
        return ordered, even_layout(comm, ordered.size)
    counts, layout = _plan(comm, [ordered])
    got = exchange(comm, ordered, counts).data  # the received buffer is the result (no copy)
    del ordered
    got.sort(kind="stable")
    return got, layout


def _offset(comm: Any, n: int) -> int:
    """Global index of this rank's first element in a block layout in rank order."""
    return _comm.exscan_counts(comm, n)[0] if comm.Get_size() > 1 else 0


def _sorted_rows(comm: Any, cols: list[np.ndarray], perm: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, Distribution]:
    """Move rows locally ordered by ``perm`` (sorted ``cols``, primary first) to the even layout.

    Returns the received columns (P sorted runs, not yet merged), their
    global indices and the layout.  The input must be in a block layout in
    rank order, so (columns, rank, position) order is (columns, global
    index) order.  Columns are sent one at a time and freed as they go.
    """
    counts, layout = _plan(comm, cols)
    got, recv_counts = [], None
    while cols:
        received = exchange(comm, cols[0], counts, recv_counts)  # the first one also exchanges the counts
        got.append(received.data)
        recv_counts = received.counts
        del cols[0], received
    perm = perm.astype(np.int64, copy=False)
    perm += _offset(comm, int(perm.size))
    gidx = exchange(comm, perm, counts, recv_counts).data
    return got, gidx, layout


def argsort_values(comm: Any, values: np.ndarray, with_values: bool = False) -> tuple:
    """Stable argsort of a distributed 1-d sequence in a block layout (rank order).

    Returns (global indices, layout), or (sorted values, global indices,
    layout) with ``with_values``.  Peak new memory about three local shares
    of 8-byte words (the permutation, the sorted copy and one received column).
    """
    perm = np.argsort(values, kind="stable")
    if comm.Get_size() == 1:
        return (values[perm], perm.astype(np.int64), even_layout(comm, perm.size)) if with_values else \
            (perm.astype(np.int64), even_layout(comm, perm.size))
    (got,), gidx, layout = _sorted_rows(comm, [values[perm]], perm)
    del perm
    order = np.argsort(got, kind="stable")  # merges the P runs; ties keep (rank, position) = index order
    if not with_values:
        del got
        return gidx[order], layout
    ordered = got[order]
    del got
    return ordered, gidx[order], layout


def sample_sort(comm: Any, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, Distribution]:
    """Globally sort a 1-d sequence in a block layout: (sorted values, their global indices, layout).

    Ties keep global index order.  The result is this rank's block of the
    even block layout over ``comm`` (the returned distribution).
    """
    return argsort_values(comm, values, with_values=True)


def lexsort_keys(comm: Any, keys: Sequence[np.ndarray]) -> tuple[np.ndarray, Distribution]:
    """``np.lexsort`` of distributed 1-d keys (last key primary): global permutation, even layout.

    ``keys`` are this rank's blocks of every key, in one block layout in
    rank order.  One exact splitter selection over all key columns, one
    Alltoallv per column and one for the indices, one local lexsort.
    """
    perm = np.lexsort(keys)
    if comm.Get_size() == 1:
        return perm.astype(np.int64), even_layout(comm, perm.size)
    cols = [k[perm] for k in keys[::-1]]  # primary first
    got, gidx, layout = _sorted_rows(comm, cols, perm)
    del perm
    order = np.lexsort(got[::-1])
    del got
    return gidx[order], layout


def select_kth(comm: Any, values: np.ndarray, ks: list[int]) -> list[Any]:
    """The k-th smallest values (NaN-free ``values`` in pieces over ``comm``), without sorting.

    Each round every rank reports its candidates' middle element; the
    weighted median of those is the pivot; a count below/equal (one allreduce) discards one
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
            # The pivot is a candidate itself (in the values' own dtype: no rounding of large
            # integers, complex order kept), so every round removes at least one candidate.
            mid = np.partition(cand, cand.size // 2)[cand.size // 2: cand.size // 2 + 1] if cand.size else cand[:0]
            meds = np.concatenate(_comm.allgather_array(comm, mid))
            sizes = np.asarray(_comm.allgather_object(comm, int(cand.size)))
            sizes = sizes[sizes > 0]  # ranks with candidates, in rank order like ``meds``
            order = np.argsort(meds, kind="stable")
            cum = np.cumsum(sizes[order])
            pivot = meds[order][np.searchsorted(cum, cum[-1] / 2)]
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


# --------------------------------------------------------------------------
# Queries against a sorted, block-laid sequence: which rank decides a value
# --------------------------------------------------------------------------


def deciding_ranks(comm: Any, sorted_local: np.ndarray, side: str) -> Any:
    """``decide(values) -> rank`` for a sorted sequence laid out in blocks over ``comm`` (collective).

    One allgather of every block's first element; the rank whose block
    would hold a value (``searchsorted`` on the firsts with ``side``)
    decides it.  With every block empty, rank 0 decides everything.
    """
    firsts = _comm.allgather_array(comm, sorted_local[:1])
    nonempty = np.asarray([r for r, f in enumerate(firsts) if f.size], dtype=np.int64)
    first_vals = np.concatenate([firsts[r] for r in nonempty]) if nonempty.size else sorted_local[:0]

    def decide(values: np.ndarray) -> np.ndarray:
        if not nonempty.size:
            return np.zeros(np.shape(values), np.int64)
        k = np.clip(np.searchsorted(first_vals, values, side=side) - 1, 0, nonempty.size - 1)
        return nonempty[k]

    return decide


def ask_deciding_ranks(comm: Any, values: np.ndarray, owner: np.ndarray, answer: Any) -> np.ndarray:
    """Send each of ``values`` to its ``owner`` rank, which computes ``answer(asked)``; the answers, in order.

    Two Alltoallv (the questions, the answers) and one exchange of counts.
    ``answer`` maps a 1-d array of received values to a 1-d array of the
    same length; its dtype is taken from an empty call, so it is the same on
    every rank.
    """
    flat = np.ascontiguousarray(values).reshape(-1)
    order = np.argsort(owner.reshape(-1), kind="stable")
    counts = np.bincount(owner.reshape(-1), minlength=comm.Get_size()).astype(np.int64)
    asked, recv_counts = exchange(comm, flat[order], counts)
    out_dtype = np.asarray(answer(flat[:0])).dtype
    replies = np.asarray(answer(asked), dtype=out_dtype)
    back = exchange(comm, replies, recv_counts, counts).data
    out = np.empty(flat.size, out_dtype)
    out[order] = back
    return out
