"""numpy_dist: distributed NumPy arrays over MPI.

Every rank runs the same program (SPMD).  A :class:`DistArray` holds one
local NumPy block per rank; NumPy functions and ufuncs called on it run
distributed through ``__array_function__`` / ``__array_ufunc__``::

    import numpy as np, numpy_dist as nd
    d = nd.asarray(np.arange(12.0).reshape(3, 4))
    np.sum(d, axis=1)          # runs on every rank, returns a DistArray

Run with ``mpiexec -n 4 python prog.py`` (or plain ``python prog.py``: one rank).
"""

from __future__ import annotations

import sys as _sys
from typing import Any

_NO_MPI_HELP = """numpy_dist needs an MPI library, and mpi4py could not load one:
    {error}
Either install MPICH as a wheel together with numpy_dist:
    pip install "numpy_dist[mpich]"
or, on a cluster, load the cluster's MPI (e.g. `module load openmpi`) and install mpi4py
built against it:
    pip install --no-binary=mpi4py --force-reinstall mpi4py"""

try:  # first contact with MPI: say how to fix a missing library instead of mpi4py's raw error
    from mpi4py import MPI as _MPI
except (ImportError, RuntimeError, OSError) as _exc:
    raise ImportError(_NO_MPI_HELP.format(error=str(_exc).replace("\n", "\n    "))) from _exc

from . import dispatch as _dispatch  # registers every implementation
from . import formatting as _formatting  # noqa: F401  (installs DistArray's repr and str)
from . import indexing as _indexing  # noqa: F401  (installs DistArray's [] and []=)
from .checks import CollectiveMismatchError, set_checks, set_timeout
from .comm import agree, agreed, comm_stats, get_comm, reset_comm_stats
from .context import Context
from .creation import (
    arange,
    asarray,
    asnumpy,
    empty,
    empty_like,
    evaluate,
    eye,
    from_distarray,
    from_local,
    fromfunction,
    full,
    full_like,
    gather,
    geomspace,
    identity,
    linspace,
    logspace,
    ones,
    ones_like,
    redistribute,
    scatter,
    zeros,
    zeros_like,
)
from .distarray import DistArray
from .distarray import install_array_hooks as _install_array_hooks
from .distribution import Distribution, make_grid_shape
from .dispatch.registry import FallbackError, FallbackWarning, coverage, get_fallback, set_fallback
from .ownership import ownership_summary
from .printing import print0
from . import io, ma, random, special
from .io import genfromtxt, open_memmap, load, load_dnpy, load_hdf5, load_npy, loadtxt, save, save_dnpy, save_hdf5, save_npy, savetxt

__version__ = "0.1.0"

from .comm import install_excepthook as _install_excepthook

_install_excepthook()  # an uncaught exception on one rank ends the job (NUMPY_DIST_ABORT_ON_ERROR=0: off)

__all__ = [
    "DistArray", "Distribution", "Context", "make_grid_shape",
    "asarray", "scatter", "from_local", "from_distarray", "asnumpy", "gather", "redistribute",
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "evaluate",
    "arange", "linspace", "logspace", "geomspace", "eye", "identity", "fromfunction",
    "comm_stats", "reset_comm_stats", "get_comm", "agree", "agreed",
    "coverage", "set_fallback", "get_fallback", "FallbackWarning", "FallbackError",
    "ownership_summary", "io", "ma", "random", "save", "load", "save_npy", "load_npy", "save_dnpy", "load_dnpy",
    "savetxt", "loadtxt", "genfromtxt", "open_memmap",
    "save_hdf5", "load_hdf5", "set_checks", "set_timeout", "CollectiveMismatchError", "print0",
]


from . import _namespace
from ._namespace import *  # noqa: F403,E402  (the array API namespace; asarray/zeros/... are creation's)
from ._namespace import __array_api_version__, __array_namespace_info__, fft, linalg  # noqa: E402

__all__ += [n for n in _namespace.__all__ if n not in __all__] + ["linalg", "fft", "__array_api_version__"]
# ``import numpy_dist.linalg`` / ``from numpy_dist.fft import fft`` work as for ``numpy.linalg``: the
# extensions are the namespace's own modules, registered under their public names.
_sys.modules[__name__ + ".linalg"], _sys.modules[__name__ + ".fft"] = linalg, fft


def _namespace_for(api_version: str | None) -> Any:
    """The array API namespace for ``api_version`` (this module)."""
    supported = (None, "2023.12", "2024.12", "2025.12")
    if api_version not in supported:
        raise ValueError(f"api_version must be one of {supported[1:]}, got {api_version!r}")
    return _sys.modules[__name__]


_install_array_hooks(namespace=_namespace_for)


def __getattr__(name: str) -> Any:
    # numpy_dist.client (the notebook's global view) is imported on first use, not with the package.
    if name == "client":
        import importlib

        return importlib.import_module(".client", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
