"""Run the guides' examples as doctests at several ranks (scripts/test.sh):

    python -m numpy_dist.testing --nprocs 1,2 --doctest-glob='*.rst' docs/guides

Every rank runs every example and compares its own output, so examples print
global results only (identical on every rank and at every rank count).
"""

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _shared_working_directory(monkeypatch):
    """Every rank in the same fresh directory, so the I/O guide's relative file names are shared."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    folder = comm.bcast(tempfile.mkdtemp(prefix="nd-guide-") if comm.rank == 0 else None)
    monkeypatch.chdir(folder)
    yield
    comm.Barrier()  # every rank is done with the files before rank 0 removes them
    if comm.rank == 0:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_settings():
    """The fallback policy and checked mode as each guide expects them at its start."""
    import numpy_dist as nd

    fallback, checks = nd.set_fallback("warn"), nd.set_checks(False)
    yield
    nd.set_fallback(fallback)
    nd.set_checks(checks)
