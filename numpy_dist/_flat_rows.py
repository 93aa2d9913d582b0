"""Walking rows of 2-d strided operands as flat spans (layer 4, below ``_deferred``).

Local: evaluation of one rank's blocks, no communication.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import comm as _comm

__all__ = ["VALUE", "LEAF", "PIECES", "CONSTANT", "FlatRows", "last_reads"]

# Where a chunked walk reads an operand (see _deferred.walk_plan): a value computed earlier in the
# same chunk (its index), a leaf block sliced per chunk, a shifted operand's pieces, a constant.
VALUE, LEAF, PIECES, CONSTANT = range(4)
_current = _comm._fp_sink  # floating-point errors of a call are recorded into _current[0].flags


class FlatRows:
    """A walk by rows of 2-d operands whose rows lie ``stride`` elements apart, chunks taken as flat spans.

    NumPy runs one inner loop per row of a 2-d strided operand, at about half
    the speed of one loop over as many contiguous elements here (W4's walk of
    ``u[1:-1, :-2]`` and its neighbours: 38 ms a step by rows, 28 flat).
    Read flat, from a chunk's first element to its last, each call is one loop:
    the elements between rows (the parent's other columns) are computed too and
    ignored, and the chunk buffers keep the same row spacing.  Those extra
    elements may raise floating-point errors the values do not; a chunk that
    saw any is computed again by rows (two such chunks end the flat walk), so
    values and errors are exactly the walk by rows'.  A chunk whose operand
    rows come from a received halo (a copy) goes by rows.
    """

    # flats: id(array) -> its rows as one flat span; regions: id(region) -> its walk (_region_plan);
    # spare / lent: buffers of regions' values free / holding a value the chunk still reads
    __slots__ = ("stride", "cols", "plan", "flats", "misses", "capacity", "regions", "spare", "lent")

    def __init__(self, plan: list, stride: int, cols: int, flats: dict) -> None:
        self.stride, self.cols, self.plan, self.flats, self.misses = stride, cols, plan, flats, 0
        self.capacity = 0  # elements of a region buffer: the longest chunk's (set by the walk)
        self.regions: dict[int, list] = {}
        self.spare: dict[np.dtype, list] = {}
        self.lent: list[np.ndarray] = []

    @classmethod
    def of(cls, plan: list, shape: tuple) -> FlatRows | None:
        """The flat walk of ``plan``, or None where rows are contiguous already, spaced unevenly or far apart.

        The leaf blocks' row spacing is the walk's.  A shifted operand is read
        flat where one of its parts holds a chunk's rows whole: a view spaced
        alike, or a pending value's region, computed flat in turn (a received
        halo is a copy: a chunk that reads one goes by rows).
        """
        if len(shape) != 2 or shape[0] < 2 or shape[1] == 0:
            return None
        leaves = [x for specs in plan for kind, x in specs if kind == LEAF]
        strides = {_row_stride(a) for a in leaves}
        if len(strides) != 1 or None in strides or any(a.shape != shape for a in leaves):
            return None
        stride = strides.pop()
        # Only where the gaps are small: a chunk of d[:, :3] read flat would compute every column in between.
        return cls(plan, stride, shape[1], {}) if shape[1] < stride <= shape[1] + shape[1] // 4 else None

    def chunk(self, nodes: list, buffers: list, outs: list, start: int, stop: int) -> np.ndarray | None:
        """Rows ``start:stop`` of every node (kept ones copied to ``outs``): the last node's, or None."""
        length = (stop - start - 1) * self.stride + self.cols
        if length > self.capacity:  # (the first chunk: the longest)
            self.capacity = length
            self.spare.clear()
        else:
            for buffer in self.lent:  # (the regions' values of the last chunk are read no more)
                self.spare.setdefault(buffer.dtype, []).append(buffer)
        self.lent.clear()
        sink = _current[0] = _Flags()
        operands = []
        for specs in self.plan:  # (all first: a chunk that must go by rows computes little flat)
            ins = []
            for kind, x in specs:
                if kind == LEAF or kind == PIECES:
                    x = self._operand(x, start, stop, length)
                    if x is None:
                        return None
                ins.append((kind == VALUE, x))
            operands.append(ins)
        values: list = [None] * len(nodes)
        for i, node in enumerate(nodes):
            values[i] = buffers[i][:length]
            node.ufunc(*[values[x] if computed else x for computed, x in operands[i]], out=values[i])
            if outs[i] is not None:  # (now: a later node may take the buffer over)
                outs[i][start:stop] = self._as_rows(buffers[i], stop - start)
        if sink.flags:
            self.misses += 1
            return None
        return self._as_rows(buffers[-1], stop - start)

    def _operand(self, x: Any, start: int, stop: int, length: int) -> np.ndarray | None:
        """Rows ``start:stop`` of a block or of a shifted operand's pieces, flat; None: they go by rows."""
        if type(x) is np.ndarray:
            flat = self.flats.get(id(x))
            if flat is None:
                if x.ndim != 2 or x.shape[1] != self.cols or not x.shape[0] or \
                        x.shape[0] > 1 and _row_stride(x) != self.stride:
                    return None
                flat = self.flats[id(x)] = np.lib.stride_tricks.as_strided(
                    x, ((x.shape[0] - 1) * self.stride + self.cols,), (x.itemsize,))
            return flat[start * self.stride:start * self.stride + length]
        for key, part in x.parts:
            if key[0].start <= start and stop <= key[0].stop and key[1].start == 0 and key[1].stop == self.cols:
                lo, hi = start - key[0].start, stop - key[0].start
                return self._operand(part, lo, hi, length) if type(part) is np.ndarray else \
                    self._region(part, lo, hi, length)
        return None

    def _region(self, region: Any, start: int, stop: int, length: int) -> np.ndarray | None:
        """Rows of a pending value's region (its copies, operands first), computed flat.

        The copies' values live in buffers reused within the chunk once their
        last reader has run, as the walk's own do: the region of W4's moved
        stencil sum then keeps its working set in cache.  The region's value
        itself is kept to the end of the chunk (the walk reads it after every
        operand is gathered).
        """
        plan = self.regions.get(id(region))
        if plan is None:
            plan = self.regions[id(region)] = _region_plan(region.nodes)
        values: list = [None] * len(plan)
        buffers: list = [None] * len(plan)
        for i, (node, specs, frees) in enumerate(plan):
            ins = []
            for kind, x in specs:
                if kind == VALUE:
                    x = values[x]
                elif kind == LEAF:
                    x = self._operand(x, start, stop, length)
                    if x is None:
                        return None
                ins.append(x)
            for j in frees:  # (before the output is taken: a call may write over its own operand)
                self.spare.setdefault(buffers[j].dtype, []).append(buffers[j])
            pool = self.spare.get(node.dtype)
            buffers[i] = pool.pop() if pool else np.empty(self.capacity, node.dtype)
            values[i] = buffers[i][:length]
            node.ufunc(*ins, out=values[i])
        self.lent.append(buffers[-1])
        return values[-1]

    def _as_rows(self, buffer: np.ndarray, n: int) -> np.ndarray:
        return buffer[:n * self.stride].reshape(n, self.stride)[:, :self.cols]


def last_reads(plan: list) -> list[list[int]]:
    """For each node of a walk's ``plan`` (its operands' ``(kind, x)``), the earlier nodes whose values it
    reads for the last time: their buffers are free from its call on (NumPy computes in place when the
    output is exactly an input, so the call itself may take one).  A value nobody reads is in no list."""
    last = list(range(len(plan)))
    for i, specs in enumerate(plan):
        for kind, x in specs:
            if kind == VALUE:
                last[x] = i
    frees: list[list[int]] = [[] for _ in plan]
    for j, i in enumerate(last):
        if i > j:
            frees[i].append(j)
    return frees


def _region_plan(nodes: list) -> list[tuple[Any, list, list[int]]]:
    """For each copy of a region: ``(node, operands, frees)``.

    ``operands`` are ``(VALUE, index)`` for a copy computed before it, ``(LEAF,
    x)`` for a block or shifted operand read by rows, ``(CONSTANT, x)``;
    ``frees`` the copies whose values it reads for the last time (:func:`last_reads`:
    the region's own value, read by no copy, is in none).
    """
    position = {id(n): i for i, n in enumerate(nodes)}
    plan = [[(VALUE, position[id(a)]) if id(a) in position else
             (LEAF if type(a) is np.ndarray or hasattr(a, "parts") else CONSTANT, a) for a in node.args]
            for node in nodes]
    return list(zip(nodes, plan, last_reads(plan)))


class _Flags:
    __slots__ = ("flags",)

    def __init__(self) -> None:
        self.flags = 0


def _row_stride(a: np.ndarray) -> int | None:
    """How many elements apart the rows of a 2-d array with contiguous rows are (None: not such an array)."""
    if a.ndim != 2 or a.strides[1] != a.itemsize or a.strides[0] <= 0 or a.strides[0] % a.itemsize:
        return None
    return a.strides[0] // a.itemsize
