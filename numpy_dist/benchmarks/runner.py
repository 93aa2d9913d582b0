"""Run one workload on plain NumPy (rank 0 alone), on DistArrays (all ranks) and as
hand-written mpi4py code (all ranks, :mod:`.expert`).

Data creation, distribution and result checking stay outside the timed region and outside
the memory window.  The distributed inputs are built with ``numpy_dist.asarray(x,
copy=True)`` and the global ``x`` is then dropped: without the copy each local block would
be a view keeping the whole global array alive, and every rank's memory would look like a
gather.  The expert inputs are the rank's blocks, copied the same way.

With deferred evaluation on (``--lazy``), every result of a DistArray kernel call is
evaluated inside the timed call: a user needs the values, and a pending result that is
dropped would otherwise never be computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy_dist as nd
from mpi4py import MPI

from .expert import EXPERTS, gather_result
from .memory import PeakMemory, settle
from .timing import Timing, idle_barrier, time_collective, time_local
from .workloads import Workload


@dataclass
class Column:
    """One side of a row: NumPy (single process), numpy_dist or expert mpi4py code (all ranks)."""

    times: list[float]
    median: float
    peak_bytes: int        # max over ranks of (peak RSS during the workload - RSS before its data)
    local_bytes: int       # max over ranks of the bytes of the rank's input blocks
    memory_ok: bool        # every rank: peak <= 1.3 x local + 64 MiB
    memory_method: str


@dataclass
class RowResult:
    """Everything measured for one workload at this rank count."""

    key: str
    title: str
    size: int
    shapes: list[list[int]]
    inner: int
    fallback: bool
    numpy: Column | None   # None on ranks other than 0
    dist: Column
    traffic_bytes: float | None   # per timed call
    flops: float | None           # per timed call
    per_op: int | None
    correct: bool | None          # rank 0's verdict: distributed result == NumPy result
    notes: list[str] = field(default_factory=list)
    ideal: float | None = None    # the kernel on each rank's local blocks as plain NumPy, all ranks at once
    expert: Column | None = None  # hand-written mpi4py + NumPy (expert.py); None if the workload has none
    expert_correct: bool | None = None  # rank 0's verdict: expert result == NumPy result


MEMORY_FACTOR = 1.3
MEMORY_OVERHEAD = 64 * 1024 * 1024


def memory_target_met(peak: int, local: int) -> bool:
    """Per-rank memory target: peak <= 1.3 x local share + a fixed 64 MiB."""
    return peak <= MEMORY_FACTOR * local + MEMORY_OVERHEAD


def is_fallback(functions: tuple[str, ...]) -> bool:
    """True if numpy_dist runs any of these NumPy functions through its gathering fallback."""
    fallback = set(nd.coverage().get("fallback", ()))
    return any(f in fallback for f in functions)


def run_repeated(kernel: Any, args: tuple, inner: int) -> Any:
    """Call ``kernel(*args)`` ``inner`` times; return the last result."""
    out = None
    for _ in range(inner):
        out = None  # drop the previous result first, so two are never alive at once
        out = kernel(*args)
    return out


def _to_root(result: Any) -> Any:
    """A kernel result as NumPy data on rank 0 (collective for DistArrays)."""
    if isinstance(result, tuple):
        return tuple(_to_root(r) for r in result)
    if isinstance(result, nd.DistArray):
        return nd.gather(result, root=0)
    return np.asarray(result)


def _evaluated(kernel: Any) -> Any:
    """``kernel`` followed by ``numpy_dist.evaluate`` of its DistArray results (no-op when eager)."""
    def call(*args: Any) -> Any:
        out = kernel(*args)
        nd.evaluate(*(out if isinstance(out, tuple) else (out,)))
        return out
    return call


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a is not None and b is not None and np.shape(a) == np.shape(b) and bool(
        np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _numpy_side(w: Workload, size: int, inner: int, repeats: int) -> tuple[Column, Any]:
    """Rank 0 only: time and measure the plain NumPy run; also return a result to check against."""
    base = settle()
    inputs = w.make_inputs(size)
    local = sum(x.nbytes for x in inputs)
    with PeakMemory(base) as mem:
        t: Timing = time_local(lambda: run_repeated(w.kernel, inputs, inner), repeats)
    reference = w.kernel(*inputs)  # one more call (W4 mutates; the distributed side does the same)
    col = Column(t.times, t.median, mem.peak_bytes, local, memory_target_met(mem.peak_bytes, local), mem.method)
    return col, reference


def _dist_side(comm: MPI.Intracomm, w: Workload, size: int, inner: int, repeats: int) -> tuple[Column, Any]:
    """Every rank: time and measure the DistArray run; the gathered result on rank 0."""
    base = settle()
    inputs = w.make_inputs(size)
    dinputs = tuple(nd.asarray(x, copy=True) for x in inputs)
    del inputs
    settle()
    # From metadata: handing ``d.local`` to user code would mark the block as held, and deferred
    # evaluation (--lazy) then computes every call reading it at once, unfused.
    local = sum(int(np.prod(d.distribution.local_shape)) * d.itemsize for d in dinputs)
    kernel = _evaluated(w.kernel_for(nd.evaluate))
    with PeakMemory(base) as mem:
        t = time_collective(comm, lambda: run_repeated(kernel, dinputs, inner), repeats)
    result = _to_root(kernel(*dinputs))
    return _all_ranks_column(comm, t, mem, local), result


def _all_ranks_column(comm: MPI.Intracomm, t: Timing, mem: PeakMemory, local: int) -> Column:
    """A column measured on every rank: memory figures are the maxima over ranks (collective)."""
    ok = memory_target_met(mem.peak_bytes, local)
    return Column(
        t.times, t.median,
        comm.allreduce(mem.peak_bytes, op=MPI.MAX),
        comm.allreduce(local, op=MPI.MAX),
        bool(comm.allreduce(ok, op=MPI.LAND)),
        mem.method,
    )


def _expert_side(comm: MPI.Intracomm, w: Workload, size: int, inner: int,
                 repeats: int) -> tuple[Column, Any] | tuple[None, None]:
    """Every rank: time and measure the hand-written mpi4py version; its whole result on rank 0."""
    expert = EXPERTS.get(w.key)
    if expert is None:
        return None, None
    base = settle()
    inputs = w.make_inputs(size)
    args = (comm, *expert.prepare(comm, inputs))
    del inputs
    settle()
    local = sum(a.nbytes for a in args if isinstance(a, np.ndarray))
    with PeakMemory(base) as mem:
        t = time_collective(comm, lambda: run_repeated(expert.kernel, args, inner), repeats)
    result = gather_result(comm, expert, expert.kernel(*args))  # one more call, as the other columns
    return _all_ranks_column(comm, t, mem, local), result


def _ideal_side(comm: MPI.Intracomm, w: Workload, size: int, inner: int, repeats: int) -> float | None:
    """Median time of ``w``'s kernel on every rank's local blocks as plain NumPy arrays, concurrently.

    No numpy_dist and no communication: what P independent processes of
    this machine reach on the same shares (perfect scaling for this
    hardware, memory bandwidth and all).  None if the kernel does not run
    on the local blocks (a product needs more than the blocks).
    """
    inputs = w.make_inputs(size)
    blocks = tuple(np.array(nd.asarray(x).local) for x in inputs)
    args = w.local_inputs(blocks, inputs) if w.local_inputs else blocks
    del inputs
    settle()
    try:
        return time_collective(comm, lambda: run_repeated(w.kernel, args, inner), repeats).median
    except ValueError:
        return None


def run_workload(comm: MPI.Intracomm, w: Workload, small: bool, repeats: int) -> RowResult:
    """Run ``w`` every way (collective).  Ranks other than 0 wait in an idle barrier during NumPy's run."""
    fallback = is_fallback(w.functions)
    size = w.pick_size(small, fallback)
    inner = w.pick_inner(small)
    notes = []
    if fallback:
        notes.append(f"fallback ({', '.join(w.functions)} gathers); run at size {size}")

    np_col, reference = (None, None)
    if comm.Get_rank() == 0:
        np_col, reference = _numpy_side(w, size, inner, repeats)
    idle_barrier(comm)

    old_policy = nd.get_fallback()
    if fallback:
        nd.set_fallback("allow")  # the fallback is expected here and reported in the table
    try:
        dist_col, result = _dist_side(comm, w, size, inner, repeats)
    finally:
        nd.set_fallback(old_policy)

    correct = _same(reference, result) if comm.Get_rank() == 0 else None
    del result
    expert_col, expert_result = _expert_side(comm, w, size, inner, repeats)
    expert_correct = _same(reference, expert_result) if comm.Get_rank() == 0 and expert_col else None
    del reference, expert_result
    ideal = _ideal_side(comm, w, size, inner, repeats) if not fallback else None
    return RowResult(
        key=w.key, title=w.title, size=size, shapes=[list(s) for s in w.shapes(size)], inner=inner,
        fallback=fallback, numpy=np_col, dist=dist_col,
        traffic_bytes=w.traffic(size) * inner if w.traffic else None,
        flops=w.flops(size) * inner if w.flops else None,
        per_op=w.per_op, correct=correct, notes=notes, ideal=ideal,
        expert=expert_col, expert_correct=expert_correct,
    )
