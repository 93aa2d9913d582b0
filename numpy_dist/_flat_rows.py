"""Walking rows of 2-d strided operands as flat spans (layer 4, below ``_deferred``).

Local: evaluation of one rank's blocks, no communication.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import comm as _comm

__all__ = ["VALUE", "LEAF", "PIECES", "CONSTANT", "FlatRows"]

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

    __slots__ = ("stride", "cols", "plan", "flats", "misses")

    def __init__(self, plan: list, stride: int, cols: int, flats: dict) -> None:
        self.stride, self.cols, self.plan, self.flats, self.misses = stride, cols, plan, flats, 0

    @classmethod
    def of(cls, plan: list, shape: tuple) -> FlatRows | None:
        """The flat walk of ``plan``, or None where rows are contiguous already or spaced unevenly.

        The leaf blocks' row spacing is the walk's; a shifted operand's parts of
        whole rows spaced alike are read flat too (a received halo is a copy:
        a chunk that reads one goes by rows).
        """
        if len(shape) != 2 or shape[0] < 2 or shape[1] == 0:
            return None
        leaves = [x for specs in plan for kind, x in specs if kind == LEAF]
        pieces = [x for specs in plan for kind, x in specs if kind == PIECES]
        strides = {_row_stride(a) for a in leaves}
        if any(a.shape != shape for a in leaves) or len(strides) > 1 or None in strides:
            return None
        parts = [[v for _, v in x.parts if type(v) is np.ndarray and v.ndim == 2 and v.shape[1] == shape[1]
                  and v.shape[0] > 1] for x in pieces]
        if not strides:  # (no leaf: the shifted operands' own parts say)
            strides = {_row_stride(v) for found in parts for v in found}
            if len(strides) != 1 or None in strides:
                return None
        stride = strides.pop()
        parts = [[v for v in found if _row_stride(v) == stride] for found in parts]
        if stride <= shape[1] or not all(parts):
            return None
        flats = {id(a): np.lib.stride_tricks.as_strided(a, ((a.shape[0] - 1) * stride + a.shape[1],), (a.itemsize,))
                 for a in leaves + [v for found in parts for v in found]}
        return cls(plan, stride, shape[1], flats)

    def _rows(self, a: np.ndarray, start: int, length: int) -> np.ndarray:
        return self.flats[id(a)][start * self.stride:start * self.stride + length]

    def chunk(self, nodes: list, buffers: list, outs: list, start: int, stop: int) -> np.ndarray | None:
        """Rows ``start:stop`` of every node (kept ones copied to ``outs``): the last node's, or None."""
        length = (stop - start - 1) * self.stride + self.cols
        operands = []
        for specs in self.plan:  # (all first: a chunk that must go by rows computes nothing flat)
            ins = []
            for kind, x in specs:
                if kind == LEAF:
                    x = self._rows(x, start, length)
                elif kind == PIECES:
                    x = self._piece_rows(x, start, stop, length)
                    if x is None:
                        return None
                ins.append((kind == VALUE, x))
            operands.append(ins)
        values: list = [None] * len(nodes)
        sink = _current[0] = _Flags()
        for i, node in enumerate(nodes):
            values[i] = buffers[i][:length]
            node.ufunc(*[values[x] if computed else x for computed, x in operands[i]], out=values[i])
            if outs[i] is not None:  # (now: a later node may take the buffer over)
                outs[i][start:stop] = self._as_rows(buffers[i], stop - start)
        if sink.flags:
            self.misses += 1
            return None
        return self._as_rows(buffers[-1], stop - start)

    def _piece_rows(self, pieces: Any, start: int, stop: int, length: int) -> np.ndarray | None:
        """A shifted operand's rows read flat from the one part that holds them whole, or None."""
        for key, values in pieces.parts:
            if key[0].start <= start and stop <= key[0].stop and id(values) in self.flats \
                    and values.shape[1] == self.cols:
                return self._rows(values, start - key[0].start, length)
        return None

    def _as_rows(self, buffer: np.ndarray, n: int) -> np.ndarray:
        return buffer[:n * self.stride].reshape(n, self.stride)[:, :self.cols]


class _Flags:
    __slots__ = ("flags",)

    def __init__(self) -> None:
        self.flags = 0


def _row_stride(a: np.ndarray) -> int | None:
    """How many elements apart the rows of a 2-d array with contiguous rows are (None: not such an array)."""
    if a.ndim != 2 or a.strides[1] != a.itemsize or a.strides[0] <= 0 or a.strides[0] % a.itemsize:
        return None
    return a.strides[0] // a.itemsize
