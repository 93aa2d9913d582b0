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
from .context import RemoteContext
from .session import Session

__all__ = ["Client", "SCATTER_CHUNK"]

#: Bytes per message when the notebook scatters an array to the engines (each engine gets only its block).
SCATTER_CHUNK = 8 << 20


class _RandomModule:
    """``c.random``: numpy_dist.random's generators, created on the engines."""

    def __init__(self, session: Session):
        self._session = session

    def default_rng(self, seed: Any = None) -> Any:
        """A remote ``numpy_dist.random.Generator``; its methods (``rng.normal(size=...)``) run on the engines."""
        return self._session.call(describe_call("c.random.default_rng", (seed,), {}),
                                  ("numpy_dist.random", "default_rng"), (seed,))


class Client(RegisteredFunctions):
    """A notebook's handle on a cluster of MPI engines running numpy_dist.

    Made by :func:`numpy_dist.client.connect`.  Every method sends one
    operation to all engines at once; methods returning arrays return
    ``RemoteArray`` proxies without waiting.

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

    def sync(self) -> None:
        """Wait until every operation sent so far has run; raise the first failure."""
        self._session.sync()

    def close(self) -> None:
        """Free the engines' arrays and disconnect; a cluster that ``connect(n=...)`` started is stopped."""
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
    def _create(self, name: str, prediction: meta.Prediction, args: tuple, kwargs: dict) -> RemoteArray:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return self._session.proxy(prediction, describe_call(f"c.{name}", args, kwargs), ("numpy_dist", name),
                                   args, kwargs)

    def zeros(self, shape: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Zeros on the engines (``numpy_dist.zeros``); ``dist``/``grid_shape`` choose the layout."""
        return self._create("zeros", meta.creation(shape, dtype), (shape, dtype), {"dist": dist, "grid_shape": grid_shape})

    def ones(self, shape: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Ones on the engines (``numpy_dist.ones``)."""
        return self._create("ones", meta.creation(shape, dtype), (shape, dtype), {"dist": dist, "grid_shape": grid_shape})

    def empty(self, shape: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Uninitialised array on the engines (``numpy_dist.empty``)."""
        return self._create("empty", meta.creation(shape, dtype), (shape, dtype), {"dist": dist, "grid_shape": grid_shape})

    def full(self, shape: Any, fill_value: Any, dtype: Any = None, *, dist: Any = None,
             grid_shape: Any = None) -> RemoteArray:
        """``fill_value`` everywhere (``numpy_dist.full``; the dtype as ``np.full`` chooses it)."""
        dt = np.full((), fill_value, dtype).dtype
        return self._create("full", meta.creation(shape, dt), (shape, fill_value, dtype),
                            {"dist": dist, "grid_shape": grid_shape})

    def arange(self, *args: Any, dtype: Any = None, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """``numpy_dist.arange`` (length and dtype from the engines' answer)."""
        return self._create("arange", meta.Prediction(True), args, {"dtype": dtype, "dist": dist, "grid_shape": grid_shape})

    def linspace(self, start: Any, stop: Any, num: int = 50, **kwargs: Any) -> Any:
        """``numpy_dist.linspace`` (``retstep=True`` returns the pair)."""
        if kwargs.get("retstep"):
            return self._session.call(describe_call("c.linspace", (start, stop, num), kwargs),
                                      ("numpy_dist", "linspace"), (start, stop, num), kwargs)
        return self._create("linspace", meta.Prediction(True), (start, stop, num), kwargs)

    def eye(self, N: int, M: int | None = None, k: int = 0, dtype: Any = float, **kwargs: Any) -> RemoteArray:
        """``numpy_dist.eye``."""
        prediction = meta.creation((N, N if M is None else M), dtype)
        return self._create("eye", prediction, (N, M, k, dtype), kwargs)

    def fromfunction(self, function: Callable, shape: Any, **kwargs: Any) -> Any:
        """``numpy_dist.fromfunction``: ``function`` is sent to the engines and called on global indices."""
        return self._session.call(describe_call("c.fromfunction", (function, shape), kwargs),
                                  ("numpy_dist", "fromfunction"), (function, shape), kwargs)

    def asarray(self, obj: Any, dtype: Any = None, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Distribute data the notebook holds: each engine receives only its block, in bounded chunks."""
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
        selectors = session.rank0_reply(session.submit_all(engine.local_keys, r._remote_key, operation=operation),
                                        operation)
        for rank, selector in enumerate(selectors):
            block = data[selector]
            rows = max(1, SCATTER_CHUNK // max(1, block[:1].nbytes))
            for start in range(0, max(len(block), 1), rows):
                session.submit_to(rank, engine.write_block, r._remote_key, slice(start, start + rows),
                                  block[start:start + rows], operation=operation)
        return r

    def _load(self, name: str, args: tuple, kwargs: dict) -> Any:
        return self._session.call(describe_call(f"c.{name}", args, kwargs), ("numpy_dist", name), args, kwargs)

    def load(self, file: Any, **kwargs: Any) -> Any:
        """``numpy_dist.load``: the engines read the file themselves (each its own part)."""
        return self._load("load", (file,), kwargs)

    def load_npy(self, file: Any, **kwargs: Any) -> Any:
        """``numpy_dist.load_npy`` on the engines."""
        return self._load("load_npy", (file,), kwargs)

    def load_hdf5(self, file: Any, **kwargs: Any) -> Any:
        """``numpy_dist.load_hdf5`` on the engines."""
        return self._load("load_hdf5", (file,), kwargs)

    def load_dnpy(self, name: Any, **kwargs: Any) -> Any:
        """``numpy_dist.load_dnpy`` on the engines."""
        return self._load("load_dnpy", (name,), kwargs)

    def loadtxt(self, file: Any, **kwargs: Any) -> Any:
        """``numpy_dist.loadtxt`` on the engines (each reads its byte range)."""
        return self._load("loadtxt", (file,), kwargs)

    def genfromtxt(self, file: Any, **kwargs: Any) -> Any:
        """``numpy_dist.genfromtxt`` on the engines."""
        return self._load("genfromtxt", (file,), kwargs)

    def save(self, file: Any, r: RemoteArray, **kwargs: Any) -> None:
        """``numpy_dist.save`` from the engines (each writes its part)."""
        self._load("save", (file, r), kwargs)

    # -- data back in the notebook ---------------------------------------------------------
    def asnumpy(self, r: RemoteArray) -> np.ndarray:
        """The whole array in the notebook, on purpose (no fallback warning)."""
        if not isinstance(r, RemoteArray):
            return np.asarray(r)
        return self._session.to_numpy(r)

    def ownership_summary(self, r: RemoteArray) -> str:
        """Which rank holds which global indices (``numpy_dist.ownership_summary``)."""
        return self._session.call(describe_call("c.ownership_summary", (r,), {}),
                                  ("numpy_dist", "ownership_summary"), (r,))

    def plot_distribution(self, r: RemoteArray, **kwargs: Any) -> Any:
        """The ownership picture of a 1-d or 2-d array (a matplotlib Figure drawn by rank 0)."""
        return self._session.call(describe_call("c.plot_distribution", (r,), kwargs),
                                  ("numpy_dist.plotting", "plot_array_distribution"), (r,), kwargs,
                                  answer="rank0-value")

    # -- SPMD code ---------------------------------------------------------------------------
    def run(self, func: Callable, *args: Any, all_ranks: bool = False, **kwargs: Any) -> Any:
        """Run ``func(*args, **kwargs)`` on every engine (SPMD), proxies replaced by the engines' DistArrays.

        Returns rank 0's result (``all_ranks=True``: every rank's, in rank order).  A DistArray
        result comes back as a proxy (also inside tuples and lists), anything else pickled.
        """
        name = getattr(func, "__name__", "func")
        return self._session.call(describe_call(f"c.run({name})", args, kwargs), func, args, kwargs,
                                  answer="all-value" if all_ranks else "rank0-value")

    def apply(self, func: Callable, args: Sequence[Any] | None = None, kwargs: dict | None = None,
              targets: Sequence[int] | None = None) -> list[Any]:
        """The seed's ``Context.apply``: ``func`` on every rank's local blocks; every rank's result, in rank order."""
        name = getattr(func, "__name__", "func")
        results = self._session.call(f"c.apply({name})", engine.local_apply, (func, tuple(args or ()), kwargs or {}),
                                     answer="all")
        return results if targets is None else [results[t] for t in targets]

    def engine_objects(self) -> list[int]:
        """How many objects each engine holds, in rank order (a check that collected proxies free theirs)."""
        return self._session.call("c.engine_objects()", engine.namespace_size, (self._session.token,), answer="all")

    def context(self) -> Any:
        """The seed's ``Context`` API on this client's engines (what ``nd.Context(client=c)`` returns)."""
        return RemoteContext(self)
