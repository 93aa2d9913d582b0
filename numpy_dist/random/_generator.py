"""The distributed random :class:`Generator` (see :mod:`numpy_dist.random` for the streams it draws)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asarray, asnumpy, resolve_distribution
from ..dispatch.ufunc_reduce import local_axes_dist
from ..distarray import DistArray, check_dtype
from ..distribution import Distribution, normalize_shape
from ..exchange import exchange
from ..maps import BlockMap
from ..redistribute import redistribute_local, reshape_local
from ._docs import random_doc
from ._streams import (CHUNK, SUB_SHUFFLE, SUB_VALUES, as_param, check_nonnegative, check_range,
                       flat_positions, is_array_param, is_shape, pick, scalar_param, stream, values_at)

__all__ = ["Generator"]


class Generator:
    """A distributed random generator (create it with :func:`default_rng`).

    Every method is collective over the generator's communicator and returns
    a DistArray (or, with ``size=None`` and no ``dist``, a NumPy scalar equal
    on every rank).  ``size`` (alias ``shape``) is the global shape;
    ``dist``/``grid_shape`` choose the distribution (default block along
    axis 0).  ``uniform``, ``normal`` and ``exponential`` take array or
    DistArray parameters too (broadcast as in NumPy); the others take scalars.

    Communication: none for the elementwise draws (each rank computes its
    own elements); see :meth:`permutation` for permutations.

    Examples
    --------
    >>> from numpy_dist.random import default_rng
    >>> rng = default_rng(7)
    >>> rng.integers(0, 10, size=5).shape
    (5,)
    """

    def __init__(self, seed_seq: np.random.SeedSequence, comm: _comm.Intracomm):
        self._seq = seed_seq
        self.comm = comm
        self._calls = 0

    def __repr__(self) -> str:
        return f"Generator(entropy={self._seq.entropy}, calls={self._calls}, nprocs={self.comm.Get_size()})"

    # -- machinery ------------------------------------------------------------------
    def _next_key(self) -> np.ndarray:
        seq = np.random.SeedSequence(self._seq.entropy, spawn_key=tuple(self._seq.spawn_key) + (self._calls,),
                                     pool_size=self._seq.pool_size)
        self._calls += 1
        return seq.generate_state(2, np.uint64)

    def _target(self, size: Any, shape: Any, dist: Any, grid_shape: Any) -> Distribution | None:
        if size is not None and shape is not None:
            raise TypeError("give size or shape, not both")
        size = shape if size is None else size
        if size is None:
            if isinstance(dist, Distribution):
                return dist
            if dist is not None or grid_shape is not None:
                raise TypeError("dist and grid_shape need a size (or a Distribution as dist)")
            return None
        size = normalize_shape(size, "size")
        if isinstance(dist, Distribution):
            return resolve_distribution(size, dist, grid_shape, None)
        return resolve_distribution(size, dist, grid_shape, self.comm)

    def _validated_target(self, size: Any, shape: Any, dist: Any, grid_shape: Any,
                          check: Callable[[Any], Any]) -> tuple[Distribution | None, Any]:
        """The result's distribution (None: a scalar) and NumPy's probe value, after NumPy's own checks.

        NumPy checks the parameters first, then the size, and skips some checks
        (``low >= high`` in ``integers``, an empty ``choice`` population) when
        the result is empty.  So a throw-away NumPy call ``check(count)`` for
        one value (none for an empty result, ``None`` for a scalar, the raw
        size when it is malformed) decides: every rank runs the same check
        whatever its block holds, before any communication.
        """
        try:
            target, size_error = self._target(size, shape, dist, grid_shape), None
        except (TypeError, ValueError) as exc:
            target, size_error = None, exc
        raw = shape if size is None else size
        if size_error is not None:
            count = 1 if is_shape(raw) else raw  # a malformed size: NumPy's own reaction to it
        elif target is None:
            count = None
        else:
            count = min(target.size, 1)
        probe = check(count)
        if size_error is not None:
            raise size_error
        return target, probe

    def _fill(self, size: Any, shape: Any, dist: Any, grid_shape: Any, dtype: Any,
              draw: Callable[[np.random.Generator, int], np.ndarray]) -> Any:
        target, probe = self._validated_target(size, shape, dist, grid_shape,
                                               lambda count: draw(np.random.Generator(np.random.Philox(0)), count))
        dtype = np.dtype(dtype)
        scalar = target is None
        if scalar:
            target = Distribution(self.comm, (), "n")
        key = self._next_key()
        values = values_at(key, SUB_VALUES, flat_positions(target), target.size, dtype, draw)
        out = values.reshape(target.local_shape)
        return type(probe)(out[()]) if scalar else DistArray._new(out, target)  # NumPy's scalar type

    # -- continuous ---------------------------------------------------------------------
    def random(self, size: Any = None, dtype: Any = np.float64, *, shape: Any = None, dist: Any = None,
               grid_shape: Any = None) -> Any:
        """Uniform floats in [0, 1) (``numpy.random.Generator.random``)."""
        dt = check_dtype(dtype)
        return self._fill(size, shape, dist, grid_shape, dt, lambda g, n: g.random(n, dtype=dt))

    def _affine(self, offset: Any, factor: Any, size: Any, shape: Any, dist: Any, grid_shape: Any,
                draw: Callable[[np.random.Generator, int], np.ndarray]) -> Any:
        """``offset + factor * standard_draws`` for array-valued parameters (DistArrays or arrays).

        NumPy computes its scalar-parameter draws the same way (``loc + scale *
        z``), so an array of equal parameters gives the scalar call's values.
        Without ``size`` the result has the parameters' broadcast shape, laid
        out like a DistArray parameter of that shape when there is one.
        """
        params = [p for p in (offset, factor) if p is not None]
        if size is None and shape is None:
            shape = np.broadcast_shapes(*(np.shape(p) for p in params))
            if dist is None and grid_shape is None:
                dist = next((p.distribution for p in params if isinstance(p, DistArray) and p.shape == shape), None)
        target = shape if size is None else size
        target = normalize_shape(target, "size")
        for name, p in zip(("offset", "factor"), (offset, factor)):
            if p is not None and np.broadcast_shapes(np.shape(p), target) != target:
                raise ValueError(f"{name} parameter of shape {np.shape(p)} does not broadcast to size {target}")
        z = self._fill(None, target, dist, grid_shape, np.float64, draw)
        result = z if factor is None else np.multiply(factor, z, out=z) if np.shape(factor) == target else factor * z
        return result if offset is None else offset + result

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, *, shape: Any = None,
                dist: Any = None, grid_shape: Any = None) -> Any:
        """Uniform floats in [low, high); ``low``/``high`` may be arrays or DistArrays (broadcast)."""
        if is_array_param(low) or is_array_param(high):
            low, high = as_param(low), as_param(high)
            width = high - low
            check_range(width)
            return self._affine(low, width, size, shape, dist, grid_shape, lambda g, n: g.random(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.uniform(low, high, n))

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, shape: Any = None,
               dist: Any = None, grid_shape: Any = None) -> Any:
        """Normal (Gaussian) samples, mean ``loc``, standard deviation ``scale`` (scalars, arrays or DistArrays)."""
        if is_array_param(loc) or is_array_param(scale):
            loc, scale = as_param(loc), as_param(scale)
            check_nonnegative(scale, "scale")
            return self._affine(loc, scale, size, shape, dist, grid_shape, lambda g, n: g.standard_normal(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.normal(loc, scale, n))

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, *, shape: Any = None,
                        dist: Any = None, grid_shape: Any = None) -> Any:
        """Standard normal samples (float64 or float32)."""
        dt = check_dtype(dtype)
        return self._fill(size, shape, dist, grid_shape, dt, lambda g, n: g.standard_normal(n, dtype=dt))

    def exponential(self, scale: Any = 1.0, size: Any = None, *, shape: Any = None, dist: Any = None,
                    grid_shape: Any = None) -> Any:
        """Exponential samples with the given ``scale`` (1 / rate; a scalar, array or DistArray)."""
        if is_array_param(scale):
            scale = as_param(scale)
            check_nonnegative(scale, "scale")
            return self._affine(None, scale, size, shape, dist, grid_shape, lambda g, n: g.standard_exponential(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.exponential(scale, n))

    # -- discrete ---------------------------------------------------------------------------
    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, *, shape: Any = None, dist: Any = None, grid_shape: Any = None) -> Any:
        """Integers in [low, high) (or [low, high] with ``endpoint``); ``high=None`` means [0, low)."""
        low = scalar_param(low, "low")
        high = None if high is None else scalar_param(high, "high")
        dt = check_dtype(dtype)
        return self._fill(size, shape, dist, grid_shape, dt,
                          lambda g, n: g.integers(low, high, n, dtype=dt, endpoint=endpoint))

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, axis: int = 0, *,
               shape: Any = None, dist: Any = None, grid_shape: Any = None) -> Any:
        """Random picks from ``range(a)`` (an int) or from the rows of an array ``a`` every rank holds.

        ``p`` gives probabilities (default uniform).  ``replace=False`` takes
        the first ``size`` entries of a distributed permutation, or with ``p``
        the winners of an exponential race.  The result has shape ``size + a.shape[1:]``; the
        axes after ``size`` are not distributed.
        """
        if isinstance(a, DistArray):
            raise TypeError("choice needs an int or an array every rank holds, not a DistArray")
        # NumPy's own checks (a, p, replace, axis) at the global size, identical on every rank.
        target, _ = self._validated_target(
            size, shape, dist, grid_shape,
            lambda count: np.random.default_rng(0).choice(a, size=count, replace=replace, p=p, axis=axis))
        pool = np.asarray(a)
        if pool.ndim == 0:
            n, pool = operator.index(pool.item()), None
        else:
            if axis not in (0, -pool.ndim):
                raise NotImplementedError("choice from an array is supported along axis 0 only")
            n = pool.shape[0]
        if not replace:
            if p is not None:
                # NumPy's size-dependent checks first (a sample larger than the population, fewer non-zero
                # p than the size): they cost O(len(p)), data every rank holds anyway.
                np.random.default_rng(0).choice(n, size=None if target is None else target.size,
                                                replace=False, p=p)
                return self._weighted_without_replacement(n, np.asarray(p, np.float64), pool, target)
            return self._choice_without_replacement(n, pool, target)
        if p is None:
            draw = lambda g, m: g.integers(0, n, m)  # noqa: E731
        else:
            cdf = np.cumsum(np.asarray(p, dtype=np.float64))
            cdf /= cdf[-1]
            draw = lambda g, m: np.minimum(np.searchsorted(cdf, g.random(m), side="right"), n - 1)  # noqa: E731
        idx = self._fill(None, None, target, None, np.int64, draw)
        return idx if pool is None else pick(pool, idx)

    def _choice_without_replacement(self, n: int, pool: np.ndarray | None, target: Distribution | None) -> Any:
        m = 1 if target is None else target.size
        if m > n:
            raise ValueError(f"cannot take a larger sample ({m}) than the population ({n}) without replacement")
        perm = self.permutation(n)
        # The first m entries of the block-distributed permutation, then laid out as the target.
        bounds = np.minimum(perm.distribution.maps[0].bounds, m)
        head = Distribution.row_blocks(self.comm, (m,), bounds)
        keep = perm.local[: max(0, int(bounds[perm.distribution.coords[0] + 1] - bounds[perm.distribution.coords[0]]))]
        if target is None:
            local = reshape_local(keep, head, Distribution(self.comm, (1,), "n"))[0]
            return local if pool is None else pool[local]
        idx = DistArray._new(reshape_local(keep, head, target), target)
        return idx if pool is None else pick(pool, idx)

    def _weighted_without_replacement(self, n: int, p: np.ndarray, pool: np.ndarray | None,
                                      target: Distribution | None) -> Any:
        """``choice(n, replace=False, p=p)`` by an exponential race (Efraimidis & Spirakis, 2006).

        The ``m`` smallest of ``E_i / p_i`` (``E_i`` standard exponential), in
        increasing order, are a successive weighted sample without replacement:
        the law NumPy's own ``choice`` draws from.  ``p`` is held whole on every
        rank, so every rank computes the same ``n`` keys: no communication.
        """
        m = 1 if target is None else target.size
        e = values_at(self._next_key(), SUB_VALUES, np.arange(n, dtype=np.int64), n, np.float64,
                       lambda g, k: g.standard_exponential(k))
        with np.errstate(divide="ignore"):
            race = e / p  # p == 0: never chosen (NumPy checked there are enough non-zero p)
        order = np.argsort(race, kind="stable")[:m].astype(np.int64)
        if target is None:
            return order[0] if pool is None else pool[order[0]]
        idx = DistArray._new(order[flat_positions(target)].reshape(target.local_shape), target)
        return idx if pool is None else pick(pool, idx)

    # -- permutations ---------------------------------------------------------------------------
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

    def permutation(self, x: Any, axis: int = 0, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """A uniformly random permutation of ``range(x)`` (an int), or of ``x`` along ``axis`` (a copy).

        The result is the same for the same seed on any number of ranks.  A
        DistArray keeps its distribution; an int or array-like lands in
        ``dist`` (default block).

        Communication: the rows move twice (to their random buckets' owners,
        then into the result's distribution): one Alltoall of counts, three
        Alltoallv, one small allgather.

        Examples
        --------
        >>> from numpy_dist.random import default_rng
        >>> sorted(default_rng(1).permutation(5).toarray().tolist())
        [0, 1, 2, 3, 4]
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

    def permuted(self, x: Any, *, axis: int | None = None, out: Any = None) -> DistArray:
        """``x`` with each slice along ``axis`` shuffled independently (all of it when ``axis`` is None).

        As ``numpy.random.Generator.permuted``: ``out`` (a DistArray of x's
        shape, may be ``x`` itself) receives the result.  Each element gets a
        random key from the stream at its global position and every slice is
        sorted by its keys, so the result is the same on any number of ranks.
        Communication: the slices are made whole on one rank each (one
        all-to-all there and back); ``axis=None`` permutes the flattened array.

        Examples
        --------
        >>> from numpy_dist.random import default_rng
        >>> import numpy as np
        >>> x = default_rng(1).permuted(np.arange(6).reshape(2, 3), axis=1)
        >>> [sorted(row) for row in x.toarray().tolist()]
        [[0, 1, 2], [3, 4, 5]]
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

    def shuffle(self, x: Any, axis: int = 0) -> None:
        """Permute ``x`` along ``axis`` in place (a DistArray, or a NumPy array every rank holds).

        A DistArray gets the same result as :meth:`permutation`; a NumPy
        array is permuted identically on every rank (only the permutation
        of its ``x.shape[axis]`` indices is gathered, not the data).
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
