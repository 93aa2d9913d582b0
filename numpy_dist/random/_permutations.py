"""The permutation methods of :class:`numpy_dist.random.Generator` (``permutation``, ``permuted``, ``shuffle``).

Permutations are sort-free (Sanders' random-scatter algorithm): every row
goes to a bucket drawn uniformly at random, each bucket is sorted by row
index and shuffled with its own stream, and the buckets are concatenated in
order.  That is an exactly uniform permutation, and buckets, bucket streams
and their number depend only on the seed and the length, not on the ranks.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asarray, asnumpy, resolve_distribution
from ..dispatch.ufunc_reduce import local_axes_dist
from ..distarray import DistArray
from ..distribution import Distribution
from ..exchange import exchange
from ..maps import BlockMap
from ..redistribute import redistribute_local
from ._docs import random_doc
from ._streams import CHUNK, SUB_SHUFFLE, SUB_VALUES, flat_positions, stream, values_at

__all__ = ["Permutations"]


class Permutations:
    """The permutation methods of :class:`~numpy_dist.random.Generator`, which inherits them.

    They use the generator's ``comm`` and its ``_next_key()`` (one key per
    collective call), so they draw from the same sequence of calls as the
    other methods.
    """

    comm: Any

    def _permute_rows(self, rows: np.ndarray, gidx: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """This rank's rows of the permuted array (block layout) and the layout's bounds.

        ``rows[i]`` is global row ``gidx[i]``; every row is held by exactly one rank.
        Communication: one Alltoall of counts, two Alltoallv (row ids, rows), one allgather of counts.
        """
        comm, P = self.comm, self.comm.Get_size()
        key = self._next_key()
        nbuckets = max(1, -(-n // CHUNK))
        bucket = values_at(key, SUB_VALUES, gidx, n, np.int64, lambda g, m: g.integers(0, nbuckets, m))
        owner_map = BlockMap(nbuckets, P)
        owner = owner_map.owners(bucket)
        order = np.lexsort((gidx, owner))
        counts = np.bincount(owner, minlength=P).astype(np.int64)
        ids = np.stack([bucket[order], gidx[order]], axis=1).astype(np.int64)
        got_ids, recv_counts = exchange(comm, ids, counts)
        got_rows = exchange(comm, rows[order], counts, recv_counts).data
        # Within my buckets: rows by (bucket, global index), then each bucket shuffled by its own stream.
        srt = np.lexsort((got_ids[:, 1], got_ids[:, 0]))
        b_sorted = got_ids[srt, 0]
        cuts = np.concatenate([[0], np.flatnonzero(np.diff(b_sorted)) + 1, [b_sorted.size]])
        final = np.empty(srt.size, dtype=np.int64)
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist()):  # a loop over buckets (~CHUNK rows each)
            if hi > lo:
                final[lo:hi] = srt[lo:hi][stream(key, SUB_SHUFFLE, int(b_sorted[lo])).permutation(hi - lo)]
        sizes = _comm.allgather_object(comm, int(srt.size))
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return got_rows[final], bounds

    @random_doc
    def permutation(self, x: Any, axis: int = 0, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """A uniformly random permutation of ``range(x)`` (an int), or of ``x`` along ``axis`` (a copy).

        The result is the same for the same seed on any number of ranks.

        Parameters
        ----------
        x : int, array_like or DistArray
            An int ``n`` permutes ``range(n)`` (empty for ``n <= 0``); an array
            is copied with its slices along ``axis`` permuted.  A DistArray
            keeps its distribution; an int or array-like lands in ``dist``.
        axis : int, optional
            The axis whose slices are permuted (default 0); ignored for an int.
        {dist}
            Only for an int or array-like ``x``.
        {grid_shape}

        Returns
        -------
        DistArray
            The permutation.

        Raises
        ------
        TypeError
            If ``dist`` or ``grid_shape`` is given with a DistArray ``x``.
        ValueError
            If ``x`` lives on another communicator than the generator.
        numpy.exceptions.AxisError
            If ``axis`` is out of range.

        See Also
        --------
        numpy.random.Generator.permutation, permuted, shuffle

        Notes
        -----
        Communication: the rows move twice (to their random buckets' owners,
        then into the result's distribution): one Alltoall of counts, three
        Alltoallv, one small allgather.

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> asnumpy(default_rng(42).permutation(6))
        array([1, 0, 5, 3, 2, 4])
        >>> x = np.arange(6).reshape(3, 2)
        >>> asnumpy(default_rng(42).permutation(x))  # whole rows move
        array([[2, 3],
               [0, 1],
               [4, 5]])
        """
        if isinstance(x, (int, np.integer)):
            # As NumPy: ``arange(x)`` shuffled, so a negative x gives an empty result and axis is ignored.
            return self._permuted_range(max(int(x), 0), dist, grid_shape)
        if not isinstance(x, DistArray):
            x = asarray(x, dist=dist, grid_shape=grid_shape, comm=self.comm)
        elif dist is not None or grid_shape is not None:
            raise TypeError("dist/grid_shape apply to an int or array-like x; a DistArray keeps its distribution")
        axis = normalize_axis_index(operator.index(axis), x.ndim)
        if x.comm != self.comm:
            raise ValueError("x lives on another communicator than the generator")
        if axis != 0:
            # Permute the rows of the swapped view; swapping back restores x's distribution.
            return np.swapaxes(self._permuted_rows(np.swapaxes(x, 0, axis)), 0, axis)
        return self._permuted_rows(x)

    def _permuted_range(self, n: int, dist: Any, grid_shape: Any) -> DistArray:
        """A random permutation of ``range(n)`` laid out as ``dist``."""
        P = self.comm.Get_size()
        block = BlockMap(n, P)
        gidx = block.local_indices(self.comm.Get_rank())
        local, bounds = self._permute_rows(gidx.copy(), gidx, n)
        src = Distribution.row_blocks(self.comm, (n,), bounds)
        target = resolve_distribution((n,), dist, grid_shape, None if isinstance(dist, Distribution) else self.comm)
        return DistArray._new(redistribute_local(local, src, target), target)

    def _permuted_rows(self, x: DistArray) -> DistArray:
        """``x`` with its rows (axis 0) randomly permuted, in ``x``'s distribution."""
        rows_dist = Distribution.row_blocks(self.comm, x.shape)
        rows = redistribute_local(x.local, x.distribution, rows_dist)
        gidx = rows_dist.local_indices(0)
        local, bounds = self._permute_rows(rows, gidx, x.shape[0])
        src = Distribution.row_blocks(self.comm, x.shape, bounds)
        return DistArray._new(redistribute_local(local, src, x.distribution), x.distribution)

    @random_doc
    def permuted(self, x: Any, *, axis: int | None = None, out: Any = None) -> DistArray:
        """``x`` with each slice along ``axis`` shuffled independently (all of it when ``axis`` is None).

        As ``numpy.random.Generator.permuted``.  Each element gets a random key
        from the stream at its global position and every slice is sorted by
        its keys, so the result is the same on any number of ranks.

        Parameters
        ----------
        x : array_like or DistArray
            The array (NumPy data every rank holds is distributed first).
        axis : int, optional
            The axis along which each slice is shuffled on its own; None
            (default) shuffles the flattened array.
        out : DistArray, optional
            Receives the result: ``x``'s shape, a dtype ``x``'s casts to
            safely (``x`` itself shuffles in place).

        Returns
        -------
        DistArray
            The shuffled array (``out`` when given), in ``x``'s distribution.

        Raises
        ------
        TypeError
            If ``out`` is not a DistArray or ``x``'s dtype does not cast to it
            safely, or ``x`` is 0-d and ``axis`` None.
        ValueError
            If ``out``'s shape is not ``x``'s.
        numpy.exceptions.AxisError
            If ``axis`` is out of range.

        See Also
        --------
        numpy.random.Generator.permuted, permutation

        Notes
        -----
        Communication: the slices are made whole on one rank each (one
        all-to-all there and back); ``axis=None`` that of :meth:`permutation`.

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> asnumpy(default_rng(42).permuted(np.arange(6).reshape(2, 3), axis=1))
        array([[2, 0, 1],
               [5, 4, 3]])
        """
        if not isinstance(x, DistArray):
            x = asarray(x, comm=self.comm)
        # NumPy's checks, in its order: out's type, shape and (safe) casting, then the axis.
        if out is not None:
            if not isinstance(out, DistArray):
                raise TypeError("out must be a DistArray")
            if out.shape != x.shape:
                raise ValueError("out must have the same shape as x")
            if not np.can_cast(x.dtype, out.dtype, "safe"):
                raise TypeError(f"Cannot cast array data from {x.dtype!r} to {out.dtype!r} according to the rule 'safe'")
        if x.ndim == 0 and axis is None:
            raise TypeError("len() of unsized object")
        if axis is None:
            flat = self.permutation(np.reshape(x, -1)) if x.ndim else x.copy()
            shaped = np.reshape(flat, x.shape)
            result = shaped if shaped.distribution == x.distribution else DistArray._new(
                redistribute_local(shaped.local, shaped.distribution, x.distribution), x.distribution)
        else:
            axis = normalize_axis_index(operator.index(axis), x.ndim)
            result = self._permuted_slices(x, axis)
        if out is None:
            return result
        np.copyto(out, result)
        return out

    def _permuted_slices(self, x: DistArray, axis: int) -> DistArray:
        work = local_axes_dist(x.distribution, (axis,))
        if work is None:  # a 1-d array: the slice is all of it
            return self.permutation(x)
        local = redistribute_local(x.local, x.distribution, work)
        keys = values_at(self._next_key(), SUB_VALUES, flat_positions(work), work.size, np.float64,
                          lambda g, k: g.random(k)).reshape(work.local_shape)
        shuffled = np.take_along_axis(local, np.argsort(keys, axis=axis, kind="stable"), axis=axis)
        return DistArray._new(redistribute_local(shuffled, work, x.distribution), x.distribution)

    @random_doc
    def shuffle(self, x: Any, axis: int = 0) -> None:
        """Permute ``x`` along ``axis`` in place.

        A DistArray gets the same result as :meth:`permutation`; a NumPy
        array that every rank holds is permuted identically on every rank
        (only the permutation of its ``x.shape[axis]`` indices is gathered,
        not the data).

        Parameters
        ----------
        x : DistArray or numpy.ndarray
            The array to shuffle, at least one-dimensional.
        axis : int, optional
            The axis whose slices are permuted (default 0).

        Raises
        ------
        TypeError
            If ``x`` is neither a DistArray nor a NumPy array, or is 0-d.
        numpy.exceptions.AxisError
            If ``axis`` is out of range.

        See Also
        --------
        numpy.random.Generator.shuffle, permutation

        Notes
        -----
        Communication: that of :meth:`permutation` (for a NumPy array, of a
        permutation of ``range(x.shape[axis])``, gathered on every rank).

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> x = np.arange(5)
        >>> default_rng(42).shuffle(x)
        >>> x
        array([0, 3, 2, 1, 4])
        """
        if isinstance(x, DistArray):
            if x.ndim == 0:
                raise TypeError("shuffle needs an array of at least one dimension")
            x.local[...] = self.permutation(x, axis=axis).local
            return
        if not isinstance(x, np.ndarray):
            raise TypeError(f"shuffle needs a DistArray or a NumPy array every rank holds, got {type(x).__name__}")
        if x.ndim == 0:
            raise TypeError("len() of unsized object")
        axis = normalize_axis_index(operator.index(axis), x.ndim)
        order = asnumpy(self._permuted_range(x.shape[axis], None, None))
        x[...] = np.take(x, order, axis=axis)
