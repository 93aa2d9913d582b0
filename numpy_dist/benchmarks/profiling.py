"""Profile one workload's numpy_dist run with cProfile (rank 0's profile is printed).

``mpiexec -n 1 python -m numpy_dist.benchmarks.profiling W3 [--small] [--top 25]``

Runs the workload's kernel on DistArrays (one warm-up, then one profiled timed call) and
prints the top functions by cumulative and by internal time, restricted to numpy_dist's own
code (``--all`` shows everything), so per-call overhead and extra temporaries stand out.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

from . import THREAD_VARS  # noqa: F401  (pins BLAS threads before NumPy loads)

import numpy as np  # noqa: E402
import numpy_dist as nd  # noqa: E402
from mpi4py import MPI  # noqa: E402

from .runner import run_repeated, is_fallback  # noqa: E402
from .workloads import select  # noqa: E402


# Directory prefixes stripped from the listing (numpy_dist/..., numpy/... stay recognisable).
_PREFIXES = tuple({os.path.dirname(os.path.dirname(nd.__file__)) + os.sep,
                   os.path.dirname(os.path.dirname(np.__file__)) + os.sep})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m numpy_dist.benchmarks.profiling", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workload", help="one workload key, e.g. W3")
    p.add_argument("--small", action="store_true")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--all", action="store_true", help="do not restrict the listing to numpy_dist")
    args = p.parse_args(argv)
    (w,) = select(args.workload)
    comm = MPI.COMM_WORLD
    fallback = is_fallback(w.functions)
    if fallback:
        nd.set_fallback("allow")
    size, inner = w.pick_size(args.small, fallback), w.pick_inner(args.small)
    dinputs = tuple(nd.asarray(x, copy=True) for x in w.make_inputs(size))
    kernel = w.kernel_for(nd.evaluate)
    run_repeated(kernel, dinputs, inner)  # warm-up (caches, first-call imports)
    comm.Barrier()
    prof = cProfile.Profile()
    prof.enable()
    run_repeated(kernel, dinputs, inner)
    prof.disable()
    if comm.Get_rank() == 0:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        # Full paths are kept so numpy_dist's frames are recognisable; the regex keeps them
        # and the NumPy / C calls they make.
        restrict = () if args.all else ("numpy_dist|numpy/|built-in|method",)
        print(f"== {w.key} {w.title}: size {size}, {inner} call(s), {comm.Get_size()} rank(s)")
        for order in ("cumulative", "tottime"):
            out.truncate(0)
            out.seek(0)
            stats.sort_stats(order).print_stats(*restrict, args.top)
            print(f"-- sorted by {order}")
            text = out.getvalue()
            for prefix in _PREFIXES:  # shorter lines: package-relative paths
                text = text.replace(prefix, "")
            print(text[text.find("   ncalls"):] if "   ncalls" in text else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
