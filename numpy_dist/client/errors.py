"""Errors the notebook sees for failures on the engines.

An exception raised on the engines comes back as an exception of the same
class (a ``ValueError`` stays a ``ValueError``, so NumPy-style ``except``
clauses keep working) that is also a :class:`RemoteError`, whose message names
the operation and carries the engine's traceback.
"""

from __future__ import annotations

import builtins
import re
from typing import Any

import numpy as np

__all__ = ["RemoteError", "EngineDiedError", "EngineTimeoutError", "from_ipyparallel", "from_engine_records"]


class RemoteError(Exception):
    """An operation failed on the engines; ``operation``, ``engine_traceback`` say which and where.

    The exception the notebook sees is also of the engines' exception class
    (made once per class), so ``except ValueError`` keeps working.

    Attributes
    ----------
    operation : str
        The failed operation, as the notebook spelled it (``c.zeros(...)``).
    engine_traceback : str
        The traceback on the engine (rank 0's, or the first failing one's).

    Examples
    --------
    >>> from numpy_dist.client import RemoteError
    >>> try:
    ...     raise RemoteError("ValueError: bad shape")
    ... except RemoteError as exc:
    ...     print(exc, repr(exc.operation))
    ValueError: bad shape ''
    """

    operation: str = ""
    engine_traceback: str = ""


class EngineDiedError(RemoteError, RuntimeError):
    """An engine (MPI rank) died: the cluster cannot run further operations.

    Examples
    --------
    >>> from numpy_dist.client import EngineDiedError, RemoteError
    >>> issubclass(EngineDiedError, RemoteError), issubclass(EngineDiedError, RuntimeError)
    (True, True)
    """


class EngineTimeoutError(RemoteError, TimeoutError):
    """The engines did not answer within the client's timeout (an engine hangs, or is overloaded).

    Examples
    --------
    >>> from numpy_dist.client import EngineTimeoutError
    >>> issubclass(EngineTimeoutError, TimeoutError)
    True
    """


_CLASSES: dict[type, type] = {}
#: IPython colours the engine's traceback; the notebook shows it as plain text.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _local_class(ename: str) -> type:
    """The notebook's class for an engine exception named ``ename`` (builtins and NumPy's)."""
    found = getattr(builtins, ename, None) or getattr(np.exceptions, ename, None) or getattr(np.linalg, ename, None)
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    return Exception


def _remote_class(base: type) -> type:
    """A subclass of both ``base`` and RemoteError (made once per base)."""
    if base not in _CLASSES:
        try:
            _CLASSES[base] = type(base.__name__, (RemoteError, base), {"__module__": __name__})
        except TypeError:  # a base whose layout does not combine: RemoteError alone
            _CLASSES[base] = RemoteError
    return _CLASSES[base]


def _first_error(error: Any, rank_of_engine: dict[int, int]) -> tuple[str, str, str, int | None]:
    """(ename, evalue, traceback, rank) of rank 0's error, or of the first engine's."""
    elist = getattr(error, "elist", None)
    if elist is None:
        info = getattr(error, "engine_info", {}) or {}
        elist = [(getattr(error, "ename", type(error).__name__), getattr(error, "evalue", str(error)),
                  getattr(error, "traceback", ""), info)]
    ranked = sorted(elist, key=lambda e: rank_of_engine.get((e[3] or {}).get("engine_id"), 1 << 30))
    ename, evalue, tb, info = ranked[0]
    return ename, evalue, _ANSI.sub("", tb or ""), rank_of_engine.get((info or {}).get("engine_id"))


def from_ipyparallel(error: BaseException, operation: str, rank_of_engine: dict[int, int]) -> BaseException:
    """The notebook's exception for ipyparallel's report of a failed message (an engine died, a helper failed)."""
    ename, evalue, tb, rank = _first_error(error, rank_of_engine)
    cls = EngineDiedError if ename == "EngineError" else _remote_class(_local_class(ename))
    return _build(cls, ename, evalue, tb, rank, operation)


def from_engine_records(records: list[tuple], operation: str) -> BaseException:
    """The notebook's exception for one failed operation of a message, from the engines' error records.

    ``records`` are :func:`numpy_dist.client.engine.error_record` tuples
    ``(class name, message, traceback, nearest public class, rank)`` of the
    engines where it failed; rank 0's, or the lowest rank's, is raised.
    """
    ename, evalue, tb, public, rank = min(records, key=lambda record: record[4])
    return _build(_remote_class(_local_class(public)), ename, evalue, tb, rank, operation)


def _build(cls: type, ename: str, evalue: str, tb: str, rank: int | None, operation: str) -> BaseException:
    where = f"engine rank {rank}" if rank is not None else "the engines"
    message = f"{evalue}\n  (raised on {where} by {operation}; engine traceback:)\n{tb}"
    exc = cls(f"{ename}: {message}" if cls is RemoteError else message)
    exc.operation, exc.engine_traceback = operation, tb
    return exc
