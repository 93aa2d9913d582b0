"""Collective safety: a checked mode and a watchdog, so SPMD divergence is an error, not a hang.

Checked mode (``NUMPY_DIST_CHECK=1`` or :func:`set_checks`): before the first
message of every public collective operation the ranks exchange a short
signature (operation, operand shapes/dtypes/distributions, scalar arguments,
a per-communicator call counter) in one small allgather; if they differ,
every rank raises :class:`CollectiveMismatchError` with each rank's view.
Nested operations (``np.std`` calling reductions) are checked once, at the
outermost call.

Watchdog (``NUMPY_DIST_TIMEOUT=SECONDS`` or :func:`set_timeout`): a daemon
thread notices a rank blocked in one collective for longer than the timeout,
prints which operation and call it is in, and aborts the MPI job with a
non-zero status.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from mpi4py import MPI

__all__ = ["CollectiveMismatchError", "set_checks", "get_checks", "set_timeout", "checked", "collective",
           "current_operation"]


class CollectiveMismatchError(RuntimeError):
    """Ranks entered different collective operations (or the same one with different arguments)."""


_state = threading.local()
_checks = os.environ.get("NUMPY_DIST_CHECK", "") not in ("", "0")
_counters: dict[int, int] = {}
_op_stack: list[str] = []


def set_checks(enabled: bool) -> bool:
    """Turn the checked mode on or off (on every rank alike); returns the previous setting.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> old = nd.set_checks(True)
    >>> _ = nd.set_checks(old)
    """
    global _checks
    old, _checks = _checks, bool(enabled)
    return old


def get_checks() -> bool:
    return _checks


def current_operation() -> str:
    """The outermost public operation this rank is in (for the watchdog's report)."""
    return _op_stack[0] if _op_stack else "?"


def _describe_value(v: Any) -> str:
    from .distarray import DistArray

    if isinstance(v, DistArray):
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
    """Mark a public collective operation: check agreement (checked mode) and name it (watchdog)."""
    outermost = not _op_stack
    if not outermost or not (_checks or _watchdog.enabled):
        if outermost:
            _op_stack.append(name)
            try:
                yield
            finally:
                _op_stack.pop()
        else:
            yield
        return
    _op_stack.append(name)
    try:
        if _checks and comm.Get_size() > 1:
            key = _comm_key(comm)
            count = _counters.get(key, 0) + 1
            _counters[key] = count
            _verify(comm, f"#{count} " + signature(name, args, kwargs or {}))
        yield
    finally:
        _op_stack.pop()


def _verify(comm: MPI.Intracomm, sig: str) -> None:
    from . import comm as _comm

    everyone = _comm.allgather_object(comm, sig)
    if len(set(everyone)) > 1:
        views = "; ".join(f"rank {r} called {s}" for r, s in enumerate(everyone))
        raise CollectiveMismatchError(f"ranks disagree on the collective operation: {views}")


def active() -> bool:
    """Whether operations must be announced (checked mode or watchdog on)."""
    return _checks or _watchdog.enabled


def collective(name: str | None = None, local_args: int = 0):
    """Decorator for public collective functions: check agreement and name the operation.

    The first ``local_args`` positional arguments are rank-local data (a
    block, or data only the root holds) and are left out of the signature.
    """

    def decorate(func):
        import functools

        label = name or func.__name__

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not _op_stack and (_checks or _watchdog.enabled):
                shown = tuple("<local>" for _ in args[:local_args]) + tuple(args[local_args:])
                with checked(_find_comm(args, kwargs), label, shown, kwargs):
                    return func(*args, **kwargs)
            return func(*args, **kwargs)

        return wrapper

    return decorate


_DistArray: Any = None  # numpy_dist.distarray.DistArray, bound on first use (import cycle)


def _distarray_type() -> type:
    global _DistArray
    if _DistArray is None:
        from .distarray import DistArray

        _DistArray = DistArray
    return _DistArray


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
    distarray = _DistArray or _distarray_type()
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


def _find_comm(args: tuple, kwargs: dict) -> MPI.Intracomm:
    from .distarray import DistArray

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
    return MPI.COMM_WORLD


# --------------------------------------------------------------------------
# Watchdog
# --------------------------------------------------------------------------


class _Watchdog:
    """Aborts the job when this rank has been blocked in one collective for too long."""

    def __init__(self) -> None:
        self.timeout = 0.0
        self.enabled = False
        self.since: float | None = None
        self.what = ""
        self._thread: threading.Thread | None = None
        self.calls = 0

    def start(self, timeout: float) -> None:
        self.timeout = float(timeout)
        self.enabled = self.timeout > 0
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="numpy_dist-watchdog", daemon=True)
            self._thread.start()

    def enter(self, what: str) -> None:
        self.calls += 1
        self.what = what
        self.since = time.monotonic()

    def leave(self) -> None:
        self.since = None

    def _run(self) -> None:
        while True:
            time.sleep(min(0.2, max(self.timeout / 10, 0.01)))
            since = self.since
            if self.enabled and since is not None and time.monotonic() - since > self.timeout:
                rank = MPI.COMM_WORLD.Get_rank()
                operation = current_operation()
                sys.stderr.write(
                    f"numpy_dist watchdog: rank {rank} blocked for more than {self.timeout:g} s in "
                    f"{self.what} during {operation} (collective call #{self.calls}); "
                    f"another rank probably skipped or reordered a collective{_likely_cause(operation)}. "
                    "Aborting the MPI job.\n")
                sys.stderr.flush()
                time.sleep(1.0)  # let every other waiting rank report too
                MPI.COMM_WORLD.Abort(3)


_watchdog = _Watchdog()

# Operations users call from one rank only by mistake: printing and gathering.
_RANK_CONDITIONAL_SUSPECTS = ("__repr__", "__str__", "__format__", "__array__", "asnumpy", "gather", "tolist",
                              "__iter__", "print0")


def _likely_cause(operation: str) -> str:
    """A hint naming the usual mistake when a rank blocks in a repr or a gather."""
    if any(s in operation for s in _RANK_CONDITIONAL_SUSPECTS):
        return ("; the likely pattern is a collective called inside `if rank == 0:` (printing or gathering "
                "a DistArray on one rank only): call it on every rank, e.g. nd.print0(d) prints once "
                "from rank 0, nd.gather(d, root=0) gathers to rank 0")
    return ""


def set_timeout(seconds: float | None) -> None:
    """Start (``seconds`` > 0) or stop (0/None) the collective watchdog on this rank."""
    if not seconds:
        _watchdog.enabled = False
        return
    _watchdog.start(seconds)


def watch(what: str):
    """Context manager the comm layer wraps around each blocking MPI call (cheap when off)."""
    if not _watchdog.enabled:
        return contextlib.nullcontext()
    return _Watching(what)


class _Watching:
    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        _watchdog.enter(self.what)

    def __exit__(self, *exc: Any) -> None:
        _watchdog.leave()


_env_timeout = os.environ.get("NUMPY_DIST_TIMEOUT")
if _env_timeout:
    try:
        set_timeout(float(_env_timeout))
    except ValueError:
        sys.stderr.write(f"numpy_dist: ignoring NUMPY_DIST_TIMEOUT={_env_timeout!r} (not a number)\n")
