"""Shared helpers of the I/O tests: one directory for every rank, collective exception checks."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
from mpi4py import MPI

from numpy_dist.testing import assert_all_ranks

COMM = MPI.COMM_WORLD
RANK, P = COMM.Get_rank(), COMM.Get_size()


def make_shared_dir() -> str:
    """A fresh directory, created by rank 0, whose name every rank gets (pytest's tmp_path differs per rank)."""
    path = tempfile.mkdtemp(prefix="numpy_dist_io_") if RANK == 0 else None
    return COMM.bcast(path, root=0)


def remove_shared_dir(path: str) -> None:
    COMM.Barrier()
    if RANK == 0:
        shutil.rmtree(path, ignore_errors=True)


def raises_everywhere(exc_type: type[BaseException], func: Callable[[], Any], match: str | None = None) -> BaseException | None:
    """Run ``func`` on every rank; fail (collectively) unless every rank raised ``exc_type``."""
    got: BaseException | None = None
    try:
        func()
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        got = exc
    ok = isinstance(got, exc_type) and (match is None or match in str(got))
    assert_all_ranks(ok, f"expected {exc_type.__name__}{' matching ' + repr(match) if match else ''}, "
                         f"got {type(got).__name__ if got else 'no exception'}: {got}")
    return got


def on_root(func: Callable[[], Any]) -> Any:
    """Run ``func`` on rank 0 only (file preparation), then synchronise; errors fail every rank."""
    err = None
    out = None
    if RANK == 0:
        try:
            out = func()
        except Exception as exc:  # noqa: BLE001
            err = f"{type(exc).__name__}: {exc}"
    err = COMM.bcast(err, root=0)
    assert err is None, f"rank 0 failed preparing the test: {err}"
    return COMM.bcast(out, root=0)


def leftovers(directory: str) -> list[str]:
    """Temporary files a failed write might have left behind (the same list on every rank)."""
    COMM.Barrier()
    return sorted(n for n in os.listdir(directory) if n.endswith(".partial"))


def same_everywhere(value: Any) -> bool:
    everyone = COMM.allgather(np.asarray(value).tobytes())
    return all(v == everyone[0] for v in everyone)
