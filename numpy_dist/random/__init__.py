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
from typing import Any

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ._docs import random_doc
from ._generator import Generator
from ._streams import CHUNK

__all__ = ["CHUNK", "Generator", "default_rng", "Random", "seed", "rand", "randn", "randint", "random",
           "uniform", "normal", "standard_normal", "exponential", "integers", "choice", "permutation",
           "shuffle", "get_default_generator"]


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
