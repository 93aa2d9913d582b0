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
        """Make ``func`` callable as ``obj.<name>(...)``, running on every rank's local blocks.

        Parameters
        ----------
        func : callable
            Registered under its ``__name__``; ``obj.<name>(*args, **kwargs)``
            then runs ``obj.apply(func, args, kwargs)``.

        Returns
        -------
        callable
            ``func`` itself (so it can be used as a decorator).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> @ctx.register
        ... def block_size(block):
        ...     return block.size
        >>> sum(ctx.block_size(ctx.fromarray(np.arange(6))))
        6
        """
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
        """The ranks of the context, ``[0, ..., size - 1]`` (the seed's engine ids).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.targets == list(range(ctx.comm.size))
        True
        """
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
        distribution : Distribution or int or tuple of int
            The layout, or a global shape (then ``dist``/``grid_shape`` choose
            the layout on this context's communicator; default block rows).
        dtype : data-type, optional
            Element type (default float64).
        dist : str, sequence of str or dict, optional
            Distribution codes for a shape, as :func:`numpy_dist.zeros` takes them.
        grid_shape : tuple of int, optional
            Processes per axis for a shape.

        Returns
        -------
        DistArray
            The new array.

        Raises
        ------
        TypeError
            If ``dist`` or ``grid_shape`` is given with a Distribution.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.empty((4, 2)).shape
        (4, 2)
        """
        d = self._layout(distribution, dist, grid_shape)
        return creation.empty(d.shape, dtype, dist=d)

    def zeros(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """Zeros laid out by ``distribution`` (a Distribution, or a shape).

        Parameters
        ----------
        distribution : Distribution or int or tuple of int
            The layout, or a global shape (then ``dist``/``grid_shape`` choose
            the layout on this context's communicator; default block rows).
        dtype : data-type, optional
            Element type (default float64).
        dist : str, sequence of str or dict, optional
            Distribution codes for a shape, as :func:`numpy_dist.zeros` takes them.
        grid_shape : tuple of int, optional
            Processes per axis for a shape.

        Returns
        -------
        DistArray
            The new array.

        Raises
        ------
        TypeError
            If ``dist`` or ``grid_shape`` is given with a Distribution.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.zeros(3, dtype=int).toarray().tolist()
        [0, 0, 0]
        """
        d = self._layout(distribution, dist, grid_shape)
        return creation.zeros(d.shape, dtype, dist=d)

    def ones(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """Ones laid out by ``distribution`` (a Distribution, or a shape).

        Parameters
        ----------
        distribution : Distribution or int or tuple of int
            The layout, or a global shape (then ``dist``/``grid_shape`` choose
            the layout on this context's communicator; default block rows).
        dtype : data-type, optional
            Element type (default float64).
        dist : str, sequence of str or dict, optional
            Distribution codes for a shape, as :func:`numpy_dist.zeros` takes them.
        grid_shape : tuple of int, optional
            Processes per axis for a shape.

        Returns
        -------
        DistArray
            The new array.

        Raises
        ------
        TypeError
            If ``dist`` or ``grid_shape`` is given with a Distribution.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> d = ctx.ones(nd.Distribution(ctx.comm, (2, 2), "c"))
        >>> d.dist, d.toarray().tolist()
        (('c', 'c'), [[1.0, 1.0], [1.0, 1.0]])
        """
        d = self._layout(distribution, dist, grid_shape)
        return creation.ones(d.shape, dtype, dist=d)

    def fromarray(self, arr: Any, distribution: Distribution | None = None) -> DistArray:
        """Distribute an array every rank holds (a copy).

        Parameters
        ----------
        arr : array_like
            The same global data on every rank.
        distribution : Distribution, optional
            The layout (default: block along axis 0).

        Returns
        -------
        DistArray
            A distributed copy of ``arr``.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.fromarray(np.arange(6.0)).toarray().tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        """
        arr = np.asarray(arr)
        return creation.asarray(arr, dist=self._dist(distribution, arr.shape), comm=self.comm, copy=True)

    fromndarray = fromarray

    def fromfunction(self, function: Callable, shape: Any, **kwargs: Any) -> DistArray:
        """``np.fromfunction`` over global indices (see :func:`numpy_dist.fromfunction`).

        Parameters
        ----------
        function : callable
            Called with one array of global indices per axis (this rank's block).
        shape : int or tuple of int
            Global shape.
        **kwargs
            ``dist=``, ``grid_shape=``, ``dtype=`` as in the core, and keywords
            passed on to ``function``.

        Returns
        -------
        DistArray
            The values ``function`` computed.

        Notes
        -----
        Communication: one small agreement on the outcome of ``function``.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.fromfunction(lambda i: 2 * i, (3,)).toarray().tolist()
        [0.0, 2.0, 4.0]
        """
        kwargs.setdefault("comm", self.comm)
        return creation.fromfunction(function, shape, **kwargs)

    # -- I/O (the seed's method names) ------------------------------------------------
    def save_npy(self, filename: str, da: DistArray) -> None:
        """Write ``da`` to a NumPy ``.npy`` file, each rank writing its own part (:func:`numpy_dist.save`).

        Parameters
        ----------
        filename : str
            The file, the same on every rank.
        da : DistArray
            The array to write.

        Notes
        -----
        Communication: collective MPI-IO (see :func:`numpy_dist.save`).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> import os, tempfile
        >>> tmp = ctx.comm.bcast(tempfile.mkdtemp() if ctx.comm.rank == 0 else None)
        >>> ctx.save_npy(os.path.join(tmp, "a.npy"), ctx.fromarray(np.arange(3)))
        >>> ctx.load_npy(os.path.join(tmp, "a.npy")).toarray().tolist()
        [0, 1, 2]
        """
        _io.save(filename, da)

    def load_npy(self, filename: str, distribution: Distribution | None = None) -> DistArray:
        """Read a ``.npy`` file, each rank reading its own part (:func:`numpy_dist.load`).

        Parameters
        ----------
        filename : str
            The file, the same on every rank.
        distribution : Distribution, optional
            The layout (default: block along axis 0).

        Returns
        -------
        DistArray
            The file's array.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        ValueError
            If the file is not a valid ``.npy`` file or does not fit ``distribution``.

        Notes
        -----
        Communication: collective MPI-IO (see :func:`numpy_dist.load`).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> import os, tempfile
        >>> tmp = ctx.comm.bcast(tempfile.mkdtemp() if ctx.comm.rank == 0 else None)
        >>> ctx.save_npy(os.path.join(tmp, "b.npy"), ctx.fromarray(np.arange(4.0)))
        >>> ctx.load_npy(os.path.join(tmp, "b.npy")).shape
        (4,)
        """
        return _io.load(filename, dist=distribution, comm=self.comm)

    def save_dnpy(self, name: str, da: DistArray) -> None:
        """Write one ``<name>_<rank>.dnpy`` file per rank (:func:`numpy_dist.save_dnpy`).

        Parameters
        ----------
        name : str
            The file prefix, the same on every rank.
        da : DistArray
            The array to write.

        Notes
        -----
        Communication: one broadcast and error agreements.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> import os, tempfile
        >>> tmp = ctx.comm.bcast(tempfile.mkdtemp() if ctx.comm.rank == 0 else None)
        >>> ctx.save_dnpy(os.path.join(tmp, "p"), ctx.fromarray(np.arange(3)))
        >>> ctx.load_dnpy(os.path.join(tmp, "p")).toarray().tolist()
        [0, 1, 2]
        """
        _io.save_dnpy(name, da)

    def load_dnpy(self, name: Any) -> DistArray:
        """Read ``.dnpy`` files (any number of them: redistributed when it differs from the rank count).

        Parameters
        ----------
        name : str or list of str
            The prefix, or the list of every file of the set.

        Returns
        -------
        DistArray
            The saved array.

        Raises
        ------
        FileNotFoundError
            If there is no file, or a listed one is missing.
        ValueError
            If the files are damaged or do not fit together.

        Notes
        -----
        Communication: one allgather of the headers; one Alltoallv when the
        files do not map one-to-one onto the ranks.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> import os, tempfile
        >>> tmp = ctx.comm.bcast(tempfile.mkdtemp() if ctx.comm.rank == 0 else None)
        >>> ctx.save_dnpy(os.path.join(tmp, "q"), ctx.fromarray(np.arange(5)))
        >>> ctx.load_dnpy(os.path.join(tmp, "q")).shape
        (5,)
        """
        return _io.load_dnpy(name, comm=self.comm)

    def save_hdf5(self, filename: str, da: DistArray, key: str = "buffer", mode: str = "a", **options: Any) -> None:
        """Write ``da`` to an HDF5 dataset (:func:`numpy_dist.save_hdf5`).

        Parameters
        ----------
        filename : str
            The file, the same on every rank.
        da : DistArray
            The array to write.
        key : str, optional
            Dataset path inside the file (default ``'buffer'``).
        mode : {'a', 'w', 'w-', 'x', 'r+'}, optional
            As for :class:`h5py.File` (default ``'a'``).
        **options
            Passed to :meth:`h5py.Group.create_dataset`.

        Notes
        -----
        Communication: see :func:`numpy_dist.save_hdf5`.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> import os, tempfile
        >>> tmp = ctx.comm.bcast(tempfile.mkdtemp() if ctx.comm.rank == 0 else None)
        >>> ctx.save_hdf5(os.path.join(tmp, "a.h5"), ctx.fromarray(np.arange(3.0)), mode="w")
        >>> ctx.load_hdf5(os.path.join(tmp, "a.h5")).toarray().tolist()
        [0.0, 1.0, 2.0]
        """
        _io.save_hdf5(filename, da, key=key, mode=mode, **options)

    def load_hdf5(self, filename: str, distribution: Distribution | None = None, key: str = "buffer") -> DistArray:
        """Read an HDF5 dataset, each rank reading its own hyperslabs (:func:`numpy_dist.load_hdf5`).

        Parameters
        ----------
        filename : str
            The file, the same on every rank.
        distribution : Distribution, optional
            The layout (default: block along axis 0).
        key : str, optional
            Dataset path inside the file (default ``'buffer'``).

        Returns
        -------
        DistArray
            The dataset.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        KeyError
            If there is no dataset ``key``.

        Notes
        -----
        Communication: see :func:`numpy_dist.load_hdf5`.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> import os, tempfile
        >>> tmp = ctx.comm.bcast(tempfile.mkdtemp() if ctx.comm.rank == 0 else None)
        >>> ctx.save_hdf5(os.path.join(tmp, "b.h5"), ctx.fromarray(np.ones(2)), key="x", mode="w")
        >>> ctx.load_hdf5(os.path.join(tmp, "b.h5"), key="x").shape
        (2,)
        """
        return _io.load_hdf5(filename, key=key, dist=distribution, comm=self.comm)

    @property
    def random(self) -> Any:
        """The seed's ``Random`` facade on this context (created once).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.random is ctx.random
        True
        """
        if "_random" not in self.__dict__:
            self.__dict__["_random"] = Random(self)
        return self.__dict__["_random"]

    def apply(self, func: Callable, args: Sequence[Any] | None = None, kwargs: dict | None = None,
              targets: Sequence[int] | None = None) -> list[Any]:
        """Run ``func`` on every rank with DistArray arguments replaced by their local blocks.

        Parameters
        ----------
        func : callable
            Called once on every rank.
        args : sequence, optional
            Positional arguments; DistArrays become this rank's local block.
        kwargs : dict, optional
            Keyword arguments; DistArrays become this rank's local block.
        targets : sequence of int, optional
            Whose results to return (all ranks still run ``func``).

        Returns
        -------
        list
            Every rank's (picklable) result, in rank order (or ``targets`` order),
            on every rank.

        Raises
        ------
        Exception
            What ``func`` raised on the lowest failing rank, on every rank.

        Notes
        -----
        Communication: one agreement on failures, one allgather of the results.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> d = ctx.fromarray(np.arange(6.0))
        >>> sum(ctx.apply(lambda block: float(block.sum()), (d,)))
        15.0
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
        """Nothing to release (kept for the seed's API).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> ctx = nd.Context()
        >>> ctx.close()
        """
