"""``mpiexec -n N python -m numpy_dist.benchmarks [--small] [--lazy|--eager] [--repeats R] [--json PATH] [--only W1,W2]``.

``python -m numpy_dist.benchmarks --model [--network infiniband] [--latency-us A] [--bandwidth-gbs B]``
instead projects W1-W8 to 16-4,096 ranks from this machine's local kernel rates and the
communication laws (numpy_dist/benchmarks/model.py, docs/scaling.md).

Runs every workload on plain NumPy (rank 0 alone), on DistArrays and as hand-written mpi4py
code (the "expert" column, expert.py; all N ranks) in the same job, next to STREAM bandwidth
measured in the same job, and prints the table and the target verdicts on rank 0.  The
DistArray column runs with deferred evaluation as ``NUMPY_DIST_LAZY`` says (on by default);
``--eager`` and ``--lazy`` choose: two runs measure both modes.  Thread pools are pinned to one thread per rank by the package
``__init__`` (it runs before this module and before NumPy is imported).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Any

from . import NUMPY_PRELOADED, REPORTED_VARS, THREAD_VARS, THREADS_BEFORE

import numpy as np  # noqa: E402  (after the thread pinning above)
import numpy_dist as nd  # noqa: E402
from mpi4py import MPI  # noqa: E402
from numpy_dist import _deferred  # noqa: E402

from . import model  # noqa: E402
from .memory import MMAP_THRESHOLD, steady_allocator  # noqa: E402
from .report import evaluate_targets, format_table, format_verdicts, write_json  # noqa: E402
from .runner import run_workload  # noqa: E402
from .stream import StreamResult, stream_concurrent, stream_single  # noqa: E402
from .workloads import select  # noqa: E402

NETWORKS = model.NETWORKS

STREAM_ELEMENTS = 20_000_000      # 160 MB per array: 5x the L3, as STREAM asks
STREAM_ELEMENTS_SMALL = 8_000_000
STREAM_REPEATS = 10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m numpy_dist.benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", action="store_true", help="small sizes: a quick (~10 s) check")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed repeats per workload after one warm-up (default 5, --small 3)")
    p.add_argument("--json", default=None, help="output file (default bench_results/bench-<nprocs>.json)")
    p.add_argument("--only", default=None, help="comma-separated workload keys, e.g. W1,W2b")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--lazy", action="store_true",
                      help="run the numpy_dist column with deferred evaluation on (as NUMPY_DIST_LAZY=1)")
    mode.add_argument("--eager", action="store_true",
                      help="run the numpy_dist column eagerly, each call computed at once (as NUMPY_DIST_LAZY=0)")
    p.add_argument("--model", action="store_true",
                   help="project W1-W8 to 16-4096 ranks (docs/scaling.md) instead of running them")
    p.add_argument("--network", default="infiniband", choices=sorted(NETWORKS),
                   help="--model: the named network (default %(default)s)")
    p.add_argument("--latency-us", type=float, default=None, help="--model: MPI latency in microseconds")
    p.add_argument("--bandwidth-gbs", type=float, default=None, help="--model: bandwidth per rank in GB/s")
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.small else 5
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    return args


def environment(comm: MPI.Intracomm) -> dict[str, Any]:
    """What the run's figures depend on, for the header and the JSON."""
    return {
        "nprocs": comm.Get_size(),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_dist": nd.__version__,
        "mpi": MPI.Get_library_version().splitlines()[0].strip(),
        "threads_pinned": {v: os.environ.get(v) for v in THREAD_VARS},
        "threads_before": THREADS_BEFORE,
        "numpy_imported_before_pinning": NUMPY_PRELOADED,
        "openblas_tuning": {v: os.environ[v] for v in REPORTED_VARS if v in os.environ},
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "loadavg_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.lazy or args.eager:
        _deferred.set_enabled(args.lazy)  # before any DistArray is made: the whole distributed column alike
    if args.model:
        return model.main(args.network, args.latency_us, args.bandwidth_gbs, args.small)
    comm = MPI.COMM_WORLD
    rank, nprocs = comm.Get_rank(), comm.Get_size()
    workloads = select(args.only)
    meta = environment(comm)
    meta.update(small=args.small, repeats=args.repeats, warmup=1, lazy=_deferred.ENABLED)

    def say(text: str = "") -> None:
        if rank == 0:
            print(text, flush=True)

    say(f"numpy_dist {nd.__version__} benchmarks: {nprocs} rank(s), numpy {np.__version__}, {meta['mpi']}")
    steady = steady_allocator()
    meta["malloc_mmap_threshold"] = MMAP_THRESHOLD if steady else None
    say(f"allocator: glibc mmap threshold fixed at {MMAP_THRESHOLD >> 20} MiB, trim at {2 * MMAP_THRESHOLD >> 20} MiB"
        " for both columns (its dynamic maximum)" if steady else "allocator: mallopt unavailable, thresholds dynamic")
    say(f"threads: {', '.join(f'{k}=1' for k in THREAD_VARS)} per rank (pinned by numpy_dist/benchmarks/__init__.py)"
        + ("  WARNING: numpy was imported before pinning" if NUMPY_PRELOADED else ""))
    tuning = meta["openblas_tuning"]
    say("OpenBLAS tuning variables: " + (", ".join(f"{k}={v}" for k, v in tuning.items()) if tuning
                                          else "OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE not set"))
    load = meta["loadavg_start"][0]
    say(f"load average at start: {load:.2f} on {os.cpu_count()} CPUs"
        + ("  WARNING: other processes are running; timings will be noisy" if load > 0.5 else ""))
    say("numpy_dist column: " + ("DEFERRED evaluation (the default; --eager or NUMPY_DIST_LAZY=0 computes each "
                                 "call at once); each kernel result is evaluated inside its timing"
                                 if _deferred.ENABLED else "EAGER evaluation (--eager or NUMPY_DIST_LAZY=0)"))
    say(f"timing: 1 warm-up + median of {args.repeats} repeats, barrier before each, max over ranks; "
        f"{'--small sizes' if args.small else 'default sizes'}")

    n_stream = STREAM_ELEMENTS_SMALL if args.small else STREAM_ELEMENTS
    s_repeats = 3 if args.small else STREAM_REPEATS

    def measure_stream(when: str) -> tuple[StreamResult, StreamResult]:
        s1 = comm.bcast(stream_single(comm, n_stream, s_repeats), root=0)
        sp = stream_concurrent(comm, n_stream, s_repeats)
        say(f"STREAM {when} (best of {s_repeats}, {n_stream * 8 / 1e6:.0f} MB arrays, GB/s): "
            f"1 process copy {s1.copy:.2f} triad {s1.triad:.2f}; "
            f"{nprocs} concurrent copy {sp.copy:.2f} triad {sp.triad:.2f}")
        return s1, sp

    s1, sp = measure_stream("before")
    say()
    rows = []
    for w in workloads:
        t0 = time.perf_counter()
        rows.append(run_workload(comm, w, args.small, args.repeats))
        say(f"  done {w.key:<4} in {time.perf_counter() - t0:6.1f} s")

    s1_after, sp_after = measure_stream("after ")
    s1, sp = s1.best_with(s1_after), sp.best_with(sp_after)
    say(f"STREAM reference (better of copy/triad, best of before/after): 1 process {s1.reference:.2f} GB/s, "
        f"{nprocs} concurrent {sp.reference:.2f} GB/s")

    meta["loadavg_end"] = os.getloadavg()
    say(f"load average at end: {meta['loadavg_end'][0]:.2f}")

    if rank == 0:
        verdicts = evaluate_targets(rows, sp, nprocs)
        say()
        say(format_table(rows, s1, sp, nprocs))
        say()
        say("GB/s: bytes a kernel must move (inputs read once, outputs written once) / median time; "
            f"%S1, %S{nprocs}: share of the 1-process and {nprocs}-process STREAM reference.")
        say(f"ideal s: the same kernel on each rank's local blocks as plain NumPy, all {nprocs} rank(s) at "
            "once, no communication (perfect scaling on this machine's cores and memory bandwidth).")
        say("expert s: the workload hand-written with mpi4py + NumPy on block-row local blocks "
            "(numpy_dist/benchmarks/expert.py), same timing; exp/dist: expert s / dist s, the speedup of "
            "numpy_dist over it (>1: numpy_dist faster).")
        say("peak/local: max over ranks of peak RSS during the workload minus RSS before its data "
            f"was created, and of the rank's input blocks ({rows[0].dist.memory_method if rows else ''}).")
        say()
        say("targets:")
        say(format_verdicts(verdicts))
        mode = "" if _deferred.ENABLED else "-eager"
        path = args.json or os.path.join("bench_results", f"bench-{nprocs}{mode}.json")
        write_json(path, meta, s1, sp, rows, verdicts)
        say(f"\nwrote {path}")
        wrong = [r.key for r in rows if r.correct is False]
        if wrong:
            say(f"WRONG RESULTS (distributed != NumPy): {', '.join(wrong)}")
        wrong_expert = [r.key for r in rows if r.expert_correct is False]
        if wrong_expert:
            say(f"WRONG EXPERT RESULTS (expert.py != NumPy): {', '.join(wrong_expert)}")
    comm.Barrier()
    wrong_anywhere = comm.bcast(any(False in (r.correct, r.expert_correct) for r in rows) if rank == 0 else None,
                                root=0)
    return 1 if wrong_anywhere else 0


if __name__ == "__main__":
    sys.exit(main())
