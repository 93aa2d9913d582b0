"""The distributed random :class:`Generator` (see :mod:`numpy_dist.random` for the streams it draws)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import resolve_distribution
from ..distarray import DistArray, check_dtype
from ..distribution import Distribution, normalize_shape
from ..redistribute import reshape_local
from ._docs import random_doc
from ._permutations import Permutations
from ._streams import (SUB_VALUES, as_param, check_nonnegative, check_range,
                       flat_positions, is_array_param, is_shape, pick, scalar_param, values_at)

__all__ = ["Generator"]


class Generator(Permutations):
    """A distributed random generator (create it with :func:`default_rng`).

    Every method is collective over the generator's communicator and returns
    a DistArray (or, with ``size=None`` and no ``dist``, a NumPy scalar equal
    on every rank).  ``size`` (alias ``shape``) is the global shape;
    ``dist``/``grid_shape`` choose the distribution (default block along
    axis 0).  ``uniform``, ``normal`` and ``exponential`` take array or
    DistArray parameters too (broadcast as in NumPy); the others take scalars.
    The same seed gives the same global values on any number of ranks and
    in any distribution.

    Parameters
    ----------
    seed_seq : numpy.random.SeedSequence
        Where the streams come from; every rank must pass an equal one.
    comm : mpi4py.MPI.Intracomm
        The ranks that share the generator.

    See Also
    --------
    default_rng, numpy.random.Generator

    Notes
    -----
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
    @random_doc
    def random(self, size: Any = None, dtype: Any = np.float64, *, shape: Any = None, dist: Any = None,
               grid_shape: Any = None) -> Any:
        """Uniform floats in the half-open interval ``[0, 1)``.

        Parameters
        ----------
        {size}
        dtype : {float64, float32}, optional
            The result's dtype (default float64).
        {layout}

        Returns
        -------
        DistArray or numpy.floating
            The draws: a DistArray of shape ``size`` (or of ``dist``), or one
            NumPy scalar, equal on every rank, when neither is given.

        Raises
        ------
        TypeError
            If both ``size`` and ``shape`` are given, or ``dist`` or
            ``grid_shape`` without a size (unless ``dist`` is a Distribution).  Also if ``dtype`` is neither float64 nor float32.
        ValueError
            If ``size`` has a negative entry.

        See Also
        --------
        numpy.random.Generator.random, uniform

        Notes
        -----
        {draw_communication}

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> np.round(asnumpy(default_rng(42).random(4)), 4)
        array([0.2197, 0.4562, 0.184 , 0.4462])
        >>> default_rng(42).random(4, dist="c").shape  # the same values, laid out cyclically
        (4,)
        """
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

    @random_doc
    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, *, shape: Any = None,
                dist: Any = None, grid_shape: Any = None) -> Any:
        """Uniform floats in the half-open interval ``[low, high)``.

        Parameters
        ----------
        low : float, array_like or DistArray, optional
            The lower bound (default 0.0).  Arrays broadcast with ``high``.
        high : float, array_like or DistArray, optional
            The upper bound (default 1.0).
        {size}
            Without ``size``, array parameters give their broadcast shape.
        {layout}

        Returns
        -------
        DistArray or numpy.float64
            The draws: a DistArray of shape ``size`` (or of ``dist``), or one
            NumPy scalar, equal on every rank, when neither is given.

        Raises
        ------
        ValueError
            If ``high - low`` is negative somewhere, or the parameters do not
            broadcast to ``size``.
        OverflowError
            If ``high - low`` is not finite.
        {layout_error}

        See Also
        --------
        numpy.random.Generator.uniform, random

        Notes
        -----
        {draw_communication}
        DistArray parameters: their checks are reduced over all ranks (one
        small collective each).

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> np.round(asnumpy(default_rng(42).uniform(-1.0, 1.0, size=3)), 4)
        array([-0.5605, -0.0876, -0.632 ])
        >>> np.round(asnumpy(default_rng(42).uniform(np.array([0.0, 10.0]), 11.0)), 4)
        array([ 2.4172, 10.4562])
        """
        if is_array_param(low) or is_array_param(high):
            low, high = as_param(low), as_param(high)
            width = high - low
            check_range(width)
            return self._affine(low, width, size, shape, dist, grid_shape, lambda g, n: g.random(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.uniform(low, high, n))

    @random_doc
    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, shape: Any = None,
               dist: Any = None, grid_shape: Any = None) -> Any:
        """Samples of the normal (Gaussian) distribution of mean ``loc`` and standard deviation ``scale``.

        Parameters
        ----------
        loc : float, array_like or DistArray, optional
            The mean (default 0.0).  Arrays broadcast with ``scale``.
        scale : float, array_like or DistArray, optional
            The standard deviation (default 1.0), not negative.
        {size}
            Without ``size``, array parameters give their broadcast shape.
        {layout}

        Returns
        -------
        DistArray or numpy.float64
            The draws: a DistArray of shape ``size`` (or of ``dist``), or one
            NumPy scalar, equal on every rank, when neither is given.

        Raises
        ------
        ValueError
            If ``scale`` is negative somewhere, or the parameters do not
            broadcast to ``size``.
        {layout_error}

        See Also
        --------
        numpy.random.Generator.normal, standard_normal

        Notes
        -----
        {draw_communication}

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> np.round(asnumpy(default_rng(42).normal(10.0, 2.0, size=(2, 2))), 4)
        array([[ 7.3298, 12.2308],
               [ 7.3661,  7.5681]])
        """
        if is_array_param(loc) or is_array_param(scale):
            loc, scale = as_param(loc), as_param(scale)
            check_nonnegative(scale, "scale")
            return self._affine(loc, scale, size, shape, dist, grid_shape, lambda g, n: g.standard_normal(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.normal(loc, scale, n))

    @random_doc
    def standard_normal(self, size: Any = None, dtype: Any = np.float64, *, shape: Any = None,
                        dist: Any = None, grid_shape: Any = None) -> Any:
        """Samples of the standard normal distribution (mean 0, standard deviation 1).

        Parameters
        ----------
        {size}
        dtype : {float64, float32}, optional
            The result's dtype (default float64).
        {layout}

        Returns
        -------
        DistArray or numpy.floating
            The draws: a DistArray of shape ``size`` (or of ``dist``), or one
            NumPy scalar, equal on every rank, when neither is given.

        Raises
        ------
        TypeError
            If both ``size`` and ``shape`` are given, or ``dist`` or
            ``grid_shape`` without a size (unless ``dist`` is a Distribution).  Also if ``dtype`` is neither float64 nor float32.

        See Also
        --------
        numpy.random.Generator.standard_normal, normal

        Notes
        -----
        {draw_communication}

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> np.round(asnumpy(default_rng(42).standard_normal(3)), 4)
        array([-1.3351,  1.1154, -1.317 ])
        """
        dt = check_dtype(dtype)
        return self._fill(size, shape, dist, grid_shape, dt, lambda g, n: g.standard_normal(n, dtype=dt))

    @random_doc
    def exponential(self, scale: Any = 1.0, size: Any = None, *, shape: Any = None, dist: Any = None,
                    grid_shape: Any = None) -> Any:
        """Samples of the exponential distribution of mean ``scale`` (the inverse of the rate).

        Parameters
        ----------
        scale : float, array_like or DistArray, optional
            The mean (default 1.0), not negative.
        {size}
            Without ``size``, an array ``scale`` gives its shape.
        {layout}

        Returns
        -------
        DistArray or numpy.float64
            The draws: a DistArray of shape ``size`` (or of ``dist``), or one
            NumPy scalar, equal on every rank, when neither is given.

        Raises
        ------
        ValueError
            If ``scale`` is negative somewhere, or does not broadcast to ``size``.
        {layout_error}

        See Also
        --------
        numpy.random.Generator.exponential

        Notes
        -----
        {draw_communication}

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> np.round(asnumpy(default_rng(42).exponential(2.0, size=3)), 4)
        array([0.6699, 1.7529, 0.6055])
        """
        if is_array_param(scale):
            scale = as_param(scale)
            check_nonnegative(scale, "scale")
            return self._affine(None, scale, size, shape, dist, grid_shape, lambda g, n: g.standard_exponential(n))
        return self._fill(size, shape, dist, grid_shape, np.float64, lambda g, n: g.exponential(scale, n))

    # -- discrete ---------------------------------------------------------------------------
    @random_doc
    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, *, shape: Any = None, dist: Any = None, grid_shape: Any = None) -> Any:
        """Random integers from ``[low, high)``, or ``[low, high]`` with ``endpoint``.

        Parameters
        ----------
        low : int
            The lowest value (or, with ``high=None``, the upper bound and
            ``low`` is 0).
        high : int, optional
            One above the highest value (the highest itself with ``endpoint``).
        {size}
        dtype : dtype, optional
            An integer (or bool) result dtype (default int64).
        endpoint : bool, optional
            If True, ``high`` may be drawn.  Default False.
        {layout}

        Returns
        -------
        DistArray or numpy.integer
            The draws: a DistArray of shape ``size`` (or of ``dist``), or one
            NumPy scalar, equal on every rank, when neither is given.

        Raises
        ------
        ValueError
            If the interval is empty (``low >= high``) or outside ``dtype``'s range.
        TypeError
            If ``low`` or ``high`` is an array (only scalars are supported),
            ``dtype`` is not an integer type, or as for the layout: both
            ``size`` and ``shape``, or ``dist``/``grid_shape`` without a size.

        See Also
        --------
        numpy.random.Generator.integers

        Notes
        -----
        {draw_communication}

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> asnumpy(default_rng(42).integers(0, 10, size=6))
        array([4, 2, 6, 4, 4, 1])
        >>> asnumpy(default_rng(42).integers(1, 6, size=6, endpoint=True))  # dice
        array([3, 2, 4, 3, 3, 2])
        """
        low = scalar_param(low, "low")
        high = None if high is None else scalar_param(high, "high")
        dt = check_dtype(dtype)
        return self._fill(size, shape, dist, grid_shape, dt,
                          lambda g, n: g.integers(low, high, n, dtype=dt, endpoint=endpoint))

    @random_doc
    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, axis: int = 0, *,
               shape: Any = None, dist: Any = None, grid_shape: Any = None) -> Any:
        """Random picks from ``range(a)`` (an int) or from the rows of an array ``a`` every rank holds.

        Parameters
        ----------
        a : int or array_like
            The population: ``range(a)``, or the rows (axis 0) of an array
            every rank holds whole (not a DistArray).
        {size}
            The result has shape ``size + a.shape[1:]``; the axes after
            ``size`` are not distributed.
        replace : bool, optional
            If True (default), a row may be picked more than once.
        p : array_like of float, optional
            The probability of each row (summing to one); default uniform.
        axis : int, optional
            The axis of ``a`` to pick along; only 0 is supported.
        {layout}

        Returns
        -------
        DistArray or scalar
            The picks: a DistArray, or one value (equal on every rank) when
            neither ``size`` nor ``dist`` is given.

        Raises
        ------
        TypeError
            If ``a`` is a DistArray, or as for the layout: both ``size`` and
            ``shape``, or ``dist``/``grid_shape`` without a size.
        ValueError
            As NumPy's ``choice``: an empty population with picks to make,
            ``p`` of the wrong length or not summing to one, more picks than
            rows (or than non-zero ``p``) without replacement.
        NotImplementedError
            If ``axis`` is not 0.

        See Also
        --------
        numpy.random.Generator.choice, permutation

        Notes
        -----
        Communication: none with replacement.  Without replacement and no
        ``p``: that of :meth:`permutation` of ``range(len(a))``; with ``p``:
        none (an exponential race every rank runs on the whole ``p``).

        Examples
        --------
        >>> import numpy as np
        >>> from numpy_dist import asnumpy
        >>> from numpy_dist.random import default_rng
        >>> asnumpy(default_rng(42).choice(5, size=4, replace=False))
        array([0, 3, 2, 1])
        >>> asnumpy(default_rng(42).choice(np.array([10, 20, 30]), size=5, p=[0.1, 0.1, 0.8]))
        array([30, 30, 20, 30, 30])
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
