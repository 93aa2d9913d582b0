"""``DistArray``: global metadata plus one local NumPy block per rank.

Every method is collective over ``d.comm`` unless its docstring says it is
local.  Operators come from NumPy's operator mixin, so ``a + b`` is
``np.add(a, b)`` and takes the one ufunc path in :mod:`numpy_dist.dispatch`;
the arithmetic ones first try to reuse a temporary operand's block
(:mod:`numpy_dist._elision`).
"""

from __future__ import annotations

import operator
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
from mpi4py import MPI
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import _consumers, _deferred, _elision, _exposure, _implicit, _shift, checks  # (_shift: deferral of shifted operands)
from . import comm as _comm
from ._docstrings import shared_parameters
from ._elision import operator_pair, try_unary_call, unary_operator
from .distribution import DAP_VERSION, Distribution
from .redistribute import redistribute_local

__all__ = ["DistArray", "check_dtype", "aligned_block", "install_array_hooks"]

# Operations the layers above the array provide: the array never imports them (layer 4 of
# docs/architecture.md).  Each is installed by the module that owns it when it is imported, and
# numpy_dist/__init__.py imports them all: getitem/setitem (indexing), array_ufunc/array_function
# (dispatch.protocol), asnumpy/element/redistribute (creation), repr/str (formatting), namespace.
_HOOKS: dict[str, Callable[..., Any]] = {}
HOOK_NAMES = ("getitem", "setitem", "array_ufunc", "array_function", "asnumpy", "element", "redistribute",
              "repr", "str", "namespace")


def install_array_hooks(**hooks: Callable[..., Any]) -> None:
    """Install operations of a higher layer that ``DistArray``'s methods call (at import time).

    Parameters
    ----------
    **hooks : callable
        By name: ``getitem``, ``setitem``, ``array_ufunc``,
        ``array_function``, ``asnumpy``, ``element``, ``redistribute``,
        ``repr``, ``str``, ``namespace``.

    Raises
    ------
    ValueError
        If a name is not one of these.

    Examples
    --------
    >>> from numpy_dist.distarray import install_array_hooks
    >>> try:
    ...     install_array_hooks(nonsense=print)
    ... except ValueError as e:
    ...     print(e)
    unknown DistArray hooks ['nonsense']
    """
    unknown = set(hooks) - set(HOOK_NAMES)
    if unknown:
        raise ValueError(f"unknown DistArray hooks {sorted(unknown)}")
    _HOOKS.update(hooks)


def _hook(name: str) -> Callable[..., Any]:
    try:
        return _HOOKS[name]
    except KeyError:
        raise RuntimeError(f"DistArray.{name} needs the full package: import numpy_dist") from None


def _fast_power(x: DistArray, exponent: Any) -> np.ufunc | None:
    """The ufunc ndarray's ``**`` uses for this exponent instead of ``np.power``, as NumPy chooses it.

    ``x ** 2`` is ``np.square(x)`` (for booleans another dtype: int8, not power's
    int64), and for float and complex arrays ``x ** -1`` is ``np.reciprocal(x)`` and
    ``x ** 0.5`` ``np.sqrt(x)`` (the warnings name those functions).  Only for the
    Python numbers themselves.  0-d arrays too, as NumPy's 0-d arrays (its
    scalars have no such path: ``np.True_ ** 2`` is int64, ``np.array(True) ** 2``
    int8).
    """
    if type(exponent) not in (int, float):
        return None
    kind = x.dtype.kind
    if type(exponent) is int and exponent == 2 and kind in "bfc":
        return np.square
    if kind in "fc" and (type(exponent) is int and exponent == -1):
        return np.reciprocal
    if kind in "fc" and type(exponent) is float and exponent == 0.5:
        return np.sqrt
    return None


# NumPy functions whose implementation sums a pending first argument without materialising it
# (dispatch.ufunc_reduce asks numpy_dist._consumers.reduce_add).
_FUSED_REDUCTIONS = frozenset({np.sum, np.mean})


try:  # the errors for which NumPy's == and != return "all different" instead of raising
    from numpy._core._exceptions import _UFuncNoLoopError

    _INCOMPARABLE: tuple[type, ...] = (_UFuncNoLoopError, np.exceptions.DTypePromotionError)
except ImportError:  # pragma: no cover - another NumPy layout
    _INCOMPARABLE = (np.exceptions.DTypePromotionError,)


def _compare(a: DistArray, other: Any, op: Callable[[Any, Any], Any], ufunc_path: Callable[[Any, Any], Any]) -> Any:
    """``a == other`` / ``a != other``: NumPy's ufunc path, with ``ndarray.__eq__``'s two differences.

    ``np.equal`` has no loop for structured dtypes; ``ndarray.__eq__`` compares them field by
    field, and so does this, block by block on ``a``'s layout.  And for types with no loop at all
    (``arange(3) == "a"``) ``ndarray.__eq__`` answers all False (``!=``: all True).  (Dtype errors
    are NumPy's, on every rank alike: they depend on the dtypes only.)
    """
    if a.dtype.names is None:
        try:
            return ufunc_path(a, other)
        except _INCOMPARABLE:  # raised by every rank alike, before any message (dtypes only)
            if np.shape(other) not in ((), a.shape):
                raise
            # NumPy's ``==``/``!=`` (not np.equal) answer "no element is equal" for types with no loop.
            return DistArray._new(np.full(a._dist.local_shape, op is operator.ne), a._dist)
    if np.shape(other) not in ((), a.shape):
        return ufunc_path(a, other)

    def local() -> DistArray:
        return DistArray._new(np.asarray(op(a._local, aligned_block(other, a._dist))), a._dist)

    return _deferred.operation(a._dist.comm, local)


def _basic_key(key: Any) -> bool:
    """Whether an index is integers, slices, Ellipsis and None only (a view or an element; no arrays)."""
    parts = key if type(key) is tuple else (key,)
    return all(k is None or k is Ellipsis or type(k) in (int, slice) or isinstance(k, np.integer) for k in parts)


# Iteration fetches rows in chunks of about this many bytes (one collective per chunk).
_ITER_CHUNK_BYTES = 1 << 20


def check_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """Normalise a dtype; object dtypes are refused (they cannot travel as bytes).

    Parameters
    ----------
    dtype : data-type
        Anything ``np.dtype`` accepts.
    name : str, optional
        The argument's name in error messages.

    Returns
    -------
    numpy.dtype
        The dtype.

    Raises
    ------
    TypeError
        If it is not a valid dtype, or holds Python objects.

    Examples
    --------
    >>> from numpy_dist.distarray import check_dtype
    >>> check_dtype("f4")
    dtype('float32')
    >>> try:
    ...     check_dtype(object)
    ... except TypeError:
    ...     print("refused")
    refused
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} is not a valid NumPy dtype: {dtype!r}") from exc
    if dt.hasobject:
        raise TypeError(f"{name}={dt} is not supported: DistArrays hold fixed-size elements only")
    return dt


def _method(np_func: Any, summary: str, returns: str, communication: str, example: str) -> Any:
    """An ndarray-style method that calls the NumPy function (and so the registry).

    ``summary``, ``returns`` (a numpydoc Returns entry), ``communication`` and ``example``
    (doctest lines after the array ``d = [[0., 1., 2.], [3., 4., 5.]]``) make its docstring.
    """

    def method(self: DistArray, *args: Any, **kwargs: Any) -> Any:
        return np_func(self, *args, **kwargs)

    name = np_func.__name__
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"""{summary}; ``d.{name}(...)`` is ``numpy.{name}(d, ...)``, distributed.

    Parameters
    ----------
    *args, **kwargs
        The arguments of :func:`numpy.{name}` after the array, with NumPy's
        meanings and defaults.

    Returns
    -------
    {returns}

    Notes
    -----
    Communication: {communication}

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
{textwrap.indent(textwrap.dedent(example).strip(), "    ")}
    """
    return method


_REDUCED = """scalar or DistArray
        A NumPy scalar (the same on every rank) for a reduction over every
        axis; a DistArray otherwise."""
_SAME_SHAPE = """DistArray
        The result, in a layout derived from ``d``'s."""
_ALLREDUCE = "partial results over the reduced axes are combined (one allreduce or a small gather)."
_ELEMENTWISE = "none (elementwise, block by block)."
_MOVES = "data moves between ranks only where the result's layout needs it."


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

    # ``_block`` is this rank's block; ``_expr`` a pending elementwise expression (numpy_dist._deferred)
    # whose value the block will be, or None.  ``_local`` is the block, computed first if pending.
    __slots__ = ("_dist", "_block", "_expr", "__weakref__")

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
            _exposure.expose(local)  # the caller holds the buffer
        self._dist = distribution
        self._block = local
        self._expr = None

    @classmethod
    def _new(cls, local: np.ndarray, dist: Distribution) -> DistArray:
        """Wrap a local block that is known to match ``dist`` (never communicates)."""
        self = object.__new__(cls)
        self._dist = dist
        # NumPy gives scalars for 0-d results; the local block is always an ndarray.
        self._block = local if type(local) is np.ndarray else np.asarray(local)
        self._expr = None
        return self

    @classmethod
    def _from_node(cls, node: _deferred.Node, dist: Distribution) -> DistArray:
        """A DistArray whose value is the pending ``node`` (already evaluated when its block is set)."""
        self = object.__new__(cls)
        self._dist = dist
        self._block = node.block
        self._expr = None if node.block is not None else node
        return self

    @property
    def _local(self) -> np.ndarray:
        if self._expr is not None:
            _deferred.evaluate(self._expr)  # on this rank alone: agreed at the next flush
        return self._block

    @_local.setter
    def _local(self, block: np.ndarray) -> None:
        self._block, self._expr = block, None

    # -- metadata (local) ------------------------------------------------------------
    @property
    def local(self) -> np.ndarray:
        """This rank's block, a NumPy array (possibly empty).  Local.

        Handing the block to user code settles deferred work on this rank first
        (user code may write the block), and later deferred calls reading it are
        computed at once.  Writing into it changes the DistArray.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.local.shape == d.distribution.local_shape
        True
        """
        if _deferred.depth == 0:  # (deferral off too: it may be turned on while user code holds the block)
            _deferred.flush_local(self._dist.comm)
            _exposure.expose(self._local)
        return self._local

    @property
    def distribution(self) -> Distribution:
        """The :class:`Distribution`: global shape, per-axis maps, process grid, communicator.  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.distribution.shape, d.distribution.dist
        ((2, 3), ('b', 'n'))
        """
        return self._dist

    @property
    def comm(self) -> MPI.Intracomm:
        """The communicator whose ranks hold the array (``mpi4py.MPI.Intracomm``).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> from mpi4py import MPI
        >>> d.comm is MPI.COMM_WORLD
        True
        """
        return self._dist.comm

    @property
    def shape(self) -> tuple[int, ...]:
        """Global shape (the same on every rank).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.shape
        (2, 3)
        """
        return self._dist.shape

    @property
    def dtype(self) -> np.dtype:
        """Element type (a ``numpy.dtype``).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.dtype
        dtype('float64')
        """
        return self._block.dtype if self._expr is None else self._expr.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions.  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.ndim
        2
        """
        return self._dist.ndim

    @property
    def size(self) -> int:
        """Number of elements of the global array.  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.size
        6
        """
        return self._dist.size

    @property
    def itemsize(self) -> int:
        """Bytes per element.  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.itemsize
        8
        """
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the global array (not of the local block).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.nbytes
        48
        """
        return self.size * self.itemsize

    @property
    def dist(self) -> tuple[str, ...]:
        """Distribution code per axis, e.g. ``('b', 'n')``.  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.dist
        ('b', 'n')
        """
        return self._dist.dist

    @property
    def grid_shape(self) -> tuple[int, ...]:
        """Processes along each axis (1 for axes that are not distributed).  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> from mpi4py import MPI
        >>> d.grid_shape == (MPI.COMM_WORLD.size, 1)
        True
        """
        return self._dist.grid_shape

    @property
    def device(self) -> str:
        """The array API device: always ``'cpu'``.  Local.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.device
        'cpu'
        """
        return "cpu"

    def localshapes(self) -> list[tuple[int, ...]]:
        """Every rank's local block shape, in rank order.

        Returns
        -------
        list of tuple of int
            One shape per rank (computed from metadata, the same on every rank).

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> sum(s[0] for s in d.localshapes())
        2
        """
        return self._dist.localshapes()

    # -- protocols -------------------------------------------------------------------
    def __distarray__(self) -> dict:
        """The Distributed Array Protocol: this rank's buffer and ``dim_data`` (zero-copy, local)."""
        return {"__version__": DAP_VERSION, "buffer": self.local, "dim_data": self._dist.dim_data()}

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
        _implicit.implicit_gather(self, "np.asarray(d)")
        with checks.checked(self.comm, "__array__", (self,)):
            out = _deferred.operation(self._dist.comm, lambda: _hook("asnumpy")(self))
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
        if self.nbytes > _implicit.SMALL_ITERATION_BYTES:  # global metadata: every rank agrees
            _implicit.implicit_gather(self, "iterating over d")
        return self._iter_rows()

    def _iter_rows(self) -> Any:
        asnumpy = _hook("asnumpy")
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
        if _deferred.ENABLED and method == "__call__" and not kwargs:
            pending = _deferred.defer(ufunc, inputs)
            if pending is not None:
                return pending
        # Every dispatched operation with several DistArray operands enters here or in
        # __array_function__: check their communicators once, before any message.
        checks.check_same_comm(inputs, kwargs)
        elided = try_unary_call(ufunc, method, inputs, kwargs, refs)
        if elided is not None:
            return elided
        return _deferred.operation(self._dist.comm, lambda: _HOOKS["array_ufunc"](self, ufunc, method, inputs, kwargs))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        checks.check_same_comm(args, kwargs)
        if func is np.where and _deferred.ENABLED and len(args) == 3 and not kwargs:
            pending = _deferred.defer(_deferred.WHERE, args)
            if pending is not None:
                return pending
        # A reduction of a pending expression reads it in its own pass (it is not computed first).
        # (Not with an ``out``: the pending work stays pending through such a call, and must not see it written.)
        fusable = func in _FUSED_REDUCTIONS and args and len(args) < 4 and kwargs.get("out") is None
        spare = _consumers.consumable(args[0]) if fusable else None
        return _deferred.operation(self._dist.comm, lambda: _HOOKS["array_function"](self, func, types, args, kwargs),
                                   spare=spare)

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        return _hook("namespace")(api_version)

    # -- representation (collective) ---------------------------------------------------
    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: bool | None = None) -> Any:
        """DLPack export: honest only on one rank (the data is spread over processes otherwise)."""
        if self.comm.Get_size() != 1:
            raise BufferError("__dlpack__ needs a single rank: a DistArray's data is spread over processes")
        return self.local.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._local.__dlpack_device__()

    def __repr__(self) -> str:
        with checks.checked(self.comm, "__repr__", (self,)):
            return _deferred.operation(self._dist.comm, lambda: _hook("repr")(self))

    def __str__(self) -> str:
        with checks.checked(self.comm, "__str__", (self,)):
            return _deferred.operation(self._dist.comm, lambda: _hook("str")(self))

    # -- indexing (collective) ----------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        getitem = _HOOKS["getitem"]
        checks.check_same_comm((self, key))
        # A basic index of a settled array reads only it: deferred work may stay pending (stencils fuse).
        settle = self._expr is not None or not _basic_key(key)
        if checks.active():  # (named for the watchdog, and still an operation: no block is handed out)
            with checks.checked(self.comm, "__getitem__", (self, key)):
                return _deferred.operation(self._dist.comm, lambda: getitem(self, key), settle)
        return _deferred.operation(self._dist.comm, lambda: getitem(self, key), settle)

    def __setitem__(self, key: Any, value: Any) -> None:
        temporary = _elision.temporary_assigned(sys.getrefcount(value))  # first: before more references exist
        setitem = _HOOKS["setitem"]
        checks.check_same_comm((self, key, value))
        comm = self._dist.comm
        # A pending value (global): the assignment may write it straight into this array
        # (numpy_dist._consumers.assign); what else is pending is computed first, on each rank.
        spare = value._expr if type(value) is DistArray else None

        def assign() -> None:
            if spare is not None:
                _consumers.settle_others(comm, spare)
            setitem(self, key, value, temporary)

        if checks.active():
            with checks.checked(self.comm, "__setitem__", (self, key, value)):
                _deferred.operation(comm, assign, spare=spare)
            return
        _deferred.operation(comm, assign, spare=spare)

    # -- scalar conversions (collective) --------------------------------------------------
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def item(self, *args: Any) -> Any:
        """The element as a Python scalar, on every rank (collective).

        Parameters
        ----------
        *args : int or tuple of int
            Nothing (the array must have one element), a flat index, or one index
            per axis, as for ``ndarray.item``.

        Returns
        -------
        int, float, complex, bool or other Python scalar
            The element.

        Raises
        ------
        ValueError
            If no index is given and the array does not have exactly one element.
        IndexError
            If the index is out of bounds.

        Notes
        -----
        Communication: one small allgather of the element.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.item(4), d.item(1, 2)
        (4.0, 5.0)
        """
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
        return _deferred.operation(self._dist.comm, lambda: _hook("element")(self, tuple(int(i) for i in index)).item())

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
        :func:`numpy_dist.asnumpy` followed by ``.tolist()`` gathers on purpose.

        Returns
        -------
        list or scalar
            The elements as Python objects (a scalar for a 0-d array).

        Raises
        ------
        FallbackError
            In the ``"error"`` mode of :func:`numpy_dist.set_fallback`.

        Notes
        -----
        Communication: one all-to-all exchange; every rank receives the whole array.

        Examples
        --------
        >>> import warnings
        >>> import numpy as np, numpy_dist as nd
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", nd.FallbackWarning)
        ...     nd.arange(3).tolist()
        [0, 1, 2]
        """
        if self.ndim:
            _implicit.implicit_gather(self, "d.tolist()")
        with checks.checked(self.comm, "tolist", (self,)):
            return _deferred.operation(self._dist.comm, lambda: _hook("asnumpy")(self).tolist())

    def toarray(self) -> np.ndarray:
        """The whole array on every rank, as a NumPy array (the DistArray seed's name).

        Explicit, like :func:`numpy_dist.asnumpy`: no fallback warning.

        Returns
        -------
        numpy.ndarray
            The global array, identical on every rank.

        Notes
        -----
        Communication: one all-to-all exchange; every rank receives the whole array.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.toarray().tolist()
        [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        """
        return _deferred.operation(self._dist.comm, lambda: _hook("asnumpy")(self))

    tondarray = toarray

    def get_localarrays(self) -> list[np.ndarray]:
        """Every rank's local block, in rank order, on every rank (collective).

        Returns
        -------
        list of numpy.ndarray
            One block per rank (copies).

        Notes
        -----
        Communication: one allgather of the blocks.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> blocks = d.get_localarrays()
        >>> [b.shape for b in blocks] == d.localshapes()
        True
        """
        return _comm.allgather_array(self.comm, self._local)

    def get_ndarrays(self) -> list[np.ndarray]:
        """Every rank's local block, in rank order (the seed's name of :meth:`get_localarrays`).

        Returns
        -------
        list of numpy.ndarray
            One block per rank (copies).

        Notes
        -----
        Communication: one allgather of the blocks.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> len(d.get_ndarrays()) == d.comm.size
        True
        """
        return self.get_localarrays()

    # -- copies and conversions -------------------------------------------------------------
    def astype(self, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True) -> DistArray:
        """The array cast to ``dtype``, block by block.

        Parameters
        ----------
        dtype : data-type
            The new element type (object dtypes are refused).
        order : {'K', 'C', 'F', 'A'}, optional
            Accepted for NumPy compatibility; local blocks are C-ordered.
        casting : {'unsafe', 'same_kind', 'safe', 'equiv', 'no'}, optional
            Which casts are allowed, as NumPy defines them (default ``'unsafe'``).
        subok : bool, optional
            Accepted for NumPy compatibility; the result is a DistArray.
        copy : bool, optional
            False returns the array itself when the dtype is already ``dtype``.

        Returns
        -------
        DistArray
            The cast array, in the same layout.

        Raises
        ------
        TypeError
            If ``dtype`` is not supported or ``casting`` forbids the cast.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> nd.asnumpy(d.astype(np.int32)).dtype
        dtype('int32')
        """
        dt = check_dtype(dtype)
        if not np.can_cast(self.dtype, dt, casting=casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to {dt!r} according to the rule {casting!r}")
        if not copy and dt == self.dtype:
            return self
        warned = _comm.warn_complex_cast(self, dt)  # (at the call: a deferred cast is computed later)
        if _deferred.ENABLED:
            pending = _deferred.defer(_deferred.cast_kernel(dt), (self,))
            if pending is not None:
                return pending
        comm = self._dist.comm

        def cast() -> np.ndarray:
            if warned:
                with _comm.quiet_complex_cast():
                    return self._local.astype(dt, copy=True)
            return self._local.astype(dt, copy=True)

        # (agreed: an invalid value seen by one rank's block is "encountered in cast" on every rank, as NumPy warns)
        return _deferred.operation(comm, lambda: DistArray._new(_comm.agreed_call(comm, cast, fp="cast"), self._dist))

    def copy(self, order: str = "K") -> DistArray:
        """A copy with the same distribution.

        Parameters
        ----------
        order : {'K', 'C', 'F', 'A'}, optional
            Accepted for NumPy compatibility; local blocks are C-ordered.

        Returns
        -------
        DistArray
            A new array; writing into it leaves ``d`` unchanged.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> e = d.copy()
        >>> e[0, 0] = 9
        >>> float(d[0, 0]), float(e[0, 0])
        (0.0, 9.0)
        """
        return DistArray._new(self._local.copy(), self._dist)

    def fill(self, value: Any) -> None:
        """Set every element to a scalar value, in place.

        Parameters
        ----------
        value : scalar
            The value, cast to the array's dtype as ``ndarray.fill`` casts it.

        Notes
        -----
        Communication: none beyond settling deferred work that reads the array.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.fill(7)
        >>> nd.asnumpy(d).tolist()
        [[7.0, 7.0, 7.0], [7.0, 7.0, 7.0]]
        """
        _deferred.operation(self._dist.comm, lambda: self._local.fill(value))

    @shared_parameters
    def redistribute(self, dist: Any = None, grid_shape: Any = None) -> DistArray:
        """The same values in another distribution (see :func:`numpy_dist.redistribute`).

        Parameters
        ----------
        {dist}
        {grid_shape}

        Returns
        -------
        DistArray
            The array itself when the layout is unchanged, else a new one.

        Raises
        ------
        ValueError
            If the layout does not fit the array's shape.

        Notes
        -----
        Communication: one Alltoallv; elements that keep their owner are not sent.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> e = d.redistribute("nb")
        >>> e.dist, bool((nd.asnumpy(e) == nd.asnumpy(d)).all())
        (('n', 'b'), True)
        """
        return _deferred.operation(self._dist.comm, lambda: _hook("redistribute")(self, dist=dist, grid_shape=grid_shape))

    def to_layout(self, dist: Distribution, *, share: bool = False) -> DistArray:
        """This array laid out as ``dist`` (same shape and communicator): the one way to move data.

        Returns ``self`` when the layout already is ``dist``; otherwise one
        Alltoallv in which only elements that change owner move, into new
        blocks.  The public, validating spelling is :meth:`redistribute`.

        Parameters
        ----------
        dist : Distribution
            The target layout; it must have this array's shape and communicator
            (not checked).
        share : bool, optional
            With True, a layout that differs only in name (one rank, the same
            elements in the same order) reuses this array's block instead of
            copying it.

        Returns
        -------
        DistArray
            The array in layout ``dist``.

        Notes
        -----
        Communication: one Alltoallv (none when the layout is unchanged).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6))
        >>> d.to_layout(nd.Distribution(d.comm, (6,), "c")).dist
        ('c',)
        """
        if dist is self._dist or dist == self._dist:
            return self
        old = self._dist
        if share and old.nprocs == 1 and all(np.array_equal(old.local_indices(a), dist.local_indices(a))
                                             for a in range(old.ndim)):
            return DistArray._new(self._local, dist)
        return DistArray._new(redistribute_local(self._local, self._dist, dist), dist)

    def reshape(self, *shape: Any, order: str = "C", copy: bool | None = None) -> DistArray:
        """The same elements in another shape (global C order), as ``np.reshape``.

        Parameters
        ----------
        *shape : int or tuple of int
            The new shape, as one tuple or as separate integers; one entry may be
            -1.
        order : {'C', 'F', 'A'}, optional
            Index order, as for :func:`numpy.reshape`.
        copy : bool, optional
            As for :func:`numpy.reshape`.

        Returns
        -------
        DistArray
            The reshaped array.

        Raises
        ------
        TypeError
            If no shape is given.
        ValueError
            If the sizes differ.

        Notes
        -----
        Communication: elements move only where the new layout needs them.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.reshape(3, 2).shape, d.reshape(-1).shape
        ((3, 2), (6,))
        """
        if not shape:
            raise TypeError("reshape() takes exactly 1 argument (0 given)")
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order, copy=copy)

    def transpose(self, *axes: Any) -> DistArray:
        """The array with its axes permuted, as ``np.transpose``.

        Parameters
        ----------
        *axes : int or tuple of int
            The permutation, as one tuple or as separate integers; default the
            reversed axes.

        Returns
        -------
        DistArray
            The transposed array; its layout's axes are permuted too.

        Raises
        ------
        numpy.exceptions.AxisError
            If an axis is out of range.
        ValueError
            If ``axes`` is not a permutation.

        Notes
        -----
        Communication: none (metadata only).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.transpose().shape, d.transpose(1, 0).dist
        ((3, 2), ('n', 'b'))
        """
        return np.transpose(self, (axes[0] if len(axes) == 1 else axes) if axes else None)

    def flatten(self, order: str = "C") -> DistArray:
        """A 1-d copy of the elements in global C order.

        Parameters
        ----------
        order : {'C', 'F', 'A', 'K'}, optional
            Index order, as for ``ndarray.flatten``.

        Returns
        -------
        DistArray
            A new 1-d array.

        Notes
        -----
        Communication: elements move only where the 1-d layout needs them.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> nd.asnumpy(d.flatten()).tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        """
        return np.ravel(self, order=order).copy()

    def compress(self, condition: Any, axis: Any = None, out: Any = None) -> DistArray:
        """The slices along ``axis`` where ``condition`` is true, as ``np.compress``.

        Parameters
        ----------
        condition : array_like of bool or DistArray
            Which slices to keep.
        axis : int, optional
            The axis; None (default) works on the flattened array.
        out : DistArray, optional
            Where to put the result.

        Returns
        -------
        DistArray
            The selected slices.

        Notes
        -----
        Communication: a DistArray ``condition`` is gathered; the kept slices
        move where the result's layout needs them (a take along the axis).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> nd.asnumpy(d.compress([True, False, True], axis=1)).tolist()
        [[0.0, 2.0], [3.0, 5.0]]
        """
        return np.compress(condition, self, axis=axis, out=out)

    def put(self, indices: Any, values: Any, mode: str = "raise") -> None:
        """Write ``values`` at flat ``indices``, in place, as ``np.put``.

        Parameters
        ----------
        indices : array_like of int
            Flat indices into the array.
        values : array_like
            Values to write (repeated when shorter than ``indices``).
        mode : {'raise', 'wrap', 'clip'}, optional
            What out-of-range indices do (default: raise IndexError).

        Raises
        ------
        IndexError
            If an index is out of range and ``mode`` is ``'raise'``.

        Notes
        -----
        Communication: the array is viewed flat (a reshape: elements move where
        the flat layout needs them), each rank writes the indices it owns,
        and the result is reshaped back.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.put([0, 5], [-1.0, -2.0])
        >>> nd.asnumpy(d).ravel().tolist()
        [-1.0, 1.0, 2.0, 3.0, 4.0, -2.0]
        """
        np.put(self, indices, values, mode=mode)

    def _assign_from(self, result: DistArray) -> None:
        """Write ``result`` (same global shape, any layout) into this array's own blocks.

        The shapes are compared on global metadata, identical on every rank, before any message:
        a mismatch raises everywhere instead of leaving the ranks waiting in the redistribution.
        """
        if tuple(result.shape) != tuple(self.shape):
            raise ValueError(f"cannot write a result of shape {tuple(result.shape)} into an array of shape "
                             f"{tuple(self.shape)}")
        if result.distribution == self._dist:
            self._local[...] = result.local
        else:
            self._local[...] = redistribute_local(result.local, result.distribution, self._dist)

    def sort(self, axis: int = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> None:
        """Sort in place along ``axis`` (``np.sort`` written back into this array's layout).

        Parameters
        ----------
        axis : int, optional
            The axis (default the last).  Unlike ``np.sort``, the method takes no
            ``axis=None`` (TypeError, as ``ndarray.sort``).
        kind : str, optional
            Accepted as NumPy accepts it; the result is the same sorted order.
        order : str or list of str, optional
            Fields to compare first, for structured dtypes.
        stable : bool, optional
            As for :func:`numpy.sort`.

        Raises
        ------
        TypeError
            If ``axis`` is None.
        numpy.exceptions.AxisError
            If ``axis`` is out of range.

        Notes
        -----
        Communication: a distributed sort along a distributed axis; none along a
        local one.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> e = -d
        >>> e.sort(axis=1)
        >>> nd.asnumpy(e).tolist()
        [[-2.0, -1.0, -0.0], [-5.0, -4.0, -3.0]]
        """
        axis = operator.index(axis)
        self._assign_from(np.sort(self, axis=axis, kind=kind, order=order, stable=stable))

    def partition(self, kth: Any, axis: int = -1, kind: str = "introselect", order: Any = None) -> None:
        """Partition in place around the ``kth`` element (``np.partition`` written back).

        Parameters
        ----------
        kth : int or sequence of int
            Element index (or indices) that end up in their sorted place, smaller
            elements before, larger ones after.
        axis : int, optional
            The axis (default the last).
        kind : str, optional
            Selection algorithm name, as NumPy accepts it.
        order : str or list of str, optional
            Fields to compare first, for structured dtypes.

        Raises
        ------
        ValueError
            If ``kth`` is out of bounds.

        Notes
        -----
        Communication: a distributed selection along a distributed axis; none
        along a local one.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> e = nd.asarray(np.array([3.0, 1.0, 2.0, 0.0]))
        >>> e.partition(1)
        >>> float(e[1])
        1.0
        """
        self._assign_from(np.partition(self, kth, axis=axis, kind=kind, order=order))

    @property
    def T(self) -> DistArray:
        """The transposed array (``np.transpose(d)``); the layout's axes are reversed too.  No communication.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.T.shape, d.T.dist
        ((3, 2), ('n', 'b'))
        """
        return np.transpose(self)

    @property
    def mT(self) -> DistArray:
        """The last two axes swapped (array API matrix transpose).  No communication.

        Raises
        ------
        ValueError
            If the array has fewer than two dimensions.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> nd.asnumpy(d.mT).tolist()
        [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
        """
        if self.ndim < 2:
            raise ValueError("matrix transpose needs at least two dimensions")
        return np.swapaxes(self, -1, -2)

    def to_device(self, device: Any, /, *, stream: Any = None) -> DistArray:
        """The array on ``device``: itself, as only the CPU exists (array API).

        Parameters
        ----------
        device : {'cpu', None}
            The target device.
        stream : object, optional
            Ignored.

        Returns
        -------
        DistArray
            The array itself.

        Raises
        ------
        ValueError
            If ``device`` is not the CPU.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> d.to_device("cpu") is d
        True
        """
        if device not in ("cpu", None):
            raise ValueError(f"unsupported device {device!r}")
        return self

    # -- operators: ufuncs through __array_ufunc__ (comparisons and in-place operators come from
    #    NDArrayOperatorsMixin); arithmetic may write into a temporary operand's block (_elision) --
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _compare(self, other, operator.eq, NDArrayOperatorsMixin.__eq__)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _compare(self, other, operator.ne, NDArrayOperatorsMixin.__ne__)

    __hash__ = None  # type: ignore[assignment]  (arrays are unhashable, as ndarray)
    __add__, __radd__ = operator_pair(np.add, "add")
    __sub__, __rsub__ = operator_pair(np.subtract, "sub")
    __mul__, __rmul__ = operator_pair(np.multiply, "mul")
    __truediv__, __rtruediv__ = operator_pair(np.true_divide, "truediv")
    __floordiv__, __rfloordiv__ = operator_pair(np.floor_divide, "floordiv")
    __mod__, __rmod__ = operator_pair(np.remainder, "mod")
    _power, __rpow__ = operator_pair(np.power, "pow")

    def __pow__(self, other: Any) -> Any:
        fast = _fast_power(self, other)
        return self._power(other) if fast is None else fast(self)

    def __ipow__(self, other: Any) -> Any:
        fast = _fast_power(self, other)
        return NDArrayOperatorsMixin.__ipow__(self, other) if fast is None else fast(self, out=(self,))
    __and__, __rand__ = operator_pair(np.bitwise_and, "and")
    __or__, __ror__ = operator_pair(np.bitwise_or, "or")
    __xor__, __rxor__ = operator_pair(np.bitwise_xor, "xor")
    __lshift__, __rlshift__ = operator_pair(np.left_shift, "lshift")
    __rshift__, __rrshift__ = operator_pair(np.right_shift, "rshift")
    __neg__ = unary_operator(np.negative, "neg")
    __pos__ = unary_operator(np.positive, "pos")
    __abs__ = unary_operator(np.absolute, "abs")
    __invert__ = unary_operator(np.invert, "invert")

    # -- methods with NumPy's names, routed through NumPy's dispatch (and so the registry) --
    sum = _method(np.sum, "Sum of the elements (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> float(d.sum())
        15.0
        >>> nd.asnumpy(d.sum(axis=0)).tolist()
        [3.0, 5.0, 7.0]""")
    prod = _method(np.prod, "Product of the elements (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> nd.asnumpy((d + 1).prod(axis=1)).tolist()
        [6.0, 120.0]""")
    mean = _method(np.mean, "Arithmetic mean (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> float(d.mean())
        2.5""")
    var = _method(np.var, "Variance (over ``axis``; ``ddof`` as NumPy)", _REDUCED, _ALLREDUCE, """
        >>> nd.asnumpy(d.var(axis=1)).tolist()
        [0.6666666666666666, 0.6666666666666666]""")
    std = _method(np.std, "Standard deviation (over ``axis``; ``ddof`` as NumPy)", _REDUCED, _ALLREDUCE, """
        >>> float(d.std(ddof=1)) == float(np.arange(6.0).std(ddof=1))
        True""")
    min = _method(np.min, "Smallest element (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> float(d.min())
        0.0""")
    max = _method(np.max, "Largest element (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> nd.asnumpy(d.max(axis=1)).tolist()
        [2.0, 5.0]""")
    ptp = _method(np.ptp, "Range (largest minus smallest, over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> float(d.ptp())
        5.0""")
    argmin = _method(np.argmin, "Index of the smallest element (flat, or along ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> int(d.argmin())
        0""")
    argmax = _method(np.argmax, "Index of the largest element (flat, or along ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> int(d.argmax()), nd.asnumpy(d.argmax(axis=0)).tolist()
        (5, [1, 1, 1])""")
    any = _method(np.any, "Whether any element is true (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> bool(d.any()), bool((d > 10).any())
        (True, False)""")
    all = _method(np.all, "Whether every element is true (over ``axis``)", _REDUCED, _ALLREDUCE, """
        >>> bool(d.all()), nd.asnumpy(d.all(axis=0)).tolist()
        (False, [False, True, True])""")
    cumsum = _method(np.cumsum, "Cumulative sum (flat, or along ``axis``)", _SAME_SHAPE,
                     "block totals are scanned along the axis (one exclusive scan).", """
        >>> nd.asnumpy(d.cumsum(axis=1)).tolist()
        [[0.0, 1.0, 3.0], [3.0, 7.0, 12.0]]""")
    cumprod = _method(np.cumprod, "Cumulative product (flat, or along ``axis``)", _SAME_SHAPE,
                      "block totals are scanned along the axis (one exclusive scan).", """
        >>> nd.asnumpy((d + 1).cumprod()).tolist()
        [1.0, 2.0, 6.0, 24.0, 120.0, 720.0]""")
    round = _method(np.round, "Elements rounded to ``decimals`` (half to even)", _SAME_SHAPE, _ELEMENTWISE, """
        >>> nd.asnumpy((d / 4).round(1)).tolist()
        [[0.0, 0.2, 0.5], [0.8, 1.0, 1.2]]""")
    clip = _method(np.clip, "Elements limited to ``[min, max]``", _SAME_SHAPE, _ELEMENTWISE, """
        >>> nd.asnumpy(d.clip(1, 4)).tolist()
        [[1.0, 1.0, 2.0], [3.0, 4.0, 4.0]]""")
    nonzero = _method(np.nonzero, "Indices of the non-zero elements", """tuple of DistArray
        One 1-d index array per axis, in C order.""", "the counts of non-zero elements are scanned; " + _MOVES, """
        >>> rows, cols = d.nonzero()
        >>> nd.asnumpy(rows).tolist(), nd.asnumpy(cols).tolist()
        ([0, 0, 1, 1, 1], [1, 2, 0, 1, 2])""")
    ravel = _method(np.ravel, "The elements as a 1-d array (global C order)", """DistArray
        The flattened array (a new one: a DistArray has no views).""", _MOVES, """
        >>> nd.asnumpy(d.ravel()).tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]""")
    squeeze = _method(np.squeeze, "The array without its axes of length one", _SAME_SHAPE, _MOVES, """
        >>> d[:1].squeeze().shape
        (3,)""")
    swapaxes = _method(np.swapaxes, "The array with two axes interchanged", _SAME_SHAPE,
                       "none (metadata only: the layout's axes are swapped too).", """
        >>> d.swapaxes(0, 1).shape
        (3, 2)""")
    repeat = _method(np.repeat, "Each element repeated (flat, or along ``axis``)", _SAME_SHAPE, _MOVES, """
        >>> nd.asnumpy(d.repeat(2, axis=0)).shape
        (4, 3)""")
    take = _method(np.take, "Elements at the given indices (flat, or along ``axis``)", _SAME_SHAPE, _MOVES, """
        >>> nd.asnumpy(d.take([0, 5])).tolist()
        [0.0, 5.0]""")
    argsort = _method(np.argsort, "Indices that sort the array (along ``axis``, default the last)", _SAME_SHAPE,
                      "a distributed sort along a distributed axis; " + _MOVES, """
        >>> nd.asnumpy((-d).argsort(axis=1)).tolist()
        [[2, 1, 0], [2, 1, 0]]""")
    argpartition = _method(np.argpartition, "Indices that partition the array around its ``kth`` element",
                           _SAME_SHAPE, "a distributed selection along a distributed axis; " + _MOVES, """
        >>> int(nd.asnumpy(d.ravel().argpartition(2))[2])
        2""")
    dot = _method(np.dot, "Dot product with another array", """scalar or DistArray
        As :func:`numpy.dot` returns it.""", "partial products are combined; " + _MOVES, """
        >>> nd.asnumpy(d.dot(np.ones(3))).tolist()
        [3.0, 12.0]""")
    trace = _method(np.trace, "Sum along a diagonal", _REDUCED, _ALLREDUCE, """
        >>> float(d.trace())
        4.0""")
    diagonal = _method(np.diagonal, "The given diagonal", """DistArray
        The diagonal's elements (a copy).""", _MOVES, """
        >>> nd.asnumpy(d.diagonal()).tolist()
        [0.0, 4.0]""")
    searchsorted = _method(np.searchsorted, "Where values would be inserted to keep the sorted 1-d array sorted",
                           """int, numpy.ndarray or DistArray
        Insertion indices shaped as the values: NumPy values give a NumPy
        result (the same on every rank), DistArray values a DistArray.""",
                           "one allgather of every block's first element, then one allreduce (NumPy "
                           "values) or two Alltoallv (DistArray values).", """
        >>> nd.asnumpy(d.ravel().searchsorted([2.5, 9.0])).tolist()
        [3, 6]""")

    def conjugate(self) -> DistArray:
        """The complex conjugate.

        As ``ndarray.conj``, a non-complex array is returned itself
        (``np.conjugate`` of a bool array would be int8).

        Returns
        -------
        DistArray
            The conjugate (or the array itself when it is not complex).

        Notes
        -----
        Communication: none (elementwise).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> z = nd.asarray(np.array([1 + 2j, 3 - 4j]))
        >>> nd.asnumpy(z.conjugate()).tolist()
        [(1-2j), (3+4j)]
        """
        return np.conjugate(self) if self.dtype.kind == "c" else self

    conj = conjugate

    @property
    def real(self) -> DistArray:
        """Real part (no communication).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> z = nd.asarray(np.array([1 + 2j, 3 - 4j]))
        >>> nd.asnumpy(z.real).tolist()
        [1.0, 3.0]
        """
        return np.real(self)

    @property
    def imag(self) -> DistArray:
        """Imaginary part (no communication).

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> d = nd.asarray(np.arange(6.0).reshape(2, 3))
        >>> z = nd.asarray(np.array([1 + 2j, 3 - 4j]))
        >>> nd.asnumpy(z.imag).tolist()
        [2.0, -4.0]
        """
        return np.imag(self)


def aligned_block(x: Any, dist: Distribution) -> Any:
    """This rank's share of operand ``x`` aligned with ``dist``, broadcasting allowed.

    A DistArray is brought to the layout its shape needs under ``dist``
    (nothing moves when it already has it); a NumPy array, held whole on
    every rank, is sliced to this rank's block; scalars pass through
    unchanged (NEP 50 treats Python scalars specially).

    Parameters
    ----------
    x : DistArray, numpy.ndarray or scalar
        The operand (its shape broadcasts to ``dist.shape``).
    dist : Distribution
        The layout to align with.

    Returns
    -------
    numpy.ndarray or scalar
        The part of ``x`` that meets this rank's block of ``dist``.

    Raises
    ------
    ValueError
        If a DistArray lives on another communicator.

    Notes
    -----
    Communication: one redistribution of a DistArray in another layout; none
    otherwise.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.distarray import aligned_block
    >>> d = nd.asarray(np.zeros((4, 3)))
    >>> aligned_block(np.arange(3.0), d.distribution).shape
    (3,)
    >>> aligned_block(np.ones((4, 3)), d.distribution).shape == d.distribution.local_shape
    True
    """
    if isinstance(x, DistArray):
        if x._dist is dist:
            return x._local
        if x.comm != dist.comm:
            raise ValueError("operands live on different communicators")
        need = dist if x.shape == dist.shape else dist.broadcast_to(x.shape, dist)
        return x.to_layout(need)._local
    if isinstance(x, np.ndarray) and x.ndim:
        return _numpy_block(x, dist)
    return x


def _numpy_block(x: np.ndarray, dist: Distribution) -> np.ndarray:
    """The part of a NumPy operand (held whole on every rank) matching this rank's block."""
    offset = dist.ndim - x.ndim
    keys = []
    for i, n in enumerate(x.shape):
        j = i + offset
        if n == 1 and dist.shape[j] != 1:
            keys.append(slice(None))
            continue
        m = dist.maps[j]
        p = dist.axis_coord(j)
        sl = m.local_slice(p)
        keys.append(sl if sl is not None else m.local_indices(p))
    arrays = [k for k in keys if not isinstance(k, slice)]
    if len(arrays) > 1:
        keys = [np.arange(x.shape[i])[k] if isinstance(k, slice) else k for i, k in enumerate(keys)]
        return x[np.ix_(*keys)]
    return x[tuple(keys)]


_elision.register_array_type(DistArray)
_deferred.register_array_type(DistArray)
checks.register_array_type(DistArray)
