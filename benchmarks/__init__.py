"""Benchmark runner for numpy_dist: the same NumPy code on NumPy arrays and on DistArrays.

Run with ``mpiexec -n N python -m benchmarks [--small] [--repeats R] [--json PATH] [--only W1,W2]``.

This package's ``__init__`` runs before ``benchmarks.__main__`` under ``python -m``, so it is
the earliest place to pin the BLAS/OpenMP thread pools to one thread per rank: the variables
are read when NumPy's BLAS library is loaded, so they must be set before NumPy is imported.
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


#: The environment before pinning, and whether NumPy was already loaded (then pinning came too
#: late for its BLAS, and the report says so).
THREADS_BEFORE: dict[str, str] = _pin_threads()
NUMPY_PRELOADED: bool = "numpy" in sys.modules
