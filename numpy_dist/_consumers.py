"""Operations that consume a pending expression in their own pass, instead of having it computed first.

A full sum reads the expression chunk by chunk as NumPy would sum its block
(:func:`reduce_add`), and an assignment writes it chunk by chunk into the
array it assigns to (:func:`assign`): neither allocates the value's block.
Both walk with :mod:`numpy_dist._deferred`'s engine (its chunks, buffers and
floating-point capture) and settle the nodes as an evaluation does; the
collective flush after the operation agrees on what the walk saw.

Which operation consumes a value is decided on global facts (the value is
pending, its dtype, its layout); how this rank computes it is not, and never
communicates.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _deferred
from ._deferred import LEAF, PIECES, Node, Pieces, Region

__all__ = ["consumable", "reduce_add", "settle_others", "assign", "MAX_DELAY"]

#: Chunks an assignment's writes may trail its walk (a buffer each): a stencil reading one line behind
#: the one it writes needs one line's worth of chunks.
MAX_DELAY = 8


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def consumable(x: Any) -> Node | None:
    """The pending node a fused reduction may consume: real or integer values (see :func:`reduce_add`)."""
    node = x._expr if type(x) is _deferred.array_type() else None
    # Global facts only (pending-ness, dtype and the global size): every rank decides alike.  (Not the
    # walk's order: whether a block is contiguous is local, so reduce_add() handles every order.)
    if node is None or node.dtype.kind not in "biuf" or not x.size:
        return None
    return node


def reduce_add(root: Node) -> np.ndarray:
    """``np.add.reduce`` of ``root``'s whole block, bit for bit, without materialising the block.

    NumPy sums a contiguous float block pairwise: halves split at a multiple of
    8 until a leaf is short.  The leaves here are that recursion's nodes of at
    most ``CHUNK_ELEMENTS`` elements, each computed from the expression into a
    buffer and summed by NumPy's own loop (``initial=-0.0`` adds nothing, not
    even to the sign of a zero); the partials are added in the recursion's
    order.  Integer sums are exact in any order.  An expression walked by rows
    (a view's rows are not NumPy's flat order) is computed, then summed by
    NumPy as the eager call sums it.
    """
    if root.block is not None:  # computed already (by .local on this rank): NumPy's sum of it, the same bits
        return np.asarray(np.add.reduce(root.block, axis=None))
    if root.order == "R":
        try:
            _deferred.evaluate(root)
        except Exception:
            root.computed, root.exc = True, None  # the reduction agrees on this failure
            raise
        return np.asarray(np.add.reduce(root.block, axis=None))
    leaves: list[tuple[int, int]] = []
    tree = _pairwise_tree(0, math.prod(root.shape), leaves)
    zero = root.dtype.type(-0.0) if root.dtype.kind == "f" else None
    partials: list = [None] * len(leaves)

    def consume(i: int, chunk: np.ndarray) -> None:
        partials[i] = np.add.reduce(chunk) if zero is None else np.add.reduce(chunk, initial=zero)

    # The consumed value itself is not kept (a later use computes it again); operands somebody holds are.
    nodes = _deferred.walk_order(root)
    keep = [n is not root and n.holder is not None and n.holder() is not None for n in nodes]
    token = _deferred.capture_on()
    try:
        blocks = _deferred.run_chunks(nodes, keep, root.order, root.shape, leaves, consume)
    except Exception:
        root.computed = True  # the reduction agrees on this failure; a later use computes the value again
        raise
    finally:
        _deferred.capture_off(token)
    _deferred.settle_nodes(nodes, blocks)
    return np.asarray(_combine_tree(tree, partials))


def _pairwise_tree(lo: int, hi: int, leaves: list) -> Any:
    """NumPy's pairwise-summation split of ``[lo, hi)`` down to chunk-sized leaves (leaf indices).

    NumPy splits only above its block of 128 elements, so no leaf is shorter than that.
    """
    n = hi - lo
    if n <= max(_deferred.CHUNK_ELEMENTS, 128):
        leaves.append((lo, hi))
        return len(leaves) - 1
    half = n // 2
    half -= half % 8
    return (_pairwise_tree(lo, lo + half, leaves), _pairwise_tree(lo + half, hi, leaves))


def _combine_tree(tree: Any, partials: list) -> Any:
    if isinstance(tree, int):
        return partials[tree]
    return np.add(_combine_tree(tree[0], partials), _combine_tree(tree[1], partials))


# --------------------------------------------------------------------------
# Assignment: ``u[1:-1] = <pending expression>`` written straight into u
# --------------------------------------------------------------------------


def settle_others(comm: Any, value: Node) -> None:
    """Before an assignment writes: compute, on this rank, what is pending on ``comm`` except ``value``.

    What is pending may read the array about to be written, so it is computed
    now, as the flush before an operation would (the flush after the assignment
    agrees on what it saw).  ``value`` and its pending operands are left to the
    assignment's own walk, and so is a value nobody holds whose copies in other
    layouts do (shifted operands, :mod:`numpy_dist._shift`): the flush skips it.
    """
    mine = {id(n) for n in _deferred.walk_order(value)} if value.block is None else set()
    for node in reversed(_deferred.pending_nodes(comm)):  # the latest first, as a flush evaluates
        if type(node) is not Node or node.computed or node.exc is not None or id(node) in mine:
            continue
        if node.copies and (node.holder is None or node.holder() is None):
            continue
        _deferred.evaluate_quietly(node)


def assign(value: Node, target: np.ndarray) -> bool:
    """Write the pending ``value``, which nobody else holds, into ``target`` in one walk; True when done.

    ``target`` is the assigned view of this rank's block.  Nothing the size of
    the value is allocated: each chunk goes from a small buffer to ``target``.
    The walk may read the memory it writes (a stencil ``u[1:-1] = u[1:-1] +
    (u[:-2] + u[2:])`` reads rows next to those it updates), so a chunk is
    written some chunks late where needed, and only when no operand's rows read
    in a later chunk overlap bytes written before (checked per operand and
    chunk on byte ranges, before anything is written).

    False when the caller must compute the value and copy it: a value already
    computed, another dtype or shape, a small block (one allocation is cheap), a
    single ufunc call (NumPy's own call is the walk), a flat walk the target's
    layout does not follow, or reads too far behind the writes.  An exception in
    the walk is kept on ``value`` and True returned: the flush after the
    assignment raises it on every rank (``target`` may then be written in part).
    """
    if (value.block is not None or value.dtype != target.dtype or value.shape != target.shape
            or not target.flags.writeable or math.prod(value.shape) <= _deferred.CHUNK_ELEMENTS
            or not any(type(a) is Node and a.block is None or type(a) is Pieces for a in value.args)):
        return False
    mode = value.order
    if mode == "R":
        flat = target
    elif target.flags.c_contiguous if mode == "C" else target.flags.f_contiguous:
        flat = target.reshape(-1, order=mode)  # (a view: the walk's flat order is the target's)
    else:
        return False
    nodes = _deferred.walk_order(value)
    plan = _deferred.walk_plan(nodes, mode)
    spans, step, row = _deferred.chunk_spans(mode, value.shape)
    delay = _write_delay(_operands_read(plan), flat, spans)
    if delay is None:
        return False
    held = np.empty((delay + 1 if delay else 0, step * row), value.dtype)  # chunks computed, not written yet

    def put(k: int) -> None:
        part = flat[spans[k][0]:spans[k][1]]
        part[...] = held[k % (delay + 1), :part.size].reshape(part.shape)

    def ring(k: int, shape: tuple) -> np.ndarray:  # (chunk k is computed before chunk k - delay is written)
        return held[k % (delay + 1), :math.prod(shape)].reshape(shape)

    def write(k: int, chunk: np.ndarray) -> None:
        if not delay:
            flat[spans[k][0]:spans[k][1]] = chunk
        elif k >= delay:
            put(k - delay)

    keep = [n is not value and n.holder is not None and n.holder() is not None for n in nodes]
    token = _deferred.capture_on()
    try:
        blocks = _deferred.run_chunks(nodes, keep, mode, value.shape, consume=write, plan=plan,
                                      into=ring if delay else None)
        for k in range(max(len(spans) - delay, 0), len(spans)):
            put(k)
    except Exception as exc:  # noqa: BLE001 - agreed at the flush after the assignment
        value.exc = exc
        return True
    finally:
        _deferred.capture_off(token)
    _deferred.settle_nodes(nodes, blocks)
    value.args = []  # (its value lives in the target now: nothing may compute it again from its operands)
    return True


def _operands_read(plan: list) -> list[tuple[np.ndarray, int]]:
    """Every array a walk reads, with the offset of its rows from the chunk's (shifted operands' parts)."""
    found: list[tuple[np.ndarray, int]] = []

    def parts(pieces: Pieces, offset: int) -> None:
        for key, values in pieces.parts:
            shift = offset - key[0].start
            if type(values) is not Region:
                found.append((values, shift))
                continue
            for copy in values.nodes:  # a pending value's kept part: its copies read their operands by rows
                for a in copy.args:
                    if type(a) is Pieces:
                        parts(a, shift)
                    elif isinstance(a, np.ndarray):
                        found.append((a, shift))

    for specs in plan:
        for kind, x in specs:
            if kind == LEAF:
                found.append((x, 0))
            elif kind == PIECES:
                parts(x, 0)
    return found


def _write_delay(reads: list[tuple[np.ndarray, int]], target: np.ndarray, spans: list) -> int | None:
    """The fewest chunks by which writes into ``target`` must trail the walk so that no read sees one.

    None when more than :data:`MAX_DELAY` would be needed.
    Conservative: the rows an operand reads in a chunk, and the rows written
    before, are compared as byte ranges (first to last byte touched).
    """
    reads = [(a, shift) for a, shift in reads if np.may_share_memory(a, target)]
    if not reads:
        return 0
    starts = np.array([s for s, _ in spans], dtype=np.int64)
    stops = np.array([t for _, t in spans], dtype=np.int64)
    ranges = [_row_bytes(a, starts + shift, stops + shift) for a, shift in reads]
    for delay in range(MAX_DELAY + 1):
        # Before chunk k is computed, chunks 0 .. k-1-delay are written: target rows [0, stops[k-1-delay]).
        written_stop = np.concatenate([np.zeros(1 + delay, np.int64), stops[:-1 - delay]])[:len(spans)]
        w_lo, w_hi = _row_bytes(target, np.zeros_like(written_stop), written_stop)
        if not any(np.any((lo <= w_hi) & (w_lo <= hi)) for lo, hi in ranges):
            return delay
    return None


def _row_bytes(a: np.ndarray, first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per chunk, the first and last byte of ``a[first:stop]`` (rows clipped to ``a``); an empty range is (1, 0)."""
    address = a.__array_interface__["data"][0]
    if a.ndim == 0:
        return np.full(len(first), address, np.int64), np.full(len(first), address + a.itemsize - 1, np.int64)
    inner_lo = sum(min(0, (n - 1) * s) for n, s in zip(a.shape[1:], a.strides[1:]))
    inner_hi = sum(max(0, (n - 1) * s) for n, s in zip(a.shape[1:], a.strides[1:])) + a.itemsize - 1
    lo_row, hi_row = np.clip(first, 0, a.shape[0]), np.clip(stop, 0, a.shape[0]) - 1
    ends = address + np.stack([lo_row, hi_row]) * a.strides[0]
    lo, hi = ends.min(axis=0) + inner_lo, ends.max(axis=0) + inner_hi
    empty = (hi_row < lo_row) | (0 in a.shape[1:])
    return np.where(empty, 1, lo), np.where(empty, 0, hi)
