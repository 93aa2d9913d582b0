"""Creation and file methods of the notebook's :class:`~numpy_dist.client.Client` (a mixin it inherits).

Each runs one numpy_dist function on every engine at once: ``c.zeros(...)``
is ``numpy_dist.zeros(...)`` there.  Calls known to return one array return a
proxy at once; the others wait for the engines' answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import meta
from ._docs import engine_twin
from .proxy import RemoteArray, describe_call

__all__ = ["CreationMethods"]

# Docstring entries several methods share.
_SHAPE_DTYPE = """\
shape : int or tuple of int
    The global shape.
dtype : dtype, optional
    The element type (default float64).
{dist}
{grid_shape}"""
_PROXY = """\
RemoteArray
    A proxy of the array the engines hold; it comes back at once, without
    waiting for them."""
_LOADED = """\
RemoteArray or object
    A proxy of the array the engines read (after waiting for them); a
    masked array, a structured file ... as that function returns it."""


class CreationMethods:
    """The ``Client`` methods that create or load arrays on the engines (``c.zeros``, ``c.load`` ...)."""

    _session: Any

    def _create(self, name: str, prediction: meta.Prediction, args: tuple, kwargs: dict) -> RemoteArray:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return self._session.proxy(prediction, describe_call(f"c.{name}", args, kwargs), ("numpy_dist", name),
                                   args, kwargs)

    @engine_twin("zeros", _SHAPE_DTYPE, _PROXY,
                 """\
>>> r = c.zeros((2, 3), dist="c")  # doctest: +SKIP
>>> r.shape  # doctest: +SKIP
(2, 3)""")
    def zeros(self, shape: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Zeros on the engines; ``dist``/``grid_shape`` choose the layout."""
        return self._create("zeros", meta.creation(shape, dtype), (shape, dtype), {"dist": dist, "grid_shape": grid_shape})

    @engine_twin("ones", _SHAPE_DTYPE, _PROXY,
                 """\
>>> float(np.sum(c.ones((2, 3))))  # doctest: +SKIP
6.0""")
    def ones(self, shape: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Ones on the engines."""
        return self._create("ones", meta.creation(shape, dtype), (shape, dtype), {"dist": dist, "grid_shape": grid_shape})

    @engine_twin("empty", _SHAPE_DTYPE, _PROXY,
                 """\
>>> c.empty(4).shape  # doctest: +SKIP
(4,)""")
    def empty(self, shape: Any, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """An uninitialised array on the engines."""
        return self._create("empty", meta.creation(shape, dtype), (shape, dtype), {"dist": dist, "grid_shape": grid_shape})

    @engine_twin("full", """\
shape : int or tuple of int
    The global shape.
fill_value : scalar
    The value of every element.
dtype : dtype, optional
    The element type (default: as ``numpy.full`` chooses for ``fill_value``).
{dist}
{grid_shape}""",
                 _PROXY,
                 """\
>>> c.asnumpy(c.full(3, 7))  # doctest: +SKIP
array([7, 7, 7])""")
    def full(self, shape: Any, fill_value: Any, dtype: Any = None, *, dist: Any = None,
             grid_shape: Any = None) -> RemoteArray:
        """An array of ``fill_value`` everywhere, on the engines."""
        dt = np.full((), fill_value, dtype).dtype
        return self._create("full", meta.creation(shape, dt), (shape, fill_value, dtype),
                            {"dist": dist, "grid_shape": grid_shape})

    @engine_twin("arange", """\
*args : int or float
    ``stop``, ``start, stop`` or ``start, stop, step``, as ``numpy.arange``.
dtype : dtype, optional
    The element type (default: from the arguments).
{dist}
{grid_shape}""",
                 _PROXY,
                 """\
>>> c.asnumpy(c.arange(2, 10, 3))  # doctest: +SKIP
array([2, 5, 8])""", how='; the length and dtype come from their answer')
    def arange(self, *args: Any, dtype: Any = None, dist: Any = None, grid_shape: Any = None) -> RemoteArray:
        """Evenly spaced values in a half-open interval, on the engines."""
        return self._create("arange", meta.Prediction(True), args, {"dtype": dtype, "dist": dist, "grid_shape": grid_shape})

    @engine_twin("linspace", """\
start, stop : float
    The first and the last value (``stop`` excluded with ``endpoint=False``).
num : int, optional
    How many values (default 50).
**kwargs
    Further keyword arguments of :func:`numpy_dist.linspace` (``endpoint``,
    ``retstep``, ``dtype``, ``dist``, ``grid_shape`` ...).""",
                 """\
RemoteArray or tuple
    A proxy of the values; with ``retstep=True`` the pair (proxy, step),
    after waiting for the engines.""",
                 """\
>>> c.asnumpy(c.linspace(0.0, 1.0, 5))  # doctest: +SKIP
array([0.  , 0.25, 0.5 , 0.75, 1.  ])""")
    def linspace(self, start: Any, stop: Any, num: int = 50, **kwargs: Any) -> Any:
        """``num`` evenly spaced values from ``start`` to ``stop``, on the engines."""
        if kwargs.get("retstep"):
            return self._session.call(describe_call("c.linspace", (start, stop, num), kwargs),
                                      ("numpy_dist", "linspace"), (start, stop, num), kwargs)
        return self._create("linspace", meta.Prediction(True), (start, stop, num), kwargs)

    @engine_twin("eye", """\
N : int
    Number of rows.
M : int, optional
    Number of columns (default ``N``).
k : int, optional
    The diagonal of ones: 0 (default) the main one, positive above it.
dtype : dtype, optional
    The element type (default float64).
**kwargs
    ``dist`` and ``grid_shape`` (as :func:`numpy_dist.eye`).""",
                 _PROXY,
                 """\
>>> c.asnumpy(c.eye(2))  # doctest: +SKIP
array([[1., 0.],
       [0., 1.]])""")
    def eye(self, N: int, M: int | None = None, k: int = 0, dtype: Any = float, **kwargs: Any) -> RemoteArray:
        """A 2-d array with ones on one diagonal and zeros elsewhere, on the engines."""
        prediction = meta.creation((N, N if M is None else M), dtype)
        return self._create("eye", prediction, (N, M, k, dtype), kwargs)

    @engine_twin("fromfunction", """\
function : callable
    Called on the engines with the global index arrays of each rank's
    block (it is pickled and sent there).
shape : tuple of int
    The global shape.
**kwargs
    Further keyword arguments of :func:`numpy_dist.fromfunction`
    (``dtype``, ``dist``, ``grid_shape``).""",
                 """\
RemoteArray or object
    A proxy of the array (after waiting for the engines), or what the
    function returned if not an array.""",
                 """\
>>> c.asnumpy(c.fromfunction(lambda i, j: i + 10 * j, (2, 2)))  # doctest: +SKIP
array([[ 0., 10.],
       [ 1., 11.]])""")
    def fromfunction(self, function: Callable, shape: Any, **kwargs: Any) -> Any:
        """An array whose elements are ``function`` of their global indices, built on the engines."""
        return self._session.call(describe_call("c.fromfunction", (function, shape), kwargs),
                                  ("numpy_dist", "fromfunction"), (function, shape), kwargs)

    def _load(self, name: str, args: tuple, kwargs: dict) -> Any:
        return self._session.call(describe_call(f"c.{name}", args, kwargs), ("numpy_dist", name), args, kwargs)

    @engine_twin("load", """\
file : str or os.PathLike
    The file (a path every engine can read: a shared file system).
**kwargs
    Keyword arguments of :func:`numpy_dist.load` (``dist``,
    ``grid_shape`` ...).""",
                 _LOADED,
                 """\
>>> r = c.load("data.npy")  # doctest: +SKIP""", how=', where each engine reads its own part of the file')
    def load(self, file: Any, **kwargs: Any) -> Any:
        """An array read from a file by the engines (any format :func:`numpy_dist.load` reads)."""
        return self._load("load", (file,), kwargs)

    @engine_twin("load_npy", """\
file : str or os.PathLike
    The ``.npy`` file (a path every engine can read).
**kwargs
    Keyword arguments of :func:`numpy_dist.load_npy` (``dist``,
    ``grid_shape`` ...).""",
                 _LOADED,
                 """\
>>> r = c.load_npy("data.npy", dist="c")  # doctest: +SKIP""", how=', where each engine reads its own part of the file')
    def load_npy(self, file: Any, **kwargs: Any) -> Any:
        """An array read from a ``.npy`` file by the engines."""
        return self._load("load_npy", (file,), kwargs)

    @engine_twin("load_hdf5", """\
file : str or os.PathLike
    The HDF5 file (a path every engine can read).
**kwargs
    Keyword arguments of :func:`numpy_dist.load_hdf5` (``dist``,
    ``grid_shape`` ...).""",
                 _LOADED,
                 """\
>>> r = c.load_hdf5("data.h5", key="x")  # doctest: +SKIP""", how=', where each engine reads its own part of the file')
    def load_hdf5(self, file: Any, **kwargs: Any) -> Any:
        """An array read from an HDF5 dataset by the engines."""
        return self._load("load_hdf5", (file,), kwargs)

    @engine_twin("load_dnpy", """\
name : str or os.PathLike
    The name the files were saved under by :func:`numpy_dist.save_dnpy`.
**kwargs
    Keyword arguments of :func:`numpy_dist.load_dnpy` (``dist``,
    ``grid_shape`` ...).""",
                 _LOADED,
                 """\
>>> r = c.load_dnpy("run1")  # doctest: +SKIP""", how=', where each engine reads its own part of the file')
    def load_dnpy(self, name: Any, **kwargs: Any) -> Any:
        """An array read from the per-rank ``.dnpy`` files of the DistArray seed format."""
        return self._load("load_dnpy", (name,), kwargs)

    @engine_twin("loadtxt", """\
file : str or os.PathLike
    The text file (a path every engine can read); each engine parses its own byte range.
**kwargs
    Keyword arguments of :func:`numpy_dist.loadtxt` (``dist``,
    ``grid_shape`` ...).""",
                 _LOADED,
                 """\
>>> r = c.loadtxt("table.txt", delimiter=",")  # doctest: +SKIP""", how=', where each engine reads its own part of the file')
    def loadtxt(self, file: Any, **kwargs: Any) -> Any:
        """An array read from a text file by the engines."""
        return self._load("loadtxt", (file,), kwargs)

    @engine_twin("genfromtxt", """\
file : str or os.PathLike
    The text file (a path every engine can read).
**kwargs
    Keyword arguments of :func:`numpy_dist.genfromtxt` (``dist``,
    ``grid_shape`` ...).""",
                 _LOADED,
                 """\
>>> r = c.genfromtxt("table.csv", delimiter=",")  # doctest: +SKIP""", how=', where each engine reads its own part of the file')
    def genfromtxt(self, file: Any, **kwargs: Any) -> Any:
        """An array read from a text file with missing values by the engines."""
        return self._load("genfromtxt", (file,), kwargs)

    @engine_twin("save", """\
file : str or os.PathLike
    Where to write (a path every engine can write: a shared file system).
r : RemoteArray
    The array to save.
**kwargs
    Keyword arguments of :func:`numpy_dist.save`.""",
                 """\
None
    Nothing; the call waits until the file is written.""",
                 """\
>>> c.save("data.npy", c.arange(10))  # doctest: +SKIP""", how=', where each engine writes its own part of the file')
    def save(self, file: Any, r: RemoteArray, **kwargs: Any) -> None:
        """Write ``r`` to a file from the engines."""
        self._load("save", (file, r), kwargs)
