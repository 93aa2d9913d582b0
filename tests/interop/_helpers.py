"""Shared pieces of the interop tests."""

import numpy as np
from mpi4py import MPI

import numpy_dist as nd

P = MPI.COMM_WORLD.Get_size()
RANK = MPI.COMM_WORLD.Get_rank()
# A few layouts, to keep these tests fast: even and uneven blocks, cyclic, a 2-d grid, replicated.
CASES_1D = ["block", "uneven", "cyclic", "unstructured", "replicated"]
CASES_2D = ["block", "uneven", "cyclic", "grid_bc", "replicated"]


def values(x):
    """A result as a NumPy array (explicit gather for DistArrays)."""
    return nd.asnumpy(x) if isinstance(x, nd.DistArray) else np.asarray(x)
