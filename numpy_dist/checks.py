"""Collective safety: a checked mode, so SPMD divergence is an error, not a hang.

Checked mode (``NUMPY_DIST_CHECK=1`` or :func:`set_checks`): before the first
message of every public collective operation the ranks exchange a short
signature (operation, operand shapes/dtypes/distributions, scalar arguments,
a per-communicator call counter) in one small allgather; if they differ,
every rank raises :class:`CollectiveMismatchError` with each rank's view.
Nested operations (``np.std`` calling reductions) are checked once, at the
outermost call.

The watchdog (``NUMPY_DIST_TIMEOUT``) lives in :mod:`numpy_dist.watchdog`;
:func:`collective` names each public operation for its report.

Layer 2 (transport), above ``comm``: this module never imports the array.
The array class registers itself (:func:`register_array_type`) so that
operands can be recognised and described.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any, Callable

import numpy as np
from mpi4py import MPI

from . import _config
from . import comm as _comm
from . import watchdog as _watchdog
from .watchdog import current_operation, set_timeout

__all__ = ["CollectiveMismatchError", "set_checks", "get_checks", "set_timeout", "checked", "collective",
           "current_operation"]


class CollectiveMismatchError(RuntimeError):
    """Ranks entered different collective operations (or the same one with different arguments).

    Raised on every rank, in checked mode (:func:`set_checks`), before the
    first message of the operation; its message shows each rank's view.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> issubclass(nd.CollectiveMismatchError, RuntimeError)
    True
    """


_checks = _config.CHECK
_counters: dict[int, int] = {}
_array_type: type | tuple[type, ...] = ()  # numpy_dist.distarray.DistArray, registered by that module


def register_array_type(cls: type) -> None:
    """Called once by ``numpy_dist.distarray``: the type whose operands are checked and described."""
    global _array_type
    _array_type = cls


# (comm, body) -> body(): how a public operation runs (settling deferred work first), installed by
# numpy_dist._deferred; None runs the body as is.
_operation_hook: Callable[[Any, Callable[[], Any]], Any] | None = None


def install_operation(hook: Callable[[Any, Callable[[], Any]], Any]) -> None:
    """Called once by ``numpy_dist._deferred``: the wrapper every public collective function runs in."""
    global _operation_hook
    _operation_hook = hook


def set_checks(enabled: bool) -> bool:
    """Turn the checked mode on or off; returns the previous setting.

    In checked mode every public collective operation first verifies that all
    ranks entered the same operation with the same arguments, and raises
    :class:`CollectiveMismatchError` on every rank when they did not.  The
    initial setting comes from ``NUMPY_DIST_CHECK``.

    Parameters
    ----------
    enabled : bool
        True to check, False to run unchecked.  Set it identically on every
        rank.

    Returns
    -------
    bool
        The previous setting.

    Notes
    -----
    Communication: none (the checks themselves cost one small allgather per
    operation).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> old = nd.set_checks(True)
    >>> nd.set_checks(old)
    True
    """
    global _checks
    old, _checks = _checks, bool(enabled)
    return old


def get_checks() -> bool:
    """Whether the checked mode is on (see :func:`set_checks`).

    Returns
    -------
    bool
        The current setting.

    Examples
    --------
    >>> from numpy_dist.checks import get_checks, set_checks
    >>> old = set_checks(False)
    >>> get_checks()
    False
    >>> _ = set_checks(old)
    """
    return _checks


def _describe_value(v: Any) -> str:
    if isinstance(v, _array_type):
        return f"DistArray{v.shape} {v.dtype} dist={''.join(v.dist)}"
    if isinstance(v, np.ndarray):
        return f"ndarray{v.shape} {v.dtype}"
    if isinstance(v, (bool, int, float, complex, str, type(None), np.generic, slice, type(Ellipsis))):
        text = repr(v)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(v, (tuple, list)):
        inner = ", ".join(_describe_value(x) for x in v[:8])
        return ("(" + inner + ("..." if len(v) > 8 else "") + ")") if isinstance(v, tuple) else "[" + inner + "]"
    if isinstance(v, np.dtype) or isinstance(v, type):
        return str(v)
    if callable(v):
        return getattr(v, "__name__", type(v).__name__)
    return type(v).__name__


def signature(name: str, args: tuple, kwargs: dict) -> str:
    """``sum(DistArray(100, 7) float64 dist=bn, axis=0)``: what ranks must agree on."""
    parts = [_describe_value(a) for a in args] + [f"{k}={_describe_value(v)}" for k, v in sorted(kwargs.items())]
    return f"{name}({', '.join(parts)})"


def _comm_key(comm: MPI.Intracomm) -> int:
    return comm.py2f()


@contextlib.contextmanager
def checked(comm: MPI.Intracomm, name: str, args: tuple = (), kwargs: dict | None = None) -> Iterator[None]:
    """Mark a public collective operation: check agreement (checked mode) and name it (watchdog).

    Nested operations are neither checked nor named again.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The operation's communicator.
    name : str
        The operation's name.
    args : tuple, optional
        Its arguments, compared across ranks in checked mode.
    kwargs : dict, optional
        Its keyword arguments, compared too.

    Yields
    ------
    None
        The operation runs in the block.

    Raises
    ------
    CollectiveMismatchError
        In checked mode, if the ranks entered different operations or passed
        different arguments (on every rank, before the block runs).

    Notes
    -----
    Communication: one small allgather of signatures in checked mode; none
    otherwise.

    Examples
    --------
    >>> from mpi4py import MPI
    >>> from numpy_dist.checks import checked
    >>> with checked(MPI.COMM_WORLD, "demo", (1, 2)):
    ...     total = 1 + 2
    >>> total
    3
    """
    if _watchdog.in_operation():
        yield
        return
    with _watchdog.operation(name):
        if _checks and comm.Get_size() > 1:
            key = _comm_key(comm)
            count = _counters.get(key, 0) + 1
            _counters[key] = count
            _verify(comm, f"#{count} " + signature(name, args, kwargs or {}))
        yield


def _verify(comm: MPI.Intracomm, sig: str) -> None:
    everyone = _comm.allgather_object(comm, sig)
    if len(set(everyone)) > 1:
        views = "; ".join(f"rank {r} called {s}" for r, s in enumerate(everyone))
        raise CollectiveMismatchError(f"ranks disagree on the collective operation: {views}")


def active() -> bool:
    """Whether operations must be announced (checked mode or watchdog on)."""
    return _checks or _watchdog.enabled()


def collective(name: str | None = None, local_args: int = 0):
    """Decorator for public collective functions: check agreement and name the operation.

    Parameters
    ----------
    name : str, optional
        The operation's name (default: the function's name).
    local_args : int, optional
        How many leading positional arguments are rank-local data (a block, or
        data only the root holds), left out of the compared signature.

    Returns
    -------
    callable
        A decorator; the function it returns runs the decorated one inside
        :func:`checked` (and settles deferred work first).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.checks import collective
    >>> @collective()
    ... def total(d):
    ...     return float(np.sum(d))
    >>> total(nd.arange(4.0))
    6.0
    """

    def decorate(func):
        label = name or func.__name__

        def run(args: tuple, kwargs: dict) -> Any:
            if not _watchdog.in_operation() and (_checks or _watchdog.enabled()):
                shown = tuple("<local>" for _ in args[:local_args]) + tuple(args[local_args:])
                with checked(find_comm(args, kwargs), label, shown, kwargs):
                    return func(*args, **kwargs)
            return func(*args, **kwargs)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if _operation_hook is None:
                return run(args, kwargs)
            return _operation_hook(operands_comm(args[local_args:], kwargs), lambda: run(args, kwargs))

        return wrapper

    return decorate


def check_same_comm(args: Any, kwargs: dict | None = None) -> None:
    """Raise ValueError unless every DistArray operand in ``args``/``kwargs`` shares one communicator.

    Operands are found in nested lists, tuples and dicts (``np.concatenate``'s
    sequence, ``out=`` tuples).  Local: ``MPI_Comm_compare`` sends no
    message, and every rank of an SPMD program holds the same operands, so
    every rank reaches the same verdict before any operation starts.
    Without this an operation mixing ``COMM_WORLD`` and ``COMM_SELF`` arrays
    waits forever on one rank.  Congruent duplicates (``comm.Dup()``) are
    refused too: the layers below combine blocks of one communicator only.
    Called on every dispatched operation, so it is kept cheap (no imports,
    no allocation beyond a small stack).
    """
    distarray = _array_type
    first = None
    pending = [args, kwargs.values()] if kwargs else [args]
    while pending:
        for x in pending.pop():
            if isinstance(x, distarray):
                c = x._dist.comm
                if first is None:
                    first = c
                elif c is not first and c != first:
                    _comm_mismatch(first, c)
            elif isinstance(x, (list, tuple)):
                if x and len(pending) < 64:  # nesting deeper than this holds no operands in NumPy's API
                    pending.append(x)
            elif isinstance(x, dict):
                pending.append(x.values())


def _comm_mismatch(first: MPI.Intracomm, other: MPI.Intracomm) -> None:
    relation = MPI.Comm.Compare(first, other)
    if relation == MPI.IDENT:
        return
    kind = "congruent but distinct" if relation == MPI.CONGRUENT else "not congruent"
    raise ValueError(
        f"DistArray operands live on different communicators (sizes {first.Get_size()} and "
        f"{other.Get_size()}, {kind}); numpy_dist combines arrays of one communicator only: "
        "create them on the same comm= (or copy one over with nd.asarray(nd.asnumpy(x), comm=...))")


def operands_comm(args: tuple, kwargs: dict) -> MPI.Intracomm | None:
    """The communicator of the first DistArray operand (or of ``comm=``), None when there is neither."""
    DistArray = _array_type
    c = kwargs.get("comm")
    if isinstance(c, MPI.Intracomm):
        return c
    for v in list(args) + list(kwargs.values()):
        if isinstance(v, DistArray):
            return v.comm
        if isinstance(v, (list, tuple)):
            for x in v:
                if isinstance(x, DistArray):
                    return x.comm
    return None


def find_comm(args: tuple, kwargs: dict) -> MPI.Intracomm:
    """The operation's communicator: :func:`operands_comm`, else ``COMM_WORLD``."""
    c = operands_comm(args, kwargs)
    return MPI.COMM_WORLD if c is None else c
