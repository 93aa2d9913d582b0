"""STREAM-like memory bandwidth, measured in the same run as the workloads.

Two kernels, counted as McCalpin's STREAM counts them (bytes the kernel must move, without
write-allocate traffic): copy ``c = a`` (16 B/element) and triad ``a = b + s*c``
(24 B/element).  NumPy has no fused triad, so it runs over cache-sized chunks through a
small scratch buffer: ``s*c`` stays in L1/L2 and main memory sees one read of ``b`` and
``c`` and one write of ``a``, as in the C original.

Both are measured twice: by rank 0 alone while the others sleep in a barrier (the reference
for the NumPy column) and by all ranks at once on their own arrays (the reference for the
distributed column; the aggregate counts every rank's bytes over the slowest rank's time).
Figures are the best of the repeats, as STREAM reports.  The runner measures before and after
the workloads and keeps the better of the two: on a shared VM the bandwidth drifts by up to
2-3x over a minute, and the best figure is the one the hardware can reach.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from mpi4py import MPI

from .timing import idle_barrier, time_collective, time_local

_CHUNK = 16384  # elements: 128 KiB of scratch, comfortably inside the 2 MiB L2


@dataclass
class StreamResult:
    """Bandwidths in GB/s (1e9 bytes per second)."""

    copy: float
    triad: float
    elements_per_rank: int
    ranks: int

    @property
    def reference(self) -> float:
        """The figure workloads are compared with: the better of copy and triad."""
        return max(self.copy, self.triad)

    def to_dict(self) -> dict:
        return {**asdict(self), "reference": self.reference}

    def best_with(self, other: StreamResult) -> StreamResult:
        """Kernel-wise best of two measurements (STREAM reports the best; this VM is noisy)."""
        return StreamResult(max(self.copy, other.copy), max(self.triad, other.triad),
                            self.elements_per_rank, self.ranks)


class _Arrays:
    """Three STREAM arrays, touched once so page faults are not timed."""

    def __init__(self, n: int) -> None:
        self.a = np.full(n, 1.0)
        self.b = np.full(n, 2.0)
        self.c = np.full(n, 0.5)
        self.scratch = np.empty(_CHUNK)
        self.n = n

    def copy(self) -> None:
        np.copyto(self.c, self.a)

    def triad(self, s: float = 3.0) -> None:
        a, b, c, tmp = self.a, self.b, self.c, self.scratch
        for lo in range(0, self.n, _CHUNK):
            hi = min(lo + _CHUNK, self.n)
            t = tmp[: hi - lo]
            np.multiply(c[lo:hi], s, out=t)
            np.add(b[lo:hi], t, out=a[lo:hi])


def stream_single(comm: MPI.Intracomm, n: int, repeats: int) -> StreamResult | None:
    """Rank 0 alone (others wait in an idle barrier); the result on rank 0, None elsewhere."""
    result = None
    if comm.Get_rank() == 0:
        arr = _Arrays(n)
        t_copy = time_local(arr.copy, repeats).best
        t_triad = time_local(arr.triad, repeats).best
        result = StreamResult(16 * n / t_copy / 1e9, 24 * n / t_triad / 1e9, n, 1)
        del arr
    idle_barrier(comm)
    return result


def stream_concurrent(comm: MPI.Intracomm, n: int, repeats: int) -> StreamResult:
    """All ranks at once, ``n`` elements per array per rank; aggregate bandwidth on every rank."""
    p = comm.Get_size()
    arr = _Arrays(n)
    t_copy = time_collective(comm, arr.copy, repeats).best
    t_triad = time_collective(comm, arr.triad, repeats).best
    return StreamResult(p * 16 * n / t_copy / 1e9, p * 24 * n / t_triad / 1e9, n, p)
