"""Bit packing: ``np.packbits`` and ``np.unpackbits``.

The packed axis is moved to the front and laid out in row blocks whose
bounds are multiples of 8 elements (one output byte never straddles two
ranks); each rank packs or unpacks its block and the result is laid out in
the matching row blocks, so every rank holds its share only.  Arguments are
checked first by NumPy on tiny stand-ins of the operand.

Communication: one redistribution of the operand to the aligned row blocks
(nothing moves when it already is); the axis moves are layout changes.
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..distarray import DistArray
from ..distribution import Distribution
from .diagonals import even_bounds
from .manipulation import as_distarray, ravel
from .operands import standin
from .registry import implements

__all__ = ["packbits", "unpackbits"]


def _front(a: DistArray, axis) -> tuple[DistArray, int]:
    """``a`` with the packed axis first (flattened when ``axis`` is None), and that axis.

    NumPy reads a 0-d operand as 1-d here, whatever the axis.
    """
    if axis is None or a.ndim == 0:
        return ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    return np.moveaxis(a, axis, 0), axis


def _back(front: DistArray, axis, ndim: int) -> DistArray:
    return front if axis is None or ndim == 0 else np.moveaxis(front, 0, axis)


@implements(np.packbits)
def packbits(a, /, axis=None, bitorder="big"):
    """``np.packbits``: each rank packs a block of whole bytes of the packed axis.

    Parameters
    ----------
    a : DistArray
        Integer or boolean; nonzero elements are 1 bits.
    axis : int, optional
        Default: the flattened array.
    bitorder : {"big", "little"}

    Returns
    -------
    DistArray
        ``uint8``, the packed axis ``ceil(n / 8)`` long.
    """
    a = as_distarray(a)
    np.packbits(standin(a), axis=axis, bitorder=bitorder)  # NumPy's dtype, axis and bitorder checks
    front, axis_n = _front(a, axis)
    n = front.shape[0]
    nbytes = -(-n // 8)
    byte_bounds = even_bounds(nbytes, a.comm.Get_size())
    bit_bounds = np.minimum(byte_bounds * 8, n)
    aligned = front.to_layout(Distribution.row_blocks(a.comm, front.shape, bit_bounds))
    local = np.packbits(aligned.local, axis=0, bitorder=bitorder)
    out = DistArray._new(local, Distribution.row_blocks(a.comm, (nbytes,) + front.shape[1:], byte_bounds))
    return _back(out, axis, a.ndim)


@implements(np.unpackbits)
def unpackbits(a, /, axis=None, count=None, bitorder="big"):
    """``np.unpackbits``: each rank unpacks its block of bytes of the unpacked axis.

    Parameters
    ----------
    a : DistArray
        ``uint8``.
    axis : int, optional
        Default: the flattened array.
    count : int, optional
        Bits kept along the axis (negative: dropped from the end; more than
        there are: zero padding).
    bitorder : {"big", "little"}

    Returns
    -------
    DistArray
        ``uint8`` bits.
    """
    a = as_distarray(a)
    np.unpackbits(standin(a), axis=axis, bitorder=bitorder)  # NumPy's dtype, axis and bitorder checks
    front, _ = _front(a, axis)
    n = front.shape[0]
    length = 8 * n if count is None else operator.index(count)
    if length < 0:
        if -length > 8 * n:
            raise ValueError("-count larger than number of elements")
        length += 8 * n
    P = a.comm.Get_size()
    byte_bounds = even_bounds(n, P)
    bit_bounds = np.minimum(byte_bounds * 8, length)
    bit_bounds[-1] = length  # padding past the data belongs to the last rank
    aligned = front.to_layout(Distribution.row_blocks(a.comm, front.shape, byte_bounds))
    dist = Distribution.row_blocks(a.comm, (length,) + front.shape[1:], bit_bounds)
    local = np.zeros(dist.local_shape, np.uint8)
    bits = np.unpackbits(aligned.local, axis=0, bitorder=bitorder)
    kept = min(bits.shape[0], local.shape[0])
    local[:kept] = bits[:kept]
    return _back(DistArray._new(local, dist), axis, a.ndim)
