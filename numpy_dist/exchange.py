"""The exchange primitive: rows bucketed per destination rank in, rows per source rank out.

Many distributed algorithms end a local step with "every rank has some rows
for every other rank": sample sort sends runs to their even-layout owners,
``np.unique`` sends run ids back, the random permutation sends rows to their
buckets' owners, an LU swaps pivot rows, a file loader lands blocks.  All of
them are one :func:`exchange`: the rows for each destination, grouped in
destination-rank order in one contiguous array with a count per destination,
become the rows from each source, grouped in source-rank order in one
contiguous array with a count per source.

A row is one element of the send array's first axis: a scalar of any
fixed-size NumPy dtype (structured dtypes included; object dtypes cannot
travel as bytes) or a sub-array of any trailing shape (possibly of size 0).

Communication: one ``Alltoallv`` of the rows (data traffic; rows a rank keeps
for itself are not counted), preceded by one ``Alltoall`` of the counts
(control traffic) when the receive counts are not known.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import comm as _comm

__all__ = ["exchange", "Received"]


class Received(NamedTuple):
    """What :func:`exchange` delivered to this rank.

    ``data`` holds the rows from rank 0, then those from rank 1, ...,
    each source's rows in the order that rank sent them; ``counts[s]`` is
    the number of rows from rank ``s``.
    """

    data: np.ndarray
    counts: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        """Row offsets of each source's rows in ``data`` (length ``P + 1``, ending at the total)."""
        out = np.zeros(self.counts.size + 1, dtype=np.int64)
        np.cumsum(self.counts, out=out[1:])
        return out

    def from_rank(self, source: int) -> np.ndarray:
        """The rows rank ``source`` sent to this rank (a view of ``data``)."""
        offsets = self.offsets
        return self.data[offsets[source]:offsets[source + 1]]


def exchange(comm: Any, send: np.ndarray, send_counts: np.ndarray,
             recv_counts: np.ndarray | None = None) -> Received:
    """Send rows bucketed per destination rank; receive the rows every rank sent here.

    Collective over ``comm``: every rank calls it, with the same row shape
    and dtype.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that take part.
    send : ndarray, at least 1-d
        The rows to send (first axis), grouped by destination in rank order:
        the first ``send_counts[0]`` rows go to rank 0, the next
        ``send_counts[1]`` to rank 1, and so on.
    send_counts : array of int, length ``comm.Get_size()``
        Rows for each destination rank (zero for ranks that get nothing);
        they must add up to ``len(send)``.
    recv_counts : array of int, optional
        Rows this rank receives from each source rank, when the caller knows
        them (it then saves the exchange of counts).  None: one ``Alltoall``
        of the counts first.

    Returns
    -------
    Received
        ``data``: the received rows, shape ``(recv_counts.sum(),) +
        send.shape[1:]`` and ``send``'s dtype, grouped by source rank in
        rank order (a fresh array: the receive buffer itself, no copy);
        ``counts``: rows from each source rank (int64).

    Raises
    ------
    ValueError
        ``send`` is 0-d, or the counts do not match it (a caller's bug, seen
        locally before any communication).
    TypeError
        ``send`` holds Python objects, which cannot travel as bytes.

    Examples
    --------
    Every rank sends ``[rank, dest]`` to each destination (one row each):

    >>> from mpi4py import MPI
    >>> import numpy as np
    >>> comm = MPI.COMM_WORLD
    >>> P, me = comm.Get_size(), comm.Get_rank()
    >>> rows = np.array([[me, dest] for dest in range(P)])
    >>> got = exchange(comm, rows, np.ones(P, np.int64))
    >>> bool((got.data[:, 0] == np.arange(P)).all() and (got.data[:, 1] == me).all())
    True
    """
    send = np.asarray(send)
    if send.ndim == 0:
        raise ValueError("exchange needs at least one axis of rows to send")
    if send.dtype.hasobject:
        raise TypeError(f"exchange cannot send dtype {send.dtype} (it holds Python objects)")
    size = comm.Get_size()
    send_counts = np.asarray(send_counts, dtype=np.int64)
    if send_counts.shape != (size,) or int(send_counts.sum()) != send.shape[0]:
        raise ValueError(f"send_counts {send_counts.tolist()} do not split {send.shape[0]} rows over {size} ranks")
    if recv_counts is None:
        recv_counts = _comm.alltoall_counts(comm, send_counts)
    recv_counts = np.asarray(recv_counts, dtype=np.int64)
    row_shape = send.shape[1:]
    row_bytes = int(np.prod(row_shape, dtype=np.int64)) * send.dtype.itemsize
    buf = np.ascontiguousarray(send).reshape(-1).view(np.uint8) if send.nbytes else np.empty(0, np.uint8)
    raw = _comm.alltoallv_bytes(comm, buf, send_counts * row_bytes, recv_counts * row_bytes)
    nrows = int(recv_counts.sum())
    if raw.size == 0:  # nothing arrived, or rows of no bytes: no buffer to view
        return Received(np.empty((nrows,) + row_shape, dtype=send.dtype), recv_counts)
    return Received(raw.view(send.dtype).reshape((nrows,) + row_shape), recv_counts)
