"""Benchmark runner for numpy_dist: the same NumPy code on NumPy arrays and on DistArrays.

Run with ``mpiexec -n N python -m numpy_dist.benchmarks [--small] [--lazy] [--repeats R] [--json PATH]
[--only W1,W2]``.

The BLAS/OpenMP thread pools are pinned to one thread per rank.  The variables are read when
NumPy's BLAS library is loaded, and ``python -m numpy_dist.benchmarks`` has imported NumPy (through
``numpy_dist``) before this package runs; so the variables are set here for child processes, and
the running BLAS is limited at run time with threadpoolctl when it is installed.  Setting
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1`` in the environment of ``mpiexec``
pins them from the start.
Nothing here imports NumPy.
"""

from __future__ import annotations

import os
import sys

#: Thread-pool variables pinned to 1 (one rank per core: extra BLAS threads would oversubscribe).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: OpenBLAS tuning variables that may be set on this machine: left alone, but reported.
REPORTED_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _pin_threads() -> dict[str, str]:
    """Set every variable of :data:`THREAD_VARS` to ``"1"``; return what was there before."""
    before = {name: os.environ.get(name, "<unset>") for name in THREAD_VARS}
    for name in THREAD_VARS:
        os.environ[name] = "1"
    return before


def _limit_loaded_blas() -> bool:
    """Limit already-loaded BLAS/OpenMP pools to one thread (threadpoolctl); False when impossible."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(limits=1)
    return True


#: The environment before pinning, and whether NumPy was loaded before the pin took effect
#: (variables not already 1, and no run-time limit possible): then the report says so.
THREADS_BEFORE: dict[str, str] = _pin_threads()
NUMPY_PRELOADED: bool = ("numpy" in sys.modules and any(v != "1" for v in THREADS_BEFORE.values())
                         and not _limit_loaded_blas())
