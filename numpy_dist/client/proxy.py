"""Proxies: the notebook's handles on objects that live on the engines.

A :class:`RemoteArray` knows its shape and dtype (from the call that made it,
or from the engines' first answer) and implements NumPy's protocols, so NumPy
code written in the notebook (``np.sum(r, axis=1)``, ``(r - r.mean(axis=0)) /
r.std(axis=0)``, ``r[1:-1] = ...``) runs on the engines, at most one message
per operation.  Operations known to return an array return a proxy at once;
scalars come back as values.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

import numpy_dist as _nd

from .. import _implicit
from . import meta
from .wire import Ref, key_label

__all__ = ["RemoteArray", "RemoteObject", "RemoteLayout", "RemoteNamespace", "to_wire", "describe_call"]


def to_wire(obj: Any, session: Any) -> Any:
    """``obj`` with every proxy replaced by its :class:`Ref` (inside tuples, lists and dicts too)."""
    if isinstance(obj, (RemoteArray, RemoteObject)):
        if obj._session is not session:
            raise ValueError("this proxy belongs to another numpy_dist client (or a closed one)")
        return Ref(obj._remote_key)
    if type(obj) is tuple:
        return tuple(to_wire(x, session) for x in obj)
    if type(obj) is list:
        return [to_wire(x, session) for x in obj]
    if type(obj) is dict:
        return {k: to_wire(v, session) for k, v in obj.items()}
    return obj


def _short(obj: Any) -> str:
    if isinstance(obj, RemoteArray):
        return f"<RemoteArray #{key_label(obj._remote_key)}>"
    if isinstance(obj, np.ndarray):
        return f"<ndarray {obj.shape} {obj.dtype}>"
    if type(obj) in (tuple, list):  # never repr() a proxy inside: that would be a remote call
        inner = ", ".join(_short(x) for x in obj[:4]) + (", ..." if len(obj) > 4 else "")
        return f"({inner},)" if type(obj) is tuple and len(obj) == 1 else \
            f"({inner})" if type(obj) is tuple else f"[{inner}]"
    if isinstance(obj, dict) or isinstance(obj, RemoteObject):
        return f"<{type(obj).__name__}>"
    text = repr(obj)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_call(name: str, args: tuple, kwargs: dict) -> str:
    """``name(args, k=v)`` with proxies and arrays abbreviated (error messages name operations so)."""
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _function_name(func: Any) -> str:
    """``np.sum``, ``np.linalg.norm`` ...: how the user spelled the function."""
    name = getattr(func, "__name__", repr(func))
    if getattr(np, name, None) is func:
        return f"np.{name}"
    module = getattr(func, "__module__", "") or ""
    return f"{module.replace('numpy', 'np', 1)}.{name}" if module else name


class RemoteLayout:
    """How a remote array is distributed: codes per axis and process grid (plain data).

    Parameters
    ----------
    dist : sequence of str
        The distribution code of each axis (``'b'``, ``'c'``, ``'n'`` ...).
    grid_shape : sequence of int
        Processes along each axis of the process grid.

    Examples
    --------
    >>> from numpy_dist.client import RemoteLayout
    >>> RemoteLayout(["b", "n"], [2, 1])
    RemoteLayout(dist=('b', 'n'), grid_shape=(2, 1))
    """

    __slots__ = ("dist", "grid_shape")

    def __init__(self, dist: tuple, grid_shape: tuple):
        self.dist, self.grid_shape = tuple(dist), tuple(grid_shape)

    def __repr__(self) -> str:
        return f"RemoteLayout(dist={self.dist}, grid_shape={self.grid_shape})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteLayout) and (self.dist, self.grid_shape) == (other.dist, other.grid_shape)

    __hash__ = None  # type: ignore[assignment]


class _Remote:
    """A key in the engines' namespace, freed there when this proxy is collected."""

    def __init__(self, session: Any, key: Any):
        self._session, self._remote_key = session, key

    def __del__(self) -> None:
        try:
            self._session.release(self._remote_key)
        except Exception:  # interpreter shutdown: nothing to free any more
            pass

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} is a handle on data held by the engines and cannot be pickled; "
                        "use c.asnumpy(r) for the data")

    def _method(self, name: str) -> Any:
        return _RemoteMethod(self, name)


class _RemoteMethod:
    """A bound method of a remote object: calling it is one operation on the engines."""

    def __init__(self, owner: Any, name: str):
        self.owner, self.name = owner, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self.owner
        operation = describe_call(f"{_short(owner)}.{self.name}", args, kwargs)
        target = (owner, self.name)
        if isinstance(owner, RemoteArray):
            prediction = meta.function_call(self.name, None, (owner, *args), kwargs, RemoteArray)
            if prediction.array:
                return owner._session.proxy(prediction, operation, target, args, kwargs)
        return owner._session.call(operation, target, args, kwargs)

    def __repr__(self) -> str:
        return f"<remote method {self.name} of {_short(self.owner)}>"


class RemoteObject(_Remote):
    """Any other object held by the engines (a random Generator ...): its methods run there.

    Made by the client when an operation returns something other than an
    array; never constructed directly.

    Parameters
    ----------
    session : Session
        The client's connection to the engines.
    key : object
        The object's key in the engines' namespace.
    type_name : str
        The object's type, for its repr.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> c = nd.client.connect(n=2)  # doctest: +SKIP
    >>> rng = c.random.default_rng(0)  # doctest: +SKIP
    >>> rng  # doctest: +SKIP
    <remote Generator #1>
    """

    def __init__(self, session: Any, key: Any, type_name: str):
        super().__init__(session, key)
        self._type_name = type_name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._method(name)

    def __repr__(self) -> str:
        return f"<remote {self._type_name} #{key_label(self._remote_key)}>"


class RemoteArray(NDArrayOperatorsMixin, _Remote):
    """A DistArray held by the engines, used from the notebook as a NumPy array.

    Made by a :class:`~numpy_dist.client.Client` (``c.asarray``, ``c.zeros`` ...)
    or by operations on other proxies.  Never constructed directly.

    Parameters
    ----------
    session : Session
        The client's connection to the engines.
    key : object
        The array's key in the engines' namespace.
    shape : tuple of int or None
        The global shape, or None until the engines' answer says.
    dtype : dtype or None
        The element type, or None until the engines' answer says.
    layout : tuple, optional
        ``(dist, grid_shape)`` when known.
    source : Ticket, optional
        The pending operation whose answer describes the array.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> c = nd.client.connect(n=2)  # doctest: +SKIP
    >>> r = c.asarray(np.arange(6.0).reshape(2, 3))  # doctest: +SKIP
    >>> r.shape, r.dtype  # doctest: +SKIP
    ((2, 3), dtype('float64'))
    >>> c.asnumpy((r - r.mean(axis=0)) / 2)  # doctest: +SKIP
    array([[-0.75, -0.75, -0.75],
           [ 0.75,  0.75,  0.75]])
    """

    __array_priority__ = 100

    def __init__(self, session: Any, key: Any, shape: tuple | None, dtype: Any, *, layout: tuple | None = None,
                 source: Any = None):
        super().__init__(session, key)
        self._shape = None if shape is None else tuple(shape)
        self._dtype = None if dtype is None else np.dtype(dtype)
        self._layout = None if layout is None else RemoteLayout(*layout)
        self._source = source

    # -- metadata ----------------------------------------------------------------------
    def _describe(self) -> None:
        """Fill what the call did not decide from rank 0's answer (waits for that operation)."""
        descriptor = self._session.rank0_reply(self._source)
        _, shape, dtype, layout = descriptor
        self._shape, self._dtype, self._layout = tuple(shape), np.dtype(dtype), RemoteLayout(*layout)
        self._source = None

    @property
    def shape(self) -> tuple[int, ...]:
        if self._shape is None:
            self._describe()
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        if self._dtype is None:
            self._describe()
        return self._dtype

    @property
    def distribution(self) -> RemoteLayout:
        """Codes per axis and process grid (from the engines' answer to the call that made this array)."""
        if self._layout is None:
            self._describe()
        return self._layout

    @property
    def dist(self) -> tuple[str, ...]:
        return self.distribution.dist

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return self.distribution.grid_shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def T(self) -> RemoteArray:
        return self.transpose()

    @property
    def real(self) -> Any:
        return np.real(self)

    @property
    def imag(self) -> Any:
        return np.imag(self)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __getattr__(self, name: str) -> Any:
        # Every other public name is a method of DistArray run on the engines (r.mean(axis=0) ...).
        if name.startswith("_") or name == "local":
            raise AttributeError(f"RemoteArray has no attribute {name!r}"
                                 + ("; local blocks live on the engines: use c.run(f, r)" if name == "local" else ""))
        return self._method(name)

    # -- NumPy protocols ------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if not all(_acceptable(x) for x in inputs + tuple(kwargs.get("out", ()) or ())):
            return NotImplemented
        session = self._session
        out = kwargs.get("out")
        name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        operation = describe_call(name, inputs, kwargs)
        target = ufunc if method == "__call__" else getattr(ufunc, method)
        if out is not None:
            return self._into(out, operation, target, inputs, kwargs)
        if method == "at":
            return session.run_quietly(operation, target, inputs, kwargs)
        if method == "__call__":
            prediction = meta.ufunc_call(ufunc, inputs, kwargs)
        else:
            prediction = meta.ufunc_method(ufunc, method, inputs, kwargs, RemoteArray)
        if prediction.array:
            return session.proxy(prediction, operation, target, inputs, kwargs)
        return session.call(operation, target, inputs, kwargs)

    def _into(self, out: Any, operation: str, target: Any, inputs: tuple, kwargs: dict) -> Any:
        """A ufunc writing into remote ``out`` arrays: nothing to wait for, the outputs are the result."""
        outs = out if isinstance(out, tuple) else (out,)
        if not all(isinstance(o, RemoteArray) for o in outs):
            raise TypeError("out= must be RemoteArrays of the same client (the notebook's arrays are not "
                            "on the engines)")
        if target is not None and hasattr(target, "nout"):
            np.broadcast_shapes(*[np.shape(x) if not isinstance(x, RemoteArray) else x.shape for x in inputs],
                                *[o.shape for o in outs])
        self._session.run_quietly(operation, target, inputs, kwargs)
        return outs[0] if len(outs) == 1 else outs

    def __array_function__(self, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
        if not all(issubclass(t, (RemoteArray, np.ndarray)) for t in types):
            return NotImplemented
        name = getattr(func, "__name__", "")
        if name in ("shape", "ndim", "size") and args and isinstance(args[0], RemoteArray) and len(args) == 1:
            return getattr(args[0], name)
        operation = describe_call(_function_name(func), args, kwargs)
        prediction = meta.function_call(name, func, args, kwargs, RemoteArray)
        if prediction.array:
            return self._session.proxy(prediction, operation, func, args, kwargs)
        return self._session.call(operation, func, args, kwargs)

    def __array_namespace__(self, *, api_version: str | None = None) -> RemoteNamespace:
        return RemoteNamespace(self._session)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(r)``: the whole array brought to the notebook, under the fallback policy."""
        if copy is False:
            raise ValueError("a RemoteArray cannot be converted to a NumPy array without a copy")
        mode = _implicit.get_fallback()
        what = f"np.asarray() of a remote array ({self.nbytes} bytes from {self._session.nprocs} engines)"
        if mode == "error":
            raise _implicit.FallbackError(f"{what}: refused by set_fallback('error'); use c.asnumpy(r)")
        if mode == "warn":
            warnings.warn(f"{what}; c.asnumpy(r) does it on purpose", _implicit.FallbackWarning, stacklevel=2)
        data = self._session.to_numpy(self)
        return data if dtype is None else data.astype(dtype, copy=False)

    # -- indexing -------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        operation = describe_call(f"{_short(self)}.__getitem__", (key,), {})
        if not meta.contains_proxy(key, RemoteArray):
            prediction = meta.getitem(self.shape, self.dtype, key)
            if prediction.array:
                return self._session.proxy(prediction, operation, operator.getitem, (self, key))
        return self._session.call(operation, operator.getitem, (self, key))

    def __setitem__(self, key: Any, value: Any) -> None:
        if not meta.contains_proxy(key, RemoteArray):
            meta.setitem_check(self.shape, key, value)
        operation = describe_call(f"{_short(self)}.__setitem__", (key, value), {})
        self._session.run_quietly(operation, operator.setitem, (self, key, value))

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    # -- values ---------------------------------------------------------------------------
    def _value(self, convert: Any) -> Any:
        return self._session.call(f"{convert.__name__}({_short(self)})", convert, (self,))

    def __float__(self) -> float:
        return self._value(float)

    def __int__(self) -> int:
        return self._value(int)

    def __complex__(self) -> complex:
        return self._value(complex)

    def __bool__(self) -> bool:
        return self._value(bool)

    def __index__(self) -> int:
        return self._value(operator.index)

    def __repr__(self) -> str:
        """NumPy's summarised form: the engines format it, fetching only the displayed corners."""
        return self._session.call(f"repr({_short(self)})", repr, (self,))

    def __str__(self) -> str:
        return self._session.call(f"str({_short(self)})", str, (self,))


def _acceptable(x: Any) -> bool:
    """Operands a RemoteArray computes with: proxies, NumPy data, scalars (others may take over)."""
    if isinstance(x, (RemoteArray, np.ndarray, np.generic, int, float, complex, bool, list, tuple)):
        return True
    return not hasattr(x, "__array_ufunc__")


class RemoteNamespace:
    """``r.__array_namespace__()``: numpy_dist's array API namespace, each function run on the engines."""

    def __init__(self, session: Any):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        found = getattr(_nd, name)  # the namespace's constants and dtypes are numpy_dist's
        if not callable(found) or isinstance(found, type):
            return found
        session = self._session

        def remote(*args: Any, **kwargs: Any) -> Any:
            operation = describe_call(f"xp.{name}", args, kwargs)
            prediction = meta.function_call(name, getattr(np, name, None), args, kwargs, RemoteArray)
            if prediction.array:
                return session.proxy(prediction, operation, ("numpy_dist", name), args, kwargs)
            return session.call(operation, ("numpy_dist", name), args, kwargs)

        remote.__name__ = name
        return remote
