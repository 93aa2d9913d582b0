"""tests/client: the notebook's global view, run from ONE plain pytest process (not under mpiexec).

These tests start ipyparallel clusters of MPI engines themselves, so they must
not run inside the multi-rank runner (``python -m numpy_dist.testing`` starts
every pytest process as an MPI rank, marked by ``NUMPY_DIST_NPROCS``): there,
and when ipyparallel is missing, its tests are skipped.
scripts/test.sh runs them once: ``python -m pytest tests/client``.

A 2-engine and a 4-engine cluster are started once for the whole directory
(session fixtures, one at a time: pytest groups the tests by parameter) and
shared by the tests; the failure tests start their own.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from mpi4py import MPI


def _inside_mpi_job() -> bool:
    return "NUMPY_DIST_NPROCS" in os.environ or MPI.COMM_WORLD.Get_size() > 1


def _skip_reason() -> str | None:
    if _inside_mpi_job():
        return "tests/client starts its own MPI engines: run it from one plain process (python -m pytest tests/client)"
    if importlib.util.find_spec("ipyparallel") is None:
        return "ipyparallel is not installed (pip install 'numpy_dist[client]')"
    return None


_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    for item in items:
        if _HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=reason))

ENGINE_COUNTS = (2, 4)


@pytest.fixture(scope="session", params=ENGINE_COUNTS, ids=lambda n: f"{n}engines")
def client(request):
    """A client of a cluster of n MPI engines (started once per n, stopped at the end)."""
    import numpy_dist as nd

    c = nd.client.connect(n=request.param, timeout=120)
    yield c
    c.close()
