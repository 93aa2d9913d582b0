"""Human-readable descriptions of who owns what (metadata only, no communication)."""

from __future__ import annotations

import numpy as np

from .distarray import DistArray
from .distribution import Distribution

__all__ = ["ownership_summary", "describe_indices"]


def describe_indices(idx: np.ndarray) -> str:
    """Compact text for a set of global indices: ``3:7``, ``1:10:4``, or a short list.

    Parameters
    ----------
    idx : numpy.ndarray
        Global indices, in local order.

    Returns
    -------
    str
        A slice-like text for evenly spaced ascending indices, ``-`` for none,
        else the first few indices and the count.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.ownership import describe_indices
    >>> describe_indices(np.arange(3, 7)), describe_indices(np.array([1, 5, 9]))
    ('3:7', '1:10:4')
    >>> describe_indices(np.array([4, 0, 2]))
    '{4,0,2} (3)'
    """
    if idx.size == 0:
        return "-"
    if idx.size == 1:
        return str(int(idx[0]))
    steps = np.diff(idx)
    if np.all(steps == steps[0]) and steps[0] > 0:
        stop = int(idx[-1]) + 1
        return f"{int(idx[0])}:{stop}" if steps[0] == 1 else f"{int(idx[0])}:{stop}:{int(steps[0])}"
    text = ",".join(str(int(i)) for i in idx[:6])
    return "{" + text + (",..." if idx.size > 6 else "") + f"}} ({idx.size})"


def ownership_summary(d: DistArray | Distribution) -> str:
    """One line per rank: the global index ranges of its block and its local shape.

    Parameters
    ----------
    d : DistArray or Distribution
        The array (or layout) to describe.

    Returns
    -------
    str
        ``rank r: [ranges per axis]  local shape (...)`` lines, one per rank;
        identical on every rank.

    Notes
    -----
    Communication: none (computed from metadata).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from mpi4py import MPI
    >>> text = nd.ownership_summary(nd.zeros((4, 2)))
    >>> len(text.splitlines()) == MPI.COMM_WORLD.size
    True
    >>> print(nd.ownership_summary(nd.Distribution.on_rank(nd.get_comm(), (4, 2))).splitlines()[0])
    rank 0: [0:4, 0:2]  local shape (4, 2)
    """
    dist = d.distribution if isinstance(d, DistArray) else d
    lines = []
    for r in range(dist.nprocs):
        parts = [describe_indices(dist.local_indices(a, r)) for a in range(dist.ndim)]
        lines.append(f"rank {r}: [{', '.join(parts)}]  local shape {dist.local_shape_of(r)}")
    return "\n".join(lines)
