"""``print0``: print from rank 0 only, after every rank formatted the objects.

``if rank == 0: print(d)`` hangs: formatting a DistArray is collective (the
elements NumPy would show live on several ranks), so rank 0 waits for ranks
that never come.  :func:`print0` is called on every rank instead.
"""

from __future__ import annotations

import builtins
from typing import Any

from mpi4py import MPI

from . import checks
from .comm import get_comm
from .distarray import DistArray

__all__ = ["print0"]


def _comm_of(objects: tuple, comm: Any) -> MPI.Intracomm:
    if comm is not None:
        return get_comm(comm)
    for obj in objects:
        if isinstance(obj, DistArray):
            return obj.comm
    return MPI.COMM_WORLD


def print0(*objects: Any, comm: MPI.Intracomm | None = None, **print_kwargs: Any) -> None:
    """``print(*objects, **print_kwargs)`` on rank 0 only (collective).

    Every rank formats every object (``str(d)`` of a DistArray is collective:
    it fetches the elements NumPy would show), then rank 0 of ``comm``
    prints.  Call it on every rank, never inside ``if rank == 0:``.

    Parameters
    ----------
    *objects : object
        What to print, as ``print`` takes it.
    comm : mpi4py.MPI.Intracomm, optional
        Whose rank 0 prints; default the first DistArray's communicator,
        else ``COMM_WORLD``.
    **print_kwargs
        ``sep``, ``end``, ``file``, ``flush``, passed to ``print``.

    Raises
    ------
    TypeError
        If ``print_kwargs`` holds another keyword (on every rank).

    Notes
    -----
    Communication: what formatting the DistArrays needs (one allgather of the
    elements shown per array); nothing for other objects.

    Examples
    --------
    >>> import io
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> buf = io.StringIO()
    >>> nd.print0("total:", nd.asarray(np.arange(3.0)), file=buf)
    >>> print(MPI.COMM_WORLD.bcast(buf.getvalue()), end="")   # what rank 0 printed
    total: [0. 1. 2.]
    >>> MPI.COMM_WORLD.rank == 0 or buf.getvalue() == ""      # the other ranks print nothing
    True
    """
    unknown = set(print_kwargs) - {"sep", "end", "file", "flush"}
    if unknown:
        raise TypeError(f"print0() got unexpected keyword arguments {sorted(unknown)}")
    c = _comm_of(objects, comm)
    with checks.checked(c, "print0", objects):
        texts = [str(obj) for obj in objects]
    if c.Get_rank() == 0:
        builtins.print(*texts, **print_kwargs)
