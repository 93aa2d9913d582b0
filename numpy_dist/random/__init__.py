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
from ._docs import drawn_by, random_doc
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


@random_doc
def default_rng(seed: Any = None, comm: _comm.Intracomm | None = None) -> Generator:
    """A distributed :class:`Generator`; the same ``seed`` gives the same arrays on any number of ranks.

    Parameters
    ----------
    seed : None, int, sequence of int or numpy.random.SeedSequence, optional
        The seed; every rank must pass the same.  None (default): rank 0
        draws fresh OS entropy and broadcasts it.
    comm : mpi4py.MPI.Intracomm, optional
        The ranks that share the generator (default ``COMM_WORLD``); every
        rank of it must make the call.

    Returns
    -------
    Generator
        A generator over ``comm``; its methods are collective.

    Raises
    ------
    TypeError
        If ``seed`` is a generator or bit generator (pass a seed or a
        SeedSequence instead), or ``comm`` is not an mpi4py intracommunicator.

    See Also
    --------
    Generator, numpy.random.default_rng

    Notes
    -----
    Communication: one small broadcast when ``seed`` is None, else none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.random import default_rng
    >>> a = default_rng(3).random(10)
    >>> b = default_rng(3).random(10, dist="c")
    >>> bool(np.array_equal(nd.asnumpy(a), nd.asnumpy(b)))
    True
    """
    c = _comm.get_comm(comm)
    return Generator(_seed_sequence(seed, c), c)


# --------------------------------------------------------------------------
# Module functions (numpy.random / DistArray 0.4 style) on a default generator.
# Communication: as the Generator methods they call (a broadcast of OS entropy
# on the first call when :func:`seed` was not called).
# --------------------------------------------------------------------------

_SHAPE_ARGS = """\
*shape : int, tuple of int or Distribution
    The global shape as separate ints (``d0, d1, ...``) or one tuple, or
    a :class:`~numpy_dist.Distribution` (the seed library's form); none
    draws one scalar."""

_DEFAULT: Generator | None = None


def get_default_generator() -> Generator:
    """The generator behind the module functions (created from OS entropy on first use).

    Returns
    -------
    Generator
        The module's default generator, on ``COMM_WORLD`` unless :func:`seed`
        gave another communicator.

    See Also
    --------
    seed, default_rng

    Notes
    -----
    Communication: on first use without :func:`seed`, one small broadcast
    of OS entropy from rank 0 (so the call is collective then).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.random.seed(7)
    >>> nd.random.get_default_generator() is nd.random.get_default_generator()
    True
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = default_rng(None)
    return _DEFAULT


@random_doc
def seed(seed: Any = None, comm: _comm.Intracomm | None = None) -> None:
    """Reseed the module functions' generator (collective).

    Parameters
    ----------
    seed : None, int, sequence of int or numpy.random.SeedSequence, optional
        As for :func:`default_rng` (None: fresh OS entropy from rank 0).
    comm : mpi4py.MPI.Intracomm, optional
        The ranks that share the generator (default ``COMM_WORLD``); every
        rank of it must make the call.

    Raises
    ------
    TypeError
        If ``seed`` is a generator or bit generator, or ``comm`` is not an
        mpi4py intracommunicator.

    See Also
    --------
    default_rng, get_default_generator

    Notes
    -----
    Communication: one small broadcast when ``seed`` is None, else none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.random.seed(7)
    >>> a = nd.asnumpy(nd.random.rand(3))
    >>> nd.random.seed(7)
    >>> bool((nd.asnumpy(nd.random.rand(3)) == a).all())
    True
    """
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


@drawn_by("random", _SHAPE_ARGS,
          "np.round(nd.asnumpy(nd.random.rand(2, 2)), 4)",
          "array([[0.0484, 0.8224],\n       [0.0937, 0.1035]])")
def rand(*shape: Any, **kwargs: Any) -> Any:
    """Uniform [0, 1) samples: ``rand(d0, d1, ...)``, ``rand(shape)`` or ``rand(distribution)``."""
    size, kwargs = _shape_args(shape, kwargs)
    return get_default_generator().random(size, **kwargs)


@drawn_by("standard_normal", _SHAPE_ARGS,
          "np.round(nd.asnumpy(nd.random.randn(3)), 4)",
          "array([ 0.158 ,  0.7415, -1.6936])")
def randn(*shape: Any, **kwargs: Any) -> Any:
    """Standard normal samples: ``randn(d0, d1, ...)``, ``randn(shape)`` or ``randn(distribution)``."""
    size, kwargs = _shape_args(shape, kwargs)
    return get_default_generator().standard_normal(size, **kwargs)


@drawn_by("integers", """\
low : int
    The lowest value (or, with ``high=None``, one above the highest, from 0).
high : int, optional
    One above the highest value.
{size}
dtype : dtype, optional
    An integer result dtype (default int64).""",
          "nd.asnumpy(nd.random.randint(0, 5, size=4))",
          "array([0, 0, 4, 4])")
def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64, **kwargs: Any) -> Any:
    """Integers in [low, high) (``numpy.random.randint``)."""
    return get_default_generator().integers(low, high, size, dtype, **kwargs)


@drawn_by("random", "{size}",
          "np.round(nd.asnumpy(nd.random.random(3)), 4)",
          "array([0.0484, 0.8224, 0.0937])")
def random(size: Any = None, **kwargs: Any) -> Any:
    """Uniform floats in [0, 1) from the module generator (see :meth:`Generator.random`)."""
    return get_default_generator().random(size, **kwargs)


@drawn_by("uniform", """\
low : float, array_like or DistArray, optional
    The lower bound (default 0.0).
high : float, array_like or DistArray, optional
    The upper bound (default 1.0).
{size}""",
          "np.round(nd.asnumpy(nd.random.uniform(0, 10, size=3)), 4)",
          "array([0.4837, 8.2242, 0.9369])")
def uniform(low: float = 0.0, high: float = 1.0, size: Any = None, **kwargs: Any) -> Any:
    """Uniform floats in [low, high) from the module generator."""
    return get_default_generator().uniform(low, high, size, **kwargs)


@drawn_by("normal", """\
loc : float, array_like or DistArray, optional
    The mean (default 0.0).
scale : float, array_like or DistArray, optional
    The standard deviation (default 1.0), not negative.
{size}""",
          "np.round(nd.asnumpy(nd.random.normal(0, 1, size=3)), 4)",
          "array([ 0.158 ,  0.7415, -1.6936])")
def normal(loc: float = 0.0, scale: float = 1.0, size: Any = None, **kwargs: Any) -> Any:
    """Normal samples from the module generator (the seed's ``normal``)."""
    return get_default_generator().normal(loc, scale, size, **kwargs)


@drawn_by("standard_normal", "{size}",
          "np.round(nd.asnumpy(nd.random.standard_normal(3)), 4)",
          "array([ 0.158 ,  0.7415, -1.6936])")
def standard_normal(size: Any = None, **kwargs: Any) -> Any:
    """Standard normal samples from the module generator."""
    return get_default_generator().standard_normal(size, **kwargs)


@drawn_by("exponential", """\
scale : float, array_like or DistArray, optional
    The mean (default 1.0), not negative.
{size}""",
          "np.round(nd.asnumpy(nd.random.exponential(1.0, size=3)), 4)",
          "array([0.0808, 1.4904, 0.5309])")
def exponential(scale: float = 1.0, size: Any = None, **kwargs: Any) -> Any:
    """Exponential samples from the module generator."""
    return get_default_generator().exponential(scale, size, **kwargs)


@drawn_by("integers", """\
low : int
    The lowest value (or, with ``high=None``, one above the highest, from 0).
high : int, optional
    One above the highest value.
{size}""",
          "nd.asnumpy(nd.random.integers(0, 5, size=4))",
          "array([0, 0, 4, 4])")
def integers(low: int, high: int | None = None, size: Any = None, **kwargs: Any) -> Any:
    """Random integers from the module generator (see :meth:`Generator.integers`)."""
    return get_default_generator().integers(low, high, size, **kwargs)


@drawn_by("choice", """\
a : int or array_like
    The population: ``range(a)`` or the rows of an array every rank holds.
{size}
replace : bool, optional
    If True (default), a row may be picked more than once.
p : array_like of float, optional
    The probability of each row; default uniform.""",
          "nd.asnumpy(nd.random.choice(4, size=3))",
          "array([0, 0, 3])")
def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, **kwargs: Any) -> Any:
    """Random picks from the module generator (see :meth:`Generator.choice`)."""
    return get_default_generator().choice(a, size, replace, p, **kwargs)


@drawn_by("permutation", """\
x : int, array_like or DistArray
    ``range(x)`` for an int, else the array whose rows are permuted.""",
          "nd.asnumpy(nd.random.permutation(5))",
          "array([2, 0, 1, 4, 3])")
def permutation(x: Any, **kwargs: Any) -> DistArray:
    """A random permutation from the module generator (see :meth:`Generator.permutation`)."""
    return get_default_generator().permutation(x, **kwargs)


def shuffle(x: DistArray) -> None:
    """Shuffle the rows of ``x`` in place with the module generator.

    Calls :meth:`Generator.shuffle` of the module's default generator
    (:func:`get_default_generator`; :func:`seed` reseeds it).

    Parameters
    ----------
    x : DistArray or numpy.ndarray
        The array whose rows (axis 0) are permuted.

    Raises
    ------
    TypeError
        If ``x`` is neither a DistArray nor a NumPy array, or is 0-d.

    See Also
    --------
    Generator.shuffle, permutation

    Notes
    -----
    Communication: as :meth:`Generator.permutation`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.random.seed(7)
    >>> x = nd.asarray(np.arange(5))
    >>> nd.random.shuffle(x)
    >>> nd.asnumpy(x)
    array([2, 0, 1, 4, 3])
    """
    get_default_generator().shuffle(x)


class Random:
    """The seed library's ``Random(context)`` facade: methods take a Distribution first.

    Parameters
    ----------
    context : Context, mpi4py.MPI.Intracomm or None, optional
        Whose ranks draw (a :class:`~numpy_dist.Context` or a communicator;
        default ``COMM_WORLD``).  The generator starts from fresh OS entropy;
        :meth:`seed` makes it reproducible.

    See Also
    --------
    default_rng

    Notes
    -----
    Communication: creating it broadcasts OS entropy from rank 0 (one small
    message); the draws communicate as the :class:`Generator` methods they call.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.random import Random
    >>> r = Random(nd.Context())
    >>> r.seed(5)
    >>> np.round(nd.asnumpy(r.rand(nd.Distribution(None, (4,)))), 4)
    array([0.7436, 0.5029, 0.6532, 0.7574])
    """

    def __init__(self, context: Any = None):
        self.comm = _comm.get_comm(getattr(context, "comm", context))
        self._rng = default_rng(None, self.comm)

    def seed(self, seed: Any = None) -> None:
        """Restart the draws from ``seed`` (collective).

        Parameters
        ----------
        seed : None, int, sequence of int or numpy.random.SeedSequence, optional
            As for :func:`default_rng` (None: fresh OS entropy from rank 0).

        Raises
        ------
        TypeError
            If ``seed`` is a generator or bit generator.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from numpy_dist.random import Random
        >>> r = Random()
        >>> r.seed(5)
        """
        self._rng = default_rng(seed, self.comm)

    def rand(self, distribution: Distribution) -> DistArray:
        """Uniform floats in ``[0, 1)`` laid out as ``distribution``.

        Parameters
        ----------
        distribution : Distribution
            The result's global shape and layout.

        Returns
        -------
        DistArray
            The draws (:meth:`Generator.random`).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> r = nd.random.Random()
        >>> r.seed(5)
        >>> np.round(nd.asnumpy(r.rand(nd.Distribution(None, (4,)))), 4)
        array([0.7436, 0.5029, 0.6532, 0.7574])
        """
        return self._rng.random(dist=distribution)

    def randn(self, distribution: Distribution) -> DistArray:
        """Standard normal samples laid out as ``distribution``.

        Parameters
        ----------
        distribution : Distribution
            The result's global shape and layout.

        Returns
        -------
        DistArray
            The draws (:meth:`Generator.standard_normal`).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> r = nd.random.Random()
        >>> r.seed(5)
        >>> np.round(nd.asnumpy(r.randn(nd.Distribution(None, (4,)))), 4)
        array([ 0.8373, -0.0327, -0.3786, -0.0644])
        """
        return self._rng.standard_normal(dist=distribution)

    def normal(self, distribution: Distribution, loc: float = 0.0, scale: float = 1.0) -> DistArray:
        """Normal samples of mean ``loc`` and standard deviation ``scale``, laid out as ``distribution``.

        Parameters
        ----------
        distribution : Distribution
            The result's global shape and layout.
        loc : float, optional
            The mean (default 0.0).
        scale : float, optional
            The standard deviation (default 1.0), not negative.

        Returns
        -------
        DistArray
            The draws (:meth:`Generator.normal`).

        Raises
        ------
        ValueError
            If ``scale`` is negative.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> r = nd.random.Random()
        >>> r.seed(5)
        >>> np.round(nd.asnumpy(r.normal(nd.Distribution(None, (4,)), 10.0, 1.0)), 4)
        array([10.8373,  9.9673,  9.6214,  9.9356])
        """
        return self._rng.normal(loc, scale, dist=distribution)

    def randint(self, distribution: Distribution, low: int, high: int | None = None) -> DistArray:
        """Random integers from ``[low, high)`` laid out as ``distribution``.

        Parameters
        ----------
        distribution : Distribution
            The result's global shape and layout.
        low : int
            The lowest value (with ``high=None``: one above the highest, from 0).
        high : int, optional
            One above the highest value.

        Returns
        -------
        DistArray
            int64 draws (:meth:`Generator.integers`).

        Raises
        ------
        ValueError
            If the interval is empty.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> r = nd.random.Random()
        >>> r.seed(5)
        >>> nd.asnumpy(r.randint(nd.Distribution(None, (4,)), 0, 10))
        array([8, 7, 9, 5])
        """
        return self._rng.integers(low, high, dist=distribution)
