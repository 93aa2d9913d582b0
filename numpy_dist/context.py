"""The seed's ``Context`` API, kept so code written for DistArray 0.4 ports.

A thin compatibility layer: every method delegates to the SPMD core (one
implementation each).  There is no client/engine split any more: every rank
runs the program, so a ``Context`` is just a communicator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from mpi4py import MPI

from . import comm as _comm
from . import creation
from . import io as _io
from .distarray import DistArray
from .distribution import Distribution
from .random import Random

__all__ = ["Context"]


class RegisteredFunctions:
    """The seed's ``register``: ``obj.register(f)`` makes ``obj.f(*args)`` run ``obj.apply(f, args, kwargs)``.

    Shared by :class:`Context` and the notebook client's context and client (they define ``apply``).
    """

    def register(self, func: Callable) -> Callable:
        """Make ``func`` callable as ``obj.<name>(...)``, running on every rank's local blocks."""
        self.__dict__.setdefault("_registered", {})[func.__name__] = func
        return func

    def __getattr__(self, name: str) -> Any:
        registered = self.__dict__.get("_registered", {})
        if name in registered:
            func = registered[name]
            return lambda *args, **kwargs: self.apply(func, args, kwargs)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


class Context(RegisteredFunctions):
    """Creates and loads DistArrays on one communicator (the seed's entry point).

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm, optional
        Default ``COMM_WORLD``.
    client : numpy_dist.client.Client, optional
        A notebook's client: the context creates arrays on its engines
        (``Client.context()``: the same methods, returning proxies).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> ctx = nd.Context()
    >>> d = ctx.fromarray(np.arange(6.0))
    >>> d.toarray().tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    """

    def __new__(cls, comm: MPI.Intracomm | None = None, client: Any = None) -> Any:
        # With a notebook's client (numpy_dist.client), the seed's model: arrays live on its engines.
        if client is not None:
            if comm is not None:
                raise TypeError("Context takes comm= (SPMD) or client= (a notebook's engines), not both")
            return client.context()
        return super().__new__(cls)

    def __init__(self, comm: MPI.Intracomm | None = None, client: Any = None):
        self.comm = _comm.get_comm(comm)
        self._registered: dict[str, Callable] = {}

    @property
    def targets(self) -> list[int]:
        return list(range(self.comm.Get_size()))

    def _dist(self, distribution: Any, shape: Any = None) -> Any:
        if distribution is None and shape is not None:
            return Distribution(self.comm, shape)
        return distribution

    def _layout(self, distribution: Any, dist: Any, grid_shape: Any) -> Distribution:
        """A Distribution given, or one built on this context's communicator from a shape."""
        if isinstance(distribution, Distribution):
            if dist is not None or grid_shape is not None:
                raise TypeError("dist= and grid_shape= apply to a shape, not to a Distribution")
            return distribution
        return Distribution(self.comm, distribution, dist=dist, grid_shape=grid_shape)

    def empty(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """Uninitialised DistArray laid out by ``distribution`` (a Distribution, or a shape).

        Parameters
        ----------
        distribution : Distribution or int or tuple of ints
            The layout, or a global shape (then ``dist``/``grid_shape`` choose
            the layout on this context's communicator; default block rows).
        dtype : dtype, optional
        """
        d = self._layout(distribution, dist, grid_shape)
        return creation.empty(d.shape, dtype, dist=d)

    def zeros(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """Zeros laid out by ``distribution`` (a Distribution, or a shape: see :meth:`empty`)."""
        d = self._layout(distribution, dist, grid_shape)
        return creation.zeros(d.shape, dtype, dist=d)

    def ones(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """Ones laid out by ``distribution`` (a Distribution, or a shape: see :meth:`empty`)."""
        d = self._layout(distribution, dist, grid_shape)
        return creation.ones(d.shape, dtype, dist=d)

    def fromarray(self, arr: Any, distribution: Distribution | None = None) -> DistArray:
        """Distribute an array every rank holds (default layout: block along axis 0)."""
        arr = np.asarray(arr)
        return creation.asarray(arr, dist=self._dist(distribution, arr.shape), comm=self.comm, copy=True)

    fromndarray = fromarray

    def fromfunction(self, function: Callable, shape: Any, **kwargs: Any) -> DistArray:
        """``np.fromfunction`` over global indices; ``dist=``/``dtype=`` keywords as in the core."""
        kwargs.setdefault("comm", self.comm)
        return creation.fromfunction(function, shape, **kwargs)

    # -- I/O (the seed's method names) ------------------------------------------------
    def save_npy(self, filename: str, da: DistArray) -> None:
        """Write ``da`` to a NumPy ``.npy`` file (each rank writes its own part)."""
        _io.save(filename, da)

    def load_npy(self, filename: str, distribution: Distribution | None = None) -> DistArray:
        """Read a ``.npy`` file (each rank reads its own part)."""
        return _io.load(filename, dist=distribution, comm=self.comm)

    def save_dnpy(self, name: str, da: DistArray) -> None:
        """Write one ``<name>_<rank>.dnpy`` file per rank."""
        _io.save_dnpy(name, da)

    def load_dnpy(self, name: Any) -> DistArray:
        """Read ``.dnpy`` files (any number of them: redistributed when it differs from the rank count)."""
        return _io.load_dnpy(name, comm=self.comm)

    def save_hdf5(self, filename: str, da: DistArray, key: str = "buffer", mode: str = "a", **options: Any) -> None:
        """Write ``da`` to an HDF5 dataset."""
        _io.save_hdf5(filename, da, key=key, mode=mode, **options)

    def load_hdf5(self, filename: str, distribution: Distribution | None = None, key: str = "buffer") -> DistArray:
        """Read an HDF5 dataset (each rank reads its own hyperslabs)."""
        return _io.load_hdf5(filename, key=key, dist=distribution, comm=self.comm)

    @property
    def random(self) -> Any:
        """The seed's ``Random`` facade on this context (created once)."""
        if "_random" not in self.__dict__:
            self.__dict__["_random"] = Random(self)
        return self.__dict__["_random"]

    def apply(self, func: Callable, args: Sequence[Any] | None = None, kwargs: dict | None = None,
              targets: Sequence[int] | None = None) -> list[Any]:
        """Run ``func`` on every rank with DistArray arguments replaced by their local blocks.

        Returns the list of every rank's result (in rank order) on every rank.
        ``targets`` limits which ranks' results are returned (all ranks still run).
        Communication: one allgather of the (picklable) results.
        """

        def local(x: Any) -> Any:
            return x.local if isinstance(x, DistArray) else x

        args = tuple(local(a) for a in (args or ()))
        kwargs = {k: local(v) for k, v in (kwargs or {}).items()}
        with _comm.agreed(self.comm):
            result = func(*args, **kwargs)
        results = _comm.allgather_object(self.comm, result, control=False)
        return results if targets is None else [results[t] for t in targets]

    def close(self) -> None:
        """Nothing to release (kept for the seed's API)."""
