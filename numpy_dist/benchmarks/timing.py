"""Synchronised timing over MPI ranks.

Protocol: one untimed warm-up call, then ``repeats`` timed calls, each preceded by a barrier
so every rank starts together; a repeat's time is the maximum over ranks (the job is as slow
as its slowest rank), and the reported figure is the median of the repeats.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mpi4py import MPI


def idle_barrier(comm: MPI.Intracomm, poll: float = 0.002) -> None:
    """A barrier that sleeps while it waits.

    MPICH's blocking ``Barrier`` spins on its core.  While rank 0 runs the single-process
    NumPy reference the other ranks wait here, and a spinning rank would steal memory
    bandwidth and (on a 2-core machine) compete with rank 0; polling a non-blocking barrier
    with short sleeps leaves the machine to rank 0.
    """
    if comm.Get_size() == 1:
        return
    req = comm.Ibarrier()
    while not req.Test():
        time.sleep(poll)


@dataclass
class Timing:
    """Timed repeats of one call: per-repeat seconds (max over the participating ranks)."""

    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)


def time_collective(comm: MPI.Intracomm, fn: Callable[[], Any], repeats: int, warmup: int = 1) -> Timing:
    """Time ``fn()`` on every rank of ``comm`` (collective: every rank must call this).

    Each repeat: ``Barrier``, time ``fn()`` locally, ``allreduce(MAX)`` of the local times.
    Each result is dropped only after the clock has stopped, so freeing it is not timed.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        comm.Barrier()
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        del result
        times.append(comm.allreduce(elapsed, op=MPI.MAX))
    return Timing(times)


def time_local(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> Timing:
    """Time ``fn()`` in this process only (no MPI), with the same warm-up/median protocol."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        del result
        times.append(elapsed)
    return Timing(times)
