"""Distributed random numbers whose values do not depend on the number of ranks.

The flat C-order index space of the result is cut into fixed chunks of
:data:`CHUNK` elements.  Chunk ``k`` of a call is drawn by NumPy from its own
counter-based stream, ``Philox(key=K, counter=[0, 0, sub, k])``, where the
128-bit key ``K`` comes from ``SeedSequence(seed, spawn_key=(call,))`` and
``call`` counts the generator's calls (identical on every rank: calls are
collective).  A rank draws only the chunks that hold its elements and keeps
only its own positions, so the same seed gives the same global array on any
number of ranks and in any distribution.

Permutations are sort-free (Sanders' random-scatter algorithm): every row
goes to a bucket drawn uniformly at random, each bucket is sorted by row
index and shuffled with its own stream, and the buckets are concatenated in
order.  That is an exactly uniform permutation, and buckets, bucket streams
and their number depend only on the seed and the length, not on the ranks.

Examples
--------
>>> import numpy_dist as nd
>>> from numpy_dist.random import default_rng
>>> x = default_rng(42).normal(size=(4, 3), dist="c")
>>> x.shape
(4, 3)
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from . import comm as _comm
from .creation import asarray, asnumpy, resolve_distribution
from .dispatch.ufunc_reduce import local_axes_dist
from .distarray import DistArray, check_dtype
from .distribution import Distribution, normalize_shape
from .exchange import exchange
from .maps import BlockMap
from .redistribute import redistribute_local, reshape_local

__all__ = ["CHUNK", "Generator", "default_rng", "Random", "seed", "rand", "randn", "randint", "random",
           "uniform", "normal", "standard_normal", "exponential", "integers", "choice", "permutation",
           "shuffle", "get_default_generator"]

#: Elements per chunk of the flat index space (each chunk has its own stream).
CHUNK = 1 << 16

_SUB_VALUES, _SUB_SHUFFLE = 0, 1  # Philox counter word 2: which sub-stream of a call


def _flat_positions(dist: Distribution) -> np.ndarray:
    """Global C-order flat index of each element of this rank's block (local C order, int64)."""
    strides = np.ones(dist.ndim, dtype=np.int64)
    for axis in range(dist.ndim - 2, -1, -1):
        strides[axis] = strides[axis + 1] * dist.shape[axis + 1]
    flat = np.zeros(dist.local_shape, dtype=np.int64)
    for axis in range(dist.ndim):
        view = [1] * dist.ndim
        view[axis] = -1
        flat += dist.local_indices(axis).reshape(view) * strides[axis]
    return flat.reshape(-1)


def _stream(key: np.ndarray, sub: int, k: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(key=key, counter=[0, 0, sub, k]))


def _values_at(key: np.ndarray, sub: int, positions: np.ndarray, total: int, dtype: Any,
               draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
    """Values of the global stream at flat ``positions`` (in ``[0, total)``), chunk by chunk.

    Each needed chunk is drawn whole (``draw(gen, chunk_length)``), so a
    value never depends on which other positions a rank asked for.
    """
    out = np.empty(positions.size, dtype=dtype)
    if positions.size == 0:
        return out
    order = None
    if positions.size > 1 and np.any(np.diff(positions) < 0):
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
    chunk = positions // CHUNK
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(chunk)) + 1, [positions.size]])
    for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist()):  # a loop over chunks, not elements
        k = int(chunk[lo])
        values = draw(_stream(key, sub, k), min(CHUNK, total - k * CHUNK))
        picked = values[positions[lo:hi] - k * CHUNK]
        if order is None:
            out[lo:hi] = picked
        else:
            out[order[lo:hi]] = picked
    return out


def _is_array_param(value: Any) -> bool:
    return isinstance(value, DistArray) or np.ndim(value) != 0


def _as_param(value: Any) -> Any:
    """A DistArray as is; anything else (lists, scalars) as a float64 NumPy array, as NumPy converts them.

    Complex parameters raise TypeError and non-numeric ones ValueError (NumPy's classes).
    """
    if isinstance(value, DistArray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"parameters must be real, got dtype {value.dtype}")
        return value
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"parameters must be real, got dtype {array.dtype}")
    return array.astype(np.float64)


def _anywhere(condition: Any) -> bool:
    """``any(condition)``, the same on every rank (a DistArray condition is reduced collectively)."""
    return bool(np.any(condition))


def _check_nonnegative(value: Any, name: str) -> None:
    """NumPy's check on a scale parameter (ValueError), whatever the result's size."""
    if _anywhere(value < 0):
        raise ValueError(f"{name} < 0")


def _check_range(width: Any) -> None:
    """NumPy's checks on ``high - low`` in ``uniform``: ValueError if negative, OverflowError if not finite."""
    if _anywhere(width < 0):
        raise ValueError("high - low < 0")
    if _anywhere(~np.isfinite(width)):
        raise OverflowError("high - low range exceeds valid bounds")


def _is_shape(size: Any) -> bool:
    try:
        normalize_shape(size, "size")
    except (TypeError, ValueError):
        return False
    return True


def _scalar_param(value: Any, name: str) -> Any:
    if isinstance(value, DistArray) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a scalar (array-valued parameters are not supported), got {value!r}")
    return value


def _pick(pool: np.ndarray, idx: Any) -> Any:
    """``pool[idx]`` for a replicated pool: rows of ``pool`` picked by a DistArray (or scalar) of row numbers.

    The axes of ``pool`` after the first are appended, not distributed.
    """
    if not isinstance(idx, DistArray):
        return pool[idx]
    d = idx.distribution
    trailing = pool.shape[1:]
    dist = d.extended(trailing)
    return DistArray._new(pool[idx.local], dist)


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
            count = 1 if _is_shape(raw) else raw  # a malformed size: NumPy's own reaction to it
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
        values = _values_at(key, _SUB_VALUES, _flat_positions(target), target.size, dtype, draw)
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
        if _is_array_param(low) or _is_array_param(high):
            low, high = _as_param(low), _as_param(high)
            width = high - low
            _check_range(width)
            return self._affine(low, width, size, shape, dist, grid_shape, lambda g, n: g.random(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.uniform(low, high, n))

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, shape: Any = None,
               dist: Any = None, grid_shape: Any = None) -> Any:
        """Normal (Gaussian) samples, mean ``loc``, standard deviation ``scale`` (scalars, arrays or DistArrays)."""
        if _is_array_param(loc) or _is_array_param(scale):
            loc, scale = _as_param(loc), _as_param(scale)
            _check_nonnegative(scale, "scale")
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
        if _is_array_param(scale):
            scale = _as_param(scale)
            _check_nonnegative(scale, "scale")
            return self._affine(None, scale, size, shape, dist, grid_shape, lambda g, n: g.standard_exponential(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.exponential(scale, n))

    # -- discrete ---------------------------------------------------------------------------
    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, *, shape: Any = None, dist: Any = None, grid_shape: Any = None) -> Any:
        """Integers in [low, high) (or [low, high] with ``endpoint``); ``high=None`` means [0, low)."""
        low = _scalar_param(low, "low")
        high = None if high is None else _scalar_param(high, "high")
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
        return idx if pool is None else _pick(pool, idx)

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
        return idx if pool is None else _pick(pool, idx)

    def _weighted_without_replacement(self, n: int, p: np.ndarray, pool: np.ndarray | None,
                                      target: Distribution | None) -> Any:
        """``choice(n, replace=False, p=p)`` by an exponential race (Efraimidis & Spirakis, 2006).

        The ``m`` smallest of ``E_i / p_i`` (``E_i`` standard exponential), in
        increasing order, are a successive weighted sample without replacement:
        the law NumPy's own ``choice`` draws from.  ``p`` is held whole on every
        rank, so every rank computes the same ``n`` keys: no communication.
        """
        m = 1 if target is None else target.size
        e = _values_at(self._next_key(), _SUB_VALUES, np.arange(n, dtype=np.int64), n, np.float64,
                       lambda g, k: g.standard_exponential(k))
        with np.errstate(divide="ignore"):
            race = e / p  # p == 0: never chosen (NumPy checked there are enough non-zero p)
        order = np.argsort(race, kind="stable")[:m].astype(np.int64)
        if target is None:
            return order[0] if pool is None else pool[order[0]]
        idx = DistArray._new(order[_flat_positions(target)].reshape(target.local_shape), target)
        return idx if pool is None else _pick(pool, idx)

    # -- permutations ---------------------------------------------------------------------------
    def _permute_rows(self, rows: np.ndarray, gidx: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """This rank's rows of the permuted array (block layout) and the layout's bounds.

        ``rows[i]`` is global row ``gidx[i]``; every row is held by exactly one rank.
        Communication: one Alltoall of counts, two Alltoallv (row ids, rows), one allgather of counts.
        """
        comm, P = self.comm, self.comm.Get_size()
        key = self._next_key()
        nbuckets = max(1, -(-n // CHUNK))
        bucket = _values_at(key, _SUB_VALUES, gidx, n, np.int64, lambda g, m: g.integers(0, nbuckets, m))
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
                final[lo:hi] = srt[lo:hi][_stream(key, _SUB_SHUFFLE, int(b_sorted[lo])).permutation(hi - lo)]
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
        keys = _values_at(self._next_key(), _SUB_VALUES, _flat_positions(work), work.size, np.float64,
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


def _seed_sequence(seed: Any, comm: _comm.Intracomm) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (Generator, np.random.Generator, np.random.BitGenerator)):
        raise TypeError("seed must be None, an int, a sequence of ints or a SeedSequence")
    if seed is None:
        # Fresh OS entropy, drawn once and shared so every rank uses the same streams.
        entropy = _comm.bcast_object(comm, np.random.SeedSequence().entropy if comm.Get_rank() == 0 else None)
        return np.random.SeedSequence(entropy)
    return np.random.SeedSequence(seed)


def default_rng(seed: Any = None, comm: _comm.Intracomm | None = None) -> Generator:
    """A distributed :class:`Generator`; the same ``seed`` gives the same arrays on any number of ranks.

    Parameters
    ----------
    seed : None, int, sequence of int or numpy.random.SeedSequence
        None: rank 0 draws OS entropy and broadcasts it.
    comm : mpi4py.MPI.Intracomm, optional
        Default ``COMM_WORLD``.

    Communication: one small broadcast when ``seed`` is None, else none.

    Examples
    --------
    >>> from numpy_dist.random import default_rng
    >>> a = default_rng(3).random(10)
    >>> b = default_rng(3).random(10, dist="c")
    >>> bool((a.toarray() == b.toarray()).all())
    True
    """
    c = _comm.get_comm(comm)
    return Generator(_seed_sequence(seed, c), c)


# --------------------------------------------------------------------------
# Module functions (numpy.random / DistArray 0.4 style) on a default generator.
# Communication: as the Generator methods they call (a broadcast of OS entropy
# on the first call when :func:`seed` was not called).
# --------------------------------------------------------------------------

_DEFAULT: Generator | None = None


def get_default_generator() -> Generator:
    """The generator behind the module functions (created from OS entropy on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = default_rng(None)
    return _DEFAULT


def seed(seed: Any = None, comm: _comm.Intracomm | None = None) -> None:
    """Reseed the module functions' generator (collective)."""
    global _DEFAULT
    _DEFAULT = default_rng(seed, comm)


def _shape_args(args: tuple, kwargs: dict) -> tuple[Any, dict]:
    """``rand(2, 3)``, ``rand((2, 3))`` or the seed's ``rand(distribution)``."""
    if len(args) == 1 and isinstance(args[0], Distribution):
        kwargs.setdefault("dist", args[0])
        return None, kwargs
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        return args[0], kwargs
    return (tuple(args) if args else None), kwargs


def rand(*shape: Any, **kwargs: Any) -> Any:
    """Uniform [0, 1) samples: ``rand(d0, d1, ...)``, ``rand(shape)`` or ``rand(distribution)``."""
    size, kwargs = _shape_args(shape, kwargs)
    return get_default_generator().random(size, **kwargs)


def randn(*shape: Any, **kwargs: Any) -> Any:
    """Standard normal samples: ``randn(d0, d1, ...)``, ``randn(shape)`` or ``randn(distribution)``."""
    size, kwargs = _shape_args(shape, kwargs)
    return get_default_generator().standard_normal(size, **kwargs)


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64, **kwargs: Any) -> Any:
    """Integers in [low, high) (``numpy.random.randint``)."""
    return get_default_generator().integers(low, high, size, dtype, **kwargs)


def random(size: Any = None, **kwargs: Any) -> Any:
    """Uniform floats in [0, 1) from the module generator (see :meth:`Generator.random`)."""
    return get_default_generator().random(size, **kwargs)


def uniform(low: float = 0.0, high: float = 1.0, size: Any = None, **kwargs: Any) -> Any:
    """Uniform floats in [low, high) from the module generator."""
    return get_default_generator().uniform(low, high, size, **kwargs)


def normal(loc: float = 0.0, scale: float = 1.0, size: Any = None, **kwargs: Any) -> Any:
    """Normal samples from the module generator (the seed's ``normal``)."""
    return get_default_generator().normal(loc, scale, size, **kwargs)


def standard_normal(size: Any = None, **kwargs: Any) -> Any:
    """Standard normal samples from the module generator."""
    return get_default_generator().standard_normal(size, **kwargs)


def exponential(scale: float = 1.0, size: Any = None, **kwargs: Any) -> Any:
    """Exponential samples from the module generator."""
    return get_default_generator().exponential(scale, size, **kwargs)


def integers(low: int, high: int | None = None, size: Any = None, **kwargs: Any) -> Any:
    """Random integers from the module generator (see :meth:`Generator.integers`)."""
    return get_default_generator().integers(low, high, size, **kwargs)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, **kwargs: Any) -> Any:
    """Random picks from the module generator (see :meth:`Generator.choice`)."""
    return get_default_generator().choice(a, size, replace, p, **kwargs)


def permutation(x: Any, **kwargs: Any) -> DistArray:
    """A random permutation from the module generator (see :meth:`Generator.permutation`)."""
    return get_default_generator().permutation(x, **kwargs)


def shuffle(x: DistArray) -> None:
    """Shuffle the rows of ``x`` in place with the module generator."""
    get_default_generator().shuffle(x)


class Random:
    """The seed's ``Random(context)`` facade: methods take a Distribution first.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist.random import Random
    >>> r = Random(nd.Context())
    >>> r.seed(5)
    >>> r.rand(nd.Distribution(None, (4,))).shape
    (4,)
    """

    def __init__(self, context: Any = None):
        self.comm = _comm.get_comm(getattr(context, "comm", context))
        self._rng = default_rng(None, self.comm)

    def seed(self, seed: Any = None) -> None:
        self._rng = default_rng(seed, self.comm)

    def rand(self, distribution: Distribution) -> DistArray:
        return self._rng.random(dist=distribution)

    def randn(self, distribution: Distribution) -> DistArray:
        return self._rng.standard_normal(dist=distribution)

    def normal(self, distribution: Distribution, loc: float = 0.0, scale: float = 1.0) -> DistArray:
        return self._rng.normal(loc, scale, dist=distribution)

    def randint(self, distribution: Distribution, low: int, high: int | None = None) -> DistArray:
        return self._rng.integers(low, high, dist=distribution)
