"""The numpy_dist demo: an unmodified NumPy program fed DistArrays, checked against NumPy.

A heat-diffusion simulation on a 2-d plate (slices: a 5-point stencil) and
summary statistics of the result, written for NumPy arrays, run once on a
NumPy array in one process and once on a DistArray over every rank.  Rank 0
prints a report: checks against NumPy, time per step, bytes moved between
ranks, who owned what; and, with matplotlib installed, a PNG of the plate
coloured by owning rank.

Run: ``mpiexec -n 4 python -m numpy_dist.demo`` (or ``python -m numpy_dist.demo``: one rank).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.plotting import plot_array_distribution

# --------------------------------------------------------------------------
# The "user program": plain NumPy, nothing here knows about MPI or numpy_dist
# --------------------------------------------------------------------------


def initial_plate(n: int, m: int) -> np.ndarray:
    """A cold plate with a hot stripe and a warm square."""
    u = np.zeros((n, m))
    u[n // 4: n // 4 + 3, :] = 100.0
    u[n // 2: n // 2 + n // 8, m // 3: m // 3 + m // 8] = 50.0
    return u


def diffuse(u, steps: int, alpha: float = 0.2):
    """Explicit heat diffusion; the edges stay at their initial temperature."""
    for _ in range(steps):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * (
            u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1])
    return u


def summarise(u):
    """Summary statistics and an elementwise pipeline over the plate."""
    row_heat = np.sum(u, axis=1)
    centred = (u - np.mean(u, axis=0)) / (np.std(u, axis=0) + 1e-12)
    glow = np.sqrt(np.abs(centred)) * 2 + np.exp(-centred ** 2)
    return {
        "np.sum(u, axis=1)": row_heat,
        "np.mean(u)": np.mean(u),
        "np.std(u, axis=0)": np.std(u, axis=0),
        "np.max(u, axis=0)": np.max(u, axis=0),
        "np.argmax(row_heat)": np.argmax(row_heat),
        "np.var(glow)": np.var(glow),
        "np.count_nonzero(u > 1)": np.count_nonzero(u > 1),
        "np.cumsum(row_heat)": np.cumsum(row_heat),
    }


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


def _check(name: str, got, want) -> bool:
    have = nd.asnumpy(got) if isinstance(got, nd.DistArray) else np.asarray(got)
    want = np.asarray(want)
    return have.shape == want.shape and have.dtype == want.dtype and np.allclose(have, want, rtol=1e-9, atol=1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="numpy_dist demo")
    parser.add_argument("--rows", type=int, default=1200)
    parser.add_argument("--cols", type=int, default=800)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--png", default="numpy_dist_demo_owners.png", help="'' to skip the picture")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rank, nprocs = comm.Get_rank(), comm.Get_size()
    say = print if rank == 0 else (lambda *a, **k: None)

    plate = initial_plate(args.rows, args.cols)  # every rank builds the same initial data
    say(f"numpy_dist demo: heat diffusion on a {args.rows} x {args.cols} plate, {args.steps} steps, "
        f"{nprocs} rank(s)\n")

    # NumPy, one process
    t0 = time.perf_counter()
    u_np = diffuse(plate.copy(), args.steps)
    t_np = time.perf_counter() - t0
    stats_np = summarise(u_np)

    # numpy_dist: the same functions, fed a DistArray
    u = nd.asarray(plate)  # each rank keeps its block of rows
    nd.reset_comm_stats()
    comm.Barrier()
    t0 = time.perf_counter()
    u = diffuse(u, args.steps)
    comm.Barrier()
    t_nd = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
    moved_sim = comm.allreduce(nd.comm_stats()["bytes_sent"])
    nd.reset_comm_stats()
    stats_nd = summarise(u)
    moved_stats = comm.allreduce(nd.comm_stats()["bytes_sent"])

    say("Who owned what (block rows; global index ranges per rank):")
    say("  " + nd.ownership_summary(u).replace("\n", "\n  "))

    say("\nChecks against NumPy:")
    failures = 0
    ok = bool(np.array_equal(nd.asnumpy(u), u_np))
    failures += not ok
    say(f"  {'ok  ' if ok else 'FAIL'} plate after {args.steps} steps equals NumPy's bit for bit")
    for name, want in stats_np.items():
        ok = _check(name, stats_nd[name], want)
        failures += not ok
        got = stats_nd[name]
        kind = f"DistArray{got.shape}" if isinstance(got, nd.DistArray) else type(got).__name__
        say(f"  {'ok  ' if ok else 'FAIL'} {name:28s} -> {kind}")

    row_bytes = args.cols * 8
    say("\nTime per step: NumPy {:.2f} ms in one process; numpy_dist {:.2f} ms on {} rank(s)".format(
        t_np / args.steps * 1e3, t_nd / args.steps * 1e3, nprocs))
    say(f"Bytes moved between ranks: simulation {moved_sim} ({moved_sim / max(args.steps, 1):.0f} per step; "
        f"one plate row is {row_bytes}), statistics {moved_stats}; the plate itself is {plate.nbytes} bytes")
    if args.png:
        try:
            small = nd.zeros((16, 12), dist=u.dist, grid_shape=u.grid_shape)
            plot_array_distribution(small, args.png, title=f"owning rank, dist={''.join(u.dist)} (16 x 12 sketch)")
            say(f"Ownership picture written to {args.png}")
        except ImportError:
            say("(matplotlib not installed: no ownership picture; pip install numpy_dist[plot])")
    say("\nAll checks passed." if not failures else f"\n{failures} check(s) FAILED.")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
