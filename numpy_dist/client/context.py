"""The seed's ``Context`` API on a client's engines: ``nd.Context(client=c)``.

DistArray 0.4's ``Context`` was the notebook's handle on its engines; here it
is a thin layer over :class:`~numpy_dist.client.api.Client` (one
implementation each), so code written for the seed ports to a cluster.
Layouts are given as shapes with ``dist``/``grid_shape`` (a Distribution object
lives on the engines' communicator, not in the notebook).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..context import RegisteredFunctions

from . import engine

__all__ = ["RemoteContext", "RemoteRandom"]


class RemoteRandom:
    """The seed's ``Random`` facade (``ctx.random.rand(shape)`` ...), run on the engines."""

    def __init__(self, client: Any):
        self._client = client

    def _call(self, method: str, shape: Any, *args: Any, dist: Any = None, grid_shape: Any = None) -> Any:
        return self._client.run(engine.context_random, method, shape, dist, grid_shape, args)

    def seed(self, seed: Any = None) -> None:
        self._client.run(engine.context_random, "seed", None, None, None, (seed,))

    def rand(self, shape: Any, **layout: Any) -> Any:
        return self._call("rand", shape, **layout)

    def randn(self, shape: Any, **layout: Any) -> Any:
        return self._call("randn", shape, **layout)

    def normal(self, shape: Any, loc: float = 0.0, scale: float = 1.0, **layout: Any) -> Any:
        return self._call("normal", shape, loc, scale, **layout)

    def randint(self, shape: Any, low: int, high: int | None = None, **layout: Any) -> Any:
        return self._call("randint", shape, low, high, **layout)


class RemoteContext(RegisteredFunctions):
    """``nd.Context(client=c)``: the seed's Context methods, creating arrays on ``c``'s engines."""

    def __init__(self, client: Any):
        self.client = client
        self._registered: dict[str, Callable] = {}
        self.random = RemoteRandom(client)

    @property
    def targets(self) -> list[int]:
        return self.client.targets

    def empty(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> Any:
        return self.client.empty(distribution, dtype, dist=dist, grid_shape=grid_shape)

    def zeros(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> Any:
        return self.client.zeros(distribution, dtype, dist=dist, grid_shape=grid_shape)

    def ones(self, distribution: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> Any:
        return self.client.ones(distribution, dtype, dist=dist, grid_shape=grid_shape)

    def fromarray(self, arr: Any, distribution: Any = None) -> Any:
        """Scatter the notebook's array (``distribution``: codes per axis, default block rows)."""
        return self.client.asarray(arr, dist=distribution)

    fromndarray = fromarray

    def fromfunction(self, function: Callable, shape: Any, **kwargs: Any) -> Any:
        return self.client.fromfunction(function, shape, **kwargs)

    def save_npy(self, filename: str, da: Any) -> None:
        self.client.save(filename, da)

    def load_npy(self, filename: str, distribution: Any = None) -> Any:
        return self.client.load_npy(filename, **({} if distribution is None else {"dist": distribution}))

    def save_dnpy(self, name: str, da: Any) -> None:
        self.client.run(engine.call_numpy_dist, "save_dnpy", name, da)

    def load_dnpy(self, name: Any) -> Any:
        return self.client.load_dnpy(name)

    def save_hdf5(self, filename: str, da: Any, key: str = "buffer", mode: str = "a", **options: Any) -> None:
        self.client.run(engine.call_numpy_dist, "save_hdf5", filename, da, key=key, mode=mode, **options)

    def load_hdf5(self, filename: str, distribution: Any = None, key: str = "buffer") -> Any:
        return self.client.load_hdf5(filename, key=key, **({} if distribution is None else {"dist": distribution}))

    def apply(self, func: Callable, args: Sequence[Any] | None = None, kwargs: dict | None = None,
              targets: Sequence[int] | None = None) -> list[Any]:
        """``func`` on every rank's local blocks; every rank's result in rank order (``targets``: some)."""
        return self.client.apply(func, args, kwargs, targets)

    def close(self) -> None:
        """Nothing to release: the client owns the engines (close the client to stop them)."""
