"""The notebook's client: creation, gathering and SPMD functions over a cluster of MPI engines.

``c = nd.client.connect(n=4)`` returns a :class:`Client`.  Its creation
methods mirror numpy_dist's (``c.zeros``, ``c.asarray``, ``c.random.default_rng``,
``c.load`` ...) and return :class:`~numpy_dist.client.proxy.RemoteArray`
proxies; ``c.run(f, r)`` runs an SPMD function on every engine with the
engines' DistArrays in place of the proxies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..context import RegisteredFunctions

import numpy as np

from . import engine, meta
from .proxy import RemoteArray, RemoteNamespace, describe_call
from ._creation import CreationMethods
from ._docs import client_doc
from .context import RemoteContext
from .session import Session

__all__ = ["Client", "SCATTER_CHUNK"]

#: Bytes per message when the notebook scatters an array to the engines (each engine gets only its block).
SCATTER_CHUNK = 8 << 20


class _RandomModule:
    """``c.random``: numpy_dist.random's generators, created on the engines."""

    def __init__(self, session: Session):
        self._session = session

    @client_doc
    def default_rng(self, seed: Any = None) -> Any:
        """A remote :class:`numpy_dist.random.Generator`; its methods (``rng.normal(size=...)``) run on the engines.

        Parameters
        ----------
        seed : None, int, sequence of int or numpy.random.SeedSequence, optional
            As for :func:`numpy_dist.random.default_rng`: the same seed gives
            the same arrays on any number of engines.

        Returns
        -------
        RemoteObject
            A proxy of the generator; each method call is one operation on
            the engines and returns a RemoteArray.

        Raises
        ------
        {engine_errors}

        Notes
        -----
        {one_message}

        Examples
        --------
        {connect}
        >>> rng = c.random.default_rng(42)  # doctest: +SKIP
        >>> rng.normal(size=(1000, 3)).shape  # doctest: +SKIP
        (1000, 3)
        """
        return self._session.call(describe_call("c.random.default_rng", (seed,), {}),
                                  ("numpy_dist.random", "default_rng"), (seed,))


class Client(CreationMethods, RegisteredFunctions):
    """A notebook's handle on a cluster of MPI engines running numpy_dist.

    Made by :func:`numpy_dist.client.connect`.  Every method sends one
    operation to all engines at once; methods returning arrays return
    ``RemoteArray`` proxies without waiting.

    Parameters
    ----------
    session : Session
        The connection to the engines (made by :func:`connect`).

    See Also
    --------
    connect, RemoteArray

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> with nd.client.connect(n=2) as c:             # doctest: +SKIP
    ...     r = c.asarray(np.arange(12.0).reshape(3, 4))
    ...     float(np.sum(r))
    66.0
    """

    def __init__(self, session: Session):
        self._session = session
        self._registered: dict[str, Callable] = {}
        self.random = _RandomModule(session)

    # -- cluster ----------------------------------------------------------------------------
    @property
    def nprocs(self) -> int:
        """Number of engines (MPI ranks)."""
        return self._session.nprocs

    @property
    def targets(self) -> list[int]:
        """The ranks (the seed's ``Context.targets``)."""
        return list(range(self.nprocs))

    @property
    def ipyparallel_client(self) -> Any:
        """The underlying ``ipyparallel.Client`` (for ``%px`` and other ipyparallel tools)."""
        return self._session.rc

    @property
    def timeout(self) -> float:
        """Seconds a wait for the engines may last before ``EngineTimeoutError`` (0: none)."""
        return self._session.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._session.timeout = float(seconds)

    @client_doc
    def flush(self) -> None:
        """Send the operations still waiting in the notebook now, without waiting for them.

        Operations issued while the engines are busy wait in the notebook and go together, in one message, at
        the next operation that finds the engines idle, at any wait, or at the end of the notebook cell.  A
        script about to do long work of its own calls this so that the engines work meanwhile.

        Examples
        --------
        {connect}
        >>> r = c.zeros(10) + 1  # doctest: +SKIP
        >>> c.flush()  # doctest: +SKIP
        """
        self._session.send_outbox()

    @client_doc
    def sync(self) -> None:
        """Wait until every operation issued so far has run; raise the first failure.

        Raises
        ------
        {engine_errors}

        Examples
        --------
        {connect}
        >>> r = c.zeros(10)  # doctest: +SKIP
        >>> c.sync()  # doctest: +SKIP
        """
        self._session.sync()

    @client_doc
    def close(self) -> None:
        """Free the engines' arrays and disconnect; a cluster that ``connect(n=...)`` started is stopped.

        Leaving a ``with`` block calls it.  Proxies of this client are unusable
        afterwards.

        Examples
        --------
        {connect}
        >>> c.close()  # doctest: +SKIP
        """
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._session.closed else f"{self.nprocs} MPI engines"
        return f"<numpy_dist.client.Client: {state}>"

    @property
    def xp(self) -> RemoteNamespace:
        """numpy_dist's array API namespace, each function run on the engines."""
        return RemoteNamespace(self._session)

    # -- creation ----------------------------------------------------------------------------
    @client_doc
    def asarray(self, obj: Any, dtype: Any = None, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Distribute data the notebook holds: each engine receives only its block.

        Parameters
        ----------
        obj : array_like or RemoteArray
            NumPy data (or anything ``numpy.asarray`` takes), sent in bounded
            chunks; or a proxy, converted on the engines.
        dtype : dtype, optional
            The element type (default: ``obj``'s).
        {dist}
        {grid_shape}

        Returns
        -------
        RemoteArray
            A proxy of the distributed array.

        Raises
        ------
        {engine_errors}

        See Also
        --------
        numpy_dist.asarray, asnumpy

        Notes
        -----
        Communication: the notebook sends each engine its block only (in
        chunks of at most ``SCATTER_CHUNK`` bytes), never the whole array to
        every engine.

        Examples
        --------
        {connect}
        >>> r = c.asarray(np.arange(12.0).reshape(3, 4))  # doctest: +SKIP
        >>> float(np.sum(r))  # doctest: +SKIP
        66.0
        """
        if isinstance(obj, RemoteArray):
            kwargs = {k: v for k, v in {"dtype": dtype, "dist": dist, "grid_shape": grid_shape}.items() if v is not None}
            return self._session.call(describe_call("c.asarray", (obj,), kwargs), ("numpy_dist", "asarray"),
                                      (obj,), kwargs)
        data = np.asarray(obj, dtype=dtype)
        if data.ndim == 0 or data.dtype.hasobject:
            return self._session.call("c.asarray(<scalar>)", ("numpy_dist", "asarray"), (data,),
                                      {"dist": dist, "grid_shape": grid_shape})
        return self._scatter(data, dist, grid_shape)

    def _scatter(self, data: np.ndarray, dist: Any, grid_shape: Any) -> RemoteArray:
        session = self._session
        operation = f"c.asarray(<ndarray {data.shape} {data.dtype}>)"
        kwargs = {k: v for k, v in {"dist": dist, "grid_shape": grid_shape}.items() if v is not None}
        r = session.proxy(meta.creation(data.shape, data.dtype), operation, ("numpy_dist", "empty"),
                          (data.shape, data.dtype), kwargs)
        selectors = session.rank0_reply(session.submit_all(engine.local_keys, r._remote_key, operation=operation))
        for rank, selector in enumerate(selectors):
            block = data[selector]
            rows = max(1, SCATTER_CHUNK // max(1, block[:1].nbytes))
            for start in range(0, max(len(block), 1), rows):
                session.submit_to(rank, engine.write_block, r._remote_key, slice(start, start + rows),
                                  block[start:start + rows], operation=operation)
        return r

    # -- data back in the notebook ---------------------------------------------------------
    @client_doc
    def asnumpy(self, r: RemoteArray) -> np.ndarray:
        """The whole array in the notebook, on purpose (no fallback warning).

        Parameters
        ----------
        r : RemoteArray or array_like
            A proxy; anything else is passed to ``numpy.asarray``.

        Returns
        -------
        numpy.ndarray
            The array's global data.

        Raises
        ------
        {engine_errors}

        See Also
        --------
        numpy_dist.asnumpy, asarray

        Notes
        -----
        Communication: every engine sends its block to the notebook; for
        arrays that fit in the notebook's memory.

        Examples
        --------
        {connect}
        >>> c.asnumpy(c.arange(4))  # doctest: +SKIP
        array([0, 1, 2, 3])
        """
        if not isinstance(r, RemoteArray):
            return np.asarray(r)
        return self._session.to_numpy(r)

    @client_doc
    def ownership_summary(self, r: RemoteArray) -> str:
        """Which engine (rank) holds which global indices of ``r``.

        Parameters
        ----------
        r : RemoteArray
            The array.

        Returns
        -------
        str
            :func:`numpy_dist.ownership_summary`'s text, from rank 0.

        Raises
        ------
        {engine_errors}

        Notes
        -----
        {one_message}

        Examples
        --------
        {connect}
        >>> print(c.ownership_summary(c.zeros(8)))  # doctest: +SKIP
        """
        return self._session.call(describe_call("c.ownership_summary", (r,), {}),
                                  ("numpy_dist", "ownership_summary"), (r,))

    @client_doc
    def plot_distribution(self, r: RemoteArray, **kwargs: Any) -> Any:
        """The ownership picture of a 1-d or 2-d array: which engine holds which elements.

        Parameters
        ----------
        r : RemoteArray
            The array.
        **kwargs
            Keyword arguments of :func:`numpy_dist.plotting.plot_array_distribution`.

        Returns
        -------
        matplotlib.figure.Figure
            The figure rank 0 drew, shown in the notebook.

        Raises
        ------
        {engine_errors}

        Notes
        -----
        {one_message}

        Examples
        --------
        {connect}
        >>> fig = c.plot_distribution(c.zeros((8, 8), dist="bc"))  # doctest: +SKIP
        """
        return self._session.call(describe_call("c.plot_distribution", (r,), kwargs),
                                  ("numpy_dist.plotting", "plot_array_distribution"), (r,), kwargs,
                                  answer="rank0-value")

    # -- SPMD code ---------------------------------------------------------------------------
    @client_doc
    def run(self, func: Callable, *args: Any, all_ranks: bool = False, **kwargs: Any) -> Any:
        """Run ``func(*args, **kwargs)`` on every engine (SPMD), proxies replaced by the engines' DistArrays.

        Parameters
        ----------
        func : callable
            An SPMD function (pickled and sent to the engines); every engine
            calls it, so it may use collectives.
        *args
            Its positional arguments; RemoteArrays (also inside tuples, lists
            and dicts) arrive as the engines' DistArrays.
        all_ranks : bool, optional
            If True, return every rank's result; default False (rank 0's).
        **kwargs
            Its keyword arguments, as ``args``.

        Returns
        -------
        object or list
            Rank 0's result (``all_ranks``: a list of every rank's, in rank
            order).  A DistArray comes back as a RemoteArray (also inside
            tuples and lists), anything else pickled.

        Raises
        ------
        {engine_errors}

        Notes
        -----
        {one_message}

        Examples
        --------
        {connect}
        >>> def local_sizes(a):
        ...     return a.local.size
        >>> c.run(local_sizes, c.zeros(10), all_ranks=True)  # doctest: +SKIP
        [5, 5]
        """
        name = getattr(func, "__name__", "func")
        return self._session.call(describe_call(f"c.run({name})", args, kwargs), func, args, kwargs,
                                  answer="all-value" if all_ranks else "rank0-value")

    @client_doc
    def apply(self, func: Callable, args: Sequence[Any] | None = None, kwargs: dict | None = None,
              targets: Sequence[int] | None = None) -> list[Any]:
        """The seed's ``Context.apply``: ``func`` on every rank's local blocks; every rank's result, in rank order.

        Parameters
        ----------
        func : callable
            Called on each engine with its arguments, RemoteArrays replaced
            by the engine's local blocks (NumPy arrays).
        args : sequence, optional
            Positional arguments.
        kwargs : dict, optional
            Keyword arguments.
        targets : sequence of int, optional
            Keep only these ranks' results (every rank runs ``func`` anyway).

        Returns
        -------
        list
            The results, in rank order (of ``targets`` when given).

        Raises
        ------
        {engine_errors}

        Notes
        -----
        {one_message}

        Examples
        --------
        {connect}
        >>> c.apply(np.sum, (c.ones(10),))  # doctest: +SKIP
        [5.0, 5.0]
        """
        name = getattr(func, "__name__", "func")
        results = self._session.call(f"c.apply({name})", engine.local_apply, (func, tuple(args or ()), kwargs or {}),
                                     answer="all")
        return results if targets is None else [results[t] for t in targets]

    @client_doc
    def engine_objects(self) -> list[int]:
        """How many objects each engine holds for this client, in rank order.

        A check that proxies collected in the notebook free their arrays on
        the engines.

        Returns
        -------
        list of int
            One count per rank.

        Raises
        ------
        {engine_errors}

        Examples
        --------
        {connect}
        >>> c.engine_objects()  # doctest: +SKIP
        [0, 0]
        """
        return self._session.call("c.engine_objects()", engine.namespace_size, (self._session.token,), answer="all")

    @client_doc
    def context(self) -> Any:
        """The seed's ``Context`` API on this client's engines (what ``nd.Context(client=c)`` returns).

        Returns
        -------
        RemoteContext
            Creation and loading methods of :class:`numpy_dist.Context` that
            return RemoteArrays.

        See Also
        --------
        numpy_dist.Context

        Examples
        --------
        {connect}
        >>> ctx = c.context()  # doctest: +SKIP
        >>> ctx.zeros((4,)).shape  # doctest: +SKIP
        (4,)
        """
        return RemoteContext(self)
