"""``DistArray``: global metadata plus one local NumPy block per rank.

Every method is collective over ``d.comm`` unless its docstring says it is
local.  Operators come from NumPy's operator mixin, so ``a + b`` is
``np.add(a, b)`` and takes the one ufunc path in :mod:`numpy_dist.dispatch`;
the arithmetic ones first try to reuse a temporary operand's block
(:mod:`numpy_dist._elision`).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from mpi4py import MPI
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import checks
from . import comm as _comm
from ._elision import binary_operator, try_unary_call, unary_operator
from .distribution import DAP_VERSION, Distribution
from .maps import BlockMap, NoDistMap

__all__ = ["DistArray", "check_dtype"]

# Iteration fetches rows in chunks of about this many bytes (one collective per chunk).
_ITER_CHUNK_BYTES = 1 << 20


def check_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """Normalise a dtype; object dtypes are refused (they cannot travel as bytes)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} is not a valid NumPy dtype: {dtype!r}") from exc
    if dt.hasobject:
        raise TypeError(f"{name}={dt} is not supported: DistArrays hold fixed-size elements only")
    return dt


class DistArray(NDArrayOperatorsMixin):
    """An N-d array whose data is split into local NumPy blocks over MPI ranks.

    Parameters
    ----------
    distribution : Distribution
        The layout (global shape, maps, process grid, communicator).
    dtype : dtype, optional
        Element type (default float64).
    buffer : array_like, optional
        This rank's local block (its shape must be ``distribution.local_shape``);
        uninitialised memory when omitted.  Zero-copy when it is an ndarray of
        the right dtype.

    Notes
    -----
    Most users create arrays with :func:`numpy_dist.asarray`,
    :func:`numpy_dist.zeros` and friends rather than this constructor.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(12.0).reshape(3, 4))
    >>> d.shape, d.dtype
    ((3, 4), dtype('float64'))
    >>> float(np.sum(d))
    66.0
    """

    __slots__ = ("_dist", "_local", "__weakref__")

    def __init__(self, distribution: Distribution, dtype: Any = float, buffer: Any = None):
        if not isinstance(distribution, Distribution):
            raise TypeError(f"distribution must be a Distribution, got {type(distribution).__name__}")
        dt = check_dtype(dtype)
        if buffer is None:
            local = np.empty(distribution.local_shape, dtype=dt)
        else:
            local = np.asarray(buffer, dtype=dt)
            # Local shapes are data each rank passed in: agree on the verdict.
            bad = local.shape != distribution.local_shape
            _comm.agree(distribution.comm, ValueError(
                f"buffer has shape {local.shape} but this rank's block is {distribution.local_shape}") if bad else None)
        self._dist = distribution
        self._local = local

    @classmethod
    def _new(cls, local: np.ndarray, dist: Distribution) -> DistArray:
        """Wrap a local block that is known to match ``dist`` (never communicates)."""
        self = object.__new__(cls)
        self._dist = dist
        # NumPy gives scalars for 0-d results; the local block is always an ndarray.
        self._local = local if type(local) is np.ndarray else np.asarray(local)
        return self

    # -- metadata (local) ------------------------------------------------------------
    @property
    def local(self) -> np.ndarray:
        """This rank's block, a NumPy array (possibly empty).  Local."""
        return self._local

    @property
    def distribution(self) -> Distribution:
        return self._dist

    @property
    def comm(self) -> MPI.Intracomm:
        return self._dist.comm

    @property
    def shape(self) -> tuple[int, ...]:
        return self._dist.shape

    @property
    def dtype(self) -> np.dtype:
        return self._local.dtype

    @property
    def ndim(self) -> int:
        return self._dist.ndim

    @property
    def size(self) -> int:
        return self._dist.size

    @property
    def itemsize(self) -> int:
        return self._local.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the global array (not of the local block)."""
        return self.size * self.itemsize

    @property
    def dist(self) -> tuple[str, ...]:
        """Distribution code per axis, e.g. ``('b', 'n')``."""
        return self._dist.dist

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return self._dist.grid_shape

    @property
    def device(self) -> str:
        return "cpu"

    def localshapes(self) -> list[tuple[int, ...]]:
        """Every rank's local block shape (local: computed from metadata)."""
        return self._dist.localshapes()

    # -- protocols -------------------------------------------------------------------
    def __distarray__(self) -> dict:
        """The Distributed Array Protocol: this rank's buffer and ``dim_data`` (zero-copy, local)."""
        return {"__version__": DAP_VERSION, "buffer": self._local, "dim_data": self._dist.dim_data()}

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """Gather the whole array on every rank (collective): an *implicit* gather.

        NumPy calls this for ``np.asarray(d)``, and so does every library that
        converts its input with it.  It follows the fallback policy
        (:func:`numpy_dist.set_fallback`): by default one
        :class:`~numpy_dist.FallbackWarning` per call site, ``"error"`` raises
        :class:`~numpy_dist.FallbackError` on every rank, ``"allow"`` is silent.
        :func:`numpy_dist.asnumpy` gathers on purpose, without a word.

        ``copy=False`` raises ValueError, as NumPy 2 expects when a copy cannot
        be avoided: the result is always a new array, never a view of the data.
        """
        if copy is False:
            raise ValueError("converting a DistArray to a NumPy array always copies (it gathers); "
                             "copy=False is impossible")
        from ._implicit import implicit_gather
        from .creation import asnumpy

        implicit_gather(self, "np.asarray(d)")
        with checks.checked(self.comm, "__array__", (self,)):
            out = asnumpy(self)
        return out if dtype is None else out.astype(dtype, copy=False)

    def __iter__(self) -> Any:
        """Iterate over the first axis (collective: every rank gets every item, in the same order).

        Rows arrive as NumPy values (scalars of a 1-d array, ndarrays
        otherwise) fetched a chunk of rows at a time, so a 1-d array costs
        one collective per chunk, not per element.  Iterating a whole array
        moves all of it to every rank, so above
        ``numpy_dist._implicit.SMALL_ITERATION_BYTES`` it follows the fallback
        policy like ``np.asarray(d)`` (small arrays such as class labels
        iterate silently).  Writes to the rows do not reach ``d``.
        """
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        from . import _implicit

        if self.nbytes > _implicit.SMALL_ITERATION_BYTES:  # global metadata: every rank agrees
            _implicit.implicit_gather(self, "iterating over d")
        return self._iter_rows()

    def _iter_rows(self) -> Any:
        from .creation import asnumpy

        row_bytes = max(1, self.nbytes // max(1, self.shape[0]))
        chunk = max(1, _ITER_CHUNK_BYTES // row_bytes)
        for start in range(0, self.shape[0], chunk):
            with checks.checked(self.comm, "__iter__", (self, start)):
                rows = asnumpy(self[start:start + chunk])
            yield from rows

    def __contains__(self, value: Any) -> bool:
        """``value in d``: NumPy's ``(d == value).any()`` (collective; a 0-d array too, no iteration)."""
        if isinstance(value, (list, tuple)):  # NumPy's == reads a sequence as an array (scalars stay weak)
            value = np.asarray(value)
        return bool(np.any(self == value))

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        refs = sys.getrefcount(inputs[0])  # first: a temporary input may take the result (_elision)
        # Every dispatched operation with several DistArray operands enters here or in
        # __array_function__: check their communicators once, before any message.
        checks.check_same_comm(inputs, kwargs)
        elided = try_unary_call(ufunc, method, inputs, kwargs, refs)
        if elided is not None:
            return elided
        from .dispatch.protocol import array_ufunc

        return array_ufunc(self, ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        checks.check_same_comm(args, kwargs)
        from .dispatch.protocol import array_function

        return array_function(func, types, args, kwargs)

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        from . import _namespace_for

        return _namespace_for(api_version)

    # -- representation (collective) ---------------------------------------------------
    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: bool | None = None) -> Any:
        """DLPack export: honest only on one rank (the data is spread over processes otherwise)."""
        if self.comm.Get_size() != 1:
            raise BufferError("__dlpack__ needs a single rank: a DistArray's data is spread over processes")
        return self._local.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._local.__dlpack_device__()

    def __repr__(self) -> str:
        from .formatting import dist_repr

        with checks.checked(self.comm, "__repr__", (self,)):
            return dist_repr(self)

    def __str__(self) -> str:
        from .formatting import dist_str

        with checks.checked(self.comm, "__str__", (self,)):
            return dist_str(self)

    # -- indexing (collective) ----------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        from .indexing import getitem

        checks.check_same_comm((self, key))
        if checks.active():
            with checks.checked(self.comm, "__getitem__", (self, key)):
                return getitem(self, key)
        return getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        from .indexing import setitem

        checks.check_same_comm((self, key, value))
        if checks.active():
            with checks.checked(self.comm, "__setitem__", (self, key, value)):
                return setitem(self, key, value)
        setitem(self, key, value)

    # -- scalar conversions (collective) --------------------------------------------------
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def item(self, *args: Any) -> Any:
        """The element as a Python scalar, on every rank (collective).

        With no argument the array must have one element; otherwise the
        arguments index the element as in ``ndarray.item``.
        """
        from .creation import element

        if not args:
            if self.size != 1:
                raise ValueError("can only convert an array of size 1 to a Python scalar")
            index = (0,) * self.ndim
        elif len(args) == 1 and not isinstance(args[0], tuple):
            flat = int(args[0])
            if not -self.size <= flat < self.size:
                raise IndexError(f"index {flat} is out of bounds for size {self.size}")
            index = np.unravel_index(flat % self.size, self.shape)
        else:
            index = args[0] if len(args) == 1 else args
        return element(self, tuple(int(i) for i in index)).item()

    def _scalar(self, kind: type) -> Any:
        # NumPy >= 2.4 (measured with 2.4.6): only 0-d arrays convert to Python numbers; truth
        # values still accept any size-1 array.  Metadata only, so every rank raises alike.
        if kind is bool:
            if self.size == 0:
                raise ValueError("The truth value of an empty array is ambiguous. "
                                 "Use `array.size > 0` to check that an array is not empty.")
            if self.size != 1:
                raise ValueError("The truth value of an array with more than one element is ambiguous. "
                                 "Use a.any() or a.all()")
        elif self.ndim != 0:
            raise TypeError("only 0-dimensional arrays can be converted to Python scalars")
        return kind(self.item())

    def __bool__(self) -> bool:
        return self._scalar(bool)

    def __int__(self) -> int:
        return self._scalar(int)

    def __float__(self) -> float:
        return self._scalar(float)

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def __index__(self) -> int:
        if self.ndim != 0 or not np.issubdtype(self.dtype, np.integer):
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return self._scalar(int)

    def tolist(self) -> Any:
        """Nested Python lists of the whole array, on every rank (collective).

        An implicit gather: it follows the fallback policy like ``np.asarray(d)``
        (except for a 0-d array, whose one value every rank gets from ``item()`` too).
        """
        from ._implicit import implicit_gather
        from .creation import asnumpy

        if self.ndim:
            implicit_gather(self, "d.tolist()")
        with checks.checked(self.comm, "tolist", (self,)):
            return asnumpy(self).tolist()

    def toarray(self) -> np.ndarray:
        """The seed's name for gathering the whole array on every rank (explicit, like ``nd.asnumpy``)."""
        from .creation import asnumpy

        return asnumpy(self)

    tondarray = toarray

    def get_localarrays(self) -> list[np.ndarray]:
        """Every rank's local block, in rank order, on every rank (collective)."""
        return _comm.allgather_array(self.comm, self._local)

    def get_ndarrays(self) -> list[np.ndarray]:
        return self.get_localarrays()

    # -- copies and conversions -------------------------------------------------------------
    def astype(self, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True) -> DistArray:
        """Cast to ``dtype`` block by block (no communication)."""
        dt = check_dtype(dtype)
        if not np.can_cast(self.dtype, dt, casting=casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to {dt!r} according to the rule {casting!r}")
        if not copy and dt == self.dtype:
            return self
        return DistArray._new(self._local.astype(dt, copy=True), self._dist)

    def copy(self, order: str = "K") -> DistArray:
        """A copy with the same distribution (no communication)."""
        return DistArray._new(self._local.copy(), self._dist)

    def fill(self, value: Any) -> None:
        """Fill with a scalar value (no communication)."""
        self._local.fill(value)

    def redistribute(self, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """Same values in another distribution (see :func:`numpy_dist.redistribute`)."""
        from .creation import redistribute

        return redistribute(self, dist=dist, grid_shape=grid_shape)

    def reshape(self, *shape: Any, order: str = "C", copy: bool | None = None) -> DistArray:
        """``np.reshape`` (global C order)."""
        if not shape:
            raise TypeError("reshape() takes exactly 1 argument (0 given)")
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order, copy=copy)

    def transpose(self, *axes: Any) -> DistArray:
        """``np.transpose``."""
        return np.transpose(self, (axes[0] if len(axes) == 1 else axes) if axes else None)

    def flatten(self, order: str = "C") -> DistArray:
        """A 1-d copy in global C order."""
        return np.ravel(self, order=order).copy()

    def compress(self, condition: Any, axis: Any = None, out: Any = None) -> DistArray:
        return np.compress(condition, self, axis=axis, out=out)

    def put(self, indices: Any, values: Any, mode: str = "raise") -> None:
        np.put(self, indices, values, mode=mode)

    def _assign_from(self, result: DistArray) -> None:
        """Write ``result`` (same global shape, any layout) into this array's own blocks.

        The shapes are compared on global metadata, identical on every rank, before any message:
        a mismatch raises everywhere instead of leaving the ranks waiting in the redistribution.
        """
        from .redistribute import redistribute_local

        if tuple(result.shape) != tuple(self.shape):
            raise ValueError(f"cannot write a result of shape {tuple(result.shape)} into an array of shape "
                             f"{tuple(self.shape)}")
        if result.distribution == self._dist:
            self._local[...] = result.local
        else:
            self._local[...] = redistribute_local(result.local, result.distribution, self._dist)

    def sort(self, axis: int = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> None:
        """Sort in place (``np.sort`` written back into this array's distribution).

        Unlike ``np.sort``, the method takes no ``axis=None`` (TypeError, as ``ndarray.sort``).
        """
        import operator

        axis = operator.index(axis)
        self._assign_from(np.sort(self, axis=axis, kind=kind, order=order, stable=stable))

    def partition(self, kth: Any, axis: int = -1, kind: str = "introselect", order: Any = None) -> None:
        """Partition in place."""
        self._assign_from(np.partition(self, kth, axis=axis, kind=kind, order=order))

    @property
    def T(self) -> DistArray:
        return np.transpose(self)

    @property
    def mT(self) -> DistArray:
        if self.ndim < 2:
            raise ValueError("matrix transpose needs at least two dimensions")
        return np.swapaxes(self, -1, -2)

    def to_device(self, device: Any, /, *, stream: Any = None) -> DistArray:
        if device not in ("cpu", None):
            raise ValueError(f"unsupported device {device!r}")
        return self


def _method(np_func: Any) -> Any:
    """An ndarray-style method that calls the NumPy function (and so the registry)."""

    def method(self: DistArray, *args: Any, **kwargs: Any) -> Any:
        return np_func(self, *args, **kwargs)

    method.__name__ = np_func.__name__
    method.__doc__ = f"Same as ``numpy.{np_func.__name__}(self, ...)``, distributed."
    return method


# Array methods with NumPy's names, all routed through NumPy's dispatch.
for _name, _func in {
    "sum": np.sum, "prod": np.prod, "mean": np.mean, "var": np.var, "std": np.std, "min": np.min,
    "max": np.max, "ptp": np.ptp, "argmin": np.argmin, "argmax": np.argmax, "any": np.any, "all": np.all,
    "cumsum": np.cumsum, "cumprod": np.cumprod, "round": np.round, "clip": np.clip, "nonzero": np.nonzero, "ravel": np.ravel, "squeeze": np.squeeze, "swapaxes": np.swapaxes, "repeat": np.repeat, "take": np.take,
    "argsort": np.argsort, "dot": np.dot, "trace": np.trace, "diagonal": np.diagonal,
    "searchsorted": np.searchsorted, "argpartition": np.argpartition,
}.items():
    setattr(DistArray, _name, _method(_func))


# Arithmetic operators that may reuse a temporary operand's block (see _elision).
_ELIDING_OPERATORS = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
    "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power, "and": np.bitwise_and,
    "or": np.bitwise_or, "xor": np.bitwise_xor, "lshift": np.left_shift, "rshift": np.right_shift,
}
for _name, _ufunc in _ELIDING_OPERATORS.items():
    for _dunder, _reflected in ((f"__{_name}__", False), (f"__r{_name}__", True)):
        setattr(DistArray, _dunder, binary_operator(_ufunc, _reflected, getattr(NDArrayOperatorsMixin, _dunder)))
for _dunder, _ufunc in {"__neg__": np.negative, "__pos__": np.positive, "__abs__": np.absolute,
                        "__invert__": np.invert}.items():
    setattr(DistArray, _dunder, unary_operator(_ufunc, getattr(NDArrayOperatorsMixin, _dunder)))


def _conjugate(self: DistArray) -> DistArray:
    """The complex conjugate; as ``ndarray.conj``, a non-complex array is returned itself (np.conjugate
    of a bool array would be int8)."""
    return np.conjugate(self) if self.dtype.kind == "c" else self


DistArray.conj = DistArray.conjugate = _conjugate


def _real(self: DistArray) -> DistArray:
    return np.real(self)


def _imag(self: DistArray) -> DistArray:
    return np.imag(self)


DistArray.real = property(_real, doc="Real part (no communication).")
DistArray.imag = property(_imag, doc="Imaginary part (no communication).")
checks.register_array_type(DistArray)


def _root_distribution(comm: MPI.Intracomm, shape: tuple[int, ...], root: int) -> Distribution:
    """All of the array on ``root``, nothing elsewhere (for scatter and gather)."""
    P = comm.Get_size()
    if not shape:
        return Distribution._from_maps(comm, [], (P,), ())
    bounds = [0] * (root + 1) + [shape[0]] * (P - root)
    maps = [BlockMap(shape[0], P, bounds)] + [NoDistMap(n) for n in shape[1:]]
    return Distribution._from_maps(comm, maps, (P,), (0,) + (None,) * (len(shape) - 1))
