"""The benchmark workloads: plain NumPy functions, each applied unchanged to a NumPy array
and to a DistArray (that the same code runs distributed is the product's point).

A :class:`Workload` pairs a kernel with a seeded data builder, default and ``--small``
sizes (plus smaller ones used when the kernel would run through numpy_dist's gathering
fallback), and a traffic model for the achieved-bandwidth column.

Sizes: the default sizes make NumPy take roughly a second per timed call on the reference
machine (2-core AMD EPYC VM, ~25 GB/s read bandwidth).  A single pass of a memory-bound
reduction over an array that fits in memory takes milliseconds there, so those kernels are
called ``inner`` times per timed call on an array far larger than the 32 MiB L3, rather than
on a 10 GB array.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Shape = tuple[int, ...]


# --------------------------------------------------------------------------
# Kernels: plain NumPy, no knowledge of numpy_dist
# --------------------------------------------------------------------------


def elementwise_chain(x: Any) -> Any:
    """W1: a chain of ufuncs (compute-bound: sin and exp dominate)."""
    return np.sin(x) * 2 + x**2 - np.exp(-x)


def row_sums(x: Any) -> Any:
    """W2: reduce the local axis of a row-distributed 2-d array (no communication needed)."""
    return np.sum(x, axis=1)


def column_sums(x: Any) -> Any:
    """W2b: reduce the distributed axis (one small allreduce of ``ncols`` partials needed)."""
    return np.sum(x, axis=0)


def moments(x: Any) -> Any:
    """W3: four full reductions of a 1-d array (scalars, replicated on every rank)."""
    return np.mean(x), np.std(x), np.min(x), np.max(x)


def heat_diffusion(u: Any, steps: int = 20, c: float = 0.1) -> Any:
    """W4: explicit 5-point heat diffusion written with slices; updates ``u`` in place.

    Repeated timed calls keep diffusing the same array: the work per call is identical and
    the values stay bounded (c < 0.25 is stable), so no per-repeat copy is needed.
    """
    for _ in range(steps):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + c * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                             - 4 * u[1:-1, 1:-1])
    return u


def matmul(a: Any, b: Any) -> Any:
    """W5: matrix product."""
    return a @ b


def sort(x: Any) -> Any:
    """W6: sort a 1-d array."""
    return np.sort(x)


def fft2(x: Any) -> Any:
    """W8: 2-d FFT (one axis is distributed: a pencil transposition)."""
    return np.fft.fft2(x)


LATENCY_OPS = 10_000


def add_latency(a: Any, b: Any) -> Any:
    """W7: many tiny additions: measures per-call dispatch overhead, not arithmetic."""
    r = None
    for _ in range(LATENCY_OPS):
        r = a + b
    return r


def no_evaluate(result: Any) -> None:
    """The ``evaluate`` hook for NumPy arrays: their values exist as soon as they are returned."""


def add_latency_evaluated(a: Any, b: Any, evaluate: Callable[[Any], None] = no_evaluate) -> Any:
    """W7e: W7 with each result evaluated before the next: the per-operation cost deferral cannot hide.

    ``evaluate`` is the one hook a kernel may take (see ``Workload.takes_evaluate``):
    the runner passes ``numpy_dist.evaluate`` for the DistArray column, which computes
    a deferred (``NUMPY_DIST_LAZY``) value now; the NumPy columns keep the no-op.
    """
    r = None
    for _ in range(LATENCY_OPS):
        r = a + b
        evaluate(r)
    return r


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _rng(key: str) -> np.random.Generator:
    """The same seeded stream on every rank and in both columns, one per workload."""
    return np.random.default_rng([2024, sum(map(ord, key))])


def uniform(key: str, *shapes: Shape) -> tuple[np.ndarray, ...]:
    """float64 inputs in [0, 1) of the given shapes."""
    rng = _rng(key)
    return tuple(rng.random(s) for s in shapes)


# --------------------------------------------------------------------------
# Workload table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One benchmark row.

    Attributes
    ----------
    key, title : names for ``--only`` and the table.
    kernel : the plain-NumPy function; its arguments are the arrays ``shapes`` describes.
    shapes : ``size -> input shapes``; ``size`` is an int from one of the size fields.
    size, small : default and ``--small`` size.
    fallback_size, fallback_small : sizes used instead when a function in ``functions`` is a
        numpy_dist fallback (gathers everything, so the default size might not finish).
    inner : kernel calls per timed call (memory-bound kernels, see the module docstring).
    traffic : ``size -> bytes`` one kernel call must move (inputs read once, outputs written
        once: a lower bound on the real traffic), for the GB/s column; None if not meaningful.
    flops : ``size -> floating-point operations`` of one call, for a GFLOP/s note.
    per_op : if set, the kernel is this many operations and the table notes µs per operation.
    functions : NumPy functions (coverage names) whose fallback status decides the size.
    local_inputs : ``(local blocks, global inputs) -> kernel arguments`` for the "ideal" column
        (plain NumPy on each rank's share); default: the local blocks.
    takes_evaluate : the kernel has an ``evaluate`` keyword (a no-op by default), called on
        each result that must exist before the next operation; the DistArray column passes
        ``numpy_dist.evaluate`` (:meth:`kernel_for`).  Kernels stay plain NumPy this way.
    """

    key: str
    title: str
    kernel: Callable[..., Any]
    shapes: Callable[[int], Sequence[Shape]]
    size: int
    small: int
    inner: int = 1
    small_inner: int = 1
    fallback_size: int | None = None
    fallback_small: int | None = None
    traffic: Callable[[int], float] | None = None
    flops: Callable[[int], float] | None = None
    per_op: int | None = None
    functions: tuple[str, ...] = field(default_factory=tuple)
    local_inputs: Callable[[tuple, tuple], tuple] | None = None
    takes_evaluate: bool = False

    def kernel_for(self, evaluate: Callable[[Any], None]) -> Callable[..., Any]:
        """The kernel with ``evaluate`` as its hook, if it takes one (else the kernel itself)."""
        return functools.partial(self.kernel, evaluate=evaluate) if self.takes_evaluate else self.kernel

    def pick_size(self, small: bool, fallback: bool) -> int:
        """The array size for this run."""
        if fallback and self.fallback_size is not None:
            return self.fallback_small if small and self.fallback_small is not None else self.fallback_size
        return self.small if small else self.size

    def pick_inner(self, small: bool) -> int:
        return self.small_inner if small else self.inner

    def make_inputs(self, size: int) -> tuple[np.ndarray, ...]:
        """Seeded inputs (identical on every rank and for both columns)."""
        return uniform(self.key, *self.shapes(size))


def _square(n: int) -> tuple[Shape, ...]:
    return ((n, n),)


# Two-d arrays are (rows, cols) = (size, size // 2): rows distributed, a long local axis.
def _rows(n: int) -> tuple[Shape, ...]:
    return ((n, n // 2),)


WORKLOADS: tuple[Workload, ...] = (
    Workload("W1", "sin(x)*2 + x**2 - exp(-x)", elementwise_chain, lambda n: ((n,),),
             size=48_000_000, small=4_000_000, traffic=lambda n: 16.0 * n),
    Workload("W2", "sum(x, axis=1)", row_sums, _rows, size=8000, small=4000, inner=100, small_inner=10,
             traffic=lambda n: 8.0 * n * (n // 2) + 8.0 * n),
    Workload("W2b", "sum(x, axis=0)", column_sums, _rows, size=8000, small=4000, inner=100, small_inner=10,
             traffic=lambda n: 8.0 * n * (n // 2) + 8.0 * (n // 2)),
    # mean, std (two passes), min, max: five reads of x.
    Workload("W3", "mean, std, min, max", moments, lambda n: ((n,),),
             size=32_000_000, small=4_000_000, inner=8, small_inner=4, traffic=lambda n: 40.0 * n),
    # Per step: read u once, write the interior once.
    Workload("W4", "heat stencil, 20 steps", heat_diffusion, _square, size=2000, small=800,
             traffic=lambda n: 20 * 16.0 * (n - 2) ** 2),
    Workload("W5", "A @ B", matmul, lambda n: ((n, n), (n, n)), size=2000, small=600,
             fallback_size=1000, fallback_small=300, flops=lambda n: 2.0 * n**3,
             functions=("numpy.matmul",), local_inputs=lambda blocks, whole: (blocks[0], whole[1])),
    Workload("W6", "sort(x)", sort, lambda n: ((n,),), size=12_000_000, small=2_000_000,
             fallback_size=2_000_000, fallback_small=250_000, functions=("numpy.sort",)),
    Workload("W7", f"{LATENCY_OPS} x (a + b), 100 elements", add_latency, lambda n: ((n,), (n,)),
             size=100, small=100, per_op=LATENCY_OPS),
    Workload("W7e", f"{LATENCY_OPS} x r = a + b; evaluate(r)", add_latency_evaluated, lambda n: ((n,), (n,)),
             size=100, small=100, per_op=LATENCY_OPS, takes_evaluate=True),
    # 5 n^2 log2(n^2) flops: the usual FFT operation count for complex data.
    Workload("W8", "fft2(x)", fft2, _square, size=4096, small=1024, fallback_size=1024, fallback_small=256,
             flops=lambda n: 5.0 * n * n * np.log2(float(n * n)), functions=("numpy.fft.fft2",)),
)


def select(only: str | None) -> list[Workload]:
    """The workloads named in ``--only`` (comma separated, case-insensitive), in table order."""
    if not only:
        return list(WORKLOADS)
    wanted = {k.strip().upper() for k in only.split(",") if k.strip()}
    unknown = wanted - {w.key.upper() for w in WORKLOADS}
    if unknown:
        raise SystemExit(f"unknown workload(s) {sorted(unknown)}; choose from {[w.key for w in WORKLOADS]}")
    return [w for w in WORKLOADS if w.key.upper() in wanted]
