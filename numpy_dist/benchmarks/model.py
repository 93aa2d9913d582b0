"""``python -m numpy_dist.benchmarks --model``: project W1-W8 to 16-4,096 ranks.

The projection combines two things measured or stated elsewhere:

* the **local kernel rates of this machine**: each workload's kernel timed here on one process with
  plain NumPy (per element, per flop, or per ``n log n``), and numpy_dist's per-call overhead
  timed on a one-rank communicator;
* the **communication laws** of docs/scaling.md (tested by tests/laws): the bytes and the number
  of collectives one rank needs per call, as functions of N and P.

and prices the communication with the usual latency-bandwidth (alpha-beta) model of a named network:
a collective over P ranks costs ``alpha * ceil(log2 P)`` (tree or recursive doubling), an all-to-all
``alpha * (P - 1)`` (pairwise exchange), a neighbour exchange ``alpha``; every byte a rank sends or
receives costs ``1 / bandwidth``.  Strong scaling: each workload keeps one global size (a
cluster-sized problem, see :data:`PROBLEMS`) while P grows.  docs/scaling.md lists the assumptions.

A workload "stops scaling" at the first P where its parallel efficiency against 16 ranks falls
below 50%; the reason printed is the largest cost term there that P does not divide.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mpi4py import MPI

import numpy_dist as nd

from ..dispatch._samplesort import cut_bytes_bound, splitter_rounds

#: Rank counts of the projection.
RANKS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)


@dataclass(frozen=True)
class Network:
    """An interconnect in the alpha-beta model."""

    name: str
    latency: float      # seconds per message (alpha)
    bandwidth: float    # bytes per second per rank (1 / beta)


#: HDR InfiniBand-class default: ~1.5 us MPI latency, 100 Gb/s (12.5 GB/s) per port.
INFINIBAND = Network("InfiniBand HDR-class", 1.5e-6, 12.5e9)
NETWORKS = {
    "infiniband": INFINIBAND,
    "ethernet": Network("10 GbE (TCP)", 25e-6, 1.25e9),
    "slingshot": Network("Slingshot-11-class", 2.0e-6, 25e9),
}


# --------------------------------------------------------------------------
# Local kernel rates of this machine
# --------------------------------------------------------------------------


def _best_time(fn: Callable[[], object], repeats: int = 5) -> float:
    fn()  # warm-up
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@dataclass(frozen=True)
class Rates:
    """Seconds per unit of local work, measured on this machine with one process."""

    chain: float        # W1: sin*2 + x**2 - exp(-x), per element
    reduce: float       # W2/W2b/W3: one summing pass, per element
    stencil: float      # W4: one 5-point update, per interior point
    flop: float         # W5: per flop of a local matmul (BLAS, one thread)
    sort: float         # W6: per n log2 n of np.sort
    fft: float          # W8: per 5 n log2 n flop of a local FFT
    call: float         # W7: numpy_dist's overhead of one small operation (a + b), per call


def measure_rates(small: bool = False) -> Rates:
    """Time each kernel on local arrays of a few MB (about a second in all; ``small``: less)."""
    n = 500_000 if small else 2_000_000
    rng = np.random.default_rng(24)
    x = rng.random(n)
    chain = _best_time(lambda: np.sin(x) * 2 + x**2 - np.exp(-x)) / n
    reduce = _best_time(lambda: np.sum(x)) / n
    side = 500 if small else 1000
    u = rng.random((side, side))
    stencil = _best_time(lambda: u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                                       - 4 * u[1:-1, 1:-1])) / (side - 2) ** 2
    m = 300 if small else 600
    a, b = rng.random((m, m)), rng.random((m, m))
    flop = _best_time(lambda: a @ b) / (2.0 * m**3)
    sort = _best_time(lambda: np.sort(x)) / (n * math.log2(n))
    f = rng.random((side, side))
    fft = _best_time(lambda: np.fft.fft2(f)) / (5.0 * side * side * math.log2(side * side))
    # numpy_dist's own cost of a call: a DistArray on a one-rank communicator, so no messages.
    da = nd.asarray(np.ones(100), comm=MPI.COMM_SELF)
    calls = 200
    call = _best_time(lambda: [da + da for _ in range(calls)]) / calls
    return Rates(chain, reduce, stencil, flop, sort, fft, call)


# --------------------------------------------------------------------------
# The cost of one call at P ranks
# --------------------------------------------------------------------------


@dataclass
class Cost:
    """Seconds of one call on the slowest rank, by kind."""

    compute: float = 0.0
    bandwidth: float = 0.0
    latency: float = 0.0
    overhead: float = 0.0

    @property
    def total(self) -> float:
        return self.compute + self.bandwidth + self.latency + self.overhead

    def dominant(self) -> str:
        terms = {"compute": self.compute, "bandwidth": self.bandwidth, "latency": self.latency,
                 "overhead": self.overhead}
        return max(terms, key=terms.get)


class Pricer:
    """The alpha-beta prices of the collectives the laws count."""

    def __init__(self, net: Network, P: int):
        self.net, self.P = net, P
        self.steps = max(1, math.ceil(math.log2(P)))

    def tree(self, count: int = 1) -> float:
        """``count`` allreduce/allgather/bcast/scan latencies."""
        return count * self.steps * self.net.latency

    def alltoall(self, count: int = 1) -> float:
        """``count`` all-to-alls (pairwise exchange: P - 1 messages each)."""
        return count * (self.P - 1) * self.net.latency

    def bytes(self, n: float) -> float:
        return n / self.net.bandwidth


@dataclass(frozen=True)
class Problem:
    """One workload's global size and its cost law."""

    key: str
    title: str
    size: str
    cost: Callable[[Rates, Pricer], Cost]
    law: str


def _elementwise(n: float) -> Callable[[Rates, Pricer], Cost]:
    # Law: aligned elementwise sends nothing; the chain's 7 ufunc calls agree on FP flags (7 control
    # allreduces of 8 bytes).
    def cost(r: Rates, p: Pricer) -> Cost:
        return Cost(compute=r.chain * n / p.P, latency=p.tree(7), overhead=7 * r.call)
    return cost


def _row_sums(rows: float, cols: float) -> Callable[[Rates, Pricer], Cost]:
    # Law: a reduction over a local axis sends nothing (one control agreement).
    def cost(r: Rates, p: Pricer) -> Cost:
        return Cost(compute=r.reduce * rows * cols / p.P, latency=p.tree(1), overhead=r.call)
    return cost


def _column_sums(rows: float, cols: float) -> Callable[[Rates, Pricer], Cost]:
    # Law: over the distributed axis, one allreduce of the output (cols x 8 bytes), 3 control agreements.
    def cost(r: Rates, p: Pricer) -> Cost:
        out = 8 * cols
        return Cost(compute=r.reduce * rows * cols / p.P + r.reduce * cols,  # + combining the partials
                    bandwidth=p.bytes(2 * out * (p.P - 1) / p.P), latency=p.tree(4), overhead=r.call)
    return cost


def _moments(n: float) -> Callable[[Rates, Pricer], Cost]:
    # Law: a full reduction is one allreduce of a scalar; mean, std (two passes), min, max: 5, each with
    # 3 control agreements.
    def cost(r: Rates, p: Pricer) -> Cost:
        return Cost(compute=5 * r.reduce * n / p.P, latency=p.tree(5 * 4), overhead=6 * r.call)
    return cost


def _stencil(side: float, steps: int) -> Callable[[Rates, Pricer], Cost]:
    # Law: per step about 6 halo rows (side x 8 bytes) in 5 neighbour exchanges, independent of P,
    # and 7 control agreements.  Rows are blocks: a rank needs at least one row of its own.
    def cost(r: Rates, p: Pricer) -> Cost:
        busy = min(p.P, side)
        per_step = Cost(compute=r.stencil * side * side / busy, bandwidth=p.bytes(6 * side * 8),
                        latency=5 * p.net.latency + p.tree(7), overhead=12 * r.call)
        return Cost(*(steps * v for v in (per_step.compute, per_step.bandwidth, per_step.latency,
                                          per_step.overhead)))
    return cost


def _matmul_rows(n: float) -> Callable[[Rates, Pricer], Cost]:
    # Law (row blocks, the benchmark's layout): every block of B reaches the P - 1 other ranks
    # (n^2 x 8 x (P-1)/P bytes per rank, constant in P) in up to 2P panel passes.
    def cost(r: Rates, p: Pricer) -> Cost:
        return Cost(compute=r.flop * 2 * n**3 / p.P, bandwidth=p.bytes(8 * n * n * (p.P - 1) / p.P),
                    latency=p.tree(1) + min(2 * p.P, p.P) * p.net.latency, overhead=3 * r.call)
    return cost


def _grid(P: int) -> tuple[int, int]:
    pr = int(math.isqrt(P))
    while P % pr:
        pr -= 1
    return pr, P // pr


def _matmul_grid(n: float) -> Callable[[Rates, Pricer], Cost]:
    # Law (pr x pc grid, SUMMA): n^2 x 8 x (1/pr + 1/pc - 2/P) bytes per rank in about pr + pc panel
    # broadcasts along grid rows and columns.
    def cost(r: Rates, p: Pricer) -> Cost:
        pr, pc = _grid(p.P)
        moved = 8 * n * n * (1 / pr + 1 / pc - 2 / p.P)
        bcast_steps = (pr + pc) * max(1, math.ceil(math.log2(max(pr, pc))))
        return Cost(compute=r.flop * 2 * n**3 / p.P, bandwidth=p.bytes(moved),
                    latency=bcast_steps * p.net.latency, overhead=3 * r.call)
    return cost


def _sort(n: float) -> Callable[[Rates, Pricer], Cost]:
    # Law: one share (n/P x 8 bytes) in one all-to-all, plus the exact-splitter rounds:
    # cut_bytes_bound(P, n/P, 8, 1) bytes, O(P S log_S n), in ~log_S n + 2 rounds of an
    # allgather and an allreduce each.
    def cost(r: Rates, p: Pricer) -> Cost:
        local = n / p.P
        rounds = splitter_rounds(int(n), 1)
        splitter = cut_bytes_bound(p.P, int(local), 8, 1)
        # Each round the allgather brings every rank the (P-1)S proposals of all boundaries, and the
        # counts come back in an allreduce of (P-1)S entries.
        return Cost(compute=r.sort * local * math.log2(max(local, 2)) * 2,  # local sort + merge
                    bandwidth=p.bytes(8 * local * (p.P - 1) / p.P + splitter),
                    latency=p.alltoall(1) + p.tree(2 * rounds + 3), overhead=8 * r.call)
    return cost


def _latency_chain(ops: int) -> Callable[[Rates, Pricer], Cost]:
    # Law: an aligned a + b sends nothing but agrees on FP flags once (one control allreduce).
    def cost(r: Rates, p: Pricer) -> Cost:
        return Cost(latency=ops * p.tree(1), overhead=ops * r.call)
    return cost


def _fft2(side: float) -> Callable[[Rates, Pricer], Cost]:
    # Law: two all-to-alls (pencil transpositions) of one complex share each; at most ``side`` ranks
    # hold a pencil.
    def cost(r: Rates, p: Pricer) -> Cost:
        busy = min(p.P, side)
        share = 16 * side * side / busy
        return Cost(compute=r.fft * 5 * side * side * math.log2(side * side) / busy,
                    bandwidth=p.bytes(2 * share * (p.P - 1) / p.P), latency=p.alltoall(2) + p.tree(2),
                    overhead=4 * r.call)
    return cost


#: Cluster-sized problems (strong scaling): each fits in the memory of 16 nodes, not of one.
PROBLEMS: tuple[Problem, ...] = (
    Problem("W1", "sin(x)*2 + x**2 - exp(-x)", "N = 1e10", _elementwise(1e10), "0 B; 7 control allreduces"),
    Problem("W2", "sum(x, axis=1)", "200000 x 100000", _row_sums(2e5, 1e5), "0 B; 1 control allreduce"),
    Problem("W2b", "sum(x, axis=0)", "200000 x 100000", _column_sums(2e5, 1e5), "1 allreduce of the output"),
    Problem("W3", "mean, std, min, max", "N = 1e10", _moments(1e10), "5 scalar allreduces"),
    Problem("W4", "heat stencil, 20 steps", "50000 x 50000", _stencil(5e4, 20), "6 halo rows per step"),
    Problem("W5", "A @ B (row blocks)", "n = 32768", _matmul_rows(32768), "B's blocks to every rank"),
    Problem("W5g", "A @ B (2-d grid, SUMMA)", "n = 32768", _matmul_grid(32768), "panels of a grid row/col"),
    Problem("W6", "sort(x)", "N = 4e9", _sort(4e9), "1 share + O(P S log_S N) splitters"),
    Problem("W7", "10000 x (a + b), 100 elements", "n = 100", _latency_chain(10_000), "1 control allreduce per op"),
    Problem("W8", "fft2(x)", "32768 x 32768", _fft2(32768), "2 all-to-alls of a complex share"),
)


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def _fmt_time(t: float) -> str:
    if t >= 1:
        return f"{t:7.2f}s"
    if t >= 1e-3:
        return f"{t * 1e3:6.1f}ms"
    return f"{t * 1e6:6.0f}us"


_WHY = {
    "bandwidth": "the bytes per rank stop shrinking with P",
    "latency": "the number of messages grows with P (collective latency)",
    "overhead": "numpy_dist's per-call Python overhead, which P does not divide",
}


def stops_scaling(costs: list[Cost]) -> tuple[int | None, str]:
    """First P (of :data:`RANKS`) where the efficiency against 16 ranks falls below 50%, and why.

    The reason is the largest term other than compute at that P: what P does not divide.  When
    compute is still the largest term, ranks are idle (fewer rows or pencils than ranks).
    """
    for i, (P, c) in enumerate(zip(RANKS, costs)):
        if costs[0].total * RANKS[0] / (c.total * P) < 0.5:
            if c.dominant() == "compute":
                return P, "no more work to split (fewer rows or pencils than ranks)"
            terms = {"bandwidth": c.bandwidth, "latency": c.latency, "overhead": c.overhead}
            reason = max(terms, key=terms.get)
            if reason == "bandwidth" and c.bandwidth > 1.5 * costs[i - 1].bandwidth:
                return P, "bandwidth: the bytes per rank grow with P"
            return P, f"{reason}: {_WHY[reason]}"
    last = costs[-1].dominant()
    return None, ("scales to 4096 ranks: local compute is still the largest term" if last == "compute"
                  else f"scales to 4096 ranks, but {last} is already the largest term there")


def project(rates: Rates, net: Network) -> list[tuple[Problem, list[Cost]]]:
    """The cost of one call of every workload at every rank count of :data:`RANKS`."""
    return [(w, [w.cost(rates, Pricer(net, P)) for P in RANKS]) for w in PROBLEMS]


def format_projection(rates: Rates, net: Network) -> str:
    """The projection table, the stopping points and the rates it came from."""
    lines = [f"numpy_dist scaling model: {net.name}, latency {net.latency * 1e6:.2f} us, "
             f"bandwidth {net.bandwidth / 1e9:.2f} GB/s per rank; strong scaling, one rank per core",
             "local rates measured here (one process): "
             f"chain {rates.chain * 1e9:.1f} ns/elem, sum {rates.reduce * 1e9:.2f} ns/elem, "
             f"stencil {rates.stencil * 1e9:.2f} ns/point, matmul {1e-9 / rates.flop:.1f} GFLOP/s, "
             f"sort {rates.sort * 1e9:.2f} ns/(n log2 n), fft {1e-9 / rates.fft:.2f} GFLOP/s, "
             f"numpy_dist call {rates.call * 1e6:.0f} us",
             ""]
    head = f"{'':4} {'problem':16}" + "".join(f"{P:>9}" for P in RANKS)
    lines += ["projected seconds per call (slowest rank); efficiency vs 16 ranks below", head]
    verdicts = []
    for w, costs in project(rates, net):
        lines.append(f"{w.key:4} {w.size:16}" + "".join(f"{_fmt_time(c.total):>9}" for c in costs))
        eff = [costs[0].total * RANKS[0] / (c.total * P) for c, P in zip(costs, RANKS)]
        lines.append(f"{'':4} {'  efficiency':16}" + "".join(f"{e:>8.0%} " for e in eff))
        P, why = stops_scaling(costs)
        last = costs[-1]
        split = (f"at 4096: compute {_fmt_time(last.compute).strip()}, bandwidth {_fmt_time(last.bandwidth).strip()}, "
                 f"latency {_fmt_time(last.latency).strip()}, overhead {_fmt_time(last.overhead).strip()}")
        verdicts.append(f"{w.key:4} {w.title} [{w.law}]: " +
                        (f"stops scaling at {P} ranks: {why}" if P else why) + f"\n{'':6}{split}")
    lines += ["", "where each workload stops scaling (efficiency vs 16 ranks below 50%):"] + verdicts
    return "\n".join(lines)


def main(network: str = "infiniband", latency_us: float | None = None, bandwidth_gbs: float | None = None,
         small: bool = False) -> int:
    """Measure the local rates and print the projection (rank 0 only when run under mpiexec)."""
    net = NETWORKS[network]
    if latency_us is not None or bandwidth_gbs is not None:
        net = Network(f"{net.name} (edited)" if network in NETWORKS else network,
                      net.latency if latency_us is None else latency_us * 1e-6,
                      net.bandwidth if bandwidth_gbs is None else bandwidth_gbs * 1e9)
    if MPI.COMM_WORLD.Get_rank() == 0:
        print(format_projection(measure_rates(small), net), flush=True)
    return 0
