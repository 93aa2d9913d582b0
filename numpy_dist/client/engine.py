"""What runs on the engines: the SPMD library, driven by the notebook's messages.

Every engine is one MPI rank of the same job.  The notebook sends operations
to all engines at once (ipyparallel's ``apply_async`` on a view of every
engine; one operation per message, or the ones issued while the engines were
busy together, see :func:`execute_batch`); each engine runs them with
:class:`~numpy_dist.client.wire.Ref` arguments replaced by the objects of its namespace, so the library's own
collectives run exactly as in an ``mpiexec`` program.  Results stay in the
namespace under the key the notebook chose; only rank 0 answers with a
descriptor (shape, dtype, layout, or the value), so the answer is small.
"""

from __future__ import annotations

import builtins
import importlib
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_dist as nd

from .wire import ARRAY, OBJECT, SEQUENCE, VALUE, Ref, is_plain_value, keys_referenced

__all__ = ["setup", "execute", "execute_batch", "execute_alone", "free", "free_session", "write_block", "local_keys",
           "read_blocks", "namespace_size", "local_apply", "call_numpy_dist", "context_random"]

#: The objects the notebook's proxies stand for, by key.
NAMESPACE: dict[Any, Any] = {}


class FailedResult:
    """Stored under a result key when its operation raised, so later uses name the cause."""

    def __init__(self, operation: str, error: BaseException):
        self.operation = operation
        self.error = f"{type(error).__name__}: {error}"


def public_class(exc: BaseException) -> str:
    """The name of the first class of ``exc`` the notebook can name too (builtins, NumPy's public ones)."""
    for cls in type(exc).__mro__:
        for home in (builtins, np.exceptions, np.linalg):
            if getattr(home, cls.__name__, None) is cls:
                return cls.__name__
    return "Exception"


def _rank() -> int:
    return nd.get_comm().Get_rank()


def setup() -> tuple[int, int]:
    """Rank and size of this engine in COMM_WORLD (the notebook maps engine ids to ranks)."""
    comm = nd.get_comm()
    return comm.Get_rank(), comm.Get_size()


def _lookup(key: Any) -> Any:
    try:
        obj = NAMESPACE[key]
    except KeyError:
        raise KeyError(f"no remote object {key!r} on this engine (freed, or from another session)") from None
    if isinstance(obj, FailedResult):
        raise RuntimeError(f"this operand is the result of {obj.operation}, which failed ({obj.error})")
    return obj


def resolve(obj: Any) -> Any:
    """``obj`` with every Ref (inside tuples, lists and dicts too) replaced by its object."""
    if isinstance(obj, Ref):
        return _lookup(obj.key)
    if type(obj) is tuple:
        return tuple(resolve(x) for x in obj)
    if type(obj) is list:
        return [resolve(x) for x in obj]
    if type(obj) is dict:
        return {k: resolve(v) for k, v in obj.items()}
    return obj


def layout_of(d: nd.DistArray) -> tuple:
    """The distribution as plain data: codes per axis and process grid."""
    dist = d.distribution
    return (dist.dist, dist.grid_shape)


def _describe(result: Any, key: Any, by_value: bool) -> tuple:
    """Store ``result`` under ``key`` when it must stay remote; return its descriptor.

    DistArrays stay; plain values travel; other objects stay unless ``by_value`` (then they are pickled).
    """
    if isinstance(result, nd.DistArray):
        NAMESPACE[key] = result
        return (ARRAY, result.shape, result.dtype, layout_of(result))
    if is_plain_value(result):
        return (VALUE, result)
    if isinstance(result, (tuple, list)):
        parts = [_describe(x, (key, i), by_value) for i, x in enumerate(result)]
        return (SEQUENCE, type(result).__name__, parts)
    if by_value:
        return (VALUE, result)
    NAMESPACE[key] = result
    return (OBJECT, type(result).__name__)


def _target(target: Any) -> Callable:
    """A callable, or ``(Ref, name)``: a method of a remote object, or ``(numpy_dist module, name)``."""
    if callable(target):
        return target
    owner, name = target
    if isinstance(owner, Ref):
        return getattr(_lookup(owner.key), name)
    if isinstance(owner, str) and owner.split(".")[0] == "numpy_dist":
        return getattr(importlib.import_module(owner), name)
    raise TypeError(f"unknown operation target {target!r}")


def free(keys: list) -> None:
    """Drop objects the notebook no longer references (their proxies were garbage-collected)."""
    for key in keys:
        NAMESPACE.pop(key, None)


def execute(operation: str, target: Any, args: tuple, kwargs: dict, key: Any, answer: str) -> Any:
    """Run one operation on this rank.

    Parameters
    ----------
    operation : str
        What the user wrote (for error messages), e.g. ``np.sum(<r3>, axis=1)``.
    target : callable or tuple
        The function (see :func:`_target`).
    args, kwargs
        Its arguments, with Refs for remote objects.
    key
        Where the result is kept (None: the result is not kept, e.g. setitem).
    answer : str
        ``"rank0"``: rank 0 returns the descriptor, others None; ``"all"``: every rank does;
        ``"none"``: nobody (an operation whose result the notebook already knows).  A ``"-value"``
        suffix sends objects other than DistArrays back pickled instead of keeping them.
    """
    try:
        result = _target(target)(*resolve(args), **resolve(kwargs))
    except BaseException as exc:
        if key is not None:
            NAMESPACE[key] = FailedResult(operation, exc)
        raise
    who, _, how = answer.partition("-")
    if not (who == "all" or (who == "rank0" and _rank() == 0)):
        if key is not None:
            _describe(result, key, how == "value")
        return None
    return (VALUE, result) if key is None else _describe(result, key, how == "value")


def error_record(exc: BaseException) -> tuple[str, str, str, str, int]:
    """What the notebook needs to raise ``exc`` again: class name, message, traceback, the nearest class it
    knows, and this rank."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return type(exc).__name__, str(exc), text, public_class(exc), _rank()


def execute_batch(operations: list, release: list) -> list:
    """Run the operations of one message in order; the notebook's messages land here.

    The notebook sends each operation at once when the engines are idle, and
    gathers the ones issued while they are busy into one message.  Each
    operation runs even when one before it failed, as separate messages would;
    its failure is reported with it.

    Parameters
    ----------
    operations : list of tuple
        The arguments of :func:`execute`, one tuple per operation.
    release : list
        Keys to free (proxies garbage-collected since the last message): at once, or right after the last of
        these operations that names them.

    Returns
    -------
    list
        Per operation, ``(True, answer)`` or ``(False, error_record)``.
    """
    # A proxy collected while these operations waited in the outbox may be an operand or a result of theirs:
    # its key is freed right after the last of them that names it (so a pending temporary of the notebook's
    # expression is not kept alive, and computed, for the operations after it), the others at once.
    last_use = {}
    for index, (_, target, args, kwargs, key, _) in enumerate(operations if release else ()):
        for used in keys_referenced((target, args, kwargs)) | {key}:
            last_use[used] = index
    freed_after: dict[int, list] = {}
    for key in release:
        freed_after.setdefault(last_use.get(key, -1), []).append(key)
    free(freed_after.pop(-1, []))
    outcomes = []
    for index, operation in enumerate(operations):
        try:
            outcomes.append((True, execute(*operation)))
        except Exception as exc:
            outcomes.append((False, error_record(exc)))
        free(freed_after.pop(index, []))
    return outcomes


def execute_alone(operation: str, target: Any, args: tuple, kwargs: dict, key: Any, answer: str,
                  release: list) -> list:
    """:func:`execute_batch` of one operation sent as the message's own arguments.

    ipyparallel sends functions and classes of the notebook by value only when they are direct arguments of a
    message, so an operation carrying one travels alone, through here.
    """
    return execute_batch([(operation, target, args, kwargs, key, answer)], release)


def local_keys(key: Any) -> list:
    """Rank 0's list of every rank's block selector (``global[keys[r]]`` is rank r's block)."""
    dist = _lookup(key).distribution
    return [dist.local_key(r) for r in range(dist.nprocs)] if _rank() == 0 else None


def write_block(key: Any, rows: slice, values: np.ndarray) -> None:
    """Write rows of this rank's local block (the notebook scatters in bounded chunks)."""
    _lookup(key).local[rows] = values


def read_blocks(key: Any) -> tuple | None:
    """This rank's selector and block, or None when another rank holds the same block (replicas)."""
    d = _lookup(key)
    dist = d.distribution
    if any(dist.coords[g] != 0 for g in dist.replicated_dims):
        return None
    return dist.local_key(), d.local


def namespace_size(token: str | None = None) -> int:
    """How many objects this engine holds for a session (all sessions: None); tests check that proxies free theirs."""
    return sum(1 for k in NAMESPACE if token is None or _session_of(k) == token)


def _session_of(key: Any) -> Any:
    """The session token of a key: ``(token, n)``, or ``((token, n), i)`` for parts of a sequence."""
    while isinstance(key, tuple) and isinstance(key[0], tuple):
        key = key[0]
    return key[0] if isinstance(key, tuple) else None


def free_session(token: str) -> None:
    """Drop every object of one notebook session (it is closing); other sessions keep theirs."""
    for key in [k for k in NAMESPACE if _session_of(k) == token]:
        del NAMESPACE[key]


def local_apply(func: Callable, args: tuple, kwargs: dict) -> Any:
    """The seed's ``Context.apply`` body: ``func`` on this rank's local blocks of DistArray arguments."""
    def local(x: Any) -> Any:
        return x.local if isinstance(x, nd.DistArray) else x

    return func(*(local(a) for a in args), **{k: local(v) for k, v in kwargs.items()})


def call_numpy_dist(name: str, *args: Any, **kwargs: Any) -> Any:
    """``numpy_dist.<name>(*args, **kwargs)`` (for :func:`Client.run` of library functions)."""
    return getattr(nd, name)(*args, **kwargs)


_CONTEXT: list = []


def context_random(method: str, shape: Any, dist: Any, grid_shape: Any, args: tuple) -> Any:
    """The seed's ``Context().random.<method>(Distribution, *args)`` on this rank."""
    if not _CONTEXT:
        _CONTEXT.append(nd.Context())
    facade = _CONTEXT[0].random
    if shape is None:
        return getattr(facade, method)(*args)
    return getattr(facade, method)(nd.Distribution(None, shape, dist=dist, grid_shape=grid_shape), *args)
