"""The communication counter: what this rank sent, in data and control collectives (no messages of its own).

:mod:`numpy_dist.comm` feeds it on every collective; :func:`comm_stats` reads it, so tests and the
benchmarks can assert what an operation moved.
"""

from __future__ import annotations

__all__ = ["comm_stats", "reset_comm_stats", "count_implicit", "count_traffic"]

_STATS = {
    "collectives": 0,
    "bytes_sent": 0,
    "control_collectives": 0,
    "control_bytes": 0,
    "implicit_gathers": 0,
    "implicit_bytes": 0,
}


def comm_stats() -> dict[str, int]:
    """Communication done by this rank since the last :func:`reset_comm_stats`.

    Returns
    -------
    dict
        ``collectives`` and ``bytes_sent`` count data traffic (array elements
        and partial results this rank sent to *other* ranks);
        ``control_collectives`` and ``control_bytes`` count the small
        agreements (error flags, metadata) that carry no array data.
        ``implicit_gathers`` and ``implicit_bytes`` count whole arrays this
        rank received through implicit conversions (``np.asarray(d)``,
        ``d.tolist()``, iteration) rather than :func:`numpy_dist.asnumpy`;
        their traffic is also part of ``collectives``/``bytes_sent``.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.reset_comm_stats()
    >>> nd.comm_stats()["bytes_sent"]
    0
    """
    return dict(_STATS)


def reset_comm_stats() -> None:
    """Zero the communication counters of this rank.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(4.0))
    >>> nd.reset_comm_stats()
    >>> nd.comm_stats()["collectives"]
    0
    """
    for key in _STATS:
        _STATS[key] = 0


def count_implicit(nbytes: int) -> None:
    """Record an implicit whole-array conversion of ``nbytes`` bytes onto this rank.

    Parameters
    ----------
    nbytes : int
        Bytes of the converted array.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist.traffic import count_implicit
    >>> nd.reset_comm_stats()
    >>> count_implicit(80)
    >>> nd.comm_stats()["implicit_bytes"]
    80
    >>> nd.reset_comm_stats()
    """
    _STATS["implicit_gathers"] += 1
    _STATS["implicit_bytes"] += int(nbytes)


def count_traffic(nbytes: int, control: bool = False) -> None:
    """Add one collective moving ``nbytes`` to the counter (data, or ``control`` traffic).

    Parameters
    ----------
    nbytes : int
        Bytes this rank sent to other ranks.
    control : bool, optional
        True for a control collective (error flags, metadata).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist.traffic import count_traffic
    >>> nd.reset_comm_stats()
    >>> count_traffic(16, control=True)
    >>> nd.comm_stats()["control_bytes"], nd.comm_stats()["bytes_sent"]
    (16, 0)
    >>> nd.reset_comm_stats()
    """
    if control:
        _STATS["control_collectives"] += 1
        _STATS["control_bytes"] += int(nbytes)
    else:
        _STATS["collectives"] += 1
        _STATS["bytes_sent"] += int(nbytes)
