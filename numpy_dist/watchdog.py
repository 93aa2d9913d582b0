"""The watchdog: a rank blocked in one collective for too long aborts the job with a report.

Layer 2 (transport), below ``comm``: ``comm`` wraps every blocking MPI call in
:func:`watch`.  The watchdog also keeps the stack of public operations being
run (:func:`operation`), so its report names the user-level call a rank is
stuck in.  Initial timeout: ``NUMPY_DIST_TIMEOUT`` (see ``_config``).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from mpi4py import MPI

from . import _config

__all__ = ["set_timeout", "watch", "enabled", "operation", "current_operation", "in_operation"]

_op_stack: list[str] = []


def current_operation() -> str:
    """The outermost public operation this rank is in (for the watchdog's report).

    Returns
    -------
    str
        Its name, or ``'?'`` outside any operation.

    Examples
    --------
    >>> from numpy_dist.watchdog import current_operation, operation
    >>> with operation("demo"):
    ...     current_operation()
    'demo'
    """
    return _op_stack[0] if _op_stack else "?"


def in_operation() -> bool:
    """Whether this rank is inside a public operation already (nested calls are not announced).

    Returns
    -------
    bool
        True inside :func:`operation`.

    Examples
    --------
    >>> from numpy_dist.watchdog import in_operation, operation
    >>> with operation("demo"):
    ...     in_operation()
    True
    """
    return bool(_op_stack)


@contextlib.contextmanager
def operation(name: str) -> Iterator[None]:
    """Name the public operation this rank is running (for the watchdog's report).

    Parameters
    ----------
    name : str
        The operation's name.

    Yields
    ------
    None
        The operation runs in the block.

    Examples
    --------
    >>> from numpy_dist.watchdog import current_operation, operation
    >>> with operation("outer"):
    ...     with operation("inner"):
    ...         current_operation()
    'outer'
    """
    _op_stack.append(name)
    try:
        yield
    finally:
        _op_stack.pop()




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
    """Start or stop the collective watchdog on this rank.

    While it runs, a rank blocked in one MPI call for longer than ``seconds``
    prints what it was waiting in and aborts the job, instead of hanging when
    ranks went out of step.  The initial setting comes from
    ``NUMPY_DIST_TIMEOUT``.

    Parameters
    ----------
    seconds : float or None
        The time limit of one blocking call; 0 or None stops the watchdog.

    Notes
    -----
    Communication: none (a local setting; set it on every rank).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.set_timeout(600)
    >>> nd.set_timeout(None)
    """
    if not seconds:
        _watchdog.enabled = False
        return
    _watchdog.start(seconds)


def watch(what: str):
    """Context manager the comm layer wraps around each blocking MPI call (cheap when off).

    Parameters
    ----------
    what : str
        The MPI call's name, for the report.

    Returns
    -------
    contextlib.AbstractContextManager
        Times the block while the watchdog is on; does nothing otherwise.

    Examples
    --------
    >>> from numpy_dist.watchdog import watch
    >>> with watch("Allreduce"):
    ...     pass
    """
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


def enabled() -> bool:
    """Whether the watchdog is on.

    Returns
    -------
    bool
        True after ``set_timeout(seconds)`` with ``seconds > 0``.

    Examples
    --------
    >>> from numpy_dist.watchdog import enabled
    >>> enabled() in (True, False)
    True
    """
    return _watchdog.enabled


if _config.TIMEOUT:
    set_timeout(_config.TIMEOUT)
